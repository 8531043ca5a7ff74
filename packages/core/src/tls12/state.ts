/**
 * The TLS 1.2 states of both roles (RFC 5246 §7.3), named after what each waits for, and
 * the table of what each accepts. ChangeCipherSpec is a record, not a handshake message:
 * only `Wait12ServerCcs` / `Wait12ClientCcs` take it (an early one is CVE-2014-0224), and
 * no message may be skipped (the SMACK attacks).
 *
 * @since 0.1.0
 */
import type { HandshakeTypeName } from "@effect-tls/codec"
import type { Conn } from "../machine/conn.js"
import type { EventTag } from "../machine/events.js"
import type { Tls12MasterSecret } from "../schedule/tls12.js"
import type { HashedTranscript } from "../schedule/transcript.js"
import type { HeldShare } from "../tls13/common.js"
import type { Suite12 } from "./common.js"

/** What a TLS 1.2 handshake has agreed so far. @since 0.1.0 @category models */
export interface Handshake12 {
  readonly suite: Suite12
  readonly transcript: HashedTranscript
  readonly clientRandom: Uint8Array
  readonly serverRandom: Uint8Array
  readonly sessionId: Uint8Array
  readonly alpn?: string | undefined
  readonly serverName?: string | undefined
  readonly group?: number | undefined
  readonly peerCertificates: ReadonlyArray<Uint8Array>
  readonly peerSignatureScheme?: number | undefined
  readonly signatureScheme?: number | undefined
  /** The client's offered version (RSA premaster check, RFC 5246 §7.4.7.1). */
  readonly clientVersion: number
  /** The server acknowledged session_ticket: a NewSessionTicket precedes its ChangeCipherSpec. */
  readonly ticketExpected: boolean
  readonly resumed: boolean
  /** Client: the ticket the server issued (RFC 5077), and its lifetime hint. */
  readonly ticket?: Uint8Array | undefined
  readonly ticketLifetime?: number | undefined
  /** RFC 5746 verify_data of both Finished messages, for a later renegotiation. */
  readonly clientVerifyData?: Uint8Array | undefined
  readonly serverVerifyData?: Uint8Array | undefined
}

/** The server's key-exchange parameters as the client received them. @since 0.1.0 @category models */
export type ServerParams =
  | { readonly kind: "ECDHE"; readonly group: number; readonly publicKey: Uint8Array }
  | { readonly kind: "DHE"; readonly group: number; readonly publicKey: Uint8Array }
  | { readonly kind: "RSA" }

/** The (EC)DHE parameters a server signs in its ServerKeyExchange. @since 0.1.0 @category models */
export type SkeParams =
  | { readonly kind: "ECDHE"; readonly value: { readonly curveType: 3; readonly namedCurve: number; readonly publicKey: Uint8Array } }
  | { readonly kind: "DHE"; readonly value: { readonly p: Uint8Array; readonly g: Uint8Array; readonly ys: Uint8Array } }

/** A CertificateRequest (RFC 5246 §7.4.4). @since 0.1.0 @category models */
export interface Request12 {
  readonly certificateTypes: ReadonlyArray<number>
  readonly signatureSchemes: ReadonlyArray<number>
  readonly authorities: ReadonlyArray<Uint8Array>
}

type Base<T extends string> = { readonly _tag: T; readonly conn: Conn }
type WithHs<T extends string, X = {}> = Base<T> & { readonly hs: Handshake12 } & X

/** @since 0.1.0 @category states */
export type State12 =
  // client
  | WithHs<"Wait12ServerCertificate">
  | WithHs<"Wait12ChainVerdict">
  | WithHs<"Wait12ServerKeyExchange">
  | WithHs<"Wait12CertificateRequestOrDone", { readonly params: ServerParams }>
  | WithHs<"Wait12ServerHelloDone", { readonly params: ServerParams; readonly request: Request12 }>
  | WithHs<"Wait12ClientCertificateChoice", { readonly params: ServerParams; readonly request: Request12 }>
  | WithHs<"Wait12ClientSignature", { readonly master: Tls12MasterSecret; readonly scheme: number }>
  | WithHs<"Wait12NewSessionTicket", { readonly master: Tls12MasterSecret }>
  | WithHs<"Wait12ServerCcs", { readonly master: Tls12MasterSecret }>
  | WithHs<"Wait12ServerFinished", { readonly master: Tls12MasterSecret }>
  // server
  | (Base<"Wait12SessionLookup"> & { readonly clientHello: Uint8Array })
  | WithHs<
      "Wait12ServerSignature",
      {
        readonly share?: HeldShare | undefined
        readonly params: SkeParams
        /** ServerHello and Certificate, then what follows the ServerKeyExchange: sent together once it is signed. */
        readonly flight: ReadonlyArray<Uint8Array>
        readonly tail: ReadonlyArray<Uint8Array>
        readonly request: boolean
      }
    >
  | WithHs<"Wait12ClientCertificate", { readonly share?: HeldShare | undefined }>
  | WithHs<"Wait12ClientChainVerdict", { readonly share?: HeldShare | undefined }>
  | WithHs<"Wait12ClientKeyExchange", { readonly share?: HeldShare | undefined }>
  | WithHs<"Wait12ClientCertificateVerify", { readonly master: Tls12MasterSecret }>
  | WithHs<"Wait12ClientCcs", { readonly master: Tls12MasterSecret }>
  | WithHs<"Wait12ClientFinished", { readonly master: Tls12MasterSecret }>
  // both
  | (Base<"Connected12"> & {
      readonly role: "client" | "server"
      readonly hs: Handshake12
      readonly master: Tls12MasterSecret
      readonly closeSent: boolean
      readonly readClosed: boolean
      /** `renegotiation: "accept"`: a HelloRequest (client) or ClientHello (server) may start a handshake, so input carries entropy. */
      readonly renegotiable: boolean
    })

