/**
 * Record protection against the vectors, as one function of the provider (run with
 * `NobleCrypto` here and with `NodeCrypto` in packages/node): every protected record of
 * RFC 8448 §3 produced byte-exact and recovered byte-exact; the TLS 1.2 captures' encrypted
 * Finished and alert records decrypted and re-encrypted byte-exact; tampering refused
 * with `bad_record_mac` and nothing delivered.
 */
import { describe, expect, it } from "@effect/vitest"
import type { AeadAlgorithm, CryptoProvider } from "../../src/crypto/provider.js"
import { makeCipher, Record12, Record13, type RecordCipher } from "../../src/record/index.js"
import { redact } from "../../src/schedule/secret.js"
import { Tls12Schedule } from "../../src/schedule/index.js"
import { fromHex, loadVector, toHex } from "../vectors.js"
import { plaintextHandshake, splitRecords } from "../schedule/handshake-split.js"

const v = loadVector<Record<string, string>>("rfc8448-simple-1rtt.json")

const cipherOf = (crypto: CryptoProvider, algorithm: AeadAlgorithm, key: string, iv: string): RecordCipher =>
  makeCipher(crypto, algorithm, redact(fromHex(key), "test_key"), redact(fromHex(iv), "test_iv"))

const open13 = (c: RecordCipher, seq: number, record: Uint8Array) => {
  const r = Record13.open(c, seq, record.subarray(0, 5), record.subarray(5))
  if (r._tag !== "Ok") throw new Error(r.error.detail)
  return r
}

