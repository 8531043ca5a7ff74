/**
 * Decoding of key structures into the raw numbers the portable provider computes with:
 * PKCS#8 `PrivateKeyInfo` (RFC 5208 §5), SEC1 `ECPrivateKey` (RFC 5915 §3), PKCS#1
 * `RSAPrivateKey` / `RSAPublicKey` (RFC 8017 §A.1), X.509 `SubjectPublicKeyInfo`
 * (RFC 5280 §4.1.2.7) for EC (RFC 5480), RSA, RSASSA-PSS (RFC 4055) and Ed25519 (RFC 8410).
 *
 * All ASN.1 goes through `@peculiar/asn1-*`; a structure is accepted only when it
 * re-encodes to exactly the input bytes, which rejects BER, trailing bytes and other
 * non-DER encodings. Internal: `keys.ts` is the public face.
 *
 * @since 0.1.0
 */
import { ed25519 } from "@noble/curves/ed25519.js"
import { p256, p384 } from "@noble/curves/nist.js"
import { ECParameters, ECPrivateKey, id_ecPublicKey, id_secp256r1, id_secp384r1 } from "@peculiar/asn1-ecc"
import { PrivateKeyInfo } from "@peculiar/asn1-pkcs8"
import { id_rsaEncryption, id_RSASSA_PSS, RSAPrivateKey, RSAPublicKey } from "@peculiar/asn1-rsa"
import { AsnConvert, OctetString } from "@peculiar/asn1-schema"
import { AlgorithmIdentifier, SubjectPublicKeyInfo } from "@peculiar/asn1-x509"
import * as Data from "effect/Data"
import * as Result from "effect/Result"
import { timingSafeEqual } from "./constant-time.js"
import type { PrivateKey, PublicKey } from "./provider.js"

/** Why a key did not load. */
export type KeyErrorReason =
  | "InvalidPem"
  | "InvalidDer"
  | "EncryptedKey"
  | "UnsupportedKeyType"
  | "UnsupportedCurve"
  | "InvalidKey"

/**
 * A key that could not be loaded: malformed PEM or DER, an encrypted or unsupported key,
 * or numbers that do not form a valid key (an EC point off the curve, a tiny RSA modulus).
 *
 * @since 0.1.0
 * @category errors
 */
export class KeyError extends Data.TaggedError("KeyError")<{
  readonly reason: KeyErrorReason
  readonly message: string
}> {}

const fail = (reason: KeyErrorReason, message: string) => Result.fail(new KeyError({ reason, message }))

/** The Ed25519 algorithm identifier (RFC 8410 §3). */
export const id_Ed25519 = "1.3.101.112"

/** The curves this project signs and verifies with. */
export type NamedCurve = "secp256r1" | "secp384r1"

const curveByOid: Record<string, NamedCurve> = { [id_secp256r1]: "secp256r1", [id_secp384r1]: "secp384r1" }
const oidByCurve: Record<NamedCurve, string> = { secp256r1: id_secp256r1, secp384r1: id_secp384r1 }

/** The noble curve for a named curve. */
export const nobleCurve = (curve: NamedCurve) => (curve === "secp256r1" ? p256 : p384)

/** Raw private key numbers, big-endian without leading zeros (EC scalars keep their size). */
export type PrivateKeyMaterial =
  | { readonly type: "ec"; readonly curve: NamedCurve; readonly scalar: Uint8Array; readonly point: Uint8Array }
  | { readonly type: "ed25519"; readonly seed: Uint8Array }
  | { readonly type: "rsa" | "rsa-pss"; readonly n: Uint8Array; readonly e: Uint8Array; readonly d: Uint8Array }

/** Raw public key values: the SEC1 point, the Ed25519 key, or RSA's n and e. */
export type PublicKeyMaterial =
  | { readonly type: "ec"; readonly curve: NamedCurve; readonly point: Uint8Array }
  | { readonly type: "ed25519"; readonly key: Uint8Array }
  | { readonly type: "rsa" | "rsa-pss"; readonly n: Uint8Array; readonly e: Uint8Array }

/** Parses `der` with `schema`, accepting only canonical DER (it must re-encode byte-exact). */
export const parseDer = <T>(der: Uint8Array, schema: new () => T): T | undefined => {
  try {
    const value = AsnConvert.parse(der, schema)
    return timingSafeEqual(new Uint8Array(AsnConvert.serialize(value)), der) ? value : undefined
  } catch {
    return undefined
  }
}

const serialize = (value: unknown): Uint8Array => new Uint8Array(AsnConvert.serialize(value))

const stripZeros = (bytes: ArrayBuffer | Uint8Array): Uint8Array => {
  const b = new Uint8Array(bytes)
  let i = 0
  while (i < b.length - 1 && b[i] === 0) i++
  return b.subarray(i)
}

