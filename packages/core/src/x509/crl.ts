/**
 * Certificate revocation lists (RFC 5280 §5) supplied in the configuration: parsing, and the
 * status one CRL gives one certificate (RFC 5280 §6.3.3, the subset for complete CRLs
 * issued by the certificate's own issuer). Indirect, partitioned and delta CRLs are
 * recognised and treated as unusable — the status stays unknown, never "good".
 *
 * @since 0.1.0
 */
import { AsnConvert } from "@peculiar/asn1-schema"
import { CertificateList, IssuingDistributionPoint } from "@peculiar/asn1-x509"
import * as Result from "effect/Result"
import type { CryptoProvider, PublicKey } from "../crypto/provider.js"
import { type CertificateParseError, type ParsedCertificate, sameBytes } from "./certificate.js"
import { formatName, nameKey } from "./names.js"
import { type DerOrPem, derBlocks } from "./pem.js"
import { algorithmDer, verifySigned } from "./signature.js"

/** A parsed CRL (RFC 5280 §5.1). @since 0.1.0 @category models */
export interface ParsedCrl {
  readonly der: Uint8Array
  readonly crl: CertificateList
  /** Issuer in OpenSSL's one-line form and in canonical form. */
  readonly issuer: string
  readonly issuerKey: string
  /** thisUpdate / nextUpdate in milliseconds (RFC 5280 §5.1.2.4, §5.1.2.5). */
  readonly thisUpdate: number
  readonly nextUpdate?: number | undefined
  /** Revoked serial numbers (hex of the INTEGER content, leading zeros stripped). */
  readonly revoked: ReadonlySet<string>
  /** Scope from issuingDistributionPoint (RFC 5280 §5.2.5). */
  readonly onlyUserCerts: boolean
  readonly onlyCaCerts: boolean
  /** Why this CRL cannot give a complete answer, when it cannot (indirect, partitioned, delta, unknown critical extension). */
  readonly unusable?: string | undefined
}

/** Hex of an INTEGER's content octets without leading zero bytes: the key serial numbers are compared by. @since 0.1.0 */
export const serialHex = (serial: Uint8Array): string => {
  let i = 0
  while (i < serial.length - 1 && serial[i] === 0) i++
  let out = ""
  for (let j = i; j < serial.length; j++) out += serial[j]!.toString(16).padStart(2, "0")
  return out
}

const id_ce_issuingDistributionPoint = "2.5.29.28"
const id_ce_deltaCRLIndicator = "2.5.29.27"
const id_ce_certificateIssuer = "2.5.29.29"
const knownCrlExtensions = new Set(["2.5.29.20", "2.5.29.35", id_ce_issuingDistributionPoint, "2.5.29.46", "1.3.6.1.5.5.7.1.1"])
const knownEntryExtensions = new Set(["2.5.29.21", "2.5.29.24"])

const fail = (detail: string): Result.Result<never, CertificateParseError> => Result.fail({ _tag: "CertificateParseError", detail })

/**
 * Parses one DER CRL (RFC 5280 §5.1). Outer and inner signature algorithms must agree
 * (§5.1.1.2).
 *
 * @since 0.1.0
 */
export const parseCrl = (der: Uint8Array): Result.Result<ParsedCrl, CertificateParseError> => {
  try {
    const crl = AsnConvert.parse(der, CertificateList)
    const tbs = crl.tbsCertList
    if (!sameBytes(algorithmDer(tbs.signature), algorithmDer(crl.signatureAlgorithm))) return fail("CRL signature algorithms differ")
    let unusable: string | undefined
    let onlyUserCerts = false
    let onlyCaCerts = false
    for (const ext of tbs.crlExtensions ?? []) {
      if (ext.extnID === id_ce_deltaCRLIndicator) unusable = "delta CRL"
      else if (ext.extnID === id_ce_issuingDistributionPoint) {
        const idp = AsnConvert.parse(ext.extnValue.buffer, IssuingDistributionPoint)
        if (idp.indirectCRL) unusable = "indirect CRL"
        else if (idp.onlySomeReasons !== undefined || idp.distributionPoint !== undefined) unusable = "partitioned CRL"
        else if (idp.onlyContainsAttributeCerts) unusable = "attribute-certificate CRL"
        onlyUserCerts = idp.onlyContainsUserCerts
        onlyCaCerts = idp.onlyContainsCACerts
      } else if (ext.critical && !knownCrlExtensions.has(ext.extnID)) unusable = `unknown critical CRL extension ${ext.extnID}`
    }
    const revoked = new Set<string>()
    for (const entry of tbs.revokedCertificates ?? []) {
      for (const ext of entry.crlEntryExtensions ?? []) {
        if (ext.extnID === id_ce_certificateIssuer) unusable = "indirect CRL entry"
        else if (ext.critical && !knownEntryExtensions.has(ext.extnID)) unusable = `unknown critical CRL entry extension ${ext.extnID}`
      }
      revoked.add(serialHex(new Uint8Array(entry.userCertificate)))
    }
    return Result.succeed({
      der,
      crl,
      issuer: formatName(tbs.issuer),
      issuerKey: nameKey(tbs.issuer),
      thisUpdate: tbs.thisUpdate.getTime().getTime(),
      nextUpdate: tbs.nextUpdate?.getTime().getTime(),
      revoked,
      onlyUserCerts,
      onlyCaCerts,
      unusable
    })
  } catch (e) {
    return fail(`CRL does not parse: ${e instanceof Error ? e.message : String(e)}`)
  }
}

