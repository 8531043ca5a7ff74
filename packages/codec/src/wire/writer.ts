/**
 * A growable byte writer with back-patched length prefixes. Like the reader it keeps its
 * first failure (a length outside the declared bounds, a number out of range) and the
 * caller checks once at the end.
 *
 * @since 0.1.0
 */
import type { EncodeError, EncodeWhy } from "./errors.js"
import { formatPath } from "./reader.js"

/** @since 0.1.0 @category models */
export class Writer {
  buf: Uint8Array
  pos = 0
  error: EncodeError | undefined = undefined
  readonly path: Array<string | number> = []

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial)
  }

  fail(why: EncodeWhy, detail: string): void {
    if (this.error === undefined) this.error = { _tag: "EncodeError", at: formatPath(this.path), why, detail }
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.pos + n) size *= 2
    const next = new Uint8Array(size)
    next.set(this.buf.subarray(0, this.pos))
    this.buf = next
  }

  uint(width: 1 | 2 | 3 | 4, v: number): void {
    if (!Number.isInteger(v) || v < 0 || v >= 2 ** (8 * width)) {
      this.fail("OutOfRange", `${v} does not fit in ${width} byte(s)`)
      v = 0
    }
    this.ensure(width)
    putUint(this.buf, this.pos, width, v)
    this.pos += width
  }

  bytes(v: Uint8Array): void {
    this.ensure(v.length)
    this.buf.set(v, this.pos)
    this.pos += v.length
  }

  /** Reserves a `prefix`-byte length; hand the result to `close`. */
  open(prefix: 1 | 2 | 3 | 4): number {
    this.ensure(prefix)
    const at = this.pos
    this.pos += prefix
    return at
  }

  /** Writes the length of what was written since `open`, checking `<floor..ceiling>`. */
  close(at: number, prefix: 1 | 2 | 3 | 4, floor: number, ceiling: number): void {
    const len = this.pos - at - prefix
    if (len < floor || len > ceiling) this.fail("OutOfBounds", `length ${len} outside <${floor}..${ceiling}>`)
    putUint(this.buf, at, prefix, len)
  }

  /** The bytes written, as a view of the internal buffer. */
  view(): Uint8Array {
    return this.buf.subarray(0, this.pos)
  }
}

/** Big-endian unsigned integer of `width` bytes at `at`. */
const putUint = (b: Uint8Array, at: number, width: number, v: number): void => {
  for (let i = width - 1; i >= 0; i--) {
    b[at + i] = v & 0xff
    v = Math.floor(v / 256)
  }
}

let scratch: Writer | undefined = new Writer(16384)

/**
 * Runs `f` with a reusable writer and returns a copy of what it wrote (or its error). The
 * scratch buffer keeps its size between calls, so encoding does one allocation: the
 * result. Re-entrant calls get a fresh writer.
 *
 * @since 0.1.0
 */
export const withWriter = <A>(f: (w: Writer) => void, done: (w: Writer) => A): A => {
  const w = scratch ?? new Writer(1024)
  const reused = w === scratch
  scratch = undefined
  w.pos = 0
  w.error = undefined
  w.path.length = 0
  try {
    f(w)
    return done(w)
  } finally {
    if (reused) scratch = w
  }
}
