/**
 * What the simulator properties of both versions share: the invariant checker run on
 * every step, the arbitraries for application writes and for benign and hostile network
 * schedules, and a promise-returning simulator run.
 */
import { assert } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as fc from "fast-check"
import type { JournalEntry } from "../../src/driver/Driver.js"
import type { NegotiatedParameters } from "../../src/machine/actions.js"
import { type ClientAuth, makeConfig, type TlsConfig } from "../../src/machine/config.js"
import type { Role } from "../../src/machine/machine.js"
import type { Fault } from "../../src/sim/faults.js"
import * as Simulator from "../../src/sim/Simulator.js"
import * as Tls13 from "../../src/tls13/index.js"
import { serverConfig } from "../driver/fixtures.js"

/**
 * Invariants checked after every step of either side; violations are collected. Each side
 * completes once, or once more per expected TLS 1.2 renegotiation (the last completion is
 * the one compared).
 */
export const checker = (clientAuth: ClientAuth, renegotiations = 0) => {
  const completions: Record<Role, number> = { client: 0, server: 0 }
  const violations: Array<string> = []
  const complete: Partial<Record<Role, NegotiatedParameters>> = {}
  const secrets: Record<Role, Map<string, string>> = { client: new Map(), server: new Map() }
  const observe = (side: Role, entry: JournalEntry) => {
    for (const a of entry.actions) {
      if (a._tag === "Deliver" && complete[side] === undefined) violations.push(`${side} delivered application data before completing`)
      if (a._tag === "KeyLog") secrets[side].set(a.label, Buffer.from(Redacted.value(a.secret)).toString("hex"))
      if (a._tag !== "HandshakeComplete") continue
      if (++completions[side] > 1 + renegotiations) violations.push(`${side} completed ${completions[side]} times`)
      complete[side] = a.params
      const authenticated = a.params.peerCertificates.length > 0
      if (side === "client" && !authenticated && !a.params.resumed) violations.push("the client completed without the server's certificate")
      if (side === "server" && clientAuth === "required" && !authenticated && !a.params.resumed) violations.push("the server completed without a required client certificate")
    }
  }
  const agreement = () => {
    const c = complete.client
    const s = complete.server
    if (c === undefined || s === undefined) return
    for (const k of ["version", "cipherSuite", "group", "alpn", "resumed", "helloRetry"] as const) if (c[k] !== s[k]) violations.push(`${k} differs`)
    assert.deepStrictEqual(c.clientRandom, s.clientRandom)
    assert.deepStrictEqual(c.serverRandom, s.serverRandom)
    assert.deepStrictEqual(Redacted.value(c.exporterSecret), Redacted.value(s.exporterSecret))
    for (const [label, secret] of secrets.client) {
      const other = secrets.server.get(label)
      if (other !== undefined && other !== secret) violations.push(`${label} differs`)
    }
  }
  return { observe, violations, agreement }
}

export const writes = fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 3 })
export const concat = (chunks: ReadonlyArray<Uint8Array>) => Uint8Array.from(chunks.flatMap((c) => Array.from(c)))
export const subset = <A>(xs: ReadonlyArray<A>) => fc.shuffledSubarray([...xs], { minLength: 1 })

export const run = (client: TlsConfig, server: TlsConfig, options: Partial<Simulator.SimOptions<Tls13.State13>>) =>
  Effect.runPromise(
    Simulator.run({ machine: Tls13.machine, machineName: "tls13", client: { config: client }, server: { config: server }, ...options })
  )

export const alertOf = (o: Simulator.SideOutcome): string | undefined => {
  const r = o.error?.reason
  return r === undefined ? undefined : "alert" in r ? String(r.alert) : r._tag
}

/** Network schedules that must change nothing but time. */
export const benign = fc.array(
  fc.oneof(
    fc.record({ _tag: fc.constant("Split" as const), from: fc.constantFrom<Role>("client", "server"), at: fc.nat(1500) }),
    fc.record({ _tag: fc.constant("Coalesce" as const), from: fc.constantFrom<Role>("client", "server"), write: fc.nat(4) }),
    fc.record({ _tag: fc.constant("Delay" as const), from: fc.constantFrom<Role>("client", "server"), write: fc.nat(4), ms: fc.nat(500) })
  ),
  { maxLength: 6 }
)