/** The bit length of a big-endian unsigned integer. */
export const bitLength = (bytes: Uint8Array): number => {
  const b = stripZeros(bytes)
  return b[0] === 0 ? 0 : 8 * (b.length - 1) + (32 - Math.clz32(b[0]!))
}

const curveOf = (parameters: ArrayBuffer | null | undefined): NamedCurve | KeyError => {
  const params = parameters ? parseDer(new Uint8Array(parameters), ECParameters) : undefined
  const curve = params?.namedCurve === undefined ? undefined : curveByOid[params.namedCurve]
  return curve ?? new KeyError({ reason: "UnsupportedCurve", message: "only P-256 and P-384 named curves are supported" })
}

/** The smallest RSA modulus accepted; PKCS#1 v1.5 with a 48-byte premaster needs 59 bytes. */
export const minimumRsaBits = 512

const rsaPrivate = (type: "rsa" | "rsa-pss", der: Uint8Array): Result.Result<PrivateKeyMaterial, KeyError> => {
  const key = parseDer(der, RSAPrivateKey)
  if (key === undefined) return fail("InvalidDer", "malformed RSAPrivateKey")
  const n = stripZeros(key.modulus)
  if (bitLength(n) < minimumRsaBits) return fail("InvalidKey", `RSA modulus below ${minimumRsaBits} bits`)
  return Result.succeed({ type, n, e: stripZeros(key.publicExponent), d: stripZeros(key.privateExponent) })
}

const ecPrivate = (curve: NamedCurve, der: Uint8Array): Result.Result<PrivateKeyMaterial, KeyError> => {
  const key = parseDer(der, ECPrivateKey)
  if (key === undefined) return fail("InvalidDer", "malformed ECPrivateKey")
  const noble = nobleCurve(curve)
  const size = noble.lengths.secretKey!
  const raw = new Uint8Array(key.privateKey.buffer)
  if (raw.length > size) return fail("InvalidKey", "EC private key longer than the curve order")
  const scalar = new Uint8Array(size)
  scalar.set(raw, size - raw.length) // RFC 5915 §3: fixed length, but some encoders strip zeros
  if (!noble.utils.isValidSecretKey(scalar)) return fail("InvalidKey", "EC private key out of range")
  return Result.succeed({ type: "ec", curve, scalar, point: noble.getPublicKey(scalar, false) })
}

/**
 * The material inside a PKCS#8 `PrivateKeyInfo` (RFC 5208 §5) holding an EC, RSA,
 * RSASSA-PSS or Ed25519 key.
 */
export const privateKeyMaterial = (pkcs8: Uint8Array): Result.Result<PrivateKeyMaterial, KeyError> => {
  const info = parseDer(pkcs8, PrivateKeyInfo)
  if (info === undefined) return fail("InvalidDer", "malformed PKCS#8 PrivateKeyInfo")
  const inner = new Uint8Array(info.privateKey.buffer)
  switch (info.privateKeyAlgorithm.algorithm) {
    case id_rsaEncryption:
      return rsaPrivate("rsa", inner)
    case id_RSASSA_PSS:
      return rsaPrivate("rsa-pss", inner)
    case id_ecPublicKey: {
      const curve = curveOf(info.privateKeyAlgorithm.parameters)
      return curve instanceof KeyError ? Result.fail(curve) : ecPrivate(curve, inner)
    }
    case id_Ed25519: {
      const seed = parseDer(inner, OctetString) // CurvePrivateKey ::= OCTET STRING (RFC 8410 §7)
      if (seed === undefined || seed.byteLength !== 32) return fail("InvalidDer", "malformed Ed25519 private key")
      return Result.succeed({ type: "ed25519", seed: new Uint8Array(seed.buffer) })
    }
    default:
      return fail("UnsupportedKeyType", `unsupported private key algorithm ${info.privateKeyAlgorithm.algorithm}`)
  }
}

/** The material inside a `SubjectPublicKeyInfo` (RFC 5280 §4.1.2.7); EC points are validated. */
export const publicKeyMaterial = (spki: Uint8Array): Result.Result<PublicKeyMaterial, KeyError> => {
  const info = parseDer(spki, SubjectPublicKeyInfo)
  if (info === undefined) return fail("InvalidDer", "malformed SubjectPublicKeyInfo")
  const bits = new Uint8Array(info.subjectPublicKey)
  const algorithm = info.algorithm.algorithm
  switch (algorithm) {
    case id_rsaEncryption:
    case id_RSASSA_PSS: {
      const key = parseDer(bits, RSAPublicKey)
      if (key === undefined) return fail("InvalidDer", "malformed RSAPublicKey")
      const n = stripZeros(key.modulus)
      if (bitLength(n) < minimumRsaBits) return fail("InvalidKey", `RSA modulus below ${minimumRsaBits} bits`)
      const type = algorithm === id_rsaEncryption ? "rsa" : "rsa-pss"
      return Result.succeed({ type, n, e: stripZeros(key.publicExponent) })
    }
    case id_ecPublicKey: {
      const curve = curveOf(info.algorithm.parameters)
      if (curve instanceof KeyError) return Result.fail(curve)
      if (!nobleCurve(curve).utils.isValidPublicKey(bits, bits.length === nobleCurve(curve).lengths.publicKey)) {
        return fail("InvalidKey", "EC public key is not a point on the curve")
      }
      return Result.succeed({ type: "ec", curve, point: bits })
    }
    case id_Ed25519:
      if (bits.length !== 32) return fail("InvalidKey", "Ed25519 public key must be 32 bytes")
      return Result.succeed({ type: "ed25519", key: bits })
    default:
      return fail("UnsupportedKeyType", `unsupported public key algorithm ${algorithm}`)
  }
}

