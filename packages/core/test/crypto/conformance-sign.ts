/**
 * Signature and RSA part of the conformance suite: RFC 8032 §7.1 test 1, signatures
 * OpenSSL made, sign-then-verify for every scheme with the fixture keys, the rejections
 * (mutated signature or message, wrong key type), and the TLS 1.2 premaster round trip with
 * implicit rejection (RFC 5246 §7.4.7.1).
 *
 * @since 0.1.0
 */
import { describe, expect, it } from "vitest"
import {
  type CryptoProvider,
  type PrivateKey,
  type PublicKey,
  rsaEncryptEntropyLength,
  type SignatureAlgorithm,
  signEntropyLength
} from "../../src/crypto/provider.js"
import * as F from "./fixtures.js"
import { opensslMessage, opensslSignatures } from "./openssl-signatures.js"
import { ascii, concat, filled, flip, hex, privateKey, publicKey, toHex } from "./util.js"

interface KeyPair {
  readonly name: string
  readonly privateKey: PrivateKey
  readonly publicKey: PublicKey
  readonly schemes: ReadonlyArray<SignatureAlgorithm>
}

/** The fixture key pairs and the schemes each signs with. */
export const signingKeys = (): ReadonlyArray<KeyPair> => [
  {
    name: "RSA-2048",
    privateKey: privateKey(F.rsa2048),
    publicKey: publicKey(F.rsa2048Public),
    schemes: ["rsa_pss_rsae_sha256", "rsa_pss_rsae_sha384", "rsa_pss_rsae_sha512", "rsa_pkcs1_sha256", "rsa_pkcs1_sha384", "rsa_pkcs1_sha512"]
  },
  {
    name: "RSASSA-PSS-2048",
    privateKey: privateKey(F.rsaPss2048),
    publicKey: publicKey(F.rsaPss2048Public),
    schemes: ["rsa_pss_pss_sha256", "rsa_pss_pss_sha384", "rsa_pss_pss_sha512"]
  },
  {
    name: "P-256",
    privateKey: privateKey(F.p256),
    publicKey: publicKey(F.p256Public),
    schemes: ["ecdsa_secp256r1_sha256", "ecdsa_secp384r1_sha384"]
  },
  {
    name: "P-384",
    privateKey: privateKey(F.p384),
    publicKey: publicKey(F.p384Public),
    schemes: ["ecdsa_secp384r1_sha384", "ecdsa_secp256r1_sha256"]
  },
  { name: "Ed25519", privateKey: privateKey(F.ed25519), publicKey: publicKey(F.ed25519Public), schemes: ["ed25519"] }
]

