/**
 * Signatures and RSA key transport for `NodeCrypto` on `node:crypto`: ECDSA with DER
 * signatures, Ed25519, RSASSA-PSS with salt length = hash length (RFC 8446 §4.2.3),
 * RSASSA-PKCS1-v1_5, and the TLS 1.2 premaster (RFC 5246 §7.4.7.1).
 *
 * OpenSSL picks its own ECDSA nonce and PSS salt, so `sign` ignores `entropy` here. The
 * premaster is encoded and decoded by the shared code of `@effect-tls/core` around raw RSA
 * (`RSA_NO_PADDING`): that honours the caller's padding entropy, and keeps the server side
 * in constant control flow. (Node 24's own `RSA_PKCS1_PADDING` decryption does OpenSSL's
 * implicit rejection, returning a synthetic message of arbitrary length on bad padding.)
 *
 * @since 0.1.0
 */
import * as crypto from "node:crypto"
import {
  decodePremaster,
  encodePkcs1v15,
  type PrivateKey,
  type PublicKey,
  rsaInputBlock,
  schemes,
  type SignatureAlgorithm
} from "@effect-tls/core/crypto/shared"
import { buf, bytes } from "./bytes.js"

const privateKeys = new WeakMap<PrivateKey, crypto.KeyObject>()
const publicKeys = new WeakMap<PublicKey, crypto.KeyObject | undefined>()

/** The KeyObject of a private key; throws on a malformed key (programmer error). */
const privateKeyObject = (key: PrivateKey): crypto.KeyObject => {
  let object = privateKeys.get(key)
  if (object === undefined) {
    object = crypto.createPrivateKey({ key: buf(key.pkcs8), format: "der", type: "pkcs8" })
    privateKeys.set(key, object)
  }
  return object
}

/** The KeyObject of a public key, `undefined` when OpenSSL refuses the SPKI. */
const publicKeyObject = (key: PublicKey): crypto.KeyObject | undefined => {
  if (publicKeys.has(key)) return publicKeys.get(key)
  let object: crypto.KeyObject | undefined
  try {
    object = crypto.createPublicKey({ key: buf(key.spki), format: "der", type: "spki" })
  } catch {
    object = undefined
  }
  publicKeys.set(key, object)
  return object
}

const { RSA_PKCS1_PADDING, RSA_PKCS1_PSS_PADDING, RSA_PSS_SALTLEN_DIGEST, RSA_NO_PADDING } = crypto.constants

const options = (algorithm: SignatureAlgorithm, key: crypto.KeyObject) => {
  const scheme = schemes[algorithm]
  switch (scheme.family) {
    case "ecdsa":
      return { hash: scheme.hash, key: { key, dsaEncoding: "der" as const } }
    case "ed25519":
      return { hash: null, key }
    case "pss":
      return { hash: scheme.hash, key: { key, padding: RSA_PKCS1_PSS_PADDING, saltLength: RSA_PSS_SALTLEN_DIGEST } }
    case "pkcs1":
      return { hash: scheme.hash, key: { key, padding: RSA_PKCS1_PADDING } }
  }
}

/** `CryptoProvider.sign`; `entropy` is ignored (OpenSSL draws the nonce or salt). */
export const sign = (algorithm: SignatureAlgorithm, key: PrivateKey, data: Uint8Array, _entropy: Uint8Array): Uint8Array => {
  const scheme = schemes[algorithm]
  if (scheme.family !== "ed25519" && scheme.hash === "sha1") throw new TypeError(`${algorithm} is for verification only`)
  const object = privateKeyObject(key)
  if (object.asymmetricKeyType !== scheme.key) throw new TypeError(`${algorithm} needs an ${scheme.key} key`)
  const { hash, key: keyOptions } = options(algorithm, object)
  return bytes(crypto.sign(hash, data, keyOptions))
}

/** `CryptoProvider.verify`: `false` for any bad signature, encoding or key type. */
export const verify = (algorithm: SignatureAlgorithm, key: PublicKey, data: Uint8Array, signature: Uint8Array): boolean => {
  const object = publicKeyObject(key)
  if (object === undefined || object.asymmetricKeyType !== schemes[algorithm].key) return false
  // RFC 8017 §8.1.2 / §8.2.2: "If the length of the signature S is not k octets, output
  // "invalid signature"" — OpenSSL would left-pad a short one.
  const family = schemes[algorithm].family
  if ((family === "pss" || family === "pkcs1") && signature.length !== Math.ceil(object.asymmetricKeyDetails!.modulusLength! / 8)) return false
  const { hash, key: keyOptions } = options(algorithm, object)
  try {
    return crypto.verify(hash, data, keyOptions, signature)
  } catch {
    return false
  }
}

/** `CryptoProvider.rsaEncrypt`: the shared PKCS#1 v1.5 encoding (RFC 8017 §7.2.1), raw RSAEP. */
export const rsaEncrypt = (key: PublicKey, data: Uint8Array, entropy: Uint8Array): Uint8Array => {
  const object = publicKeyObject(key)
  if (object === undefined || object.asymmetricKeyType !== "rsa") throw new TypeError("rsaEncrypt: not an rsaEncryption public key")
  const k = Math.ceil(object.asymmetricKeyDetails!.modulusLength! / 8)
  const em = encodePkcs1v15(k, data, entropy)
  return bytes(crypto.publicEncrypt({ key: object, padding: RSA_NO_PADDING }, em))
}

const moduli = new WeakMap<PrivateKey, Uint8Array>()

/** n as `k` big-endian bytes, from the key's JWK form (RFC 7518 §6.3.1.1). */
const modulusOf = (key: PrivateKey, object: crypto.KeyObject): Uint8Array => {
  let n = moduli.get(key)
  if (n === undefined) {
    n = bytes(Buffer.from(object.export({ format: "jwk" }).n!, "base64url"))
    moduli.set(key, n)
  }
  return n
}

/**
 * `CryptoProvider.rsaDecryptPremaster`: OpenSSL's raw RSADP (blinded) on the validated,
 * zeroed-if-invalid block, then the shared constant-flow decoding (RFC 5246 §7.4.7.1).
 */
export const rsaDecryptPremaster = (
  key: PrivateKey,
  ciphertext: Uint8Array,
  clientVersion: number,
  fallback: Uint8Array
): Uint8Array => {
  const object = privateKeyObject(key)
  if (object.asymmetricKeyType !== "rsa") throw new TypeError("rsaDecryptPremaster: not an rsaEncryption key")
  const { block, valid } = rsaInputBlock(ciphertext, modulusOf(key, object))
  const em = bytes(crypto.privateDecrypt({ key: object, padding: RSA_NO_PADDING }, block))
  return decodePremaster(em, valid, clientVersion, fallback)
}
