/**
 * Simulator properties over the TLS 1.3 machine (issue 11, acceptance 5), with an
 * invariant checker on every step of both sides:
 *
 * - random configurations (suites, groups, a key-share guess that forces a
 *   HelloRetryRequest or not, client authentication none / optional / required with and
 *   without a certificate, ALPN, KeyUpdate): both sides complete, or both end with the
 *   alert `../shared/alerts.md` gives; application data arrives exactly once, in order,
 *   unaltered; completed sides agree on the parameters, the exporter and every secret
 *   both logged;
 * - resumption with a ticket from an earlier run (psk_dhe_ke or psk_ke, 0-RTT accepted or
 *   rejected, a reused single-use ticket refused), timed in one-way delays;
 * - random benign network schedules (splits, coalescing, delays) change nothing but time;
 * - random hostile fault schedules: nothing altered or duplicated is delivered, every
 *   failure is a typed error (an alert, a timeout, a truncation) and every run ends
 *   within its virtual-time bound.
 *
 * Counts per tier (`npm test` / `test:full`); fast-check prints the seed of a failure.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Redacted from "effect/Redacted"
import * as fc from "fast-check"
import { CipherSuite, NamedGroup } from "@effect-tls/codec"
import { fcOptions, titled } from "@effect-tls/test-support/tier"
import { type ClientAuth, makeConfig } from "../../src/machine/config.js"
import type { Role } from "../../src/machine/machine.js"
import { memoryTicketStore } from "../../src/driver/services.js"
import type { Session13 } from "../../src/tls13/session.js"
import * as Simulator from "../../src/sim/Simulator.js"
import { credential, serverConfig } from "../driver/fixtures.js"
import { alertOf, benignProperty, checker, concat, hostileProperty, planFailure, run, subset, writes } from "./properties-support.js"

const counts = { ci: 200, full: 5000 }
const ticketKeys = [Redacted.make(new Uint8Array(32).fill(0x5a))]
const suites = [CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_AES_256_GCM_SHA384, CipherSuite.TLS_CHACHA20_POLY1305_SHA256]
const groups = [NamedGroup.values.x25519, NamedGroup.values.secp256r1, NamedGroup.values.secp384r1, NamedGroup.values.X25519MLKEM768]

/** A configuration pair and the alert it must end with (undefined: both complete). */
const scenario = fc
  .record({
    failure: fc.constantFrom("none", "none", "none", "suite", "group", "alpn", "certificate"),
    clientSuites: subset(suites),
    clientGroups: subset(groups),
    guessIndex: fc.nat(3),
    serverGroupsPick: fc.nat(100),
    clientAuth: fc.constantFrom<ClientAuth>("none", "optional", "required"),
    clientHasCert: fc.boolean(),
    alpn: fc.constantFrom("none", "both", "client-only"),
    keyUpdate: fc.option(fc.record({ side: fc.constantFrom<Role>("client", "server"), updatePeer: fc.boolean() }), { nil: undefined }),
    clientWrites: writes,
    serverWrites: writes,
    seed: fc.nat()
  })
  .map((g) => {
    const guess = g.clientGroups[g.guessIndex % g.clientGroups.length]!
    let serverGroups: ReadonlyArray<number> = [...g.clientGroups].filter((_, i) => i === g.serverGroupsPick % g.clientGroups.length || (g.serverGroupsPick >> i) & 1)
    let groupAlert: string | undefined
    if (g.failure === "group") {
      serverGroups = groups.filter((x) => !g.clientGroups.includes(x))
      if (serverGroups.length > 0) groupAlert = "handshake_failure"
      else serverGroups = g.clientGroups
    }
    const plan = planFailure(g, suites, "certificate_required")
    return { ...g, ...plan, alert: groupAlert ?? plan.alert, guess, serverGroups, retry: !serverGroups.includes(guess) }
  })

type Plan = typeof scenario extends fc.Arbitrary<infer P> ? P : never

/** The two configurations of a plan (built outside the arbitrary, so failures print short). */
const configs = (p: Plan) => ({
  client: makeConfig({
    serverName: "localhost",
    cipherSuites: p.clientSuites,
    groups: p.clientGroups,
    keyShareGroups: [p.guess],
    alpn: p.clientAlpn,
    certificates: p.clientHasCert ? [credential] : [],
    handshakeTimeoutMs: 2_000
  }),
  server: serverConfig({
    cipherSuites: p.serverSuites,
    groups: p.serverGroups,
    alpn: p.serverAlpn,
    clientAuth: p.clientAuth,
    handshakeTimeoutMs: 2_000
  })
})

