/**
 * The fault schedule as data (`FaultState`), the pipe's timing under `TestClock`, the
 * JSON form of the simulator's data, and the seeded entropy generator.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { TestClock } from "effect/testing"
import * as fc from "fast-check"
import { fcOptions, titled } from "@effect-tls/test-support/tier"
import { drbg, fixedSource, liveSource } from "../../src/driver/entropy.js"
import { type Fault, FaultState } from "../../src/sim/faults.js"
import { fromJson, toJson } from "../../src/sim/json.js"
import * as SimPipe from "../../src/sim/pipe.js"

const bytes = (...b: Array<number>) => Uint8Array.from(b)
const range = (from: number, to: number) => Uint8Array.from({ length: to - from }, (_, i) => from + i)
const shape = (faults: ReadonlyArray<Fault>, writes: ReadonlyArray<Uint8Array>) => {
  const s = new FaultState(faults, "client")
  return writes.map((w) => s.push(w))
}
const flat = (chunks: ReadonlyArray<Uint8Array>) => Array.from(chunks.flatMap((c) => Array.from(c)))

describe("FaultState", () => {
  it("passes bytes through untouched without faults, or with faults of the other direction", () => {
    const [r] = shape([{ _tag: "Corrupt", from: "server", at: 1, xor: 1 }], [range(0, 10)])
    assert.deepStrictEqual(r!.chunks, [range(0, 10)])
    assert.strictEqual(r!.end, undefined)
  })

  it("splits at stream offsets, across writes", () => {
    const [a, b] = shape([{ _tag: "Split", from: "client", at: 3 }, { _tag: "Split", from: "client", at: 12 }], [range(0, 10), range(10, 20)])
    assert.deepStrictEqual(a!.chunks, [range(0, 3), range(3, 10)])
    assert.deepStrictEqual(b!.chunks, [range(10, 12), range(12, 20)])
  })

  it("corrupts one byte by XOR, at its offset in the whole stream", () => {
    const [, b] = shape([{ _tag: "Corrupt", from: "client", at: 13, xor: 0xff }], [range(0, 10), range(10, 20)])
    const expected = range(10, 20)
    expected[3] = 13 ^ 0xff
    assert.deepStrictEqual(b!.chunks, [expected])
  })

  it("truncates: drops the rest and ends with EOF; later writes vanish", () => {
    const [a, b] = shape([{ _tag: "Truncate", from: "client", at: 4 }], [range(0, 10), range(10, 20)])
    assert.deepStrictEqual(a!.chunks, [range(0, 4)])
    assert.strictEqual(a!.end, "eof")
    assert.deepStrictEqual(b!.chunks, [])
  })

  it("goes silent and resets", () => {
    assert.strictEqual(shape([{ _tag: "Silent", from: "client", at: 0 }], [range(0, 4)])[0]!.end, "silent")
    const [r] = shape([{ _tag: "Reset", from: "client", at: 2 }], [range(0, 4)])
    assert.deepStrictEqual(r!.chunks, [range(0, 2)])
    assert.strictEqual(r!.end, "reset")
  })

  it("injects before an offset and replaces a range that spans writes", () => {
    const [a] = shape([{ _tag: "Inject", from: "client", at: 2, bytes: bytes(0xaa, 0xbb) }], [range(0, 4)])
    assert.deepStrictEqual(flat(a!.chunks), [0, 1, 0xaa, 0xbb, 2, 3])
    const [x, y] = shape([{ _tag: "Replace", from: "client", at: 3, length: 4, bytes: bytes(0xee) }], [range(0, 5), range(5, 10)])
    assert.deepStrictEqual(flat(x!.chunks), [0, 1, 2, 0xee])
    assert.deepStrictEqual(flat(y!.chunks), [7, 8, 9])
  })

  it("marks writes to delay and to coalesce by their index", () => {
    const [a, b, c] = shape(
      [{ _tag: "Delay", from: "client", write: 1, ms: 30 }, { _tag: "Coalesce", from: "client", write: 2 }],
      [range(0, 1), range(1, 2), range(2, 3)]
    )
    assert.strictEqual(a!.extraDelayMs, 0)
    assert.strictEqual(b!.extraDelayMs, 30)
    assert.isDefined(c!.hold)
  })

  it(titled("without stream-ending faults, the bytes out are a function of the bytes in, however they are written", { ci: 200, full: 5000 }), () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 200 }),
        fc.array(fc.nat(200), { maxLength: 6 }),
        fc.array(fc.record({ at: fc.nat(200), xor: fc.integer({ min: 1, max: 255 }) }), { maxLength: 4 }),
        (data, cuts, corrupt) => {
          const faults: Array<Fault> = corrupt.map((c) => ({ _tag: "Corrupt", from: "client", ...c }))
          const whole = flat(shape(faults, [data])[0]!.chunks)
          const writes: Array<Uint8Array> = []
          let at = 0
          for (const c of [...cuts].sort((a, b) => a - b)) if (c > at && c < data.length) (writes.push(data.slice(at, c)), (at = c))
          writes.push(data.slice(at))
          const pieces = flat(shape(faults, writes).flatMap((r) => r.chunks))
          assert.deepStrictEqual(pieces, whole)
        }
      ),
      fcOptions({ ci: 200, full: 5000 })
    )
  })
})

describe("SimPipe", () => {
  it.effect("delivers after the one-way delay, in order, and coalesces a held write with the next", () =>
    Effect.gen(function* () {
      const seen: Array<[number, number]> = []
      const pipe = yield* SimPipe.make({
        delayMs: 10,
        faults: [{ _tag: "Delay", from: "client", write: 0, ms: 5 }, { _tag: "Coalesce", from: "client", write: 1 }],
        onDeliver: (_to, at, b) => void seen.push([at, b.length])
      })
      const reads = yield* Effect.forkChild(Stream.runCollect(pipe.server.read.pipe(Stream.take(2))))
      yield* pipe.client.write(range(0, 3)) // arrives at 15
      yield* pipe.client.write(range(3, 5)) // held
      yield* TestClock.adjust(2)
      yield* pipe.client.write(range(5, 6)) // released with the held write: arrives at 12, after the first (15)
      yield* TestClock.adjust(20)
      const got = yield* Fiber.join(reads)
      assert.deepStrictEqual(got.map((c) => Array.from(c)), [[0, 1, 2], [3, 4, 5]])
      assert.deepStrictEqual(seen, [[15, 3], [15, 3]])
    })
  )

  it.effect("a close delivers EOF one delay later; a reset fails both read streams", () =>
    Effect.gen(function* () {
      const pipe = yield* SimPipe.make({ delayMs: 7, faults: [{ _tag: "Reset", from: "server", at: 1 }] })
      const toServer = yield* Effect.forkChild(Stream.runCollect(pipe.server.read))
      yield* pipe.client.write(bytes(1))
      yield* pipe.client.close
      yield* TestClock.adjust(7)
      assert.deepStrictEqual((yield* Fiber.join(toServer)).map((c) => Array.from(c)), [[1]])
      const toClient = yield* Effect.forkChild(Effect.flip(Stream.runCollect(pipe.client.read)))
      yield* pipe.server.write(bytes(9, 9))
      yield* TestClock.adjust(7)
      assert.strictEqual((yield* Fiber.join(toClient))._tag, "PipeReset")
    })
  )
})

describe("json", () => {
  it("round-trips bytes, Redacted values and nested data, dropping undefined fields", () => {
    const value = { a: bytes(1, 2, 255), b: [Redacted.make(bytes(7))], c: { d: "x", e: undefined, f: 3 } }
    const json = toJson(value)
    assert.deepStrictEqual(json, { a: { $hex: "0102ff" }, b: [{ $redacted: { $hex: "07" } }], c: { d: "x", f: 3 } })
    const back = fromJson(JSON.parse(JSON.stringify(json))) as typeof value
    assert.deepStrictEqual(back.a, value.a)
    assert.deepStrictEqual(Redacted.value(back.b[0]! as Redacted.Redacted<Uint8Array>), bytes(7))
  })
})

describe("Entropy generators", () => {
  it("the seeded DRBG gives the same bytes for the same seed and label, however the draws are split", () => {
    const a = drbg(42, "client")
    const whole = a.next(3000)
    const b = drbg(42, "client")
    const parts = [b.next(1), b.next(63), b.next(1000), b.next(1936)]
    assert.deepStrictEqual(Uint8Array.from(parts.flatMap((p) => Array.from(p))), whole)
    assert.notDeepEqual(drbg(43, "client").next(32), whole.subarray(0, 32))
    assert.notDeepEqual(drbg(42, "server").next(32), whole.subarray(0, 32))
    assert.notDeepEqual(drbg("42", "client").next(32), whole.subarray(0, 32))
  })

  it.effect("the live source fills any length; the fixed source serves its chunks in order", () =>
    Effect.gen(function* () {
      const big = yield* liveSource.bytes(70_000)
      assert.strictEqual(big.length, 70_000)
      assert.notDeepEqual(big.subarray(0, 32), new Uint8Array(32))
      const fixed = fixedSource([bytes(1, 2, 3), bytes(4)])
      assert.deepStrictEqual(yield* fixed.bytes(2), bytes(1, 2))
      assert.deepStrictEqual(yield* fixed.bytes(2), bytes(3, 4))
    })
  )
})
