/**
 * Transcript hashing over the handshake messages exactly as received (RFC 8446 §4.4.1,
 * RFC 5246 §7.4.9, RFC 7627 §3).
 *
 * A transcript is an immutable value: `append` returns a new transcript and never
 * touches the old one, so a reducer state stepped twice does not see the first step's
 * messages. It records the message bytes (copied; a codec's views may be reused) and
 * keeps, beside the value and keyed by it, a running `IncrementalHash` that `append`
 * clones before updating — the hash stays incremental and the value stays plain data
 * that prints, compares and can be rebuilt from its messages.
 *
 * Until ServerHello picks the cipher suite, the hash is unknown: a `PendingTranscript`
 * buffers; `selectHash` turns it into a `HashedTranscript`. A HelloRetryRequest
 * replaces ClientHello1 with the synthetic `message_hash` message (`restartForRetry`).
 * TLS 1.2's session hash for extended master secret (RFC 7627 §3) is `digest` taken
 * right after the ClientKeyExchange.
 *
 * @since 0.1.0
 */
import type { CryptoProvider, IncrementalHash } from "../crypto/provider.js"
import { concat, hashLength, type ScheduleHash } from "./secret.js"

/**
 * Handshake messages before the hash is known (before ServerHello or
 * HelloRetryRequest names the cipher suite).
 *
 * @since 0.1.0
 * @category models
 */
export interface PendingTranscript {
  readonly _tag: "PendingTranscript"
  /** Each handshake message, header included, as received. */
  readonly messages: ReadonlyArray<Uint8Array>
}

/**
 * Handshake messages under a chosen hash; `digest` is `Transcript-Hash` of them all.
 *
 * @since 0.1.0
 * @category models
 */
export interface HashedTranscript {
  readonly _tag: "HashedTranscript"
  readonly hash: ScheduleHash
  /**
   * The hashed messages in order; after a HelloRetryRequest the first is the synthetic
   * `message_hash` (RFC 8446 §4.4.1), not ClientHello1.
   */
  readonly messages: ReadonlyArray<Uint8Array>
}

/**
 * A transcript, before or after the hash is chosen.
 *
 * @since 0.1.0
 * @category models
 */
export type Transcript = PendingTranscript | HashedTranscript

/**
 * The running hash of each hashed transcript made in this process. Never updated in
 * place: `append` clones it first. A transcript without an entry (one built by hand or
 * deserialized) is rehashed from its messages on first use.
 */
const running = new WeakMap<HashedTranscript, IncrementalHash>()

const runningHash = (crypto: CryptoProvider, transcript: HashedTranscript): IncrementalHash => {
  const cached = running.get(transcript)
  if (cached !== undefined) return cached
  const fresh = crypto.hashInit(transcript.hash)
  for (const message of transcript.messages) fresh.update(message)
  running.set(transcript, fresh)
  return fresh
}

const hashed = (hash: ScheduleHash, messages: ReadonlyArray<Uint8Array>, state: IncrementalHash): HashedTranscript => {
  const transcript: HashedTranscript = { _tag: "HashedTranscript", hash, messages }
  running.set(transcript, state)
  return transcript
}

/**
 * The empty transcript, before the first ClientHello.
 *
 * @since 0.1.0
 * @category constructors
 */
export const empty: PendingTranscript = Object.freeze({ _tag: "PendingTranscript", messages: Object.freeze([]) })

/**
 * The transcript with one more handshake message (its 4-byte header included), as
 * received: "the transcript hashes what was received, never a re-encoding".
 *
 * @since 0.1.0
 * @category constructors
 */
export function append(crypto: CryptoProvider, transcript: PendingTranscript, message: Uint8Array): PendingTranscript
export function append(crypto: CryptoProvider, transcript: HashedTranscript, message: Uint8Array): HashedTranscript
export function append(crypto: CryptoProvider, transcript: Transcript, message: Uint8Array): Transcript
export function append(crypto: CryptoProvider, transcript: Transcript, message: Uint8Array): Transcript {
  const copy = message.slice()
  const messages = [...transcript.messages, copy]
  if (transcript._tag === "PendingTranscript") return { _tag: "PendingTranscript", messages }
  const next = runningHash(crypto, transcript).clone()
  next.update(copy)
  return hashed(transcript.hash, messages, next)
}

