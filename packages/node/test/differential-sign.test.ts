/**
 * Differential properties for signatures and RSA, `NobleCrypto` against `NodeCrypto`
 * (issue 10, acceptance 3): each verifies the other's signatures, deterministic schemes
 * (Ed25519, PKCS#1 v1.5) are byte-equal, SHA-1 signatures made by `node:crypto` verify in
 * both, a mutated signature is rejected by both; the RSA premaster encrypts byte-equal with
 * the same padding entropy and decrypts alike, also under mutation.
 *
 * RSA uses the 1097-bit fixture keys: a private operation in BigInt costs ~3 ms there
 * against ~28 ms at 2048 bits (the conformance suite covers 2048), and the odd size puts PSS
 * on its emLen = k - 1 path (RFC 8017 §9.1.1, modBits ≡ 1 mod 8).
 *
 * @since 0.1.0
 */
import * as crypto from "node:crypto"
import { NobleCrypto } from "@effect-tls/core/crypto"
import { rsaEncryptEntropyLength, type SignatureAlgorithm, signEntropyLength } from "@effect-tls/core/crypto/shared"
import { fcOptions, titled } from "@effect-tls/test-support/tier"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as F from "../../core/test/crypto/fixtures.js"
import { privateKey, publicKey } from "../../core/test/crypto/util.js"
import { NodeCrypto } from "../src/node-crypto.js"

const noble = NobleCrypto
const node = NodeCrypto
const counts = { ci: 300, full: 5000 }

const hex = (b: Uint8Array | undefined) => (b === undefined ? "undefined" : Buffer.from(b).toString("hex"))
const bytes = (minLength: number, maxLength: number) => fc.uint8Array({ minLength, maxLength })
const mutation = fc.record({ at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) })
const mutate = (b: Uint8Array, m: { at: number; bit: number }) => {
  const out = b.slice()
  out[m.at % out.length] = out[m.at % out.length]! ^ (1 << m.bit)
  return out
}

const keys = {
  rsa: { privateKey: privateKey(F.rsa1097), publicKey: publicKey(F.rsa1097Public), pem: F.rsa1097 },
  rsaPss: { privateKey: privateKey(F.rsaPss1097), publicKey: publicKey(F.rsaPss1097Public), pem: F.rsaPss1097 },
  p256: { privateKey: privateKey(F.p256), publicKey: publicKey(F.p256Public), pem: F.p256 },
  p384: { privateKey: privateKey(F.p384), publicKey: publicKey(F.p384Public), pem: F.p384 },
  ed25519: { privateKey: privateKey(F.ed25519), publicKey: publicKey(F.ed25519Public), pem: F.ed25519 }
}

const cases: ReadonlyArray<readonly [SignatureAlgorithm, keyof typeof keys]> = [
  ["ecdsa_secp256r1_sha256", "p256"],
  ["ecdsa_secp384r1_sha384", "p384"],
  ["ed25519", "ed25519"],
  ["rsa_pss_rsae_sha256", "rsa"],
  ["rsa_pss_rsae_sha384", "rsa"],
  ["rsa_pss_rsae_sha512", "rsa"],
  ["rsa_pss_pss_sha256", "rsaPss"],
  ["rsa_pss_pss_sha384", "rsaPss"],
  ["rsa_pss_pss_sha512", "rsaPss"],
  ["rsa_pkcs1_sha256", "rsa"],
  ["rsa_pkcs1_sha384", "rsa"],
  ["rsa_pkcs1_sha512", "rsa"]
]
const deterministic = new Set<SignatureAlgorithm>(["ed25519", "rsa_pkcs1_sha256", "rsa_pkcs1_sha384", "rsa_pkcs1_sha512"])

