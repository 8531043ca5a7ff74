/**
 * Issue 16, acceptance 10 in the simulator: the server finishes first. In TLS 1.3 a client
 * that rejects the server's chain says so after the server has sent its Finished; a server
 * that rejects the client's chain says so after the client has completed. Each side's
 * journal (what it publishes on `events`) and its error are checked, with the virtual time
 * of each step in one-way delays D. TLS 1.2 is the contrast: there the client finishes
 * first, so the server's rejection comes before the client completes, and the client's
 * rejection before the server's Finished.
 *
 * The TLS 1.2 round trips of acceptance 11 (a full handshake completes at the client at
 * 4D, an abbreviated one at 2D) are timed by `properties12.test.ts` ("resumption by session
 * ID or ticket: abbreviated at 2D/3D, or a full handshake at 4D/3D when the server forgot").
 *
 * With `EFFECT_TLS_OUTCOMES_DIR` set, the outcomes are written there as JSON for the
 * README's table (`scripts/outcomes-table.ts`).
 */
import { AlertDescription, suiteName } from "@effect-tls/codec"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import type { Action } from "../../src/machine/actions.js"
import { makeConfig } from "../../src/machine/config.js"
import type { Role } from "../../src/machine/machine.js"
import { pinnedPolicy } from "../../src/driver/services.js"
import * as Simulator from "../../src/sim/Simulator.js"
import * as Tls13 from "../../src/tls13/index.js"
import { credential, serverConfig, utf8 } from "../driver/fixtures.js"

const D = 10

interface Outcome {
  readonly criterion: number
  readonly tls: string
  readonly case: string
  readonly openssl: string
  readonly ours: string
}
const outcomes: Array<Outcome> = []

/** A run where `rejecting` refuses every chain it is shown (unknown_ca); each side's progress with its virtual time. */
const simulate = async (version: 0x0304 | 0x0303, rejecting: Role) => {
  const journal: Record<Role, Array<{ readonly at: number; readonly action: Action }>> = { client: [], server: [] }
  const reject = pinnedPolicy([])
  const r = await Effect.runPromise(
    Simulator.run({
      machine: Tls13.machine,
      machineName: "tls13",
      delayMs: D,
      client: { config: makeConfig({ serverName: "localhost", versions: [version], certificates: [credential] }), ...(rejecting === "client" ? { verifier: reject } : {}) },
      server: { config: serverConfig({ versions: [version], clientAuth: "required" }), ...(rejecting === "server" ? { verifier: reject } : {}) },
      // no close_notify from the script: the alerts are the only ones on the wire
      script: { clientWrites: [utf8("ping")], serverWrites: [utf8("pong")], close: "none" },
      observe: (side, entry) => {
        for (const action of entry.actions) journal[side].push({ at: entry.at - Simulator.defaultEpoch, action })
      }
    })
  )
  /** When `side` first did `what` (a Trace note, or an action tag), in virtual ms. */
  const when = (side: Role, what: string) =>
    journal[side].find((e) => (e.action._tag === "Trace" ? e.action.note === what : e.action._tag === what))?.at
  /** The side's story for the table: Finished written, completion, alerts, with times in D. */
  const story = (side: Role) =>
    journal[side]
      .flatMap(({ at, action: a }) => {
        const t = at === D ? "D" : `${at / D}D`
        if (a._tag === "Trace" && a.note === "write Finished") return [`wrote Finished at ${t}`]
        if (a._tag === "HandshakeComplete") return [`HandshakeComplete at ${t}`]
        if (a._tag === "ServerFinished") return [`ServerFinished (${suiteName(a.params.cipherSuite)}) at ${t}`]
        if (a._tag === "AlertSent") return [`AlertSent ${AlertDescription.nameOf(a.description)} at ${t}`]
        if (a._tag === "AlertReceived") return [`AlertReceived ${AlertDescription.nameOf(a.description)} at ${t}`]
        return []
      })
      .join(" → ")
  return { r, journal, when, story }
}

const reasonText = (o: Simulator.SideOutcome) => {
  const r = o.error?.reason
  if (r === undefined) return "no error"
  if (r._tag === "AlertReceived") return `${r._tag} ${r.alert}${r.afterOurFinished ? ", after our Finished" : ""}`
  return `${r._tag}${"alert" in r ? ` ${r.alert}` : ""}`
}

