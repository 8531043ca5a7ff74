/**
 * Extension types (RFC 8446 §4.2 and the RFCs it cites, IANA "TLS ExtensionType
 * Values"), and RFC 8446 §4.2's table of which TLS 1.3 message may carry which.
 *
 * @since 0.1.0
 */
import * as Registry from "./registry.js"

/** @since 0.1.0 @category registries */
export const ExtensionType = Registry.make("ExtensionType", 2, {
  server_name: 0,
  max_fragment_length: 1,
  client_certificate_url: 2,
  trusted_ca_keys: 3,
  truncated_hmac: 4,
  status_request: 5,
  user_mapping: 6,
  client_authz: 7,
  server_authz: 8,
  cert_type: 9,
  supported_groups: 10,
  ec_point_formats: 11,
  srp: 12,
  signature_algorithms: 13,
  use_srtp: 14,
  heartbeat: 15,
  application_layer_protocol_negotiation: 16,
  status_request_v2: 17,
  signed_certificate_timestamp: 18,
  client_certificate_type: 19,
  server_certificate_type: 20,
  padding: 21,
  encrypt_then_mac: 22,
  extended_master_secret: 23,
  token_binding: 24,
  cached_info: 25,
  compress_certificate: 27,
  record_size_limit: 28,
  delegated_credentials: 34,
  session_ticket: 35,
  pre_shared_key: 41,
  early_data: 42,
  supported_versions: 43,
  cookie: 44,
  psk_key_exchange_modes: 45,
  certificate_authorities: 47,
  oid_filters: 48,
  post_handshake_auth: 49,
  signature_algorithms_cert: 50,
  key_share: 51,
  quic_transport_parameters: 57,
  next_protocol_negotiation: 13172,
  application_settings: 17513,
  application_settings_new: 17613,
  channel_id: 30032,
  encrypted_client_hello: 65037,
  renegotiation_info: 65281
})

/** An extension type name. @since 0.1.0 @category models */
export type ExtensionName = keyof typeof ExtensionType.values

/**
 * The TLS 1.3 messages that carry extensions, as RFC 8446 §4.2 abbreviates them: CH,
 * SH, EE, CT (Certificate entry), CR, NST, HRR.
 *
 * @since 0.1.0
 * @category models
 */
export type ExtensionContext13 = "CH" | "SH" | "EE" | "CT" | "CR" | "NST" | "HRR"

/**
 * RFC 8446 §4.2: "The table below indicates the messages where a given extension may
 * appear". A recognised extension in any other TLS 1.3 message is `illegal_parameter`.
 * Types not in the table (unknown to TLS 1.3 or defined elsewhere) are absent.
 *
 * @since 0.1.0
 */
export const allowedIn13: Readonly<Partial<Record<number, ReadonlyArray<ExtensionContext13>>>> = {
  0: ["CH", "EE"],
  1: ["CH", "EE"],
  5: ["CH", "CR", "CT"],
  10: ["CH", "EE"],
  13: ["CH", "CR"],
  14: ["CH", "EE"],
  15: ["CH", "EE"],
  16: ["CH", "EE"],
  18: ["CH", "CR", "CT"],
  19: ["CH", "EE"],
  20: ["CH", "EE"],
  21: ["CH"],
  27: ["CH", "CR"],
  28: ["CH", "EE"],
  41: ["CH", "SH"],
  42: ["CH", "EE", "NST"],
  43: ["CH", "SH", "HRR"],
  44: ["CH", "HRR"],
  45: ["CH"],
  47: ["CH", "CR"],
  48: ["CR"],
  49: ["CH"],
  50: ["CH", "CR"],
  51: ["CH", "SH", "HRR"]
}

/**
 * Whether a TLS 1.3 message may carry an extension type (RFC 8446 §4.2). Unknown types
 * are allowed here: "implementations MUST ignore unrecognized extensions" applies to the
 * ClientHello; answering with one the peer did not offer is caught elsewhere.
 *
 * @since 0.1.0
 */
export const isAllowedIn13 = (type: number, context: ExtensionContext13): boolean => {
  const allowed = allowedIn13[type]
  return allowed === undefined || allowed.includes(context)
}
