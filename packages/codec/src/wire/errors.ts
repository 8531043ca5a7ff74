/**
 * Typed decode and encode failures. A decoder never throws: it returns a `DecodeError`
 * that says where (byte offset and field path), why, and which alert the RFC asks the
 * receiver to send (RFC 8446 §6.2, RFC 5246 §7.2.2).
 *
 * @since 0.1.0
 */

/**
 * The alerts a codec can ask for: `decode_error` for malformed lengths, truncation and
 * trailing bytes; `illegal_parameter` for a well-formed field holding a forbidden value.
 *
 * @since 0.1.0
 * @category errors
 */
export type CodecAlert = "decode_error" | "illegal_parameter" | "unexpected_message"

/**
 * Why decoding stopped.
 *
 * - `Truncated`: the input ended inside a fixed-size field.
 * - `LengthOverrun`: a length prefix claims more bytes than remain.
 * - `BelowFloor` / `AboveCeiling`: a vector length outside its `<floor..ceiling>`.
 * - `NotMultiple`: a vector of fixed-size elements whose length is not a multiple of the size.
 * - `TrailingBytes`: bytes left over after a message or inside a vector after its last element.
 * - `IllegalValue`: a field holds a value the RFC forbids here.
 * - `Duplicate`: the same extension type twice in one block (RFC 8446 §4.2).
 *
 * @since 0.1.0
 * @category errors
 */
export type DecodeWhy =
  | "Truncated"
  | "LengthOverrun"
  | "BelowFloor"
  | "AboveCeiling"
  | "NotMultiple"
  | "TrailingBytes"
  | "IllegalValue"
  | "Duplicate"

/**
 * A decode failure: `{ at: "ServerHello.extensions[2]", offset: 71, why: "LengthOverrun",
 * alert: "decode_error" }`.
 *
 * @since 0.1.0
 * @category errors
 */
export interface DecodeError {
  readonly _tag: "DecodeError"
  /** The field path, e.g. `ClientHello.extensions[3].key_share.clientShares[0]`. */
  readonly at: string
  /** Byte offset into the input where the failing field starts. */
  readonly offset: number
  readonly why: DecodeWhy
  readonly alert: CodecAlert
  /** A human sentence with the numbers involved. */
  readonly detail: string
}

/**
 * Why encoding refused a value: a length outside the declared bounds, a number out of
 * its field's range, or a value of the wrong shape.
 *
 * @since 0.1.0
 * @category errors
 */
export type EncodeWhy = "OutOfBounds" | "OutOfRange" | "Malformed"

/**
 * An encode failure: the value does not fit the declaration.
 *
 * @since 0.1.0
 * @category errors
 */
export interface EncodeError {
  readonly _tag: "EncodeError"
  readonly at: string
  readonly why: EncodeWhy
  readonly detail: string
}

/** @internal */
export const formatDecodeError = (e: DecodeError): string =>
  `${e.why} at ${e.at || "<root>"} (offset ${e.offset}): ${e.detail} -> ${e.alert}`
