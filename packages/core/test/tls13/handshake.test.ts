/**
 * TLS 1.3 client and server machines against each other in the synchronous harness:
 * every suite, every group, every certificate type, HelloRetryRequest, client
 * authentication, ALPN, KeyUpdate and close_notify.
 */
import { describe, expect, it } from "@effect/vitest"
import { CipherSuite, NamedGroup } from "@effect-tls/codec"
import { NobleCrypto } from "../../src/crypto/noble.js"
import * as Result from "effect/Result"
import { exportKeyingMaterial } from "../../src/tls13/index.js"
import { makeCredential, pair, tags } from "./harness.js"

const crypto = NobleCrypto
const ec = makeCredential("ec")
const complete = (p: { actions: ReadonlyArray<{ _tag: string }> }) => p.actions.find((a) => a._tag === "HandshakeComplete") as any

describe("TLS 1.3 handshake (noble)", () => {
  it("completes with defaults, and application data flows both ways", () => {
    const h = pair({ crypto, server: { certificates: [ec] } })
    h.pump()
    expect(h.client.state._tag).toBe("Connected")
    expect(h.server.state._tag).toBe("Connected")
    const c = complete(h.client).params
    const s = complete(h.server).params
    expect(c.cipherSuite).toBe(CipherSuite.TLS_AES_128_GCM_SHA256)
    expect(c.group).toBe(NamedGroup.values.x25519)
    expect(s.cipherSuite).toBe(c.cipherSuite)
    h.send(h.client, { _tag: "Write", data: new TextEncoder().encode("ping") })
    h.send(h.server, { _tag: "Write", data: new TextEncoder().encode("pong") })
    expect(new TextDecoder().decode(h.server.delivered[0])).toBe("ping")
    expect(new TextDecoder().decode(h.client.delivered[0])).toBe("pong")
  })

  it("both sides export the same keying material (RFC 8446 §7.5); bad labels are refused", () => {
    const h = pair({ crypto, server: { certificates: [ec] } })
    h.pump()
    const out = (p: typeof h.client) => Result.getOrThrow(exportKeyingMaterial(crypto, complete(p).params, "EXPORTER-Channel-Binding", undefined, 32))
    expect(out(h.client)).toEqual(out(h.server))
    expect(out(h.client)).toHaveLength(32)
    expect(Result.isFailure(exportKeyingMaterial(crypto, complete(h.client).params, "", undefined, 32))).toBe(true)
  })

  for (const suite of [CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_AES_256_GCM_SHA384, CipherSuite.TLS_CHACHA20_POLY1305_SHA256]) {
    it(`suite 0x${suite.toString(16)}`, () => {
      const h = pair({ crypto, client: { cipherSuites: [suite] }, server: { certificates: [ec] } })
      h.pump()
      expect(complete(h.client).params.cipherSuite).toBe(suite)
    })
  }

  for (const [name, g] of Object.entries({ x25519: 0x1d, secp256r1: 0x17, secp384r1: 0x18, ffdhe2048: 0x100, ffdhe3072: 0x101, X25519MLKEM768: 0x11ec })) {
    it(`group ${name}`, () => {
      const h = pair({ crypto, client: { keyShareGroups: [g], groups: [g] }, server: { certificates: [ec] } })
      h.pump()
      expect(h.client.state._tag).toBe("Connected")
      expect(complete(h.server).params.group).toBe(g)
    })
  }

  for (const kind of ["p384", "ed25519", "rsa", "rsa-pss"] as const) {
    it(`server certificate ${kind}`, () => {
      const h = pair({ crypto, server: { certificates: [makeCredential(kind)] } })
      h.pump()
      expect(h.client.state._tag).toBe("Connected")
    })
  }

  it("HelloRetryRequest when the guess is not shared, with a cookie", () => {
    const h = pair({ crypto, client: { keyShareGroups: [0x1d], groups: [0x1d, 0x17] }, server: { groups: [0x17], certificates: [ec], retryCookie: true } })
    h.pump()
    expect(h.client.state._tag).toBe("Connected")
    expect(complete(h.client).params.helloRetry).toBe(true)
    expect(complete(h.client).params.group).toBe(0x17)
  })

  it("client authentication required, with a certificate", () => {
    const h = pair({ crypto, client: { certificates: [makeCredential("ec", "client")] }, server: { certificates: [ec], clientAuth: "required" } })
    h.pump()
    expect(h.server.state._tag).toBe("Connected")
    expect(complete(h.server).params.peerCertificates).toHaveLength(1)
  })

  it("client authentication required, without a certificate: certificate_required", () => {
    const h = pair({ crypto, server: { certificates: [ec], clientAuth: "required" } })
    h.pump()
    expect(h.server.state._tag).toBe("Closed")
    expect(tags(h.server, "AlertSent")).toEqual([{ _tag: "AlertSent", level: 2, description: 116 }])
    expect(h.client.state._tag).toBe("Closed")
  })

  it("client authentication optional, without a certificate: continues", () => {
    const h = pair({ crypto, server: { certificates: [ec], clientAuth: "optional" } })
    h.pump()
    expect(h.server.state._tag).toBe("Connected")
    expect(complete(h.server).params.peerCertificates).toHaveLength(0)
  })

  it("ALPN by the server's preference; no overlap is no_application_protocol", () => {
    const h = pair({ crypto, client: { alpn: ["http/1.1", "h2"] }, server: { certificates: [ec], alpn: ["h2", "http/1.1"] } })
    h.pump()
    expect(complete(h.client).params.alpn).toBe("h2")
    const bad = pair({ crypto, client: { alpn: ["x"] }, server: { certificates: [ec], alpn: ["h2"] } })
    bad.pump()
    expect(tags(bad.server, "AlertSent")).toEqual([{ _tag: "AlertSent", level: 2, description: 120 }])
  })

  it("KeyUpdate with update_requested both ways, then close_notify both ways", () => {
    const h = pair({ crypto, server: { certificates: [ec] } })
    h.pump()
    h.send(h.client, { _tag: "RequestKeyUpdate", updatePeer: true })
    h.send(h.client, { _tag: "Write", data: new Uint8Array([1]) })
    h.send(h.server, { _tag: "Write", data: new Uint8Array([2]) })
    expect(h.server.delivered.map((d) => [...d])).toEqual([[1]])
    expect(h.client.delivered.map((d) => [...d])).toEqual([[2]])
    h.send(h.client, { _tag: "Close" })
    expect(tags(h.server, "ReadClosed")).toHaveLength(1)
    h.send(h.server, { _tag: "Write", data: new Uint8Array([3]) })
    expect(h.client.delivered.map((d) => [...d])).toEqual([[2], [3]])
    h.send(h.server, { _tag: "Close" })
    expect(h.client.state._tag).toBe("Closed")
    expect(h.server.state._tag).toBe("Closed")
  })

  it("a tampered record is bad_record_mac and nothing is delivered", () => {
    const h = pair({ crypto, server: { certificates: [ec] } })
    h.pump()
    h.feed(h.client, { _tag: "Write", data: new Uint8Array([9, 9, 9]) })
    const record = h.toServer.pop()!.slice()
    record[record.length - 1]! ^= 1
    h.toServer.push(record)
    h.pump()
    expect(h.server.delivered).toHaveLength(0)
    expect(tags(h.server, "AlertSent")).toEqual([{ _tag: "AlertSent", level: 2, description: 20 }])
    expect(h.server.state._tag).toBe("Closed")
  })
})
