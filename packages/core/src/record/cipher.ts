/**
 * A record cipher: an AEAD key prepared once plus the IV material, built from the
 * labelled traffic keys of a key schedule. `record/` is, with `crypto/` and `schedule/`,
 * one of the three places that unwrap a secret.
 *
 * @since 0.1.0
 */
import type { AeadAlgorithm, AeadKey, CryptoProvider } from "../crypto/provider.js"
import { reveal, type Secret } from "../schedule/secret.js"

/**
 * The AEAD and IV of one direction under one key. `iv` is the TLS 1.3 write IV, the TLS
 * 1.2 GCM salt (4 bytes, RFC 5288 §3) or the TLS 1.2 ChaCha20 IV (12 bytes, RFC 7905 §2).
 *
 * @since 0.1.0
 * @category models
 */
export interface RecordCipher {
  readonly _tag: "RecordCipher"
  readonly algorithm: AeadAlgorithm
  readonly aead: AeadKey
  readonly iv: Uint8Array
}

/** The AEAD tag length of every supported suite. @since 0.1.0 */
export const TAG_LENGTH = 16

/**
 * Prepares a cipher from a key and IV (TLS 1.3 `TrafficKeys`, or one side of a TLS 1.2 key
 * block).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeCipher = (crypto: CryptoProvider, algorithm: AeadAlgorithm, key: Secret, iv: Secret): RecordCipher => ({
  _tag: "RecordCipher",
  algorithm,
  aead: crypto.aead(algorithm, reveal(key)),
  iv: reveal(iv)
})

/** Writes `seq` as 8 big-endian bytes at `at` (sequence numbers stay below 2^53). */
export const putSeq = (out: Uint8Array, at: number, seq: number): void => {
  const hi = Math.floor(seq / 0x100000000)
  const lo = seq >>> 0
  out[at] = hi >>> 24
  out[at + 1] = (hi >>> 16) & 0xff
  out[at + 2] = (hi >>> 8) & 0xff
  out[at + 3] = hi & 0xff
  out[at + 4] = lo >>> 24
  out[at + 5] = (lo >>> 16) & 0xff
  out[at + 6] = (lo >>> 8) & 0xff
  out[at + 7] = lo & 0xff
}

/** The 12-byte per-record nonce `iv XOR seq` (RFC 8446 §5.3, RFC 7905 §2). */
export const xorNonce = (iv: Uint8Array, seq: number): Uint8Array => {
  const nonce = iv.slice()
  const s = new Uint8Array(8)
  putSeq(s, 0, seq)
  for (let i = 0; i < 8; i++) nonce[4 + i]! ^= s[i]!
  return nonce
}
