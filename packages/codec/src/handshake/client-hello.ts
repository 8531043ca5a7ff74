/**
 * ClientHello (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2).
 *
 * @since 0.1.0
 */
import { ClientHelloExtensions } from "../extensions/tables.js"
import * as W from "../wire/codec.js"

/**
 * `struct { ProtocolVersion legacy_version; Random random; opaque legacy_session_id<0..32>;
 * CipherSuite cipher_suites<2..2^16-2>; opaque legacy_compression_methods<1..2^8-1>;
 * Extension extensions<8..2^16-1>; }`. The extensions block may be absent (TLS 1.2 and
 * older hellos), which is kept distinct from an empty one.
 *
 * @since 0.1.0
 * @category codecs
 */
export const ClientHello = W.tagged("ClientHello", {
  legacyVersion: W.uint16,
  random: W.opaque(32),
  legacySessionId: W.bytes(1, 0, 32),
  cipherSuites: W.vector(2, 2, 0xfffe, W.uint16),
  legacyCompressionMethods: W.vector(1, 1, 0xff, W.uint8),
  extensions: W.optional(ClientHelloExtensions)
})

/** @since 0.1.0 @category models */
export type ClientHello = W.Type<typeof ClientHello>
