/**
 * Named code points. A registry maps IANA code points to names for printing and back;
 * values on the wire stay plain numbers, so unknown code points (GREASE, drafts,
 * private use) pass through decode and encode untouched.
 *
 * @since 0.1.0
 */
import * as W from "../wire/codec.js"

/**
 * RFC 8701 GREASE: values of the form 0x?A?A with equal bytes (16-bit), or for 8-bit
 * fields none. GREASE code points are never negotiated and always pass through.
 *
 * @since 0.1.0
 */
export const isGrease = (code: number): boolean => (code & 0x0f0f) === 0x0a0a && code >> 8 === (code & 0xff)

/** A registry of named code points. @since 0.1.0 @category models */
export interface Registry<E extends Record<string, number>> {
  readonly title: string
  /** The constants, by name: `NamedGroup.values.x25519 === 0x001d`. */
  readonly values: E
  /** A code point's name, `GREASE(0x0a0a)` or `unknown(0x1234)`. */
  readonly nameOf: (code: number) => string
  /** A name's code point. */
  readonly codeOf: (name: string) => number | undefined
  readonly isKnown: (code: number) => boolean
  /** The wire codec: a `width`-byte unsigned integer. */
  readonly codec: W.Codec<number>
}

/** Builds a registry. @since 0.1.0 @category constructors */
export const make = <const E extends Record<string, number>>(title: string, width: 1 | 2, values: E): Registry<E> => {
  const byCode = new Map<number, string>()
  for (const [k, v] of Object.entries(values)) if (!byCode.has(v)) byCode.set(v, k)
  const hex = (c: number) => `0x${c.toString(16).padStart(width * 2, "0")}`
  return {
    title,
    values,
    nameOf: (code) => byCode.get(code) ?? (width === 2 && isGrease(code) ? `GREASE(${hex(code)})` : `unknown(${hex(code)})`),
    codeOf: (name) => (Object.prototype.hasOwnProperty.call(values, name) ? values[name] : undefined),
    isKnown: (code) => byCode.has(code),
    codec: width === 1 ? W.uint8 : W.uint16
  }
}
