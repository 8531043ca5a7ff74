/**
 * `NodeCrypto`: the native `CryptoProvider` (DESIGN principle 4) on `node:crypto` alone
 * (OpenSSL 3.5 in Node 24). It never imports `@noble/*` or micro-rsa-dsa-dh, so the
 * differential test compares two independent implementations; what the two share comes
 * from `@effect-tls/core/crypto/shared` (group constants, the scheme table, the premaster
 * encoding and its constant-flow decoding).
 *
 * This file holds hashing, HMAC, HKDF and the AEADs; key exchange lives in `node-kex.ts`,
 * signatures and RSA in `node-sign.ts`.
 *
 * @since 0.1.0
 */
import * as crypto from "node:crypto"
import type { AeadAlgorithm, AeadKey, CryptoProvider, HashAlgorithm, IncrementalHash } from "@effect-tls/core/crypto/shared"
import { bytes } from "./bytes.js"
import { agree, encapsulate, generateKeyShare } from "./node-kex.js"
import { rsaDecryptPremaster, rsaEncrypt, sign, verify } from "./node-sign.js"

const hashLength: Record<HashAlgorithm, number> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 }

const incremental = (state: crypto.Hash): IncrementalHash => ({
  update: (data) => void state.update(data),
  digest: () => bytes(state.copy().digest()),
  clone: () => incremental(state.copy())
})

const hmac = (algorithm: HashAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array =>
  bytes(crypto.createHmac(algorithm, key).update(data).digest())

/**
 * HKDF-Expand (RFC 5869 §2.3) over `createHmac`: `crypto.hkdfSync` always runs Extract
 * first, and TLS 1.3 needs Expand on its own (RFC 8446 §7.1).
 */
const hkdfExpand = (algorithm: HashAlgorithm, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array => {
  const hLen = hashLength[algorithm]
  if (length > 255 * hLen) throw new RangeError("HKDF-Expand: length above 255 * HashLen")
  const out = new Uint8Array(length)
  let t: Uint8Array = new Uint8Array(0)
  for (let i = 1, at = 0; at < length; i++, at += hLen) {
    t = bytes(crypto.createHmac(algorithm, prk).update(t).update(info).update(Uint8Array.of(i)).digest())
    out.set(t.subarray(0, Math.min(hLen, length - at)), at)
  }
  return out
}

const keyLength: Record<AeadAlgorithm, number> = { "aes-128-gcm": 16, "aes-256-gcm": 32, "chacha20-poly1305": 32 }
const tagLength = 16

const cipher = (algorithm: AeadAlgorithm, key: crypto.KeyObject, nonce: Uint8Array) =>
  algorithm === "chacha20-poly1305"
    ? crypto.createCipheriv(algorithm, key, nonce, { authTagLength: tagLength })
    : crypto.createCipheriv(algorithm, key, nonce, { authTagLength: tagLength })

const decipher = (algorithm: AeadAlgorithm, key: crypto.KeyObject, nonce: Uint8Array) =>
  algorithm === "chacha20-poly1305"
    ? crypto.createDecipheriv(algorithm, key, nonce, { authTagLength: tagLength })
    : crypto.createDecipheriv(algorithm, key, nonce, { authTagLength: tagLength })

const aead = (algorithm: AeadAlgorithm, key: Uint8Array): AeadKey => {
  if (key.length !== keyLength[algorithm]) throw new RangeError(`${algorithm}: key must be ${keyLength[algorithm]} bytes`)
  // A secret KeyObject keeps the key inside OpenSSL's memory handling, imported once.
  const secret = crypto.createSecretKey(key)
  return {
    algorithm,
    seal: (nonce, aad, plaintext) => {
      const c = cipher(algorithm, secret, nonce)
      c.setAAD(aad, { plaintextLength: plaintext.length })
      const out = new Uint8Array(plaintext.length + tagLength)
      const body = c.update(plaintext)
      out.set(body)
      out.set(c.final(), body.length)
      out.set(c.getAuthTag(), plaintext.length)
      return out
    },
    open: (nonce, aad, ciphertext) => {
      if (ciphertext.length < tagLength) return undefined
      const d = decipher(algorithm, secret, nonce)
      d.setAAD(aad, { plaintextLength: ciphertext.length - tagLength })
      d.setAuthTag(ciphertext.subarray(ciphertext.length - tagLength))
      const body = d.update(ciphertext.subarray(0, ciphertext.length - tagLength))
      try {
        d.final()
      } catch {
        return undefined // tag mismatch: bad_record_mac (RFC 8446 §5.2)
      }
      return bytes(body)
    }
  }
}

/**
 * The native crypto provider. OpenSSL draws its own ECDSA nonces, PSS salts and ML-KEM
 * encapsulation randomness, so `sign` and `encapsulate` ignore (part of) their `entropy`;
 * everything else, RSA premaster padding included, honours the caller's.
 *
 * **Gotchas**: needs Node 24 or later (ML-KEM-768, raw key import).
 *
 * @since 0.1.0
 * @category services
 */
export const NodeCrypto: CryptoProvider = {
  name: "node",
  drawsOwnRandomness: new Set(["sign", "encapsulate"]),

  hash: (algorithm, data) => bytes(crypto.createHash(algorithm).update(data).digest()),
  hashInit: (algorithm) => incremental(crypto.createHash(algorithm)),
  hmac,
  // RFC 5869 §2.2: PRK = HMAC-Hash(salt, IKM).
  hkdfExtract: (algorithm, salt, ikm) => hmac(algorithm, salt, ikm),
  hkdfExpand,

  aead,

  generateKeyShare,
  agree,
  encapsulate,

  sign,
  verify,

  rsaEncrypt,
  rsaDecryptPremaster,

  timingSafeEqual: (a, b) => a.length === b.length && crypto.timingSafeEqual(a, b)
}
