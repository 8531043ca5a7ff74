/**
 * RFC 8448 §3 through the state machines (issue 11, acceptance 1 and 2): our client,
 * given the vector's random and x25519 key and a configuration that advertises the
 * trace's extra code points, emits the vector's ClientHello and client Finished records
 * byte-exact and encrypts and decrypts the application data; our server, given the
 * vector's ClientHello, random, x25519 key and RSA key, emits the vector's ServerHello,
 * EncryptedExtensions and Certificate byte-exact and a CertificateVerify that verifies.
 */
import { AsnConvert } from "@peculiar/asn1-schema"
import { RSAPrivateKey } from "@peculiar/asn1-rsa"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import { describe, expect, it } from "@effect/vitest"
import { decodeHandshake, HandshakeReassembler, RecordDeframer } from "@effect-tls/codec"
import { NobleCrypto } from "../../src/crypto/noble.js"
import { loadPrivateKey } from "../../src/crypto/keys.js"
import type { Action } from "../../src/machine/actions.js"
import { makeConfig } from "../../src/machine/config.js"
import type { Event } from "../../src/machine/events.js"
import { makeCipher, Record13 } from "../../src/record/index.js"
import { redact } from "../../src/schedule/secret.js"
import { machine, type State13 } from "../../src/tls13/index.js"
import { certificatePublicKey } from "../../src/x509/certificate.js"
import { fromHex, loadVector, toHex } from "../vectors.js"

const v = loadVector<Record<string, any>>("rfc8448-simple-1rtt.json")
const crypto = NobleCrypto

const messagesOf = (flight: Uint8Array) => {
  const r = HandshakeReassembler.empty().push(flight)
  if (r._tag !== "Ok") throw new Error(r.detail)
  return r.messages.map((m) => m.bytes)
}
const [vEE, vCert, vCV, vFin] = messagesOf(fromHex(v.server_flight_plaintext))
const certDer = (() => {
  const c = Result.getOrThrow(decodeHandshake(vCert!, { version: 0x0304 }))
  if (c._tag !== "Certificate13") throw new Error(c._tag)
  return c.certificateList[0]!.certData
})()

/** The trace's ClientHello: what it offers beyond what we implement is advertised verbatim. */
const clientConfig = makeConfig({
  versions: [0x0304],
  serverName: "server",
  cipherSuites: [0x1301, 0x1303, 0x1302],
  groups: [0x1d, 0x17, 0x18],
  keyShareGroups: [0x1d],
  recordSizeLimit: 0x4001,
  middleboxCompat: false,
  advertise: {
    groups: [0x1d, 0x17, 0x18, 0x19, 0x100, 0x101, 0x102, 0x103, 0x104],
    signatureSchemes: [0x0403, 0x0503, 0x0603, 0x0203, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0201, 0x0402, 0x0502, 0x0602, 0x0202],
    extensions: [
      { _tag: "Unknown", type: 0xff01, data: new Uint8Array([0]) },
      { _tag: "Unknown", type: 0x0023, data: new Uint8Array(0) }
    ],
    extensionOrder: [0x0000, 0xff01, 0x000a, 0x0023, 0x0033, 0x002b, 0x000d, 0x002d, 0x001c]
  }
})

const steps = (state: State13, events: ReadonlyArray<Event>, config = clientConfig) => {
  const actions: Array<Action> = []
  for (const e of events) {
    const r = machine.step({ crypto, config }, state, e)
    state = r.state
    actions.push(...r.actions)
  }
  return { state, actions }
}
const sent = (actions: ReadonlyArray<Action>) => actions.filter((a) => a._tag === "Send").map((a) => toHex((a as { bytes: Uint8Array }).bytes)).join("")

describe("RFC 8448 §3 as the client", () => {
  it("ClientHello, client Finished and application data records are byte-exact", () => {
    const entropy = new Uint8Array(512)
    entropy.set(fromHex(v.client_random), 0)
    entropy.set(fromHex(v.client_x25519_private), 64)
    let r = steps(machine.initial("client"), [{ _tag: "Start", now: 0, entropy }])
    expect(sent(r.actions)).toBe(v.record_client_hello)

    const pinned = (chain: ReadonlyArray<Uint8Array>): Event => ({ _tag: "ChainVerdict", accepted: toHex(chain[0]!) === toHex(certDer) })
    r = steps(r.state, [{ _tag: "Received", bytes: fromHex(v.record_server_hello + v.record_server_flight), now: 0, entropy: new Uint8Array(0) }])
    const verify = r.actions.find((a) => a._tag === "VerifyChain") as { chain: ReadonlyArray<Uint8Array> }
    expect(r.state._tag).toBe("WaitChainVerdict")
    r = steps(r.state, [pinned(verify.chain)])
    expect(r.state._tag).toBe("Connected")
    expect(sent(r.actions)).toBe(v.record_client_finished)

    r = steps(r.state, [{ _tag: "Write", data: fromHex(v.application_data_plaintext) }])
    expect(sent(r.actions)).toBe(v.record_client_application_data)

    r = steps(r.state, [
      { _tag: "Received", bytes: fromHex(v.record_new_session_ticket + v.record_server_application_data + v.record_server_close_notify), now: 0, entropy: new Uint8Array(0) }
    ])
    const delivered = r.actions.filter((a) => a._tag === "Deliver").map((a) => toHex((a as { data: Uint8Array }).data))
    expect(delivered).toEqual([v.application_data_plaintext])
    expect(r.actions.some((a) => a._tag === "SessionTicket")).toBe(true)
    expect(r.actions.some((a) => a._tag === "ReadClosed")).toBe(true)
    r = steps(r.state, [{ _tag: "Close" }])
    expect(sent(r.actions)).toBe(v.record_client_close_notify)
    expect(r.state._tag).toBe("Closed")
  })
})

