/**
 * The TLS 1.3 state machine: `step(deps, state, event) → { state, actions }`. The table of
 * what each state accepts (`expects`) is consulted first; anything else is one
 * `unexpected_message` alert and a closed state. Inbound bytes are pumped record by record
 * and message by message until the state waits on its own work (a chain verdict, a
 * signature, a key agreement) or the input runs out.
 *
 * @since 0.1.0
 */
import { AlertDescription, ContentType, HandshakeType, isSsl2ClientHello, NamedGroup, SignatureScheme, suiteName, type RawHandshake } from "@effect-tls/codec"
import { Abort, abort, emptyConn, nextMessage, nextRecord, Out, reassemble, receive, write, type Conn } from "../machine/conn.js"
import { alertFor, incompatible, localFailure, misbehaved, type TlsErrorReason } from "../machine/errors.js"
import type { Event } from "../machine/events.js"
import type { TlsConfig } from "../machine/config.js"
import type { Deps, Machine, Role, StepResult } from "../machine/machine.js"
import * as ClientFlight from "./client/flight.js"
import { names } from "./common.js"
import * as ClientHello from "./client/hello.js"
import type { Ctx } from "./context.js"
import * as ServerFlight from "./server/flight.js"
import * as ServerHello from "./server/hello.js"
import { expects, waitsOnWork, type State13 as State13Only, type StateTag as StateTag13 } from "./state.js"
import * as Traffic from "./traffic.js"
import * as Client12 from "../tls12/client.js"
import * as Server12 from "../tls12/server.js"
import { expects12, ignoresHelloRequest12, isState12, waitsOnWork12, type State12 } from "../tls12/state.js"
import * as Traffic12 from "../tls12/traffic.js"

/** Every state of the machine: TLS 1.3's and TLS 1.2's (a connection enters 1.2 at the hellos). */
type State13 = State13Only | State12
type StateTag = StateTag13 | State12["_tag"]
type Of<T extends StateTag> = Extract<State13, { _tag: T }>

const accepts = (tag: StateTag) => (isState12(tag) ? expects12[tag] : expects[tag as StateTag13])
const waiting = (tag: StateTag) => (isState12(tag) ? waitsOnWork12(tag) : waitsOnWork(tag as StateTag13))

const client12States: ReadonlySet<string> = new Set([
  "Wait12ServerCertificate",
  "Wait12ChainVerdict",
  "Wait12ServerKeyExchange",
  "Wait12CertificateRequestOrDone",
  "Wait12ServerHelloDone",
  "Wait12ClientCertificateChoice",
  "Wait12ClientSignature",
  "Wait12NewSessionTicket",
  "Wait12ServerCcs",
  "Wait12ServerFinished"
])

/** The state before `Start`. @since 0.1.0 @category constructors */
export const initial = (role: Role): State13 =>
  role === "client" ? { _tag: "ClientStart", conn: emptyConn(0x0301) } : { _tag: "ServerStart", conn: emptyConn() }

const roleOf = (s: State13): Role => {
  if (isState12(s._tag)) return s._tag === "Connected12" ? (s as Of<"Connected12">).role : client12States.has(s._tag) ? "client" : "server"
  switch (s._tag) {
    case "Connected":
    case "Closed":
      return s.role
    case "ClientStart":
    case "WaitServerHello":
    case "WaitEncryptedExtensions":
    case "WaitCertOrCertRequest":
    case "WaitCertificate":
    case "WaitChainVerdict":
    case "WaitCertificateVerify":
    case "WaitFinished":
    case "WaitClientCertificateChoice":
    case "WaitClientSignature":
      return "client"
    default:
      return "server"
  }
}

/** Whether our Finished is already out (TLS 1.3: the server's comes first). */
const finishedSent = (s: State13): boolean =>
  s._tag === "Connected" ||
  s._tag === "Connected12" ||
  s._tag === "Wait12NewSessionTicket" ||
  s._tag === "Wait12ServerCcs" ||
  s._tag === "Wait12ServerFinished" ||
  s._tag === "WaitEndOfEarlyData" ||
  s._tag === "WaitClientCertificate" ||
  s._tag === "WaitClientChainVerdict" ||
  s._tag === "WaitClientCertificateVerify" ||
  s._tag === "WaitClientFinished"

/**
 * Whether application data may arrive now: in a TLS 1.2 renegotiation, under the keys of
 * the previous handshake — not once the peer's new ChangeCipherSpec switched them (its
 * Finished comes next).
 */
const dataDuringRenegotiation = (s: State13): boolean =>
  s.conn.renegotiation !== undefined && (isState12(s._tag) || s._tag === "WaitServerHello") && s._tag !== "Wait12ServerFinished" && s._tag !== "Wait12ClientFinished"