/**
 * Fixes the hash once the cipher suite is known (ServerHello or HelloRetryRequest) and
 * hashes the buffered messages.
 *
 * @since 0.1.0
 * @category constructors
 */
export const selectHash = (
  crypto: CryptoProvider,
  transcript: PendingTranscript,
  hash: ScheduleHash
): HashedTranscript => {
  const state = crypto.hashInit(hash)
  for (const message of transcript.messages) state.update(message)
  return hashed(hash, transcript.messages, state)
}

/**
 * `Transcript-Hash` of every message so far (RFC 8446 §4.4.1); in TLS 1.2 the
 * `Hash(handshake_messages)` of Finished (RFC 5246 §7.4.9) or, right after the
 * ClientKeyExchange, the session_hash of extended master secret (RFC 7627 §3).
 *
 * @since 0.1.0
 */
export const digest = (crypto: CryptoProvider, transcript: HashedTranscript): Uint8Array =>
  runningHash(crypto, transcript).clone().digest() // a fork: the running hash is never touched

/**
 * `Transcript-Hash` of the messages so far followed by `partial` bytes that are not (yet)
 * a message of the transcript: the PSK binder's `Truncate(ClientHello)` (RFC 8446
 * §4.2.11.2).
 *
 * @since 0.1.0
 */
export const digestWith = (crypto: CryptoProvider, transcript: HashedTranscript, partial: Uint8Array): Uint8Array => {
  const fork = runningHash(crypto, transcript).clone()
  fork.update(partial)
  return fork.digest()
}

/**
 * Every message so far, concatenated: the `handshake_messages` a TLS 1.2
 * CertificateVerify signs (RFC 5246 §7.4.8), whatever hash the signature uses.
 *
 * @since 0.1.0
 */
export const bytes = (transcript: Transcript): Uint8Array => concat(...transcript.messages)

/** HandshakeType message_hash (RFC 8446 §4). */
const messageHashType = 254

/**
 * The synthetic handshake message that stands for ClientHello1 after a
 * HelloRetryRequest: `message_hash` (254), `00 00 Hash.length`, `Hash(ClientHello1)`
 * (RFC 8446 §4.4.1).
 *
 * @since 0.1.0
 */
export const messageHash = (clientHello1Hash: Uint8Array): Uint8Array =>
  concat(Uint8Array.of(messageHashType, 0, 0, clientHello1Hash.length), clientHello1Hash)

/**
 * The transcript after a HelloRetryRequest: "the value of ClientHello1 is replaced with a
 * special synthetic handshake message of handshake type "message_hash" containing
 * Hash(ClientHello1)" (RFC 8446 §4.4.1). Append the HelloRetryRequest and ClientHello2
 * next.
 *
 * **Gotchas**: the transcript must hold exactly ClientHello1 (programmer error
 * otherwise: `RangeError`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const restartForRetry = (crypto: CryptoProvider, transcript: HashedTranscript): HashedTranscript => {
  if (transcript.messages.length !== 1) {
    const count = transcript.messages.length
    throw new RangeError(`HelloRetryRequest: the transcript holds ${count} messages, not ClientHello1`)
  }
  return fromClientHello1Hash(crypto, transcript.hash, digest(crypto, transcript))
}

/**
 * The transcript after a HelloRetryRequest rebuilt from `Hash(ClientHello1)` alone, as a
 * server that keeps its HRR state in a cookie does (RFC 8446 §4.4.1, §4.2.2).
 *
 * **Gotchas**: throws `RangeError` when the hash length does not match `hash`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromClientHello1Hash = (
  crypto: CryptoProvider,
  hash: ScheduleHash,
  clientHello1Hash: Uint8Array
): HashedTranscript => {
  if (clientHello1Hash.length !== hashLength(hash)) {
    throw new RangeError(`message_hash: ${clientHello1Hash.length} bytes is not a ${hash} digest`)
  }
  const synthetic = messageHash(clientHello1Hash)
  const state = crypto.hashInit(hash)
  state.update(synthetic)
  return hashed(hash, [synthetic], state)
}
