/**
 * The simulator running the TLS 1.3 machine: round trips measured in one-way delays from
 * the trace's virtual timestamps (issue 11, acceptance 6), determinism (the same seed gives
 * the same trace JSON), and replay (acceptance 7): both sides of a full handshake with
 * client authentication and of a resumed 0-RTT handshake replay byte-exact, an altered
 * inbound byte reports the first divergence, another seed diverges at the ClientHello.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { NamedGroup } from "@effect-tls/codec"
import { type TlsConfig, makeConfig } from "../../src/machine/config.js"
import type { Session13 } from "../../src/tls13/session.js"
import * as Tls13 from "../../src/tls13/index.js"
import { formatTrace } from "../../src/sim/format.js"
import type { Json } from "../../src/sim/json.js"
import { replay } from "../../src/sim/replay.js"
import * as Simulator from "../../src/sim/Simulator.js"
import type { SimTrace } from "../../src/sim/trace.js"
import { credential, serverConfig, text, utf8 } from "../driver/fixtures.js"
import { makeCredential } from "../tls13/harness.js"

const ticketKeys = [Redacted.make(new Uint8Array(32).fill(0x5a))]

const sim = (options: Partial<Simulator.SimOptions<Tls13.State13>> & { client?: Simulator.Endpoint; server?: Simulator.Endpoint }) =>
  Simulator.run({
    machine: Tls13.machine,
    machineName: "tls13",
    client: options.client ?? { config: makeConfig({ serverName: "localhost" }) },
    server: options.server ?? { config: serverConfig() },
    script: { clientWrites: [utf8("ping")], serverWrites: [utf8("pong")] },
    ...options
  } as Simulator.SimOptions<Tls13.State13>)

const both = (trace: SimTrace) => ({
  client: replay(trace, "client", { machine: Tls13.machine }),
  server: replay(trace, "server", { machine: Tls13.machine })
})

/** The recorded trace with one inbound byte of `side`'s event `index` flipped. */
const alterInbound = (trace: SimTrace, side: "client" | "server", index: number, at: number): SimTrace => {
  const copy = JSON.parse(JSON.stringify(trace)) as { -readonly [K in keyof SimTrace]: any }
  const event = copy[side].events[index].event as { bytes: { $hex: string } }
  const hex = event.bytes.$hex
  const flipped = (parseInt(hex.slice(2 * at, 2 * at + 2), 16) ^ 0x01).toString(16).padStart(2, "0")
  event.bytes.$hex = hex.slice(0, 2 * at) + flipped + hex.slice(2 * at + 2)
  return copy as SimTrace
}

const tagOf = (e: Json) => (e as { _tag: string })._tag