// RFC 8032 §7.1 TEST 1 as PKCS#8 / SPKI (RFC 8410 §10.3 prefixes).
const rfc8032Private = () =>
  privateKey(concat(hex("302e020100300506032b657004220420"), hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")))
const rfc8032Public = () =>
  publicKey(concat(hex("302a300506032b6570032100"), hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")))
const rfc8032Signature =
  "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46b" +
  "d25bf5f0595bbe24655141438e7a100b"

const entropy = filled(signEntropyLength, 0x5a)

/** Registers the signature and RSA conformance tests for `provider`. */
export const signatureConformance = (provider: CryptoProvider): void => {
  describe("signatures and RSA", () => {
    const keys = signingKeys()

    it("Ed25519 reproduces RFC 8032 §7.1 TEST 1", () => {
      expect(toHex(provider.sign("ed25519", rfc8032Private(), new Uint8Array(0), entropy))).toBe(rfc8032Signature)
      expect(provider.verify("ed25519", rfc8032Public(), new Uint8Array(0), hex(rfc8032Signature))).toBe(true)
      expect(provider.verify("ed25519", rfc8032Public(), hex("00"), hex(rfc8032Signature))).toBe(false)
    })

    it("verifies OpenSSL's signatures and reproduces its deterministic ones", () => {
      const publicKeys: Record<keyof typeof opensslSignatures, PublicKey> = {
        rsa_pkcs1_sha256: publicKey(F.rsa2048Public),
        rsa_pss_rsae_sha256: publicKey(F.rsa2048Public),
        rsa_pss_pss_sha384: publicKey(F.rsaPss2048Public),
        ecdsa_secp256r1_sha256: publicKey(F.p256Certificate),
        ecdsa_secp384r1_sha384: publicKey(F.p384Public),
        ed25519: publicKey(F.ed25519Public)
      }
      for (const [scheme, signature] of Object.entries(opensslSignatures) as Array<[keyof typeof opensslSignatures, string]>) {
        expect(provider.verify(scheme, publicKeys[scheme], opensslMessage, hex(signature)), scheme).toBe(true)
        expect(provider.verify(scheme, publicKeys[scheme], flip(opensslMessage, 0), hex(signature)), scheme).toBe(false)
      }
      expect(toHex(provider.sign("rsa_pkcs1_sha256", privateKey(F.rsa2048), opensslMessage, entropy))).toBe(opensslSignatures.rsa_pkcs1_sha256)
      expect(toHex(provider.sign("ed25519", privateKey(F.ed25519), opensslMessage, entropy))).toBe(opensslSignatures.ed25519)
    })

    for (const key of keys) {
      for (const scheme of key.schemes) {
        it(`${scheme} with ${key.name}: sign then verify; mutations rejected`, () => {
          const message = ascii(`TLS 1.3, server CertificateVerify ${scheme}`)
          const signature = provider.sign(scheme, key.privateKey, message, entropy)
          expect(provider.verify(scheme, key.publicKey, message, signature)).toBe(true)
          expect(provider.verify(scheme, key.publicKey, flip(message, 3), signature)).toBe(false)
          expect(provider.verify(scheme, key.publicKey, message, flip(signature, signature.length - 1))).toBe(false)
          expect(provider.verify(scheme, key.publicKey, message, flip(signature, 10, 4))).toBe(false)
          expect(provider.verify(scheme, key.publicKey, message, signature.subarray(1))).toBe(false)
          if (!provider.drawsOwnRandomness.has("sign")) {
            expect(toHex(provider.sign(scheme, key.privateKey, message, entropy))).toBe(toHex(signature))
          }
        })
      }
    }

    it("a key of the wrong type verifies nothing and signs nothing", () => {
      const [rsa, pss, p256, , ed] = keys
      const message = ascii("wrong key")
      const rsaSig = provider.sign("rsa_pss_rsae_sha256", rsa!.privateKey, message, entropy)
      expect(provider.verify("rsa_pss_pss_sha256", rsa!.publicKey, message, rsaSig)).toBe(false)
      expect(provider.verify("rsa_pss_rsae_sha256", pss!.publicKey, message, rsaSig)).toBe(false)
      expect(provider.verify("ecdsa_secp256r1_sha256", ed!.publicKey, message, rsaSig)).toBe(false)
      expect(provider.verify("ed25519", p256!.publicKey, message, rsaSig)).toBe(false)
      expect(() => provider.sign("rsa_pkcs1_sha256", pss!.privateKey, message, entropy)).toThrow()
      expect(() => provider.sign("rsa_pss_pss_sha256", rsa!.privateKey, message, entropy)).toThrow()
      expect(() => provider.sign("ed25519", p256!.privateKey, message, entropy)).toThrow()
      expect(() => provider.sign("rsa_pkcs1_sha1", rsa!.privateKey, message, entropy)).toThrow() // verify only
    })

    it("SEC1 and PKCS#1 forms load to keys that sign like their PKCS#8 forms", () => {
      const message = ascii("same key, other encoding")
      const pkcs1 = provider.sign("rsa_pkcs1_sha256", privateKey(F.rsa2048Pkcs1), message, entropy)
      expect(toHex(pkcs1)).toBe(toHex(provider.sign("rsa_pkcs1_sha256", privateKey(F.rsa2048), message, entropy)))
      const sec1 = provider.sign("ecdsa_secp256r1_sha256", privateKey(F.p256Sec1), message, entropy)
      expect(provider.verify("ecdsa_secp256r1_sha256", publicKey(F.p256Certificate), message, sec1)).toBe(true)
    })

    describe("RSA premaster (RFC 5246 §7.4.7.1)", () => {
      const rsa = () => ({ privateKey: privateKey(F.rsa2048), publicKey: publicKey(F.rsa2048Public) })
      const premaster = concat(hex("0303"), filled(46, 0x77))
      const fallback = filled(48, 0xfa)
      const padding = filled(rsaEncryptEntropyLength(2048), 0x99)

      it("encrypts and decrypts the premaster", () => {
        const { privateKey: key, publicKey: pub } = rsa()
        const ciphertext = provider.rsaEncrypt(pub, premaster, padding)
        expect(ciphertext.length).toBe(256)
        expect(toHex(provider.rsaDecryptPremaster(key, ciphertext, 0x0303, fallback))).toBe(toHex(premaster))
        if (!provider.drawsOwnRandomness.has("rsaEncrypt")) {
          expect(toHex(provider.rsaEncrypt(pub, premaster, padding))).toBe(toHex(ciphertext))
        }
      })

      it("a wrong version, bad padding, wrong length or c ≥ n yields the fallback, 48 bytes", () => {
        const { privateKey: key, publicKey: pub } = rsa()
        const ciphertext = provider.rsaEncrypt(pub, premaster, padding)
        const results = [
          provider.rsaDecryptPremaster(key, ciphertext, 0x0302, fallback),
          provider.rsaDecryptPremaster(key, flip(ciphertext, 100), 0x0303, fallback),
          provider.rsaDecryptPremaster(key, ciphertext.subarray(1), 0x0303, fallback),
          provider.rsaDecryptPremaster(key, concat(ciphertext, hex("00")), 0x0303, fallback),
          provider.rsaDecryptPremaster(key, filled(256, 0xff), 0x0303, fallback),
          provider.rsaDecryptPremaster(key, new Uint8Array(0), 0x0303, fallback)
        ]
        for (const r of results) expect(toHex(r)).toBe(toHex(fallback))
      })

      it("a premaster of another length under valid padding yields the fallback", () => {
        const { privateKey: key, publicKey: pub } = rsa()
        const ciphertext = provider.rsaEncrypt(pub, premaster.subarray(0, 47), padding)
        expect(toHex(provider.rsaDecryptPremaster(key, ciphertext, 0x0303, fallback))).toBe(toHex(fallback))
      })

      it("refuses an rsa-pss key for encryption and a fallback that is not 48 bytes", () => {
        expect(() => provider.rsaEncrypt(publicKey(F.rsaPss2048Public), premaster, padding)).toThrow()
        const { privateKey: key, publicKey: pub } = rsa()
        const ciphertext = provider.rsaEncrypt(pub, premaster, padding)
        expect(() => provider.rsaDecryptPremaster(key, ciphertext, 0x0303, filled(47, 0))).toThrow()
      })
    })
  })
}
