/**
 * Alert levels and descriptions (RFC 8446 §6, RFC 5246 §7.2).
 *
 * @since 0.1.0
 */
import * as Registry from "./registry.js"

/** @since 0.1.0 @category registries */
export const AlertLevel = Registry.make("AlertLevel", 1, { warning: 1, fatal: 2 })

/** @since 0.1.0 @category registries */
export const AlertDescription = Registry.make("AlertDescription", 1, {
  close_notify: 0,
  unexpected_message: 10,
  bad_record_mac: 20,
  decryption_failed_RESERVED: 21,
  record_overflow: 22,
  decompression_failure_RESERVED: 30,
  handshake_failure: 40,
  no_certificate_RESERVED: 41,
  bad_certificate: 42,
  unsupported_certificate: 43,
  certificate_revoked: 44,
  certificate_expired: 45,
  certificate_unknown: 46,
  illegal_parameter: 47,
  unknown_ca: 48,
  access_denied: 49,
  decode_error: 50,
  decrypt_error: 51,
  export_restriction_RESERVED: 60,
  protocol_version: 70,
  insufficient_security: 71,
  internal_error: 80,
  inappropriate_fallback: 86,
  user_canceled: 90,
  no_renegotiation: 100,
  missing_extension: 109,
  unsupported_extension: 110,
  certificate_unobtainable_RESERVED: 111,
  unrecognized_name: 112,
  bad_certificate_status_response: 113,
  bad_certificate_hash_value_RESERVED: 114,
  unknown_psk_identity: 115,
  certificate_required: 116,
  no_application_protocol: 120
})

/** An alert description name. @since 0.1.0 @category models */
export type AlertName = keyof typeof AlertDescription.values

/**
 * An alert in OpenSSL's words, as `SSL_alert_desc_string_long` prints it
 * (`close notify`, `handshake failure`).
 *
 * @since 0.1.0
 */
export const alertText = (code: number): string => {
  const name = AlertDescription.nameOf(code)
  return name.startsWith("unknown(") ? name : name.replace(/_RESERVED$/, "").replace(/_/g, " ")
}
