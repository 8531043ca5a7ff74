/**
 * The certificate verifier's one entry point: `verifyChain` takes the peer's chain (leaf
 * first, the rest in any order), configured intermediates, trust anchors, the time, the
 * peer's role, the server name, CRLs, stapled OCSP responses and the policy, and returns
 * the validated path or one `ChainRejected` naming the reason, the certificate (subject,
 * depth) and the alert. Pure: time is an argument, signatures go through the synchronous
 * `CryptoProvider` (RFC 5280 §6, RFC 9525 §6, RFC 6960).
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import type { CryptoProvider } from "../crypto/provider.js"
import { parseCertificate, type ParsedCertificate, sameBytes } from "./certificate.js"
import { makeCtx, type RevocationMode } from "./context.js"
import { parseCrl, type ParsedCrl } from "./crl.js"
import { type ChainAlert, type ChainRejected, reject } from "./errors.js"
import { matchesServerName } from "./hostname.js"
import { type OcspFreshness, parseOcspResponse } from "./ocsp.js"
import { buildPath } from "./path.js"
import type { RevocationNote } from "./revocation.js"
import { trustAnchors, type TrustAnchors } from "./trust.js"

export type { RevocationMode } from "./context.js"

/** A certificate as DER bytes or already parsed. @since 0.1.0 @category models */
export type CertificateInput = Uint8Array | ParsedCertificate

/**
 * What `verifyChain` is asked.
 *
 * @since 0.1.0
 * @category models
 */
export interface VerifyOptions {
  /** The peer's Certificate message: DER, leaf first, the rest in any order (RFC 8446 §4.4.2 allows it). */
  readonly chain: ReadonlyArray<Uint8Array>
  /** Extra untrusted intermediates from the configuration, used to complete the path. */
  readonly intermediates?: ReadonlyArray<CertificateInput> | undefined
  /** The trust anchors (RFC 5280 §6.1.1 (d)). */
  readonly anchors: TrustAnchors | ReadonlyArray<CertificateInput>
  /** The time of validation, in milliseconds since the epoch (the driver's clock). */
  readonly now: number
  /** Whose chain this is: a server's needs id-kp-serverAuth, a client's id-kp-clientAuth (RFC 5280 §4.2.1.12). */
  readonly role: "server" | "client"
  /** The reference identifier (DNS name or IP address) checked against the leaf (RFC 9525 §6). */
  readonly serverName?: string | undefined
  /** CRLs from the configuration (RFC 5280 §5), DER or parsed. */
  readonly crls?: ReadonlyArray<Uint8Array | ParsedCrl> | undefined
  /**
   * Stapled OCSP responses (DER) aligned with `chain`: index 0 is the leaf's (TLS 1.2
   * CertificateStatus or the TLS 1.3 leaf entry's status_request), `undefined` where none.
   */
  readonly ocsp?: ReadonlyArray<Uint8Array | undefined> | undefined
  /** Revocation policy; `soft-fail` by default. */
  readonly revocation?: RevocationMode | undefined
  /** Which certificates hard-fail requires a status for: the leaf (default) or all below the anchor. */
  readonly revocationScope?: "leaf" | "chain" | undefined
  readonly ocspFreshness?: OcspFreshness | undefined
  /** Match the subject commonName when the leaf has no DNS subjectAltName (RFC 9525 §6.4.4). Off by default. */
  readonly allowCommonNameFallback?: boolean | undefined
  /** Smallest RSA modulus accepted anywhere in the path, in bits (default 2048). */
  readonly minRsaBits?: number | undefined
  /** Accept SHA-1 signatures on certificates below the anchor (default false). */
  readonly allowSha1?: boolean | undefined
  /** Most certificates in a path, leaf and anchor included (default 10). */
  readonly maxPathLength?: number | undefined
  /** Most issuer candidates path building may examine (default 100). */
  readonly maxWork?: number | undefined
}

/** One certificate of an accepted path, as `openssl s_client` prints it (`depth=1 CN = ...`). @since 0.1.0 @category models */
export interface PathElement {
  readonly depth: number
  readonly subject: string
}

/**
 * A validated path (RFC 5280 §6.1.6 output): the certificates leaf first and anchor last,
 * the same as `elements` in OpenSSL's order (anchor first, highest depth), and what
 * revocation checking found.
 *
 * @since 0.1.0
 * @category models
 */
export interface VerifiedPath {
  readonly certificates: ReadonlyArray<ParsedCertificate>
  readonly elements: ReadonlyArray<PathElement>
  readonly revocation: ReadonlyArray<RevocationNote>
}

