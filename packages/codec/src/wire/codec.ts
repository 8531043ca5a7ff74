/**
 * Presentation-language combinators (RFC 8446 §3, RFC 5246 §4). A message is declared
 * once with these; from the declaration come its TypeScript type, a fast synchronous
 * reader and writer on `Uint8Array` views, a typed-side `Schema` (printing, equality,
 * validation), a `Schema<Typed, Uint8Array>` over bytes, and fast-check arbitraries that
 * respect every declared bound.
 *
 * ```ts
 * const KeyShareEntry = W.struct("KeyShareEntry", {
 *   group: W.uint16,                         // NamedGroup group;
 *   keyExchange: W.bytes(2, 1, 0xffff)       // opaque key_exchange<1..2^16-1>;
 * })
 * ```
 *
 * **Gotchas**: byte fields of decoded values are views into the input buffer.
 *
 * @since 0.1.0
 */
import type * as FC from "fast-check"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as SchemaIssue from "effect/SchemaIssue"
import * as SchemaTransformation from "effect/SchemaTransformation"
import type { DecodeError, EncodeError } from "./errors.js"
import { formatDecodeError } from "./errors.js"
import { Reader } from "./reader.js"
import { withWriter, Writer } from "./writer.js"

/** The fast-check module, passed in so the codec has no runtime dependency on it. */
export type FastCheck = typeof FC

/**
 * A codec for values of type `A`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Codec<A> {
  /** What the RFC calls it, used in error paths and printing. */
  readonly name: string
  /** Reads one value; on failure records it in the reader and returns a placeholder. */
  readonly read: (r: Reader) => A
  /** Writes one value; on a bound violation records it in the writer. */
  readonly write: (w: Writer, a: A) => void
  /** Smallest and largest encoded size in bytes (`Infinity` when unbounded). */
  readonly minSize: number
  readonly maxSize: number
  /** The typed-side schema (built on first use). */
  readonly schema: Schema.Codec<A>
  /** A fast-check arbitrary whose values all encode (bounds respected). */
  readonly arbitrary: (fc: FastCheck) => FC.Arbitrary<A>
}

/** The type a codec decodes to. */
export type Type<C> = C extends Codec<infer A> ? A : never

const lazy = <T>(make: () => T): (() => T) => {
  let v: T | undefined
  return () => (v ??= make())
}

/** Builds a codec, with its schema made lazily. */
export const make = <A>(spec: {
  readonly name: string
  readonly read: (r: Reader) => A
  readonly write: (w: Writer, a: A) => void
  readonly minSize: number
  readonly maxSize: number
  readonly schema: () => Schema.Top
  readonly arbitrary: (fc: FastCheck) => FC.Arbitrary<A>
}): Codec<A> => {
  const schema = lazy(spec.schema)
  return {
    name: spec.name,
    read: spec.read,
    write: spec.write,
    minSize: spec.minSize,
    maxSize: spec.maxSize,
    get schema() {
      return schema() as unknown as Schema.Codec<A>
    },
    arbitrary: spec.arbitrary
  }
}

// ---------------------------------------------------------------------------
// Running a codec

/**
 * Decodes exactly one value from `bytes`; leftover bytes are `decode_error`.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decode = <A>(codec: Codec<A>, bytes: Uint8Array): Result.Result<A, DecodeError> => {
  const r = new Reader(bytes)
  const v = codec.read(r)
  if (r.error === undefined && r.pos !== bytes.length) {
    r.fail("TrailingBytes", "decode_error", `${bytes.length - r.pos} byte(s) after ${codec.name}`)
  }
  return r.error === undefined ? Result.succeed(v) : Result.fail(r.error)
}

/**
 * Encodes one value into a fresh array the caller owns.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encode = <A>(codec: Codec<A>, value: A): Result.Result<Uint8Array, EncodeError> =>
  withWriter(
    (w) => codec.write(w, value),
    (w) => (w.error === undefined ? Result.succeed(w.buf.slice(0, w.pos)) : Result.fail(w.error))
  )

/** Encoded size of a value (encodes it). */
export const sizeOf = <A>(codec: Codec<A>, value: A): number => {
  const w = new Writer(64)
  codec.write(w, value)
  return w.pos
}

