/**
 * Signatures for `NobleCrypto` by RFC 8446 §4.2.3 scheme: ECDSA over P-256 / P-384 with
 * DER-encoded signatures (RFC 8446 §4.2.3, RFC 4492 §5.4), Ed25519 (RFC 8032 §5.1), and the
 * RSA schemes of `noble-rsa.ts`.
 *
 * @since 0.1.0
 */
import { ed25519 } from "@noble/curves/ed25519.js"
import * as Result from "effect/Result"
import { nobleCurve, privateKeyMaterial, type PrivateKeyMaterial, publicKeyMaterial, type PublicKeyMaterial } from "./key-material.js"
import { nobleHash } from "./noble-hash.js"
import { pkcs1Sign, pkcs1Verify, pssSign, pssVerify, rsaPrivateType, rsaPublicType } from "./noble-rsa.js"
import type { HashAlgorithm, PrivateKey, PublicKey, SignatureAlgorithm } from "./provider.js"
import { schemes } from "./schemes.js"

const privateCache = new WeakMap<PrivateKey, PrivateKeyMaterial>()
const publicCache = new WeakMap<PublicKey, PublicKeyMaterial | undefined>()

const privateOf = (key: PrivateKey): PrivateKeyMaterial => {
  let material = privateCache.get(key)
  if (material === undefined) {
    material = Result.getOrThrow(privateKeyMaterial(key.pkcs8))
    privateCache.set(key, material)
  }
  return material
}

const publicOf = (key: PublicKey): PublicKeyMaterial | undefined => {
  if (publicCache.has(key)) return publicCache.get(key)
  const material = publicKeyMaterial(key.spki)
  const value = Result.isSuccess(material) ? material.success : undefined
  publicCache.set(key, value)
  return value
}

/** `CryptoProvider.sign`. */
export const sign = (algorithm: SignatureAlgorithm, key: PrivateKey, data: Uint8Array, entropy: Uint8Array): Uint8Array => {
  const scheme = schemes[algorithm]
  if (scheme.family !== "ed25519" && scheme.hash === "sha1") throw new TypeError(`${algorithm} is for verification only`)
  switch (scheme.family) {
    case "ecdsa": {
      const material = privateOf(key)
      if (material.type !== "ec") throw new TypeError(`${algorithm} needs an EC key`)
      // RFC 6979 §3.6: the caller's entropy hedges the deterministic nonce.
      return nobleCurve(material.curve).sign(nobleHash[scheme.hash](data), material.scalar, {
        prehash: false,
        lowS: false,
        format: "der",
        extraEntropy: entropy.subarray(0, 32)
      })
    }
    case "ed25519": {
      const material = privateOf(key)
      if (material.type !== "ed25519") throw new TypeError("ed25519 needs an Ed25519 key")
      return ed25519.sign(data, material.seed)
    }
    case "pss":
      if (rsaPrivateType(key) !== scheme.key) throw new TypeError(`${algorithm} needs an ${scheme.key} key`)
      return pssSign(scheme.hash, key, data, entropy)
    case "pkcs1":
      if (rsaPrivateType(key) !== "rsa") throw new TypeError(`${algorithm} needs an rsaEncryption key`)
      return pkcs1Sign(scheme.hash as Exclude<HashAlgorithm, "sha1">, key, data)
  }
}

/** `CryptoProvider.verify`: `false` for any bad signature, encoding or key type. */
export const verify = (algorithm: SignatureAlgorithm, key: PublicKey, data: Uint8Array, signature: Uint8Array): boolean => {
  const scheme = schemes[algorithm]
  switch (scheme.family) {
    case "ecdsa": {
      const material = publicOf(key)
      if (material?.type !== "ec") return false
      try {
        return nobleCurve(material.curve).verify(signature, nobleHash[scheme.hash](data), material.point, {
          prehash: false,
          lowS: false, // OpenSSL and most TLS peers do not normalise s
          format: "der"
        })
      } catch {
        return false
      }
    }
    case "ed25519": {
      const material = publicOf(key)
      if (material?.type !== "ed25519") return false
      try {
        return ed25519.verify(signature, data, material.key, { zip215: false }) // RFC 8032 §5.1.7, strict
      } catch {
        return false
      }
    }
    case "pss":
      return rsaPublicType(key) === scheme.key && pssVerify(scheme.hash, key, data, signature)
    case "pkcs1":
      return rsaPublicType(key) === "rsa" && pkcs1Verify(scheme.hash, key, data, signature)
  }
}
