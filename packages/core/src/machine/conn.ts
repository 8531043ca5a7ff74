/**
 * The record-layer part of every state: inbound bytes cut into records, records opened
 * under the current read epoch one at a time (so a key change mid-batch applies to the
 * records after it), handshake messages reassembled, and outbound records sealed under the
 * write epoch. Immutable: each function returns the next `Conn`.
 *
 * Within one `step`, the reducer collects its actions in an `Out` (a local accumulator;
 * the step as a whole stays pure) and fails by throwing `Abort`, which `step` turns into
 * an alert and a closed state.
 *
 * @since 0.1.0
 */
import { ContentType, encodeRecord, HandshakeReassembler, RecordDeframer, type RawHandshake, type RawRecord } from "@effect-tls/codec"
import type { AeadAlgorithm, CryptoProvider } from "../crypto/provider.js"
import { coalesce, fragment, makeCipher, MAX_SEQUENCE, Record12, Record13, type RecordCipher } from "../record/index.js"
import type { Secret } from "../schedule/secret.js"
import type { Action } from "./actions.js"
import { misbehaved, type TlsErrorReason } from "./errors.js"

/**
 * One direction's keys and sequence number. `version` picks the record protection
 * (TLS 1.3 inner plaintext, or TLS 1.2 AEAD with explicit nonce).
 *
 * @since 0.1.0
 * @category models
 */
export interface Epoch {
  readonly version: number
  readonly algorithm: AeadAlgorithm
  readonly key: Secret
  readonly iv: Secret
  readonly seq: number
}

/** @since 0.1.0 @category models */
export interface Conn {
  readonly deframer: RecordDeframer
  /** Records cut from the stream and not yet opened. */
  readonly records: ReadonlyArray<RawRecord>
  readonly reassembler: HandshakeReassembler
  /** Handshake messages reassembled and not yet processed. */
  readonly messages: ReadonlyArray<RawHandshake>
  readonly read: Epoch | undefined
  readonly write: Epoch | undefined
  /** legacy_record_version of our plaintext records (0x0301 for a first ClientHello). */
  readonly recordVersion: number
  /** Largest content we put in one record (2^14, or less under the peer's record_size_limit). */
  readonly maxFragment: number
  /** Largest (TLS 1.3 inner) plaintext we accept: 2^14 + 1, or our record_size_limit. */
  readonly maxInner: number
  /** Server that rejected 0-RTT: bytes of early data it may still skip (RFC 8446 §4.2.10). */
  readonly skipEarlyData: number
  /**
   * During a TLS 1.3 handshake a peer that failed before it had keys sends its alert in
   * plaintext while we already read under handshake keys; such an alert is accepted until
   * the handshake completes, so both sides end with the same alert.
   */
  readonly plainAlerts: boolean
  /**
   * The latest time (ms) an event carried. A step on an event without one (the answer to
   * a chain check, a signature, a key agreement) takes its time from here — a ticket that
   * arrived with the peer's flight is stamped with when it arrived, not with 0.
   */
  readonly clock: number
  /**
   * TLS 1.2, once a handshake has completed: the verify_data of its two Finished messages,
   * which a renegotiation binds itself to (RFC 5746 §3.5), and when the peer started each
   * renegotiation (the server's rate limit). Present in a handshake state: this handshake
   * is a renegotiation.
   */
  readonly renegotiation?: Renegotiation | undefined
}

/** The previous TLS 1.2 handshake's Finished values and the peer's renegotiations so far. @since 0.1.0 @category models */
export interface Renegotiation {
  readonly clientVerifyData: Uint8Array
  readonly serverVerifyData: Uint8Array
  /** When the peer started a renegotiation (ms), most recent last. */
  readonly peerStarted: ReadonlyArray<number>
}

/** A fresh connection with no keys. @since 0.1.0 @category constructors */
export const emptyConn = (recordVersion = 0x0303): Conn => ({
  deframer: RecordDeframer.empty(),
  records: [],
  reassembler: HandshakeReassembler.empty(),
  messages: [],
  read: undefined,
  write: undefined,
  recordVersion,
  maxFragment: 16384,
  maxInner: 16385,
  skipEarlyData: 0,
  plainAlerts: true,
  clock: 0
})

/**
 * A failure inside a step: thrown by handlers, caught by `step`, never escapes it.
 *
 * @since 0.1.0
 * @category errors
 */
export class Abort {
  constructor(readonly reason: TlsErrorReason) {}
}

