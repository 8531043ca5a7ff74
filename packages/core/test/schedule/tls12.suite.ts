/**
 * TLS 1.2 key schedule against the PRF known answers and three recorded OpenSSL
 * connections (`../shared/vectors/tls12-*.json`), for any provider.
 */
import { Redacted } from "effect"
import { describe, expect, it } from "vitest"
import type { AeadAlgorithm, CryptoProvider, PrivateKey } from "../../src/crypto/provider.js"
import * as Tls12 from "../../src/schedule/tls12.js"
import * as Transcript from "../../src/schedule/transcript.js"
import { fromHex, loadVector, pemToDer, toHex } from "../vectors.js"
import { handshakeType, plaintextHandshake, type RawRecord, splitRecords } from "./handshake-split.js"

interface PrfVectors {
  readonly cases: ReadonlyArray<{ hash: "sha256" | "sha384"; secret: string; label: string; seed: string; output: string }>
}

interface Capture {
  readonly cipher_suite: number
  readonly extended_master_secret: boolean
  readonly client_to_server: string
  readonly server_to_client: string
  readonly client_random: string
  readonly server_random: string
  readonly premaster_secret: string | null
  readonly master_secret: string
  readonly client_write_key: string
  readonly server_write_key: string
  readonly client_write_iv: string
  readonly server_write_iv: string
  readonly client_alert_after_finished: string
  readonly server_private_key_pem?: string
}

const secretHex = (secret: Redacted.Redacted<Uint8Array>): string => toHex(Redacted.value(secret))

const suites: Record<number, { readonly aead: AeadAlgorithm; readonly hash: "sha256" | "sha384" }> = {
  0x009c: { aead: "aes-128-gcm", hash: "sha256" }, // TLS_RSA_WITH_AES_128_GCM_SHA256
  0xc02f: { aead: "aes-128-gcm", hash: "sha256" }, // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
  0xcca8: { aead: "chacha20-poly1305", hash: "sha256" } // TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
}

/**
 * Test-only TLS 1.2 AEAD record decryption (RFC 5246 §6.2.3.3, RFC 5288 §3, RFC 7905 §2),
 * enough to read the encrypted Finished and alert of a capture.
 */
const openRecord = (
  crypto: CryptoProvider,
  aead: AeadAlgorithm,
  key: Uint8Array,
  iv: Uint8Array,
  seq: number,
  record: RawRecord
): Uint8Array | undefined => {
  const seqBytes = new Uint8Array(8)
  new DataView(seqBytes.buffer).setBigUint64(0, BigInt(seq))
  let nonce: Uint8Array
  let body: Uint8Array
  if (aead === "chacha20-poly1305") {
    nonce = iv.slice()
    for (let i = 0; i < 8; i++) nonce[4 + i]! ^= seqBytes[i]!
    body = record.fragment
  } else {
    nonce = new Uint8Array([...iv, ...record.fragment.subarray(0, 8)])
    body = record.fragment.subarray(8)
  }
  const length = body.length - 16
  const aad = new Uint8Array([...seqBytes, record.type, record.version >> 8, record.version & 0xff, length >> 8, length & 0xff])
  return crypto.aead(aead, key).open(nonce, aad, body)
}

const captures = [
  "tls12-rsa-kx-aes128gcm.json",
  "tls12-ecdhe-rsa-aes128gcm.json",
  "tls12-ecdhe-rsa-chacha20.json"
] as const

