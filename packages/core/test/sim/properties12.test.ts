/**
 * Simulator properties over TLS 1.2 configurations (issue 15, acceptance 3), with the same
 * invariant checker on every step of both sides as the TLS 1.3 properties:
 *
 * - random configurations (ECDHE with ECDSA or RSA certificates, DHE, RSA key transport;
 *   every AEAD suite; x25519, secp256r1, secp384r1; client authentication none / optional /
 *   required with and without a certificate; ALPN): both sides complete with TLS 1.2, or
 *   both end with the alert `../shared/alerts.md` gives; application data arrives exactly
 *   once, in order, unaltered; completed sides agree on the parameters and every secret;
 * - resumption by session ID (the server's cache) or by ticket: the abbreviated handshake
 *   completes at 2D for the client and 3D for the server (a full one at 4D and 3D); a
 *   server that forgot the session answers with a full handshake;
 * - renegotiation started by either side (RFC 5746) over every suite: both sides complete a
 *   second handshake, data before and after it arrives intact, both sides replay byte-exact;
 * - benign network schedules change nothing but time; hostile ones deliver nothing altered
 *   or duplicated, end in typed failures and never hang.
 *
 * Counts per tier (`npm test` / `test:full`); fast-check prints the seed of a failure.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Redacted from "effect/Redacted"
import * as fc from "fast-check"
import { CipherSuite, NamedGroup } from "@effect-tls/codec"
import { fcOptions, titled } from "@effect-tls/test-support/tier"
import { memoryTicketStore } from "../../src/driver/services.js"
import { type ClientAuth, makeConfig, type TlsConfig } from "../../src/machine/config.js"
import { replay } from "../../src/sim/replay.js"
import * as Simulator from "../../src/sim/Simulator.js"
import * as Tls13 from "../../src/tls13/index.js"
import type { Session12 } from "../../src/tls13/session.js"
import { credential, serverConfig } from "../driver/fixtures.js"
import { makeCredential } from "../tls13/harness.js"
import { alertOf, benignProperty, checker, concat, hostileProperty, planFailure, run, subset, writes } from "./properties-support.js"

const counts = { ci: 100, full: 3000 }
const S = CipherSuite
const suites = [
  S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
  S.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
  S.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
  S.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
  S.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
  S.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
  S.TLS_DHE_RSA_WITH_AES_128_GCM_SHA256,
  S.TLS_DHE_RSA_WITH_AES_256_GCM_SHA384,
  S.TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
  S.TLS_RSA_WITH_AES_128_GCM_SHA256,
  S.TLS_RSA_WITH_AES_256_GCM_SHA384
]
const groups = [NamedGroup.values.x25519, NamedGroup.values.secp256r1, NamedGroup.values.secp384r1]
const kx: TlsConfig["tls12KeyExchanges"] = ["ECDHE", "DHE", "RSA"]
const rsa = makeCredential("rsa", "localhost")
const only12 = { versions: [0x0303], tls12KeyExchanges: kx, handshakeTimeoutMs: 2_000 }
const ticketKeys = [Redacted.make(new Uint8Array(32).fill(0x12))]

/** A configuration pair and the alert it must end with (undefined: both complete). */
const scenario = fc
  .record({
    failure: fc.constantFrom("none", "none", "none", "suite", "alpn", "certificate"),
    clientSuites: subset(suites),
    clientGroups: subset(groups),
    clientAuth: fc.constantFrom<ClientAuth>("none", "optional", "required"),
    clientHasCert: fc.boolean(),
    alpn: fc.constantFrom("none", "both", "client-only"),
    clientWrites: writes,
    serverWrites: writes,
    seed: fc.nat()
  })
  .map((g) => ({ ...g, ...planFailure(g, suites, "handshake_failure") })) // RFC 5246 §7.4.6: a missing required certificate

type Plan = typeof scenario extends fc.Arbitrary<infer P> ? P : never

const configs = (p: Plan) => ({
  client: makeConfig({
    ...only12,
    serverName: "localhost",
    cipherSuites: p.clientSuites,
    // secp256r1 always listed: it bounds the server's P-256 ECDSA certificate too (RFC 8422 §5.1); the server picks among the drawn groups
    groups: p.clientGroups.includes(NamedGroup.values.secp256r1) ? p.clientGroups : [...p.clientGroups, NamedGroup.values.secp256r1],
    alpn: p.clientAlpn,
    certificates: p.clientHasCert ? [credential] : []
  }),
  server: serverConfig({ ...only12, certificates: [credential, rsa], cipherSuites: p.serverSuites, groups: p.clientGroups, alpn: p.serverAlpn, clientAuth: p.clientAuth })
})