/** @since 0.1.0 @category states */
export type State12Tag = State12["_tag"]

const during: ReadonlyArray<EventTag> = ["Received", "TimeAdvanced", "TransportClosed", "Close"]

/**
 * What each TLS 1.2 state accepts: handshake messages by type name, ChangeCipherSpec, and
 * events. Anything else is `unexpected_message`.
 *
 * @since 0.1.0
 */
export const expects12: {
  readonly [K in State12Tag]: { readonly messages: ReadonlyArray<HandshakeTypeName>; readonly ccs: boolean; readonly events: ReadonlyArray<EventTag> }
} = {
  Wait12ServerCertificate: { messages: ["hello_request", "certificate"], ccs: false, events: during },
  Wait12ChainVerdict: { messages: [], ccs: false, events: ["ChainVerdict", ...during] },
  Wait12ServerKeyExchange: { messages: ["hello_request", "server_key_exchange"], ccs: false, events: during },
  Wait12CertificateRequestOrDone: { messages: ["hello_request", "certificate_request", "server_hello_done"], ccs: false, events: during },
  Wait12ServerHelloDone: { messages: ["hello_request", "server_hello_done"], ccs: false, events: during },
  Wait12ClientCertificateChoice: { messages: [], ccs: false, events: ["ClientCertificateChosen", ...during] },
  Wait12ClientSignature: { messages: [], ccs: false, events: ["Signed", ...during] },
  Wait12NewSessionTicket: { messages: ["hello_request", "new_session_ticket"], ccs: false, events: during },
  Wait12ServerCcs: { messages: [], ccs: true, events: during },
  Wait12ServerFinished: { messages: ["hello_request", "finished"], ccs: false, events: during },
  Wait12SessionLookup: { messages: [], ccs: false, events: ["SessionLookup", ...during] },
  Wait12ServerSignature: { messages: [], ccs: false, events: ["Signed", ...during] },
  Wait12ClientCertificate: { messages: ["certificate"], ccs: false, events: during },
  Wait12ClientChainVerdict: { messages: [], ccs: false, events: ["ChainVerdict", ...during] },
  Wait12ClientKeyExchange: { messages: ["client_key_exchange"], ccs: false, events: during },
  Wait12ClientCertificateVerify: { messages: ["certificate_verify"], ccs: false, events: during },
  Wait12ClientCcs: { messages: [], ccs: true, events: during },
  Wait12ClientFinished: { messages: ["finished"], ccs: false, events: during },
  Connected12: { messages: ["hello_request", "client_hello"], ccs: false, events: ["Received", "Write", "Close", "RequestRenegotiation", "TimeAdvanced", "TransportClosed"] }
}

/** Client states where a HelloRequest is ignored (RFC 5246 §7.4.1.1: "in the middle of a handshake"). @since 0.1.0 */
export const ignoresHelloRequest12 = (tag: State12Tag): boolean => (expects12[tag].messages as ReadonlyArray<string>).includes("hello_request") && tag !== "Connected12"

/** States that wait on our own work. @since 0.1.0 */
export const waitsOnWork12 = (tag: State12Tag): boolean =>
  tag === "Wait12ChainVerdict" ||
  tag === "Wait12ClientCertificateChoice" ||
  tag === "Wait12ClientSignature" ||
  tag === "Wait12ServerSignature" ||
  tag === "Wait12ClientChainVerdict" ||
  tag === "Wait12SessionLookup"

/** Whether a tag is a TLS 1.2 state. @since 0.1.0 */
export const isState12 = (tag: string): tag is State12Tag => tag in expects12