const ecAlgorithm = (curve: NamedCurve) =>
  new AlgorithmIdentifier({
    algorithm: id_ecPublicKey,
    parameters: AsnConvert.serialize(new ECParameters({ namedCurve: oidByCurve[curve] }))
  })

/** A PKCS#8 `PrivateKeyInfo` wrapping `inner` under `algorithm` (RFC 5208 §5). */
export const wrapPkcs8 = (algorithm: AlgorithmIdentifier, inner: Uint8Array): Uint8Array =>
  serialize(new PrivateKeyInfo({ version: 0, privateKeyAlgorithm: algorithm, privateKey: new OctetString(inner) }))

/** The PKCS#8 form of a SEC1 `ECPrivateKey` (RFC 5915 §3) that names its curve. */
export const pkcs8FromSec1 = (sec1: Uint8Array): Result.Result<Uint8Array, KeyError> => {
  const key = parseDer(sec1, ECPrivateKey)
  if (key === undefined) return fail("InvalidDer", "malformed ECPrivateKey")
  const oid = key.parameters?.namedCurve
  const curve = oid === undefined ? undefined : curveByOid[oid]
  if (curve === undefined) return fail("UnsupportedCurve", "SEC1 key without a supported named curve")
  return Result.succeed(wrapPkcs8(ecAlgorithm(curve), sec1))
}

/** The PKCS#8 form of a PKCS#1 `RSAPrivateKey` (RFC 8017 §A.1.2). */
export const pkcs8FromPkcs1 = (pkcs1: Uint8Array): Uint8Array =>
  wrapPkcs8(new AlgorithmIdentifier({ algorithm: id_rsaEncryption, parameters: null }), pkcs1)

/**
 * The `SubjectPublicKeyInfo` matching a PKCS#8 private key (for RSA-PSS keys, with the
 * private key's algorithm parameters).
 */
export const spkiFromPkcs8 = (pkcs8: Uint8Array): Result.Result<Uint8Array, KeyError> =>
  Result.map(privateKeyMaterial(pkcs8), (material) => {
    switch (material.type) {
      case "ec":
        return serialize(new SubjectPublicKeyInfo({ algorithm: ecAlgorithm(material.curve), subjectPublicKey: material.point.slice().buffer }))
      case "ed25519":
        return serialize(
          new SubjectPublicKeyInfo({
            algorithm: new AlgorithmIdentifier({ algorithm: id_Ed25519 }),
            subjectPublicKey: ed25519.getPublicKey(material.seed).slice().buffer
          })
        )
      default: {
        const algorithm = parseDer(pkcs8, PrivateKeyInfo)!.privateKeyAlgorithm
        const key = serialize(new RSAPublicKey({ modulus: withSignByte(material.n), publicExponent: withSignByte(material.e) }))
        return serialize(new SubjectPublicKeyInfo({ algorithm, subjectPublicKey: key.slice().buffer }))
      }
    }
  })

// An ASN.1 INTEGER's content: positive numbers whose top bit is set get a leading zero.
const withSignByte = (n: Uint8Array): ArrayBuffer => {
  const out = new Uint8Array(n.length + (n[0]! >= 0x80 ? 1 : 0))
  out.set(n, out.length - n.length)
  return out.buffer
}

/** The `PublicKey` value for an SPKI whose material is already known to be valid. */
export const toPublicKey = (spki: Uint8Array, material: PublicKeyMaterial): PublicKey =>
  material.type === "ec"
    ? { _tag: "PublicKey", type: "ec", curve: material.curve, spki }
    : material.type === "ed25519"
      ? { _tag: "PublicKey", type: "ed25519", spki }
      : { _tag: "PublicKey", type: material.type, bits: bitLength(material.n), spki }

/** The `PrivateKey` value for a PKCS#8 whose material is already known to be valid. */
export const toPrivateKey = (pkcs8: Uint8Array, material: PrivateKeyMaterial): PrivateKey =>
  material.type === "ec"
    ? { _tag: "PrivateKey", type: "ec", curve: material.curve, pkcs8 }
    : material.type === "ed25519"
      ? { _tag: "PrivateKey", type: "ed25519", pkcs8 }
      : { _tag: "PrivateKey", type: material.type, bits: bitLength(material.n), pkcs8 }
