/**
 * `NobleCrypto`: the portable `CryptoProvider` (DESIGN principle 4), on `@noble/hashes`,
 * `@noble/ciphers`, `@noble/curves`, `@noble/post-quantum`, and `micro-rsa-dsa-dh` for RSA
 * and finite-field DH. Runs anywhere JavaScript runs; imports nothing from `node:`.
 *
 * This file holds hashing, HMAC, HKDF and the AEADs; key exchange lives in `noble-kex.ts`,
 * signatures in `noble-sign.ts`, RSA in `noble-rsa.ts`.
 *
 * @since 0.1.0
 */
import { gcm } from "@noble/ciphers/aes.js"
import { chacha20poly1305 } from "@noble/ciphers/chacha.js"
import { expand, extract } from "@noble/hashes/hkdf.js"
import { hmac } from "@noble/hashes/hmac.js"
import { timingSafeEqual } from "./constant-time.js"
import { nobleHash } from "./noble-hash.js"
import { agree, encapsulate, generateKeyShare } from "./noble-kex.js"
import { rsaDecryptPremaster, rsaEncrypt } from "./noble-rsa.js"
import { sign, verify } from "./noble-sign.js"
import type { AeadAlgorithm, AeadKey, CryptoProvider, HashAlgorithm, IncrementalHash } from "./provider.js"

interface NobleHashState {
  update(data: Uint8Array): NobleHashState
  digest(): Uint8Array
  clone(): NobleHashState
}

const incremental = (state: NobleHashState): IncrementalHash => ({
  update: (data) => void state.update(data),
  digest: () => state.clone().digest(),
  clone: () => incremental(state.clone())
})

const keyLength: Record<AeadAlgorithm, number> = { "aes-128-gcm": 16, "aes-256-gcm": 32, "chacha20-poly1305": 32 }

const aead = (algorithm: AeadAlgorithm, key: Uint8Array): AeadKey => {
  if (key.length !== keyLength[algorithm]) throw new RangeError(`${algorithm}: key must be ${keyLength[algorithm]} bytes`)
  const cipher = algorithm === "chacha20-poly1305" ? chacha20poly1305 : gcm
  const k = key.slice()
  return {
    algorithm,
    seal: (nonce, aad, plaintext) => cipher(k, nonce, aad).encrypt(plaintext),
    open: (nonce, aad, ciphertext) => {
      if (ciphertext.length < 16) return undefined
      try {
        return cipher(k, nonce, aad).decrypt(ciphertext)
      } catch {
        return undefined // tag mismatch: bad_record_mac (RFC 8446 §5.2)
      }
    }
  }
}

const maxHkdfLength = (algorithm: HashAlgorithm) => 255 * nobleHash[algorithm].outputLen

/**
 * The portable crypto provider. It honours every `entropy` argument, so it draws no
 * randomness of its own: a run with a seeded `Entropy` is reproducible byte for byte.
 *
 * **Gotchas**: JavaScript BigInt arithmetic (RSA, FFDHE) is not constant-time; the RSA
 * premaster decryption is constant in control flow, not in timing.
 *
 * @since 0.1.0
 * @category services
 */
export const NobleCrypto: CryptoProvider = {
  name: "noble",
  drawsOwnRandomness: new Set(),

  hash: (algorithm, data) => nobleHash[algorithm](data),
  hashInit: (algorithm) => incremental(nobleHash[algorithm].create()),
  hmac: (algorithm, key, data) => hmac(nobleHash[algorithm], key, data),
  // RFC 5869 §2.2; an empty salt is the same as HashLen zeros.
  hkdfExtract: (algorithm, salt, ikm) => extract(nobleHash[algorithm], ikm, salt),
  // RFC 5869 §2.3: "L <= 255*HashLen".
  hkdfExpand: (algorithm, prk, info, length) => {
    if (length > maxHkdfLength(algorithm)) throw new RangeError("HKDF-Expand: length above 255 * HashLen")
    return expand(nobleHash[algorithm], prk, info, length)
  },

  aead,

  generateKeyShare,
  agree,
  encapsulate,

  sign,
  verify,

  rsaEncrypt,
  rsaDecryptPremaster,

  timingSafeEqual
}
