/**
 * Differential properties, `NobleCrypto` against `NodeCrypto` (issue 10, acceptance 3):
 * hashes, HMAC, HKDF, the AEADs (equal seals, cross-opening, mutations rejected by both)
 * and key exchange (equal key pairs from equal seeds, equal agreements, equal answers on
 * mutated public values). Signatures and RSA are in `differential-sign.test.ts`.
 *
 * @since 0.1.0
 */
import { NobleCrypto } from "@effect-tls/core/crypto"
import {
  type AeadAlgorithm,
  encapsulateEntropyLength,
  type HashAlgorithm,
  type KeyExchangeGroup,
  keyShareSeedLength
} from "@effect-tls/core/crypto/shared"
import { fcOptions, titled } from "@effect-tls/test-support/tier"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { NodeCrypto } from "../src/node-crypto.js"

const noble = NobleCrypto
const node = NodeCrypto
const counts = { ci: 300, full: 5000 }
/** FFDHE in BigInt is slow (a 4096-bit exponentiation per key pair and per agreement). */
const ffdheCounts = { ci: 100, full: 1000 }

const hex = (b: Uint8Array | undefined) => (b === undefined ? "undefined" : Buffer.from(b).toString("hex"))
const bytes = (minLength: number, maxLength: number) => fc.uint8Array({ minLength, maxLength })
/** A position (as a fraction) and a bit, to mutate one bit of a value of any length. */
const mutation = fc.record({ at: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), bit: fc.integer({ min: 0, max: 7 }) })
const mutate = (b: Uint8Array, m: { at: number; bit: number }, from = 0, to = b.length) => {
  const out = b.slice()
  const i = from + Math.floor(m.at * (to - from))
  out[i] = out[i]! ^ (1 << m.bit)
  return out
}

describe("differential: hashes, HMAC, HKDF", () => {
  for (const algorithm of ["sha1", "sha256", "sha384", "sha512"] as const satisfies ReadonlyArray<HashAlgorithm>) {
    it(titled(`${algorithm}: equal digests, one-shot and incremental`, counts), () => {
      fc.assert(
        fc.property(fc.array(bytes(0, 600), { maxLength: 6 }), (chunks) => {
          const whole = Buffer.concat(chunks)
          const expected = hex(node.hash(algorithm, whole))
          expect(hex(noble.hash(algorithm, whole))).toBe(expected)
          for (const provider of [noble, node]) {
            const h = provider.hashInit(algorithm)
            for (const c of chunks) h.update(c)
            expect(hex(h.digest())).toBe(expected)
          }
        }),
        fcOptions(counts)
      )
    })

    it(titled(`HMAC-${algorithm}: equal MACs`, counts), () => {
      fc.assert(
        fc.property(bytes(0, 200), bytes(0, 1000), (key, data) => {
          expect(hex(noble.hmac(algorithm, key, data))).toBe(hex(node.hmac(algorithm, key, data)))
        }),
        fcOptions(counts)
      )
    })
  }

  for (const algorithm of ["sha256", "sha384", "sha512"] as const) {
    it(titled(`HKDF-${algorithm}: equal Extract and Expand`, counts), () => {
      fc.assert(
        fc.property(bytes(0, 80), bytes(0, 80), bytes(0, 100), fc.integer({ min: 1, max: 600 }), (salt, ikm, info, length) => {
          const prk = node.hkdfExtract(algorithm, salt, ikm)
          expect(hex(noble.hkdfExtract(algorithm, salt, ikm))).toBe(hex(prk))
          expect(hex(noble.hkdfExpand(algorithm, prk, info, length))).toBe(hex(node.hkdfExpand(algorithm, prk, info, length)))
        }),
        fcOptions(counts)
      )
    })
  }
})

describe("differential: AEAD", () => {
  for (const algorithm of ["aes-128-gcm", "aes-256-gcm", "chacha20-poly1305"] as const satisfies ReadonlyArray<AeadAlgorithm>) {
    const keyLength = algorithm === "aes-128-gcm" ? 16 : 32
    it(titled(`${algorithm}: equal seals, each opens the other's, a mutated record fails in both`, counts), () => {
      fc.assert(
        fc.property(
          bytes(keyLength, keyLength),
          bytes(12, 12),
          bytes(0, 64),
          bytes(0, 2000),
          mutation,
          (key, nonce, aad, plaintext, m) => {
            const a = noble.aead(algorithm, key)
            const b = node.aead(algorithm, key)
            const sealed = a.seal(nonce, aad, plaintext)
            expect(hex(b.seal(nonce, aad, plaintext))).toBe(hex(sealed))
            expect(hex(b.open(nonce, aad, sealed))).toBe(hex(plaintext))
            expect(hex(a.open(nonce, aad, sealed))).toBe(hex(plaintext))
            const body = mutate(sealed, m, 0, Math.max(1, sealed.length - 16)) // ciphertext (or tag if empty)
            const tag = mutate(sealed, m, sealed.length - 16)
            for (const bad of [body, tag]) {
              expect(a.open(nonce, aad, bad)).toBeUndefined()
              expect(b.open(nonce, aad, bad)).toBeUndefined()
            }
          }
        ),
        fcOptions(counts)
      )
    })
  }
})

