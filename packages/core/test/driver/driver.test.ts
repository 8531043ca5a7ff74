/**
 * The Effect driver's mechanics, over the TEST-ONLY toy machine (toy-machine.ts) and the
 * simulator's pipe: steps are serialized and one per received chunk, a flight is one
 * transport write, entropy is drawn only while the machine needs it, work goes to the
 * services and comes back as events, the read stream ends cleanly or fails with the
 * `TlsError`, the handshake times out on Effect's clock, and closing the scope closes the
 * transport.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { TestClock } from "effect/testing"
import { NobleCrypto } from "../../src/crypto/noble.js"
import { connect, type JournalEntry } from "../../src/driver/Driver.js"
import { ChainVerifier, Entropy, keyLogTo, pinnedPolicy } from "../../src/driver/services.js"
import type { Transport } from "../../src/driver/transport.js"
import type { Action } from "../../src/machine/actions.js"
import { makeConfig } from "../../src/machine/config.js"
import { credential, text, toyPair, utf8 } from "./fixtures.js"
import { ToyMachine, T } from "./toy-machine.js"

/** Reads a stream to its end, keeping what arrived before a failure. */
const collect = <E>(s: Stream.Stream<Uint8Array, E>) =>
  Effect.suspend(() => {
    const got: Array<string> = []
    return Effect.exit(Stream.runForEach(s, (c) => Effect.sync(() => void got.push(text(c))))).pipe(Effect.map((exit) => ({ exit, text: got.join("") })))
  })

