/**
 * The TLS 1.3 state machine: `step(deps, state, event) → { state, actions }`. The table of
 * what each state accepts (`expects`) is consulted first; anything else is one
 * `unexpected_message` alert and a closed state. Inbound bytes are pumped record by record
 * and message by message until the state waits on its own work (a chain verdict, a
 * signature, a key agreement) or the input runs out.
 *
 * @since 0.1.0
 */
import { AlertDescription, ContentType, HandshakeType, type RawHandshake } from "@effect-tls/codec"
import { Abort, abort, emptyConn, nextMessage, nextRecord, Out, reassemble, receive, write, type Conn } from "../machine/conn.js"
import { alertFor, localFailure, misbehaved, type TlsErrorReason } from "../machine/errors.js"
import type { Event } from "../machine/events.js"
import type { Deps, Machine, Role, StepResult } from "../machine/machine.js"
import * as ClientFlight from "./client/flight.js"
import * as ClientHello from "./client/hello.js"
import type { Ctx } from "./context.js"
import * as ServerFlight from "./server/flight.js"
import * as ServerHello from "./server/hello.js"
import { expects, waitsOnWork, type State13, type StateTag } from "./state.js"
import * as Traffic from "./traffic.js"

type Of<T extends StateTag> = Extract<State13, { _tag: T }>

/** The state before `Start`. @since 0.1.0 @category constructors */
export const initial = (role: Role): State13 =>
  role === "client" ? { _tag: "ClientStart", conn: emptyConn(0x0301) } : { _tag: "ServerStart", conn: emptyConn() }

const roleOf = (s: State13): Role => {
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
    case "WaitClientSignature":
      return "client"
    default:
      return "server"
  }
}

/** Whether our Finished is already out (TLS 1.3: the server's comes first). */
const finishedSent = (s: State13): boolean =>
  s._tag === "Connected" ||
  s._tag === "WaitEndOfEarlyData" ||
  s._tag === "WaitClientCertificate" ||
  s._tag === "WaitClientChainVerdict" ||
  s._tag === "WaitClientCertificateVerify" ||
  s._tag === "WaitClientFinished"

/** Dispatches one handshake message to the handler of the state. */
const onHandshake = (ctx: Ctx, s: State13, m: RawHandshake): State13 => {
  const name = HandshakeType.nameOf(m.type)
  if (!(expects[s._tag].messages as ReadonlyArray<string>).includes(name)) {
    return abort(misbehaved("unexpected_message", `${name} in state ${s._tag}`))
  }
  switch (s._tag) {
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
  if (description === AlertDescription.values.user_canceled && level === 1) return s
  const reason: TlsErrorReason = {
    _tag: "AlertReceived",
    alert: AlertDescription.nameOf(description) as never,
    afterOurFinished: finishedSent(s)
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
    if (s._tag === "Closed" || waitsOnWork(s._tag)) return s
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
        if (r.protected || !ccsAllowed(s) || r.content.length !== 1 || r.content[0] !== 1) {
          abort(misbehaved("unexpected_message", "ChangeCipherSpec out of place"))
        }
        break
      case ContentType.values.application_data:
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
      return pump(ctx, { ...s, conn: receive(s.conn, e.bytes) } as State13)
    case "ChainVerdict":
      if (s._tag === "WaitChainVerdict") return pump(ctx, ClientFlight.onChainVerdict(ctx, s, e))
      return pump(ctx, ServerFlight.onClientChainVerdict(ctx, s as Of<"WaitClientChainVerdict">, e))
    case "Signed":
      if (s._tag === "WaitClientSignature") return pump(ctx, ClientFlight.onClientSigned(ctx, s, e))
      return pump(ctx, ServerFlight.onServerSigned(ctx, s as Of<"WaitServerSignature">, e))
    case "KeyAgreed":
      return pump(ctx, ServerFlight.onKeyAgreed(ctx, s as Of<"WaitKeyAgreement">, e))
    case "TicketRedeemed":
      return pump(ctx, ServerHello.onTicketRedeemed(ctx, s as Of<"WaitTicketRedemption">, e))
    case "Write":
      return Traffic.onWrite(ctx, s as Of<"Connected">, e)
    case "RequestKeyUpdate":
      return Traffic.onKeyUpdateRequest(ctx, s as Of<"Connected">, e)
    case "Close":
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
  const writeClosed = s._tag === "Connected" && s.traffic.closeSent
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
    deps,
    out,
    role: roleOf(state),
    now: "now" in event ? event.now : 0,
    entropy: "entropy" in event ? event.entropy : EMPTY,
    latest: undefined
  }
  let next: State13
  try {
    if (!(expects[state._tag].events as ReadonlyArray<string>).includes(event._tag)) {
      abort(misbehaved("unexpected_message", `event ${event._tag} in state ${state._tag}`))
    }
    next = onEvent(ctx, state, event)
  } catch (e) {
    const reason = e instanceof Abort ? e.reason : localFailure(`internal error: ${e instanceof Error ? e.message : String(e)}`)
    next = fail(ctx, (ctx.latest as State13 | undefined) ?? state, reason)
  }
  return { state: next, actions: out.done() }
}

const EMPTY = new Uint8Array(0)

/** Entropy the next event must carry. @since 0.1.0 */
export const needsEntropy = (s: State13): number => {
  switch (s._tag) {
    case "ClientStart":
      return 512
    case "WaitServerHello":
      return s.retried ? 0 : 128
    case "WaitClientHello":
      return ServerHello.helloEntropy
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
export const phase = (s: State13): "handshake" | "open" | "closed" => (s._tag === "Closed" ? "closed" : s._tag === "Connected" ? "open" : "handshake")

/** The TLS 1.3 machine. @since 0.1.0 */
export const machine: Machine<State13> = { initial, step, needsEntropy, phase }
