/**
 * RSA for `NobleCrypto`, on micro-rsa-dsa-dh: PKCS#1 v1.5 signatures (RFC 8017 §8.2) and
 * RSASSA-PSS (RFC 8017 §8.1, salt length = hash length as RFC 8446 §4.2.3 requires), and the
 * TLS 1.2 premaster transport (RFC 5246 §7.4.7.1).
 *
 * The library draws its own randomness for PSS salts and PKCS#1 v1.5 encryption padding and
 * throws on bad padding, so two encodings are written here from RFC 8017 and run through the
 * library's modular exponentiation: EMSA-PSS-ENCODE (§9.1.1), with the caller's salt, and
 * the premaster encoding and constant-flow decoding of `premaster.ts`. Verification uses
 * the library's own code, so our encoder is checked against an independent decoder (and
 * against OpenSSL by the differential test).
 *
 * @since 0.1.0
 */
import { type IPKCS, mgf1, PKCS1_SHA1, PKCS1_SHA256, PKCS1_SHA384, PKCS1_SHA512, PSS } from "micro-rsa-dsa-dh/rsa.js"
import { I2OSP, OS2IP, pow } from "micro-rsa-dsa-dh/utils.js"
import * as Result from "effect/Result"
import { nobleHash as hashes } from "./noble-hash.js"
import { privateKeyMaterial, publicKeyMaterial } from "./key-material.js"
import { decodePremaster, encodePkcs1v15, rsaInputBlock } from "./premaster.js"
import type { HashAlgorithm, PrivateKey, PublicKey } from "./provider.js"

/** An RSA key as numbers: modulus `n` (also as `k` big-endian bytes), exponents. */
interface RsaKey {
  readonly type: "rsa" | "rsa-pss"
  readonly n: bigint
  readonly e: bigint
  readonly d: bigint // 0n for public keys
  readonly modulus: Uint8Array
  readonly k: number
  readonly bits: number
}

const toRsaKey = (type: "rsa" | "rsa-pss", n: Uint8Array, e: Uint8Array, d: bigint): RsaKey => {
  const nn = OS2IP(n)
  return { type, n: nn, e: OS2IP(e), d, modulus: n, k: n.length, bits: nn.toString(2).length }
}

const privateCache = new WeakMap<PrivateKey, RsaKey>()
const publicCache = new WeakMap<PublicKey, RsaKey | undefined>()

/** The RSA numbers of a private key; throws when it is not a valid RSA key (programmer error). */
const rsaPrivate = (key: PrivateKey): RsaKey => {
  let rsa = privateCache.get(key)
  if (rsa === undefined) {
    const material = Result.getOrThrow(privateKeyMaterial(key.pkcs8))
    if (material.type !== "rsa" && material.type !== "rsa-pss") throw new TypeError("not an RSA private key")
    rsa = toRsaKey(material.type, material.n, material.e, OS2IP(material.d))
    privateCache.set(key, rsa)
  }
  return rsa
}

/** The RSA numbers of a public key; `undefined` when it is not a valid RSA key. */
const rsaPublic = (key: PublicKey): RsaKey | undefined => {
  if (publicCache.has(key)) return publicCache.get(key)
  const material = publicKeyMaterial(key.spki)
  const rsa =
    Result.isSuccess(material) && (material.success.type === "rsa" || material.success.type === "rsa-pss")
      ? toRsaKey(material.success.type, material.success.n, material.success.e, 0n)
      : undefined
  publicCache.set(key, rsa)
  return rsa
}

type RsaHash = Exclude<HashAlgorithm, "sha1">
const pkcs1: Record<HashAlgorithm, IPKCS> = { sha1: PKCS1_SHA1, sha256: PKCS1_SHA256, sha384: PKCS1_SHA384, sha512: PKCS1_SHA512 }

