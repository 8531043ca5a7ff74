/**
 * TLS 1.3 resumption (RFC 8446 §4.6.1, §4.2.11, §2.2): the session a client keeps from a
 * NewSessionTicket, and the server's stateless tickets — the session sealed under a
 * ticket key with AES-256-GCM, so the server keeps nothing per ticket but a used-ticket
 * record (single use, the `RedeemTicket` action).
 *
 * @since 0.1.0
 */
import { W } from "@effect-tls/codec"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type { CryptoProvider } from "../crypto/provider.js"

/**
 * What a client keeps to resume: the ticket and the resumption PSK, with what the server
 * said about it. Store it like a key (the PSK is in it).
 *
 * @since 0.1.0
 * @category models
 */
export const Session13 = Schema.Struct({
  ticket: Schema.Uint8Array,
  /** Seconds the ticket may be used (RFC 8446 §4.6.1). */
  lifetime: Schema.Number,
  ageAdd: Schema.Number,
  /** When it arrived, in the driver's milliseconds. */
  receivedAt: Schema.Number,
  /** max_early_data_size; 0 when the server does not take 0-RTT on it. */
  maxEarlyData: Schema.Number,
  cipherSuite: Schema.Number,
  alpn: Schema.optional(Schema.String),
  serverName: Schema.optional(Schema.String),
  psk: Schema.Redacted(Schema.Uint8Array)
})
/** @since 0.1.0 @category models */
export type Session13 = typeof Session13.Type

/**
 * What a TLS 1.2 client keeps to resume: the session ID the server gave (RFC 5246
 * §7.4.1.2) and/or its ticket (RFC 5077), the master secret and what was negotiated.
 *
 * @since 0.1.0
 * @category models
 */
export const Session12 = Schema.Struct({
  version: Schema.Literal(0x0303),
  sessionId: Schema.Uint8Array,
  ticket: Schema.optional(Schema.Uint8Array),
  lifetime: Schema.Number,
  receivedAt: Schema.Number,
  cipherSuite: Schema.Number,
  alpn: Schema.optional(Schema.String),
  serverName: Schema.optional(Schema.String),
  masterSecret: Schema.Redacted(Schema.Uint8Array)
})
/** @since 0.1.0 @category models */
export type Session12 = typeof Session12.Type

/** A session of either version. @since 0.1.0 @category models */
export const Session = Schema.Union([Session13, Session12])
/** @since 0.1.0 @category models */
export type Session = typeof Session.Type

/** Whether a session is a TLS 1.2 one. @since 0.1.0 */
export const isSession12 = (s: Session): s is Session12 => "masterSecret" in s

/** What a server's ticket holds (sealed; only the server reads it). */
const TicketContents = W.struct("TicketContents", {
  version: W.oneOf(W.uint8, [1] as const),
  cipherSuite: W.uint16,
  psk: W.bytes(1, 32, 64),
  ageAdd: W.uint32,
  issuedAtHigh: W.uint32,
  issuedAtLow: W.uint32,
  lifetime: W.uint32,
  maxEarlyData: W.uint32,
  alpn: W.bytes(1, 0, 255),
  serverName: W.bytes(2, 0, 0xffff)
})

/** A server's view of a ticket it issued. @since 0.1.0 @category models */
export interface TicketState {
  readonly cipherSuite: number
  readonly psk: Uint8Array
  readonly ageAdd: number
  readonly issuedAt: number
  readonly lifetime: number
  readonly maxEarlyData: number
  readonly alpn?: string | undefined
  readonly serverName?: string | undefined
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

const keyId = (crypto: CryptoProvider, key: Uint8Array): Uint8Array => crypto.hash("sha256", key).subarray(0, 16)

/**
 * Seals a ticket: `key_id(16) || nonce(12) || AES-256-GCM(contents)` with the key id as
 * additional data. `nonce` must be fresh entropy.
 *
 * @since 0.1.0
 */
export const sealTicket = (crypto: CryptoProvider, key: Redacted.Redacted<Uint8Array>, nonce: Uint8Array, t: TicketState): Uint8Array => {
  const k = Redacted.value(key)
  const id = keyId(crypto, k)
  const contents = Result.getOrThrow(
    W.encode(TicketContents, {
      version: 1,
      cipherSuite: t.cipherSuite,
      psk: t.psk,
      ageAdd: t.ageAdd,
      issuedAtHigh: Math.floor(t.issuedAt / 0x100000000),
      issuedAtLow: t.issuedAt >>> 0,
      lifetime: t.lifetime,
      maxEarlyData: t.maxEarlyData,
      alpn: encoder.encode(t.alpn ?? ""),
      serverName: encoder.encode(t.serverName ?? "")
    })
  )
  const sealed = crypto.aead("aes-256-gcm", k).seal(nonce, id, contents)
  const out = new Uint8Array(16 + 12 + sealed.length)
  out.set(id)
  out.set(nonce.subarray(0, 12), 16)
  out.set(sealed, 28)
  return out
}

/**
 * Opens a ticket with whichever configured key issued it; `undefined` for a ticket we did
 * not issue, that was altered, or whose key has been retired (a full handshake follows).
 *
 * @since 0.1.0
 */
export const openTicket = (
  crypto: CryptoProvider,
  keys: ReadonlyArray<Redacted.Redacted<Uint8Array>>,
  ticket: Uint8Array
): TicketState | undefined => {
  if (ticket.length < 28 + 16) return undefined
  const id = ticket.subarray(0, 16)
  for (const key of keys) {
    const k = Redacted.value(key)
    if (!crypto.timingSafeEqual(keyId(crypto, k), id)) continue
    const plain = crypto.aead("aes-256-gcm", k).open(ticket.subarray(16, 28), id, ticket.subarray(28))
    if (plain === undefined) return undefined
    const r = W.decode(TicketContents, plain)
    if (Result.isFailure(r)) return undefined
    const c = r.success
    return {
      cipherSuite: c.cipherSuite,
      psk: c.psk.slice(),
      ageAdd: c.ageAdd,
      issuedAt: c.issuedAtHigh * 0x100000000 + c.issuedAtLow,
      lifetime: c.lifetime,
      maxEarlyData: c.maxEarlyData,
      alpn: c.alpn.length === 0 ? undefined : decoder.decode(c.alpn),
      serverName: c.serverName.length === 0 ? undefined : decoder.decode(c.serverName)
    }
  }
  return undefined
}

/**
 * `obfuscated_ticket_age = (ticket age in ms + ticket_age_add) mod 2^32` (RFC 8446 §4.2.11.1).
 *
 * @since 0.1.0
 */
export const obfuscatedAge = (session: Session13, now: number): number => (Math.max(0, now - session.receivedAt) + session.ageAdd) >>> 0

/** Whether a session is still within its lifetime at `now`. @since 0.1.0 */
export const isFresh = (session: Session13 | Session12, now: number): boolean => now - session.receivedAt < session.lifetime * 1000