/** Whether a value encodes without a bound or range violation. */
export const fits = <A>(codec: Codec<A>, value: A): boolean => {
  const w = new Writer(64)
  codec.write(w, value)
  return w.error === undefined
}

/**
 * The `Schema<A, Uint8Array>` of a codec: `Schema.decodeUnknown*` parses bytes (through the
 * fast reader, then validates the typed value against the declared bounds) and
 * `Schema.encode*` validates then writes.
 *
 * @since 0.1.0
 * @category schemas
 */
export const toSchema = <A>(codec: Codec<A>): Schema.Codec<A, Uint8Array> =>
  Schema.Uint8Array.pipe(
    Schema.decodeTo(
      codec.schema as unknown as Schema.Codec<A, A>,
      SchemaTransformation.transformEffect<A, Uint8Array>({
        decode: (bytes) => {
          const res = decode(codec, bytes)
          return Result.isSuccess(res)
            ? Effect.succeed(res.success)
            : Effect.fail(new SchemaIssue.InvalidValue({ message: formatDecodeError(res.failure) }))
        },
        encode: (value) => {
          const res = encode(codec, value)
          return Result.isSuccess(res)
            ? Effect.succeed(res.success)
            : Effect.fail(new SchemaIssue.InvalidValue({ message: `${res.failure.why} at ${res.failure.at}: ${res.failure.detail}` }))
        }
      })
    )
  ) as unknown as Schema.Codec<A, Uint8Array>

// ---------------------------------------------------------------------------
// Integers

const uintSchema = (width: 1 | 2 | 3 | 4) => () =>
  Schema.Number.check(Schema.isInt(), Schema.isBetween({ minimum: 0, maximum: 2 ** (8 * width) - 1 }))

const uint = (width: 1 | 2 | 3 | 4, name: string): Codec<number> =>
  make({
    name,
    read: (r) => r.uint(width),
    write: (w, v) => w.uint(width, v),
    minSize: width,
    maxSize: width,
    schema: uintSchema(width),
    arbitrary: (fc) => fc.integer({ min: 0, max: 2 ** (8 * width) - 1 })
  })

/** `uint8` (RFC 8446 §3.3). @since 0.1.0 @category combinators */
export const uint8: Codec<number> = uint(1, "uint8")
/** `uint16`. @since 0.1.0 @category combinators */
export const uint16: Codec<number> = uint(2, "uint16")
/** `uint24`. @since 0.1.0 @category combinators */
export const uint24: Codec<number> = uint(3, "uint24")
/** `uint32`. @since 0.1.0 @category combinators */
export const uint32: Codec<number> = uint(4, "uint32")

/**
 * An integer field restricted to a set of values; any other value is `illegal_parameter`
 * (e.g. KeyUpdateRequest, RFC 8446 §4.6.3).
 *
 * @since 0.1.0
 * @category combinators
 */
export const oneOf = <const V extends number>(base: Codec<number>, values: ReadonlyArray<V>, name = base.name): Codec<V> =>
  make({
    name,
    read: (r) => {
      const at = r.pos
      const v = base.read(r)
      if (r.error === undefined && !values.includes(v as V)) {
        r.fail("IllegalValue", "illegal_parameter", `${name} ${v} is not one of ${values.join(", ")}`, at)
      }
      return v as V
    },
    write: (w, v) => {
      if (!values.includes(v)) w.fail("OutOfRange", `${name} ${v} is not one of ${values.join(", ")}`)
      base.write(w, v)
    },
    minSize: base.minSize,
    maxSize: base.maxSize,
    schema: () => Schema.Literals(values as unknown as ReadonlyArray<number>),
    arbitrary: (fc) => fc.constantFrom(...values)
  })

// ---------------------------------------------------------------------------
// Bytes

