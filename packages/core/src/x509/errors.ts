/**
 * The one error of certificate validation: `ChainRejected` names the reason, the
 * certificate that failed (its subject in OpenSSL's one-line form and its depth, 0 = the
 * leaf) and the TLS alert `../shared/alerts.md` picks for it (RFC 8446 §6.2; RFC 6066 §8
 * for an unsatisfactory stapled OCSP response).
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"

/**
 * Why a chain was rejected. Each reason maps to exactly one alert (`alertForReason`).
 *
 * @since 0.1.0
 * @category errors
 */
export type RejectReason =
  /** No certificate at all. */
  | "EmptyChain"
  /** A certificate does not parse, or is not DER (RFC 5280 §4.1). */
  | "Malformed"
  /** No path reaches a trust anchor (RFC 5280 §6.1): the issuer is nowhere to be found. */
  | "UnknownIssuer"
  /** The path ends in a self-signed certificate that is not a trust anchor. */
  | "UntrustedRoot"
  /** A signature in the chain does not verify (RFC 5280 §6.1.3 (a)(1)). */
  | "BadSignature"
  /** Outside the validity window at the given time (RFC 5280 §6.1.3 (a)(2)). */
  | "Expired"
  | "NotYetValid"
  /** An issuing certificate without basicConstraints cA (RFC 5280 §6.1.4 (k)). */
  | "NotCA"
  /** pathLenConstraint exceeded (RFC 5280 §6.1.4 (l), (m)). */
  | "PathLength"
  /** keyUsage forbids the use (RFC 5280 §4.2.1.3, §6.1.4 (n)). */
  | "KeyUsage"
  /** extendedKeyUsage does not allow serverAuth / clientAuth (RFC 5280 §4.2.1.12). */
  | "ExtendedKeyUsage"
  /** A name outside a permitted subtree or inside an excluded one (RFC 5280 §4.2.1.10). */
  | "NameConstraints"
  /** A critical extension we do not process (RFC 5280 §4.2). */
  | "UnknownCriticalExtension"
  /** An RSA key under the minimum size. */
  | "WeakKey"
  /** A SHA-1 signature on a certificate that is not a trust anchor. */
  | "WeakSignature"
  /** A signature or key algorithm we do not implement. */
  | "UnsupportedAlgorithm"
  /** The server name is not among the certificate's identifiers (RFC 9525 §6). */
  | "HostnameMismatch"
  /** Revoked by a CRL or a stapled OCSP response (RFC 5280 §6.3, RFC 6960 §2.2). */
  | "Revoked"
  /** Hard-fail revocation policy and no usable status for a certificate. */
  | "RevocationUnknown"
  /** Hard-fail revocation policy and a stapled OCSP response that is not satisfactory (RFC 6066 §8). */
  | "BadOcspResponse"
  /** The path would exceed the configured length, or building exceeded its work bound. */
  | "PathTooLong"
  | "TooMuchWork"

/** The alerts a rejected chain is answered with (RFC 8446 §6.2, RFC 6066 §8). @since 0.1.0 @category errors */
export type ChainAlert =
  | "bad_certificate"
  | "unsupported_certificate"
  | "certificate_revoked"
  | "certificate_expired"
  | "certificate_unknown"
  | "unknown_ca"
  | "bad_certificate_status_response"

/**
 * The alert for each reason, after `../shared/alerts.md`: unknown or untrusted root →
 * `unknown_ca`; expired or not yet valid → `certificate_expired`; revoked →
 * `certificate_revoked`; a type, key usage or EKU that cannot serve → `unsupported_certificate`;
 * does not parse, bad signature, host name mismatch → `bad_certificate`. Where the table is
 * silent, as OpenSSL's `ssl_x509err2alert` does: an issuer that is not a CA → `unknown_ca`;
 * pathLen and name constraints → `bad_certificate`; no
 * revocation status under hard-fail → `certificate_unknown` (RFC 8446 §6.2 "some other
 * issue"); an unsatisfactory stapled OCSP response → `bad_certificate_status_response`
 * (RFC 6066 §8: "abort the handshake ... with bad_certificate_status_response(113)").
 *
 * @since 0.1.0
 */
export const alertForReason: Readonly<Record<RejectReason, ChainAlert>> = {
  EmptyChain: "bad_certificate",
  Malformed: "bad_certificate",
  UnknownIssuer: "unknown_ca",
  UntrustedRoot: "unknown_ca",
  BadSignature: "bad_certificate",
  Expired: "certificate_expired",
  NotYetValid: "certificate_expired",
  NotCA: "unknown_ca",
  PathLength: "bad_certificate",
  KeyUsage: "unsupported_certificate",
  ExtendedKeyUsage: "unsupported_certificate",
  NameConstraints: "bad_certificate",
  UnknownCriticalExtension: "unsupported_certificate",
  WeakKey: "unsupported_certificate",
  WeakSignature: "unsupported_certificate",
  UnsupportedAlgorithm: "unsupported_certificate",
  HostnameMismatch: "bad_certificate",
  Revoked: "certificate_revoked",
  RevocationUnknown: "certificate_unknown",
  BadOcspResponse: "bad_certificate_status_response",
  PathTooLong: "unknown_ca",
  TooMuchWork: "unknown_ca"
}

/**
 * A certificate chain that failed validation: the reason, the alert to send, a sentence,
 * and the failing certificate's subject (OpenSSL one-line form) and depth (0 = leaf, as
 * `openssl verify` counts).
 *
 * @since 0.1.0
 * @category errors
 */
export class ChainRejected extends Data.TaggedError("ChainRejected")<{
  readonly reason: RejectReason
  readonly alert: ChainAlert
  readonly detail: string
  readonly depth: number
  readonly subject: string
}> {
  override get message(): string {
    return `${this.reason} at depth ${this.depth} (${this.subject}): ${this.detail} [${this.alert}]`
  }
}

/** Builds a `ChainRejected` with the alert its reason maps to. @since 0.1.0 @category constructors */
export const reject = (reason: RejectReason, detail: string, depth: number, subject: string): ChainRejected =>
  new ChainRejected({ reason, alert: alertForReason[reason], detail, depth, subject })
