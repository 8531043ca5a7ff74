/**
 * The TLS 1.3 key schedule (RFC 8446 §7.1): `HKDF-Expand-Label`, `Derive-Secret` and
 * the three secrets of the schedule as distinct typed stages.
 *
 * ```
 * EarlySecret (PSK or zeros) ──► HandshakeSecret (+ (EC)DHE) ──► MasterSecret
 *   ├ binder key                   ├ c/s handshake traffic         ├ c/s application traffic
 *   ├ client_early_traffic_secret  │                               ├ exporter_master_secret
 *   └ early_exporter_master_secret                                 └ resumption_master_secret
 * ```
 *
 * Each stage is made only from its predecessor (`handshakeSecret(early, …)`,
 * `masterSecret(handshake)`), and a later stage cannot lead back to an earlier one: a
 * state that keeps only the `MasterSecret` has no way to the handshake secrets. Every secret is a labelled `Redacted<Uint8Array>`. The
 * secrets derived from each stage live in `tls13-secrets.ts`; traffic keys, Finished and
 * the exporter in `tls13-keys.ts`; `tls13-schedule.ts` gathers all three.
 *
 * All functions are pure: same provider, same inputs, same bytes. The `transcriptHash`
 * arguments are `Transcript-Hash(Messages)` values (see `transcript.ts`).
 *
 * @since 0.1.0
 */
import type { CryptoProvider } from "../crypto/provider.js"
import {
  checkHashLength,
  concat,
  hashLength,
  labelBytes,
  redact,
  reveal,
  type ScheduleHash,
  type Secret,
  type SecretInput
} from "./secret.js"

// ---------------------------------------------------------------------------
// Primitives

/**
 * `HKDF-Expand-Label(Secret, Label, Context, Length)` (RFC 8446 §7.1): HKDF-Expand with
 * the `HkdfLabel` structure `uint16 length; opaque label<7..255> = "tls13 " + Label;
 * opaque context<0..255>`.
 *
 * **Gotchas**: returns bare bytes; prefer the typed stage functions, which keep their
 * output redacted. Throws `RangeError` when the label or context does not fit.
 *
 * @since 0.1.0
 */
export const hkdfExpandLabel = (
  crypto: CryptoProvider,
  hash: ScheduleHash,
  secret: SecretInput,
  label: string,
  context: Uint8Array,
  length: number
): Uint8Array => crypto.hkdfExpand(hash, reveal(secret), hkdfLabel(label, context, length), length)

/** The `HkdfLabel` struct (RFC 8446 §7.1). */
const hkdfLabel = (label: string, context: Uint8Array, length: number): Uint8Array => {
  const full = labelBytes("tls13 " + label)
  if (full.length < 7 || full.length > 255) throw new RangeError(`HkdfLabel: label "${label}" is too long`)
  if (context.length > 255) throw new RangeError(`HkdfLabel: context of ${context.length} bytes exceeds 255`)
  if (!Number.isInteger(length) || length < 0 || length > 0xffff) {
    throw new RangeError(`HkdfLabel: length ${length} is not a uint16`)
  }
  return concat(Uint8Array.of(length >> 8, length & 0xff, full.length), full, Uint8Array.of(context.length), context)
}

/**
 * `Derive-Secret(Secret, Label, Messages) = HKDF-Expand-Label(Secret, Label,
 * Transcript-Hash(Messages), Hash.length)` (RFC 8446 §7.1), given the transcript hash.
 *
 * **Gotchas**: returns bare bytes; for "Messages" = "" pass `emptyHash(crypto, hash)`.
 *
 * @since 0.1.0
 */
export const deriveSecret = (
  crypto: CryptoProvider,
  hash: ScheduleHash,
  secret: SecretInput,
  label: string,
  transcriptHash: Uint8Array
): Uint8Array => {
  checkHashLength(hash, transcriptHash, `Derive-Secret "${label}"`)
  return hkdfExpandLabel(crypto, hash, secret, label, transcriptHash, hashLength(hash))
}

/**
 * `Transcript-Hash("")`, the context of `Derive-Secret(., "derived", "")` and of the
 * binder keys (RFC 8446 §7.1).
 *
 * @since 0.1.0
 */
export const emptyHash = (crypto: CryptoProvider, hash: ScheduleHash): Uint8Array =>
  crypto.hash(hash, new Uint8Array(0))

const zeros = (hash: ScheduleHash): Uint8Array => new Uint8Array(hashLength(hash))

// ---------------------------------------------------------------------------
// Pre-shared keys

/**
 * Where a PSK came from: a ticket of an earlier connection, or provisioned outside TLS
 * (RFC 8446 §4.2.11); it picks the binder label (§7.1).
 *
 * @since 0.1.0
 * @category models
 */
export type PskKind = "resumption" | "external"

/**
 * A pre-shared key with the hash it is bound to ("each PSK is associated with a single
 * Hash algorithm", RFC 8446 §4.2.11).
 *
 * @since 0.1.0
 * @category models
 */
export interface Psk<K extends PskKind = PskKind> {
  readonly _tag: "Psk"
  readonly kind: K
  readonly hash: ScheduleHash
  readonly secret: Secret
}

/**
 * A resumption PSK brought back from a saved session (its bytes and hash, as
 * `resumptionPsk` made them when the ticket arrived).
 *
 * @since 0.1.0
 * @category constructors
 */