const lengthBetween = (min: number, max: number) =>
  Schema.makeFilter((b: Uint8Array) => (b.length >= min && b.length <= max) || `length ${b.length} outside <${min}..${max}>`)

/** Bytes arbitrary: lengths from the floor to a little above it, capped by the ceiling. */
const bytesArbitrary = (fc: FastCheck, min: number, max: number) =>
  fc.uint8Array({ minLength: min, maxLength: Math.min(max, min + 48) })

/**
 * `opaque field[n]`: exactly `n` bytes.
 *
 * @since 0.1.0
 * @category combinators
 */
export const opaque = (n: number, name = `opaque[${n}]`): Codec<Uint8Array> =>
  make({
    name,
    read: (r) => r.bytes(n),
    write: (w, v) => {
      if (v.length !== n) w.fail("OutOfBounds", `${name} must be ${n} bytes, got ${v.length}`)
      w.bytes(v)
    },
    minSize: n,
    maxSize: n,
    schema: () => Schema.Uint8Array.check(lengthBetween(n, n)),
    arbitrary: (fc) => fc.uint8Array({ minLength: n, maxLength: n })
  })

/**
 * `opaque field<floor..ceiling>` with a `prefix`-byte length (1, 2 or 3 bytes).
 *
 * @since 0.1.0
 * @category combinators
 */
export const bytes = (prefix: 1 | 2 | 3, floor: number, ceiling: number, name = `opaque<${floor}..${ceiling}>`): Codec<Uint8Array> =>
  make({
    name,
    read: (r) => {
      const saved = r.enter(prefix, floor, ceiling)
      if (saved < 0) return EMPTY
      const v = r.rest()
      r.leave(saved)
      return v
    },
    write: (w, v) => {
      if (v.length < floor || v.length > ceiling) w.fail("OutOfBounds", `${name}: length ${v.length}`)
      w.uint(prefix, Math.min(v.length, 2 ** (8 * prefix) - 1))
      w.bytes(v)
    },
    minSize: prefix + floor,
    maxSize: prefix + ceiling,
    schema: () => Schema.Uint8Array.check(lengthBetween(floor, ceiling)),
    arbitrary: (fc) => bytesArbitrary(fc, floor, ceiling)
  })

/**
 * The bytes up to the end of the enclosing vector or message (no length of its own), e.g.
 * Finished.verify_data, the padding extension's zeros, an unknown extension's body.
 *
 * @since 0.1.0
 * @category combinators
 */
export const rest = (floor = 0, ceiling = 0xffffff, name = "opaque"): Codec<Uint8Array> =>
  make({
    name,
    read: (r) => {
      const at = r.pos
      const v = r.rest()
      if (v.length < floor) r.fail("BelowFloor", "decode_error", `${name}: ${v.length} byte(s), needs ${floor}`, at)
      else if (v.length > ceiling) r.fail("AboveCeiling", "decode_error", `${name}: ${v.length} byte(s), at most ${ceiling}`, at)
      return v
    },
    write: (w, v) => {
      if (v.length < floor || v.length > ceiling) w.fail("OutOfBounds", `${name}: length ${v.length}`)
      w.bytes(v)
    },
    minSize: floor,
    maxSize: ceiling,
    schema: () => Schema.Uint8Array.check(lengthBetween(floor, ceiling)),
    arbitrary: (fc) => bytesArbitrary(fc, floor, ceiling)
  })

/**
 * A fixed byte string (e.g. the HelloRetryRequest random): any other value is
 * `illegal_parameter`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const constantBytes = (value: Uint8Array, name: string): Codec<Uint8Array> =>
  make({
    name,
    read: (r) => {
      const at = r.pos
      const v = r.bytes(value.length)
      if (r.error === undefined && !bytesEqual(v, value)) r.fail("IllegalValue", "illegal_parameter", `${name} differs`, at)
      return v
    },
    write: (w, v) => {
      if (!bytesEqual(v, value)) w.fail("OutOfRange", `${name} differs`)
      w.bytes(value)
    },
    minSize: value.length,
    maxSize: value.length,
    schema: () => Schema.Uint8Array.check(Schema.makeFilter((b: Uint8Array) => bytesEqual(b, value) || `${name} differs`)),
    arbitrary: (fc) => fc.constant(value)
  })

// ---------------------------------------------------------------------------
// Vectors

/**
 * `T field<floor..ceiling>`: a vector of elements whose total byte length, with a
 * `prefix`-byte length, lies in `<floor..ceiling>` (bounds in bytes, as in the RFC).
 *
 * @since 0.1.0
 * @category combinators
 */
