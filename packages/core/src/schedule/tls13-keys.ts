/**
 * What the TLS 1.3 schedule's secrets are used for: traffic keys and IVs (RFC 8446
 * §7.3), Finished and PSK binders (§4.4.4, §4.2.11.2), and the keying material
 * exporter (§7.5).
 *
 * @since 0.1.0
 */
import type { AeadAlgorithm, CryptoProvider } from "../crypto/provider.js"
import {
  checkHashLength,
  checkVerifyData,
  type FinishedVerified,
  hashLength,
  labelBytes,
  redact,
  reveal,
  type ScheduleHash,
  type Secret
} from "./secret.js"
import type { BinderKey, ExporterSecret, TrafficSecret } from "./tls13-secrets.js"
import { deriveSecret, emptyHash, hkdfExpandLabel } from "./tls13.js"

// ---------------------------------------------------------------------------
// Traffic keys

/**
 * Key length of an AEAD algorithm: 16 for AES-128-GCM, 32 for AES-256-GCM and
 * ChaCha20-Poly1305 (RFC 5116 §5.1, RFC 8439).
 *
 * @since 0.1.0
 */
export const aeadKeyLength = (aead: AeadAlgorithm): number => (aead === "aes-128-gcm" ? 16 : 32)

/**
 * The TLS 1.3 per-record nonce length: 12 bytes for every suite (RFC 8446 §5.3,
 * "N_MIN" of RFC 5116 for the AEADs TLS 1.3 defines).
 *
 * @since 0.1.0
 */
export const tls13IvLength = 12

/**
 * A traffic key and IV (RFC 8446 §7.3), labelled after their traffic secret, e.g.
 * `<redacted:server_handshake_write_key>`.
 *
 * @since 0.1.0
 * @category models
 */
export interface TrafficKeys {
  readonly _tag: "TrafficKeys"
  readonly aead: AeadAlgorithm
  readonly key: Secret
  readonly iv: Secret
}

/**
 * `[sender]_write_key = HKDF-Expand-Label(Secret, "key", "", key_length)` and
 * `[sender]_write_iv = HKDF-Expand-Label(Secret, "iv", "", iv_length)` (RFC 8446 §7.3).
 *
 * @since 0.1.0
 * @category constructors
 */
export const trafficKeys = (crypto: CryptoProvider, secret: TrafficSecret, aead: AeadAlgorithm): TrafficKeys => {
  const empty = new Uint8Array(0)
  const prefix = `${secret.side}_${secret.phase}_write`
  const suffix = secret.phase === "application" ? `_${secret.generation}` : ""
  return {
    _tag: "TrafficKeys",
    aead,
    key: redact(
      hkdfExpandLabel(crypto, secret.hash, secret.secret, "key", empty, aeadKeyLength(aead)),
      `${prefix}_key${suffix}`
    ),
    iv: redact(hkdfExpandLabel(crypto, secret.hash, secret.secret, "iv", empty, tls13IvLength), `${prefix}_iv${suffix}`)
  }
}

// ---------------------------------------------------------------------------
// Finished and binders

/**
 * `finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length)` (RFC 8446
 * §4.4.4); the BaseKey is a handshake traffic secret, an application traffic secret
 * (post-handshake authentication) or a binder key (§4.2.11.2).
 *
 * @since 0.1.0
 * @category models
 */
export interface FinishedKey {
  readonly _tag: "FinishedKey"
  readonly hash: ScheduleHash
  readonly of: "client" | "server" | "binder"
  readonly secret: Secret
}

/**
 * The finished key of a BaseKey (RFC 8446 §4.4.4).
 *
 * @since 0.1.0
 * @category constructors
 */
export const finishedKey = (
  crypto: CryptoProvider,
  base: TrafficSecret<"handshake"> | TrafficSecret<"application"> | BinderKey
): FinishedKey => {
  const of = base._tag === "BinderKey" ? "binder" : base.side
  return {
    _tag: "FinishedKey",
    hash: base.hash,
    of,
    secret: redact(
      hkdfExpandLabel(crypto, base.hash, base.secret, "finished", new Uint8Array(0), hashLength(base.hash)),
      `${of}_finished_key`
    )
  }
}

