/** Test helpers for the codec: hex, vector loading, Result unwrapping. */
import * as fs from "node:fs"
import * as path from "node:path"
import * as Result from "effect/Result"
import { formatDecodeError, type DecodeError } from "../src/wire/errors.js"

export const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"))
export const toHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex")

/** `../shared` beside the checkout (CI places it there too). */
export const sharedDir = path.resolve(import.meta.dirname, "../../../../shared")

export const readShared = <T = any>(rel: string): T => JSON.parse(fs.readFileSync(path.join(sharedDir, rel), "utf8")) as T

/** The success of a Result, or a thrown test failure naming the decode error. */
export const ok = <A, E>(r: Result.Result<A, E>): A => {
  if (Result.isSuccess(r)) return r.success
  const e = r.failure as unknown as DecodeError
  throw new Error(e._tag === "DecodeError" ? formatDecodeError(e) : JSON.stringify(e))
}

/** The failure of a Result, or a thrown test failure. */
export const err = <A, E>(r: Result.Result<A, E>): E => {
  if (Result.isFailure(r)) return r.failure
  throw new Error(`expected a failure, got ${JSON.stringify(r.success, (_k, v) => (v instanceof Uint8Array ? toHex(v) : v))}`)
}
