/**
 * What arrives at a state machine (DESIGN principle 1): bytes from the peer, the
 * application's requests, the clock, and the results of work the machine asked for.
 * Entropy and time arrive inside events — a reducer never draws either itself.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

const Bytes = Schema.Uint8Array
const Millis = Schema.Number

/** Begin the handshake (client) or start listening for a ClientHello (server). @since 0.1.0 @category events */
export const Start = Schema.TaggedStruct("Start", { now: Millis, entropy: Bytes })

/**
 * Bytes from the transport, at any chunking. `entropy` is filled by the driver while the
 * machine says it needs some (`needsEntropy`), so a server can answer a ClientHello.
 *
 * @since 0.1.0
 * @category events
 */
export const Received = Schema.TaggedStruct("Received", { bytes: Bytes, now: Millis, entropy: Bytes })

/** The application writes data. @since 0.1.0 @category events */
export const Write = Schema.TaggedStruct("Write", { data: Bytes })

/** The application closes: send close_notify (the read side stays open for the peer's answer). @since 0.1.0 @category events */
export const Close = Schema.TaggedStruct("Close", {})

/** The application asks for a KeyUpdate; `updatePeer` sets update_requested (TLS 1.3 §4.6.3). @since 0.1.0 @category events */
export const RequestKeyUpdate = Schema.TaggedStruct("RequestKeyUpdate", { updatePeer: Schema.Boolean })

/**
 * The application asks for a TLS 1.2 renegotiation (with `renegotiation: "accept"`): a client
 * sends a new ClientHello (its random from `entropy`), a server a HelloRequest.
 *
 * @since 0.1.0
 * @category events
 */
export const RequestRenegotiation = Schema.TaggedStruct("RequestRenegotiation", { entropy: Schema.optional(Bytes) })

/** Time passed (the driver's clock or the simulator's). @since 0.1.0 @category events */
export const TimeAdvanced = Schema.TaggedStruct("TimeAdvanced", { now: Millis })

/** The transport ended (EOF). Without a prior close_notify this is a truncation. @since 0.1.0 @category events */
export const TransportClosed = Schema.TaggedStruct("TransportClosed", {})

/** The verdict on a peer chain the machine asked to verify. @since 0.1.0 @category events */
export const ChainVerdict = Schema.TaggedStruct("ChainVerdict", {
  accepted: Schema.Boolean,
  alert: Schema.optional(Schema.String),
  detail: Schema.optional(Schema.String),
  depth: Schema.optional(Schema.Number),
  subject: Schema.optional(Schema.String),
  /** Entropy for what the buffered input processed after the verdict needs (`needsEntropy`). */
  entropy: Schema.optional(Bytes)
})

/** A signature the machine asked for. @since 0.1.0 @category events */
export const Signed = Schema.TaggedStruct("Signed", { signature: Bytes, entropy: Schema.optional(Bytes) })

/**
 * The result of a key agreement the server asked for (its share and the shared secret),
 * or `ok: false` when the client's share is invalid (`illegal_parameter`).
 *
 * @since 0.1.0
 * @category events
 */
export const KeyAgreed = Schema.TaggedStruct("KeyAgreed", {
  ok: Schema.Boolean,
  publicKey: Bytes,
  sharedSecret: Schema.Redacted(Bytes),
  entropy: Schema.optional(Bytes)
})

/**
 * The session store's answer to `RedeemTicket`: `fresh` is false for a ticket already used
 * (single-use tickets, the 0-RTT anti-replay of RFC 8446 §8.1).
 *
 * @since 0.1.0
 * @category events
 */
export const TicketRedeemed = Schema.TaggedStruct("TicketRedeemed", { fresh: Schema.Boolean, entropy: Schema.optional(Bytes) })

/** The session cache's answer to `LookupSession` (absent: not cached or expired). @since 0.1.0 @category events */
export const SessionLookup = Schema.TaggedStruct("SessionLookup", { session: Schema.optional(Schema.Unknown), entropy: Schema.optional(Bytes) })

/**
 * The answer to `SelectClientCertificate`: the index of the configured certificate to send,
 * or none (an empty Certificate). An index out of range, or of a certificate whose key can
 * sign none of the server's schemes, ends the connection with `internal_error`.
 *
 * @since 0.1.0
 * @category events
 */
export const ClientCertificateChosen = Schema.TaggedStruct("ClientCertificateChosen", { index: Schema.optional(Schema.Number), entropy: Schema.optional(Bytes) })

/** Every event. @since 0.1.0 @category events */
export const Event = Schema.Union([
  Start,
  Received,
  Write,
  Close,
  RequestKeyUpdate,
  RequestRenegotiation,
  TimeAdvanced,
  TransportClosed,
  ChainVerdict,
  Signed,
  KeyAgreed,
  TicketRedeemed,
  SessionLookup,
  ClientCertificateChosen
])

/** @since 0.1.0 @category events */
export type Event = typeof Event.Type
/** @since 0.1.0 @category events */
export type EventTag = Event["_tag"]
/** @since 0.1.0 @category events */
export type EventOf<T extends EventTag> = Extract<Event, { readonly _tag: T }>

/** Every event tag, for grids and docs. @since 0.1.0 */
export const eventTags: ReadonlyArray<EventTag> = [
  "Start",
  "Received",
  "Write",
  "Close",
  "RequestKeyUpdate",
  "RequestRenegotiation",
  "TimeAdvanced",
  "TransportClosed",
  "ChainVerdict",
  "Signed",
  "KeyAgreed",
  "TicketRedeemed",
  "SessionLookup",
  "ClientCertificateChosen"
]
