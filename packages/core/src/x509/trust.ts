/**
 * Trust anchors (RFC 5280 §6.1.1 (d)): an explicit set of certificates whose subject and
 * key are trusted. A certificate in a peer's chain is "the anchor" when its subject and
 * subjectPublicKeyInfo equal an anchor's — so a served copy of a root, or the same root
 * cross-signed by another, ends the path at the configured anchor. Node's
 * `tls.rootCertificates` and PEM bundle files are loaded into this type by
 * `@effect-tls/node`'s `trust.ts`.
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import { type CertificateParseError, type ParsedCertificate, sameBytes } from "./certificate.js"
import { type DerOrPem, loadCertificates } from "./pem.js"

/**
 * A set of trust anchors, indexed by subject (canonical form).
 *
 * @since 0.1.0
 * @category models
 */
export interface TrustAnchors {
  readonly _tag: "TrustAnchors"
  readonly certificates: ReadonlyArray<ParsedCertificate>
  readonly bySubject: ReadonlyMap<string, ReadonlyArray<ParsedCertificate>>
}

/**
 * A trust store from parsed certificates (duplicates, by DER, are kept once).
 *
 * @since 0.1.0
 * @category constructors
 */
export const trustAnchors = (certificates: Iterable<ParsedCertificate>): TrustAnchors => {
  const list: Array<ParsedCertificate> = []
  const bySubject = new Map<string, Array<ParsedCertificate>>()
  for (const c of certificates) {
    const same = bySubject.get(c.subjectKey) ?? []
    if (same.some((o) => sameBytes(o.der, c.der))) continue
    same.push(c)
    bySubject.set(c.subjectKey, same)
    list.push(c)
  }
  return { _tag: "TrustAnchors", certificates: list, bySubject }
}

/**
 * A trust store from DER certificates or PEM texts (each may hold many certificates).
 * Fails on the first input that does not parse.
 *
 * @since 0.1.0
 * @category constructors
 */
export const loadTrustAnchors = (inputs: ReadonlyArray<DerOrPem>): Result.Result<TrustAnchors, CertificateParseError> => {
  const all: Array<ParsedCertificate> = []
  for (const input of inputs) {
    const certs = loadCertificates(input)
    if (Result.isFailure(certs)) return Result.fail(certs.failure)
    all.push(...certs.success)
  }
  return Result.succeed(trustAnchors(all))
}

/**
 * Like `loadTrustAnchors`, but skips certificates that do not parse and reports them — for
 * system bundles, where one odd certificate should not disable all the others.
 *
 * @since 0.1.0
 * @category constructors
 */
export const loadTrustAnchorsLenient = (
  inputs: ReadonlyArray<DerOrPem>
): { readonly anchors: TrustAnchors; readonly skipped: ReadonlyArray<string> } => {
  const all: Array<ParsedCertificate> = []
  const skipped: Array<string> = []
  for (const [i, input] of inputs.entries()) {
    const certs = loadCertificates(input)
    if (Result.isFailure(certs)) skipped.push(`input ${i}: ${certs.failure.detail}`)
    else all.push(...certs.success)
  }
  return { anchors: trustAnchors(all), skipped }
}

/** Merges trust stores. @since 0.1.0 @category constructors */
export const mergeTrustAnchors = (...stores: ReadonlyArray<TrustAnchors>): TrustAnchors => trustAnchors(stores.flatMap((s) => s.certificates))

/**
 * The anchor `cert` stands for — same subject and same subjectPublicKeyInfo — or
 * `undefined` (RFC 5280 §6.1.1 (d): a trust anchor is a name and a key).
 *
 * @since 0.1.0
 */
export const anchorFor = (store: TrustAnchors, cert: ParsedCertificate): ParsedCertificate | undefined =>
  store.bySubject.get(cert.subjectKey)?.find((a) => sameBytes(a.spki, cert.spki))
