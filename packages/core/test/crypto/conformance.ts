/**
 * The one conformance suite every `CryptoProvider` passes (DESIGN principle 4): known
 * answers from the RFCs for hashes, HMAC (RFC 4231), HKDF (RFC 5869), the AEADs (RFC 8439,
 * the GCM specification), X25519 (RFC 7748) and Ed25519 (RFC 8032), signatures OpenSSL
 * made, and round trips for everything else. `noble.test.ts` runs it against `NobleCrypto`,
 * `packages/node/test/node-crypto.test.ts` against `NodeCrypto`.
 *
 * The key-exchange, signature and RSA parts live in `conformance-kex.ts` and
 * `conformance-sign.ts`.
 *
 * @since 0.1.0
 */
import { describe, expect, it } from "vitest"
import type { CryptoProvider, HashAlgorithm } from "../../src/crypto/provider.js"
import { keyExchangeConformance } from "./conformance-kex.js"
import { signatureConformance } from "./conformance-sign.js"
import { ascii, concat, filled, flip, hex, toHex } from "./util.js"

// FIPS 180-2 Appendix B / RFC 3174 §7.3: the digests of "abc".
const abc = {
  sha1: "a9993e364706816aba3e25717850c26c9cd0d89d",
  sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  sha384:
    "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
  sha512:
    "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd" +
    "454d4423643ce80e2a9ac94fa54ca49f"
} as const

// RFC 4231 §4.2 (test case 1) and §4.3 (test case 2).
const rfc4231 = [
  {
    key: hex("0b".repeat(20)),
    data: ascii("Hi There"),
    sha256: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
    sha384: "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6",
    sha512:
      "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4" +
      "be9d914eeb61f1702e696c203a126854"
  },
  {
    key: ascii("Jefe"),
    data: ascii("what do ya want for nothing?"),
    sha256: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    sha384: "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
    sha512:
      "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fd" +
      "caeab1a34d4a6b4b636e070a38bce737"
  }
] as const

const aeadVectors = [
  {
    // RFC 8439 §2.8.2.
    algorithm: "chacha20-poly1305",
    key: hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"),
    nonce: hex("070000004041424344454647"),
    aad: hex("50515253c0c1c2c3c4c5c6c7"),
    plaintext: ascii(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it."
    ),
    sealed:
      "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b" +
      "1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc" +
      "3ff4def08e4b7a9de576d26586cec64b6116" +
      "1ae10b594f09e26a7e902ecbd0600691"
  },
  ...(["aes-128-gcm", "aes-256-gcm"] as const).map((algorithm) => ({
    // The GCM specification (McGrew & Viega), test cases 4 and 16.
    algorithm,
    key: hex("feffe9928665731c6d6a8f9467308308".repeat(algorithm === "aes-128-gcm" ? 1 : 2)),
    nonce: hex("cafebabefacedbaddecaf888"),
    aad: hex("feedfacedeadbeeffeedfacedeadbeefabaddad2"),
    plaintext: hex(
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525" +
        "b16aedf5aa0de657ba637b39"
    ),
    sealed:
      algorithm === "aes-128-gcm"
        ? "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa05" +
          "1ba30b396a0aac973d58e091" +
          "5bc94fbc3221a5db94fae95ae7121a47"
        : "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b10568288" +
          "38c5f61e6393ba7a0abcc9f662" +
          "76fc6ece0f4e1768cddf8853bb2d551b"
  }))
] as const

/**
 * Registers the conformance suite for `provider`.
 *
 * @since 0.1.0
 */
