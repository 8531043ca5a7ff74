/**
 * One error for everything that ends a connection: `TlsError` with a `reason` union, as
 * Effect's `SocketError` does, and one function, `alertFor`, that picks the alert we send
 * for a reason (none when the peer spoke first or the transport failed). A reason is at
 * least as specific as its alert; the table of which alert answers which input is
 * `../shared/alerts.md`.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import type { AlertName } from "@effect-tls/codec"

/** Bad bytes: a length overrun, a truncated or over-long message, a forbidden field value. @since 0.1.0 @category errors */
export interface Decode {
  readonly _tag: "Decode"
  readonly alert: "decode_error" | "illegal_parameter" | "unexpected_message"
  readonly detail: string
  /** Where in the message, e.g. `ServerHello.extensions[2]`. */
  readonly at?: string | undefined
}

/** The peer broke the protocol: a message out of order, a bad MAC, a Finished that does not verify. @since 0.1.0 @category errors */
export interface PeerMisbehaved {
  readonly _tag: "PeerMisbehaved"
  readonly alert:
    | "unexpected_message"
    | "bad_record_mac"
    | "record_overflow"
    | "illegal_parameter"
    | "decrypt_error"
    | "decode_error"
    | "missing_extension"
    | "unsupported_extension"
    | "handshake_failure"
    | "unknown_psk_identity"
  readonly detail: string
}

/** Nothing in common: version, suites, groups, schemes, ALPN, or a required certificate missing. @since 0.1.0 @category errors */
export interface PeerIncompatible {
  readonly _tag: "PeerIncompatible"
  readonly alert:
    | "protocol_version"
    | "handshake_failure"
    | "no_application_protocol"
    | "insufficient_security"
    | "certificate_required"
    | "inappropriate_fallback"
    | "unrecognized_name"
  readonly detail: string
}

/** The peer's certificate chain failed our checks. @since 0.1.0 @category errors */
export interface CertificateRejected {
  readonly _tag: "CertificateRejected"
  readonly alert:
    | "bad_certificate"
    | "unsupported_certificate"
    | "certificate_revoked"
    | "certificate_expired"
    | "certificate_unknown"
    | "unknown_ca"
    | "bad_certificate_status_response"
    | "decode_error"
  readonly detail: string
  /** The subject of the certificate that failed, and its depth in the chain (0 = leaf). */
  readonly subject?: string | undefined
  readonly depth?: number | undefined
}

/**
 * The peer sent a fatal alert. `afterOurFinished` says whether our side had already sent
 * its Finished (in TLS 1.3 the server finishes first, so a client that rejects the
 * server's certificate says so after the server has already logged success).
 *
 * @since 0.1.0
 * @category errors
 */
export interface AlertReceived {
  readonly _tag: "AlertReceived"
  readonly alert: AlertName | `unknown(${number})`
  readonly afterOurFinished: boolean
  /**
   * What we had offered, when a server refuses our ClientHello (its own lists are not on the
   * wire): versions, suites, groups and signature schemes by name.
   */
  readonly detail?: string | undefined
}

/** The transport ended without close_notify (a truncation attack or a crash). @since 0.1.0 @category errors */
export interface Truncated {
  readonly _tag: "Truncated"
  readonly detail: string
}

/** The handshake, or an idle connection, took longer than the configured bound. @since 0.1.0 @category errors */
export interface Timeout {
  readonly _tag: "Timeout"
  readonly detail: string
}

/** Our side failed: a bug, a missing key, a local policy refusing to continue. @since 0.1.0 @category errors */
export interface LocalFailure {
  readonly _tag: "LocalFailure"
  readonly alert: "internal_error" | "user_canceled" | "handshake_failure"
  readonly detail: string
}

/** Every reason a connection fails. @since 0.1.0 @category errors */
export type TlsErrorReason =
  | Decode
  | PeerMisbehaved
  | PeerIncompatible
  | CertificateRejected
  | AlertReceived
  | Truncated
  | Timeout
  | LocalFailure

/**
 * The alert we send for a reason: none when the peer ended the connection (its alert, a
 * truncation) or the connection timed out.
 *
 * @since 0.1.0
 */
export const alertFor = (reason: TlsErrorReason): AlertName | undefined => {
  switch (reason._tag) {
    case "AlertReceived":
    case "Truncated":
      return undefined
    case "Timeout":
      return undefined
    default:
      return reason.alert
  }
}

/**
 * The error a failed connection ends with, matchable with `Effect.catchTag("TlsError", …)`.
 *
 * @since 0.1.0
 * @category errors
 */
export class TlsError extends Data.TaggedError("TlsError")<{
  readonly reason: TlsErrorReason
}> {
  override get message(): string {
    const r = this.reason
    switch (r._tag) {
      case "AlertReceived":
        return `peer sent alert ${r.alert}${r.afterOurFinished ? " after our Finished" : ""}${r.detail === undefined ? "" : `: ${r.detail}`}`
      default:
        return `${r._tag}${"alert" in r ? ` (${r.alert})` : ""}: ${r.detail}`
    }
  }
}

/** Reason constructors. @since 0.1.0 @category constructors */
export const misbehaved = (alert: PeerMisbehaved["alert"], detail: string): PeerMisbehaved => ({ _tag: "PeerMisbehaved", alert, detail })
/** @since 0.1.0 @category constructors */
export const incompatible = (alert: PeerIncompatible["alert"], detail: string): PeerIncompatible => ({ _tag: "PeerIncompatible", alert, detail })
/** @since 0.1.0 @category constructors */
export const rejected = (alert: CertificateRejected["alert"], detail: string, depth?: number, subject?: string): CertificateRejected => ({
  _tag: "CertificateRejected",
  alert,
  detail,
  depth,
  subject
})
/** @since 0.1.0 @category constructors */
export const localFailure = (detail: string, alert: LocalFailure["alert"] = "internal_error"): LocalFailure => ({
  _tag: "LocalFailure",
  alert,
  detail
})
