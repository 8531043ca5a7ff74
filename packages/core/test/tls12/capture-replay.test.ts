/**
 * A captured OpenSSL TLS 1.2 connection replayed through our server (issue 15, acceptance 1):
 * `openssl s_client` talking to `openssl s_server` with RSA key transport
 * (TLS_RSA_WITH_AES_128_GCM_SHA256, extended master secret, a ticket). Given the capture's
 * ClientHello, the server's random and the server's certificate and key, our server writes
 * the captured ServerHello, Certificate and ServerHelloDone byte for byte; the capture's
 * ClientKeyExchange decrypts to the logged premaster, so our master secret is OpenSSL's; the
 * capture's client Finished verifies, and its encrypted close_notify opens.
 *
 * The server's last flight differs from the capture only where it must: the ticket is
 * sealed under our keys, so the NewSessionTicket (and the server Finished over it) are ours.
 * That Finished is checked against a verify_data computed here from the logged master secret.
 */
import * as nodeCrypto from "node:crypto"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import { describe, expect, it } from "@effect/vitest"
import { HandshakeReassembler, RecordDeframer } from "@effect-tls/codec"
import { NobleCrypto } from "../../src/crypto/noble.js"
import { loadPrivateKey } from "../../src/crypto/keys.js"
import type { Action } from "../../src/machine/actions.js"
import { makeConfig } from "../../src/machine/config.js"
import type { Event } from "../../src/machine/events.js"
import { makeCipher, Record12 } from "../../src/record/index.js"
import { Tls12Schedule, Transcript } from "../../src/schedule/index.js"
import { redact } from "../../src/schedule/secret.js"
import { machine, type State13 } from "../../src/tls13/index.js"
import { fromHex, loadVector, toHex } from "../vectors.js"

const v = loadVector<Record<string, any>>("tls12-rsa-kx-aes128gcm.json")
const crypto = NobleCrypto

const records = (hex: string) => {
  const d = RecordDeframer.empty().push(fromHex(hex))
  if (d._tag !== "Ok") throw new Error("overflow")
  return d.records
}
const handshakes = (bytes: Uint8Array) => {
  const r = HandshakeReassembler.empty().push(bytes)
  if (r._tag !== "Ok") throw new Error(r.detail)
  return r.messages.map((m) => m.bytes)
}

const clientRecords = records(v.client_to_server)
const serverRecords = records(v.server_to_client)
const [capturedHello, capturedCertificate, capturedDone, capturedTicket] = handshakes(
  Buffer.concat(serverRecords.slice(0, serverRecords.findIndex((r) => r.contentType === 20)).map((r) => r.fragment))
)
const certDer = new Uint8Array(new nodeCrypto.X509Certificate(v.server_certificate_pem).raw)

const config = makeConfig({
  versions: [0x0303],
  cipherSuites: [0x009c],
  tls12KeyExchanges: ["RSA"],
  certificates: [{ chain: [certDer], key: Result.getOrThrow(loadPrivateKey(v.server_private_key_pem)) }],
  ticketKeys: [Redacted.make(new Uint8Array(32).fill(9))]
})

const run = (events: ReadonlyArray<Event>, state: State13 = machine.initial("server")) => {
  const actions: Array<Action> = []
  for (const e of events) {
    const r = machine.step({ crypto, config }, state, e)
    state = r.state
    actions.push(...r.actions)
  }
  return { state, actions }
}
const sent = (actions: ReadonlyArray<Action>) =>
  Buffer.concat(actions.filter((a): a is Extract<Action, { _tag: "Send" }> => a._tag === "Send").map((a) => a.bytes))