export const savedResumptionPsk = (secret: SecretInput, hash: ScheduleHash): Psk<"resumption"> => ({
  _tag: "Psk",
  kind: "resumption",
  hash,
  secret: redact(reveal(secret).slice(), "resumption_psk")
})

/**
 * An externally provisioned PSK (RFC 8446 §4.2.11: "the Hash algorithm MUST be set when
 * the PSK is established or default to SHA-256 if no such algorithm is defined").
 *
 * @since 0.1.0
 * @category constructors
 */
export const externalPsk = (key: SecretInput, hash: ScheduleHash = "sha256"): Psk<"external"> => ({
  _tag: "Psk",
  kind: "external",
  hash,
  secret: redact(reveal(key).slice(), "external_psk")
})

// ---------------------------------------------------------------------------
// Stages

declare const StageBrand: unique symbol

/**
 * The Early Secret made with PSK kind `P` ("none" when no PSK was selected).
 *
 * @since 0.1.0
 * @category models
 */
export interface EarlySecretOf<P extends PskKind | "none"> {
  readonly _tag: "EarlySecret"
  readonly hash: ScheduleHash
  /** Which PSK went in: none (zeros), a resumption PSK or an external one. */
  readonly psk: P
  readonly secret: Secret
  readonly [StageBrand]: "EarlySecret"
}

/**
 * The Early Secret, `HKDF-Extract(0, PSK)` (RFC 8446 §7.1); the PSK is Hash.length zeros
 * when none was selected. Narrow on `psk` to reach the binder and 0-RTT secrets.
 *
 * @since 0.1.0
 * @category models
 */
export type EarlySecret = EarlySecretOf<"none"> | EarlySecretOf<"resumption"> | EarlySecretOf<"external">

/**
 * An Early Secret made from a PSK: the only kind with binder keys and 0-RTT secrets.
 *
 * @since 0.1.0
 * @category models
 */
export type PskEarlySecret = EarlySecretOf<"resumption"> | EarlySecretOf<"external">

/**
 * The Handshake Secret, `HKDF-Extract(Derive-Secret(Early Secret, "derived", ""),
 * (EC)DHE)` (RFC 8446 §7.1).
 *
 * @since 0.1.0
 * @category models
 */
export interface HandshakeSecret {
  readonly _tag: "HandshakeSecret"
  readonly hash: ScheduleHash
  readonly secret: Secret
  readonly [StageBrand]: "HandshakeSecret"
}

/**
 * The Master Secret, `HKDF-Extract(Derive-Secret(Handshake Secret, "derived", ""), 0)`
 * (RFC 8446 §7.1).
 *
 * @since 0.1.0
 * @category models
 */
export interface MasterSecret {
  readonly _tag: "MasterSecret"
  readonly hash: ScheduleHash
  readonly secret: Secret
  readonly [StageBrand]: "MasterSecret"
}

/**
 * The first stage of the schedule (RFC 8446 §7.1): from the suite's hash when no PSK
 * was selected ("a string of Hash.length bytes set to zeros"), or from a PSK, whose
 * hash then is the schedule's hash.
 *
 * **Gotchas**: a PSK fixes the hash; the server "MUST ensure that it selects a compatible
 * PSK (if any) and cipher suite" (§4.2.11) before calling this.
 *
 * @since 0.1.0
 * @category constructors
 */
export function earlySecret(crypto: CryptoProvider, source: ScheduleHash): EarlySecretOf<"none">
export function earlySecret<K extends PskKind>(crypto: CryptoProvider, source: Psk<K>): EarlySecretOf<K>
export function earlySecret(crypto: CryptoProvider, source: ScheduleHash | Psk): EarlySecret
export function earlySecret(crypto: CryptoProvider, source: ScheduleHash | Psk): EarlySecret {
  const hash = typeof source === "string" ? source : source.hash
  const ikm = typeof source === "string" ? zeros(hash) : reveal(source.secret)
  return {
    _tag: "EarlySecret",
    hash,
    psk: typeof source === "string" ? "none" : source.kind,
    secret: redact(crypto.hkdfExtract(hash, zeros(hash), ikm), "early_secret")
  } as EarlySecret
}

/**
 * The Handshake Secret from the Early Secret and the (EC)DHE shared secret (RFC 8446
 * §7.1); `undefined` for psk_ke resumption, where the input is Hash.length zeros.
 *
 * @since 0.1.0
 * @category constructors
 */
export const handshakeSecret = (
  crypto: CryptoProvider,
  early: EarlySecret,
  sharedSecret: SecretInput | undefined
): HandshakeSecret => {
  const { hash } = early
  const salt = deriveSecret(crypto, hash, early.secret, "derived", emptyHash(crypto, hash))
  const ikm = sharedSecret === undefined ? zeros(hash) : reveal(sharedSecret)
  return {
    _tag: "HandshakeSecret",
    hash,
    secret: redact(crypto.hkdfExtract(hash, salt, ikm), "handshake_secret")
  } as HandshakeSecret
}

/**
 * The Master Secret from the Handshake Secret (RFC 8446 §7.1; the extract input is
 * Hash.length zeros).
 *
 * @since 0.1.0
 * @category constructors
 */
export const masterSecret = (crypto: CryptoProvider, handshake: HandshakeSecret): MasterSecret => {
  const { hash } = handshake
  const salt = deriveSecret(crypto, hash, handshake.secret, "derived", emptyHash(crypto, hash))
  return {
    _tag: "MasterSecret",
    hash,
    secret: redact(crypto.hkdfExtract(hash, salt, zeros(hash)), "master_secret")
  } as MasterSecret
}
