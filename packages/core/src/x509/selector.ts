/**
 * A user-supplied client-certificate choice, as an Effect the driver runs when a server
 * sends a CertificateRequest (RFC 8446 §4.3.2, RFC 5246 §7.4.4): it sees the server's CA
 * names, the signature schemes and our candidates, and answers with the index of the
 * certificate to send, or none (an empty Certificate). The default choice is
 * `selectClientCertificate`, which the driver lifts into an Effect.
 *
 * **Gotchas**: only the type lives here (a type-only import): `x509/` stays free of
 * Effect's runtime, like the reducers. The driver builds the default selector as
 * `(request) => Effect.sync(() => defaultClientCertificateChoice(request))`.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import { type ClientCandidate, type ClientCertificateCriteria, selectClientCertificate } from "./client-auth.js"

/**
 * What a selector is given: the server's criteria (CA names as DER, schemes as code points,
 * the version) and the configured candidates.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClientCertificateRequest extends ClientCertificateCriteria {
  readonly candidates: ReadonlyArray<ClientCandidate>
}

/**
 * A client-certificate selector: an Effect answering with the index of a candidate, or
 * none. It may be slow (ask a user, a hardware token) — the driver waits for it.
 *
 * @since 0.1.0
 * @category models
 */
export type ClientCertificateSelector = (request: ClientCertificateRequest) => Effect.Effect<Option.Option<number>>

/**
 * The default choice, as a plain function of the request: the first candidate under a
 * named CA whose key fits an offered scheme (`selectClientCertificate`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const defaultClientCertificateChoice = (request: ClientCertificateRequest): Option.Option<number> =>
  selectClientCertificate(request.candidates, request)
