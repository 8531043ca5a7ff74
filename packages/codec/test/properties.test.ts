/**
 * Properties of every declared codec, with arbitraries derived from the declarations:
 * `decode(encode(x))` equals `x` for every handshake message and every extension body, and
 * no proper prefix of a valid message decodes (each fails with `decode_error`).
 */
import * as fc from "fast-check"
import * as Result from "effect/Result"
import { describe, expect, it } from "@effect/vitest"
import * as W from "../src/wire/codec.js"
import { Record } from "../src/record.js"
import { deepEqual, encoded, extensionCodecs, messageCodecs } from "./arbitraries.js"
import { fcOptions, titled } from "@effect-tls/test-support/tier"

const counts = { ci: 2000, full: 50000 }

const roundTrip = (codec: W.Codec<any>) =>
  fc.assert(
    fc.property(codec.arbitrary(fc), (x) => {
      const bytes = W.encode(codec, x)
      if (Result.isFailure(bytes)) throw new Error(`encode failed: ${bytes.failure.detail} at ${bytes.failure.at}`)
      const back = W.decode(codec, bytes.success)
      if (Result.isFailure(back)) throw new Error(`decode failed: ${back.failure.detail} at ${back.failure.at}`)
      return deepEqual(back.success, x)
    }),
    fcOptions(counts)
  )

describe("decode(encode(x)) = x", () => {
  for (const [tag, codec] of messageCodecs) it(titled(`handshake ${tag}`, counts), () => roundTrip(codec))
  for (const [label, codec] of extensionCodecs) it(titled(`extension ${label}`, counts), () => roundTrip(codec))
  it(titled("record TLSPlaintext", counts), () => roundTrip(Record))
})

describe("no proper prefix of a valid message decodes", () => {
  for (const [tag, codec] of [...messageCodecs, ["TLSPlaintext", Record] as const]) {
    it(titled(`${tag}: every proper prefix fails with decode_error`, counts), () =>
      fc.assert(
        fc.property(encoded(codec), fc.nat(), (bytes, pick) => {
          // every prefix of short messages, 24 evenly spread ones of long messages
          const n = bytes.length
          const lengths = n <= 64 ? Array.from({ length: n }, (_, i) => i) : Array.from({ length: 24 }, (_, i) => Math.floor(((i + (pick % 7) / 7) * n) / 24))
          for (const len of lengths) {
            const r = W.decode(codec, bytes.subarray(0, len))
            if (Result.isSuccess(r)) return false
            expect(r.failure.alert).toBe("decode_error")
          }
          return true
        }),
        fcOptions(counts)
      )
    )
  }
})
