/**
 * The resolved settings and caches one `verifyChain` call shares between path building,
 * path validation and revocation: loaded public keys and signature checks are computed at
 * most once per certificate / edge; `work` counts the issuer candidates path building has
 * examined. Internal.
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import { loadPublicKey } from "../crypto/keys.js"
import type { CryptoProvider, PublicKey } from "../crypto/provider.js"
import type { ParsedCertificate } from "./certificate.js"
import type { ParsedCrl } from "./crl.js"
import type { OcspFreshness, ParsedOcspResponse } from "./ocsp.js"
import { type SignatureFailure, type SignatureMethod, verifySigned } from "./signature.js"
import type { TrustAnchors } from "./trust.js"

/** How revocation is checked: off, soft-fail (only a definite "revoked" rejects), hard-fail. @since 0.1.0 @category models */
export type RevocationMode = "off" | "soft-fail" | "hard-fail"

/** Resolved settings of one verification. @since 0.1.0 @category models */
export interface Settings {
  readonly crypto: CryptoProvider
  readonly now: number
  /** Whose certificate this is: a server's needs serverAuth, a client's clientAuth. */
  readonly role: "server" | "client"
  readonly anchors: TrustAnchors
  readonly minRsaBits: number
  readonly allowSha1: boolean
  readonly maxPathLength: number
  readonly maxWork: number
  readonly revocation: RevocationMode
  readonly revocationScope: "leaf" | "chain"
  readonly crls: ReadonlyArray<ParsedCrl>
  /** Stapled OCSP responses by the DER of the certificate they were stapled to (or a parse error). */
  readonly staples: ReadonlyArray<{ readonly cert: Uint8Array; readonly response: ParsedOcspResponse | string }>
  readonly ocspFreshness: OcspFreshness
}

/** Settings plus the caches of one call. @since 0.1.0 @category models */
export interface Ctx extends Settings {
  readonly keys: Map<ParsedCertificate, Result.Result<PublicKey, string>>
  readonly edges: Map<ParsedCertificate, Map<ParsedCertificate, Result.Result<SignatureMethod, SignatureFailure>>>
  readonly work: { count: number }
}

/** A fresh context for one call. @since 0.1.0 */
export const makeCtx = (settings: Settings): Ctx => ({ ...settings, keys: new Map(), edges: new Map(), work: { count: 0 } })

/** The subject key of a certificate, loaded once (RFC 5280 §4.1.2.7). @since 0.1.0 */
export const keyOf = (ctx: Ctx, cert: ParsedCertificate): Result.Result<PublicKey, string> => {
  let key = ctx.keys.get(cert)
  if (key === undefined) {
    const loaded = loadPublicKey(cert.spki)
    key = Result.isSuccess(loaded) ? Result.succeed(loaded.success) : Result.fail(loaded.failure.message)
    ctx.keys.set(cert, key)
  }
  return key
}

/**
 * Whether `issuer`'s key verifies `child`'s signature (RFC 5280 §6.1.3 (a)(1)), checked
 * once per edge.
 *
 * @since 0.1.0
 */
export const edge = (ctx: Ctx, child: ParsedCertificate, issuer: ParsedCertificate): Result.Result<SignatureMethod, SignatureFailure> => {
  let byIssuer = ctx.edges.get(child)
  if (byIssuer === undefined) {
    byIssuer = new Map()
    ctx.edges.set(child, byIssuer)
  }
  let result = byIssuer.get(issuer)
  if (result === undefined) {
    const key = keyOf(ctx, issuer)
    result = Result.isFailure(key)
      ? Result.fail({ _tag: "Unsupported", detail: `issuer key: ${key.failure}` })
      : verifySigned(ctx.crypto, { tbs: child.tbs, algorithm: child.cert.signatureAlgorithm, signature: new Uint8Array(child.cert.signatureValue) }, key.success)
    byIssuer.set(issuer, result)
  }
  return result
}