describe("Simulator properties (TLS 1.3)", () => {
  it(titled("random configurations: both complete with the same parameters and data exactly once, or both end with the table's alert", counts), async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (sc) => {
        const check = checker(sc.clientAuth)
        const { client, server } = configs(sc)
        const r = await run(client, server, {
          seed: sc.seed,
          script: { clientWrites: sc.clientWrites, serverWrites: sc.serverWrites, keyUpdate: sc.keyUpdate },
          observe: check.observe
        })
        assert.isFalse(r.hung)
        check.agreement()
        assert.deepStrictEqual(check.violations, [])
        if (sc.alert === undefined) {
          assert.isUndefined(r.client.error, r.client.error?.message)
          assert.isUndefined(r.server.error, r.server.error?.message)
          assert.strictEqual(r.client.params?.helloRetry, sc.retry)
          assert.deepStrictEqual(r.server.received, concat(sc.clientWrites))
          assert.deepStrictEqual(r.client.received, concat(sc.serverWrites))
          assert.strictEqual(r.client.readEnd, "close_notify")
          assert.strictEqual(r.server.readEnd, "close_notify")
        } else {
          assert.strictEqual(alertOf(r.server), sc.alert) // the server sends it...
          assert.strictEqual(r.client.error?.reason._tag, "AlertReceived") // ...and the client receives it
          assert.strictEqual(alertOf(r.client), sc.alert)
          assert.strictEqual(r.server.received.length, 0)
        }
      }),
      fcOptions(counts)
    )
  })

  it(titled("benign schedules (splits, coalescing, delays): both complete and the data is intact", counts), async () => {
    await fc.assert(
      benignProperty({}),
      fcOptions(counts)
    )
  })

  const resumption = fc.record({
    seed: fc.nat(),
    delayMs: fc.integer({ min: 1, max: 50 }),
    earlyData: fc.option(fc.uint8Array({ minLength: 1, maxLength: 200 }), { nil: undefined }),
    maxEarlyData: fc.constantFrom(0, 4096),
    pskKe: fc.boolean(),
    reuse: fc.boolean(),
    clientWrites: writes,
    serverWrites: writes
  })

  it(titled("resumption: a ticket resumes at 2D (psk_dhe_ke or psk_ke), 0-RTT is accepted at D or rejected, a reused ticket is refused", counts), async () => {
    await fc.assert(
      fc.asyncProperty(resumption, async (p) => {
        const store = memoryTicketStore()
        const modes = p.pskKe ? [0] : [1]
        // The ticket allows 0-RTT; the resuming server takes it (4096) or refuses it (0).
        const issuer = serverConfig({ ticketKeys, maxEarlyData: 4096, pskModes: modes, handshakeTimeoutMs: 2_000 })
        const server = serverConfig({ ticketKeys, maxEarlyData: p.maxEarlyData, pskModes: modes, handshakeTimeoutMs: 2_000 })
        const first = await run(makeConfig({ serverName: "localhost", pskModes: modes }), issuer, { seed: p.seed, sessionStore: store })
        const session = first.client.sessions[0] as Session13 | undefined
        assert.isDefined(session)
        const client = makeConfig({ serverName: "localhost", session, earlyData: p.earlyData, pskModes: modes, handshakeTimeoutMs: 2_000 })
        const check = checker("none")
        const options = { delayMs: p.delayMs, sessionStore: store, script: { clientWrites: p.clientWrites, serverWrites: p.serverWrites }, observe: check.observe }
        const r = await run(client, server, { ...options, seed: p.seed + 1, epoch: Simulator.defaultEpoch + 60_000 })
        check.agreement()
        assert.deepStrictEqual(check.violations, [])
        assert.isUndefined(r.client.error, r.client.error?.message)
        assert.isUndefined(r.server.error, r.server.error?.message)
        assert.strictEqual(r.client.params?.resumed, true)
        assert.strictEqual(r.client.params?.group === undefined, p.pskKe)
        assert.strictEqual(r.client.handshakeAt, 2 * p.delayMs)
        const accepted = p.earlyData !== undefined && p.maxEarlyData > 0
        assert.strictEqual(r.client.params?.earlyData, p.earlyData === undefined ? "none" : accepted ? "accepted" : "rejected")
        assert.strictEqual(r.server.earlyDataAt, accepted ? p.delayMs : undefined)
        assert.deepStrictEqual(r.server.received, concat([...(accepted ? [p.earlyData!] : []), ...p.clientWrites]))
        assert.deepStrictEqual(r.client.received, concat(p.serverWrites))
        if (p.reuse) {
          const again = await run(client, server, { ...options, seed: p.seed + 2, epoch: Simulator.defaultEpoch + 120_000 })
          assert.strictEqual(again.client.params?.resumed, false) // single-use: a full handshake
          assert.notStrictEqual(again.client.params?.earlyData, "accepted")
        }
      }),
      fcOptions(counts)
    )
  })

  it(titled("hostile schedules: nothing altered or duplicated is delivered, failures are typed, nothing hangs", counts), async () => {
    await fc.assert(
      hostileProperty({}),
      fcOptions(counts)
    )
  })
})
