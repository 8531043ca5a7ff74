/**
 * Constant-flow helpers on bytes: the statements they run depend only on lengths, never on
 * the values. Bits are the numbers 0 and 1 and masks are 0x00 or 0xff, computed with
 * arithmetic instead of comparisons so that no branch (and no `?:`, `&&`, `||`, `??`,
 * which V8 counts as branches) depends on secret data.
 *
 * **Gotchas**: JavaScript gives no timing guarantee; this removes the control-flow signal
 * (the Bleichenbacher test compares V8 block coverage), not every micro-architectural one.
 *
 * @since 0.1.0
 */

/** 1 when `x` (a non-negative 31-bit integer) is zero, else 0. */
export const isZeroBit = (x: number): number => ((x | -x) >>> 31) ^ 1

/** 1 when the two non-negative 31-bit integers are equal, else 0. */
export const equalBit = (a: number, b: number): number => isZeroBit(a ^ b)

/** 1 when `a < b` for two non-negative 31-bit integers, else 0. */
export const lessThanBit = (a: number, b: number): number => (a - b) >>> 31

/** 0xff for bit 1, 0x00 for bit 0. */
export const byteMask = (bit: number): number => -bit & 0xff

/**
 * Bytewise select: `a[i]` where `mask` is 0xff, `b[i]` where it is 0x00, for equal-length
 * arrays.
 */
export const selectBytes = (mask: number, a: Uint8Array, b: Uint8Array): Uint8Array => {
  const out = new Uint8Array(a.length)
  const inverse = ~mask & 0xff
  for (let i = 0; i < out.length; i++) out[i] = (a[i]! & mask) | (b[i]! & inverse)
  return out
}

/**
 * 1 when `a < b` as big-endian unsigned integers of the same length, else 0, in a flow
 * that depends on the length only.
 */
export const lessThanBytesBit = (a: Uint8Array, b: Uint8Array): number => {
  let equalSoFar = 1
  let less = 0
  for (let i = 0; i < b.length; i++) {
    const x = a[i]! | 0
    const y = b[i]! | 0
    less |= equalSoFar & lessThanBit(x, y)
    equalSoFar &= equalBit(x, y)
  }
  return less
}

/**
 * Constant-time equality of two byte arrays: `false` at once for different lengths
 * (lengths are public), otherwise a scan of every byte.
 *
 * @since 0.1.0
 */
export const timingSafeEqual = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}
