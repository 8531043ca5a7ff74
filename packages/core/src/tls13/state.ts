/**
 * The TLS 1.3 states of both roles (RFC 8446 Appendix A), each named after what it waits
 * for, and the table of what each accepts — consulted first by `step`, so anything else
 * is `unexpected_message` in one place. A state is plain data: printable, comparable,
 * Schema-encodable (secrets are labelled `Redacted` values).
 *
 * @since 0.1.0
 */
import type { HandshakeTypeName } from "@effect-tls/codec"
import type { NegotiatedParameters } from "../machine/actions.js"
import type { Conn } from "../machine/conn.js"
import type { EventTag } from "../machine/events.js"
import type { TlsErrorReason } from "../machine/errors.js"
import type { HandshakeSecret, MasterSecret, Psk } from "../schedule/tls13.js"
import type { Session12, Session13, TicketState } from "./session.js"
import type { ExporterSecret, ResumptionMasterSecret, TrafficSecret } from "../schedule/tls13-secrets.js"
import type { HashedTranscript, PendingTranscript } from "../schedule/transcript.js"
import type { HeldShare, Suite13 } from "./common.js"
import type { State12 } from "../tls12/state.js"

/** What the client sent in its ClientHello and must remember. @since 0.1.0 @category models */
/** A resumption the client offered (RFC 8446 §4.2.11), and whether it sent 0-RTT data. @since 0.1.0 @category models */
export interface PskOffer {
  readonly session: Session13
  readonly psk: Psk<"resumption">
  /** Early data sent under client_early_traffic_secret with the first ClientHello. */
  readonly earlySent: boolean
}

/** What the client sent in its ClientHello and must remember. @since 0.1.0 @category models */
export interface ClientHelloSent {
  readonly random: Uint8Array
  readonly sessionId: Uint8Array
  readonly cipherSuites: ReadonlyArray<number>
  readonly groups: ReadonlyArray<number>
  readonly shares: ReadonlyArray<HeldShare>
  readonly alpn: ReadonlyArray<string>
  readonly extensionTypes: ReadonlyArray<number>
  readonly cookie?: Uint8Array | undefined
  readonly offer?: PskOffer | undefined
  /** A TLS 1.2 session offered for resumption (its ID and/or ticket are in the hello). */
  readonly session12?: Session12 | undefined
  /** A TLS 1.2 renegotiation: the previous client Finished, sent in renegotiation_info (RFC 5746 §3.5). */
  readonly renegotiation?: Uint8Array | undefined
}

/** Keys and transcript once ServerHello is processed. @since 0.1.0 @category models */
export interface Handshake13 {
  readonly suite: Suite13
  readonly group?: number | undefined
  readonly transcript: HashedTranscript
  readonly handshakeSecret: HandshakeSecret
  readonly clientSecret: TrafficSecret<"handshake">
  readonly serverSecret: TrafficSecret<"handshake">
  readonly clientRandom: Uint8Array
  readonly serverRandom: Uint8Array
  readonly helloRetry: boolean
  readonly alpn?: string | undefined
  readonly serverName?: string | undefined
  readonly peerCertificates: ReadonlyArray<Uint8Array>
  readonly peerSignatureScheme?: number | undefined
  readonly signatureScheme?: number | undefined
  /** A PSK was accepted (no certificates in this handshake). */
  readonly resumed: boolean
  readonly earlyData: "none" | "accepted" | "rejected"
}

/** What the server asked for in a CertificateRequest. @since 0.1.0 @category models */
export interface CertificateRequested {
  readonly context: Uint8Array
  readonly signatureSchemes: ReadonlyArray<number>
  readonly authorities: ReadonlyArray<Uint8Array>
}

/** Application traffic keys and what survives the handshake. @since 0.1.0 @category models */
export interface Traffic13 {
  readonly suite: Suite13
  readonly clientSecret: TrafficSecret<"application">
  readonly serverSecret: TrafficSecret<"application">
  readonly exporter: ExporterSecret
  readonly resumption: ResumptionMasterSecret
  readonly params: NegotiatedParameters
  /** We sent close_notify; the peer's data may still arrive (half-close). */
  readonly closeSent: boolean
  /** The peer sent close_notify; we may still write until we close. */
  readonly readClosed: boolean
}

type Base<T extends string> = { readonly _tag: T; readonly conn: Conn }

