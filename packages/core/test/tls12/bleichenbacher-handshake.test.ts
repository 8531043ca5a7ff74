/**
 * Bleichenbacher safety in a handshake (issue 10, acceptance 4, second half): a TLS 1.2
 * server with RSA key transport gets a well-formed ClientKeyExchange (for a premaster the
 * client did not use), three with bad PKCS#1 padding and one with the wrong version. All
 * five produce the same sequence of actions and the same alert when the client's Finished
 * arrives — `bad_record_mac`, because under the wrong keys its record does not decrypt
 * (alerts.md) — so nothing tells a padding error from a good decryption.
 */
import * as nodeCrypto from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import { CipherSuite, RecordDeframer, encodeRecord } from "@effect-tls/codec"
import { NobleCrypto } from "../../src/crypto/noble.js"
import { premasterInputs } from "../crypto/premaster-inputs.js"
import { makeCredential, pair } from "../tls13/harness.js"

const rsa = makeCredential("rsa")
const publicPem = new nodeCrypto.X509Certificate(Buffer.from(rsa.chain[0]!)).publicKey.export({ type: "spki", format: "pem" }).toString()
const config = { versions: [0x0303], cipherSuites: [CipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256], tls12KeyExchanges: ["RSA" as const] }

/** Runs the handshake with the client's ClientKeyExchange ciphertext replaced; returns the server's actions. */
const withCiphertext = (ciphertext: Uint8Array) => {
  const h = pair({ crypto: NobleCrypto, client: config, server: { ...config, certificates: [rsa] } })
  h.pump(1) // ClientHello to the server, its flight to the client, the client's flight back
  const flight = h.toServer.splice(0)
  const d = RecordDeframer.empty().push(flight.length === 1 ? flight[0]! : Buffer.concat(flight))
  if (d._tag !== "Ok") throw new Error("overflow")
  const records = d.records.map((r) => {
    if (r.contentType !== 22 || r.fragment[0] !== 16) return encodeRecord(r.contentType, r.version, r.fragment)
    const body = r.fragment.slice()
    body.set(ciphertext, body.length - ciphertext.length) // ClientKeyExchange: the ciphertext ends the message
    return encodeRecord(r.contentType, r.version, body)
  })
  h.toServer.push(...records)
  const before = h.server.actions.length
  h.pump()
  return h.server.actions.slice(before)
}

describe("RSA key transport: no padding oracle in the handshake", () => {
  const inputs = premasterInputs(publicPem)
  it(`${inputs.length} ClientKeyExchange ciphertexts: the same actions and bad_record_mac at the client's Finished`, () => {
    const runs = inputs.map((i) => ({ name: i.name, actions: withCiphertext(i.ciphertext) }))
    const shape = (actions: ReadonlyArray<{ _tag: string }>) =>
      actions.filter((a) => a._tag !== "KeyLog" && a._tag !== "Send").map((a) => (a._tag === "Trace" ? `Trace:${(a as unknown as { note: string }).note}` : a._tag))
    const first = shape(runs[0]!.actions)
    for (const r of runs) {
      expect(shape(r.actions), r.name).toEqual(first)
      expect(r.actions.filter((a) => a._tag === "AlertSent"), r.name).toEqual([{ _tag: "AlertSent", level: 2, description: 20 }])
    }
    expect(first).toContain("Trace:read ClientKeyExchange")
  })
})
