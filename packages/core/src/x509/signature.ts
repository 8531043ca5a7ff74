/**
 * X.509 signature algorithms (RFC 5280 §4.1.1.2; RFC 4055 §3.1 and RFC 8017 §A.2.3 for
 * RSASSA-PSS; RFC 5758 §3.2 for ECDSA; RFC 8410 §3 for Ed25519) mapped onto the names the
 * synchronous `CryptoProvider` verifies with, and the check that one signed object (a
 * certificate, a CRL, an OCSP response) was signed by a given key.
 *
 * @since 0.1.0
 */
import { id_mgf1, id_RSASSA_PSS, RsaSaPssParams } from "@peculiar/asn1-rsa"
import { AsnConvert } from "@peculiar/asn1-schema"
import { AlgorithmIdentifier } from "@peculiar/asn1-x509"
import * as Result from "effect/Result"
import type { CryptoProvider, HashAlgorithm, PublicKey, SignatureAlgorithm } from "../crypto/provider.js"

/** A signature algorithm the provider can check, with its hash (for the SHA-1 policy). @since 0.1.0 @category models */
export interface SignatureMethod {
  /** The OpenSSL name (`sha256WithRSAEncryption`, `ecdsa-with-SHA384`, `rsassaPss`, `ED25519`). */
  readonly name: string
  readonly hash: HashAlgorithm | "none"
  /** The provider's scheme for an issuer key of the given type. */
  readonly scheme: (key: PublicKey) => SignatureAlgorithm | undefined
}

const pkcs1 = (name: string, hash: HashAlgorithm, scheme: SignatureAlgorithm): SignatureMethod => ({
  name,
  hash,
  scheme: (key) => (key.type === "rsa" ? scheme : undefined)
})

const ecdsa = (name: string, hash: HashAlgorithm, scheme: SignatureAlgorithm): SignatureMethod => ({
  name,
  hash,
  scheme: (key) => (key.type === "ec" ? scheme : undefined)
})

/** Algorithms whose identifier has no parameters to read (RFC 4055 §5, RFC 5758 §3.2, RFC 8410 §3). */
const fixed: Readonly<Record<string, SignatureMethod>> = {
  "1.2.840.113549.1.1.5": pkcs1("sha1WithRSAEncryption", "sha1", "rsa_pkcs1_sha1"),
  "1.2.840.113549.1.1.11": pkcs1("sha256WithRSAEncryption", "sha256", "rsa_pkcs1_sha256"),
  "1.2.840.113549.1.1.12": pkcs1("sha384WithRSAEncryption", "sha384", "rsa_pkcs1_sha384"),
  "1.2.840.113549.1.1.13": pkcs1("sha512WithRSAEncryption", "sha512", "rsa_pkcs1_sha512"),
  "1.2.840.10045.4.1": ecdsa("ecdsa-with-SHA1", "sha1", "ecdsa_sha1"),
  // The provider's ECDSA schemes take the curve from the key (crypto/schemes.ts).
  "1.2.840.10045.4.3.2": ecdsa("ecdsa-with-SHA256", "sha256", "ecdsa_secp256r1_sha256"),
  "1.2.840.10045.4.3.3": ecdsa("ecdsa-with-SHA384", "sha384", "ecdsa_secp384r1_sha384"),
  "1.3.101.112": { name: "ED25519", hash: "none", scheme: (key) => (key.type === "ed25519" ? "ed25519" : undefined) }
}

const hashByOid: Readonly<Record<string, { readonly hash: "sha256" | "sha384" | "sha512"; readonly length: number }>> = {
  "2.16.840.1.101.3.4.2.1": { hash: "sha256", length: 32 },
  "2.16.840.1.101.3.4.2.2": { hash: "sha384", length: 48 },
  "2.16.840.1.101.3.4.2.3": { hash: "sha512", length: 64 }
}

/**
 * RSASSA-PSS parameters (RFC 4055 §3.1): accepted only in the form TLS uses (RFC 8446
 * §4.2.3) — SHA-256/384/512, MGF1 with the same hash, a salt as long as the hash, trailer 1.
 */
