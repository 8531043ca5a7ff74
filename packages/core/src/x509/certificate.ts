/**
 * X.509 certificates (RFC 5280 §4.1) through `@peculiar/asn1-x509`: parsing a DER
 * certificate into the parts the handshake and the path validator need — the signed bytes,
 * names (printed in OpenSSL's one-line form and in a canonical form for matching), the
 * validity window in milliseconds, the serial number, the subject public key and the
 * decoded extensions (`extensions.ts`).
 *
 * @since 0.1.0
 */
import { AsnConvert } from "@peculiar/asn1-schema"
import { Certificate } from "@peculiar/asn1-x509"
import * as Result from "effect/Result"
import { loadPublicKey } from "../crypto/keys.js"
import type { PublicKey } from "../crypto/provider.js"
import { decodeExtensions, type CertExtensions } from "./extensions.js"
import { formatName, nameKey } from "./names.js"

export { attributeText, commonNames, formatName, id_at_commonName, nameKey, nameKeyOfDer } from "./names.js"

/**
 * A parsed certificate (RFC 5280 §4.1): the library's structure plus the fields path
 * validation reads, decoded once.
 *
 * @since 0.1.0
 * @category models
 */
export interface ParsedCertificate {
  readonly der: Uint8Array
  readonly cert: Certificate
  /** SubjectPublicKeyInfo DER. */
  readonly spki: Uint8Array
  /** Subject in OpenSSL's one-line form (`CN = a.test, O = Example`). */
  readonly subject: string
  /** Issuer in OpenSSL's one-line form. */
  readonly issuer: string
  /** Subject and issuer in the canonical form names are compared in (RFC 5280 §7.1). */
  readonly subjectKey: string
  readonly issuerKey: string
  /** The DER of the subject Name (what certificate_authorities lists, RFC 8446 §4.2.4). */
  readonly subjectDer: Uint8Array
  /** The exact TBSCertificate bytes the issuer signed (RFC 5280 §4.1.1.3). */
  readonly tbs: Uint8Array
  /** The serial number's content octets (RFC 5280 §4.1.2.2). */
  readonly serial: Uint8Array
  /** Validity, in milliseconds since the epoch (RFC 5280 §4.1.2.5). */
  readonly notBefore: number
  readonly notAfter: number
  /** 1, 2 or 3 (RFC 5280 §4.1.2.1). */
  readonly version: number
  readonly extensions: CertExtensions
  /** Subject equals issuer (RFC 5280 §3.3 "self-issued"). */
  readonly selfIssued: boolean
}

/** Why a certificate could not be used. @since 0.1.0 @category errors */
export interface CertificateParseError {
  readonly _tag: "CertificateParseError"
  readonly detail: string
}

const parseError = (detail: string): CertificateParseError => ({ _tag: "CertificateParseError", detail })

const millis = (t: { getTime(): { getTime(): number } }): number => t.getTime().getTime()

/**
 * Parses a DER certificate (RFC 5280 §4.1). Any structure `@peculiar/asn1-x509` refuses,
 * an extension that does not decode or appears twice (§4.2), or trailing bytes, is an
 * error, never a throw.
 *
 * @since 0.1.0
 */
export const parseCertificate = (der: Uint8Array): Result.Result<ParsedCertificate, CertificateParseError> => {
  let cert: Certificate
  try {
    cert = AsnConvert.parse(der, Certificate)
  } catch (e) {
    return Result.fail(parseError(e instanceof Error ? e.message : String(e)))
  }
  try {
    const tbsCert = cert.tbsCertificate
    if (cert.tbsCertificateRaw === undefined) return Result.fail(parseError("no raw TBSCertificate"))
    // RFC 5280 §4.1: certificates are DER; as Go and Chromium do, anything that does not
    // re-encode to the same bytes (trailing data, BER lengths) is refused.
    if (!sameBytes(new Uint8Array(AsnConvert.serialize(cert)), der)) return Result.fail(parseError("not DER: trailing bytes or a non-canonical encoding"))
    const extensions = decodeExtensions(tbsCert.extensions ?? [])
    if (Result.isFailure(extensions)) return Result.fail(parseError(extensions.failure))
    const subjectKey = nameKey(tbsCert.subject)
    const issuerKey = nameKey(tbsCert.issuer)
    return Result.succeed({
      der,
      cert,
      spki: new Uint8Array(AsnConvert.serialize(tbsCert.subjectPublicKeyInfo)),
      subject: formatName(tbsCert.subject),
      issuer: formatName(tbsCert.issuer),
      subjectKey,
      issuerKey,
      subjectDer: new Uint8Array(AsnConvert.serialize(tbsCert.subject)),
      tbs: new Uint8Array(cert.tbsCertificateRaw),
      serial: new Uint8Array(tbsCert.serialNumber),
      notBefore: millis(tbsCert.validity.notBefore),
      notAfter: millis(tbsCert.validity.notAfter),
      version: tbsCert.version + 1,
      extensions: extensions.success,
      selfIssued: subjectKey === issuerKey
    })
  } catch (e) {
    return Result.fail(parseError(e instanceof Error ? e.message : String(e)))
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

/** Byte equality of two arrays (public data; not constant time). @since 0.1.0 */
export const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

// Transitional: the package index exports this module as `X509`; re-exporting the trust
// store here lets `@effect-tls/node` reach it until `X509` points at the x509 barrel.
export { loadTrustAnchors, loadTrustAnchorsLenient, mergeTrustAnchors, trustAnchors, type TrustAnchors } from "./trust.js"
