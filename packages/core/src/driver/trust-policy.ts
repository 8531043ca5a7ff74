/**
 * The certificate-validating `ChainVerifier`: RFC 5280 path building and validation,
 * RFC 9525 host names and revocation (`x509/verify.ts`) against configured trust anchors,
 * at the time of the event that carried the chain. This is the verifier a real client or
 * server uses; `pinned` and `insecureAcceptAnything` are for tests and special cases.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { CryptoProvider } from "../crypto/provider.js"
import { chainVerdict, verifyChain, type VerifiedPath, type VerifyOptions } from "../x509/verify.js"
import * as Result from "effect/Result"
import { ChainVerifier, type ChainPolicy, TlsCrypto } from "./services.js"

/**
 * What a validating verifier needs besides the chain: anchors, extra intermediates, CRLs,
 * revocation policy, and the relaxations `verifyChain` offers.
 *
 * @since 0.1.0
 * @category models
 */
export type TrustOptions = Omit<VerifyOptions, "chain" | "now" | "role" | "serverName"> & {
  /** Called with each accepted path (e.g. to print `depth=N` lines). */
  readonly onVerified?: ((path: VerifiedPath, peer: "server" | "client") => void) | undefined
}

/**
 * A policy that validates chains with `crypto` against `options.anchors`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const trustPolicy = (crypto: CryptoProvider, options: TrustOptions): ChainPolicy => ({
  verify: (request) =>
    Effect.sync(() => {
      const result = verifyChain(crypto, {
        ...options,
        chain: request.chain,
        now: request.now,
        role: request.peer,
        serverName: request.serverName
      })
      if (Result.isSuccess(result)) options.onVerified?.(result.success, request.peer)
      return chainVerdict(result) as ReturnType<ChainPolicy["verify"]> extends Effect.Effect<infer V> ? V : never
    })
})

/**
 * `ChainVerifier` validating against trust anchors, with the provider of `TlsCrypto`.
 *
 * @since 0.1.0
 * @category layers
 */
export const trusting = (options: TrustOptions): Layer.Layer<ChainVerifier, never, TlsCrypto> =>
  Layer.effect(ChainVerifier)(Effect.map(TlsCrypto, (crypto) => trustPolicy(crypto, options)))
