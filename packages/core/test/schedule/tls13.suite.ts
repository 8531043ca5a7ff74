/**
 * TLS 1.3 key schedule against RFC 8448 §3 (the shared vector file) and the §4
 * resumption values, for any provider.
 */
import { Redacted } from "effect"
import { describe, expect, it } from "vitest"
import type { CryptoProvider, KeyShare } from "../../src/crypto/provider.js"
import * as Tls13 from "../../src/schedule/tls13-schedule.js"
import * as Transcript from "../../src/schedule/transcript.js"
import { fromHex, loadVector, toHex } from "../vectors.js"
import { splitHandshakeMessages } from "./handshake-split.js"

interface Rfc8448 {
  readonly client_x25519_private: string
  readonly client_x25519_public: string
  readonly server_x25519_private: string
  readonly server_x25519_public: string
  readonly client_hello: string
  readonly server_hello: string
  readonly server_flight_plaintext: string
  readonly new_session_ticket: string
  readonly [key: string]: unknown
}

export const rfc8448 = loadVector<Rfc8448>("rfc8448-simple-1rtt.json")
const v = (field: string): string => {
  const value = rfc8448[field]
  if (typeof value !== "string") throw new Error(`vector field ${field} missing`)
  return value
}

/** Hex of a secret's bytes, for comparison in tests only. */
export const secretHex = (secret: Redacted.Redacted<Uint8Array>): string => toHex(Redacted.value(secret))

/**
 * RFC 8448 §3 and §4 values that the shared vector file does not carry, quoted from the
 * RFC ("{server} derive secret "tls13 res master"", "{server} generate resumption
 * secret", and the §4 early-data trace).
 */
export const rfc8448Text = {
  resumptionMasterSecret: "7df235f2031d2a051287d02b0241b0bfdaf86cc856231f2d5aba46c434ec196c",
  resumptionPsk: "4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3",
  /** §4 */
  resumedEarlySecret: "9b2188e9b2fc6d64d71dc329900e20bb41915000f678aa839cbb797cb7d8332c",
  resumedBinderKey: "69fe131a3bbad5d63c64eebcc30e395b9d8107726a13d074e389dbc8a4e47256",
  resumedBinderFinishedKey: "5588673e72cb59c87d220caffe94f2dea9a3b1609f7d50e90a48227db9ed7eaa",
  truncatedClientHelloHash: "63224b2e4573f2d3454ca84b9d009a04f6be9e05711a8396473aefa01e924a14",
  binder: "3add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b9e5f9d",
  resumedClientHelloHash: "08ad0fa05d7c7233b1775ba2ff9f4c5b8b59276b7f227f13a976245f5d960913",
  clientEarlyTrafficSecret: "3fbbe6a60deb66c30a32795aba0eff7eaa10105586e7be5c09678d63b6caab62"
} as const

/** Everything RFC 8448 §3 derives, computed through the schedule and transcript modules. */
export const runRfc8448 = (crypto: CryptoProvider) => {
  const clientShare: KeyShare = {
    group: "x25519",
    publicKey: fromHex(rfc8448.client_x25519_public),
    privateKey: fromHex(rfc8448.client_x25519_private)
  }
  const serverShare: KeyShare = {
    group: "x25519",
    publicKey: fromHex(rfc8448.server_x25519_public),
    privateKey: fromHex(rfc8448.server_x25519_private)
  }
  const sharedSecret = crypto.agree(clientShare, serverShare.publicKey)
  const serverSharedSecret = crypto.agree(serverShare, clientShare.publicKey)
  if (sharedSecret === undefined) throw new Error("x25519 agreement failed")

  const [ee, certificate, certificateVerify, serverFinished] = splitHandshakeMessages(
    fromHex(rfc8448.server_flight_plaintext)
  )
  const pending = Transcript.append(crypto, Transcript.empty, fromHex(rfc8448.client_hello))
  let hashed = Transcript.append(crypto, Transcript.selectHash(crypto, pending, "sha256"), fromHex(rfc8448.server_hello))
  const helloHash = Transcript.digest(crypto, hashed)

  const early = Tls13.earlySecret(crypto, "sha256")
  const handshake = Tls13.handshakeSecret(crypto, early, sharedSecret)
  const handshakeTraffic = Tls13.handshakeTrafficSecrets(crypto, handshake, helloHash)
  const master = Tls13.masterSecret(crypto, handshake)

  for (const message of [ee!, certificate!, certificateVerify!]) hashed = Transcript.append(crypto, hashed, message)
  const serverFinishedKey = Tls13.finishedKey(crypto, handshakeTraffic.server)
  const serverVerifyData = Tls13.finishedVerifyData(crypto, serverFinishedKey, Transcript.digest(crypto, hashed))
  const serverFinishedCheck = Tls13.verifyFinished(
    crypto,
    serverFinishedKey,
    Transcript.digest(crypto, hashed),
    serverFinished!.subarray(4)
  )
  hashed = Transcript.append(crypto, hashed, serverFinished!)
  const serverFinishedHash = Transcript.digest(crypto, hashed)
  const applicationTraffic = Tls13.applicationTrafficSecrets(crypto, master, serverFinishedHash)
  const exporter = Tls13.exporterMasterSecret(crypto, master, serverFinishedHash)

  const clientFinishedKey = Tls13.finishedKey(crypto, handshakeTraffic.client)
  const clientVerifyData = Tls13.finishedVerifyData(crypto, clientFinishedKey, serverFinishedHash)
  const clientFinished = Uint8Array.of(20, 0, 0, clientVerifyData.length, ...clientVerifyData)
  hashed = Transcript.append(crypto, hashed, clientFinished)
  const resumption = Tls13.resumptionMasterSecret(crypto, master, Transcript.digest(crypto, hashed))

  // NewSessionTicket: lifetime(4) age_add(4) ticket_nonce<0..255> ... (RFC 8446 §4.6.1)
  const ticket = fromHex(rfc8448.new_session_ticket).subarray(4)
  const ticketNonce = ticket.subarray(9, 9 + ticket[8]!)
  const psk = Tls13.resumptionPsk(crypto, resumption, ticketNonce)

  return {
    sharedSecret,
    serverSharedSecret,
    helloHash,
    early,
    handshake,
    handshakeTraffic,
    master,
    serverFinished: serverFinished!,
    serverFinishedHash,
    serverVerifyData,
    serverFinishedCheck,
    clientVerifyData,
    applicationTraffic,
    exporter,
    resumption,
    ticketNonce,
    psk
  }
}

