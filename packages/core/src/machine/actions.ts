/**
 * What a state machine asks its driver to do: send bytes, deliver application data,
 * report progress, perform work (verify a chain, sign, agree on a key), record secrets
 * for a key log, and trace each transition.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

const Bytes = Schema.Uint8Array

/** Bytes for the transport (one or more records). @since 0.1.0 @category actions */
export const Send = Schema.TaggedStruct("Send", { bytes: Bytes })

/** Application data, authenticated and in order. @since 0.1.0 @category actions */
export const Deliver = Schema.TaggedStruct("Deliver", { data: Bytes })

/** The peer sent close_notify: no more data will be delivered. @since 0.1.0 @category actions */
export const ReadClosed = Schema.TaggedStruct("ReadClosed", {})

/**
 * What both sides agreed on, carried by `HandshakeComplete`.
 *
 * @since 0.1.0
 * @category models
 */
export const NegotiatedParameters = Schema.Struct({
  version: Schema.Number,
  cipherSuite: Schema.Number,
  /** The key-exchange group, absent for psk_ke resumption. */
  group: Schema.optional(Schema.Number),
  alpn: Schema.optional(Schema.String),
  serverName: Schema.optional(Schema.String),
  /** The peer's chain (DER, leaf first); empty when the peer did not authenticate. */
  peerCertificates: Schema.Array(Bytes),
  /** The scheme of the peer's CertificateVerify, and of ours. */
  peerSignatureScheme: Schema.optional(Schema.Number),
  signatureScheme: Schema.optional(Schema.Number),
  resumed: Schema.Boolean,
  earlyData: Schema.Literals(["none", "accepted", "rejected"]),
  helloRetry: Schema.Boolean,
  clientRandom: Bytes,
  serverRandom: Bytes,
  /** exporter_master_secret (RFC 8446 §7.5) and its hash, for `exportKeyingMaterial`. */
  exporterSecret: Schema.Redacted(Bytes),
  hash: Schema.Literals(["sha256", "sha384"])
})
/** @since 0.1.0 @category models */
export type NegotiatedParameters = typeof NegotiatedParameters.Type

/** The handshake finished on our side. @since 0.1.0 @category actions */
export const HandshakeComplete = Schema.TaggedStruct("HandshakeComplete", { params: NegotiatedParameters })

/**
 * TLS 1.3 server: our Finished is sent — the point where RFC 8446 §2 lets a server consider
 * the handshake done for its part and send data — with what was negotiated so far (the
 * client's certificate, if asked for, is still to come). The client may yet reject our
 * certificate: its alert then arrives after this, and `HandshakeComplete` never does.
 *
 * @since 0.1.0
 * @category actions
 */
export const ServerFinished = Schema.TaggedStruct("ServerFinished", { params: NegotiatedParameters })

/** We sent an alert. @since 0.1.0 @category actions */
export const AlertSent = Schema.TaggedStruct("AlertSent", { level: Schema.Number, description: Schema.Number })
/** The peer sent an alert. @since 0.1.0 @category actions */
export const AlertReceived = Schema.TaggedStruct("AlertReceived", { level: Schema.Number, description: Schema.Number })

/**
 * Verify the peer's chain (the driver runs the configured verifier and answers with
 * `ChainVerdict`). `now` is the time of the event that carried the chain.
 *
 * @since 0.1.0
 * @category actions
 */
export const VerifyChain = Schema.TaggedStruct("VerifyChain", {
  chain: Schema.Array(Bytes),
  peer: Schema.Literals(["server", "client"]),
  serverName: Schema.optional(Schema.String),
  now: Schema.Number
})

/** Sign `data` with our credential number `credential` (answered by `Signed`). @since 0.1.0 @category actions */
export const Sign = Schema.TaggedStruct("Sign", { scheme: Schema.Number, data: Bytes, credential: Schema.Number })

/** Server: agree on a key with the client's share (answered by `KeyAgreed`). @since 0.1.0 @category actions */
export const KeyAgreement = Schema.TaggedStruct("KeyAgreement", { group: Schema.Number, peerPublic: Bytes })

/** Server: 0-RTT early data from the client, delivered before the handshake completes (it may be a replay: RFC 8446 §8). @since 0.1.0 @category actions */
export const EarlyData = Schema.TaggedStruct("EarlyData", { data: Bytes })

/**
 * Server: mark a ticket used and say whether it was fresh (answered by `TicketRedeemed`).
 * `id` identifies the ticket; `expiresAt` bounds how long the store must remember it.
 *
 * @since 0.1.0
 * @category actions
 */
export const RedeemTicket = Schema.TaggedStruct("RedeemTicket", { id: Bytes, expiresAt: Schema.Number })

/** Server (TLS 1.2): keep this session under its session ID for resumption. @since 0.1.0 @category actions */
export const CacheSession = Schema.TaggedStruct("CacheSession", { id: Bytes, session: Schema.Unknown, expiresAt: Schema.Number })

/** Server (TLS 1.2): look up the session a ClientHello names (answered by `SessionLookup`). @since 0.1.0 @category actions */
export const LookupSession = Schema.TaggedStruct("LookupSession", { id: Bytes })

/**
 * Client: choose the certificate to answer a CertificateRequest with (answered by
 * `ClientCertificateChosen`), when `clientCertificateSelection` is `selector`. `caNames`
 * are the DER distinguished names the server accepts (empty: any), `signatureSchemes` the
 * code points it accepts; the candidates are the configured `certificates`.
 *
 * @since 0.1.0
 * @category actions
 */
export const SelectClientCertificate = Schema.TaggedStruct("SelectClientCertificate", {
  caNames: Schema.Array(Bytes),
  signatureSchemes: Schema.Array(Schema.Number),
  version: Schema.Literals(["1.2", "1.3"])
})

/** A secret for SSLKEYLOGFILE (NSS key log format label). @since 0.1.0 @category actions */
export const KeyLog = Schema.TaggedStruct("KeyLog", { label: Schema.String, clientRandom: Bytes, secret: Schema.Redacted(Bytes) })

/** Client: a session a server offered for resumption (TLS 1.3 NewSessionTicket). @since 0.1.0 @category actions */
export const SessionTicket = Schema.TaggedStruct("SessionTicket", { session: Schema.Unknown })

/** One transition, for `-state`-style traces. @since 0.1.0 @category actions */
export const Trace = Schema.TaggedStruct("Trace", {
  side: Schema.Literals(["client", "server"]),
  from: Schema.String,
  to: Schema.String,
  /** What caused it: a message name (`read ServerHello`, `write Finished`) or an event tag. */
  note: Schema.String
})

/** The connection is over; `error` says why unless it closed cleanly. @since 0.1.0 @category actions */
export const Closed = Schema.TaggedStruct("Closed", { error: Schema.optional(Schema.Unknown) })

/** Every action. @since 0.1.0 @category actions */
export const Action = Schema.Union([
  Send,
  Deliver,
  ReadClosed,
  HandshakeComplete,
  ServerFinished,
  AlertSent,
  AlertReceived,
  VerifyChain,
  Sign,
  KeyAgreement,
  EarlyData,
  RedeemTicket,
  CacheSession,
  LookupSession,
  SelectClientCertificate,
  KeyLog,
  SessionTicket,
  Trace,
  Closed
])
/** @since 0.1.0 @category actions */
export type Action = typeof Action.Type
/** @since 0.1.0 @category actions */
export type ActionOf<T extends Action["_tag"]> = Extract<Action, { readonly _tag: T }>