describe("Driver (toy machine)", () => {
  it.effect("completes the handshake, carries data both ways, and close_notify ends both reads cleanly", () =>
    Effect.gen(function* () {
      const { client, server } = yield* toyPair()
      const [cp, sp] = yield* Effect.all([client.handshake, server.handshake])
      assert.deepStrictEqual(cp.clientRandom, sp.clientRandom)
      const serverReads = yield* Effect.forkChild(collect(server.read))
      const clientReads = yield* Effect.forkChild(collect(client.read))
      yield* client.write(utf8("ping "))
      yield* client.write(utf8("pong"))
      yield* server.write(utf8("hello"))
      yield* client.close
      yield* server.close
      const s = yield* Fiber.join(serverReads)
      const c = yield* Fiber.join(clientReads)
      assert.isTrue(Exit.isSuccess(s.exit) && Exit.isSuccess(c.exit))
      assert.strictEqual(s.text, "ping pong")
      assert.strictEqual(c.text, "hello")
      yield* client.closed
      yield* server.closed
    })
  )

  it.effect("writes each flight once: the server's whole first flight, work included, is one transport write", () =>
    Effect.gen(function* () {
      const { client, server, writes } = yield* toyPair()
      yield* Effect.all([client.handshake, server.handshake])
      assert.strictEqual(writes.server.length, 1)
      const types: Array<number> = []
      for (let b = writes.server[0]!, at = 0; at < b.length; at += 3 + ((b[at + 1]! << 8) | b[at + 2]!)) types.push(b[at]!)
      assert.deepStrictEqual(types, [T.serverHello, T.certificate, T.certVerify, T.finished])
      assert.strictEqual(writes.client.length, 2) // Hello; Finished
    })
  )

  it.effect("steps once per received chunk and draws entropy only while the machine needs it", () =>
    Effect.gen(function* () {
      const journal: Array<JournalEntry> = []
      // Split the server's flight into three chunks: the client steps three times on it.
      const { client, server } = yield* toyPair({
        client: { options: { observe: (e) => void journal.push(e) } },
        faults: [{ _tag: "Split", from: "server", at: 10 }, { _tag: "Split", from: "server", at: 40 }]
      })
      yield* Effect.all([client.handshake, server.handshake])
      const received = journal.filter((e) => e.event._tag === "Received")
      assert.strictEqual(received.length, 3)
      const start = journal[0]!.event
      assert.strictEqual(start._tag, "Start")
      assert.strictEqual(start._tag === "Start" ? start.entropy.length : -1, 64)
      for (const e of received) assert.strictEqual(e.event._tag === "Received" ? e.event.entropy.length : -1, 0)
    })
  )

  it.effect("performs Sign, KeyAgreement and VerifyChain on the services and feeds the answers back, in order", () =>
    Effect.gen(function* () {
      const server: Array<JournalEntry> = []
      const client: Array<JournalEntry> = []
      const pair = yield* toyPair({ client: { options: { observe: (e) => void client.push(e) } }, server: { options: { observe: (e) => void server.push(e) } } })
      yield* Effect.all([pair.client.handshake, pair.server.handshake])
      const serverTags = server.map((e) => e.event._tag)
      assert.deepStrictEqual(serverTags.slice(0, 4), ["Start", "Received", "KeyAgreed", "Signed"])
      assert.strictEqual(server[1]!.event._tag === "Received" ? server[1]!.event.entropy.length : -1, 32)
      assert.strictEqual(server[2]!.workEntropy?.length, 32) // x25519 key-share seed
      assert.strictEqual(server[3]!.workEntropy?.length, 64) // signEntropyLength
      const verdict = client.find((e) => e.event._tag === "ChainVerdict")
      assert.deepStrictEqual(verdict?.event, { _tag: "ChainVerdict", accepted: true })
    })
  )

  it.effect("a chain the verifier rejects fails the client with unknown_ca, and the server sees the alert", () =>
    Effect.gen(function* () {
      const { client, server } = yield* toyPair({ client: { verifier: pinnedPolicy([utf8("some other certificate")]) } })
      const c = yield* Effect.flip(client.handshake)
      const s = yield* Effect.flip(server.handshake)
      assert.deepStrictEqual(c.reason, { _tag: "CertificateRejected", alert: "unknown_ca", detail: "leaf certificate is not pinned" })
      assert.strictEqual(s.reason._tag, "AlertReceived")
      assert.strictEqual(s.reason._tag === "AlertReceived" ? s.reason.alert : "", "unknown_ca")
    })
  )

  it.effect("a corrupted record: earlier data is read, then the read fails with bad_record_mac", () =>
    Effect.gen(function* () {
      // Client writes: Hello (67 bytes), Finished (35 bytes), then data frames of 3 + 5 + 16 bytes each.
      const { client, server } = yield* toyPair({ faults: [{ _tag: "Corrupt", from: "client", at: 67 + 35 + 24 + 5, xor: 1 }] })
      yield* Effect.all([client.handshake, server.handshake])
      const reads = yield* Effect.forkChild(collect(server.read))
      yield* client.write(utf8("first"))
      yield* client.write(utf8("later"))
      const r = yield* Fiber.join(reads)
      assert.strictEqual(r.text, "first")
      const error = Exit.isFailure(r.exit) ? Exit.findErrorOption(r.exit) : undefined
      assert.strictEqual(error?._tag, "Some")
      const e = error?._tag === "Some" ? (error.value as { reason: { alert?: string } }) : undefined
      assert.strictEqual(e?.reason.alert, "bad_record_mac")
      const delivered = yield* Effect.exit(server.closed)
      assert.isTrue(Exit.isFailure(delivered))
    })
  )

  it.effect("publishes progress on events: transitions, completion, and a final Closed", () =>
    Effect.gen(function* () {
      const { client, server } = yield* toyPair()
      yield* Effect.all([client.handshake, server.handshake])
      yield* client.close
      yield* server.close
      yield* client.closed
      const events: ReadonlyArray<Action> = yield* Stream.runCollect(client.events)
      const tags = events.map((a) => a._tag)
      assert.include(tags, "Trace")
      assert.include(tags, "HandshakeComplete")
      assert.include(tags, "VerifyChain")
      assert.strictEqual(tags[tags.length - 1], "Closed")
      assert.notInclude(tags, "Send")
      assert.notInclude(tags, "KeyLog")
    })
  )

  it.effect("hands KeyLog entries to the KeyLogSink as NSS lines", () =>
    Effect.gen(function* () {
      const lines: Array<string> = []
      const { client, server } = yield* toyPair().pipe(Effect.provide(keyLogTo((l) => void lines.push(l))))
      const params = yield* client.handshake
      yield* server.handshake
      assert.strictEqual(lines.length, 1)
      assert.match(lines[0]!, /^TOY_SECRET [0-9a-f]{64} [0-9a-f]{64}$/)
      assert.isTrue(lines[0]!.includes(Buffer.from(params.clientRandom).toString("hex")))
    })
  )

  it.effect("write after a clean close fails; close twice is fine; keyUpdate keeps data flowing", () =>
    Effect.gen(function* () {
      const { client, server } = yield* toyPair()
      yield* Effect.all([client.handshake, server.handshake])
      const reads = yield* Effect.forkChild(collect(server.read))
      yield* client.write(utf8("a"))
      yield* client.keyUpdate(true)
      yield* client.write(utf8("b"))
      yield* server.write(utf8("c"))
      yield* client.close
      yield* client.close
      const late = yield* Effect.exit(client.write(utf8("d")))
      assert.isTrue(Exit.isFailure(late))
      assert.strictEqual((yield* Fiber.join(reads)).text, "ab")
    })
  )

  it.effect("times out the handshake after config.handshakeTimeoutMs on Effect's clock", () =>
    Effect.gen(function* () {
      let closed = 0
      const silent: Transport<never> = { read: Stream.never, write: () => Effect.void, close: Effect.sync(() => void closed++) }
      const config = makeConfig({ handshakeTimeoutMs: 5_000 })
      const conn = yield* connect(ToyMachine, "client", { crypto: NobleCrypto, config }, silent).pipe(
        Effect.provide(Layer.mergeAll(Entropy.seeded(1), ChainVerifier.insecureAcceptAnything))
      )
      const hs = yield* Effect.forkChild(Effect.flip(conn.handshake))
      yield* TestClock.adjust(4_999)
      assert.isUndefined(hs.pollUnsafe())
      yield* TestClock.adjust(1)
      const error = yield* Fiber.join(hs)
      assert.strictEqual(error.reason._tag, "Timeout")
      assert.strictEqual(closed, 1)
    })
  )

  it.effect("closing the scope mid-handshake closes the transport and fails the waiters", () =>
    Effect.gen(function* () {
      let closed = 0
      const silent: Transport<never> = { read: Stream.never, write: () => Effect.void, close: Effect.sync(() => void closed++) }
      const scope = yield* Scope.make()
      const conn = yield* connect(ToyMachine, "client", { crypto: NobleCrypto, config: makeConfig() }, silent).pipe(
        Effect.provide(Layer.mergeAll(Entropy.seeded(1), ChainVerifier.insecureAcceptAnything)),
        Scope.provide(scope)
      )
      const hs = yield* Effect.forkChild(Effect.flip(conn.handshake))
      yield* Effect.yieldNow
      yield* Scope.close(scope, Exit.void)
      const error = yield* Fiber.join(hs)
      assert.strictEqual(error.reason._tag, "LocalFailure")
      assert.strictEqual(closed, 1)
    })
  )

  it.effect("an EOF before close_notify is a truncation", () =>
    Effect.gen(function* () {
      const { client, server, pipe } = yield* toyPair()
      yield* Effect.all([client.handshake, server.handshake])
      yield* pipe.client.close // the client's transport goes away without close_notify
      const error = yield* Effect.flip(server.closed)
      assert.strictEqual(error.reason._tag, "Truncated")
    })
  )

  it.effect("a credential is used for Sign through the configuration (credential #0)", () =>
    Effect.gen(function* () {
      const { client, server } = yield* toyPair()
      const params = yield* client.handshake
      yield* server.handshake
      assert.deepStrictEqual(params.peerCertificates, credential.chain)
    })
  )
})
