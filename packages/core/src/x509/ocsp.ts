/**
 * Stapled OCSP responses (RFC 6960; delivered by `status_request`, RFC 6066 §8 in TLS 1.2
 * and in the Certificate entry in TLS 1.3, RFC 8446 §4.4.2.1): parsing through
 * `@peculiar/asn1-ocsp`, and the status one response gives one certificate — matched by
 * CertID (§4.1.1), signed by the issuer or by a responder the issuer delegated with
 * id-kp-OCSPSigning (§4.2.2.2), and fresh at the time passed in (§4.2.2.1).
 *
 * @since 0.1.0
 */
import { BasicOCSPResponse, id_pkix_ocsp_basic, OCSPResponse, OCSPResponseStatus, type SingleResponse } from "@peculiar/asn1-ocsp"
import { AsnConvert } from "@peculiar/asn1-schema"
import * as Result from "effect/Result"
import { loadPublicKey } from "../crypto/keys.js"
import type { CryptoProvider, HashAlgorithm, PublicKey } from "../crypto/provider.js"
import { type CertificateParseError, parseCertificate, type ParsedCertificate, sameBytes } from "./certificate.js"
import type { StatusAnswer } from "./crl.js"
import { serialHex } from "./crl.js"
import { Eku } from "./extensions.js"
import { nameKey } from "./names.js"
import { verifySigned } from "./signature.js"

/** A parsed OCSP response (RFC 6960 §4.2.1). @since 0.1.0 @category models */
export interface ParsedOcspResponse {
  readonly der: Uint8Array
  /** responseStatus; only `successful` responses carry a BasicOCSPResponse. */
  readonly status: OCSPResponseStatus
  readonly basic?: BasicOCSPResponse | undefined
  /** Certificates the responder included (a delegated responder's certificate, §4.2.1). */
  readonly certs: ReadonlyArray<ParsedCertificate>
}

/** Freshness bounds for OCSP responses (RFC 6960 §4.2.2.1, §3.2 items 5–6). @since 0.1.0 @category models */
export interface OcspFreshness {
  /** Clock skew tolerated on thisUpdate / nextUpdate, in milliseconds (default 5 minutes). */
  readonly skew?: number | undefined
  /** Largest age of a response without nextUpdate, in milliseconds (default 7 days). */
  readonly maxAge?: number | undefined
}

const fail = (detail: string): Result.Result<never, CertificateParseError> => Result.fail({ _tag: "CertificateParseError", detail })

/**
 * Parses a DER OCSPResponse (RFC 6960 §4.2.1). A non-successful responseStatus parses
 * (it is judged unusable later); a successful one must be a BasicOCSPResponse.
 *
 * @since 0.1.0
 */
export const parseOcspResponse = (der: Uint8Array): Result.Result<ParsedOcspResponse, CertificateParseError> => {
  try {
    const response = AsnConvert.parse(der, OCSPResponse)
    if (response.responseStatus !== OCSPResponseStatus.successful) return Result.succeed({ der, status: response.responseStatus, certs: [] })
    if (response.responseBytes === undefined) return fail("successful OCSP response without responseBytes")
    if (response.responseBytes.responseType !== id_pkix_ocsp_basic) return fail(`OCSP response type ${response.responseBytes.responseType}`)
    const basic = AsnConvert.parse(response.responseBytes.response.buffer, BasicOCSPResponse)
    const certs: Array<ParsedCertificate> = []
    for (const c of basic.certs ?? []) {
      const parsed = parseCertificate(new Uint8Array(AsnConvert.serialize(c)))
      if (Result.isFailure(parsed)) return fail(`OCSP responder certificate: ${parsed.failure.detail}`)
      certs.push(parsed.success)
    }
    return Result.succeed({ der, status: response.responseStatus, basic, certs })
  } catch (e) {
    return fail(`OCSP response does not parse: ${e instanceof Error ? e.message : String(e)}`)
  }
}

const hashByOid: Readonly<Record<string, HashAlgorithm>> = {
  "1.3.14.3.2.26": "sha1",
  "2.16.840.1.101.3.4.2.1": "sha256",
  "2.16.840.1.101.3.4.2.2": "sha384",
  "2.16.840.1.101.3.4.2.3": "sha512"
}

const keyBits = (cert: ParsedCertificate): Uint8Array => new Uint8Array(cert.cert.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey)

/** The SingleResponse whose CertID names `cert` issued by `issuer` (RFC 6960 §4.1.1). */
const findSingle = (crypto: CryptoProvider, basic: BasicOCSPResponse, cert: ParsedCertificate, issuer: ParsedCertificate): SingleResponse | undefined =>
  basic.tbsResponseData.responses.find((r) => {
    const hash = hashByOid[r.certID.hashAlgorithm.algorithm]
    if (hash === undefined) return false
    return (
      serialHex(new Uint8Array(r.certID.serialNumber)) === serialHex(cert.serial) &&
      sameBytes(new Uint8Array(r.certID.issuerNameHash.buffer), crypto.hash(hash, issuer.subjectDer)) &&
      sameBytes(new Uint8Array(r.certID.issuerKeyHash.buffer), crypto.hash(hash, keyBits(issuer)))
    )
  })

