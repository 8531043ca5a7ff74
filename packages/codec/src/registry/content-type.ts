/**
 * TLS record content types (RFC 8446 §5.1, RFC 5246 §6.2.1, RFC 6520).
 *
 * @since 0.1.0
 */
import * as Registry from "./registry.js"

/** @since 0.1.0 @category registries */
export const ContentType = Registry.make("ContentType", 1, {
  invalid: 0,
  change_cipher_spec: 20,
  alert: 21,
  handshake: 22,
  application_data: 23,
  heartbeat: 24
})
