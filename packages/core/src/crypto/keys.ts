/**
 * Loading keys into the `PrivateKey` / `PublicKey` values both providers accept, from PEM
 * (RFC 7468) or DER: PKCS#8 (RFC 5208, "PRIVATE KEY"), SEC1 (RFC 5915, "EC PRIVATE KEY"),
 * PKCS#1 (RFC 8017 §A.1, "RSA PRIVATE KEY" / "RSA PUBLIC KEY"), SubjectPublicKeyInfo
 * ("PUBLIC KEY", RFC 5280 §4.1.2.7) and the SPKI inside an X.509 certificate
 * ("CERTIFICATE"). EC keys on P-256 / P-384, RSA, RSASSA-PSS and Ed25519 keys.
 *
 * Portable: no `node:` imports. Nothing throws: every function returns a `Result` whose
 * failure is a `KeyError` with a `reason`.
 *
 * @since 0.1.0
 */
import { id_rsaEncryption, RSAPrivateKey, RSAPublicKey } from "@peculiar/asn1-rsa"
import { ECPrivateKey } from "@peculiar/asn1-ecc"
import { PrivateKeyInfo } from "@peculiar/asn1-pkcs8"
import { AsnConvert } from "@peculiar/asn1-schema"
import { AlgorithmIdentifier, Certificate, SubjectPublicKeyInfo } from "@peculiar/asn1-x509"
import * as Result from "effect/Result"
import { Base64 } from "effect/encoding"
import {
  KeyError,
  parseDer,
  pkcs8FromPkcs1,
  pkcs8FromSec1,
  privateKeyMaterial,
  publicKeyMaterial,
  spkiFromPkcs8,
  toPrivateKey,
  toPublicKey
} from "./key-material.js"
import type { PrivateKey, PublicKey } from "./provider.js"

export { KeyError, type KeyErrorReason } from "./key-material.js"

/** Key input: PEM text (as a string or its bytes) or DER bytes. */
export type KeyInput = string | Uint8Array

/** One PEM block (RFC 7468 §2): its label and the DER it carries. */
export interface PemBlock {
  readonly label: string
  readonly der: Uint8Array
}

const pemPattern = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g

const fail = (reason: KeyError["reason"], message: string) => Result.fail(new KeyError({ reason, message }))

/**
 * Every PEM block in `text`, in order (RFC 7468 §2). Legacy encrypted PEM (with
 * `Proc-Type` headers) is refused with `EncryptedKey`.
 *
 * @since 0.1.0
 */
export const decodePem = (text: string): Result.Result<ReadonlyArray<PemBlock>, KeyError> => {
  const blocks: Array<PemBlock> = []
  for (const match of text.matchAll(pemPattern)) {
    const body = match[2]!
    if (body.includes(":")) return fail("EncryptedKey", `PEM ${match[1]} has headers (legacy encryption)`)
    const der = Base64.decode(body.replace(/\s+/g, ""))
    if (Result.isFailure(der)) return fail("InvalidPem", `PEM ${match[1]} is not valid base64`)
    blocks.push({ label: match[1]!, der: der.success })
  }
  return blocks.length === 0 ? fail("InvalidPem", "no PEM block found") : Result.succeed(blocks)
}

const pemPrefix = "-----BEGIN"
const asText = (input: KeyInput): string | undefined => {
  if (typeof input === "string") return input
  for (let i = 0; i < pemPrefix.length; i++) if (input[i] !== pemPrefix.charCodeAt(i)) return undefined
  return new TextDecoder().decode(input)
}

const privateFromPkcs8 = (pkcs8: Uint8Array): Result.Result<PrivateKey, KeyError> =>
  Result.map(privateKeyMaterial(pkcs8), (material) => toPrivateKey(pkcs8, material))

const publicFromSpki = (spki: Uint8Array): Result.Result<PublicKey, KeyError> =>
  Result.map(publicKeyMaterial(spki), (material) => toPublicKey(spki, material))