/** Throws an `Abort`. @since 0.1.0 */
export const abort = (reason: TlsErrorReason): never => {
  throw new Abort(reason)
}

/**
 * The actions of one step, in order; consecutive sends are coalesced into one `Send`.
 *
 * @since 0.1.0
 * @category models
 */
export class Out {
  readonly actions: Array<Action> = []
  private pending: Array<Uint8Array> = []

  send(bytes: Uint8Array): void {
    if (bytes.length > 0) this.pending.push(bytes)
  }

  emit(action: Action): void {
    this.flush()
    this.actions.push(action)
  }

  flush(): void {
    if (this.pending.length === 0) return
    this.actions.push({ _tag: "Send", bytes: coalesce(this.pending) })
    this.pending = []
  }

  done(): ReadonlyArray<Action> {
    this.flush()
    return this.actions
  }
}

const ciphers = new WeakMap<Secret, Map<CryptoProvider, RecordCipher>>()

/** The prepared cipher of an epoch, cached per key and provider. */
const cipherOf = (crypto: CryptoProvider, e: Epoch): RecordCipher => {
  let byProvider = ciphers.get(e.key)
  if (byProvider === undefined) {
    byProvider = new Map()
    ciphers.set(e.key, byProvider)
  }
  let c = byProvider.get(crypto)
  if (c === undefined) {
    c = makeCipher(crypto, e.algorithm, e.key, e.iv)
    byProvider.set(crypto, c)
  }
  return c
}

/** Adds received bytes: cuts complete records; a length beyond the limits is `record_overflow`. @since 0.1.0 */
export const receive = (conn: Conn, bytes: Uint8Array): Conn => {
  const r = conn.deframer.push(bytes)
  if (r._tag === "Overflow") {
    return abort(misbehaved("record_overflow", `record of ${r.length} bytes exceeds the limit`))
  }
  // a record refused from its header, without waiting for a body that may never come (an
  // HTTP request read as TLS announces a 12 KiB "record"): an unknown content type (RFC 8446
  // §5), or a length beyond any version's limit (RFC 5246 §6.2.3: 2^14 + 2048)
  const partial = r.next.pending
  if (partial.length >= 1 && (partial[0]! < 20 || partial[0]! > 24)) {
    return abort(misbehaved("unexpected_message", `a record of content type ${partial[0]}`))
  }
  if (partial.length >= 5 && ((partial[3]! << 8) | partial[4]!) > MAX_RECORD_BODY) {
    return abort(misbehaved("record_overflow", `a record of ${(partial[3]! << 8) | partial[4]!} bytes exceeds the limit`))
  }
  return { ...conn, deframer: r.next, records: r.records.length === 0 ? conn.records : [...conn.records, ...r.records] }
}

/** The longest record body either version allows (TLS 1.2's ciphertext limit, RFC 5246 §6.2.3). */
const MAX_RECORD_BODY = 16384 + 2048

/**
 * An opened record: its true content type and content. Handshake records are fed to the
 * reassembler by the caller.
 *
 * @since 0.1.0
 * @category models
 */
export interface Opened {
  readonly contentType: number
  readonly content: Uint8Array
  /** Whether it was protected (false for plaintext records before keys exist). */
  readonly protected: boolean
}

/**
 * Takes the next record and opens it under the read epoch. A record that does not
 * authenticate is `bad_record_mac`, except early data a server chose to skip.
 *
 * @since 0.1.0
 */
