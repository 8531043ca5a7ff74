/**
 * Key-exchange part of the conformance suite: RFC 7748 §6.1 X25519, ECDH on P-256 and
 * P-384, the RFC 7919 groups and X25519MLKEM768 both ways, and the rejections RFC 8446
 * §4.2.8 and draft-ietf-tls-ecdhe-mlkem §3.1.2 require (bad points, out-of-range values,
 * all-zero X25519 results, wrong lengths).
 *
 * @since 0.1.0
 */
import { describe, expect, it } from "vitest"
import { ffdheGroups } from "../../src/crypto/ffdhe.js"
import {
  type CryptoProvider,
  encapsulateEntropyLength,
  type KeyExchangeGroup,
  keyShareSeedLength
} from "../../src/crypto/provider.js"
import { concat, filled, flip, hex, toHex } from "./util.js"

const allGroups = Object.keys(keyShareSeedLength) as ReadonlyArray<KeyExchangeGroup>

/** Registers the key-exchange conformance tests for `provider`. */
export const keyExchangeConformance = (provider: CryptoProvider): void => {
  describe("key exchange", () => {
    it("X25519 reproduces RFC 7748 §6.1", () => {
      const alice = provider.generateKeyShare("x25519", hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"))
      const bob = provider.generateKeyShare("x25519", hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"))
      expect(toHex(alice.publicKey)).toBe("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
      expect(toHex(bob.publicKey)).toBe("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
      const shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
      expect(toHex(provider.agree(alice, bob.publicKey)!)).toBe(shared)
      expect(toHex(provider.agree(bob, alice.publicKey)!)).toBe(shared)
    })

    it("X25519 rejects low-order points (all-zero shared secret, RFC 8446 §7.4.2) and wrong lengths", () => {
      const share = provider.generateKeyShare("x25519", filled(32, 9))
      expect(provider.agree(share, filled(32, 0))).toBeUndefined() // u = 0
      expect(provider.agree(share, concat(hex("01"), filled(31, 0)))).toBeUndefined() // u = 1
      // u = p - 1 = 2^255 - 20, little-endian: order 2
      expect(provider.agree(share, concat(hex("ec"), filled(30, 0xff), hex("7f")))).toBeUndefined()
      expect(provider.agree(share, filled(31, 9))).toBeUndefined()
    })

    for (const group of allGroups) {
      it(`${group}: agreement both ways, and the same key pair from the same seed`, () => {
        const seedLength = keyShareSeedLength[group]
        const client = provider.generateKeyShare(group, filled(seedLength, 0x21))
        const again = provider.generateKeyShare(group, filled(seedLength, 0x21))
        expect(toHex(again.publicKey)).toBe(toHex(client.publicKey))
        expect(toHex(again.privateKey)).toBe(toHex(client.privateKey))
        const server = provider.encapsulate(group, client.publicKey, filled(encapsulateEntropyLength(group), 0x42))!
        expect(server).toBeDefined()
        expect(toHex(provider.agree(client, server.publicKey)!)).toBe(toHex(server.sharedSecret))
        if (group !== "x25519mlkem768") {
          const serverShare = provider.generateKeyShare(group, filled(seedLength, 0x42))
          expect(toHex(serverShare.publicKey)).toBe(toHex(server.publicKey))
          expect(toHex(provider.agree(serverShare, client.publicKey)!)).toBe(toHex(server.sharedSecret))
        }
      })
      it(`${group}: a seed of the wrong length is a programmer error`, () => {
        expect(() => provider.generateKeyShare(group, filled(keyShareSeedLength[group] + 1, 1))).toThrow()
      })
    }

    for (const [group, size] of [["secp256r1", 65], ["secp384r1", 97]] as const) {
      it(`${group}: uncompressed points only; off-curve points and infinity rejected`, () => {
        const a = provider.generateKeyShare(group, filled(keyShareSeedLength[group], 3))
        const b = provider.generateKeyShare(group, filled(keyShareSeedLength[group], 4))
        expect(a.publicKey.length).toBe(size)
        expect(a.publicKey[0]).toBe(0x04)
        expect(provider.agree(a, flip(b.publicKey, size - 1))).toBeUndefined() // off the curve
        expect(provider.agree(a, hex("00"))).toBeUndefined() // the point at infinity
        const x = b.publicKey.subarray(1, 1 + (size - 1) / 2)
        const compressed = concat(Uint8Array.of(2 + (b.publicKey[size - 1]! & 1)), x)
        expect(provider.agree(a, compressed)).toBeUndefined() // RFC 8446 §4.2.8.2
        expect(provider.agree(a, concat(hex("04"), filled(size - 1, 0)))).toBeUndefined()
        expect(provider.agree(a, b.publicKey)!.length).toBe((size - 1) / 2) // the x-coordinate
      })
      it(`${group}: an out-of-range seed becomes a valid scalar deterministically`, () => {
        const share = provider.generateKeyShare(group, filled(keyShareSeedLength[group], 0xff))
        expect(toHex(share.privateKey)).not.toBe("ff".repeat(keyShareSeedLength[group]))
        expect(provider.agree(share, provider.generateKeyShare(group, filled(keyShareSeedLength[group], 5)).publicKey)).toBeDefined()
      })
    }

    for (const group of ["ffdhe2048", "ffdhe3072", "ffdhe4096"] as const) {
      it(`${group}: Y is padded to the size of p, and 1 < Y < p-1 is enforced (RFC 7919 §5.1)`, () => {
        const p = ffdheGroups[group].p
        const share = provider.generateKeyShare(group, filled(keyShareSeedLength[group], 6))
        expect(share.publicKey.length).toBe(p.length)
        const pMinus1 = p.slice()
        pMinus1[p.length - 1] = pMinus1[p.length - 1]! - 1
        const pMinus2 = p.slice()
        pMinus2[p.length - 1] = pMinus2[p.length - 1]! - 2
        for (const bad of [hex("00"), hex("01"), filled(p.length, 0), pMinus1, p, filled(p.length, 0xff), concat(hex("01"), p)]) {
          expect(provider.agree(share, bad)).toBeUndefined()
        }
        expect(provider.agree(share, hex("02"))!.length).toBe(p.length) // short Y is fine (TLS 1.2 dh_Ys)
        expect(provider.agree(share, pMinus2)).toBeDefined()
      })
    }

    it("x25519mlkem768: draft-ietf-tls-ecdhe-mlkem §3.1 sizes and order", () => {
      const client = provider.generateKeyShare("x25519mlkem768", filled(96, 7))
      expect(client.publicKey.length).toBe(1216)
      // The X25519 part is last in the client share.
      const x25519 = provider.generateKeyShare("x25519", filled(32, 7))
      expect(toHex(client.publicKey.subarray(1184))).toBe(toHex(x25519.publicKey))
      const server = provider.encapsulate("x25519mlkem768", client.publicKey, filled(64, 8))!
      expect(server.publicKey.length).toBe(1120)
      expect(server.sharedSecret.length).toBe(64)
      // ... and last in the server share and in the shared secret.
      const serverX25519 = provider.generateKeyShare("x25519", filled(32, 8))
      expect(toHex(server.publicKey.subarray(1088))).toBe(toHex(serverX25519.publicKey))
      expect(toHex(server.sharedSecret.subarray(32))).toBe(toHex(provider.agree(x25519, serverX25519.publicKey)!))
    })

    it("x25519mlkem768: wrong lengths, a bad X25519 part and a bad encapsulation key are rejected", () => {
      const client = provider.generateKeyShare("x25519mlkem768", filled(96, 7))
      const server = provider.encapsulate("x25519mlkem768", client.publicKey, filled(64, 8))!
      expect(provider.agree(client, server.publicKey.subarray(1))).toBeUndefined()
      expect(provider.agree(client, concat(server.publicKey.subarray(0, 1088), filled(32, 0)))).toBeUndefined()
      expect(provider.encapsulate("x25519mlkem768", client.publicKey.subarray(1), filled(64, 8))).toBeUndefined()
      expect(provider.encapsulate("x25519mlkem768", concat(client.publicKey.subarray(0, 1184), filled(32, 0)), filled(64, 8))).toBeUndefined()
      // FIPS 203 §7.2 modulus check: coefficients of 0xfff are not reduced mod q.
      expect(provider.encapsulate("x25519mlkem768", concat(filled(1184, 0xff), client.publicKey.subarray(1184)), filled(64, 8))).toBeUndefined()
      // A corrupted ciphertext decapsulates (implicit rejection) to a different secret.
      const other = provider.agree(client, flip(server.publicKey, 10))!
      expect(toHex(other)).not.toBe(toHex(server.sharedSecret))
      expect(toHex(other.subarray(32))).toBe(toHex(server.sharedSecret.subarray(32)))
    })
  })
}