/** @since 0.1.0 @category states */
export type ClientState =
  | Base<"ClientStart">
  | (Base<"WaitServerHello"> & {
      readonly hello: ClientHelloSent
      readonly transcript: PendingTranscript | HashedTranscript
      readonly retried: boolean
      /** A TLS 1.2 renegotiation: the connection to go back to if the server refuses it with a warning. */
      readonly renegotiating?: Extract<State12, { _tag: "Connected12" }> | undefined
    })
  | (Base<"WaitEncryptedExtensions"> & { readonly hs: Handshake13; readonly hello: ClientHelloSent })
  | (Base<"WaitCertOrCertRequest"> & { readonly hs: Handshake13; readonly hello: ClientHelloSent })
  | (Base<"WaitCertificate"> & { readonly hs: Handshake13; readonly request: CertificateRequested })
  | (Base<"WaitChainVerdict"> & { readonly hs: Handshake13; readonly request?: CertificateRequested | undefined })
  | (Base<"WaitCertificateVerify"> & { readonly hs: Handshake13; readonly request?: CertificateRequested | undefined })
  | (Base<"WaitFinished"> & { readonly hs: Handshake13; readonly request?: CertificateRequested | undefined })
  | (Base<"WaitClientCertificateChoice"> & {
      readonly hs: Handshake13
      readonly master: MasterSecret
      readonly app: AppSecrets
      readonly request: CertificateRequested
    })
  | (Base<"WaitClientSignature"> & {
      readonly hs: Handshake13
      readonly master: MasterSecret
      readonly app: AppSecrets
      readonly scheme: number
    })

/** @since 0.1.0 @category states */
export type ServerState =
  | Base<"ServerStart">
  | (Base<"WaitClientHello"> & {
      readonly retry?: { readonly transcript: HashedTranscript; readonly suite: Suite13; readonly group: number; readonly cookie?: Uint8Array | undefined; readonly sessionId: Uint8Array } | undefined
    })
  | (Base<"WaitTicketRedemption"> & { readonly pending: ServerPending; readonly fallbackGroup?: number | undefined })
  | (Base<"WaitKeyAgreement"> & { readonly pending: ServerPending })
  | (Base<"WaitServerSignature"> & {
      readonly hs: Handshake13
      readonly scheme: number
      readonly request: boolean
      /** EncryptedExtensions, CertificateRequest and Certificate, sent with CertificateVerify and Finished in one flight. */
      readonly flight: ReadonlyArray<Uint8Array>
    })
  | (Base<"WaitClientCertificate"> & { readonly hs: Handshake13; readonly master: MasterSecret; readonly app: AppSecrets })
  | (Base<"WaitClientChainVerdict"> & { readonly hs: Handshake13; readonly master: MasterSecret; readonly app: AppSecrets })
  | (Base<"WaitClientCertificateVerify"> & { readonly hs: Handshake13; readonly master: MasterSecret; readonly app: AppSecrets })
  | (Base<"WaitEndOfEarlyData"> & { readonly hs: Handshake13; readonly master: MasterSecret; readonly app: AppSecrets })
  | (Base<"WaitClientFinished"> & { readonly hs: Handshake13; readonly master: MasterSecret; readonly app: AppSecrets })

/** Application traffic secrets and the exporter secret, all from the transcript through the server Finished. @since 0.1.0 @category models */
export interface AppSecrets {
  readonly client: TrafficSecret<"application">
  readonly server: TrafficSecret<"application">
  readonly exporter: ExporterSecret
}

/** What a server decided from a ClientHello, kept while its key agreement runs. @since 0.1.0 @category models */
export interface ServerPending {
  readonly suite: Suite13
  readonly group?: number | undefined
  readonly transcript: HashedTranscript
  readonly clientRandom: Uint8Array
  readonly sessionId: Uint8Array
  readonly helloRetry: boolean
  readonly alpn?: string | undefined
  readonly serverName?: string | undefined
  readonly credential: number
  readonly scheme: number
  /** The client's signature_algorithms (for a full handshake after a refused ticket). */
  readonly clientSignatureSchemes?: ReadonlyArray<number> | undefined
  readonly clientRecordSizeLimit?: number | undefined
  /** Extension types the client sent, in order (what our responses may answer). */
  readonly clientExtensions: ReadonlyArray<number>
  /** The server random, drawn from the ClientHello event's entropy. */
  readonly entropy: Uint8Array
  /** The PSK we accept, and how: 1 = psk_dhe_ke, 0 = psk_ke. */
  readonly psk?: { readonly ticket: TicketState; readonly mode: number; readonly early: boolean } | undefined
  /** The client's key share for `group` (absent for psk_ke). */
  readonly clientShare?: Uint8Array | undefined
  /** Bytes of 0-RTT data to skip when it is not accepted. */
  readonly skipEarly: number
}