export const vector = <A>(
  prefix: 1 | 2 | 3,
  floor: number,
  ceiling: number,
  elem: Codec<A>,
  name = `${elem.name}<${floor}..${ceiling}>`
): Codec<ReadonlyArray<A>> => {
  const fixed = elem.minSize === elem.maxSize ? elem.minSize : 0
  return make<ReadonlyArray<A>>({
    name,
    read: (r) => {
      const at = r.pos
      const saved = r.enter(prefix, floor, ceiling)
      if (saved < 0) return []
      if (fixed > 0 && (r.end - r.pos) % fixed !== 0) {
        r.fail("NotMultiple", "decode_error", `${name}: length ${r.end - r.pos} is not a multiple of ${fixed}`, at)
        r.leave(saved)
        return []
      }
      const out: Array<A> = []
      let i = 0
      while (r.pos < r.end) {
        const before = r.pos
        r.path.push(i++)
        out.push(elem.read(r))
        r.path.pop()
        if (r.pos === before) break // a zero-size element cannot make progress
      }
      r.leave(saved)
      return out
    },
    write: (w, v) => {
      const at = w.open(prefix)
      for (let i = 0; i < v.length; i++) {
        w.path.push(i)
        elem.write(w, v[i]!)
        w.path.pop()
      }
      w.close(at, prefix, floor, ceiling)
    },
    minSize: prefix + floor,
    maxSize: prefix + ceiling,
    schema: () =>
      Schema.Array(elem.schema as unknown as Schema.Codec<A>).check(
        Schema.makeFilter((xs: ReadonlyArray<A>) => {
          const size = sizeOf(vectorBody(elem), xs)
          return (size >= floor && size <= ceiling) || `${name}: ${size} byte(s)`
        })
      ),
    arbitrary: (fc) => vectorArbitrary(fc, elem, floor, ceiling)
  })
}

/** The elements of a vector without the length prefix, for sizing. */
const vectorBody = <A>(elem: Codec<A>): Codec<ReadonlyArray<A>> =>
  make<ReadonlyArray<A>>({
    name: elem.name,
    read: () => [],
    write: (w, v) => {
      for (const x of v) elem.write(w, x)
    },
    minSize: 0,
    maxSize: Infinity,
    schema: () => Schema.Unknown,
    arbitrary: (fc) => fc.constant([] as ReadonlyArray<A>)
  })

const vectorArbitrary = <A>(fc: FastCheck, elem: Codec<A>, floor: number, ceiling: number): FC.Arbitrary<ReadonlyArray<A>> => {
  const minCount = floor === 0 ? 0 : Math.max(1, Math.ceil(floor / Math.max(1, elem.maxSize === Infinity ? floor : elem.maxSize)))
  const maxCount = Math.max(minCount, Math.min(6, Math.floor(ceiling / Math.max(1, elem.minSize))))
  const body = vectorBody(elem)
  return fc.array(elem.arbitrary(fc), { minLength: minCount, maxLength: maxCount }).filter((xs: Array<A>) => {
    const n = sizeOf(body, xs)
    return n >= floor && n <= ceiling
  })
}

// ---------------------------------------------------------------------------
// Structs

/** The fields of a struct declaration. */
export type Fields = { readonly [k: string]: Codec<any> }

/** The value type of a struct. */
export type StructType<F extends Fields> = { readonly [K in keyof F]: Type<F[K]> }