const privateFromDer = (der: Uint8Array): Result.Result<PrivateKey, KeyError> => {
  if (parseDer(der, PrivateKeyInfo) !== undefined) return privateFromPkcs8(der)
  if (parseDer(der, ECPrivateKey) !== undefined) return Result.flatMap(pkcs8FromSec1(der), privateFromPkcs8)
  if (parseDer(der, RSAPrivateKey) !== undefined) return privateFromPkcs8(pkcs8FromPkcs1(der))
  return fail("InvalidDer", "not a PKCS#8, SEC1 or PKCS#1 private key")
}

const spkiFromPkcs1Public = (der: Uint8Array): Uint8Array =>
  new Uint8Array(
    AsnConvert.serialize(
      new SubjectPublicKeyInfo({
        algorithm: new AlgorithmIdentifier({ algorithm: id_rsaEncryption, parameters: null }),
        subjectPublicKey: der.slice().buffer
      })
    )
  )

const publicFromCertificate = (der: Uint8Array): Result.Result<PublicKey, KeyError> => {
  const certificate = parseDer(der, Certificate)
  if (certificate === undefined) return fail("InvalidDer", "malformed X.509 certificate")
  return publicFromSpki(new Uint8Array(AsnConvert.serialize(certificate.tbsCertificate.subjectPublicKeyInfo)))
}

const publicFromDer = (der: Uint8Array): Result.Result<PublicKey, KeyError> => {
  if (parseDer(der, SubjectPublicKeyInfo) !== undefined) return publicFromSpki(der)
  if (parseDer(der, Certificate) !== undefined) return publicFromCertificate(der)
  if (parseDer(der, RSAPublicKey) !== undefined) return publicFromSpki(spkiFromPkcs1Public(der))
  return fail("InvalidDer", "not a SubjectPublicKeyInfo, X.509 certificate or PKCS#1 public key")
}

/**
 * Loads a private key: PEM ("PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY"; other
 * blocks such as "EC PARAMETERS" are skipped) or DER (PKCS#8, SEC1, PKCS#1). The result
 * carries the key as PKCS#8 DER.
 *
 * **Gotchas**: encrypted keys ("ENCRYPTED PRIVATE KEY", legacy `Proc-Type`) are refused
 * with `EncryptedKey`; decrypt them first.
 *
 * @since 0.1.0
 * @category constructors
 */
export const loadPrivateKey = (input: KeyInput): Result.Result<PrivateKey, KeyError> => {
  const text = asText(input)
  if (text === undefined) return privateFromDer(input as Uint8Array)
  return Result.flatMap(decodePem(text), (blocks) => {
    for (const { label, der } of blocks) {
      if (label === "PRIVATE KEY") return privateFromPkcs8(der)
      if (label === "EC PRIVATE KEY") return Result.flatMap(pkcs8FromSec1(der), privateFromPkcs8)
      if (label === "RSA PRIVATE KEY") return privateFromPkcs8(pkcs8FromPkcs1(der))
      if (label === "ENCRYPTED PRIVATE KEY") return fail("EncryptedKey", "encrypted PKCS#8 key")
    }
    return fail("InvalidPem", "no private key PEM block found")
  })
}

/**
 * Loads a public key: PEM ("PUBLIC KEY", "RSA PUBLIC KEY", or the first "CERTIFICATE",
 * whose subject key is taken) or DER of the same. EC points are checked to be on the curve.
 *
 * @since 0.1.0
 * @category constructors
 */
export const loadPublicKey = (input: KeyInput): Result.Result<PublicKey, KeyError> => {
  const text = asText(input)
  if (text === undefined) return publicFromDer(input as Uint8Array)
  return Result.flatMap(decodePem(text), (blocks) => {
    for (const { label, der } of blocks) {
      if (label === "PUBLIC KEY") return publicFromSpki(der)
      if (label === "RSA PUBLIC KEY") return publicFromSpki(spkiFromPkcs1Public(der))
      if (label === "CERTIFICATE") return publicFromCertificate(der)
    }
    return fail("InvalidPem", "no public key or certificate PEM block found")
  })
}

/**
 * The public half of a private key, as the SPKI its certificate would carry.
 *
 * @since 0.1.0
 * @category constructors
 */
export const publicKeyOf = (key: PrivateKey): Result.Result<PublicKey, KeyError> =>
  Result.flatMap(spkiFromPkcs8(key.pkcs8), publicFromSpki)
