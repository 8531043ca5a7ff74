/**
 * The small handshake messages: HelloRequest, ServerHelloDone, EndOfEarlyData (empty),
 * EncryptedExtensions, CertificateVerify, Finished, NewSessionTicket (both versions),
 * KeyUpdate, and the synthetic message_hash (RFC 8446 §4.4.1).
 *
 * @since 0.1.0
 */
import { EncryptedExtensionsList, NewSessionTicketExtensions } from "../extensions/tables.js"
import * as W from "../wire/codec.js"

/** `struct {} HelloRequest` (RFC 5246 §7.4.1.1). @since 0.1.0 @category codecs */
export const HelloRequest = W.tagged("HelloRequest", {})
/** `struct {} ServerHelloDone` (RFC 5246 §7.4.5). @since 0.1.0 @category codecs */
export const ServerHelloDone = W.tagged("ServerHelloDone", {})
/** `struct {} EndOfEarlyData` (RFC 8446 §4.5). @since 0.1.0 @category codecs */
export const EndOfEarlyData = W.tagged("EndOfEarlyData", {})

/** `Extension extensions<0..2^16-1>` (RFC 8446 §4.3.1). @since 0.1.0 @category codecs */
export const EncryptedExtensions = W.tagged("EncryptedExtensions", { extensions: EncryptedExtensionsList })
/** @since 0.1.0 @category models */
export type EncryptedExtensions = W.Type<typeof EncryptedExtensions>

/**
 * `SignatureScheme algorithm; opaque signature<0..2^16-1>` (RFC 8446 §4.4.3; TLS 1.2's
 * DigitallySigned, RFC 5246 §7.4.8, has the same bytes).
 *
 * @since 0.1.0
 * @category codecs
 */
export const CertificateVerify = W.tagged("CertificateVerify", {
  algorithm: W.uint16,
  signature: W.bytes(2, 0, 0xffff)
})
/** @since 0.1.0 @category models */
export type CertificateVerify = W.Type<typeof CertificateVerify>

/** TLS 1.0/1.1 CertificateVerify: the signature alone. @since 0.1.0 @category codecs */
export const CertificateVerifyLegacy = W.tagged("CertificateVerifyLegacy", { signature: W.bytes(2, 0, 0xffff) })

/**
 * `opaque verify_data[Hash.length]` (TLS 1.3) or `[verify_data_length]` (12 in TLS 1.2):
 * the length is the message's; the state machine checks it.
 *
 * @since 0.1.0
 * @category codecs
 */
export const Finished = W.tagged("Finished", { verifyData: W.rest(0, 0xffffff) })
/** @since 0.1.0 @category models */
export type Finished = W.Type<typeof Finished>

/** TLS 1.2 (RFC 5077 §3.3): `uint32 ticket_lifetime_hint; opaque ticket<0..2^16-1>`. @since 0.1.0 @category codecs */
export const NewSessionTicket12 = W.tagged("NewSessionTicket12", {
  ticketLifetimeHint: W.uint32,
  ticket: W.bytes(2, 0, 0xffff)
})

/**
 * TLS 1.3 (RFC 8446 §4.6.1): `uint32 ticket_lifetime; uint32 ticket_age_add; opaque
 * ticket_nonce<0..255>; opaque ticket<1..2^16-1>; Extension extensions<0..2^16-2>`.
 *
 * @since 0.1.0
 * @category codecs
 */
export const NewSessionTicket13 = W.tagged("NewSessionTicket13", {
  ticketLifetime: W.uint32,
  ticketAgeAdd: W.uint32,
  ticketNonce: W.bytes(1, 0, 0xff),
  ticket: W.bytes(2, 1, 0xffff),
  extensions: NewSessionTicketExtensions
})
/** @since 0.1.0 @category models */
export type NewSessionTicket13 = W.Type<typeof NewSessionTicket13>

/**
 * `KeyUpdateRequest request_update`: update_not_requested(0), update_requested(1); any other
 * value is `illegal_parameter` (RFC 8446 §4.6.3).
 *
 * @since 0.1.0
 * @category codecs
 */
export const KeyUpdate = W.tagged("KeyUpdate", { requestUpdate: W.oneOf(W.uint8, [0, 1] as const, "KeyUpdateRequest") })
/** @since 0.1.0 @category models */
export type KeyUpdate = W.Type<typeof KeyUpdate>

/** The synthetic `message_hash` message: the hash of ClientHello1 (RFC 8446 §4.4.1). @since 0.1.0 @category codecs */
export const MessageHash = W.tagged("MessageHash", { hash: W.rest(0, 64) })
