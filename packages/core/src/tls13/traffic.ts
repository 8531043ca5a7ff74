/**
 * TLS 1.3 after the handshake, both roles (RFC 8446 §4.6, §6.1): application data,
 * NewSessionTicket (client), KeyUpdate both ways, close_notify with half-close, and the
 * completion that leads here.
 *
 * @since 0.1.0
 */
import { AlertDescription, Ext, type RawHandshake } from "@effect-tls/codec"
import type { NegotiatedParameters } from "../machine/actions.js"
import { abort, type Conn, write } from "../machine/conn.js"
import { localFailure, misbehaved } from "../machine/errors.js"
import type { EventOf } from "../machine/events.js"
import { Tls13Schedule } from "../schedule/index.js"
import type { MasterSecret } from "../schedule/tls13.js"
import type { ResumptionMasterSecret } from "../schedule/tls13-secrets.js"
import { reveal } from "../schedule/secret.js"
import { sealTicket } from "./session.js"
import * as Transcript from "../schedule/transcript.js"
import { encodeMessage, installRead, installWrite, sendHandshake } from "./common.js"
import { expect13, logSecret, mustEndRecord, trace, type Ctx } from "./context.js"
import type { AppSecrets, Handshake13, SharedState } from "./state.js"

type Connected = Extract<SharedState, { _tag: "Connected" }>

/** Application traffic and exporter secrets from the transcript through the server Finished (RFC 8446 §7.1). @since 0.1.0 */
export const appSecrets = (ctx: Ctx, hs: Handshake13, master: MasterSecret): AppSecrets => {
  const { crypto } = ctx.deps
  const h = Transcript.digest(crypto, hs.transcript)
  const app = Tls13Schedule.applicationTrafficSecrets(crypto, master, h)
  const exporter = Tls13Schedule.exporterMasterSecret(crypto, master, h)
  logSecret(ctx, hs.clientRandom, app.client)
  logSecret(ctx, hs.clientRandom, app.server)
  logSecret(ctx, hs.clientRandom, exporter)
  return { ...app, exporter }
}

/** What was negotiated, from the handshake's state and its application secrets. @since 0.1.0 */
export const negotiated = (hs: Handshake13, app: AppSecrets): NegotiatedParameters => ({
  version: 0x0304,
  cipherSuite: hs.suite.code,
  group: hs.group,
  alpn: hs.alpn,
  serverName: hs.serverName,
  peerCertificates: hs.peerCertificates,
  peerSignatureScheme: hs.peerSignatureScheme,
  signatureScheme: hs.signatureScheme,
  resumed: hs.resumed,
  earlyData: hs.earlyData,
  helloRetry: hs.helloRetry,
  clientRandom: hs.clientRandom,
  serverRandom: hs.serverRandom,
  exporterSecret: app.exporter.secret,
  hash: hs.suite.hash
})

/**
 * Completion: the parameters both sides agreed on go out in `HandshakeComplete`; the
 * resumption master secret is taken over the transcript through the client Finished.
 *
 * @since 0.1.0
 */
export const connected = (ctx: Ctx, conn: Conn, hs: Handshake13, master: MasterSecret, app: AppSecrets): Connected => {
  const { crypto } = ctx.deps
  const resumption = Tls13Schedule.resumptionMasterSecret(crypto, master, Transcript.digest(crypto, hs.transcript))
  const params = negotiated(hs, app)
  ctx.out.emit({ _tag: "HandshakeComplete", params })
  const c = ctx.role === "server" ? issueTickets(ctx, { ...conn, plainAlerts: false }, hs, resumption) : { ...conn, plainAlerts: false }
  return {
    _tag: "Connected",
    role: ctx.role,
    conn: c,
    traffic: {
      suite: hs.suite,
      clientSecret: app.client,
      serverSecret: app.server,
      exporter: app.exporter,
      resumption,
      params,
      closeSent: false,
      readClosed: false
    }
  }
}