const pss = (params: ArrayBuffer | null | undefined): Result.Result<SignatureMethod, string> => {
  if (params === null || params === undefined) return Result.fail("RSASSA-PSS without parameters (SHA-1 defaults)")
  let p: RsaSaPssParams
  try {
    p = AsnConvert.parse(params, RsaSaPssParams)
  } catch {
    return Result.fail("RSASSA-PSS parameters do not decode")
  }
  const h = hashByOid[p.hashAlgorithm.algorithm]
  if (h === undefined) return Result.fail(`RSASSA-PSS with hash ${p.hashAlgorithm.algorithm}`)
  if (p.maskGenAlgorithm.algorithm !== id_mgf1 || p.maskGenAlgorithm.parameters == null) return Result.fail("RSASSA-PSS with a mask generation function other than MGF1")
  let mgfHash: AlgorithmIdentifier
  try {
    mgfHash = AsnConvert.parse(p.maskGenAlgorithm.parameters, AlgorithmIdentifier)
  } catch {
    return Result.fail("RSASSA-PSS MGF1 parameters do not decode")
  }
  if (mgfHash.algorithm !== p.hashAlgorithm.algorithm) return Result.fail("RSASSA-PSS with an MGF1 hash different from the message hash")
  if (p.saltLength !== h.length) return Result.fail(`RSASSA-PSS salt of ${p.saltLength} bytes with ${h.hash}`)
  if (p.trailerField !== 1) return Result.fail("RSASSA-PSS trailer field other than 1")
  return Result.succeed({
    name: "rsassaPss",
    hash: h.hash,
    scheme: (key) => (key.type === "rsa" ? `rsa_pss_rsae_${h.hash}` : key.type === "rsa-pss" ? `rsa_pss_pss_${h.hash}` : undefined)
  })
}

/**
 * The signature method an AlgorithmIdentifier names (RFC 5280 §4.1.1.2), or why it is not
 * supported (unknown OID, ECDSA with SHA-512, PSS parameters TLS would not use).
 *
 * @since 0.1.0
 */
export const signatureMethod = (alg: AlgorithmIdentifier): Result.Result<SignatureMethod, string> => {
  if (alg.algorithm === id_RSASSA_PSS) return pss(alg.parameters)
  const m = fixed[alg.algorithm]
  return m === undefined ? Result.fail(`unsupported signature algorithm ${alg.algorithm}`) : Result.succeed(m)
}

/** Something signed: the exact signed bytes, the algorithm and the signature (a certificate, CRL or OCSP response). @since 0.1.0 @category models */
export interface Signed {
  readonly tbs: Uint8Array
  readonly algorithm: AlgorithmIdentifier
  readonly signature: Uint8Array
}

/** Why a signature check failed: the algorithm is unsupported, or the signature is wrong. @since 0.1.0 @category models */
export type SignatureFailure =
  | { readonly _tag: "Unsupported"; readonly detail: string }
  | { readonly _tag: "Invalid"; readonly detail: string }

/**
 * Checks that `signed` was signed by `key` (RFC 5280 §6.1.3 (a)(1)) through the provider.
 * A key of the wrong type for the algorithm is `Invalid` (that issuer did not sign it).
 *
 * @since 0.1.0
 */
export const verifySigned = (crypto: CryptoProvider, signed: Signed, key: PublicKey): Result.Result<SignatureMethod, SignatureFailure> => {
  const method = signatureMethod(signed.algorithm)
  if (Result.isFailure(method)) return Result.fail({ _tag: "Unsupported", detail: method.failure })
  const scheme = method.success.scheme(key)
  if (scheme === undefined) return Result.fail({ _tag: "Invalid", detail: `${method.success.name} with a ${key.type} key` })
  return crypto.verify(scheme, key, signed.tbs, signed.signature)
    ? Result.succeed(method.success)
    : Result.fail({ _tag: "Invalid", detail: `${method.success.name} signature does not verify` })
}

/** The DER of an AlgorithmIdentifier, for comparing the inner and outer copies (RFC 5280 §4.1.1.2). @since 0.1.0 */
export const algorithmDer = (alg: AlgorithmIdentifier): Uint8Array => new Uint8Array(AsnConvert.serialize(alg))