const rsaKey = () => {
  const k = v.server_rsa_private_key
  const big = (h: string) => {
    const b = fromHex(h)
    const out = b[0]! & 0x80 ? new Uint8Array([0, ...b]) : b
    return out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength) as ArrayBuffer
  }
  const der = new Uint8Array(
    AsnConvert.serialize(
      new RSAPrivateKey({
        version: 0,
        modulus: big(k.n),
        publicExponent: big(k.e),
        privateExponent: big(k.d),
        prime1: big(k.p),
        prime2: big(k.q),
        exponent1: big(k.dp),
        exponent2: big(k.dq),
        coefficient: big(k.qi)
      })
    )
  )
  const pem = `-----BEGIN RSA PRIVATE KEY-----\n${Buffer.from(der).toString("base64")}\n-----END RSA PRIVATE KEY-----\n`
  return Result.getOrThrow(loadPrivateKey(pem))
}

describe("RFC 8448 §3 as the server", () => {
  it("ServerHello, EncryptedExtensions and Certificate byte-exact; CertificateVerify verifies", () => {
    const config = makeConfig({
      versions: [0x0304],
      cipherSuites: [0x1301, 0x1303, 0x1302],
      groups: [0x1d, 0x17, 0x18],
      recordSizeLimit: 0x4001,
      middleboxCompat: false,
      certificates: [{ chain: [certDer], key: rsaKey() }],
      advertise: { groups: [0x1d, 0x17, 0x18, 0x19, 0x100, 0x101, 0x102, 0x103, 0x104] }
    })
    const entropy = new Uint8Array(64)
    entropy.set(fromHex(v.server_random))
    let r = steps(machine.initial("server"), [{ _tag: "Start", now: 0, entropy: new Uint8Array(0) }, { _tag: "Received", bytes: fromHex(v.record_client_hello), now: 0, entropy }], config)
    const ka = r.actions.find((a) => a._tag === "KeyAgreement") as { group: number; peerPublic: Uint8Array }
    const agreed = crypto.encapsulate("x25519", ka.peerPublic, fromHex(v.server_x25519_private))!
    expect(toHex(agreed.publicKey)).toBe(v.server_x25519_public)
    r = steps(r.state, [{ _tag: "KeyAgreed", ok: true, publicKey: agreed.publicKey, sharedSecret: Redacted.make(agreed.sharedSecret) }], config)
    expect(sent(r.actions)).toBe(v.record_server_hello)
    const sign = r.actions.find((a) => a._tag === "Sign") as { scheme: number; data: Uint8Array }
    expect(sign.scheme).toBe(0x0804)
    const signature = crypto.sign("rsa_pss_rsae_sha256", config.certificates[0]!.key, sign.data, new Uint8Array(64).fill(7))
    r = steps(r.state, [{ _tag: "Signed", signature }], config)
    expect(r.state._tag).toBe("WaitClientFinished")
    // decrypt our flight with the vector's server handshake keys
    const d = RecordDeframer.empty().push(fromHex(sent(r.actions)))
    if (d._tag !== "Ok") throw new Error("overflow")
    expect(d.records).toHaveLength(1)
    const cipher = makeCipher(crypto, "aes-128-gcm", redact(fromHex(v.server_handshake_key), "k"), redact(fromHex(v.server_handshake_iv), "iv"))
    const opened = Record13.open(cipher, 0, d.records[0]!.header, d.records[0]!.fragment)
    if (opened._tag !== "Ok") throw new Error(opened.error.detail)
    const [ee, cert, cv, fin] = messagesOf(opened.content)
    expect(toHex(ee!)).toBe(toHex(vEE!))
    expect(toHex(cert!)).toBe(toHex(vCert!))
    expect(toHex(cv!)).not.toBe(toHex(vCV!)) // PSS salt differs
    const cvMsg = Result.getOrThrow(decodeHandshake(cv!, { version: 0x0304 }))
    if (cvMsg._tag !== "CertificateVerify") throw new Error(cvMsg._tag)
    expect(cvMsg.algorithm).toBe(0x0804)
    const leafKey = Result.getOrThrow(certificatePublicKey(certDer))
    expect(crypto.verify("rsa_pss_rsae_sha256", leafKey, sign.data, cvMsg.signature)).toBe(true)
    expect(fin!.length).toBe(vFin!.length)
    // the vector's client Finished covers the vector's CertificateVerify, not ours: decrypt_error
    r = steps(r.state, [{ _tag: "Received", bytes: fromHex(v.record_client_finished), now: 0, entropy: new Uint8Array(0) }], config)
    expect(r.state._tag).toBe("Closed")
    expect(r.actions.filter((a) => a._tag === "AlertSent")).toEqual([{ _tag: "AlertSent", level: 2, description: 51 }])
  })
})
