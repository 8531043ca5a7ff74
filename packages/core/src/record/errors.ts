/**
 * What the record layer refuses, with the alert RFC 8446 §5 / RFC 5246 §6.2 name for it.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 @category errors */
export interface RecordError {
  readonly _tag: "RecordError"
  readonly alert: "bad_record_mac" | "record_overflow" | "unexpected_message" | "decode_error"
  readonly detail: string
}

/** @since 0.1.0 @category constructors */
export const recordError = (alert: RecordError["alert"], detail: string): RecordError => ({ _tag: "RecordError", alert, detail })