/** What a ClientHello offered, by name, for the error of a server that refused it. */
const describeOffer = (config: TlsConfig, hello: Of<"WaitServerHello">["hello"]): string =>
  [
    `versions ${names(config.versions, (v) => (v === 0x0304 ? "TLS 1.3" : v === 0x0303 ? "TLS 1.2" : `0x${v.toString(16)}`))}`,
    `suites ${names(hello.cipherSuites, suiteName)}`,
    `groups ${names(hello.groups, NamedGroup.nameOf)}`,
    `signature schemes ${names(config.signatureSchemes, SignatureScheme.nameOf)}`
  ].join(", ")

/** Nothing has arrived yet. */
const isFirstInput = (conn: Conn): boolean =>
  conn.deframer.pending.length === 0 && conn.records.length === 0 && conn.messages.length === 0 && !conn.reassembler.hasPending


/** Dispatches one handshake message to the handler of the state. */
const onHandshake = (ctx: Ctx, s: State13, m: RawHandshake): State13 => {
  const name = HandshakeType.nameOf(m.type)
  if (!(accepts(s._tag).messages as ReadonlyArray<string>).includes(name)) {
    return abort(misbehaved("unexpected_message", `${name} in state ${s._tag}`))
  }
  // RFC 5246 §7.4.1.1: a HelloRequest in the middle of a TLS 1.2 handshake is ignored
  if (m.type === 0 && isState12(s._tag) && ignoresHelloRequest12(s._tag)) {
    ctx.out.emit({ _tag: "Trace", side: ctx.role, from: s._tag, to: s._tag, note: "read HelloRequest (ignored)" })
    return s
  }
  switch (s._tag) {
    case "Wait12ServerCertificate":
      return Client12.onServerCertificate(ctx, s, m)
    case "Wait12ServerKeyExchange":
      return Client12.onServerKeyExchange(ctx, s, m)
    case "Wait12CertificateRequestOrDone":
      return Client12.onRequestOrDone(ctx, s, m)
    case "Wait12ServerHelloDone":
      return Client12.onServerHelloDone(ctx, s, m)
    case "Wait12NewSessionTicket":
      return Client12.onNewSessionTicket12(ctx, s, m)
    case "Wait12ServerFinished":
      return Client12.onServerFinished12(ctx, s, m)
    case "Wait12ClientCertificate":
      return Server12.onClientCertificate12(ctx, s, m)
    case "Wait12ClientKeyExchange":
      return Server12.onClientKeyExchange(ctx, s, m)
    case "Wait12ClientCertificateVerify":
      return Server12.onClientCertificateVerify12(ctx, s, m)
    case "Wait12ClientFinished":
      return Server12.onClientFinished12(ctx, s, m)
    case "Connected12":
      return Traffic12.onRenegotiation(ctx, s, m) as State13
    case "WaitServerHello":
      return ClientHello.onServerHello(ctx, s, m)
    case "WaitEncryptedExtensions":
      return ClientFlight.onEncryptedExtensions(ctx, s, m)
    case "WaitCertOrCertRequest":
      return ClientFlight.onCertOrRequest(ctx, s, m)
    case "WaitCertificate":
      return ClientFlight.onCertificate(ctx, s, m)
    case "WaitCertificateVerify":
      return ClientFlight.onCertificateVerify(ctx, s, m)
    case "WaitFinished":
      return ClientFlight.onFinished(ctx, s, m)
    case "WaitClientHello":
      return ServerHello.onClientHello(ctx, s, m)
    case "WaitClientCertificate":
      return ServerFlight.onClientCertificate(ctx, s, m)
    case "WaitClientCertificateVerify":
      return ServerFlight.onClientCertificateVerify(ctx, s, m)
    case "WaitClientFinished":
      return ServerFlight.onClientFinished(ctx, s, m)
    case "WaitEndOfEarlyData":
      return ServerFlight.onEndOfEarlyData(ctx, s, m)
    case "Connected":
      return Traffic.onPostHandshake(ctx, s, m)
    default:
      return abort(misbehaved("unexpected_message", `${name} in state ${s._tag}`))
  }
}

/** RFC 8446 §5: a compatibility ChangeCipherSpec is allowed only between the first hellos and the Finished. */
const ccsAllowed = (s: State13): boolean => {
  if (isState12(s._tag)) return false
  switch (s._tag) {
    case "WaitServerHello":
      return s.retried
    case "WaitClientHello":
      return s.retry !== undefined
    case "ClientStart":
    case "ServerStart":
    case "Connected":
    case "Closed":
      return false
    default:
      return true
  }
}

