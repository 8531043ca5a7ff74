/**
 * TLS 1.3 server, the pre_shared_key offer (RFC 8446 §4.2.11, §4.2.10): opening our own
 * ticket, checking its lifetime, the binder over the truncated ClientHello, the key
 * exchange mode, and whether 0-RTT can be taken (same suite and ALPN, a ticket that
 * allows it, a ticket age within the window of RFC 8446 §8.3, no HelloRetryRequest).
 *
 * @since 0.1.0
 */
import { Ext, type ClientHello } from "@effect-tls/codec"
import { abort } from "../../machine/conn.js"
import { misbehaved } from "../../machine/errors.js"
import { Tls13Schedule } from "../../schedule/index.js"
import * as Transcript from "../../schedule/transcript.js"
import { suite13 } from "../common.js"
import type { Ctx } from "../context.js"
import { openTicket, type TicketState } from "../session.js"

/** The first offered identity (the only one we consider). @since 0.1.0 */
export const identity = (ch: ClientHello): Uint8Array | undefined => Ext.find(ch.extensions, "pre_shared_key")?.identities[0]?.identity

/**
 * The ClientHello's bytes without its binders list (`Truncate(ClientHello)`, RFC 8446
 * §4.2.11.2): pre_shared_key is last and its binders end the message.
 *
 * @since 0.1.0
 */
export const truncateBinders = (chBytes: Uint8Array, binders: ReadonlyArray<Uint8Array>): Uint8Array => {
  let n = 2
  for (const b of binders) n += 1 + b.length
  return chBytes.subarray(0, chBytes.length - n)
}

/**
 * The PSK we accept, or `undefined` to ignore the offer (a ticket we cannot open, expired,
 * for a suite the client no longer offers, or no usable mode). A binder that does not
 * verify is fatal (`decrypt_error`).
 *
 * @since 0.1.0
 */
export const accept = (
  ctx: Ctx,
  ch: ClientHello,
  chBytes: Uint8Array,
  before: Transcript.HashedTranscript | undefined,
  alpn: string | undefined,
  retried: boolean
): { readonly ticket: TicketState; readonly mode: number; readonly early: boolean } | undefined => {
  const { crypto, config } = ctx.deps
  const offer = Ext.find(ch.extensions, "pre_shared_key")
  const modes = Ext.find(ch.extensions, "psk_key_exchange_modes")
  if (offer === undefined || config.ticketKeys.length === 0) return undefined
  // RFC 8446 §4.2.9: "If clients offer \"pre_shared_key\" without a \"psk_key_exchange_modes\" extension, servers MUST abort the handshake."
  if (modes === undefined) return abort(misbehaved("missing_extension", "pre_shared_key without psk_key_exchange_modes"))
  if (offer.identities.length !== offer.binders.length) abort(misbehaved("illegal_parameter", "PSK identities and binders differ in number"))
  const ticket = openTicket(crypto, config.ticketKeys, offer.identities[0]!.identity)
  if (ticket === undefined) return undefined
  const age = ctx.now - ticket.issuedAt
  if (age < 0 || age > ticket.lifetime * 1000) return undefined
  const suite = suite13(ticket.cipherSuite)
  if (suite === undefined || !ch.cipherSuites.includes(ticket.cipherSuite) || !config.cipherSuites.includes(ticket.cipherSuite)) return undefined
  const mode = modes.keModes.includes(1) && config.pskModes.includes(1) ? 1 : modes.keModes.includes(0) && config.pskModes.includes(0) ? 0 : -1
  if (mode === -1) return undefined
  const psk = Tls13Schedule.savedResumptionPsk(ticket.psk, suite.hash)
  const binderKey = Tls13Schedule.binderKey(crypto, Tls13Schedule.earlySecret(crypto, psk))
  const truncated = truncateBinders(chBytes, offer.binders)
  const hash = before === undefined ? crypto.hash(suite.hash, truncated) : Transcript.digestWith(crypto, before, truncated)
  if (Tls13Schedule.verifyPskBinder(crypto, binderKey, hash, offer.binders[0]!) === undefined) {
    abort(misbehaved("decrypt_error", "PSK binder does not verify"))
  }
  const clientAge = (offer.identities[0]!.obfuscatedTicketAge - ticket.ageAdd) >>> 0
  const early =
    Ext.find(ch.extensions, "early_data") !== undefined &&
    !retried &&
    config.maxEarlyData > 0 &&
    ticket.maxEarlyData > 0 &&
    alpn === ticket.alpn &&
    Math.abs(clientAge - age) <= config.earlyDataWindowMs
  return { ticket, mode, early }
}