/** Entropy a server needs when it completes, for its tickets (16 bytes each, up to 8). @since 0.1.0 */
export const ticketEntropy = 128

/**
 * Server: NewSessionTicket messages right after the handshake (RFC 8446 §4.6.1), each a
 * sealed ticket with its own nonce and ticket_age_add from the completing event's entropy.
 */
const issueTickets = (ctx: Ctx, conn: Conn, hs: Handshake13, resumption: ResumptionMasterSecret): Conn => {
  const { crypto, config } = ctx.deps
  const key = config.ticketKeys[0]
  const count = Math.min(config.tickets, ticketEntropy / 16)
  if (key === undefined || count <= 0 || ctx.entropy.length < 16 * count) return conn
  const lifetime = Math.min(config.ticketLifetime, 604800) // RFC 8446 §4.6.1: at most seven days
  const messages: Array<Uint8Array> = []
  for (let i = 0; i < count; i++) {
    const e = ctx.entropy.subarray(16 * i, 16 * i + 16)
    const ageAdd = ((e[0]! << 24) | (e[1]! << 16) | (e[2]! << 8) | e[3]!) >>> 0
    const ticketNonce = new Uint8Array([i])
    const psk = Tls13Schedule.resumptionPsk(crypto, resumption, ticketNonce)
    const ticket = sealTicket(crypto, key, e.subarray(4, 16), {
      cipherSuite: hs.suite.code,
      psk: reveal(psk.secret),
      ageAdd,
      issuedAt: ctx.now,
      lifetime,
      maxEarlyData: config.maxEarlyData,
      alpn: hs.alpn,
      serverName: hs.serverName
    })
    messages.push(
      encodeMessage({
        _tag: "NewSessionTicket13",
        ticketLifetime: lifetime,
        ticketAgeAdd: ageAdd,
        ticketNonce,
        ticket,
        extensions: config.maxEarlyData > 0 ? [{ _tag: "early_data", maxEarlyDataSize: config.maxEarlyData }] : []
      })
    )
    trace(ctx, "Connected", "Connected", "write NewSessionTicket")
  }
  return sendHandshake(crypto, ctx.out, conn, messages)
}

const ours = (s: Connected) => (s.role === "client" ? s.traffic.clientSecret : s.traffic.serverSecret)
const theirs = (s: Connected) => (s.role === "client" ? s.traffic.serverSecret : s.traffic.clientSecret)

/** Sends a KeyUpdate and moves our write keys forward (RFC 8446 §4.6.3). */
const sendKeyUpdate = (ctx: Ctx, s: Connected, requestUpdate: 0 | 1): Connected => {
  const { crypto } = ctx.deps
  const conn = sendHandshake(crypto, ctx.out, s.conn, [encodeMessage({ _tag: "KeyUpdate", requestUpdate })])
  const next = Tls13Schedule.nextApplicationTrafficSecret(crypto, ours(s))
  logSecret(ctx, s.traffic.params.clientRandom, next)
  trace(ctx, "Connected", "Connected", `write KeyUpdate(${requestUpdate === 1 ? "update_requested" : "update_not_requested"})`)
  const traffic = s.role === "client" ? { ...s.traffic, clientSecret: next } : { ...s.traffic, serverSecret: next }
  return { ...s, conn: installWrite(crypto, conn, s.traffic.suite, next), traffic }
}

