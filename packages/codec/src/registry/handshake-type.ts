/**
 * Handshake message types (RFC 8446 §4, RFC 5246 §7.4, RFC 6066 §8, RFC 8879).
 *
 * @since 0.1.0
 */
import * as Registry from "./registry.js"

/** @since 0.1.0 @category registries */
export const HandshakeType = Registry.make("HandshakeType", 1, {
  hello_request: 0,
  client_hello: 1,
  server_hello: 2,
  new_session_ticket: 4,
  end_of_early_data: 5,
  encrypted_extensions: 8,
  certificate: 11,
  server_key_exchange: 12,
  certificate_request: 13,
  server_hello_done: 14,
  certificate_verify: 15,
  client_key_exchange: 16,
  finished: 20,
  certificate_status: 22,
  key_update: 24,
  compressed_certificate: 25,
  message_hash: 254
})

/** A handshake type name. @since 0.1.0 @category models */
export type HandshakeTypeName = keyof typeof HandshakeType.values
