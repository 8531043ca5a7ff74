/**
 * Revocation checking of a validated path under a policy (RFC 5280 §6.3 for CRLs, RFC 6960
 * for stapled OCSP responses, RFC 6066 §8 for what a bad staple means):
 *
 * - `off`: nothing is consulted.
 * - `soft-fail` (default): a CRL or staple that says "revoked" rejects; missing, stale or
 *   unverifiable evidence is noted and ignored.
 * - `hard-fail`: in addition, every certificate in scope (the leaf, or every certificate
 *   below the anchor) needs a "good" answer from a usable CRL or staple
 *   (`certificate_unknown` otherwise), and a stapled response that is not satisfactory is
 *   `bad_certificate_status_response` (RFC 6066 §8: "MUST check the OCSP response and abort
 *   the handshake if the response is not satisfactory").
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import { type ParsedCertificate, sameBytes } from "./certificate.js"
import { type Ctx, keyOf } from "./context.js"
import { crlStatus, type StatusAnswer } from "./crl.js"
import { type ChainRejected, reject } from "./errors.js"
import { ocspStatus } from "./ocsp.js"

/** What revocation checking found for one certificate of an accepted path. @since 0.1.0 @category models */
export interface RevocationNote {
  readonly depth: number
  readonly status: "good" | "unknown" | "not-checked"
  /** `CRL` or `OCSP` for a good status. */
  readonly source?: string | undefined
  /** Why the status is unknown (soft-fail), when it is. */
  readonly detail?: string | undefined
}

/**
 * Applies the revocation policy to a path (leaf first, anchor last; the anchor is never
 * checked). Returns the per-certificate notes, or the rejection.
 *
 * @since 0.1.0
 */
export const checkRevocation = (ctx: Ctx, path: ReadonlyArray<ParsedCertificate>): Result.Result<ReadonlyArray<RevocationNote>, ChainRejected> => {
  const notes: Array<RevocationNote> = []
  if (ctx.revocation === "off") return Result.succeed(path.slice(0, -1).map((_, depth) => ({ depth, status: "not-checked" as const })))
  for (let d = 0; d < path.length - 1; d++) {
    const cert = path[d]!
    const issuer = path[d + 1]!
    const issuerKey = keyOf(ctx, issuer)
    if (Result.isFailure(issuerKey)) return Result.fail(reject("UnsupportedAlgorithm", issuerKey.failure, d + 1, issuer.subject))
    const answers: Array<StatusAnswer> = ctx.crls.map((crl) => crlStatus(ctx.crypto, crl, cert, issuer, issuerKey.success, ctx.now))
    let stapleProblem: string | undefined
    for (const staple of ctx.staples) {
      if (!sameBytes(staple.cert, cert.der)) continue
      if (typeof staple.response === "string") {
        stapleProblem = staple.response
        continue
      }
      const answer = ocspStatus(ctx.crypto, staple.response, cert, issuer, issuerKey.success, ctx.now, ctx.ocspFreshness)
      if (answer._tag === "Unusable") stapleProblem = answer.detail
      else if (answer._tag === "NotApplicable") stapleProblem = "the stapled OCSP response is about another certificate"
      answers.push(answer)
    }
    const revoked = answers.find((a) => a._tag === "Revoked")
    if (revoked !== undefined) return Result.fail(reject("Revoked", `certificate revoked (${revoked._tag === "Revoked" ? revoked.source : ""})`, d, cert.subject))
    const good = answers.find((a) => a._tag === "Good")
    const unusable = answers.flatMap((a) => (a._tag === "Unusable" ? [a.detail] : []))
    const inScope = ctx.revocationScope === "chain" || d === 0
    if (ctx.revocation === "hard-fail") {
      if (stapleProblem !== undefined) return Result.fail(reject("BadOcspResponse", stapleProblem, d, cert.subject))
      if (inScope && good === undefined)
        return Result.fail(reject("RevocationUnknown", unusable.length > 0 ? `no usable revocation status: ${unusable.join("; ")}` : "no CRL or OCSP response for the certificate", d, cert.subject))
    }
    notes.push(
      good !== undefined && good._tag === "Good"
        ? { depth: d, status: "good", source: good.source }
        : { depth: d, status: "unknown", detail: [...unusable, ...(stapleProblem !== undefined && !unusable.includes(stapleProblem) ? [stapleProblem] : [])].join("; ") || "no CRL or OCSP response" }
    )
  }
  return Result.succeed(notes)
}
