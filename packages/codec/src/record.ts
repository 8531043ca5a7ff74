/**
 * The record layer's wire forms (RFC 8446 §5, RFC 5246 §6.2): the 5-byte header, a
 * deframer that cuts a byte stream into records at any chunking, the TLS 1.3 inner
 * plaintext (content, type, zero padding), Alert and ChangeCipherSpec bodies, and the
 * SSL 2.0-format ClientHello test.
 *
 * @since 0.1.0
 */
import * as W from "./wire/codec.js"

/**
 * `struct { ContentType type; ProtocolVersion legacy_record_version; uint16 length; opaque
 * fragment[length]; } TLSPlaintext` (also TLSCiphertext's outer layout).
 *
 * @since 0.1.0
 * @category codecs
 */
export const Record = W.struct("TLSPlaintext", {
  contentType: W.uint8,
  legacyRecordVersion: W.uint16,
  fragment: W.bytes(2, 0, 0xffff)
})

/** @since 0.1.0 @category models */
export type Record = W.Type<typeof Record>

/** A record as cut from the stream, with its header bytes for AEAD additional data. @since 0.1.0 @category models */
export interface RawRecord {
  readonly contentType: number
  readonly version: number
  /** The 5 header bytes (TLS 1.3 additional data, RFC 8446 §5.2). */
  readonly header: Uint8Array
  readonly fragment: Uint8Array
}

/** The 5-byte record header. @since 0.1.0 */
export const RECORD_HEADER = 5

/** Writes a record header and fragment. @since 0.1.0 @category encoding */
export const encodeRecord = (contentType: number, version: number, fragment: Uint8Array): Uint8Array => {
  const out = new Uint8Array(RECORD_HEADER + fragment.length)
  out[0] = contentType
  out[1] = version >> 8
  out[2] = version & 0xff
  out[3] = fragment.length >> 8
  out[4] = fragment.length & 0xff
  out.set(fragment, RECORD_HEADER)
  return out
}

/**
 * Cuts records out of a byte stream. Immutable like the handshake reassembler: `push`
 * returns the next deframer and the complete records; `maxFragment` bounds the length
 * field (the caller maps an excess to `record_overflow`). Views alias the pushed chunks
 * where a record lies within one chunk.
 *
 * @since 0.1.0
 * @category models
 */
export class RecordDeframer {
  private constructor(
    readonly pending: Uint8Array,
    readonly maxFragment: number
  ) {}

  static empty(maxFragment = 0xffff): RecordDeframer {
    return new RecordDeframer(new Uint8Array(0), maxFragment)
  }

  /** A deframer holding `pending` bytes (for restoring a saved state). */
  static restore(pending: Uint8Array, maxFragment: number): RecordDeframer {
    return new RecordDeframer(pending, maxFragment)
  }

  /** Bytes of an incomplete record held back. */
  get buffered(): number {
    return this.pending.length
  }

  push(
    chunk: Uint8Array
  ):
    | { readonly _tag: "Ok"; readonly next: RecordDeframer; readonly records: ReadonlyArray<RawRecord> }
    | { readonly _tag: "Overflow"; readonly length: number; readonly records: ReadonlyArray<RawRecord> } {
    let buf: Uint8Array
    if (this.pending.length === 0) buf = chunk
    else {
      buf = new Uint8Array(this.pending.length + chunk.length)
      buf.set(this.pending)
      buf.set(chunk, this.pending.length)
    }
    const out: Array<RawRecord> = []
    let pos = 0
    while (buf.length - pos >= RECORD_HEADER) {
      const len = (buf[pos + 3]! << 8) | buf[pos + 4]!
      if (len > this.maxFragment) return { _tag: "Overflow", length: len, records: out }
      if (buf.length - pos < RECORD_HEADER + len) break
      out.push({
        contentType: buf[pos]!,
        version: (buf[pos + 1]! << 8) | buf[pos + 2]!,
        header: buf.subarray(pos, pos + RECORD_HEADER),
        fragment: buf.subarray(pos + RECORD_HEADER, pos + RECORD_HEADER + len)
      })
      pos += RECORD_HEADER + len
    }
    const rest = pos === buf.length ? EMPTY : buf.slice(pos)
    return { _tag: "Ok", next: new RecordDeframer(rest, this.maxFragment), records: out }
  }
}

/**
 * Whether the first bytes of a connection look like an SSL 2.0-format ClientHello (RFC 5246
 * App. E.2: a 2-byte header with the high bit set, then msg_type 1). Needs 3 bytes.
 *
 * @since 0.1.0
 */
export const isSsl2ClientHello = (bytes: Uint8Array): boolean =>
  bytes.length >= 3 && (bytes[0]! & 0x80) !== 0 && bytes[2] === 1

/**
 * `struct { opaque content[length]; ContentType type; uint8 zeros[length_of_padding]; }
 * TLSInnerPlaintext` (RFC 8446 §5.2).
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeInnerPlaintext = (content: Uint8Array, contentType: number, padding = 0): Uint8Array => {
  const out = new Uint8Array(content.length + 1 + padding)
  out.set(content)
  out[content.length] = contentType
  return out
}

/**
 * Strips the zero padding and reads the true content type. All zeros (no type) is
 * `unexpected_message` (RFC 8446 §5.4: "If a receiving implementation does not find a
 * non-zero octet in the cleartext, it MUST terminate the connection with an
 * \"unexpected_message\" alert").
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeInnerPlaintext = (
  plaintext: Uint8Array
): { readonly contentType: number; readonly content: Uint8Array } | undefined => {
  let i = plaintext.length - 1
  while (i >= 0 && plaintext[i] === 0) i--
  if (i < 0) return undefined
  return { contentType: plaintext[i]!, content: plaintext.subarray(0, i) }
}

/** `struct { AlertLevel level; AlertDescription description; } Alert` (RFC 8446 §6). @since 0.1.0 @category codecs */
export const Alert = W.struct("Alert", { level: W.uint8, description: W.uint8 })
/** @since 0.1.0 @category models */
export type Alert = W.Type<typeof Alert>

/**
 * `struct { enum { change_cipher_spec(1), (255) } type; } ChangeCipherSpec` (RFC 5246 §7.1);
 * any other value is refused (RFC 8446 §5: `unexpected_message` in TLS 1.3, which the
 * state machine sends; the codec reports it as a forbidden value).
 *
 * @since 0.1.0
 * @category codecs
 */
export const ChangeCipherSpec = W.struct("ChangeCipherSpec", { type: W.oneOf(W.uint8, [1] as const) })

const EMPTY = new Uint8Array(0)
