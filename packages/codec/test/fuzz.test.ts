/**
 * Robustness: random bytes and single-byte mutations of valid messages (generated ones
 * and every real message of the corpus) make the decoder return a typed error or a value,
 * never throw, and whenever decode succeeds, `encode(decode(b)) = b`.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import * as fc from "fast-check"
import * as Result from "effect/Result"
import { describe, it } from "@effect/vitest"
import { decodeHandshake, encodeHandshake, type HandshakeContext } from "../src/handshake/handshake.js"
import * as W from "../src/wire/codec.js"
import { Record } from "../src/record.js"
import { contextFor, encoded, messageCodecs } from "./arbitraries.js"
import { hex, sharedDir, toHex } from "./helpers.js"
import { fcOptions, titled } from "@effect-tls/test-support/tier"

const counts = { ci: 2000, full: 50000 }

const contexts: ReadonlyArray<HandshakeContext> = [
  { version: 0x0304 },
  { version: 0x0303, keyExchange: "ECDHE" },
  { version: 0x0303, keyExchange: "DHE" },
  { version: 0x0303, keyExchange: "RSA" },
  { version: 0x0301, keyExchange: "ECDHE" }
]

/** decode must not throw; a success must re-encode to the same bytes. */
const stable = (bytes: Uint8Array, ctx: HandshakeContext): boolean => {
  const r = decodeHandshake(bytes, ctx)
  if (Result.isFailure(r)) return r.failure._tag === "DecodeError" && typeof r.failure.alert === "string"
  const back = encodeHandshake(r.success)
  return Result.isSuccess(back) && toHex(back.success) === toHex(bytes)
}

/** A handshake-looking prefix (type and a consistent length) over random bytes, to get past the header. */
const framedRandom = fc
  .tuple(fc.constantFrom(0, 1, 2, 4, 5, 8, 11, 12, 13, 14, 15, 16, 20, 22, 24, 25, 254, 3, 99), fc.uint8Array({ maxLength: 300 }))
  .map(([type, body]) => {
    const b = new Uint8Array(4 + body.length)
    b[0] = type
    b[1] = body.length >> 16
    b[2] = (body.length >> 8) & 0xff
    b[3] = body.length & 0xff
    b.set(body, 4)
    return b
  })

const mutate = (bytes: Uint8Array, at: number, value: number): Uint8Array => {
  const m = bytes.slice()
  m[at % m.length] = value
  return m
}

describe("decoders never throw, and a success re-encodes to its input", () => {
  it(titled("random bytes, every context", counts), () =>
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), framedRandom), fc.constantFrom(...contexts), (b, ctx) => stable(b, ctx)),
      fcOptions(counts)
    )
  )
  it(titled("random bytes as records", counts), () =>
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        const r = W.decode(Record, b)
        if (Result.isFailure(r)) return true
        const back = W.encode(Record, r.success)
        return Result.isSuccess(back) && toHex(back.success) === toHex(b)
      }),
      fcOptions(counts)
    )
  )
  for (const [tag, codec] of messageCodecs) {
    it(titled(`single-byte mutations of ${tag}`, counts), () =>
      fc.assert(
        fc.property(encoded(codec), fc.nat(), fc.integer({ min: 0, max: 255 }), (b, at, v) => stable(mutate(b, at, v), contextFor(tag))),
        fcOptions(counts)
      )
    )
  }

  const corpus = fs
    .readdirSync(path.join(sharedDir, "corpus"))
    .filter((f) => f.endsWith(".json"))
    .flatMap((f) => {
      const d = JSON.parse(fs.readFileSync(path.join(sharedDir, "corpus", f), "utf8"))
      return [...(d.transcripts ?? []), ...(d.connections ?? [])].flatMap((t: any) => t.messages).concat(d.messages ?? [])
    })
    .filter((m: any) => m.hex && String(m.strict_check).startsWith("ok") && m.hex.length < 40000)
    .map((m: any) => hex(m.hex))

  it(titled(`single-byte mutations, truncation and extension of ${corpus.length} corpus messages`, counts), () =>
    fc.assert(
      fc.property(
        fc.constantFrom(...corpus),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom(...contexts),
        (b, at, v, ctx) => {
          if (!stable(mutate(b, at, v), ctx)) return false
          // check-codec.md §5: one byte short or one byte long is always a decode error
          const short = decodeHandshake(b.subarray(0, b.length - 1), ctx)
          const long = new Uint8Array(b.length + 1)
          long.set(b)
          const longer = decodeHandshake(long, ctx)
          return Result.isFailure(short) && Result.isFailure(longer) && short.failure.alert === "decode_error" && longer.failure.alert !== undefined
        }
      ),
      fcOptions(counts)
    )
  )
})
