/**
 * `Extension extensions<floor..ceiling>` (RFC 8446 §4.2, RFC 5246 §7.4.1.4): a list of
 * `{ extension_type, extension_data<0..2^16-1> }`. Known types decode to their typed form
 * for the message they sit in (one extension type has different bodies in different
 * messages); unknown types — GREASE, drafts, private use — are kept verbatim as
 * `Unknown`; order is kept as received; a type seen twice is `illegal_parameter`.
 *
 * @since 0.1.0
 */
import type * as FC from "fast-check"
import * as Schema from "effect/Schema"
import * as W from "../wire/codec.js"

/**
 * An extension this message's table does not name, kept byte for byte.
 *
 * @since 0.1.0
 * @category models
 */
export interface UnknownExtension {
  readonly _tag: "Unknown"
  readonly type: number
  readonly data: Uint8Array
}

/** A tagged extension body codec. */
export type BodyCodec = W.Codec<any>

/** `[extension_type, body codec]` rows of one message's table. */
export type Table = ReadonlyArray<readonly [number, BodyCodec]>

/** The known members of a table, as a union. */
export type Known<T extends Table> = W.Type<T[number][1]> & { readonly _tag: string }

/** The value type of an extension list for a table. */
export type ExtensionsOf<T extends Table> = ReadonlyArray<Known<T> | UnknownExtension>

const UnknownSchema = Schema.TaggedStruct("Unknown", {
  type: Schema.Number.check(Schema.isInt(), Schema.isBetween({ minimum: 0, maximum: 0xffff })),
  data: Schema.Uint8Array.check(Schema.makeFilter((b: Uint8Array) => b.length <= 0xffff))
})

/**
 * The extension list codec for one message type.
 *
 * @since 0.1.0
 * @category combinators
 */
export const list = <const T extends Table>(
  name: string,
  table: T,
  floor = 0,
  ceiling = 0xffff
): W.Codec<ExtensionsOf<T>> => {
  const byType = new Map<number, BodyCodec>()
  const byTag = new Map<string, readonly [number, BodyCodec]>()
  for (const row of table) {
    byType.set(row[0], row[1])
    byTag.set(row[1].name, row)
  }
  type E = { readonly _tag: string }
  const self: W.Codec<ExtensionsOf<T>> = W.make<ExtensionsOf<T>>({
    name,
    read: (r) => {
      const saved = r.enter(2, floor, ceiling)
      if (saved < 0) return [] as ExtensionsOf<T>
      const out: Array<E> = []
      const seen: Array<number> = []
      r.path.push(name)
      while (r.pos < r.end) {
        r.path.push(out.length)
        const at = r.pos
        const type = r.u16()
        if (seen.includes(type)) {
          r.fail("Duplicate", "illegal_parameter", `extension ${type} appears twice`, at)
        }
        seen.push(type)
        const body = byType.get(type)
        if (body !== undefined) r.path.push(body.name)
        const inner = r.enter(2, 0, 0xffff)
        if (inner >= 0) {
          out.push(body !== undefined ? (body.read(r) as E) : ({ _tag: "Unknown", type, data: r.rest() } as UnknownExtension))
          r.leave(inner)
        }
        if (body !== undefined) r.path.pop()
        r.path.pop()
      }
      r.path.pop()
      r.leave(saved)
      return out as unknown as ExtensionsOf<T>
    },
    write: (w, exts) => {
      const at = w.open(2)
      const seen: Array<number> = []
      for (let i = 0; i < exts.length; i++) {
        const e = exts[i]! as unknown as E
        w.path.push(i)
        let type: number
        if (e._tag === "Unknown") {
          type = (e as UnknownExtension).type
          w.uint(2, type)
          const d = (e as UnknownExtension).data
          if (d.length > 0xffff) w.fail("OutOfBounds", `extension ${type}: ${d.length} bytes`)
          w.uint(2, d.length & 0xffff)
          w.bytes(d)
        } else {
          const row = byTag.get(e._tag)
          if (row === undefined) {
            w.fail("Malformed", `extension ${e._tag} cannot appear in ${name}`)
            w.path.pop()
            continue
          }
          type = row[0]
          w.uint(2, type)
          const inner = w.open(2)
          row[1].write(w, e)
          w.close(inner, 2, 0, 0xffff)
        }
        if (seen.includes(type)) w.fail("Malformed", `extension ${type} appears twice`)
        seen.push(type)
        w.path.pop()
      }
      w.close(at, 2, floor, ceiling)
    },
    minSize: 2 + floor,
    maxSize: 2 + ceiling,
    schema: () =>
      Schema.Array(Schema.Union([...table.map((row) => row[1].schema as unknown as Schema.Top), UnknownSchema])).check(
        Schema.makeFilter((all: ReadonlyArray<unknown>) => {
          const exts = all as ReadonlyArray<E>
          const types = exts.map((e) => (e._tag === "Unknown" ? (e as UnknownExtension).type : byTag.get(e._tag)?.[0]))
          if (types.includes(undefined)) return `an extension that cannot appear in ${name}`
          if (new Set(types).size !== types.length) return "an extension type appears twice"
          const w = W.sizeOf(self, all as unknown as ExtensionsOf<T>) - 2
          return (w >= floor && w <= ceiling) || `${name}: ${w} byte(s) outside <${floor}..${ceiling}>`
        })
      ),
    arbitrary: (fc) => arbitrary(fc, table, byType, floor, self)
  })
  return self
}

const arbitrary = <T extends Table>(
  fc: W.FastCheck,
  table: T,
  byType: ReadonlyMap<number, BodyCodec>,
  floor: number,
  self: W.Codec<ExtensionsOf<T>>
): FC.Arbitrary<ExtensionsOf<T>> => {
  const unknown = fc
    .record({
      type: fc.integer({ min: 0, max: 0xffff }).filter((t) => !byType.has(t)),
      data: fc.uint8Array({ maxLength: 24 })
    })
    .map((u): UnknownExtension => ({ _tag: "Unknown", ...u }))
  type E = { readonly _tag: string }
  const members = table.map((row) => row[1].arbitrary(fc) as FC.Arbitrary<E>)
  const typeOf = (e: E): number =>
    e._tag === "Unknown" ? (e as UnknownExtension).type : table.find((row) => row[1].name === e._tag)![0]
  return fc
    .uniqueArray(fc.oneof(...members, unknown as FC.Arbitrary<E>), { selector: typeOf, minLength: floor > 0 ? 1 : 0, maxLength: 6 })
    .filter((exts) => W.fits(self, exts as unknown as ExtensionsOf<T>)) as unknown as FC.Arbitrary<ExtensionsOf<T>>
}