export const recordSuite = (crypto: CryptoProvider): void => {
  describe(`record protection (${crypto.name})`, () => {
    const serverHs = cipherOf(crypto, "aes-128-gcm", v.server_handshake_key!, v.server_handshake_iv!)
    const clientHs = cipherOf(crypto, "aes-128-gcm", v.client_handshake_key!, v.client_handshake_iv!)
    const serverAp = cipherOf(crypto, "aes-128-gcm", v.server_application_key!, v.server_application_iv!)
    const clientAp = cipherOf(crypto, "aes-128-gcm", v.client_application_key!, v.client_application_iv!)
    const clientFinished = fromHex(`14000020${v.client_finished_verify_data}`)
    const alertClose = new Uint8Array([1, 0])

    // [name, cipher, seq, content type, plaintext]
    const rfc8448: ReadonlyArray<readonly [string, RecordCipher, number, number, Uint8Array]> = [
      ["record_server_flight", serverHs, 0, 22, fromHex(v.server_flight_plaintext!)],
      ["record_client_finished", clientHs, 0, 22, clientFinished],
      ["record_new_session_ticket", serverAp, 0, 22, fromHex(v.new_session_ticket!)],
      ["record_client_application_data", clientAp, 0, 23, fromHex(v.application_data_plaintext!)],
      ["record_server_application_data", serverAp, 1, 23, fromHex(v.application_data_plaintext!)],
      ["record_client_close_notify", clientAp, 1, 21, alertClose],
      ["record_server_close_notify", serverAp, 2, 21, alertClose]
    ]

    for (const [name, cipher, seq, type, plaintext] of rfc8448) {
      it(`RFC 8448 ${name}: sealed byte-exact and opened byte-exact`, () => {
        expect(toHex(Record13.seal(cipher, seq, type, plaintext))).toBe(v[name])
        const opened = open13(cipher, seq, fromHex(v[name]!))
        expect(opened.contentType).toBe(type)
        expect(toHex(opened.content)).toBe(toHex(plaintext))
      })
    }

    it("TLS 1.3: a flipped bit, a wrong sequence number and a truncated tag are bad_record_mac", () => {
      const rec = fromHex(v.record_client_application_data!)
      const flipped = rec.slice()
      flipped[20]! ^= 1
      for (const [seq, r] of [[0, flipped], [1, rec], [0, rec.subarray(0, rec.length - 1)]] as const) {
        const header = r.slice(0, 5)
        header[3] = (r.length - 5) >> 8
        header[4] = (r.length - 5) & 0xff
        const res = Record13.open(clientAp, seq, header, r.subarray(5))
        expect(res._tag).toBe("Error")
        if (res._tag === "Error") expect(res.error.alert).toBe("bad_record_mac")
      }
    })

    it("TLS 1.3: padding is removed, an all-zero inner plaintext is unexpected_message, oversize is record_overflow", () => {
      const sealed = Record13.seal(clientAp, 7, 23, new Uint8Array([1, 2, 3]), 100)
      const opened = open13(clientAp, 7, sealed)
      expect([...opened.content]).toEqual([1, 2, 3])
      const zeros = Record13.seal(clientAp, 8, 0, new Uint8Array(0), 5)
      const z = Record13.open(clientAp, 8, zeros.subarray(0, 5), zeros.subarray(5))
      expect(z._tag === "Error" && z.error.alert).toBe("unexpected_message")
      const big = Record13.seal(clientAp, 9, 23, new Uint8Array(16385))
      const b = Record13.open(clientAp, 9, big.subarray(0, 5), big.subarray(5))
      expect(b._tag === "Error" && b.error.alert).toBe("record_overflow")
      const limited = Record13.seal(clientAp, 10, 23, new Uint8Array(600))
      const l = Record13.open(clientAp, 10, limited.subarray(0, 5), limited.subarray(5), 512)
      expect(l._tag === "Error" && l.error.alert).toBe("record_overflow")
      const huge = new Uint8Array(16384 + 256 + 1)
      const h = Record13.open(clientAp, 0, new Uint8Array([23, 3, 3, 0x41, 0x01]), huge)
      expect(h._tag === "Error" && h.error.alert).toBe("record_overflow")
    })

    for (const file of ["tls12-rsa-kx-aes128gcm.json", "tls12-ecdhe-rsa-aes128gcm.json", "tls12-ecdhe-rsa-chacha20.json"]) {
      it(`TLS 1.2 ${file}: the encrypted records after each ChangeCipherSpec decrypt and re-encrypt byte-exact`, () => {
        const cap = loadVector<Record<string, string | number | boolean | null>>(file)
        const algorithm: AeadAlgorithm = cap.cipher_suite === 52392 ? "chacha20-poly1305" : "aes-128-gcm"
        const master = Tls12Schedule.resumedMasterSecret("sha256", fromHex(String(cap.master_secret)), true)
        const kb = Tls12Schedule.keyBlock(crypto, master, fromHex(String(cap.client_random)), fromHex(String(cap.server_random)), algorithm)
        const c2s = makeCipher(crypto, algorithm, kb.clientWriteKey, kb.clientWriteIv)
        const s2c = makeCipher(crypto, algorithm, kb.serverWriteKey, kb.serverWriteIv)
        expect(toHex(c2s.iv)).toBe(cap.client_write_iv)
        let checked = 0
        for (const [stream, cipher] of [[String(cap.client_to_server), c2s], [String(cap.server_to_client), s2c]] as const) {
          const { encrypted } = plaintextHandshake(splitRecords(fromHex(stream)))
          encrypted.forEach((rec, seq) => {
            const opened = Record12.open(cipher, seq, rec.header, rec.fragment)
            if (opened._tag !== "Ok") throw new Error(`${file} seq ${seq}: ${opened.error.detail}`)
            const explicit = algorithm === "chacha20-poly1305" ? undefined : rec.fragment.subarray(0, 8)
            const again = Record12.seal(cipher, seq, rec.type, rec.version, opened.content, explicit)
            expect(toHex(again)).toBe(toHex(rec.header) + toHex(rec.fragment))
            checked++
          })
        }
        expect(checked).toBeGreaterThanOrEqual(3) // both Finished records and the client's close_notify
        const tampered = splitRecords(fromHex(String(cap.client_to_server))).at(-1)!
        const bad = tampered.fragment.slice()
        bad[bad.length - 1]! ^= 0x80
        const r = Record12.open(c2s, 1, tampered.header, bad)
        expect(r._tag === "Error" && r.error.alert).toBe("bad_record_mac")
      })
    }

    it("TLS 1.2: seal/open round trip for every AEAD, and the sequence number is authenticated", () => {
      for (const [alg, keyLen, ivLen] of [["aes-128-gcm", 16, 4], ["aes-256-gcm", 32, 4], ["chacha20-poly1305", 32, 12]] as const) {
        const c = makeCipher(crypto, alg, redact(new Uint8Array(keyLen).fill(7), "k"), redact(new Uint8Array(ivLen).fill(9), "iv"))
        const rec = Record12.seal(c, 5, 23, 0x0303, new Uint8Array([104, 105]))
        const ok = Record12.open(c, 5, rec.subarray(0, 5), rec.subarray(5))
        expect(ok._tag === "Ok" && [...ok.content]).toEqual([104, 105])
        const wrongSeq = Record12.open(c, 6, rec.subarray(0, 5), rec.subarray(5))
        expect(wrongSeq._tag === "Error" && wrongSeq.error.alert).toBe("bad_record_mac")
      }
    })
  })
}