export const conformance = (provider: CryptoProvider): void => {
  describe(`CryptoProvider conformance: ${provider.name}`, () => {
    describe("hashes", () => {
      for (const algorithm of Object.keys(abc) as Array<HashAlgorithm>) {
        it(`${algorithm}("abc") matches FIPS 180-2`, () => {
          expect(toHex(provider.hash(algorithm, ascii("abc")))).toBe(abc[algorithm])
        })
      }
      it("incremental hashing: digest does not end the hash, clone forks it", () => {
        const h = provider.hashInit("sha256")
        h.update(ascii("a"))
        const fork = h.clone()
        expect(toHex(h.digest())).toBe(toHex(provider.hash("sha256", ascii("a"))))
        h.update(ascii("bc"))
        expect(toHex(h.digest())).toBe(abc.sha256)
        fork.update(ascii("b"))
        expect(toHex(fork.digest())).toBe(toHex(provider.hash("sha256", ascii("ab"))))
        expect(toHex(h.digest())).toBe(abc.sha256)
      })
    })

    describe("HMAC (RFC 4231)", () => {
      rfc4231.forEach((v, i) => {
        for (const algorithm of ["sha256", "sha384", "sha512"] as const) {
          it(`test case ${i + 1}, HMAC-${algorithm}`, () => {
            expect(toHex(provider.hmac(algorithm, v.key, v.data))).toBe(v[algorithm])
          })
        }
      })
    })

    describe("HKDF (RFC 5869)", () => {
      it("A.1: basic test case with SHA-256", () => {
        const prk = provider.hkdfExtract("sha256", hex("000102030405060708090a0b0c"), hex("0b".repeat(22)))
        expect(toHex(prk)).toBe("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5")
        expect(toHex(provider.hkdfExpand("sha256", prk, hex("f0f1f2f3f4f5f6f7f8f9"), 42))).toBe(
          "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
        )
      })
      it("A.3: zero-length salt and info", () => {
        const prk = provider.hkdfExtract("sha256", new Uint8Array(0), hex("0b".repeat(22)))
        expect(toHex(prk)).toBe("19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04")
        expect(toHex(provider.hkdfExpand("sha256", prk, new Uint8Array(0), 42))).toBe(
          "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"
        )
      })
      it("refuses an output longer than 255 * HashLen", () => {
        expect(() => provider.hkdfExpand("sha256", filled(32, 1), new Uint8Array(0), 255 * 32 + 1)).toThrow()
      })
    })

    describe("AEAD", () => {
      for (const v of aeadVectors) {
        it(`${v.algorithm} seals and opens the known answer`, () => {
          const key = provider.aead(v.algorithm, v.key)
          expect(toHex(key.seal(v.nonce, v.aad, v.plaintext))).toBe(v.sealed)
          expect(toHex(key.open(v.nonce, v.aad, hex(v.sealed))!)).toBe(toHex(v.plaintext))
        })
        it(`${v.algorithm} rejects a flipped ciphertext, tag, nonce or AAD bit, and a short input`, () => {
          const key = provider.aead(v.algorithm, v.key)
          const sealed = hex(v.sealed)
          expect(key.open(v.nonce, v.aad, flip(sealed, 0))).toBeUndefined()
          expect(key.open(v.nonce, v.aad, flip(sealed, sealed.length - 1, 7))).toBeUndefined()
          expect(key.open(flip(v.nonce, 11), v.aad, sealed)).toBeUndefined()
          expect(key.open(v.nonce, flip(v.aad, 0), sealed)).toBeUndefined()
          expect(key.open(v.nonce, v.aad, sealed.subarray(0, 15))).toBeUndefined()
        })
        it(`${v.algorithm} seals an empty record to a bare tag that opens to nothing`, () => {
          const key = provider.aead(v.algorithm, v.key)
          const tagOnly = key.seal(v.nonce, v.aad, new Uint8Array(0))
          expect(tagOnly.length).toBe(16)
          expect(key.open(v.nonce, v.aad, tagOnly)).toEqual(new Uint8Array(0))
        })
      }
      it("refuses a key of the wrong length", () => {
        expect(() => provider.aead("aes-128-gcm", filled(32, 0))).toThrow()
      })
    })

    keyExchangeConformance(provider)
    signatureConformance(provider)

    describe("timingSafeEqual", () => {
      it("compares contents and lengths", () => {
        expect(provider.timingSafeEqual(hex("0102"), hex("0102"))).toBe(true)
        expect(provider.timingSafeEqual(hex("0102"), hex("0103"))).toBe(false)
        expect(provider.timingSafeEqual(hex("0102"), hex("010200"))).toBe(false)
        expect(provider.timingSafeEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true)
        expect(provider.timingSafeEqual(concat(filled(31, 7), hex("00")), concat(filled(31, 7), hex("80")))).toBe(false)
      })
    })
  })
}