/** States both roles share. @since 0.1.0 @category states */
export type SharedState =
  | (Base<"Connected"> & { readonly role: "client" | "server"; readonly traffic: Traffic13 })
  | (Base<"Closed"> & { readonly role: "client" | "server"; readonly reason?: TlsErrorReason | undefined })

/** Every TLS 1.3 state. @since 0.1.0 @category states */
export type State13 = ClientState | ServerState | SharedState

/** @since 0.1.0 @category states */
export type StateTag = State13["_tag"]

/**
 * What each state accepts: handshake messages (by type name) and events. Received,
 * TimeAdvanced and TransportClosed are accepted in every state but `Closed`; `Received`
 * bytes are then checked message by message against `messages`.
 *
 * @since 0.1.0
 */
export const expects: { readonly [K in StateTag]: { readonly messages: ReadonlyArray<HandshakeTypeName>; readonly events: ReadonlyArray<EventTag> } } = {
  ClientStart: { messages: [], events: ["Start"] },
  WaitServerHello: { messages: ["server_hello"], events: ["Received", "TimeAdvanced", "TransportClosed", "Close"] },
  WaitEncryptedExtensions: { messages: ["encrypted_extensions"], events: ["Received", "TimeAdvanced", "TransportClosed", "Close"] },
  WaitCertOrCertRequest: { messages: ["certificate", "certificate_request"], events: ["Received", "TimeAdvanced", "TransportClosed", "Close"] },
  WaitCertificate: { messages: ["certificate"], events: ["Received", "TimeAdvanced", "TransportClosed", "Close"] },
  WaitChainVerdict: { messages: [], events: ["ChainVerdict", "Received", "TimeAdvanced", "TransportClosed", "Close"] },
  WaitCertificateVerify: { messages: ["certificate_verify"], events: ["Received", "TimeAdvanced", "TransportClosed", "Close"] },
  WaitFinished: { messages: ["finished"], events: ["Received", "TimeAdvanced", "TransportClosed", "Close"] },
  WaitClientCertificateChoice: { messages: [], events: ["ClientCertificateChosen", "Received", "TimeAdvanced", "TransportClosed", "Close"] },
  WaitClientSignature: { messages: [], events: ["Signed", "Received", "TimeAdvanced", "TransportClosed", "Close"] },
  ServerStart: { messages: [], events: ["Start"] },
  WaitClientHello: { messages: ["client_hello"], events: ["Received", "TimeAdvanced", "TransportClosed", "Close"] },
  WaitTicketRedemption: { messages: [], events: ["TicketRedeemed", "Received", "TimeAdvanced", "TransportClosed", "Close"] },
  WaitKeyAgreement: { messages: [], events: ["KeyAgreed", "Received", "TimeAdvanced", "TransportClosed", "Close"] },
  WaitServerSignature: { messages: [], events: ["Signed", "Received", "TimeAdvanced", "TransportClosed", "Close"] },
  WaitClientCertificate: { messages: ["certificate"], events: ["Received", "TimeAdvanced", "TransportClosed", "Close"] },
  WaitClientChainVerdict: { messages: [], events: ["ChainVerdict", "Received", "TimeAdvanced", "TransportClosed", "Close"] },
  WaitClientCertificateVerify: { messages: ["certificate_verify"], events: ["Received", "TimeAdvanced", "TransportClosed", "Close"] },
  WaitEndOfEarlyData: { messages: ["end_of_early_data"], events: ["Received", "TimeAdvanced", "TransportClosed", "Close"] },
  WaitClientFinished: { messages: ["finished"], events: ["Received", "TimeAdvanced", "TransportClosed", "Close"] },
  Connected: {
    messages: ["new_session_ticket", "key_update"],
    events: ["Received", "Write", "Close", "RequestKeyUpdate", "TimeAdvanced", "TransportClosed"]
  },
  Closed: { messages: [], events: [] }
}

/** States that wait on our own work: no inbound record is processed until it is done. @since 0.1.0 */
export const waitsOnWork = (tag: StateTag): boolean =>
  tag === "WaitChainVerdict" ||
  tag === "WaitClientCertificateChoice" ||
  tag === "WaitClientSignature" ||
  tag === "WaitKeyAgreement" ||
  tag === "WaitTicketRedemption" ||
  tag === "WaitServerSignature" ||
  tag === "WaitClientChainVerdict"