const onAlert = (ctx: Ctx, s: State13, content: Uint8Array): State13 => {
  if (content.length !== 2) return abort(misbehaved("decode_error", `alert of ${content.length} bytes`))
  const [level, description] = [content[0]!, content[1]!]
  ctx.out.emit({ _tag: "AlertReceived", level, description })
  if (description === AlertDescription.values.close_notify && s._tag === "Connected") return Traffic.onCloseNotify(ctx, s)
  if (description === AlertDescription.values.close_notify && s._tag === "Connected12") return Traffic12.onCloseNotify12(ctx, s)
  if (description === AlertDescription.values.user_canceled && level === 1) return s
  // RFC 5246 §7.2.2: a warning other than close_notify leaves a TLS 1.2 connection open
  if (level === 1 && s._tag === "Connected12") return s
  // RFC 5746 §4.5 / RFC 5246 §7.2.2: a server refusing our renegotiation with a warning; the connection goes on as it was
  if (level === 1 && description === AlertDescription.values.no_renegotiation && s._tag === "WaitServerHello" && s.renegotiating !== undefined) {
    ctx.out.emit({ _tag: "Trace", side: ctx.role, from: s._tag, to: "Connected12", note: "read alert no_renegotiation" })
    return { ...s.renegotiating, conn: s.conn }
  }
  const reason: TlsErrorReason = {
    _tag: "AlertReceived",
    alert: AlertDescription.nameOf(description) as never,
    afterOurFinished: finishedSent(s),
    // a server refusing our ClientHello keeps its own lists to itself: say what we offered
    ...(s._tag === "WaitServerHello" ? { detail: `the server refused our offer: ${describeOffer(ctx.deps.config, s.hello)}` } : {})
  }
  ctx.out.emit({ _tag: "Trace", side: ctx.role, from: s._tag, to: "Closed", note: `read alert ${AlertDescription.nameOf(description)}` })
  ctx.out.emit({ _tag: "Closed", error: reason })
  return { _tag: "Closed", role: roleOf(s), conn: s.conn, reason }
}

/** Processes buffered input until it runs out or the state waits on work. */
const pump = (ctx: Ctx, start: State13): State13 => {
  let s = start
  for (;;) {
    ctx.latest = s
    if (s._tag === "Closed" || waiting(s._tag)) return s
    const nm = nextMessage(s.conn)
    if (nm.message !== undefined) {
      s = onHandshake(ctx, { ...s, conn: nm.conn } as State13, nm.message)
      continue
    }
    const nr = nextRecord(ctx.deps.crypto, s.conn)
    if (nr.record === undefined) return s
    s = { ...s, conn: nr.conn } as State13
    const r = nr.record
    switch (r.contentType) {
      case ContentType.values.handshake:
        if (s._tag === "ClientStart" || s._tag === "ServerStart") abort(misbehaved("unexpected_message", "handshake before Start"))
        s = { ...s, conn: reassemble(s.conn, r.content) } as State13
        break
      case ContentType.values.alert:
        if (s.conn.reassembler.hasPending) abort(misbehaved("unexpected_message", "an alert inside a fragmented handshake message"))
        s = onAlert(ctx, s, r.content)
        break
      case ContentType.values.change_cipher_spec:
        if (r.content.length !== 1 || r.content[0] !== 1 || s.conn.reassembler.hasPending) abort(misbehaved("unexpected_message", "malformed ChangeCipherSpec"))
        if (isState12(s._tag)) {
          // RFC 5246 §7.1: exactly where it belongs; an early one is CVE-2014-0224
          if (!expects12[s._tag].ccs || s.conn.messages.length > 0) abort(misbehaved("unexpected_message", `ChangeCipherSpec in state ${s._tag}`))
          s = s._tag === "Wait12ServerCcs" ? Client12.onServerCcs(ctx, s) : Server12.onClientCcs(ctx, s as Of<"Wait12ClientCcs">)
          break
        }
        if (r.protected || !ccsAllowed(s)) abort(misbehaved("unexpected_message", "ChangeCipherSpec out of place"))
        break
      case ContentType.values.application_data:
        if (s._tag === "Connected12") {
          s = Traffic12.onApplicationData12(ctx, s, r.content)
          break
        }
        if (dataDuringRenegotiation(s)) {
          // RFC 5246 §7.4.1: a renegotiation runs under the current keys, data interleaved
          if (s.conn.reassembler.hasPending) abort(misbehaved("unexpected_message", "application data inside a fragmented handshake message"))
          if (r.content.length > 0) ctx.out.emit({ _tag: "Deliver", data: r.content })
          break
        }
        if (s._tag === "WaitEndOfEarlyData") {
          // accepted 0-RTT data: delivered apart from application data (it may be replayed, RFC 8446 §8)
          if (r.content.length > 0) ctx.out.emit({ _tag: "EarlyData", data: r.content })
          break
        }
        if (s._tag !== "Connected") abort(misbehaved("unexpected_message", `application data in state ${s._tag}`))
        if (s.conn.reassembler.hasPending) abort(misbehaved("unexpected_message", "application data inside a fragmented handshake message"))
        s = Traffic.onApplicationData(ctx, s as Of<"Connected">, r.content)
        break
      default:
        abort(misbehaved("unexpected_message", `record of content type ${r.contentType}`))
    }
  }
}