export const nextRecord = (crypto: CryptoProvider, conn: Conn): { readonly conn: Conn; readonly record: Opened | undefined } => {
  const [rec, ...rest] = conn.records
  if (rec === undefined) return { conn, record: undefined }
  let next: Conn = { ...conn, records: rest }
  const e = conn.read
  // RFC 8446 §5: ChangeCipherSpec is never protected; in TLS 1.3 it may arrive between protected records.
  if (e === undefined && conn.skipEarlyData >= rec.fragment.length && rec.contentType === ContentType.values.application_data) {
    // RFC 8446 §4.2.10: after a HelloRetryRequest the server skips the client's early data records.
    return nextRecord(crypto, { ...next, skipEarlyData: conn.skipEarlyData - rec.fragment.length })
  }
  const plainAlert = conn.plainAlerts && rec.contentType === ContentType.values.alert && rec.fragment.length === 2
  if (e === undefined || (e.version === 0x0304 && (rec.contentType === ContentType.values.change_cipher_spec || plainAlert))) {
    if (rec.fragment.length > 16384) abort(misbehaved("record_overflow", `plaintext record of ${rec.fragment.length} bytes`))
    return { conn: next, record: { contentType: rec.contentType, content: rec.fragment, protected: false } }
  }
  if (e.version === 0x0304 && rec.contentType !== ContentType.values.application_data) {
    return abort(misbehaved("unexpected_message", `a ${ContentType.nameOf(rec.contentType)} record after encryption started`))
  }
  const cipher = cipherOf(crypto, e)
  const opened = e.version === 0x0304 ? Record13.open(cipher, e.seq, rec.header, rec.fragment, conn.maxInner) : Record12.open(cipher, e.seq, rec.header, rec.fragment)
  if (opened._tag === "Error") {
    if (conn.skipEarlyData >= rec.fragment.length && opened.error.alert === "bad_record_mac") {
      // RFC 8446 §4.2.10: a server that rejected 0-RTT skips records it cannot decrypt, up to max_early_data_size.
      next = { ...next, skipEarlyData: conn.skipEarlyData - rec.fragment.length }
      return nextRecord(crypto, next)
    }
    return abort(misbehaved(opened.error.alert === "decode_error" ? "decode_error" : opened.error.alert, opened.error.detail))
  }
  if (e.seq >= MAX_SEQUENCE) abort(misbehaved("unexpected_message", "read sequence number exhausted"))
  next = { ...next, read: { ...e, seq: e.seq + 1 }, skipEarlyData: 0 }
  if (opened.content.length === 0 && opened.contentType !== ContentType.values.application_data) {
    abort(misbehaved("unexpected_message", `zero-length ${ContentType.nameOf(opened.contentType)} record`))
  }
  return { conn: next, record: { contentType: opened.contentType, content: opened.content, protected: true } }
}

/** Feeds a handshake record's content to the reassembler. @since 0.1.0 */
export const reassemble = (conn: Conn, content: Uint8Array): Conn => {
  const r = conn.reassembler.push(content)
  if (r._tag === "Error") return abort(misbehaved(r.why === "EmptyRecord" ? "unexpected_message" : "decode_error", r.detail))
  return { ...conn, reassembler: r.next, messages: r.messages.length === 0 ? conn.messages : [...conn.messages, ...r.messages] }
}

/** Takes the next reassembled handshake message. @since 0.1.0 */
export const nextMessage = (conn: Conn): { readonly conn: Conn; readonly message: RawHandshake | undefined } => {
  const [m, ...rest] = conn.messages
  return m === undefined ? { conn, message: undefined } : { conn: { ...conn, messages: rest }, message: m }
}

/**
 * Seals `content` of `contentType` into as many records as the fragment limit needs,
 * under the write epoch (plaintext records before one exists), and sends them.
 *
 * @since 0.1.0
 */
export const write = (crypto: CryptoProvider, out: Out, conn: Conn, contentType: number, content: Uint8Array): Conn => {
  const e = conn.write
  if (e === undefined) {
    for (const f of fragment(content, conn.maxFragment)) out.send(encodeRecord(contentType, conn.recordVersion, f))
    return conn
  }
  const cipher = cipherOf(crypto, e)
  let seq = e.seq
  const parts = content.length === 0 ? [content] : fragment(content, conn.maxFragment)
  for (const f of parts) {
    out.send(e.version === 0x0304 ? Record13.seal(cipher, seq, contentType, f) : Record12.seal(cipher, seq, contentType, 0x0303, f))
    seq++
  }
  return { ...conn, write: { ...e, seq } }
}

/** Installs new read keys; no handshake bytes may be pending across a key change (RFC 8446 §5.1). @since 0.1.0 */
export const setRead = (conn: Conn, read: Epoch | undefined): Conn => {
  if (conn.reassembler.hasPending || conn.messages.length > 0) {
    abort(misbehaved("unexpected_message", "handshake data spans a key change"))
  }
  return { ...conn, read }
}

/** Installs new write keys. @since 0.1.0 */
export const setWrite = (conn: Conn, write: Epoch | undefined): Conn => ({ ...conn, write })

/** An epoch at sequence 0. @since 0.1.0 @category constructors */
export const epoch = (version: number, algorithm: AeadAlgorithm, key: Secret, iv: Secret): Epoch => ({ version, algorithm, key, iv, seq: 0 })
