/**
 * Validation of one candidate path, leaf first and trust anchor last (RFC 5280 §6.1, the
 * subset browsers and OpenSSL enforce): unknown critical extensions (§4.2), basicConstraints
 * and pathLenConstraint (§6.1.4 (k)–(m)), keyUsage (§4.2.1.3, §6.1.4 (n)), extendedKeyUsage
 * by role (§4.2.1.12, applied to intermediates as well, as OpenSSL and browsers do), weak
 * keys and SHA-1 signatures, name constraints (§4.2.1.10), validity at the time passed in
 * (§6.1.3 (a)(2)) and, last, revocation (`revocation.ts`). Signatures were checked while
 * the path was built (`path.ts`).
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import { type ParsedCertificate, sameBytes } from "./certificate.js"
import { type Ctx, edge, keyOf } from "./context.js"
import { type ChainRejected, reject } from "./errors.js"
import { Eku } from "./extensions.js"
import { violation } from "./name-constraints.js"
import { checkRevocation, type RevocationNote } from "./revocation.js"
import { algorithmDer } from "./signature.js"

const structure = (ctx: Ctx, path: ReadonlyArray<ParsedCertificate>): ChainRejected | undefined => {
  const top = path.length - 1
  const purpose = ctx.role === "server" ? Eku.serverAuth : Eku.clientAuth
  for (let d = 0; d <= top; d++) {
    const c = path[d]!
    const fail = (reason: Parameters<typeof reject>[0], detail: string) => reject(reason, detail, d, c.subject)
    if (c.extensions.unknownCritical.length > 0) return fail("UnknownCriticalExtension", `unhandled critical extension ${c.extensions.unknownCritical.join(", ")}`)
    if (d < top && !sameBytes(algorithmDer(c.cert.tbsCertificate.signature), algorithmDer(c.cert.signatureAlgorithm)))
      return fail("Malformed", "signature algorithm differs between TBSCertificate and Certificate (RFC 5280 §4.1.1.2)")
    const bc = c.extensions.basicConstraints
    const ku = c.extensions.keyUsage
    const eku = c.extensions.extendedKeyUsage
    if (d > 0) {
      // §6.1.4 (k): "verify that the certificate is a CA certificate"; a v1 trust anchor is accepted as one.
      const isAnchorV1 = d === top && c.version < 3 && bc === undefined
      if (!isAnchorV1 && bc?.ca !== true) return fail("NotCA", "issuer certificate is not a CA (basicConstraints cA is not set)")
      // §6.1.4 (n): "If a key usage extension is present, verify that the keyCertSign bit is set."
      if (ku !== undefined && !ku.has("keyCertSign")) return fail("KeyUsage", "issuer certificate's keyUsage lacks keyCertSign")
      // §6.1.4 (l)-(m): non-self-issued intermediates below this CA may not exceed its pathLenConstraint.
      if (bc?.pathLen !== undefined) {
        let below = 0
        for (let j = 1; j < d; j++) if (!path[j]!.selfIssued) below++
        if (below > bc.pathLen) return fail("PathLength", `pathLenConstraint ${bc.pathLen} exceeded by ${below} intermediate certificate(s) below it`)
      }
    } else if (ku !== undefined && !(ku.has("digitalSignature") || ku.has("keyEncipherment") || ku.has("keyAgreement"))) {
      return fail("KeyUsage", "leaf keyUsage allows neither digitalSignature, keyEncipherment nor keyAgreement")
    }
    // §4.2.1.12 on the leaf; on intermediates as a constraint on what they may issue (not on the anchor).
    if ((d === 0 || d < top) && eku !== undefined && !eku.includes(purpose) && !eku.includes(Eku.any)) {
      return fail("ExtendedKeyUsage", `extendedKeyUsage does not allow ${ctx.role === "server" ? "serverAuth" : "clientAuth"}`)
    }
  }
  return undefined
}

const strength = (ctx: Ctx, path: ReadonlyArray<ParsedCertificate>): ChainRejected | undefined => {
  const top = path.length - 1
  for (let d = 0; d <= top; d++) {
    const c = path[d]!
    const key = keyOf(ctx, c)
    if (Result.isFailure(key)) return reject("UnsupportedAlgorithm", `public key: ${key.failure}`, d, c.subject)
    if ((key.success.type === "rsa" || key.success.type === "rsa-pss") && (key.success.bits ?? 0) < ctx.minRsaBits)
      return reject("WeakKey", `RSA key of ${key.success.bits} bits (minimum ${ctx.minRsaBits})`, d, c.subject)
    if (d < top) {
      const method = edge(ctx, c, path[d + 1]!)
      if (Result.isSuccess(method) && method.success.hash === "sha1" && !ctx.allowSha1) return reject("WeakSignature", `SHA-1 signature (${method.success.name})`, d, c.subject)
    }
  }
  return undefined
}

const constraints = (path: ReadonlyArray<ParsedCertificate>): ChainRejected | undefined => {
  for (let d = path.length - 1; d >= 1; d--) {
    const nc = path[d]!.extensions.nameConstraints
    if (nc === undefined) continue
    for (let j = d - 1; j >= 0; j--) {
      const c = path[j]!
      // §6.1.3 (b): self-issued intermediates are not checked, the leaf always is.
      if (j > 0 && c.selfIssued) continue
      const why = violation(nc, c, j === 0)
      if (why !== undefined) return reject("NameConstraints", `${why} of ${path[d]!.subject}`, j, c.subject)
    }
  }
  return undefined
}

const validity = (ctx: Ctx, path: ReadonlyArray<ParsedCertificate>): ChainRejected | undefined => {
  for (let d = 0; d < path.length; d++) {
    const c = path[d]!
    if (ctx.now < c.notBefore) return reject("NotYetValid", "certificate is not yet valid", d, c.subject)
    if (ctx.now > c.notAfter) return reject("Expired", "certificate has expired", d, c.subject)
  }
  return undefined
}

/**
 * Validates a complete candidate path (leaf first, anchor last) whose signatures have been
 * checked; the first failure in the order above, or the revocation notes of a valid path.
 *
 * @since 0.1.0
 */
export const validatePath = (ctx: Ctx, path: ReadonlyArray<ParsedCertificate>): Result.Result<ReadonlyArray<RevocationNote>, ChainRejected> => {
  const failure = structure(ctx, path) ?? strength(ctx, path) ?? constraints(path) ?? validity(ctx, path)
  return failure !== undefined ? Result.fail(failure) : checkRevocation(ctx, path)
}
