/**
 * Transcript hashing: buffering before the hash is known, immutability under repeated
 * steps, the HelloRetryRequest substitution (RFC 8446 §4.4.1), for any provider.
 */
import { describe, expect, it } from "vitest"
import type { CryptoProvider } from "../../src/crypto/provider.js"
import * as Transcript from "../../src/schedule/transcript.js"
import { fromHex, toHex } from "../vectors.js"
import { rfc8448 } from "./tls13.suite.js"

const message = (type: number, body: ReadonlyArray<number>): Uint8Array =>
  Uint8Array.of(type, 0, 0, body.length, ...body)

const cat = (...parts: ReadonlyArray<Uint8Array>): Uint8Array => new Uint8Array(parts.flatMap((p) => [...p]))

export const transcriptSuite = (crypto: CryptoProvider): void => {
  describe(`Transcript (${crypto.name})`, () => {
    const ch = fromHex(rfc8448.client_hello)
    const sh = fromHex(rfc8448.server_hello)

    it("buffers until the hash is chosen, then hashes what was buffered", () => {
      const pending = Transcript.append(crypto, Transcript.empty, ch)
      expect(pending._tag).toBe("PendingTranscript")
      const hashed = Transcript.append(crypto, Transcript.selectHash(crypto, pending, "sha256"), sh)
      expect(hashed._tag).toBe("HashedTranscript")
      expect(toHex(Transcript.digest(crypto, hashed))).toBe(toHex(crypto.hash("sha256", cat(ch, sh))))
      expect(toHex(Transcript.bytes(hashed))).toBe(toHex(cat(ch, sh)))
      expect(Transcript.empty.messages).toHaveLength(0)
    })

    it("never shows one step's update to a sibling step (immutability)", () => {
      const base = Transcript.selectHash(crypto, Transcript.append(crypto, Transcript.empty, ch), "sha384")
      const before = toHex(Transcript.digest(crypto, base))
      const a = Transcript.append(crypto, base, message(8, [1, 2]))
      const b = Transcript.append(crypto, base, message(8, [3, 4]))
      const a2 = Transcript.append(crypto, base, message(8, [1, 2]))
      expect(toHex(Transcript.digest(crypto, base))).toBe(before)
      expect(toHex(Transcript.digest(crypto, a))).toBe(toHex(crypto.hash("sha384", cat(ch, message(8, [1, 2])))))
      expect(toHex(Transcript.digest(crypto, b))).toBe(toHex(crypto.hash("sha384", cat(ch, message(8, [3, 4])))))
      expect(toHex(Transcript.digest(crypto, a2))).toBe(toHex(Transcript.digest(crypto, a)))
      expect(base.messages).toHaveLength(1)
      // digest is repeatable and does not end the hash
      expect(toHex(Transcript.digest(crypto, a))).toBe(toHex(Transcript.digest(crypto, a)))
    })

    it("copies the bytes it is given: a reused buffer cannot rewrite history", () => {
      const buffer = message(8, [9, 9, 9])
      const t = Transcript.append(crypto, Transcript.selectHash(crypto, Transcript.empty, "sha256"), buffer)
      const before = toHex(Transcript.digest(crypto, t))
      buffer.fill(0)
      expect(toHex(Transcript.digest(crypto, t))).toBe(before)
      expect(toHex(Transcript.digest(crypto, Transcript.append(crypto, t, sh)))).toBe(
        toHex(crypto.hash("sha256", cat(message(8, [9, 9, 9]), sh)))
      )
    })

    it("rehashes a transcript rebuilt from its messages (stored or deserialized state)", () => {
      const t = Transcript.append(crypto, Transcript.selectHash(crypto, Transcript.append(crypto, Transcript.empty, ch), "sha256"), sh)
      const rebuilt: Transcript.HashedTranscript = { _tag: "HashedTranscript", hash: "sha256", messages: [...t.messages] }
      expect(toHex(Transcript.digest(crypto, rebuilt))).toBe(toHex(Transcript.digest(crypto, t)))
      expect(toHex(Transcript.digest(crypto, Transcript.append(crypto, rebuilt, ch)))).toBe(
        toHex(crypto.hash("sha256", cat(ch, sh, ch)))
      )
    })

    it("hashes a partial message without appending it (PSK binder's Truncate(ClientHello))", () => {
      const t = Transcript.selectHash(crypto, Transcript.append(crypto, Transcript.empty, ch), "sha256")
      const partial = Uint8Array.of(1, 0, 1, 0xfc, 3, 3)
      expect(toHex(Transcript.digestWith(crypto, t, partial))).toBe(toHex(crypto.hash("sha256", cat(ch, partial))))
      expect(toHex(Transcript.digest(crypto, t))).toBe(toHex(crypto.hash("sha256", ch)))
    })

    for (const hash of ["sha256", "sha384"] as const) {
      it(`replaces ClientHello1 with message_hash after a HelloRetryRequest (${hash})`, () => {
        const hrr = message(2, [3, 3, 0xcf, 0x21])
        const ch2 = message(1, [3, 3, 1, 2, 3])
        const ch1Hash = crypto.hash(hash, ch)
        const length = hash === "sha256" ? 32 : 48
        const synthetic = Transcript.messageHash(ch1Hash)
        expect(toHex(synthetic.subarray(0, 4))).toBe(toHex(Uint8Array.of(254, 0, 0, length)))

        // client: ClientHello1 buffered, the HRR names the suite
        const pending = Transcript.append(crypto, Transcript.empty, ch)
        const restarted = Transcript.restartForRetry(crypto, Transcript.selectHash(crypto, pending, hash))
        const client = Transcript.append(crypto, Transcript.append(crypto, restarted, hrr), ch2)
        const expected = toHex(crypto.hash(hash, cat(synthetic, hrr, ch2)))
        expect(toHex(Transcript.digest(crypto, client))).toBe(expected)
        expect(client.messages[0]).toEqual(synthetic)

        // stateless server: rebuilt from Hash(ClientHello1) kept in a cookie
        const fromCookie = Transcript.fromClientHello1Hash(crypto, hash, ch1Hash)
        const server = Transcript.append(crypto, Transcript.append(crypto, fromCookie, hrr), ch2)
        expect(toHex(Transcript.digest(crypto, server))).toBe(expected)
      })
    }

    it("refuses the HRR substitution unless the transcript holds exactly ClientHello1", () => {
      const two = Transcript.selectHash(
        crypto,
        Transcript.append(crypto, Transcript.append(crypto, Transcript.empty, ch), sh),
        "sha256"
      )
      expect(() => Transcript.restartForRetry(crypto, two)).toThrow(RangeError)
      expect(() => Transcript.fromClientHello1Hash(crypto, "sha384", new Uint8Array(32))).toThrow(RangeError)
    })
  })
}