/** Whether the ResponderID (§4.2.2.3) names `cert`: by name, or by the SHA-1 of its key. */
const namesResponder = (crypto: CryptoProvider, basic: BasicOCSPResponse, cert: ParsedCertificate): boolean => {
  const id = basic.tbsResponseData.responderID
  if (id.byName !== undefined) return nameKey(id.byName) === cert.subjectKey
  if (id.byKey !== undefined) return sameBytes(new Uint8Array(id.byKey.buffer), crypto.hash("sha1", keyBits(cert)))
  return false
}

const signedBy = (crypto: CryptoProvider, basic: BasicOCSPResponse, key: PublicKey): boolean =>
  Result.isSuccess(
    verifySigned(crypto, { tbs: new Uint8Array(basic.tbsResponseDataRaw ?? new ArrayBuffer(0)), algorithm: basic.signatureAlgorithm, signature: new Uint8Array(basic.signature) }, key)
  )

/**
 * Who signed the response (RFC 6960 §4.2.2.2): the issuer itself, or a certificate in the
 * response that the issuer signed, that carries id-kp-OCSPSigning and is valid at `now`.
 * `undefined` names the failure.
 */
const checkResponder = (
  crypto: CryptoProvider,
  response: ParsedOcspResponse & { readonly basic: BasicOCSPResponse },
  issuer: ParsedCertificate,
  issuerKey: PublicKey,
  now: number
): string | undefined => {
  const basic = response.basic
  if (namesResponder(crypto, basic, issuer)) return signedBy(crypto, basic, issuerKey) ? undefined : "the OCSP response signature does not verify with the issuer's key"
  const delegate = response.certs.find((c) => namesResponder(crypto, basic, c))
  if (delegate === undefined) return "the OCSP responder is neither the issuer nor a certificate in the response"
  if (delegate.issuerKey !== issuer.subjectKey || Result.isFailure(verifySigned(crypto, { tbs: delegate.tbs, algorithm: delegate.cert.signatureAlgorithm, signature: new Uint8Array(delegate.cert.signatureValue) }, issuerKey)))
    return `the OCSP responder ${delegate.subject} was not issued by the certificate's issuer`
  if (!(delegate.extensions.extendedKeyUsage ?? []).includes(Eku.ocspSigning)) return `the OCSP responder ${delegate.subject} lacks id-kp-OCSPSigning`
  if (now < delegate.notBefore || now > delegate.notAfter) return `the OCSP responder certificate ${delegate.subject} is not valid now`
  const key = loadPublicKey(delegate.spki)
  if (Result.isFailure(key)) return `the OCSP responder key does not load: ${key.failure.message}`
  return signedBy(crypto, basic, key.success) ? undefined : "the OCSP response signature does not verify with the responder's key"
}

/**
 * The status a stapled OCSP response gives `cert` issued by `issuer` (RFC 6960 §3.2): a
 * `revoked` answer is `Revoked`, `good` is `Good`; a response about another certificate is
 * `NotApplicable`; anything unreliable (not successful, unknown status, wrong signer, stale,
 * not yet valid) is `Unusable` with the reason.
 *
 * @since 0.1.0
 */
export const ocspStatus = (
  crypto: CryptoProvider,
  response: ParsedOcspResponse,
  cert: ParsedCertificate,
  issuer: ParsedCertificate,
  issuerKey: PublicKey,
  now: number,
  freshness: OcspFreshness = {}
): StatusAnswer => {
  if (response.basic === undefined) return { _tag: "Unusable", detail: `OCSP responseStatus ${OCSPResponseStatus[response.status] ?? response.status}` }
  const basic = response.basic
  const single = findSingle(crypto, basic, cert, issuer)
  if (single === undefined) return { _tag: "NotApplicable" }
  const signer = checkResponder(crypto, { ...response, basic }, issuer, issuerKey, now)
  if (signer !== undefined) return { _tag: "Unusable", detail: signer }
  const skew = freshness.skew ?? 5 * 60_000
  const thisUpdate = single.thisUpdate.getTime()
  if (thisUpdate > now + skew) return { _tag: "Unusable", detail: "the OCSP response is not yet valid (thisUpdate in the future)" }
  if (single.nextUpdate !== undefined) {
    if (single.nextUpdate.getTime() < now - skew) return { _tag: "Unusable", detail: "the OCSP response is stale (nextUpdate has passed)" }
  } else if (thisUpdate < now - (freshness.maxAge ?? 7 * 86_400_000)) return { _tag: "Unusable", detail: "the OCSP response is too old (no nextUpdate)" }
  if (single.certStatus.revoked !== undefined) return { _tag: "Revoked", source: "OCSP" }
  if (single.certStatus.good !== undefined) return { _tag: "Good", source: "OCSP" }
  return { _tag: "Unusable", detail: "the OCSP responder does not know the certificate" }
}