describe("the server finishes first (issue 16, acceptance 10, simulator)", () => {
  afterAll(() => {
    const dir = process.env.EFFECT_TLS_OUTCOMES_DIR
    if (dir !== undefined && dir !== "") fs.writeFileSync(path.join(dir, "simulator.json"), JSON.stringify(outcomes, null, 2))
  })

  it("TLS 1.3: the client rejects the server's chain; the server had sent its Finished at D and receives the alert at 3D", async () => {
    const { r, journal, when, story } = await simulate(0x0304, "client")
    expect(r.hung).toBe(false)
    expect(when("server", "write Finished")).toBe(D)
    // what was negotiated, published with our Finished (RFC 8446 §2: a server may log success here)
    expect(journal.server.find((e) => e.action._tag === "ServerFinished")?.action).toMatchObject({ params: { version: 0x0304, cipherSuite: expect.any(Number) } })
    expect(when("server", "ServerFinished")).toBe(D)
    expect(when("server", "AlertReceived")).toBe(3 * D)
    expect(journal.server.find((e) => e.action._tag === "AlertReceived")?.action).toEqual({ _tag: "AlertReceived", level: 2, description: 48 })
    expect(when("server", "HandshakeComplete")).toBeUndefined()
    expect(r.server.error?.reason).toEqual({ _tag: "AlertReceived", alert: "unknown_ca", afterOurFinished: true })
    expect(r.server.handshakeAt).toBeUndefined()
    expect(r.client.error?.reason).toMatchObject({ _tag: "CertificateRejected", alert: "unknown_ca" })
    expect(when("client", "AlertSent")).toBe(2 * D)
    expect(r.client.received.length + r.server.received.length).toBe(0)
    outcomes.push({
      criterion: 10,
      tls: "1.3",
      case: "simulator: the client's verifier rejects the server's chain (D = 10 ms)",
      openssl: "— (simulator)",
      ours: `server: ${story("server")}; ${reasonText(r.server)}. client: ${story("client")}; ${reasonText(r.client)}`
    })
  })

  it("TLS 1.3 mirror: the server rejects the client's chain after the client completed at 2D; the client's read fails with the alert at 4D", async () => {
    const { r, when, story } = await simulate(0x0304, "server")
    expect(r.hung).toBe(false)
    expect(r.client.handshakeAt).toBe(2 * D)
    expect(when("client", "HandshakeComplete")).toBe(2 * D)
    expect(when("client", "AlertReceived")).toBe(4 * D)
    expect(r.client.error?.reason).toEqual({ _tag: "AlertReceived", alert: "unknown_ca", afterOurFinished: true })
    expect(r.client.readEnd).toBe("error")
    expect(r.client.received.length).toBe(0)
    expect(r.server.error?.reason).toMatchObject({ _tag: "CertificateRejected", alert: "unknown_ca" })
    expect(r.server.handshakeAt).toBeUndefined()
    expect(r.server.received.length).toBe(0)
    outcomes.push({
      criterion: 10,
      tls: "1.3",
      case: "simulator: the server's verifier rejects the client's chain (D = 10 ms)",
      openssl: "— (simulator)",
      ours: `client: ${story("client")}; read ends with ${reasonText(r.client)}. server: ${story("server")}; ${reasonText(r.server)}`
    })
  })

  it("TLS 1.2 contrast: the client rejects the server's chain before either Finished; the server's error says it had not finished", async () => {
    const { r, when, story } = await simulate(0x0303, "client")
    expect(r.hung).toBe(false)
    expect(when("server", "write Finished")).toBeUndefined()
    expect(when("client", "write Finished")).toBeUndefined()
    expect(r.server.error?.reason).toEqual({ _tag: "AlertReceived", alert: "unknown_ca", afterOurFinished: false })
    expect(r.client.error?.reason).toMatchObject({ _tag: "CertificateRejected", alert: "unknown_ca" })
    outcomes.push({
      criterion: 10,
      tls: "1.2",
      case: "simulator: the client's verifier rejects the server's chain (D = 10 ms)",
      openssl: "— (simulator)",
      ours: `server: ${story("server")}; ${reasonText(r.server)}. client: ${story("client")}; ${reasonText(r.client)}`
    })
  })

  it("TLS 1.2 contrast: the server rejects the client's chain; the client had sent its Finished but never completes", async () => {
    const { r, when, story } = await simulate(0x0303, "server")
    expect(r.hung).toBe(false)
    expect(when("client", "write Finished")).toBe(2 * D)
    expect(when("client", "HandshakeComplete")).toBeUndefined()
    expect(r.client.handshakeAt).toBeUndefined()
    expect(when("client", "AlertReceived")).toBe(4 * D)
    expect(r.client.error?.reason).toEqual({ _tag: "AlertReceived", alert: "unknown_ca", afterOurFinished: true })
    expect(r.server.error?.reason).toMatchObject({ _tag: "CertificateRejected", alert: "unknown_ca" })
    expect(when("server", "write Finished")).toBeUndefined()
    outcomes.push({
      criterion: 10,
      tls: "1.2",
      case: "simulator: the server's verifier rejects the client's chain (D = 10 ms)",
      openssl: "— (simulator)",
      ours: `client: ${story("client")}; ${reasonText(r.client)}. server: ${story("server")}; ${reasonText(r.server)}`
    })
  })
})