/** A post-handshake message: KeyUpdate (both roles) or NewSessionTicket (client). @since 0.1.0 */
export const onPostHandshake = (ctx: Ctx, s: Connected, m: RawHandshake): Connected => {
  const { crypto } = ctx.deps
  if (m.type === 24) {
    mustEndRecord(m)
    const ku = expect13(m, "KeyUpdate")
    const next = Tls13Schedule.nextApplicationTrafficSecret(crypto, theirs(s))
    logSecret(ctx, s.traffic.params.clientRandom, next)
    const traffic = s.role === "client" ? { ...s.traffic, serverSecret: next } : { ...s.traffic, clientSecret: next }
    let r: Connected = { ...s, conn: installRead(crypto, s.conn, s.traffic.suite, next), traffic }
    trace(ctx, "Connected", "Connected", `read KeyUpdate(${ku.requestUpdate === 1 ? "update_requested" : "update_not_requested"})`)
    // RFC 8446 §4.6.3: a peer's update_requested is answered with our own KeyUpdate before more data.
    if (ku.requestUpdate === 1 && !s.traffic.closeSent) r = sendKeyUpdate(ctx, r, 0)
    return r
  }
  if (s.role !== "client") return abort(misbehaved("unexpected_message", "a NewSessionTicket sent to a server"))
  const nst = expect13(m, "NewSessionTicket13")
  const psk = Tls13Schedule.resumptionPsk(crypto, s.traffic.resumption, nst.ticketNonce)
  ctx.out.emit({
    _tag: "SessionTicket",
    session: {
      ticket: nst.ticket,
      lifetime: nst.ticketLifetime,
      ageAdd: nst.ticketAgeAdd,
      receivedAt: ctx.now,
      maxEarlyData: Ext.find(nst.extensions, "early_data")?.maxEarlyDataSize ?? 0,
      cipherSuite: s.traffic.params.cipherSuite,
      alpn: s.traffic.params.alpn,
      serverName: s.traffic.params.serverName,
      psk: psk.secret
    }
  })
  trace(ctx, "Connected", "Connected", "read NewSessionTicket")
  return s
}

/** Application data from the peer. @since 0.1.0 */
export const onApplicationData = (ctx: Ctx, s: Connected, data: Uint8Array): Connected => {
  if (s.traffic.readClosed) abort(misbehaved("unexpected_message", "data after close_notify"))
  if (data.length > 0) ctx.out.emit({ _tag: "Deliver", data })
  return s
}

/** The application's events in `Connected`. @since 0.1.0 */
export const onWrite = (ctx: Ctx, s: Connected, e: EventOf<"Write">): Connected => {
  if (s.traffic.closeSent) abort(localFailure("write after close_notify"))
  if (e.data.length === 0) return s
  return { ...s, conn: write(ctx.deps.crypto, ctx.out, s.conn, 23, e.data) }
}

/** @since 0.1.0 */
export const onKeyUpdateRequest = (ctx: Ctx, s: Connected, e: EventOf<"RequestKeyUpdate">): Connected =>
  s.traffic.closeSent ? s : sendKeyUpdate(ctx, s, e.updatePeer ? 1 : 0)

/** Sends close_notify; the connection ends once the peer's has arrived too. @since 0.1.0 */
export const onClose = (ctx: Ctx, s: Connected): SharedState => {
  if (s.traffic.closeSent) return s
  const conn = write(ctx.deps.crypto, ctx.out, s.conn, 21, new Uint8Array([1, AlertDescription.values.close_notify]))
  ctx.out.emit({ _tag: "AlertSent", level: 1, description: 0 })
  trace(ctx, "Connected", s.traffic.readClosed ? "Closed" : "Connected", "write close_notify")
  const next: Connected = { ...s, conn, traffic: { ...s.traffic, closeSent: true } }
  if (!s.traffic.readClosed) return next
  ctx.out.emit({ _tag: "Closed" })
  return { _tag: "Closed", role: s.role, conn }
}

/** The peer's close_notify: no more data; closed when ours was sent too (RFC 8446 §6.1). @since 0.1.0 */
export const onCloseNotify = (ctx: Ctx, s: Connected): SharedState => {
  ctx.out.emit({ _tag: "ReadClosed" })
  trace(ctx, "Connected", s.traffic.closeSent ? "Closed" : "Connected", "read close_notify")
  if (!s.traffic.closeSent) return { ...s, traffic: { ...s.traffic, readClosed: true } }
  ctx.out.emit({ _tag: "Closed" })
  return { _tag: "Closed", role: s.role, conn: s.conn }
}