const concat = (...parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** EMSA-PSS-ENCODE (RFC 8017 §9.1.1) with MGF1 and a salt as long as the hash. */
const emsaPssEncode = (hash: RsaHash, message: Uint8Array, emBits: number, salt: Uint8Array): Uint8Array => {
  const H = hashes[hash]
  const hLen = H.outputLen
  const emLen = Math.ceil(emBits / 8)
  if (emLen < 2 * hLen + 2) throw new RangeError("RSA-PSS: key too small for the hash") // step 3
  const mHash = H(message) // step 2
  const h = H(concat(new Uint8Array(8), mHash, salt)) // steps 5, 6
  const db = concat(new Uint8Array(emLen - 2 * hLen - 2), Uint8Array.of(0x01), salt) // steps 7, 8
  const dbMask = mgf1(H)(h, { dkLen: emLen - hLen - 1 }) // step 9
  for (let i = 0; i < db.length; i++) db[i] = db[i]! ^ dbMask[i]! // step 10
  db[0] = db[0]! & (0xff >>> (8 * emLen - emBits)) // step 11
  return concat(db, h, Uint8Array.of(0xbc)) // step 12
}

/** RSASSA-PSS-SIGN (RFC 8017 §8.1.1) with salt = the first hash-length bytes of `entropy`. */
export const pssSign = (hash: RsaHash, key: PrivateKey, message: Uint8Array, entropy: Uint8Array): Uint8Array => {
  const rsa = rsaPrivate(key)
  const hLen = hashes[hash].outputLen
  if (entropy.length < hLen) throw new RangeError(`RSA-PSS: entropy must hold at least ${hLen} bytes of salt`)
  const em = emsaPssEncode(hash, message, rsa.bits - 1, entropy.subarray(0, hLen))
  return I2OSP(pow(OS2IP(em), rsa.d, rsa.n), rsa.k) // RSASP1, then I2OSP to k bytes (§8.1.1 step 2)
}

/** RSASSA-PSS-VERIFY (RFC 8017 §8.1.2), salt length = hash length. */
export const pssVerify = (hash: RsaHash, key: PublicKey, message: Uint8Array, signature: Uint8Array): boolean => {
  const rsa = rsaPublic(key)
  if (rsa === undefined) return false
  try {
    return PSS(hashes[hash], mgf1(hashes[hash]), hashes[hash].outputLen).verify(rsa, message, signature)
  } catch {
    return false
  }
}

/** RSASSA-PKCS1-v1_5-SIGN (RFC 8017 §8.2.1): deterministic. */
export const pkcs1Sign = (hash: RsaHash, key: PrivateKey, message: Uint8Array): Uint8Array =>
  pkcs1[hash].sign(rsaPrivate(key), message)

/** RSASSA-PKCS1-v1_5-VERIFY (RFC 8017 §8.2.2). */
export const pkcs1Verify = (hash: HashAlgorithm, key: PublicKey, message: Uint8Array, signature: Uint8Array): boolean => {
  const rsa = rsaPublic(key)
  if (rsa === undefined) return false
  try {
    return pkcs1[hash].verify(rsa, message, signature)
  } catch {
    return false
  }
}

/** The key type of a private RSA key as this module reads it. */
export const rsaPrivateType = (key: PrivateKey): "rsa" | "rsa-pss" => rsaPrivate(key).type
/** The key type of a public RSA key, `undefined` when it is not one. */
export const rsaPublicType = (key: PublicKey): "rsa" | "rsa-pss" | undefined => rsaPublic(key)?.type

/** `CryptoProvider.rsaEncrypt`: RSAES-PKCS1-v1_5-ENCRYPT (RFC 8017 §7.2.1) with the caller's padding. */
export const rsaEncrypt = (key: PublicKey, data: Uint8Array, entropy: Uint8Array): Uint8Array => {
  const rsa = rsaPublic(key)
  if (rsa === undefined || rsa.type !== "rsa") throw new TypeError("rsaEncrypt: not an rsaEncryption public key")
  const em = encodePkcs1v15(rsa.k, data, entropy)
  return I2OSP(pow(OS2IP(em), rsa.e, rsa.n), rsa.k) // RSAEP (§5.1.1), I2OSP
}

/**
 * `CryptoProvider.rsaDecryptPremaster`: RSADP on the (validated, zeroed-if-invalid) block,
 * then the constant-flow decoding of `premaster.ts` (RFC 5246 §7.4.7.1).
 */
export const rsaDecryptPremaster = (
  key: PrivateKey,
  ciphertext: Uint8Array,
  clientVersion: number,
  fallback: Uint8Array
): Uint8Array => {
  const rsa = rsaPrivate(key)
  const { block, valid } = rsaInputBlock(ciphertext, rsa.modulus)
  const em = I2OSP(pow(OS2IP(block), rsa.d, rsa.n), rsa.k) // RSADP (RFC 8017 §5.1.2)
  return decodePremaster(em, valid, clientVersion, fallback)
}