const onEvent = (ctx: Ctx, s: State13, e: Event): State13 => {
  switch (e._tag) {
    case "Start":
      if (s._tag === "ClientStart") return ClientHello.start(ctx, s)
      ctx.out.emit({ _tag: "Trace", side: "server", from: "ServerStart", to: "WaitClientHello", note: "listen" })
      return { _tag: "WaitClientHello", conn: s.conn }
    case "Received":
      // RFC 5246 App. E.2: an SSL 2.0-format ClientHello as the very first bytes is a version we do not speak
      if (s._tag === "WaitClientHello" && s.retry === undefined && isFirstInput(s.conn) && isSsl2ClientHello(e.bytes)) {
        return abort(incompatible("protocol_version", "an SSL 2.0-format ClientHello"))
      }
      return pump(ctx, { ...s, conn: receive(s.conn, e.bytes) } as State13)
    case "ChainVerdict":
      if (s._tag === "Wait12ChainVerdict") return pump(ctx, Client12.onChainVerdict12(ctx, s, e))
      if (s._tag === "Wait12ClientChainVerdict") return pump(ctx, Server12.onClientChainVerdict12(ctx, s, e))
      if (s._tag === "WaitChainVerdict") return pump(ctx, ClientFlight.onChainVerdict(ctx, s, e))
      return pump(ctx, ServerFlight.onClientChainVerdict(ctx, s as Of<"WaitClientChainVerdict">, e))
    case "Signed":
      if (s._tag === "Wait12ClientSignature") return pump(ctx, Client12.onClientSigned12(ctx, s, e))
      if (s._tag === "Wait12ServerSignature") return pump(ctx, Server12.onServerSigned12(ctx, s, e))
      if (s._tag === "WaitClientSignature") return pump(ctx, ClientFlight.onClientSigned(ctx, s, e))
      return pump(ctx, ServerFlight.onServerSigned(ctx, s as Of<"WaitServerSignature">, e))
    case "KeyAgreed":
      return pump(ctx, ServerFlight.onKeyAgreed(ctx, s as Of<"WaitKeyAgreement">, e))
    case "TicketRedeemed":
      return pump(ctx, ServerHello.onTicketRedeemed(ctx, s as Of<"WaitTicketRedemption">, e))
    case "SessionLookup":
      return pump(ctx, Server12.onSessionLookup(ctx, s as Of<"Wait12SessionLookup">, e))
    case "ClientCertificateChosen":
      if (s._tag === "Wait12ClientCertificateChoice") return pump(ctx, Client12.onClientCertificateChosen12(ctx, s, e))
      return pump(ctx, ClientFlight.onClientCertificateChosen(ctx, s as Of<"WaitClientCertificateChoice">, e))
    case "Write":
      if (s._tag === "Connected12") return Traffic12.onWrite12(ctx, s, e)
      return Traffic.onWrite(ctx, s as Of<"Connected">, e)
    case "RequestKeyUpdate":
      return Traffic.onKeyUpdateRequest(ctx, s as Of<"Connected">, e)
    case "RequestRenegotiation":
      return Traffic12.onRenegotiationRequest(ctx, s as Of<"Connected12">) as State13
    case "Close":
      if (s._tag === "Connected12") return Traffic12.onClose12(ctx, s)
      if (s._tag === "Connected") return Traffic.onClose(ctx, s)
      return abort(localFailure("closed by the application during the handshake", "user_canceled"))
    case "TransportClosed":
      if (s._tag === "Connected" && s.traffic.readClosed) {
        ctx.out.emit({ _tag: "Closed" })
        return { _tag: "Closed", role: s.role, conn: s.conn }
      }
      return abort({ _tag: "Truncated", detail: `the transport closed without close_notify in state ${s._tag}` })
    case "TimeAdvanced":
      return s
  }
}