describe("differential: signatures", () => {
  for (const [scheme, keyName] of cases) {
    const key = keys[keyName]
    const title = deterministic.has(scheme)
      ? `${scheme}: byte-equal signatures, each verifies the other's, a mutated signature fails in both`
      : `${scheme}: each verifies the other's signatures, a mutated signature fails in both`
    it(titled(title, counts), () => {
      fc.assert(
        fc.property(bytes(0, 300), bytes(signEntropyLength, signEntropyLength), mutation, (message, entropy, m) => {
          const a = noble.sign(scheme, key.privateKey, message, entropy)
          const b = node.sign(scheme, key.privateKey, message, entropy)
          if (deterministic.has(scheme)) expect(hex(b)).toBe(hex(a))
          expect(node.verify(scheme, key.publicKey, message, a)).toBe(true)
          expect(noble.verify(scheme, key.publicKey, message, b)).toBe(true)
          const bad = mutate(a, m)
          expect(noble.verify(scheme, key.publicKey, message, bad)).toBe(false)
          expect(node.verify(scheme, key.publicKey, message, bad)).toBe(false)
        }),
        fcOptions(counts)
      )
    })
  }

  for (const [scheme, keyName, hash] of [
    ["rsa_pkcs1_sha1", "rsa", "sha1"],
    ["ecdsa_sha1", "p256", "sha1"]
  ] as const) {
    it(titled(`${scheme} (verification only): node:crypto's SHA-1 signatures verify in both, mutated ones in neither`, counts), () => {
      const key = keys[keyName]
      fc.assert(
        fc.property(bytes(0, 300), mutation, (message, m) => {
          const signature = crypto.sign(hash, message, key.pem)
          expect(noble.verify(scheme, key.publicKey, message, signature)).toBe(true)
          expect(node.verify(scheme, key.publicKey, message, signature)).toBe(true)
          const bad = mutate(signature, m)
          expect(noble.verify(scheme, key.publicKey, message, bad)).toBe(false)
          expect(node.verify(scheme, key.publicKey, message, bad)).toBe(false)
        }),
        fcOptions(counts)
      )
    })
  }
})

describe("differential: RSA premaster", () => {
  const { privateKey: key, publicKey: pub } = keys.rsa
  const entropyLength = rsaEncryptEntropyLength(1097)

  it(titled("equal ciphertexts from equal padding entropy; each decrypts; OpenSSL's own PKCS#1 decryption agrees", counts), () => {
    fc.assert(
      fc.property(bytes(48, 48), bytes(entropyLength, entropyLength), bytes(48, 48), (premaster, entropy, fallback) => {
        premaster[0] = 3
        premaster[1] = 3
        const a = noble.rsaEncrypt(pub, premaster, entropy)
        expect(hex(node.rsaEncrypt(pub, premaster, entropy))).toBe(hex(a))
        expect(hex(noble.rsaDecryptPremaster(key, a, 0x0303, fallback))).toBe(hex(premaster))
        expect(hex(node.rsaDecryptPremaster(key, a, 0x0303, fallback))).toBe(hex(premaster))
        const native = crypto.privateDecrypt({ key: keys.rsa.pem, padding: crypto.constants.RSA_PKCS1_PADDING }, a)
        expect(hex(native)).toBe(hex(premaster))
      }),
      fcOptions(counts)
    )
  })

  it(titled("a mutated ciphertext, a random one or a wrong version: both return the same 48 bytes", counts), () => {
    fc.assert(
      fc.property(
        bytes(48, 48),
        bytes(entropyLength, entropyLength),
        bytes(48, 48),
        mutation,
        bytes(0, 200),
        fc.integer({ min: 0x0300, max: 0x0304 }),
        (premaster, entropy, fallback, m, random, version) => {
          premaster[0] = 3
          premaster[1] = 3
          const ciphertext = noble.rsaEncrypt(pub, premaster, entropy)
          const expected = version === 0x0303 ? premaster : fallback
          for (const [input, want] of [
            [mutate(ciphertext, m), fallback],
            [random, fallback],
            [ciphertext, expected]
          ] as const) {
            const viaNoble = noble.rsaDecryptPremaster(key, input, version, fallback)
            expect(viaNoble.length).toBe(48)
            expect(hex(node.rsaDecryptPremaster(key, input, version, fallback))).toBe(hex(viaNoble))
            expect(hex(viaNoble)).toBe(hex(want))
          }
        }
      ),
      fcOptions(counts)
    )
  })
})