/**
 * `verify_data = HMAC(finished_key, Transcript-Hash(Handshake Context, Certificate*,
 * CertificateVerify*))` (RFC 8446 §4.4.4). Public: it is sent in the Finished message.
 *
 * @since 0.1.0
 */
export const finishedVerifyData = (
  crypto: CryptoProvider,
  key: FinishedKey,
  transcriptHash: Uint8Array
): Uint8Array => {
  checkHashLength(key.hash, transcriptHash, "Finished")
  return crypto.hmac(key.hash, reveal(key.secret), transcriptHash)
}

/**
 * Checks a received Finished in constant time and returns the proof the next state
 * requires, or `undefined`: "Recipients of Finished messages MUST verify that the
 * contents are correct and if incorrect MUST terminate the connection with a
 * "decrypt_error" alert." (RFC 8446 §4.4.4).
 *
 * @since 0.1.0
 */
export const verifyFinished = (
  crypto: CryptoProvider,
  key: FinishedKey,
  transcriptHash: Uint8Array,
  received: Uint8Array
): FinishedVerified | undefined => {
  const subject = key.of === "binder"
    ? "tls13_psk_binder"
    : key.of === "client"
    ? "tls13_client_finished"
    : "tls13_server_finished"
  return checkVerifyData(crypto, subject, finishedVerifyData(crypto, key, transcriptHash), received)
}

/**
 * A PSK binder: computed "in the same way as the Finished message but with the BaseKey
 * being the binder_key" over `Transcript-Hash(Truncate(ClientHello1))` (RFC 8446
 * §4.2.11.2).
 *
 * **Gotchas**: after a HelloRetryRequest the transcript hash covers message_hash(CH1),
 * the HRR and the truncated ClientHello2.
 *
 * @since 0.1.0
 */
export const pskBinder = (crypto: CryptoProvider, key: BinderKey, truncatedHelloHash: Uint8Array): Uint8Array =>
  finishedVerifyData(crypto, finishedKey(crypto, key), truncatedHelloHash)

/**
 * Checks a received binder in constant time: "the server MUST validate the
 * corresponding binder value ... If this value is not present or does not validate,
 * the server MUST abort the handshake." (RFC 8446 §4.2.11).
 *
 * @since 0.1.0
 */
export const verifyPskBinder = (
  crypto: CryptoProvider,
  key: BinderKey,
  truncatedHelloHash: Uint8Array,
  received: Uint8Array
): FinishedVerified | undefined => verifyFinished(crypto, finishedKey(crypto, key), truncatedHelloHash, received)

// ---------------------------------------------------------------------------
// Exporter

/**
 * The TLS 1.3 keying material exporter (RFC 8446 §7.5): `TLS-Exporter(label,
 * context_value, key_length) = HKDF-Expand-Label(Derive-Secret(Secret, label, ""),
 * "exporter", Hash(context_value), key_length)`. "an empty context and no context"
 * give the same output (§7.5).
 *
 * **Gotchas**: throws `RangeError` for a label that `exporterLabelFits` refuses or a length over
 * 255 × Hash.length; validate application input first.
 *
 * @since 0.1.0
 */
export const exportKeyingMaterial = (
  crypto: CryptoProvider,
  secret: ExporterSecret,
  label: string,
  context: Uint8Array | undefined,
  length: number
): Secret => {
  const { hash } = secret
  if (!exporterLabelFits(label)) throw new RangeError(`TLS-Exporter: label must be 1..249 bytes`)
  if (length > 255 * hashLength(hash)) throw new RangeError(`TLS-Exporter: length ${length} too long for ${hash}`)
  const inner = deriveSecret(crypto, hash, secret.secret, label, emptyHash(crypto, hash))
  const contextHash = crypto.hash(hash, context ?? new Uint8Array(0))
  return redact(hkdfExpandLabel(crypto, hash, inner, "exporter", contextHash, length), `exported:${label}`)
}

/**
 * Whether an exporter label fits `HkdfLabel`: "tls13 " + label must be 7..255 bytes
 * (RFC 8446 §7.1), so the label is 1..249 bytes of UTF-8.
 *
 * @since 0.1.0
 */
export const exporterLabelFits = (label: string): boolean => {
  const length = labelBytes(label).length
  return length >= 1 && length <= 249
}