describe("an OpenSSL TLS 1.2 capture (RSA key transport) replayed through our server", () => {
  it("ServerHello, Certificate and ServerHelloDone byte-exact; OpenSSL's master secret; the client's Finished verifies", () => {
    expect(v.cipher_suite).toBe(0x009c)
    expect(clientRecords.map((r) => r.contentType)).toEqual([22, 22, 20, 22, 21]) // hello, key exchange, CCS, Finished, alert
    const entropy = new Uint8Array(256).fill(0x5a)
    entropy.set(fromHex(v.server_random))
    let r = run([
      { _tag: "Start", now: 0, entropy: new Uint8Array(0) },
      { _tag: "Received", bytes: encode(clientRecords[0]!), now: 0, entropy }
    ])
    // the captured flight, message for message (OpenSSL gives each its own record; we coalesce)
    const ours = records(toHex(sent(r.actions)))
    expect(ours.every((x) => x.contentType === 22)).toBe(true)
    const ourMessages = handshakes(Buffer.concat(ours.map((x) => x.fragment)))
    const capturedFlight = [capturedHello!, capturedCertificate!, capturedDone!]
    expect(capturedFlight.map((m) => m[0])).toEqual([2, 11, 14])
    expect(ourMessages.map(toHex)).toEqual(capturedFlight.map(toHex))
    expect(r.state._tag).toBe("Wait12ClientKeyExchange")

    // the client's key exchange, ChangeCipherSpec and Finished, as captured
    r = run(
      [{ _tag: "Received", bytes: Buffer.concat(clientRecords.slice(1, 4).map(encode)), now: 0, entropy: new Uint8Array(256).fill(0x33) }],
      r.state
    )
    const keyLog = r.actions.find((a) => a._tag === "KeyLog") as { label: string; clientRandom: Uint8Array; secret: Redacted.Redacted<Uint8Array> }
    expect(keyLog.label).toBe("CLIENT_RANDOM")
    expect(toHex(keyLog.clientRandom)).toBe(v.client_random)
    expect(toHex(Redacted.value(keyLog.secret))).toBe(v.master_secret)
    expect(r.actions.filter((a) => a._tag === "AlertSent")).toEqual([])
    expect(r.state._tag).toBe("Connected12")

    // our NewSessionTicket, ChangeCipherSpec and Finished: the Finished opens under the capture's
    // server write key and carries the verify_data of the transcript through our ticket
    const last = records(toHex(sent(r.actions)))
    expect(last.map((x) => x.contentType)).toEqual([22, 20, 22])
    const nst = last[0]!.fragment
    expect(nst[0]).toBe(4)
    expect(capturedTicket![0]).toBe(4) // OpenSSL's ticket, sealed under its keys: ours differs
    const serverCipher = makeCipher(crypto, "aes-128-gcm", redact(fromHex(v.server_write_key), "k"), redact(fromHex(v.server_write_iv), "iv"))
    const fin = Record12.open(serverCipher, 0, last[2]!.header, last[2]!.fragment)
    if (fin._tag !== "Ok") throw new Error(fin.error.detail)
    const clientFinished = openClient(0, clientRecords[3]!)
    let transcript = Transcript.selectHash(crypto, Transcript.empty, "sha256")
    for (const m of [
      ...handshakes(clientRecords[0]!.fragment),
      capturedHello!,
      capturedCertificate!,
      capturedDone!,
      ...handshakes(clientRecords[1]!.fragment),
      clientFinished,
      nst
    ]) transcript = Transcript.append(crypto, transcript, m)
    const master = { _tag: "Tls12MasterSecret" as const, hash: "sha256" as const, extended: true, secret: redact(fromHex(v.master_secret), "master") }
    const expected = Tls12Schedule.finishedVerifyData(crypto, master, "server", Transcript.digest(crypto, transcript))
    expect(toHex(fin.content)).toBe(`1400000c${toHex(expected)}`)

    // the capture's encrypted close_notify: delivered as the peer closing, no alert from us
    r = run([{ _tag: "Received", bytes: encode(clientRecords[4]!), now: 0, entropy: new Uint8Array(0) }], r.state)
    expect(toHex(openClient(1, clientRecords[4]!))).toBe(v.client_alert_after_finished)
    expect(r.actions.filter((a) => a._tag === "AlertSent" && (a as { level: number }).level === 2)).toEqual([])
    expect(r.actions.some((a) => a._tag === "ReadClosed")).toBe(true)
  })
})

function encode(r: { readonly header: Uint8Array; readonly fragment: Uint8Array }) {
  return Buffer.concat([r.header, r.fragment])
}
function openClient(seq: number, r: { readonly header: Uint8Array; readonly fragment: Uint8Array }) {
  const c = makeCipher(crypto, "aes-128-gcm", redact(fromHex(v.client_write_key), "k"), redact(fromHex(v.client_write_iv), "iv"))
  const o = Record12.open(c, seq, r.header, r.fragment)
  if (o._tag !== "Ok") throw new Error(o.error.detail)
  return o.content
}