const parseAll = (inputs: ReadonlyArray<CertificateInput>, kind: string): Result.Result<ReadonlyArray<ParsedCertificate>, ChainRejected> => {
  const out: Array<ParsedCertificate> = []
  for (const [i, input] of inputs.entries()) {
    if (!(input instanceof Uint8Array)) {
      out.push(input)
      continue
    }
    const parsed = parseCertificate(input)
    if (Result.isFailure(parsed)) return Result.fail(reject("Malformed", `${kind} certificate ${i} does not parse: ${parsed.failure.detail}`, kind === "peer" ? i : -1, "(unparsed)"))
    out.push(parsed.success)
  }
  return Result.succeed(out)
}

/**
 * Verifies a peer's certificate chain: builds paths to a trust anchor, validates them
 * (RFC 5280 §6.1), applies the revocation policy (RFC 5280 §6.3, RFC 6960), then checks
 * the server name against the leaf (RFC 9525 §6).
 *
 * **Gotchas**: `role` is the peer's role — a client verifying a server passes `"server"`.
 * A depth of -1 in an error means a configured (not peer) certificate failed to parse.
 *
 * @since 0.1.0
 */
export const verifyChain = (crypto: CryptoProvider, options: VerifyOptions): Result.Result<VerifiedPath, ChainRejected> => {
  if (options.chain.length === 0) return Result.fail(reject("EmptyChain", "empty certificate chain", 0, ""))
  const peer = parseAll(options.chain, "peer")
  if (Result.isFailure(peer)) return Result.fail(peer.failure)
  const configured = parseAll(options.intermediates ?? [], "configured")
  if (Result.isFailure(configured)) return Result.fail(configured.failure)
  let anchors: TrustAnchors
  if ("_tag" in options.anchors) anchors = options.anchors
  else {
    const parsed = parseAll(options.anchors, "anchor")
    if (Result.isFailure(parsed)) return Result.fail(parsed.failure)
    anchors = trustAnchors(parsed.success)
  }
  const crls: Array<ParsedCrl> = []
  for (const crl of options.crls ?? []) {
    if (!(crl instanceof Uint8Array)) crls.push(crl)
    else {
      const parsed = parseCrl(crl)
      // A CRL that does not parse gives no answer; hard-fail then finds no status.
      if (Result.isSuccess(parsed)) crls.push(parsed.success)
    }
  }
  const staples = (options.ocsp ?? []).flatMap((der, i) => {
    const cert = options.chain[i]
    if (der === undefined || cert === undefined) return []
    const parsed = parseOcspResponse(der)
    return [{ cert, response: Result.isSuccess(parsed) ? parsed.success : parsed.failure.detail }]
  })
  const ctx = makeCtx({
    crypto,
    now: options.now,
    role: options.role,
    anchors,
    minRsaBits: options.minRsaBits ?? 2048,
    allowSha1: options.allowSha1 ?? false,
    maxPathLength: options.maxPathLength ?? 10,
    maxWork: options.maxWork ?? 100,
    revocation: options.revocation ?? "soft-fail",
    revocationScope: options.revocationScope ?? "leaf",
    crls,
    staples,
    ocspFreshness: options.ocspFreshness ?? {}
  })
  const leaf = peer.success[0]!
  const pool: Array<ParsedCertificate> = []
  for (const c of [...peer.success.slice(1), ...configured.success]) if (!pool.some((p) => sameBytes(p.der, c.der)) && !sameBytes(c.der, leaf.der)) pool.push(c)
  const built = buildPath(ctx, leaf, pool)
  if (Result.isFailure(built)) return Result.fail(built.failure)
  if (options.serverName !== undefined && !matchesServerName(leaf, options.serverName, { allowCommonNameFallback: options.allowCommonNameFallback }))
    return Result.fail(reject("HostnameMismatch", `certificate does not match the server name ${options.serverName}`, 0, leaf.subject))
  const certificates = built.success.certificates
  return Result.succeed({
    certificates,
    elements: certificates.map((c, depth) => ({ depth, subject: c.subject })).reverse(),
    revocation: built.success.revocation
  })
}

/**
 * The lines `openssl s_client` prints for an accepted path: `depth=N <subject>` then
 * `verify return:1`, anchor first.
 *
 * @since 0.1.0
 */
export const verifyLines = (path: VerifiedPath): ReadonlyArray<string> => path.elements.flatMap((e) => [`depth=${e.depth} ${e.subject}`, "verify return:1"])

/**
 * The verdict the state machine's `ChainVerdict` event carries, from a verification result
 * (accepted, or the alert, detail, depth and subject of the rejection).
 *
 * @since 0.1.0
 */
export const chainVerdict = (
  result: Result.Result<VerifiedPath, ChainRejected>
): { readonly _tag: "ChainVerdict"; readonly accepted: boolean; readonly alert?: ChainAlert; readonly detail?: string; readonly depth?: number; readonly subject?: string } =>
  Result.isSuccess(result)
    ? { _tag: "ChainVerdict", accepted: true }
    : { _tag: "ChainVerdict", accepted: false, alert: result.failure.alert, detail: `${result.failure.reason}: ${result.failure.detail}`, depth: result.failure.depth, subject: result.failure.subject }