describe("Simulator properties (TLS 1.2)", () => {
  it(titled("random TLS 1.2 configurations: both complete with the same parameters and data exactly once, or both end with the table's alert", counts), async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (sc) => {
        const check = checker(sc.clientAuth)
        const { client, server } = configs(sc)
        const r = await run(client, server, { seed: sc.seed, script: { clientWrites: sc.clientWrites, serverWrites: sc.serverWrites }, observe: check.observe })
        assert.isFalse(r.hung)
        check.agreement()
        assert.deepStrictEqual(check.violations, [])
        if (sc.alert === undefined) {
          assert.isUndefined(r.client.error, r.client.error?.message)
          assert.isUndefined(r.server.error, r.server.error?.message)
          assert.strictEqual(r.client.params?.version, 0x0303)
          assert.include(sc.clientSuites, r.client.params?.cipherSuite)
          assert.strictEqual(r.client.params?.alpn, sc.alpn === "both" ? "http/1.1" : undefined)
          assert.deepStrictEqual(r.server.received, concat(sc.clientWrites))
          assert.deepStrictEqual(r.client.received, concat(sc.serverWrites))
          assert.strictEqual(r.client.readEnd, "close_notify")
          assert.strictEqual(r.server.readEnd, "close_notify")
        } else {
          assert.strictEqual(alertOf(r.server), sc.alert) // the server sends it...
          assert.strictEqual(r.client.error?.reason._tag, "AlertReceived") // ...and the client receives it
          assert.strictEqual(alertOf(r.client), sc.alert)
          assert.strictEqual(r.server.received.length, 0)
          assert.strictEqual(r.client.received.length, 0)
        }
      }),
      fcOptions(counts)
    )
  })

  const resumption = fc.record({
    seed: fc.nat(),
    delayMs: fc.integer({ min: 1, max: 50 }),
    byTicket: fc.boolean(),
    forgotten: fc.boolean(),
    clientWrites: writes,
    serverWrites: writes
  })

  it(titled("resumption by session ID or ticket: abbreviated at 2D/3D, or a full handshake at 4D/3D when the server forgot", counts), async () => {
    await fc.assert(
      fc.asyncProperty(resumption, async (p) => {
        const store = memoryTicketStore()
        const server = serverConfig({ ...only12, ...(p.byTicket ? { ticketKeys } : {}) })
        const first = await run(makeConfig({ ...only12, serverName: "localhost" }), server, { seed: p.seed, sessionStore: store })
        const session = first.client.sessions[0] as Session12 | undefined
        assert.isDefined(session)
        assert.strictEqual(session!.ticket !== undefined, p.byTicket)
        // forgotten: a new cache and (for tickets) new ticket keys
        const resuming = p.forgotten && p.byTicket ? serverConfig({ ...only12, ticketKeys: [Redacted.make(new Uint8Array(32).fill(0x13))] }) : server
        const check = checker("none")
        const r = await run(makeConfig({ ...only12, serverName: "localhost", session }), resuming, {
          seed: p.seed + 1,
          delayMs: p.delayMs,
          epoch: Simulator.defaultEpoch + 60_000,
          sessionStore: p.forgotten ? memoryTicketStore() : store,
          // the side that finishes last closes (the server in an abbreviated handshake): a TLS 1.2
          // close_notify discards the receiver's pending writes (RFC 5246 §7.2.1)
          script: { clientWrites: p.clientWrites, serverWrites: p.serverWrites, close: p.forgotten ? "client" : "server" },
          observe: check.observe
        })
        check.agreement()
        assert.deepStrictEqual(check.violations, [])
        assert.isUndefined(r.client.error, r.client.error?.message)
        assert.isUndefined(r.server.error, r.server.error?.message)
        assert.strictEqual(r.client.params?.resumed, !p.forgotten)
        assert.strictEqual(r.client.handshakeAt, (p.forgotten ? 4 : 2) * p.delayMs)
        assert.strictEqual(r.server.handshakeAt, 3 * p.delayMs)
        assert.deepStrictEqual(r.server.received, concat(p.clientWrites))
        assert.deepStrictEqual(r.client.received, concat(p.serverWrites))
      }),
      fcOptions(counts)
    )
  })

  const renegotiation = fc.record({
    seed: fc.nat(),
    delayMs: fc.integer({ min: 1, max: 50 }),
    side: fc.constantFrom<"client" | "server">("client", "server"),
    clientSuites: subset(suites),
    clientWrites: writes,
    serverWrites: writes,
    thenWrite: fc.uint8Array({ minLength: 1, maxLength: 64 })
  })

  it(titled("renegotiation started by either side over every suite: a second handshake on both, data before and after intact, replayed byte-exact", counts), async () => {
    await fc.assert(
      fc.asyncProperty(renegotiation, async (p) => {
        const check = checker("none", 1)
        const client = makeConfig({ ...only12, serverName: "localhost", cipherSuites: p.clientSuites, renegotiation: "accept" })
        const server = serverConfig({ ...only12, certificates: [credential, rsa], renegotiation: "accept" })
        const r = await run(client, server, {
          seed: p.seed,
          delayMs: p.delayMs,
          script: { clientWrites: p.clientWrites, serverWrites: p.serverWrites, renegotiate: { side: p.side, thenWrite: p.thenWrite } },
          observe: check.observe
        })
        assert.isFalse(r.hung)
        check.agreement()
        assert.deepStrictEqual(check.violations, [])
        assert.isUndefined(r.client.error, r.client.error?.message)
        assert.isUndefined(r.server.error, r.server.error?.message)
        assert.deepStrictEqual([r.client.handshakes, r.server.handshakes], [2, 2])
        const [mine, theirs] = p.side === "client" ? [p.clientWrites, p.serverWrites] : [p.serverWrites, p.clientWrites]
        const [atPeer, atMe] = p.side === "client" ? [r.server.received, r.client.received] : [r.client.received, r.server.received]
        assert.deepStrictEqual(atPeer, concat([...mine, p.thenWrite]))
        assert.deepStrictEqual(atMe, concat(theirs))
        for (const side of ["client", "server"] as const) assert.isUndefined(replay(r.trace, side, { machine: Tls13.machine }).divergence)
      }),
      fcOptions(counts)
    )
  })

  it(titled("TLS 1.2 under benign schedules (splits, coalescing, delays): both complete and the data is intact", counts), async () => {
    await fc.assert(
      benignProperty(only12),
      fcOptions(counts)
    )
  })

  it(titled("TLS 1.2 under hostile schedules: nothing altered or duplicated is delivered, failures are typed, nothing hangs", counts), async () => {
    await fc.assert(
      hostileProperty(only12),
      fcOptions(counts)
    )
  })
})