export const tls12Suite = (crypto: CryptoProvider): void => {
  describe(`TLS 1.2 PRF known answers (${crypto.name})`, () => {
    const { cases } = loadVector<PrfVectors>("tls12-prf.json")
    for (const c of cases) {
      it(`PRF with ${c.hash}, ${c.output.length / 2} bytes`, () => {
        const output = Tls12.prf(crypto, c.hash, fromHex(c.secret), c.label, fromHex(c.seed), c.output.length / 2)
        expect(toHex(output)).toBe(c.output)
        // a shorter request is a prefix of the longer one
        expect(toHex(Tls12.prf(crypto, c.hash, fromHex(c.secret), c.label, fromHex(c.seed), 13))).toBe(
          c.output.slice(0, 26)
        )
      })
    }
    it("covers both SHA-256 and SHA-384", () => {
      expect(new Set(cases.map((c) => c.hash))).toEqual(new Set(["sha256", "sha384"]))
    })
  })

  for (const file of captures) {
    describe(`TLS 1.2 capture ${file} (${crypto.name})`, () => {
      const capture = loadVector<Capture>(file)
      const { aead, hash } = suites[capture.cipher_suite]!
      const clientRandom = fromHex(capture.client_random)
      const serverRandom = fromHex(capture.server_random)
      const client = plaintextHandshake(splitRecords(fromHex(capture.client_to_server)))
      const server = plaintextHandshake(splitRecords(fromHex(capture.server_to_client)))

      // Transcript order: ClientHello, server flight up to ServerHelloDone, ClientKeyExchange.
      const serverHelloDone = server.messages.findIndex((m) => handshakeType(m) === 14)
      const [clientHello, clientKeyExchange] = client.messages
      const newSessionTicket = server.messages.find((m) => handshakeType(m) === 4)!
      let transcript = Transcript.selectHash(crypto, Transcript.append(crypto, Transcript.empty, clientHello!), hash)
      for (const message of server.messages.slice(0, serverHelloDone + 1)) {
        transcript = Transcript.append(crypto, transcript, message)
      }
      transcript = Transcript.append(crypto, transcript, clientKeyExchange!)
      const sessionHash = Transcript.digest(crypto, transcript)
      const master = Tls12.resumedMasterSecret(hash, fromHex(capture.master_secret), capture.extended_master_secret)
      const keys = Tls12.keyBlock(crypto, master, clientRandom, serverRandom, aead)

      it("reads the recorded handshake in the expected shape", () => {
        expect(handshakeType(clientHello!)).toBe(1)
        expect(handshakeType(clientKeyExchange!)).toBe(16)
        expect(handshakeType(server.messages[0]!)).toBe(2)
        expect(capture.extended_master_secret).toBe(true)
      })

      if (capture.premaster_secret !== null) {
        it("decrypts the premaster from the ClientKeyExchange with the server's RSA key", () => {
          const der = pemToDer(capture.server_private_key_pem!, "PRIVATE KEY")
          const key: PrivateKey = { _tag: "PrivateKey", type: "rsa", bits: 2048, pkcs8: der }
          // ClientKeyExchange body: EncryptedPreMasterSecret as opaque<0..2^16-1> (RFC 5246 §7.4.7.1)
          const body = clientKeyExchange!.subarray(4)
          const ciphertext = body.subarray(2, 2 + ((body[0]! << 8) | body[1]!))
          const clientVersion = (clientHello![4]! << 8) | clientHello![5]!
          const fallback = new Uint8Array(48).fill(0xa5)
          const premaster = crypto.rsaDecryptPremaster(key, ciphertext, clientVersion, fallback)
          expect(toHex(premaster)).toBe(capture.premaster_secret)
        })

        it("derives the extended master secret over the session hash", () => {
          const ems = Tls12.extendedMasterSecret(crypto, hash, fromHex(capture.premaster_secret!), sessionHash)
          expect(ems.extended).toBe(true)
          expect(secretHex(ems.secret)).toBe(capture.master_secret)
          // the classic master secret differs (RFC 7627 exists for a reason)
          const classic = Tls12.masterSecret(crypto, hash, fromHex(capture.premaster_secret!), clientRandom, serverRandom)
          expect(secretHex(classic.secret)).not.toBe(capture.master_secret)
          expect(classic.extended).toBe(false)
        })
      }

      it(`expands the key block into write keys and ${Tls12.fixedIvLength(aead)}-byte IVs`, () => {
        expect(keys.aead).toBe(aead)
        expect(secretHex(keys.clientWriteKey)).toBe(capture.client_write_key)
        expect(secretHex(keys.serverWriteKey)).toBe(capture.server_write_key)
        expect(secretHex(keys.clientWriteIv)).toBe(capture.client_write_iv)
        expect(secretHex(keys.serverWriteIv)).toBe(capture.server_write_iv)
      })

      it("reproduces both Finished verify_data values inside the encrypted records", () => {
        const clientFinishedRecord = client.encrypted[0]!
        const serverFinishedRecord = server.encrypted[0]!
        const clientPlain = openRecord(
          crypto,
          aead,
          Redacted.value(keys.clientWriteKey),
          Redacted.value(keys.clientWriteIv),
          0,
          clientFinishedRecord
        )
        const clientVerifyData = Tls12.finishedVerifyData(crypto, master, "client", Transcript.digest(crypto, transcript))
        expect(clientVerifyData.length).toBe(12)
        expect(toHex(clientPlain!)).toBe("1400000c" + toHex(clientVerifyData))
        const clientProof = Tls12.verifyFinished(
          crypto,
          master,
          "client",
          Transcript.digest(crypto, transcript),
          clientPlain!.subarray(4)
        )
        expect(clientProof?.subject).toBe("tls12_client_finished")

        // The server's Finished covers the client's Finished and the NewSessionTicket.
        const afterClient = Transcript.append(crypto, Transcript.append(crypto, transcript, clientPlain!), newSessionTicket)
        const serverPlain = openRecord(
          crypto,
          aead,
          Redacted.value(keys.serverWriteKey),
          Redacted.value(keys.serverWriteIv),
          0,
          serverFinishedRecord
        )
        const serverVerifyData = Tls12.finishedVerifyData(crypto, master, "server", Transcript.digest(crypto, afterClient))
        expect(toHex(serverPlain!)).toBe("1400000c" + toHex(serverVerifyData))
        const wrong = serverVerifyData.slice()
        wrong[11]! ^= 1
        expect(Tls12.verifyFinished(crypto, master, "server", Transcript.digest(crypto, afterClient), wrong)).toBeUndefined()
        // the client's alert after Finished decrypts under the next sequence number
        const alert = openRecord(
          crypto,
          aead,
          Redacted.value(keys.clientWriteKey),
          Redacted.value(keys.clientWriteIv),
          1,
          client.encrypted[1]!
        )
        expect(toHex(alert!)).toBe(capture.client_alert_after_finished)
      })

      it("computes the RFC 5705 exporter, with and without a context", () => {
        const label = "EXPORTER-effect-tls-test"
        const none = Tls12.exportKeyingMaterial(crypto, master, clientRandom, serverRandom, label, undefined, 40)
        const withContext = Tls12.exportKeyingMaterial(crypto, master, clientRandom, serverRandom, label, Uint8Array.of(7, 8), 40)
        const emptyContext = Tls12.exportKeyingMaterial(crypto, master, clientRandom, serverRandom, label, new Uint8Array(0), 40)
        expect(secretHex(none)).toBe(
          toHex(Tls12.prf(crypto, hash, master.secret, label, new Uint8Array([...clientRandom, ...serverRandom]), 40))
        )
        expect(secretHex(withContext)).toBe(
          toHex(
            Tls12.prf(crypto, hash, master.secret, label, new Uint8Array([...clientRandom, ...serverRandom, 0, 2, 7, 8]), 40)
          )
        )
        expect(secretHex(emptyContext)).not.toBe(secretHex(none))
      })
    })
  }

  describe(`TLS 1.2 key block shapes (${crypto.name})`, () => {
    const master = Tls12.resumedMasterSecret("sha384", new Uint8Array(48).fill(1), true)
    it("uses 32-byte keys and 4-byte salts for AES-256-GCM over SHA-384", () => {
      const keys = Tls12.keyBlock(crypto, master, new Uint8Array(32), new Uint8Array(32).fill(2), "aes-256-gcm")
      const block = Tls12.prf(
        crypto,
        "sha384",
        master.secret,
        "key expansion",
        new Uint8Array([...new Uint8Array(32).fill(2), ...new Uint8Array(32)]),
        72
      )
      expect(secretHex(keys.clientWriteKey)).toBe(toHex(block.subarray(0, 32)))
      expect(secretHex(keys.serverWriteKey)).toBe(toHex(block.subarray(32, 64)))
      expect(secretHex(keys.clientWriteIv)).toBe(toHex(block.subarray(64, 68)))
      expect(secretHex(keys.serverWriteIv)).toBe(toHex(block.subarray(68, 72)))
    })
    it("refuses a master secret that is not 48 bytes", () => {
      expect(() => Tls12.resumedMasterSecret("sha256", new Uint8Array(32), true)).toThrow(RangeError)
    })
  })
}
