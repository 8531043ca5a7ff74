/**
 * The RSA key-transport premaster secret of TLS 1.2 (RFC 5246 §7.4.7.1): the PKCS#1 v1.5
 * encoding for the client (RFC 8017 §7.2.1 step 2) and the server's decoding with implicit
 * rejection, shared by both providers so that they behave identically. The RSA operation
 * itself stays with each provider (micro-rsa-dsa-dh, OpenSSL).
 *
 * The server side follows RFC 5246 §7.4.7.1: "a TLS server MUST NOT generate an alert if
 * processing an RSA-encrypted premaster secret message fails, or the version number is not
 * as expected. Instead, it MUST continue the handshake with a randomly generated premaster
 * secret." Every step runs the same statements whatever the padding and version hold:
 * compute the candidate, compute a mask from all checks, select bytewise.
 *
 * @since 0.1.0
 */
import { byteMask, equalBit, isZeroBit, lessThanBytesBit, selectBytes } from "./constant-time.js"

/** The length of the TLS 1.2 premaster secret (RFC 5246 §7.4.7.1). */
export const premasterLength = 48

/**
 * EME-PKCS1-v1_5 encoding (RFC 8017 §7.2.1 step 2): `0x00 ‖ 0x02 ‖ PS ‖ 0x00 ‖ M` for a
 * modulus of `k` bytes, PS being the first `k - 3 - M.length` non-zero bytes of `entropy`.
 * Throws when `message` is too long or `entropy` holds too few non-zero bytes.
 *
 * @since 0.1.0
 */
export const encodePkcs1v15 = (k: number, message: Uint8Array, entropy: Uint8Array): Uint8Array => {
  const psLength = k - 3 - message.length
  if (psLength < 8) throw new RangeError("RSA PKCS#1 v1.5: message too long for the key")
  const em = new Uint8Array(k)
  em[1] = 0x02
  let filled = 0
  for (let i = 0; i < entropy.length && filled < psLength; i++) {
    if (entropy[i] !== 0) em[2 + filled++] = entropy[i]!
  }
  if (filled < psLength) throw new RangeError("RSA PKCS#1 v1.5: not enough non-zero entropy for the padding")
  em.set(message, k - message.length)
  return em
}

/**
 * The block to feed the RSA decryption primitive: the ciphertext when it is exactly as long
 * as the modulus and below it, else zeros; `valid` says which (1 or 0). Runs the same
 * statements for every ciphertext of a given key (RFC 8017 §7.2.2 steps 1 and 2a, without
 * the early exits).
 *
 * @param modulus - n, big-endian, `k` bytes with no leading zero.
 */
export const rsaInputBlock = (
  ciphertext: Uint8Array,
  modulus: Uint8Array
): { readonly block: Uint8Array; readonly valid: number } => {
  const k = modulus.length
  const block = new Uint8Array(k)
  for (let i = 0; i < k; i++) block[i] = ciphertext[i]! | 0 // past the end reads as 0
  const valid = equalBit(ciphertext.length, k) & lessThanBytesBit(block, modulus)
  const mask = byteMask(valid)
  for (let i = 0; i < k; i++) block[i] = block[i]! & mask
  return { block, valid }
}

/**
 * Decodes the RSA output `em` (`k` bytes) as a PKCS#1 v1.5 block holding a 48-byte
 * premaster whose first two bytes are `clientVersion` (RFC 5246 §7.4.7.1), and returns it,
 * or `fallback` when any check fails (`valid` = 0 included). Checks: `em[0] = 0x00`,
 * `em[1] = 0x02`, a non-zero padding string of `k - 51` ≥ 8 bytes, a zero separator at
 * `k - 49`, the version. Constant control flow: no statement depends on `em`.
 *
 * @since 0.1.0
 */
export const decodePremaster = (
  em: Uint8Array,
  valid: number,
  clientVersion: number,
  fallback: Uint8Array
): Uint8Array => {
  const k = em.length
  if (fallback.length !== premasterLength) throw new RangeError("rsaDecryptPremaster: fallback must be 48 bytes")
  if (k < premasterLength + 11) throw new RangeError("rsaDecryptPremaster: RSA key too small")
  let good = valid & isZeroBit(em[0]!) & equalBit(em[1]!, 0x02)
  for (let i = 2; i < k - premasterLength - 1; i++) good &= isZeroBit(em[i]!) ^ 1
  good &= isZeroBit(em[k - premasterLength - 1]!)
  good &= equalBit(em[k - premasterLength]!, (clientVersion >>> 8) & 0xff)
  good &= equalBit(em[k - premasterLength + 1]!, clientVersion & 0xff)
  return selectBytes(byteMask(good), em.subarray(k - premasterLength), fallback)
}
