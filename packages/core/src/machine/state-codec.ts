/**
 * States as JSON (DESIGN: "A state is a value you can print, compare and store"). States
 * are plain data — tagged objects, arrays, numbers, strings, byte arrays, labelled
 * `Redacted` secrets, and the codec's immutable deframer and reassembler — so one walker
 * encodes any of them, and `StateJson` is the `Schema<State, Json>` over it.
 *
 * **Gotchas**: the JSON form contains the secrets in the clear (a saved state must be able
 * to continue); store it like a private key. Printing a state never shows them.
 *
 * @since 0.1.0
 */
import { HandshakeReassembler, RecordDeframer } from "@effect-tls/codec"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as SchemaIssue from "effect/SchemaIssue"
import * as SchemaTransformation from "effect/SchemaTransformation"

/** A JSON value. @since 0.1.0 @category models */
export type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [k: string]: Json }

const hex = (b: Uint8Array): string => {
  let s = ""
  for (let i = 0; i < b.length; i++) s += b[i]!.toString(16).padStart(2, "0")
  return s
}
const unhex = (s: string): Uint8Array => {
  const out = new Uint8Array(s.length >> 1)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16)
  return out
}

/** Encodes a state (or any plain-data value) to JSON. @since 0.1.0 */
export const toJson = (value: unknown): Json => {
  if (value === undefined) return { $u: true }
  if (value === null || typeof value === "boolean" || typeof value === "string") return value
  if (typeof value === "number") return Number.isFinite(value) ? value : { $n: String(value) }
  if (value instanceof Uint8Array) return { $b: hex(value) }
  if (Redacted.isRedacted(value)) return { $r: toJson(Redacted.value(value)), label: (value as { label?: string }).label ?? null }
  if (value instanceof RecordDeframer) return { $deframer: hex(value.pending), max: value.maxFragment }
  if (value instanceof HandshakeReassembler) return { $reassembler: hex(value.pending), max: value.maxMessage }
  if (Array.isArray(value)) return value.map(toJson)
  if (typeof value === "object") {
    const proto = Object.getPrototypeOf(value)
    if (proto !== Object.prototype && proto !== null) throw new Error(`not plain data: ${proto?.constructor?.name}`)
    const out: Record<string, Json> = {}
    for (const [k, v] of Object.entries(value)) out[k] = toJson(v)
    return out
  }
  throw new Error(`cannot encode a ${typeof value}`)
}

/** Decodes what `toJson` made. @since 0.1.0 */
export const fromJson = (json: Json): unknown => {
  if (json === null || typeof json !== "object") return json
  if (Array.isArray(json)) return json.map(fromJson)
  const o = json as { readonly [k: string]: Json }
  if (o.$u === true) return undefined
  if (typeof o.$n === "string") return Number(o.$n)
  if (typeof o.$b === "string") return unhex(o.$b)
  if ("$r" in o) {
    const label = o.label
    return typeof label === "string" ? Redacted.make(fromJson(o.$r!) as Uint8Array, { label }) : Redacted.make(fromJson(o.$r!) as Uint8Array)
  }
  if (typeof o.$deframer === "string") return RecordDeframer.restore(unhex(o.$deframer), o.max as number)
  if (typeof o.$reassembler === "string") return HandshakeReassembler.restore(unhex(o.$reassembler), o.max as number)
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(o)) {
    const d = fromJson(v)
    if (d !== undefined || (typeof v === "object" && v !== null && (v as { $u?: boolean }).$u === true)) out[k] = d
  }
  return out
}

/**
 * A `Schema<S, Json>` for a state type: `Schema.encode` gives JSON, `Schema.decode` a state
 * that steps on exactly like the original.
 *
 * @since 0.1.0
 * @category schemas
 */
export const stateJson = <S extends { readonly _tag: string }>(name: string): Schema.Codec<S, unknown> =>
  Schema.Unknown.pipe(
    Schema.decodeTo(
      Schema.declare((u: unknown): u is S => typeof u === "object" && u !== null && typeof (u as { _tag?: unknown })._tag === "string", {
        identifier: name
      }),
      SchemaTransformation.transformEffect<S, unknown>({
        decode: (json) => {
          try {
            return Effect.succeed(fromJson(json as Json) as S)
          } catch (e) {
            return Effect.fail(new SchemaIssue.InvalidValue({ message: String(e) }))
          }
        },
        encode: (s) => {
          try {
            return Effect.succeed(toJson(s) as unknown)
          } catch (e) {
            return Effect.fail(new SchemaIssue.InvalidValue({ message: String(e) }))
          }
        }
      })
    )
  ) as unknown as Schema.Codec<S, unknown>