/** The value type of a tagged struct. */
export type TaggedType<T extends string, F extends Fields> = { readonly _tag: T } & StructType<F>

const structCodec = <A>(name: string, fields: Fields, tag: string | undefined): Codec<A> => {
  const entries = Object.entries(fields)
  const n = entries.length
  const keys = entries.map(([k]) => k)
  const codecs = entries.map(([, c]) => c)
  let min = 0
  let max = 0
  for (const c of codecs) {
    min += c.minSize
    max += c.maxSize
  }
  return make<A>({
    name,
    read: (r) => {
      const o: Record<string, unknown> = tag === undefined ? {} : { _tag: tag }
      r.path.push(name)
      for (let i = 0; i < n; i++) {
        r.path.push(keys[i]!)
        o[keys[i]!] = codecs[i]!.read(r)
        r.path.pop()
      }
      r.path.pop()
      return o as A
    },
    write: (w, v) => {
      const o = v as Record<string, unknown>
      w.path.push(name)
      for (let i = 0; i < n; i++) {
        w.path.push(keys[i]!)
        codecs[i]!.write(w, o[keys[i]!])
        w.path.pop()
      }
      w.path.pop()
    },
    minSize: min,
    maxSize: max,
    schema: () => {
      const s: Record<string, Schema.Top> = {}
      for (let i = 0; i < n; i++) s[keys[i]!] = codecs[i]!.schema as unknown as Schema.Top
      return tag === undefined ? Schema.Struct(s) : Schema.TaggedStruct(tag, s)
    },
    arbitrary: (fc) => {
      const rec: Record<string, FC.Arbitrary<unknown>> = {}
      for (let i = 0; i < n; i++) rec[keys[i]!] = codecs[i]!.arbitrary(fc)
      const arb = fc.record(rec)
      return (tag === undefined ? arb : arb.map((o) => ({ _tag: tag, ...o }))) as FC.Arbitrary<A>
    }
  })
}

/**
 * `struct { ... }`: fields in wire order.
 *
 * @since 0.1.0
 * @category combinators
 */
export const struct = <const F extends Fields>(name: string, fields: F): Codec<StructType<F>> =>
  structCodec(name, fields, undefined)

/**
 * A struct whose value carries `_tag` (not on the wire), for members of tagged unions.
 *
 * @since 0.1.0
 * @category combinators
 */
export const tagged = <const T extends string, const F extends Fields>(tag: T, fields: F, name: string = tag): Codec<TaggedType<T, F>> =>
  structCodec(name, fields, tag)

/**
 * A field that is present only when bytes remain in the enclosing message (the hello
 * messages' extension blocks: "absent" and "present but empty" are different bytes).
 *
 * @since 0.1.0
 * @category combinators
 */
export const optional = <A>(codec: Codec<A>): Codec<A | undefined> =>
  make({
    name: codec.name,
    read: (r) => (r.pos < r.end ? codec.read(r) : undefined),
    write: (w, v) => {
      if (v !== undefined) codec.write(w, v)
    },
    minSize: 0,
    maxSize: codec.maxSize,
    schema: () => Schema.UndefinedOr(codec.schema as unknown as Schema.Codec<A>),
    arbitrary: (fc) => fc.option(codec.arbitrary(fc), { nil: undefined })
  })

/**
 * Maps a codec's value both ways (an isomorphism), keeping its wire form.
 *
 * @since 0.1.0
 * @category combinators
 */
export const transform = <A, B>(
  codec: Codec<A>,
  to: (a: A) => B,
  from: (b: B) => A,
  schema: () => Schema.Top,
  name = codec.name
): Codec<B> =>
  make({
    name,
    read: (r) => to(codec.read(r)),
    write: (w, v) => codec.write(w, from(v)),
    minSize: codec.minSize,
    maxSize: codec.maxSize,
    schema,
    arbitrary: (fc) => codec.arbitrary(fc).map(to)
  })

/** Byte equality (not constant-time; for wire values, not secrets). */
export const bytesEqual = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

const EMPTY = new Uint8Array(0)