/** Ends the connection: our alert (if the reason calls for one and we can still send), then `Closed`. */
const fail = (ctx: Ctx, s: State13, reason: TlsErrorReason): State13 => {
  const alert = alertFor(reason)
  let conn: Conn = s.conn
  const writeClosed = (s._tag === "Connected" && s.traffic.closeSent) || (s._tag === "Connected12" && s.closeSent)
  if (alert !== undefined && !writeClosed && s._tag !== "Closed") {
    const description = AlertDescription.values[alert]
    const level = alert === "user_canceled" ? 1 : 2
    try {
      conn = write(ctx.deps.crypto, ctx.out, conn, 21, new Uint8Array([level, description]))
      ctx.out.emit({ _tag: "AlertSent", level, description })
    } catch {
      // the write side is unusable; the alert is dropped
    }
  }
  ctx.out.emit({ _tag: "Trace", side: ctx.role, from: s._tag, to: "Closed", note: alert === undefined ? reason._tag : `write alert ${alert}` })
  ctx.out.emit({ _tag: "Closed", error: reason })
  return { _tag: "Closed", role: roleOf(s), conn, reason }
}

/**
 * One step: pure. Same deps, state and event give the same state and actions.
 *
 * @since 0.1.0
 */
export const step = (deps: Deps, state: State13, event: Event): StepResult<State13> => {
  if (state._tag === "Closed") return { state, actions: [] }
  const out = new Out()
  const ctx: Ctx = {
    // a renegotiation's handshake states see the TLS 1.2-only view (Connected12 takes it when one starts)
    deps: state.conn.renegotiation === undefined || state._tag === "Connected12" ? deps : Traffic12.renegotiating(deps),
    out,
    role: roleOf(state),
    now: "now" in event ? event.now : state.conn.clock,
    entropy: ("entropy" in event ? event.entropy : undefined) ?? EMPTY,
    latest: undefined
  }
  let next: State13
  try {
    if (!(accepts(state._tag).events as ReadonlyArray<string>).includes(event._tag)) {
      abort(misbehaved("unexpected_message", `event ${event._tag} in state ${state._tag}`))
    }
    next = onEvent(ctx, state, event)
  } catch (e) {
    const reason = e instanceof Abort ? e.reason : localFailure(`internal error: ${e instanceof Error ? e.message : String(e)}`)
    next = fail(ctx, (ctx.latest as State13 | undefined) ?? state, reason)
  }
  // the clock moves with every event that carries the time
  if ("now" in event && next.conn.clock !== event.now) next = { ...next, conn: { ...next.conn, clock: event.now } } as State13
  return { state: next, actions: out.done() }
}

const EMPTY = new Uint8Array(0)

/** Entropy the next event must carry. @since 0.1.0 */
export const needsEntropy = (s: State13): number => {
  switch (s._tag) {
    case "ClientStart":
      return 512
    case "WaitServerHello":
      // a retried key share (TLS 1.3), or the ClientKeyExchange of a TLS 1.2 answer in the same flight
      return s.retried ? 0 : Math.max(128, Client12.keyExchangeEntropy)
    case "Wait12ServerCertificate":
    case "Wait12ChainVerdict":
    case "Wait12ServerKeyExchange":
    case "Wait12CertificateRequestOrDone":
    case "Wait12ServerHelloDone":
    case "Wait12ClientCertificateChoice":
      return Client12.keyExchangeEntropy
    case "Connected12":
      // a renegotiation's ClientHello (client) or its answer (server) may come with any input
      return !s.renegotiable ? 0 : s.role === "client" ? ClientHello.renegotiationEntropy : Math.max(ServerHello.helloEntropy, Server12.helloEntropy12)
    case "Wait12ClientCertificate":
    case "Wait12ClientChainVerdict":
    case "Wait12ClientKeyExchange":
    case "Wait12ClientCertificateVerify":
    case "Wait12ClientCcs":
    case "Wait12ClientFinished":
      return 64
    case "WaitClientHello":
    case "Wait12SessionLookup":
      return Math.max(ServerHello.helloEntropy, Server12.helloEntropy12)
    case "WaitEndOfEarlyData":
    case "WaitClientCertificate":
    case "WaitClientChainVerdict":
    case "WaitClientCertificateVerify":
    case "WaitClientFinished":
      return Traffic.ticketEntropy
    default:
      return 0
  }
}

/** @since 0.1.0 */
export const phase = (s: State13): "handshake" | "open" | "closed" =>
  s._tag === "Closed" ? "closed" : s._tag === "Connected" || s._tag === "Connected12" ? "open" : "handshake"

/** The TLS 1.3 machine. @since 0.1.0 */
export const machine: Machine<State13> = { initial, step, needsEntropy, phase }
