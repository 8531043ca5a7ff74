/**
 * TLS 1.3 record protection (RFC 8446 §5.2–§5.5): the inner plaintext (content, true
 * type, zero padding) sealed under the per-record nonce `iv XOR seq`, with the 5-byte
 * outer header (`application_data`, 0x0303, length) as additional data.
 *
 * @since 0.1.0
 */
import { decodeInnerPlaintext } from "@effect-tls/codec"
import { TAG_LENGTH, xorNonce, type RecordCipher } from "./cipher.js"
import { recordError, type RecordError } from "./errors.js"

/** RFC 8446 §5.1: "The length MUST NOT exceed 2^14 bytes." @since 0.1.0 */
export const MAX_PLAINTEXT = 16384
/** RFC 8446 §5.2: "The length MUST NOT exceed 2^14 + 256 bytes." @since 0.1.0 */
export const MAX_CIPHERTEXT_13 = 16384 + 256


/**
 * Seals one record: `content || type || zeros[padding]`, encrypted, behind its header.
 *
 * @since 0.1.0
 */
export const seal = (cipher: RecordCipher, seq: number, contentType: number, content: Uint8Array, padding = 0): Uint8Array => {
  const innerLength = content.length + 1 + padding
  const inner = new Uint8Array(innerLength)
  inner.set(content)
  inner[content.length] = contentType
  const length = innerLength + TAG_LENGTH
  const header = new Uint8Array([23, 3, 3, length >> 8, length & 0xff])
  const sealed = cipher.aead.seal(xorNonce(cipher.iv, seq), header, inner)
  const out = new Uint8Array(5 + sealed.length)
  out.set(header)
  out.set(sealed, 5)
  return out
}

/**
 * Opens one record. `maxInner` is the largest inner plaintext (content + type + padding)
 * accepted: 2^14 + 1 by default, or the record_size_limit we advertised (RFC 8449 §4).
 * A tag that does not verify is `bad_record_mac` and nothing of the record is returned.
 *
 * @since 0.1.0
 */
export const open = (
  cipher: RecordCipher,
  seq: number,
  header: Uint8Array,
  fragment: Uint8Array,
  maxInner = MAX_PLAINTEXT + 1
):
  | { readonly _tag: "Ok"; readonly contentType: number; readonly content: Uint8Array }
  | { readonly _tag: "Error"; readonly error: RecordError } => {
  if (fragment.length > MAX_CIPHERTEXT_13 || fragment.length > maxInner + 255 + TAG_LENGTH) {
    return { _tag: "Error", error: recordError("record_overflow", `ciphertext of ${fragment.length} bytes`) }
  }
  if (fragment.length < TAG_LENGTH + 1) {
    return { _tag: "Error", error: recordError("bad_record_mac", `ciphertext of ${fragment.length} bytes is shorter than a tag`) }
  }
  const inner = cipher.aead.open(xorNonce(cipher.iv, seq), header, fragment)
  if (inner === undefined) return { _tag: "Error", error: recordError("bad_record_mac", "record authentication failed") }
  if (inner.length > maxInner) {
    return { _tag: "Error", error: recordError("record_overflow", `inner plaintext of ${inner.length} bytes exceeds ${maxInner}`) }
  }
  const decoded = decodeInnerPlaintext(inner)
  if (decoded === undefined) return { _tag: "Error", error: recordError("unexpected_message", "inner plaintext has no content type") }
  return { _tag: "Ok", contentType: decoded.contentType, content: decoded.content }
}