describe("Simulator (TLS 1.3)", () => {
  for (const D of [1, 10, 37]) {
    it.effect(`a full handshake: the client completes at 2D and the server at 3D (D = ${D} ms); data arrives once; both close`, () =>
      Effect.gen(function* () {
        const r = yield* sim({ delayMs: D })
        assert.isFalse(r.hung)
        assert.strictEqual(r.client.handshakeAt, 2 * D)
        assert.strictEqual(r.server.handshakeAt, 3 * D)
        assert.strictEqual(text(r.server.received), "ping")
        assert.strictEqual(text(r.client.received), "pong")
        assert.strictEqual(r.client.readEnd, "close_notify")
        assert.strictEqual(r.server.readEnd, "close_notify")
        assert.isUndefined(r.client.error)
        assert.isUndefined(r.server.error)
      })
    )
  }

  it.effect("HelloRetryRequest costs one round trip: the client completes at 4D", () =>
    Effect.gen(function* () {
      const D = 10
      const r = yield* sim({
        delayMs: D,
        client: { config: makeConfig({ keyShareGroups: [NamedGroup.values.x25519] }) },
        server: { config: serverConfig({ groups: [NamedGroup.values.secp256r1] }) }
      })
      assert.strictEqual(r.client.params?.helloRetry, true)
      assert.strictEqual(r.client.handshakeAt, 4 * D)
    })
  )

  it.effect("the same seed gives the same trace JSON, byte for byte; another seed other randoms and bytes", () =>
    Effect.gen(function* () {
      const a = yield* sim({ seed: 11 })
      const b = yield* sim({ seed: 11 })
      const c = yield* sim({ seed: 12 })
      assert.strictEqual(JSON.stringify(a.trace), JSON.stringify(b.trace))
      assert.notDeepEqual(a.client.params?.clientRandom, c.client.params?.clientRandom)
      assert.notDeepEqual(a.client.params?.serverRandom, c.client.params?.serverRandom)
      assert.notStrictEqual(a.trace.client.sent[0]!.hex, c.trace.client.sent[0]!.hex)
    })
  )

  it.effect("replays both sides of a full handshake with client authentication byte-exact", () =>
    Effect.gen(function* () {
      const r = yield* sim({
        client: { config: makeConfig({ serverName: "localhost", certificates: [credential] }) },
        server: { config: serverConfig({ clientAuth: "required" }) }
      })
      assert.deepStrictEqual(r.server.params?.peerCertificates, credential.chain)
      const { client, server } = both(r.trace)
      assert.isUndefined(client.divergence)
      assert.isUndefined(server.divergence)
      assert.isAbove(client.bytes, 0)
      // The client signed (CertificateVerify): its Signed event was recomputed, not copied.
      assert.include(r.trace.client.events.map((e) => tagOf(e.event)), "Signed")
    })
  )

  it.effect("a replay survives the JSON text: parse(stringify(trace)) replays the same", () =>
    Effect.gen(function* () {
      const r = yield* sim({ seed: 3 })
      const parsed = JSON.parse(JSON.stringify(r.trace)) as SimTrace
      assert.isUndefined(replay(parsed, "client", { machine: Tls13.machine }).divergence)
      assert.isUndefined(replay(parsed, "server", { machine: Tls13.machine }).divergence)
    })
  )

  it.effect("drawing fresh entropy from the recorded seed reproduces the run; another seed diverges at the ClientHello", () =>
    Effect.gen(function* () {
      const r = yield* sim({ seed: 5 })
      assert.isUndefined(replay(r.trace, "client", { machine: Tls13.machine, entropy: { seed: 5 } }).divergence)
      assert.isUndefined(replay(r.trace, "server", { machine: Tls13.machine, entropy: { seed: 5 } }).divergence)
      const client = replay(r.trace, "client", { machine: Tls13.machine, entropy: { seed: 6 } })
      // Event 0 is Start, whose step writes the ClientHello; its random starts at byte 11
      // (record header 5, handshake header 4, legacy_version 2).
      assert.deepInclude(client.divergence, { eventIndex: 0, byteOffset: 11 })
      const server = replay(r.trace, "server", { machine: Tls13.machine, entropy: { seed: 6 } })
      // The server writes its ServerHello at the step on the key agreement's answer.
      const first = r.trace.server.events.findIndex((e) => tagOf(e.event) === "KeyAgreed")
      assert.deepInclude(server.divergence, { eventIndex: first, byteOffset: 11 }) // the ServerHello's random
    })
  )

  it.effect("an altered inbound byte: the replay reports the first divergence (the event, and where the output parts)", () =>
    Effect.gen(function* () {
      const r = yield* sim({ seed: 9 })
      const index = r.trace.client.events.findIndex((e) => tagOf(e.event) === "Received")
      const hex = (r.trace.client.events[index]!.event as { bytes: { $hex: string } }).bytes.$hex
      const altered = alterInbound(r.trace, "client", index, hex.length / 2 - 1) // the last byte of the server's flight
      const report = replay(altered, "client", { machine: Tls13.machine })
      const clientHello = r.trace.client.sent[0]!.hex.length / 2
      assert.deepInclude(report.divergence, { eventIndex: index, byteOffset: clientHello })
      // Our client answers with an alert, protected under its handshake keys (outer content
      // type application_data, 23), instead of its flight.
      assert.strictEqual(report.divergence?.actual, 23)
    })
  )

  it.effect("prints a -state trace: one line per transition of both sides, with the handshake messages", () =>
    Effect.gen(function* () {
      const r = yield* sim({})
      const lines = formatTrace(r.trace)
      assert.isAtLeast(lines.length, 10)
      const all = lines.join("\n")
      for (const m of ["ClientHello", "ServerHello", "EncryptedExtensions", "Certificate", "Finished"]) assert.include(all, m)
      assert.match(lines[0]!, /^\[ +0\.000 ms\] client/)
      assert.isTrue(lines.some((l) => l.includes(" server ")))
    })
  )

  describe("resumption", () => {
    const resumeConfig = (extra: Partial<TlsConfig> = {}): TlsConfig => serverConfig({ ticketKeys, tickets: 1, maxEarlyData: 4096, ...extra })

    // The resuming connection starts a minute after the first one.
    const later = Simulator.defaultEpoch + 60_000
    const firstSession = Effect.gen(function* () {
      const r = yield* sim({ seed: 21, server: { config: resumeConfig() } })
      assert.isAtLeast(r.client.sessions.length, 1)
      return r.client.sessions[0] as Session13
    })

    it.effect("PSK resumption: the client completes at 2D, resumed", () =>
      Effect.gen(function* () {
        const session = yield* firstSession
        const D = 10
        const r = yield* sim({ seed: 22, delayMs: D, epoch: later, client: { config: makeConfig({ serverName: "localhost", session }) }, server: { config: resumeConfig() } })
        assert.strictEqual(r.client.params?.resumed, true)
        assert.strictEqual(r.client.handshakeAt, 2 * D)
      })
    )

    it.effect("0-RTT data reaches the server at D, and the resumed 0-RTT handshake replays byte-exact", () =>
      Effect.gen(function* () {
        const session = yield* firstSession
        const D = 10
        const r = yield* sim({
          seed: 23,
          delayMs: D,
          epoch: later,
          client: { config: makeConfig({ serverName: "localhost", session, earlyData: utf8("early ") }) },
          server: { config: resumeConfig() }
        })
        assert.strictEqual(r.client.params?.earlyData, "accepted")
        assert.strictEqual(r.server.earlyDataAt, D)
        assert.strictEqual(text(r.server.received), "early ping")
        const { client, server } = both(r.trace)
        assert.isUndefined(client.divergence)
        assert.isUndefined(server.divergence)
      })
    )
  })
})

