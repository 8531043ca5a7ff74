/**
 * X.509 certificates (RFC 5280) through `@peculiar/asn1-x509`: parsing a DER certificate
 * into the parts the handshake needs — the subject public key (to check a
 * CertificateVerify) and names for messages. Path validation lives beside it.
 *
 * @since 0.1.0
 */
import { AsnConvert } from "@peculiar/asn1-schema"
import { Certificate, Name } from "@peculiar/asn1-x509"
import * as Result from "effect/Result"
import { loadPublicKey } from "../crypto/keys.js"
import type { PublicKey } from "../crypto/provider.js"

/** A parsed certificate. @since 0.1.0 @category models */
export interface ParsedCertificate {
  readonly der: Uint8Array
  readonly cert: Certificate
  /** SubjectPublicKeyInfo DER. */
  readonly spki: Uint8Array
  readonly subject: string
  readonly issuer: string
}

/** Why a certificate could not be used. @since 0.1.0 @category errors */
export interface CertificateParseError {
  readonly _tag: "CertificateParseError"
  readonly detail: string
}

const oidNames: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "1.2.840.113549.1.9.1": "emailAddress",
  "0.9.2342.19200300.100.1.25": "DC"
}

/**
 * A distinguished name in OpenSSL's one-line form, `CN = a.test, O = Example` (RDNs in
 * order, as `openssl x509 -subject -nameopt oneline` prints without escaping).
 *
 * @since 0.1.0
 */
export const formatName = (name: Name): string =>
  name
    .map((rdn) =>
      rdn
        .map((atv) => {
          const key = oidNames[atv.type] ?? atv.type
          const v = atv.value
          const text = v.printableString ?? v.utf8String ?? v.ia5String ?? v.teletexString ?? v.universalString ?? v.bmpString ?? v.toString()
          return `${key} = ${text}`
        })
        .join(" + ")
    )
    .join(", ")

/**
 * Parses a DER certificate. Any structure `@peculiar/asn1-x509` refuses is an error, never
 * a throw.
 *
 * @since 0.1.0
 */
export const parseCertificate = (der: Uint8Array): Result.Result<ParsedCertificate, CertificateParseError> => {
  try {
    const cert = AsnConvert.parse(der, Certificate)
    const spki = new Uint8Array(AsnConvert.serialize(cert.tbsCertificate.subjectPublicKeyInfo))
    return Result.succeed({
      der,
      cert,
      spki,
      subject: formatName(cert.tbsCertificate.subject),
      issuer: formatName(cert.tbsCertificate.issuer)
    })
  } catch (e) {
    return Result.fail({ _tag: "CertificateParseError", detail: e instanceof Error ? e.message : String(e) })
  }
}

/**
 * The subject public key of a DER certificate, loaded for signature checks.
 *
 * @since 0.1.0
 */
export const certificatePublicKey = (der: Uint8Array): Result.Result<PublicKey, CertificateParseError> => {
  const parsed = parseCertificate(der)
  if (Result.isFailure(parsed)) return Result.fail(parsed.failure)
  const key = loadPublicKey(parsed.success.spki)
  return Result.isSuccess(key) ? Result.succeed(key.success) : Result.fail({ _tag: "CertificateParseError", detail: key.failure.message })
}
