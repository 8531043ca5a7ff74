/**
 * Path building (RFC 4158's approach, RFC 5280 §6 for what a path is): from the leaf,
 * a depth-first search over issuer candidates drawn from the trust anchors, the rest of
 * the peer's (unordered) chain and the configured intermediates. Candidates are those whose
 * subject is the certificate's issuer, tried anchors first (OpenSSL's trusted-first), then
 * those whose subjectKeyIdentifier matches the authorityKeyIdentifier, then those valid at
 * the time given; an edge is followed only when the candidate's key verifies the signature.
 * Every complete path is validated; the first valid one wins, so a cross-signed
 * intermediate whose old root has expired still validates through the new root, and a
 * revoked path gives way to another. Bounded by the path length and by the number of
 * issuer candidates examined (work).
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import { type ParsedCertificate, sameBytes } from "./certificate.js"
import { type Ctx, edge } from "./context.js"
import { type ChainRejected, reject } from "./errors.js"
import type { RevocationNote } from "./revocation.js"
import { anchorFor } from "./trust.js"
import { validatePath } from "./validate.js"

/** A path that validated, leaf first and anchor last, with its revocation notes. @since 0.1.0 @category models */
export interface BuiltPath {
  readonly certificates: ReadonlyArray<ParsedCertificate>
  readonly revocation: ReadonlyArray<RevocationNote>
}

const byPreference = (ctx: Ctx, child: ParsedCertificate) => (a: ParsedCertificate, b: ParsedCertificate): number => {
  const score = (c: ParsedCertificate): number => {
    const akid = child.extensions.authorityKeyId
    const skid = c.extensions.subjectKeyId
    const idMatch = akid !== undefined && skid !== undefined && sameBytes(akid, skid) ? 2 : akid !== undefined && skid !== undefined ? 0 : 1
    const valid = ctx.now >= c.notBefore && ctx.now <= c.notAfter ? 1 : 0
    return idMatch * 2 + valid
  }
  return score(b) - score(a)
}

const issuersOf = (ctx: Ctx, child: ParsedCertificate, pool: ReadonlyArray<ParsedCertificate>, used: ReadonlyArray<ParsedCertificate>): ReadonlyArray<ParsedCertificate> => {
  const fresh = (c: ParsedCertificate) => !used.some((u) => sameBytes(u.der, c.der) || (u.subjectKey === c.subjectKey && sameBytes(u.spki, c.spki)))
  const anchors = (ctx.anchors.bySubject.get(child.issuerKey) ?? []).filter(fresh)
  const others = pool.filter((c) => c.subjectKey === child.issuerKey && fresh(c) && anchorFor(ctx.anchors, c) === undefined)
  return [...[...anchors].sort(byPreference(ctx, child)), ...[...others].sort(byPreference(ctx, child))]
}

/**
 * Builds and validates paths from `leaf` until one is valid. `pool` holds the untrusted
 * certificates (the rest of the peer's chain, then configured intermediates). The error of
 * a failure is the most informative one met: a complete path's validation failure, then a
 * bad signature, then a missing or untrusted issuer.
 *
 * @since 0.1.0
 */
export const buildPath = (ctx: Ctx, leaf: ParsedCertificate, pool: ReadonlyArray<ParsedCertificate>): Result.Result<BuiltPath, ChainRejected> => {
  let best: { readonly rank: number; readonly error: ChainRejected } | undefined
  const note = (rank: number, error: ChainRejected) => {
    if (best === undefined || rank > best.rank) best = { rank, error }
  }
  let found: BuiltPath | undefined
  let exhausted = false

  const search = (path: ReadonlyArray<ParsedCertificate>): void => {
    const current = path[path.length - 1]!
    const depth = path.length - 1
    const anchor = anchorFor(ctx.anchors, current)
    if (anchor !== undefined) {
      const complete = [...path.slice(0, -1), anchor]
      const checked = validatePath(ctx, complete)
      if (Result.isSuccess(checked)) found = { certificates: complete, revocation: checked.success }
      else note(3, checked.failure)
      return
    }
    if (path.length >= ctx.maxPathLength) {
      note(1, reject("PathTooLong", `no trust anchor within ${ctx.maxPathLength} certificates`, depth, current.subject))
      return
    }
    const candidates = issuersOf(ctx, current, pool, path)
    if (candidates.length === 0) {
      const selfSigned = current.selfIssued && Result.isSuccess(edge(ctx, current, current))
      note(
        selfSigned ? 1 : 0,
        selfSigned
          ? reject("UntrustedRoot", depth === 0 ? "self-signed certificate" : "self-signed certificate in certificate chain", depth, current.subject)
          : reject("UnknownIssuer", depth === 0 ? "unable to get local issuer certificate" : "unable to get issuer certificate", depth, current.subject)
      )
      return
    }
    for (const issuer of candidates) {
      // Every edge examined counts, cached or not: k copies of a certificate at each of d
      // levels make k^d paths even when the signatures are checked only once.
      if (ctx.work.count >= ctx.maxWork) {
        exhausted = true
        return
      }
      ctx.work.count++
      const signature = edge(ctx, current, issuer)
      if (Result.isFailure(signature)) {
        const reason = signature.failure._tag === "Unsupported" ? "UnsupportedAlgorithm" : "BadSignature"
        note(2, reject(reason, `${signature.failure.detail} (issuer ${issuer.subject})`, depth, current.subject))
        continue
      }
      search([...path, issuer])
      if (found !== undefined || exhausted) return
    }
  }

  search([leaf])
  if (found !== undefined) return Result.succeed(found)
  if (exhausted && (best === undefined || best.rank < 3)) return Result.fail(reject("TooMuchWork", `path building stopped after examining ${ctx.maxWork} issuer candidates`, 0, leaf.subject))
  return Result.fail(best!.error)
}