describe("Simulator (TLS 1.2): recorded traces replay byte-exact", () => {
  const only12 = { versions: [0x0303] }
  const cases: ReadonlyArray<{ name: string; client: TlsConfig; server: TlsConfig }> = [
    {
      name: "a full ECDHE handshake with client authentication",
      client: makeConfig({ ...only12, serverName: "localhost", certificates: [credential] }),
      server: serverConfig({ ...only12, clientAuth: "required" })
    },
    {
      name: "RSA key transport and DHE",
      client: makeConfig({ ...only12, serverName: "localhost", tls12KeyExchanges: ["DHE", "RSA"], cipherSuites: [0x009e, 0x009c] }),
      server: makeConfig({ ...only12, tls12KeyExchanges: ["DHE", "RSA"], cipherSuites: [0x009c], certificates: [makeCredential("rsa")] })
    }
  ]
  for (const c of cases) {
    it.effect(`${c.name}: both sides replay`, () =>
      Effect.gen(function* () {
        const r = yield* sim({ seed: 31, client: { config: c.client }, server: { config: c.server } })
        assert.strictEqual(r.client.params?.version, 0x0303)
        assert.strictEqual(text(r.server.received), "ping")
        const { client, server } = both(r.trace)
        assert.isUndefined(client.divergence)
        assert.isUndefined(server.divergence)
      })
    )
  }

  it.effect("an abbreviated handshake from a ticket: resumed, and both sides replay", () =>
    Effect.gen(function* () {
      const server = serverConfig({ ...only12, ticketKeys })
      const first = yield* sim({ seed: 32, client: { config: makeConfig({ ...only12, serverName: "localhost" }) }, server: { config: server } })
      const session = first.client.sessions[0] as never
      const r = yield* sim({
        seed: 33,
        epoch: Simulator.defaultEpoch + 60_000,
        client: { config: makeConfig({ ...only12, serverName: "localhost", session }) },
        server: { config: server },
        script: { clientWrites: [utf8("ping")], serverWrites: [utf8("pong")], close: "server" }
      })
      assert.strictEqual(r.client.params?.resumed, true)
      assert.strictEqual(text(r.client.received), "pong")
      const { client, server: s } = both(r.trace)
      assert.isUndefined(client.divergence)
      assert.isUndefined(s.divergence)
    })
  )
})
