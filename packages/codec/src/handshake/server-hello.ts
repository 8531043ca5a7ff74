/**
 * ServerHello and HelloRetryRequest (RFC 8446 §4.1.3, §4.1.4, RFC 5246 §7.4.1.3). Both
 * are handshake type 2; a HelloRetryRequest is a ServerHello whose random is the SHA-256
 * of "HelloRetryRequest", and its extensions have their own bodies.
 *
 * @since 0.1.0
 */
import { HelloRetryRequestExtensions, ServerHelloExtensions } from "../extensions/tables.js"
import * as W from "../wire/codec.js"

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)))

/** The HelloRetryRequest random (RFC 8446 §4.1.3). @since 0.1.0 */
export const HELLO_RETRY_REQUEST_RANDOM = hex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")

/** Last 8 bytes of a TLS 1.3 server's random when it negotiates TLS 1.2 (RFC 8446 §4.1.3). @since 0.1.0 */
export const DOWNGRADE_TLS12 = hex("444f574e47524401")
/** Last 8 bytes of a TLS 1.3 server's random when it negotiates TLS 1.1 or below. @since 0.1.0 */
export const DOWNGRADE_TLS11 = hex("444f574e47524400")

/**
 * `struct { ProtocolVersion legacy_version; Random random; opaque legacy_session_id_echo<0..32>;
 * CipherSuite cipher_suite; uint8 legacy_compression_method; Extension extensions<6..2^16-1>; }`.
 * The extensions block may be absent in TLS 1.2 (Apple's servers omit it).
 *
 * @since 0.1.0
 * @category codecs
 */
export const ServerHello = W.tagged("ServerHello", {
  legacyVersion: W.uint16,
  random: W.opaque(32),
  legacySessionIdEcho: W.bytes(1, 0, 32),
  cipherSuite: W.uint16,
  legacyCompressionMethod: W.uint8,
  extensions: W.optional(ServerHelloExtensions)
})

/** @since 0.1.0 @category models */
export type ServerHello = W.Type<typeof ServerHello>

/**
 * HelloRetryRequest: the ServerHello layout with the fixed random.
 *
 * @since 0.1.0
 * @category codecs
 */
export const HelloRetryRequest = W.tagged("HelloRetryRequest", {
  legacyVersion: W.uint16,
  random: W.constantBytes(HELLO_RETRY_REQUEST_RANDOM, "HelloRetryRequest.random"),
  legacySessionIdEcho: W.bytes(1, 0, 32),
  cipherSuite: W.uint16,
  legacyCompressionMethod: W.uint8,
  extensions: HelloRetryRequestExtensions
})

/** @since 0.1.0 @category models */
export type HelloRetryRequest = W.Type<typeof HelloRetryRequest>

/**
 * Whether a ServerHello body (without the handshake header) is a HelloRetryRequest: its
 * random, at offset 2, is the magic value.
 *
 * @since 0.1.0
 */
export const isHelloRetryRequestBody = (body: Uint8Array): boolean =>
  body.length >= 34 && W.bytesEqual(body.subarray(2, 34), HELLO_RETRY_REQUEST_RANDOM)
