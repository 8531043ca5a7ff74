/**
 * RFC 8448 §3: every plaintext handshake message of the simple 1-RTT handshake decodes to
 * the expected typed values and re-encodes byte-exact.
 */
import { describe, expect, it } from "@effect/vitest"
import { Ext, HandshakeReassembler, decodeHandshake, encodeHandshake, CipherSuite, NamedGroup, RecordDeframer, ContentType } from "../src/index.js"
import { err, hex, ok, readShared, toHex } from "./helpers.js"

const v = readShared("vectors/rfc8448-simple-1rtt.json")

const roundTrip = (bytes: Uint8Array, ctx = { version: 0x0304 }) => {
  const msg = ok(decodeHandshake(bytes, ctx))
  expect(toHex(ok(encodeHandshake(msg)))).toBe(toHex(bytes))
  return msg
}

describe("RFC 8448 §3 messages", () => {
  it("ClientHello: suites, x25519 share, server_name \"server\"", () => {
    const ch = roundTrip(hex(v.client_hello))
    if (ch._tag !== "ClientHello") throw new Error(ch._tag)
    expect(toHex(ch.random)).toBe(v.client_random)
    expect(ch.cipherSuites).toEqual([CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_CHACHA20_POLY1305_SHA256, CipherSuite.TLS_AES_256_GCM_SHA384])
    const ks = Ext.find(ch.extensions, "key_share")!
    expect(ks.clientShares).toHaveLength(1)
    expect(ks.clientShares[0]!.group).toBe(NamedGroup.values.x25519)
    expect(toHex(ks.clientShares[0]!.keyExchange)).toBe(v.client_x25519_public)
    expect(Ext.hostName(Ext.find(ch.extensions, "server_name")!)).toBe("server")
    expect(Ext.find(ch.extensions, "supported_versions")!.versions).toEqual([0x0304])
    expect(ch.extensions!.every((e) => e._tag !== "Unknown")).toBe(true)
  })

  it("ServerHello: TLS_AES_128_GCM_SHA256 and the server's x25519 share", () => {
    const sh = roundTrip(hex(v.server_hello))
    if (sh._tag !== "ServerHello") throw new Error(sh._tag)
    expect(sh.cipherSuite).toBe(CipherSuite.TLS_AES_128_GCM_SHA256)
    expect(toHex(sh.random)).toBe(v.server_random)
    const ks = Ext.find(sh.extensions, "key_share")!
    expect(ks.serverShare.group).toBe(NamedGroup.values.x25519)
    expect(toHex(ks.serverShare.keyExchange)).toBe(v.server_x25519_public)
    expect(Ext.find(sh.extensions, "supported_versions")!.selectedVersion).toBe(0x0304)
  })

  it("server flight: EncryptedExtensions, Certificate, CertificateVerify, Finished", () => {
    const r = HandshakeReassembler.empty().push(hex(v.server_flight_plaintext))
    if (r._tag !== "Ok") throw new Error(r.why)
    expect(r.messages.map((m) => m.type)).toEqual([8, 11, 15, 20])
    expect(r.messages.map((m) => m.endsRecord)).toEqual([false, false, false, true])
    const [ee, cert, cv, fin] = r.messages.map((m) => roundTrip(m.bytes))
    if (ee!._tag !== "EncryptedExtensions" || cert!._tag !== "Certificate13" || cv!._tag !== "CertificateVerify" || fin!._tag !== "Finished") {
      throw new Error("wrong tags")
    }
    expect(Ext.find(ee.extensions, "supported_groups")!.namedGroupList).toContain(NamedGroup.values.x25519)
    expect(Ext.find(ee.extensions, "server_name")).toEqual({ _tag: "server_name" })
    expect(cert.certificateRequestContext.length).toBe(0)
    expect(cert.certificateList).toHaveLength(1)
    expect(cert.certificateList[0]!.certData[0]).toBe(0x30) // DER SEQUENCE
    expect(cv.algorithm).toBe(0x0804) // rsa_pss_rsae_sha256
    expect(cv.signature.length).toBe(128)
    expect(toHex(fin.verifyData)).toBe(v.server_finished_verify_data)
  })

  it("NewSessionTicket: lifetime 30 s, early_data-free, re-encodes", () => {
    const nst = roundTrip(hex(v.new_session_ticket))
    if (nst._tag !== "NewSessionTicket13") throw new Error(nst._tag)
    expect(nst.ticketLifetime).toBe(30)
    expect(nst.ticketNonce).toEqual(new Uint8Array([0, 0]))
    expect(nst.ticket.length).toBe(178)
  })

  it("ClientHello record: deframes, and the TLS 1.2 layout is kept for a 1.2 context", () => {
    const d = RecordDeframer.empty().push(hex(v.record_client_hello))
    if (d._tag !== "Ok") throw new Error("overflow")
    expect(d.records).toHaveLength(1)
    expect(d.records[0]!.contentType).toBe(ContentType.values.handshake)
    expect(toHex(d.records[0]!.fragment)).toBe(v.client_hello)
  })

  it("rejects a truncated ClientHello with decode_error", () => {
    const b = hex(v.client_hello)
    const e = err(decodeHandshake(b.subarray(0, b.length - 1)))
    expect(e.alert).toBe("decode_error")
  })
})