const isFfdhe = (group: KeyExchangeGroup) => group.startsWith("ffdhe")

describe("differential: key exchange", () => {
  for (const group of ["x25519", "secp256r1", "secp384r1", "ffdhe2048", "ffdhe3072", "ffdhe4096"] as const) {
    const n = keyShareSeedLength[group]
    const c = isFfdhe(group) ? ffdheCounts : counts
    it(titled(`${group}: equal key pairs from equal seeds, equal agreements, equal answers on a mutated share`, c), () => {
      fc.assert(
        fc.property(bytes(n, n), bytes(n, n), mutation, (seedA, seedB, m) => {
          const a = noble.generateKeyShare(group, seedA)
          const aNode = node.generateKeyShare(group, seedA)
          expect(hex(aNode.publicKey)).toBe(hex(a.publicKey))
          expect(hex(aNode.privateKey)).toBe(hex(a.privateKey))
          const b = node.generateKeyShare(group, seedB)
          const shared = noble.agree(a, b.publicKey)
          expect(shared).toBeDefined()
          expect(hex(node.agree(b, a.publicKey))).toBe(hex(shared))
          expect(hex(node.agree(aNode, b.publicKey))).toBe(hex(shared))
          const server = node.encapsulate(group, a.publicKey, seedB)!
          expect(hex(server.publicKey)).toBe(hex(b.publicKey))
          expect(hex(noble.encapsulate(group, aNode.publicKey, seedB)?.sharedSecret)).toBe(hex(server.sharedSecret))
          // One flipped bit: EC points fall off the curve (both refuse); X25519 and FFDHE
          // values usually stay valid (both agree on the same other secret).
          const mutated = mutate(b.publicKey, m, group.startsWith("secp") ? 1 : 0)
          const viaNoble = noble.agree(a, mutated)
          expect(hex(node.agree(aNode, mutated))).toBe(hex(viaNoble))
          if (group.startsWith("secp")) expect(viaNoble).toBeUndefined()
        }),
        fcOptions(c)
      )
    })
  }

  it(titled("x25519mlkem768: equal client shares, each side decapsulates the other's, mutations answered alike", counts), () => {
    fc.assert(
      fc.property(bytes(96, 96), bytes(64, 64), mutation, (seed, entropy, m) => {
        const client = noble.generateKeyShare("x25519mlkem768", seed)
        const clientNode = node.generateKeyShare("x25519mlkem768", seed)
        expect(hex(clientNode.publicKey)).toBe(hex(client.publicKey))
        const fromNoble = noble.encapsulate("x25519mlkem768", client.publicKey, entropy)!
        const fromNode = node.encapsulate("x25519mlkem768", client.publicKey, entropy)!
        expect(hex(node.agree(clientNode, fromNoble.publicKey))).toBe(hex(fromNoble.sharedSecret))
        expect(hex(noble.agree(client, fromNode.publicKey))).toBe(hex(fromNode.sharedSecret))
        expect(hex(fromNode.sharedSecret.subarray(32))).toBe(hex(fromNoble.sharedSecret.subarray(32))) // same X25519 part
        // A mutated ciphertext: ML-KEM's implicit rejection is deterministic (FIPS 203 §6.3),
        // so both give the same wrong secret.
        const badCiphertext = mutate(fromNoble.publicKey, m, 0, 1088)
        const viaNoble = noble.agree(client, badCiphertext)
        expect(hex(node.agree(clientNode, badCiphertext))).toBe(hex(viaNoble))
        expect(hex(viaNoble)).not.toBe(hex(fromNoble.sharedSecret))
        // A mutated X25519 share: the same other secret, or both refuse a low-order point.
        const badShare = mutate(fromNoble.publicKey, m, 1088)
        expect(hex(node.agree(clientNode, badShare))).toBe(hex(noble.agree(client, badShare)))
        // A mutated encapsulation key: both accept it or both refuse it (FIPS 203 §7.2).
        const badKey = mutate(client.publicKey, m, 0, 1184)
        expect(node.encapsulate("x25519mlkem768", badKey, entropy) === undefined).toBe(
          noble.encapsulate("x25519mlkem768", badKey, entropy) === undefined
        )
      }),
      fcOptions(counts)
    )
  })

  it(titled("x25519mlkem768 and the EC groups: the other provider's share is the same length or rejected alike", counts), () => {
    const groups = ["secp256r1", "secp384r1", "x25519", "x25519mlkem768"] as const
    fc.assert(
      fc.property(fc.constantFrom(...groups), bytes(0, 1300), bytes(64, 64), (group, peer, entropy) => {
        const e = entropy.subarray(0, encapsulateEntropyLength(group))
        const a = noble.encapsulate(group, peer, e)
        const b = node.encapsulate(group, peer, e)
        expect(a === undefined).toBe(b === undefined)
      }),
      fcOptions(counts)
    )
  })
})
