/**
 * TLS 1.3 PSK resumption and 0-RTT (RFC 8446 §2.2, §2.3, §4.2.10, §4.2.11, §4.6.1) in the
 * synchronous harness: tickets sealed by the server, binders, psk_dhe_ke and psk_ke,
 * single-use tickets, early data accepted and rejected, resumption after a
 * HelloRetryRequest, and a wrong PSK refused with decrypt_error.
 */
import * as Redacted from "effect/Redacted"
import { describe, expect, it } from "@effect/vitest"
import { NobleCrypto } from "../../src/crypto/noble.js"
import type { Session13 } from "../../src/tls13/session.js"
import { makeCredential, pair, tags, type Party } from "./harness.js"

const crypto = NobleCrypto
const ec = makeCredential("ec")
const ticketKeys = [Redacted.make(new Uint8Array(32).fill(0x42))]
const complete = (p: Party) => (p.actions.find((a) => a._tag === "HandshakeComplete") as { params: any } | undefined)?.params
const sessionOf = (p: Party): Session13 => (p.actions.find((a) => a._tag === "SessionTicket") as { session: Session13 }).session

const firstConnection = (server: object = {}, client: object = {}) => {
  const h = pair({ crypto, client, server: { certificates: [ec], ticketKeys, ...server } })
  h.pump()
  expect(complete(h.client).resumed).toBe(false)
  return sessionOf(h.client)
}

describe("TLS 1.3 resumption", () => {
  it("a ticket resumes with psk_dhe_ke: no certificates, resumed on both sides", () => {
    const session = firstConnection()
    const used = new Set<string>()
    const h = pair({ crypto, usedTickets: used, client: { session }, server: { certificates: [ec], ticketKeys } })
    h.pump()
    expect(complete(h.client).resumed).toBe(true)
    expect(complete(h.server).resumed).toBe(true)
    expect(complete(h.client).group).toBe(0x1d)
    expect(tags(h.client, "VerifyChain")).toHaveLength(0)
    expect(tags(h.server, "Sign")).toHaveLength(0)
    h.send(h.client, { _tag: "Write", data: new Uint8Array([5]) })
    expect(h.server.delivered.map((d) => [...d])).toEqual([[5]])
  })

  it("psk_ke when both sides allow only it: no key share", () => {
    const session = firstConnection({ pskModes: [0] }, { pskModes: [0] })
    const h = pair({ crypto, client: { session, pskModes: [0] }, server: { certificates: [ec], ticketKeys, pskModes: [0] } })
    h.pump()
    expect(complete(h.client).resumed).toBe(true)
    expect(complete(h.client).group).toBeUndefined()
  })

  it("a ticket is single-use: the second offer gets a full handshake", () => {
    const session = firstConnection()
    const used = new Set<string>()
    const a = pair({ crypto, usedTickets: used, client: { session }, server: { certificates: [ec], ticketKeys } })
    a.pump()
    expect(complete(a.server).resumed).toBe(true)
    const b = pair({ crypto, usedTickets: used, client: { session }, server: { certificates: [ec], ticketKeys } })
    b.pump()
    expect(complete(b.server).resumed).toBe(false)
    expect(complete(b.client).resumed).toBe(false)
  })

  it("resumption across a HelloRetryRequest recomputes the binder", () => {
    const session = firstConnection()
    const h = pair({ crypto, client: { session, keyShareGroups: [0x1d], groups: [0x1d, 0x17] }, server: { certificates: [ec], ticketKeys, groups: [0x17] } })
    h.pump()
    expect(complete(h.client).helloRetry).toBe(true)
    expect(complete(h.client).resumed).toBe(true)
  })

  it("a wrong PSK makes the binder fail: decrypt_error", () => {
    const session = firstConnection()
    const forged = { ...session, psk: Redacted.make(new Uint8Array(32).fill(1)) }
    const h = pair({ crypto, client: { session: forged }, server: { certificates: [ec], ticketKeys } })
    h.pump()
    expect(tags(h.server, "AlertSent")).toEqual([{ _tag: "AlertSent", level: 2, description: 51 }])
  })

  it("an unknown ticket is ignored: full handshake", () => {
    const session = firstConnection()
    const h = pair({ crypto, client: { session }, server: { certificates: [ec], ticketKeys: [Redacted.make(new Uint8Array(32).fill(9))] } })
    h.pump()
    expect(complete(h.server).resumed).toBe(false)
  })
})

describe("TLS 1.3 0-RTT", () => {
  it("accepted: the server sees the early data before the handshake completes", () => {
    const session = firstConnection({ maxEarlyData: 4096 })
    expect(session.maxEarlyData).toBe(4096)
    const h = pair({ crypto, client: { session, earlyData: new TextEncoder().encode("early") }, server: { certificates: [ec], ticketKeys, maxEarlyData: 4096 } })
    h.pump()
    const early = tags(h.server, "EarlyData") as ReadonlyArray<{ data: Uint8Array }>
    expect(early.map((e) => new TextDecoder().decode(e.data))).toEqual(["early"])
    const serverActions = h.server.actions.map((a) => a._tag)
    expect(serverActions.indexOf("EarlyData")).toBeLessThan(serverActions.indexOf("HandshakeComplete"))
    expect(complete(h.client).earlyData).toBe("accepted")
    expect(complete(h.server).earlyData).toBe("accepted")
    h.send(h.client, { _tag: "Write", data: new Uint8Array([7]) })
    expect(h.server.delivered.map((d) => [...d])).toEqual([[7]])
  })

  it("rejected: the server skips the early data and the handshake completes", () => {
    const session = firstConnection({ maxEarlyData: 4096 })
    const h = pair({ crypto, client: { session, earlyData: new Uint8Array(100).fill(3) }, server: { certificates: [ec], ticketKeys, maxEarlyData: 0 } })
    h.pump()
    expect(tags(h.server, "EarlyData")).toHaveLength(0)
    expect(h.server.delivered).toHaveLength(0)
    expect(complete(h.client).earlyData).toBe("rejected")
    expect(complete(h.server).resumed).toBe(true)
    h.send(h.client, { _tag: "Write", data: new Uint8Array([8]) })
    expect(h.server.delivered.map((d) => [...d])).toEqual([[8]])
  })

  it("rejected after a used ticket: full handshake, early data skipped", () => {
    const session = firstConnection({ maxEarlyData: 4096 })
    const used = new Set<string>()
    const cfg = { crypto, usedTickets: used, client: { session, earlyData: new Uint8Array(10) }, server: { certificates: [ec], ticketKeys, maxEarlyData: 4096 } }
    pair(cfg).pump()
    const h = pair(cfg)
    h.pump()
    expect(complete(h.server).resumed).toBe(false)
    expect(complete(h.client).earlyData).toBe("rejected")
    expect(tags(h.server, "EarlyData")).toHaveLength(0)
  })
})
