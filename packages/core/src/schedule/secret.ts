/**
 * Shared pieces of the key schedules: the labelled secret type, the hashes the
 * schedules run on, the proof value a Finished check returns, and the one place
 * that unwraps a secret.
 *
 * A secret is a `Redacted<Uint8Array>` carrying a label, so printing any value that
 * holds one shows `<redacted:server_handshake_traffic_secret>` and never the bytes
 * (STYLE.md, "Secrets, safe by construction"). `reveal` is for `schedule/` only; it is
 * not re-exported from the package.
 *
 * @since 0.1.0
 */
import * as Redacted from "effect/Redacted"
import type { CryptoProvider } from "../crypto/provider.js"

/**
 * The hash a TLS 1.3 cipher suite or a TLS 1.2 PRF runs on (RFC 8446 §7.1, RFC 5246 §5).
 *
 * @since 0.1.0
 * @category models
 */
export type ScheduleHash = "sha256" | "sha384"

/**
 * A secret: key-schedule output wrapped so that `String`, `JSON.stringify` and
 * `util.inspect` show only its label.
 *
 * @since 0.1.0
 * @category models
 */
export type Secret = Redacted.Redacted<Uint8Array>

/**
 * Secret input from outside the schedule (a PSK, an (EC)DHE shared secret, a TLS 1.2
 * premaster): accepted bare, as the provider returns it, or already redacted.
 *
 * @since 0.1.0
 * @category models
 */
export type SecretInput = Uint8Array | Redacted.Redacted<Uint8Array>

/**
 * Hash.length for a schedule hash: 32 for SHA-256, 48 for SHA-384.
 *
 * @since 0.1.0
 */
export const hashLength = (hash: ScheduleHash): number => (hash === "sha256" ? 32 : 48)

/** @internal Wrap key material under a label. */
export const redact = (bytes: Uint8Array, label: string): Secret => Redacted.make(bytes, { label })

/** @internal The bytes of a secret. Only `schedule/` and `crypto/` call this. */
export const reveal = (secret: SecretInput): Uint8Array =>
  Redacted.isRedacted(secret) ? Redacted.value(secret) : secret

/** @internal Concatenation of byte strings. */
export const concat = (...parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  let length = 0
  for (const part of parts) length += part.length
  const out = new Uint8Array(length)
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

const utf8 = new TextEncoder()

/** @internal The bytes of a label (ASCII for every label the RFCs define). */
export const labelBytes = (label: string): Uint8Array => utf8.encode(label)

/** @internal A programmer error: a transcript hash of the wrong length for the schedule's hash. */
export const checkHashLength = (hash: ScheduleHash, transcriptHash: Uint8Array, what: string): void => {
  if (transcriptHash.length !== hashLength(hash)) {
    throw new RangeError(
      `${what}: transcript hash is ${transcriptHash.length} bytes, ${hash} needs ${hashLength(hash)}`
    )
  }
}

declare const FinishedVerifiedBrand: unique symbol

/**
 * What a verified Finished or PSK binder covered.
 *
 * @since 0.1.0
 * @category models
 */
export type VerifiedSubject =
  | "tls13_client_finished"
  | "tls13_server_finished"
  | "tls13_psk_binder"
  | "tls12_client_finished"
  | "tls12_server_finished"

/**
 * Proof that a received Finished (or PSK binder) matched, made only by the schedules'
 * constant-time checks; a state that needs a verified peer requires one in its
 * constructor (STYLE.md, "a check that gates a transition returns a proof value").
 *
 * @since 0.1.0
 * @category models
 */
export interface FinishedVerified {
  readonly _tag: "FinishedVerified"
  readonly subject: VerifiedSubject
  /** The verify_data that matched; public, it was on the wire. */
  readonly verifyData: Uint8Array
  readonly [FinishedVerifiedBrand]: true
}

/**
 * @internal Compare in constant time and, on a match, mint the proof.
 */
export const checkVerifyData = (
  crypto: CryptoProvider,
  subject: VerifiedSubject,
  expected: Uint8Array,
  received: Uint8Array
): FinishedVerified | undefined =>
  crypto.timingSafeEqual(expected, received)
    ? ({ _tag: "FinishedVerified", subject, verifyData: received.slice() } as unknown as FinishedVerified)
    : undefined
