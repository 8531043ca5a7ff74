/**
 * TLS 1.2 AEAD record protection (RFC 5246 §6.2.3.3): AES-GCM with the 4-byte implicit
 * salt and an 8-byte explicit nonce carried in the record (RFC 5288 §3), ChaCha20-Poly1305
 * with the nonce `iv XOR seq` and no explicit part (RFC 7905 §2). Additional data is
 * `seq_num || type || version || length` of the plaintext.
 *
 * @since 0.1.0
 */
import { putSeq, TAG_LENGTH, xorNonce, type RecordCipher } from "./cipher.js"
import { recordError, type RecordError } from "./errors.js"
import { MAX_PLAINTEXT } from "./tls13.js"

/** RFC 5246 §6.2.3: "The length MUST NOT exceed 2^14 + 2048." @since 0.1.0 */
export const MAX_CIPHERTEXT_12 = 16384 + 2048

/** Bytes an AEAD record adds to its plaintext: explicit nonce (GCM) and tag. @since 0.1.0 */
export const overhead = (cipher: RecordCipher): number => explicitLength(cipher) + TAG_LENGTH

const explicitLength = (cipher: RecordCipher): number => (cipher.algorithm === "chacha20-poly1305" ? 0 : 8)

const aad = (seq: number, contentType: number, version: number, length: number): Uint8Array => {
  const a = new Uint8Array(13)
  putSeq(a, 0, seq)
  a[8] = contentType
  a[9] = version >> 8
  a[10] = version & 0xff
  a[11] = length >> 8
  a[12] = length & 0xff
  return a
}

const nonceFor = (cipher: RecordCipher, seq: number, explicit: Uint8Array | undefined): Uint8Array => {
  if (cipher.algorithm === "chacha20-poly1305") return xorNonce(cipher.iv, seq)
  const n = new Uint8Array(12)
  n.set(cipher.iv.subarray(0, 4))
  n.set(explicit!, 4)
  return n
}

/**
 * Seals one record. For GCM the explicit nonce is the sequence number unless given (it
 * must never repeat under one key; the sequence number is unique by construction).
 *
 * @since 0.1.0
 */
export const seal = (
  cipher: RecordCipher,
  seq: number,
  contentType: number,
  version: number,
  plaintext: Uint8Array,
  explicitNonce?: Uint8Array
): Uint8Array => {
  const ex = explicitLength(cipher)
  let explicit: Uint8Array | undefined
  if (ex > 0) {
    explicit = explicitNonce ?? new Uint8Array(8)
    if (explicitNonce === undefined) putSeq(explicit, 0, seq)
  }
  const sealed = cipher.aead.seal(nonceFor(cipher, seq, explicit), aad(seq, contentType, version, plaintext.length), plaintext)
  const length = ex + sealed.length
  const out = new Uint8Array(5 + length)
  out[0] = contentType
  out[1] = version >> 8
  out[2] = version & 0xff
  out[3] = length >> 8
  out[4] = length & 0xff
  if (explicit !== undefined) out.set(explicit, 5)
  out.set(sealed, 5 + ex)
  return out
}

/**
 * Opens one record; the content type and version come from its header. A record that does
 * not authenticate is `bad_record_mac` (RFC 5246 §7.2.2) and nothing of it is delivered.
 *
 * @since 0.1.0
 */
export const open = (
  cipher: RecordCipher,
  seq: number,
  header: Uint8Array,
  fragment: Uint8Array,
  maxPlaintext = MAX_PLAINTEXT
):
  | { readonly _tag: "Ok"; readonly contentType: number; readonly content: Uint8Array }
  | { readonly _tag: "Error"; readonly error: RecordError } => {
  if (fragment.length > MAX_CIPHERTEXT_12) {
    return { _tag: "Error", error: recordError("record_overflow", `ciphertext of ${fragment.length} bytes`) }
  }
  const ex = explicitLength(cipher)
  if (fragment.length < ex + TAG_LENGTH) {
    return { _tag: "Error", error: recordError("bad_record_mac", `ciphertext of ${fragment.length} bytes is shorter than nonce and tag`) }
  }
  const explicit = ex > 0 ? fragment.subarray(0, ex) : undefined
  const body = fragment.subarray(ex)
  const length = body.length - TAG_LENGTH
  const contentType = header[0]!
  const version = (header[1]! << 8) | header[2]!
  const plain = cipher.aead.open(nonceFor(cipher, seq, explicit), aad(seq, contentType, version, length), body)
  if (plain === undefined) return { _tag: "Error", error: recordError("bad_record_mac", "record authentication failed") }
  if (plain.length > maxPlaintext) {
    return { _tag: "Error", error: recordError("record_overflow", `plaintext of ${plain.length} bytes exceeds ${maxPlaintext}`) }
  }
  return { _tag: "Ok", contentType, content: plain }
}
