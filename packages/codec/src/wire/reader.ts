/**
 * A reader over a `Uint8Array` view that keeps its first failure and turns later reads
 * into no-ops (the way Go's cryptobyte does), so decoders read straight down and check
 * once at the end. Reads return subarray views: decoded byte fields alias the input.
 *
 * **Gotchas**: a value decoded from a buffer shares its memory; copy it before reusing
 * the buffer.
 *
 * @since 0.1.0
 */
import type { CodecAlert, DecodeError, DecodeWhy } from "./errors.js"

/** @since 0.1.0 @category models */
export class Reader {
  /** Current read position. */
  pos: number
  /** The end of the innermost vector being read (exclusive). */
  end: number
  /** The first failure, if any. */
  error: DecodeError | undefined = undefined
  /** The field path, maintained by structs, vectors and lists. */
  readonly path: Array<string | number> = []

  constructor(readonly buf: Uint8Array, start = 0, end = buf.length) {
    this.pos = start
    this.end = end
  }

  get failed(): boolean {
    return this.error !== undefined
  }

  get remaining(): number {
    return this.end - this.pos
  }

  /** Records the first failure and stops every later read. */
  fail(why: DecodeWhy, alert: CodecAlert, detail: string, offset = this.pos): void {
    if (this.error === undefined) {
      this.error = { _tag: "DecodeError", at: formatPath(this.path), offset, why, alert, detail }
    }
    this.pos = this.end
  }

  private need(n: number): boolean {
    if (this.pos + n <= this.end) return true
    this.fail("Truncated", "decode_error", `needs ${n} byte(s), ${this.end - this.pos} left`)
    return false
  }

  u8(): number {
    if (!this.need(1)) return 0
    return this.buf[this.pos++]!
  }

  u16(): number {
    if (!this.need(2)) return 0
    const b = this.buf
    const p = this.pos
    this.pos = p + 2
    return (b[p]! << 8) | b[p + 1]!
  }

  u24(): number {
    if (!this.need(3)) return 0
    const b = this.buf
    const p = this.pos
    this.pos = p + 3
    return (b[p]! << 16) | (b[p + 1]! << 8) | b[p + 2]!
  }

  u32(): number {
    if (!this.need(4)) return 0
    const b = this.buf
    const p = this.pos
    this.pos = p + 4
    return ((b[p]! << 24) >>> 0) + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!)
  }

  /** Reads an unsigned integer of `width` bytes (1 to 4). */
  uint(width: 1 | 2 | 3 | 4): number {
    switch (width) {
      case 1:
        return this.u8()
      case 2:
        return this.u16()
      case 3:
        return this.u24()
      case 4:
        return this.u32()
    }
  }

  /** `n` bytes as a view. */
  bytes(n: number): Uint8Array {
    if (!this.need(n)) return EMPTY
    const v = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return v
  }

  /** Everything up to the end of the innermost vector, as a view. */
  rest(): Uint8Array {
    const v = this.buf.subarray(this.pos, this.end)
    this.pos = this.end
    return v
  }

  /**
   * Reads a `prefix`-byte length, checks it against `<floor..ceiling>` and the bytes that
   * remain, and narrows the reader to that many bytes. Returns the previous end, to hand
   * back to `leave`, or -1 on failure.
   */
  enter(prefix: 1 | 2 | 3 | 4, floor: number, ceiling: number): number {
    const at = this.pos
    const len = this.uint(prefix)
    if (this.error !== undefined) return -1
    if (len > this.end - this.pos) {
      this.fail("LengthOverrun", "decode_error", `length ${len} but ${this.end - this.pos} byte(s) left`, at)
      return -1
    }
    if (len < floor) {
      this.fail("BelowFloor", "decode_error", `length ${len} below the floor ${floor}`, at)
      return -1
    }
    if (len > ceiling) {
      this.fail("AboveCeiling", "decode_error", `length ${len} above the ceiling ${ceiling}`, at)
      return -1
    }
    const saved = this.end
    this.end = this.pos + len
    return saved
  }

  /** Leaves a vector entered with `enter`: its bytes must all have been read. */
  leave(savedEnd: number): void {
    if (savedEnd < 0) return
    if (this.error === undefined && this.pos !== this.end) {
      this.fail("TrailingBytes", "decode_error", `${this.end - this.pos} byte(s) left inside the vector`)
    }
    this.end = savedEnd
    if (this.error !== undefined) this.pos = savedEnd
  }
}

const EMPTY = new Uint8Array(0)

/** @internal */
export const formatPath = (path: ReadonlyArray<string | number>): string => {
  let s = ""
  for (const p of path) s += typeof p === "number" ? `[${p}]` : s === "" ? p : `.${p}`
  return s
}
