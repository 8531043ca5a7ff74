/**
 * Record-layer limits: fragmentation of outgoing data into records, and the AEAD usage
 * limits after which a key must be updated (TLS 1.3) or the connection closed (TLS 1.2)
 * (RFC 8446 §5.5).
 *
 * @since 0.1.0
 */
import type { AeadAlgorithm } from "../crypto/provider.js"
import { concat } from "../schedule/secret.js"
import { MAX_PLAINTEXT } from "./tls13.js"

/**
 * RFC 8446 §5.5: "For AES-GCM, up to 2^24.5 full-size records (about 24 million) may be
 * encrypted on a given connection while keeping a safety margin"; ChaCha20/Poly1305's limit
 * is beyond the sequence-number space. A sender updates its key (TLS 1.3) or closes
 * (TLS 1.2) once it has sent this many records under one key; we act at 2^24 to keep a margin.
 *
 * @since 0.1.0
 */
export const recordLimit = (algorithm: AeadAlgorithm): number =>
  algorithm === "chacha20-poly1305" ? Number.MAX_SAFE_INTEGER : 2 ** 24

/**
 * Sequence numbers are 64-bit on the wire; they are kept as JavaScript numbers and never
 * allowed past 2^53 − 1 (RFC 8446 §5.3: "a new key MUST be used" before wrapping).
 *
 * @since 0.1.0
 */
export const MAX_SEQUENCE = Number.MAX_SAFE_INTEGER

/**
 * Cuts `data` into fragments of at most `max` bytes (2^14 by default, or the peer's
 * record_size_limit). Empty data gives no fragment: zero-length handshake and alert
 * fragments are forbidden (RFC 8446 §5.1); an empty application write sends nothing.
 *
 * @since 0.1.0
 */
export const fragment = (data: Uint8Array, max = MAX_PLAINTEXT): ReadonlyArray<Uint8Array> => {
  if (data.length <= max) return data.length === 0 ? [] : [data]
  const out: Array<Uint8Array> = []
  for (let i = 0; i < data.length; i += max) out.push(data.subarray(i, Math.min(i + max, data.length)))
  return out
}

/**
 * Concatenates handshake messages into one buffer so that several go out in one record
 * (coalesced writes, DESIGN principle 7).
 *
 * @since 0.1.0
 */
export const coalesce = (parts: ReadonlyArray<Uint8Array>): Uint8Array => (parts.length === 1 ? parts[0]! : concat(...parts))