export const tls13Suite = (crypto: CryptoProvider): void => {
  describe(`TLS 1.3 key schedule, RFC 8448 §3 (${crypto.name})`, () => {
    const r = runRfc8448(crypto)

    it("computes the x25519 shared secret from the vector's private keys", () => {
      expect(toHex(r.sharedSecret)).toBe(v("shared_secret"))
      expect(toHex(r.serverSharedSecret!)).toBe(v("shared_secret"))
    })

    it("hashes ClientHello..ServerHello to the vector's hello hash", () => {
      expect(toHex(r.helloHash)).toBe(v("hello_hash"))
    })

    it("derives the early, handshake and master secrets", () => {
      expect(secretHex(r.early.secret)).toBe(v("early_secret"))
      expect(r.early.psk).toBe("none")
      expect(
        toHex(Tls13.deriveSecret(crypto, "sha256", r.early.secret, "derived", Tls13.emptyHash(crypto, "sha256")))
      ).toBe(v("derived_for_handshake"))
      expect(secretHex(r.handshake.secret)).toBe(v("handshake_secret"))
      expect(secretHex(r.master.secret)).toBe(v("master_secret"))
    })

    it("derives both handshake traffic secrets and their keys and IVs", () => {
      expect(secretHex(r.handshakeTraffic.client.secret)).toBe(v("client_handshake_traffic_secret"))
      expect(secretHex(r.handshakeTraffic.server.secret)).toBe(v("server_handshake_traffic_secret"))
      const server = Tls13.trafficKeys(crypto, r.handshakeTraffic.server, "aes-128-gcm")
      const client = Tls13.trafficKeys(crypto, r.handshakeTraffic.client, "aes-128-gcm")
      expect(secretHex(server.key)).toBe(v("server_handshake_key"))
      expect(secretHex(server.iv)).toBe(v("server_handshake_iv"))
      expect(secretHex(client.key)).toBe(v("client_handshake_key"))
      expect(secretHex(client.iv)).toBe(v("client_handshake_iv"))
    })

    it("computes both Finished values and verifies the server's", () => {
      expect(toHex(r.serverVerifyData)).toBe(v("server_finished_verify_data"))
      expect(toHex(r.serverFinished.subarray(4))).toBe(v("server_finished_verify_data"))
      expect(r.serverFinishedCheck?._tag).toBe("FinishedVerified")
      expect(r.serverFinishedCheck?.subject).toBe("tls13_server_finished")
      expect(toHex(r.clientVerifyData)).toBe(v("client_finished_verify_data"))
    })

    it("rejects a Finished with one bit flipped", () => {
      const key = Tls13.finishedKey(crypto, r.handshakeTraffic.client)
      const flipped = r.clientVerifyData.slice()
      flipped[31]! ^= 1
      const serverFinishedHash = r.serverFinishedHash
      expect(Tls13.verifyFinished(crypto, key, serverFinishedHash, r.clientVerifyData)?.subject).toBe(
        "tls13_client_finished"
      )
      expect(Tls13.verifyFinished(crypto, key, serverFinishedHash, flipped)).toBeUndefined()
      expect(Tls13.verifyFinished(crypto, key, serverFinishedHash, r.clientVerifyData.subarray(1))).toBeUndefined()
    })

    it("derives both application traffic secrets and their keys and IVs", () => {
      expect(secretHex(r.applicationTraffic.client.secret)).toBe(v("client_application_traffic_secret"))
      expect(secretHex(r.applicationTraffic.server.secret)).toBe(v("server_application_traffic_secret"))
      const server = Tls13.trafficKeys(crypto, r.applicationTraffic.server, "aes-128-gcm")
      const client = Tls13.trafficKeys(crypto, r.applicationTraffic.client, "aes-128-gcm")
      expect(secretHex(server.key)).toBe(v("server_application_key"))
      expect(secretHex(server.iv)).toBe(v("server_application_iv"))
      expect(secretHex(client.key)).toBe(v("client_application_key"))
      expect(secretHex(client.iv)).toBe(v("client_application_iv"))
    })

    it("derives the exporter master secret", () => {
      expect(secretHex(r.exporter.secret)).toBe(v("exporter_master_secret"))
      expect(r.exporter.early).toBe(false)
    })

    it("derives the resumption master secret and the ticket's PSK (RFC 8448 §3 text)", () => {
      expect(toHex(r.ticketNonce)).toBe("0000")
      expect(secretHex(r.resumption.secret)).toBe(rfc8448Text.resumptionMasterSecret)
      expect(secretHex(r.psk.secret)).toBe(rfc8448Text.resumptionPsk)
      expect(r.psk.kind).toBe("resumption")
    })
  })

  describe(`TLS 1.3 key schedule, RFC 8448 §4 early secrets (${crypto.name})`, () => {
    const r = runRfc8448(crypto)
    const early = Tls13.earlySecret(crypto, r.psk)

    it("derives the early secret from the resumption PSK", () => {
      expect(early.psk).toBe("resumption")
      expect(secretHex(early.secret)).toBe(rfc8448Text.resumedEarlySecret)
    })

    it("derives the res binder key, its finished key and the binder", () => {
      const binderKey = Tls13.binderKey(crypto, early)
      expect(secretHex(binderKey.secret)).toBe(rfc8448Text.resumedBinderKey)
      expect(secretHex(Tls13.finishedKey(crypto, binderKey).secret)).toBe(rfc8448Text.resumedBinderFinishedKey)
      const truncatedHash = fromHex(rfc8448Text.truncatedClientHelloHash)
      const binder = Tls13.pskBinder(crypto, binderKey, truncatedHash)
      expect(toHex(binder)).toBe(rfc8448Text.binder)
      expect(Tls13.verifyPskBinder(crypto, binderKey, truncatedHash, binder)?.subject).toBe("tls13_psk_binder")
      const wrong = binder.slice()
      wrong[0]! ^= 0x80
      expect(Tls13.verifyPskBinder(crypto, binderKey, truncatedHash, wrong)).toBeUndefined()
    })

    it("derives client_early_traffic_secret over the whole ClientHello", () => {
      const secret = Tls13.clientEarlyTrafficSecret(crypto, early, fromHex(rfc8448Text.resumedClientHelloHash))
      expect(secretHex(secret.secret)).toBe(rfc8448Text.clientEarlyTrafficSecret)
      expect(secret.secret.label).toBe("client_early_traffic_secret")
    })

    it("labels binder keys by PSK kind and keeps the early exporter apart", () => {
      const external = Tls13.earlySecret(crypto, Tls13.externalPsk(Redacted.value(r.psk.secret)))
      expect(external.psk).toBe("external")
      const extBinder = Tls13.binderKey(crypto, external)
      expect(extBinder.secret.label).toBe("ext_binder_key")
      expect(secretHex(extBinder.secret)).not.toBe(rfc8448Text.resumedBinderKey)
      const chHash = fromHex(rfc8448Text.resumedClientHelloHash)
      const earlyExporter = Tls13.earlyExporterMasterSecret(crypto, early, chHash)
      expect(earlyExporter.early).toBe(true)
      expect(secretHex(earlyExporter.secret)).toBe(
        toHex(Tls13.deriveSecret(crypto, "sha256", early.secret, "e exp master", chHash))
      )
    })
  })

  describe(`TLS 1.3 KeyUpdate, exporter and primitives (${crypto.name})`, () => {
    const r = runRfc8448(crypto)

    it("derives application_traffic_secret_N+1 with \"traffic upd\" (§7.2)", () => {
      const next = Tls13.nextApplicationTrafficSecret(crypto, r.applicationTraffic.client)
      expect(next.generation).toBe(1)
      expect(next.secret.label).toBe("client_application_traffic_secret_1")
      expect(secretHex(next.secret)).toBe(
        toHex(
          Tls13.hkdfExpandLabel(crypto, "sha256", r.applicationTraffic.client.secret, "traffic upd", new Uint8Array(0), 32)
        )
      )
      const after = Tls13.nextApplicationTrafficSecret(crypto, next)
      expect(after.secret.label).toBe("client_application_traffic_secret_2")
      expect(secretHex(after.secret)).not.toBe(secretHex(next.secret))
      expect(Tls13.trafficKeys(crypto, after, "aes-128-gcm").key.label).toBe("client_application_write_key_2")
    })

    it("computes the TLS-Exporter as RFC 8446 §7.5 defines it", () => {
      const context = Uint8Array.of(1, 2, 3)
      const out = Tls13.exportKeyingMaterial(crypto, r.exporter, "EXPORTER-test", context, 42)
      const inner = Tls13.deriveSecret(crypto, "sha256", r.exporter.secret, "EXPORTER-test", Tls13.emptyHash(crypto, "sha256"))
      const expected = Tls13.hkdfExpandLabel(crypto, "sha256", inner, "exporter", crypto.hash("sha256", context), 42)
      expect(secretHex(out)).toBe(toHex(expected))
      expect(out.label).toBe("exported:EXPORTER-test")
      const none = Tls13.exportKeyingMaterial(crypto, r.exporter, "EXPORTER-test", undefined, 32)
      const emptyContext = Tls13.exportKeyingMaterial(crypto, r.exporter, "EXPORTER-test", new Uint8Array(0), 32)
      expect(secretHex(none)).toBe(secretHex(emptyContext))
      expect(() => Tls13.exportKeyingMaterial(crypto, r.exporter, "", undefined, 32)).toThrow(RangeError)
      expect(() => Tls13.exportKeyingMaterial(crypto, r.exporter, "x".repeat(250), undefined, 32)).toThrow(
        RangeError
      )
    })

    it("encodes HkdfLabel as RFC 8446 §7.1 specifies", () => {
      const secret = fromHex(v("server_handshake_traffic_secret"))
      const info = Uint8Array.of(0, 16, 9, ...new TextEncoder().encode("tls13 key"), 0)
      expect(toHex(Tls13.hkdfExpandLabel(crypto, "sha256", secret, "key", new Uint8Array(0), 16))).toBe(
        toHex(crypto.hkdfExpand("sha256", secret, info, 16))
      )
      expect(() => Tls13.hkdfExpandLabel(crypto, "sha256", secret, "k", new Uint8Array(256), 16)).toThrow(RangeError)
    })

    it("refuses a transcript hash of the wrong length", () => {
      expect(() => Tls13.handshakeTrafficSecrets(crypto, r.handshake, new Uint8Array(48))).toThrow(RangeError)
    })

    it("runs with SHA-384 (Hash.length 48, 32-byte keys)", () => {
      const early = Tls13.earlySecret(crypto, "sha384")
      const handshake = Tls13.handshakeSecret(crypto, early, r.sharedSecret)
      const traffic = Tls13.handshakeTrafficSecrets(crypto, handshake, crypto.hash("sha384", new Uint8Array(1)))
      expect(Redacted.value(traffic.client.secret).length).toBe(48)
      const master = Tls13.masterSecret(crypto, handshake)
      expect(Redacted.value(master.secret).length).toBe(48)
      const keys = Tls13.trafficKeys(crypto, traffic.server, "aes-256-gcm")
      expect(Redacted.value(keys.key).length).toBe(32)
      expect(Redacted.value(keys.iv).length).toBe(12)
      expect(Redacted.value(Tls13.trafficKeys(crypto, traffic.server, "chacha20-poly1305").key).length).toBe(32)
      // psk_ke: no (EC)DHE input is Hash.length zeros
      const pskOnly = Tls13.handshakeSecret(crypto, early, undefined)
      expect(secretHex(pskOnly.secret)).toBe(secretHex(Tls13.handshakeSecret(crypto, early, new Uint8Array(48)).secret))
    })

    it("builds each stage only from its predecessor (type-level)", () => {
      const misuse = () => {
        // @ts-expect-error a MasterSecret is made from a HandshakeSecret, not an EarlySecret
        Tls13.masterSecret(crypto, r.early)
        // @ts-expect-error a HandshakeSecret is made from an EarlySecret
        Tls13.handshakeSecret(crypto, r.master, r.sharedSecret)
        // @ts-expect-error no binder key without a PSK
        Tls13.binderKey(crypto, r.early)
        // @ts-expect-error stage values cannot be forged from a literal
        Tls13.masterSecret(crypto, { _tag: "HandshakeSecret", hash: "sha256", secret: r.early.secret })
        // @ts-expect-error KeyUpdate applies to application traffic secrets only
        Tls13.nextApplicationTrafficSecret(crypto, r.handshakeTraffic.client)
      }
      expect(typeof misuse).toBe("function")
    })
  })
}