/**
 * Every CRL in PEM text ("X509 CRL" blocks, RFC 7468 §6) or one DER CRL.
 *
 * @since 0.1.0
 * @category constructors
 */
export const loadCrls = (input: DerOrPem): Result.Result<ReadonlyArray<ParsedCrl>, CertificateParseError> => {
  const ders = derBlocks(input, "X509 CRL")
  if (Result.isFailure(ders)) return Result.fail(ders.failure)
  const out: Array<ParsedCrl> = []
  for (const der of ders.success) {
    const crl = parseCrl(der)
    if (Result.isFailure(crl)) return Result.fail(crl.failure)
    out.push(crl.success)
  }
  return Result.succeed(out)
}

/** What one source says about one certificate's revocation. @since 0.1.0 @category models */
export type StatusAnswer =
  | { readonly _tag: "Good"; readonly source: string }
  | { readonly _tag: "Revoked"; readonly source: string }
  /** The source does not apply to this certificate (another issuer, out of scope). */
  | { readonly _tag: "NotApplicable" }
  /** The source applies but cannot be relied on (stale, bad signature, partial). */
  | { readonly _tag: "Unusable"; readonly detail: string }

/**
 * The status a CRL gives `cert`, issued by `issuer` whose key is `issuerKey` (RFC 5280
 * §6.3.3): the CRL must name the same issuer, be signed by its key (with cRLSign when
 * keyUsage is present, §4.2.1.3) and be current at `now` (thisUpdate ≤ now ≤ nextUpdate).
 *
 * @since 0.1.0
 */
export const crlStatus = (
  crypto: CryptoProvider,
  crl: ParsedCrl,
  cert: ParsedCertificate,
  issuer: ParsedCertificate,
  issuerKey: PublicKey,
  now: number
): StatusAnswer => {
  if (crl.issuerKey !== cert.issuerKey) return { _tag: "NotApplicable" }
  const isCa = cert.extensions.basicConstraints?.ca === true
  if ((crl.onlyUserCerts && isCa) || (crl.onlyCaCerts && !isCa)) return { _tag: "NotApplicable" }
  const signed = { tbs: new Uint8Array(crl.crl.tbsCertListRaw ?? new ArrayBuffer(0)), algorithm: crl.crl.signatureAlgorithm, signature: new Uint8Array(crl.crl.signature) }
  if (Result.isFailure(verifySigned(crypto, signed, issuerKey))) return { _tag: "NotApplicable" }
  if (issuer.extensions.keyUsage !== undefined && !issuer.extensions.keyUsage.has("cRLSign")) return { _tag: "Unusable", detail: "the CRL issuer lacks the cRLSign key usage" }
  // A CRL the issuer signed that lists the serial is decisive, even when stale or partial.
  if (crl.revoked.has(serialHex(cert.serial))) return { _tag: "Revoked", source: "CRL" }
  if (crl.unusable !== undefined) return { _tag: "Unusable", detail: crl.unusable }
  if (crl.thisUpdate > now) return { _tag: "Unusable", detail: "CRL is not yet valid" }
  if (crl.nextUpdate !== undefined && crl.nextUpdate < now) return { _tag: "Unusable", detail: "CRL has expired" }
  return { _tag: "Good", source: "CRL" }
}