const from = fc.constantFrom<Role>("client", "server")
const at = fc.nat(1500)
export const hostile: fc.Arbitrary<ReadonlyArray<Fault>> = fc.array(
  fc.oneof(
    fc.record({ _tag: fc.constant("Corrupt" as const), from, at, xor: fc.integer({ min: 1, max: 255 }) }),
    fc.record({ _tag: fc.constant("Truncate" as const), from, at }),
    fc.record({ _tag: fc.constant("Inject" as const), from, at, bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
    fc.record({ _tag: fc.constant("Replace" as const), from, at, length: fc.nat(60), bytes: fc.uint8Array({ maxLength: 60 }) }),
    fc.record({ _tag: fc.constant("Reset" as const), from, at }),
    fc.record({ _tag: fc.constant("Silent" as const), from, at }),
    fc.record({ _tag: fc.constant("Split" as const), from, at }),
    fc.record({ _tag: fc.constant("Delay" as const), from, write: fc.nat(4), ms: fc.nat(3_000) })
  ),
  { minLength: 1, maxLength: 3 }
)
export const typed = new Set(["Decode", "PeerMisbehaved", "PeerIncompatible", "CertificateRejected", "AlertReceived", "Truncated", "Timeout"])
export const isPrefix = (got: Uint8Array, of: Uint8Array) => got.length <= of.length && got.every((b, i) => b === of[i])


/** What a generated scenario asks to go wrong, and the knobs it turns. */
export interface FailureDraw {
  readonly failure: string
  readonly clientSuites: ReadonlyArray<number>
  readonly alpn: "none" | "both" | "client-only"
  readonly clientAuth: ClientAuth
  readonly clientHasCert: boolean
}

/**
 * The server's suites, both ALPN lists and client authentication for a draw, and the alert
 * the run must end with: no suite in common → handshake_failure; no ALPN protocol in
 * common → no_application_protocol; a required certificate missing → `missingCertificate`
 * (certificate_required in TLS 1.3, handshake_failure in TLS 1.2). Undefined: both complete.
 */
export const planFailure = (g: FailureDraw, allSuites: ReadonlyArray<number>, missingCertificate: string) => {
  let serverSuites: ReadonlyArray<number> = g.clientSuites
  let clientAlpn: ReadonlyArray<string> = g.alpn === "none" ? [] : ["h2", "http/1.1"]
  let serverAlpn: ReadonlyArray<string> = g.alpn === "both" ? ["http/1.1"] : []
  let clientAuth = g.clientAuth
  let clientHasCert = g.clientHasCert
  let alert: string | undefined
  switch (g.failure) {
    case "suite":
      serverSuites = allSuites.filter((s) => !g.clientSuites.includes(s))
      if (serverSuites.length > 0) alert = "handshake_failure"
      else serverSuites = g.clientSuites
      break
    case "alpn":
      clientAlpn = ["h2"]
      serverAlpn = ["http/1.1"]
      alert = "no_application_protocol"
      break
    case "certificate":
      clientAuth = "required"
      clientHasCert = false
      alert = missingCertificate
      break
  }
  if (alert === undefined && clientAuth === "required" && !clientHasCert) alert = missingCertificate
  return { serverSuites, clientAlpn, serverAlpn, clientAuth, clientHasCert, alert }
}

/**
 * The benign-schedule property for one configuration pair (`extra` over a 5 s handshake
 * timeout): both complete, agree, and each reads exactly what the other wrote.
 */
export const benignProperty = (extra: Partial<TlsConfig>) =>
  fc.asyncProperty(benign, writes, writes, fc.nat(), fc.integer({ min: 1, max: 50 }), async (faults, cw, sw, seed, delayMs) => {
    const check = checker("none")
    const r = await run(makeConfig({ ...extra, handshakeTimeoutMs: 5_000 }), serverConfig({ ...extra, handshakeTimeoutMs: 5_000 }), {
      seed,
      delayMs,
      faults,
      script: { clientWrites: cw, serverWrites: sw },
      observe: check.observe
    })
    assert.isFalse(r.hung)
    check.agreement()
    assert.deepStrictEqual(check.violations, [])
    assert.isUndefined(r.client.error, r.client.error?.message)
    assert.isUndefined(r.server.error, r.server.error?.message)
    assert.deepStrictEqual(r.server.received, concat(cw))
    assert.deepStrictEqual(r.client.received, concat(sw))
  })

/**
 * The hostile-schedule property for one configuration pair (`extra` over a 2 s handshake
 * timeout): nothing altered or duplicated is delivered, failures are typed, every run ends
 * within its bound.
 */
export const hostileProperty = (extra: Partial<TlsConfig>) =>
  fc.asyncProperty(hostile, writes, writes, fc.nat(), async (faults, cw, sw, seed) => {
    const check = checker("none")
    const r = await run(makeConfig({ ...extra, handshakeTimeoutMs: 2_000 }), serverConfig({ ...extra, handshakeTimeoutMs: 2_000 }), {
      seed,
      faults,
      script: { clientWrites: cw, serverWrites: sw, idleTimeoutMs: 2_000 },
      observe: check.observe
    })
    assert.isFalse(r.hung, "the run did not end within its bound")
    assert.isAtMost(r.endedAt, 2_000 + 3 * 2_000 + 1_000)
    assert.deepStrictEqual(check.violations, [])
    assert.isTrue(isPrefix(r.server.received, concat(cw)), "the server read bytes the client did not write")
    assert.isTrue(isPrefix(r.client.received, concat(sw)), "the client read bytes the server did not write")
    for (const side of [r.client, r.server]) {
      if (side.error !== undefined) assert.isTrue(typed.has(side.error.reason._tag), side.error.message)
      else assert.isTrue(side.readEnd === "close_notify" || side.readEnd === "timeout")
    }
  })
