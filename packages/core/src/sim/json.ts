/**
 * A JSON form for the simulator's data — events, configurations, faults — that round-trips
 * the two things plain JSON loses: bytes (`{ "$hex": "0a1b…" }`) and `Redacted` values
 * (`{ "$redacted": … }`, revealed). Keys keep their insertion order and `undefined` fields
 * are dropped, so equal values give equal text.
 *
 * **Gotchas**: a trace holds secrets in the clear (entropy, private keys, shared secrets):
 * it is a debugging artefact of simulated connections, never of live ones.
 *
 * @since 0.1.0
 */
import * as Redacted from "effect/Redacted"

/** A JSON value. @since 0.1.0 @category models */
export type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }

/** Lower-case hex of bytes. @since 0.1.0 */
export const toHex = (bytes: Uint8Array): string => {
  let out = ""
  for (const b of bytes) out += b.toString(16).padStart(2, "0")
  return out
}

/** Bytes of a hex string (no separators); throws on odd length or a non-hex digit. @since 0.1.0 */
export const fromHex = (hex: string): Uint8Array => {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new Error(`not hex: ${hex.slice(0, 16)}…`)
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return out
}

/**
 * A value as JSON: bytes become `{ $hex }`, `Redacted` becomes `{ $redacted }`, arrays
 * and plain objects recurse, `undefined` fields disappear, numbers stay numbers.
 * Anything else (functions, class instances other than errors) is an error.
 *
 * @since 0.1.0
 */
export const toJson = (value: unknown): Json => {
  if (value === null || typeof value === "boolean" || typeof value === "string") return value
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`cannot encode ${value} as JSON`)
    return value
  }
  if (value instanceof Uint8Array) return { $hex: toHex(value) }
  if (Redacted.isRedacted(value)) return { $redacted: toJson(Redacted.value(value)) }
  if (Array.isArray(value)) return value.map(toJson)
  if (typeof value === "object") {
    const out: Record<string, Json> = {}
    for (const [k, v] of Object.entries(value)) if (v !== undefined && typeof v !== "function") out[k] = toJson(v)
    if (value instanceof Error && out.message === undefined) out.message = value.message
    return out
  }
  throw new Error(`cannot encode a ${typeof value} as JSON`)
}

/** The inverse of `toJson`: `{ $hex }` becomes bytes, `{ $redacted }` a `Redacted`. @since 0.1.0 */
export const fromJson = (json: Json): unknown => {
  if (json === null || typeof json !== "object") return json
  if (Array.isArray(json)) return json.map(fromJson)
  const obj = json as { readonly [key: string]: Json }
  const keys = Object.keys(obj)
  if (keys.length === 1 && typeof obj.$hex === "string") return fromHex(obj.$hex)
  if (keys.length === 1 && obj.$redacted !== undefined) return Redacted.make(fromJson(obj.$redacted))
  const out: Record<string, unknown> = {}
  for (const k of keys) out[k] = fromJson(obj[k]!)
  return out
}
