/**
 * The Schema path (`Schema.decodeUnknown*` / `Schema.encode*` over bytes, which validates
 * the typed value against the declared bounds) and the fast path (the reader and writer
 * alone) agree: on every generated value, on valid bytes, and on mutated bytes. Arbitrary
 * values also satisfy the typed schema, so the arbitraries respect the declared bounds.
 */
import * as fc from "fast-check"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { describe, it } from "@effect/vitest"
import * as W from "../src/wire/codec.js"
import { deepEqual, messageCodecs } from "./arbitraries.js"
import { toHex } from "./helpers.js"
import { fcOptions, titled } from "@effect-tls/test-support/tier"

const counts = { ci: 2000, full: 50000 }

const entries = messageCodecs.map(([tag, codec]) => {
  const bytesSchema = W.toSchema(codec)
  return {
    tag,
    codec,
    is: Schema.is(codec.schema as Schema.Codec<unknown>),
    decodeSchema: Schema.decodeUnknownResult(bytesSchema),
    encodeSchema: Schema.encodeResult(bytesSchema)
  }
})

describe("Schema path = fast path", () => {
  it(titled("every message: typed-schema validity, encode, decode and mutated decode agree", counts), () =>
    fc.assert(
      fc.property(
        fc.constantFrom(...entries).chain((e) => fc.tuple(fc.constant(e), e.codec.arbitrary(fc), fc.nat(), fc.integer({ min: 0, max: 255 }))),
        ([e, x, at, v]) => {
          if (!e.is(x)) throw new Error(`${e.tag}: an arbitrary value fails its own schema`)
          const fast = W.encode(e.codec, x)
          const slow = e.encodeSchema(x)
          if (Result.isFailure(fast) || Result.isFailure(slow)) throw new Error(`${e.tag}: encode failed`)
          if (toHex(fast.success) !== toHex(slow.success)) return false
          const bytes = fast.success.slice()
          const d1 = W.decode(e.codec, bytes)
          const d2 = e.decodeSchema(bytes)
          if (Result.isFailure(d1) || Result.isFailure(d2) || !deepEqual(d1.success, d2.success) || !deepEqual(d1.success, x)) return false
          const m = bytes.slice()
          m[at % m.length] = v
          const f = W.decode(e.codec, m)
          const s = e.decodeSchema(m)
          if (Result.isSuccess(f) !== Result.isSuccess(s)) return false
          return Result.isFailure(f) || deepEqual(f.success, (s as Result.Success<unknown, unknown>).success)
        }
      ),
      fcOptions(counts)
    )
  )

  it("an out-of-bounds value is refused by both paths", () => {
    const [, codec] = messageCodecs.find(([t]) => t === "ClientHello")!
    const bad = { _tag: "ClientHello", legacyVersion: 0x0303, random: new Uint8Array(31), legacySessionId: new Uint8Array(0), cipherSuites: [0x1301], legacyCompressionMethods: [0], extensions: undefined }
    if (Result.isSuccess(W.encode(codec, bad))) throw new Error("fast path accepted a 31-byte random")
    if (Result.isSuccess(Schema.encodeResult(W.toSchema(codec))(bad as never))) throw new Error("schema path accepted a 31-byte random")
  })
})
