/**
 * TLS 1.2 after the handshake (RFC 5246 §7.2.1, §7.4.1.1): application data, close_notify
 * (answered at once with ours, RFC 5246 §7.2.1), and renegotiation (RFC 5746): with
 * `renegotiation: "accept"` a HelloRequest (client) or ClientHello (server) starts a new
 * handshake bound to the previous Finished values, the server accepting at most
 * `renegotiationLimit` per window; otherwise, or beyond the limit, a `no_renegotiation`
 * warning and the connection goes on.
 *
 * @since 0.1.0
 */
import type { RawHandshake } from "@effect-tls/codec"
import { abort, write, type Conn } from "../machine/conn.js"
import { localFailure, misbehaved } from "../machine/errors.js"
import type { EventOf } from "../machine/events.js"
import type { Tls12MasterSecret } from "../schedule/tls12.js"
import { trace, type Ctx } from "../tls13/context.js"
import { encodeMessage, sendHandshake } from "../tls13/common.js"
import { renegotiate } from "../tls13/client/hello.js"
import type { ClientState, ServerState } from "../tls13/state.js"
import { expect12 } from "./client.js"
import { onClientHello12 } from "./server.js"
import type { Handshake12, State12 } from "./state.js"

type Connected12 = Extract<State12, { _tag: "Connected12" }>

/**
 * The dependencies a renegotiation's handshake runs with: TLS 1.2 only (RFC 5746
 * renegotiates a TLS 1.2 connection), nothing to resume, no 0-RTT, no compatibility
 * session ID. One view per configuration.
 *
 * @since 0.1.0
 */
export const renegotiating = (deps: Ctx["deps"]): Ctx["deps"] => {
  let config = views.get(deps.config)
  if (config === undefined) {
    config = { ...deps.config, versions: [0x0303], session: undefined, earlyData: undefined, middleboxCompat: false }
    views.set(deps.config, config)
  }
  return { ...deps, config }
}
const views = new WeakMap<Ctx["deps"]["config"], Ctx["deps"]["config"]>()
const viewed = (ctx: Ctx): Ctx => ({ ...ctx, deps: renegotiating(ctx.deps) })
type Closed = { readonly _tag: "Closed"; readonly role: "client" | "server"; readonly conn: Conn }

/** Completion: `HandshakeComplete` with the parameters, then `Connected12`. @since 0.1.0 */
export const connected12 = (ctx: Ctx, conn: Conn, hs: Handshake12, master: Tls12MasterSecret): Connected12 => {
  ctx.out.emit({
    _tag: "HandshakeComplete",
    params: {
      version: 0x0303,
      cipherSuite: hs.suite.code,
      group: hs.group,
      alpn: hs.alpn,
      serverName: hs.serverName,
      peerCertificates: hs.peerCertificates,
      peerSignatureScheme: hs.peerSignatureScheme,
      signatureScheme: hs.signatureScheme,
      resumed: hs.resumed,
      earlyData: "none",
      helloRetry: false,
      clientRandom: hs.clientRandom,
      serverRandom: hs.serverRandom,
      // RFC 5705: the TLS 1.2 exporter runs on the master secret.
      exporterSecret: master.secret,
      hash: hs.suite.hash
    }
  })
  // RFC 5746 §3.5: a later renegotiation is bound to this handshake's Finished values
  const renegotiation = { clientVerifyData: hs.clientVerifyData!, serverVerifyData: hs.serverVerifyData!, peerStarted: conn.renegotiation?.peerStarted ?? [] }
  return {
    _tag: "Connected12",
    role: ctx.role,
    conn: { ...conn, plainAlerts: false, renegotiation },
    hs,
    master,
    closeSent: false,
    readClosed: false,
    renegotiable: ctx.deps.config.renegotiation === "accept"
  }
}

/**
 * The peer starts a renegotiation: a HelloRequest to a client, a ClientHello to a server.
 * Accepted when configured (and, on a server, within the rate limit): the new handshake
 * runs under the current keys until its ChangeCipherSpec. Otherwise refused with a
 * `no_renegotiation` warning, and the connection goes on.
 *
 * @since 0.1.0
 */
export const onRenegotiation = (ctx: Ctx, s: Connected12, m: RawHandshake): Connected12 | State12 | ClientState => {
  if ((ctx.role === "client" && m.type !== 0) || (ctx.role === "server" && m.type !== 1)) {
    return abort(misbehaved("unexpected_message", `handshake type ${m.type} after the handshake`))
  }
  const { config } = ctx.deps
  const previous = s.conn.renegotiation!
  if (config.renegotiation === "accept" && !s.closeSent && !s.readClosed) {
    if (ctx.role === "client") {
      trace(ctx, "Connected12", "Connected12", "read HelloRequest")
      return renegotiate(viewed(ctx), s)
    }
    const recent = previous.peerStarted.filter((t) => ctx.now - t < config.renegotiationWindowMs)
    if (recent.length < config.renegotiationLimit) {
      const ch = expect12(m, s.hs.suite.code, "ClientHello")
      const conn = { ...s.conn, renegotiation: { ...previous, peerStarted: [...recent, ctx.now] } }
      const waiting: Extract<ServerState, { _tag: "WaitClientHello" }> = { _tag: "WaitClientHello", conn }
      trace(ctx, "Connected12", "WaitClientHello", "renegotiation")
      return onClientHello12(viewed(ctx), waiting, ch, m)
    }
  }
  const conn = write(ctx.deps.crypto, ctx.out, s.conn, 21, new Uint8Array([1, 100]))
  ctx.out.emit({ _tag: "AlertSent", level: 1, description: 100 })
  trace(ctx, "Connected12", "Connected12", m.type === 0 ? "read HelloRequest, write no_renegotiation" : "read ClientHello, write no_renegotiation")
  return { ...s, conn }
}

/**
 * The application asks for a renegotiation: a client sends its new ClientHello, a server a
 * HelloRequest (RFC 5246 §7.4.1.1; the client may refuse it with a warning).
 *
 * @since 0.1.0
 */
export const onRenegotiationRequest = (ctx: Ctx, s: Connected12): Connected12 | ClientState => {
  if (ctx.deps.config.renegotiation !== "accept") return abort(localFailure("renegotiation is not enabled (config.renegotiation)"))
  if (s.closeSent || s.readClosed) return abort(localFailure("renegotiation after close_notify"))
  if (ctx.role === "client") return renegotiate(viewed(ctx), s)
  const conn = sendHandshake(ctx.deps.crypto, ctx.out, s.conn, [encodeMessage({ _tag: "HelloRequest" })])
  trace(ctx, "Connected12", "Connected12", "write HelloRequest")
  return { ...s, conn }
}

/** @since 0.1.0 */
export const onApplicationData12 = (ctx: Ctx, s: Connected12, data: Uint8Array): Connected12 => {
  if (s.readClosed) abort(misbehaved("unexpected_message", "data after close_notify"))
  if (data.length > 0) ctx.out.emit({ _tag: "Deliver", data })
  return s
}

/** @since 0.1.0 */
export const onWrite12 = (ctx: Ctx, s: Connected12, e: EventOf<"Write">): Connected12 => {
  if (s.closeSent) abort(localFailure("write after close_notify"))
  return e.data.length === 0 ? s : { ...s, conn: write(ctx.deps.crypto, ctx.out, s.conn, 23, e.data) }
}

/** Our close_notify. @since 0.1.0 */
export const onClose12 = (ctx: Ctx, s: Connected12): Connected12 | Closed => {
  if (s.closeSent) return s
  const conn = write(ctx.deps.crypto, ctx.out, s.conn, 21, new Uint8Array([1, 0]))
  ctx.out.emit({ _tag: "AlertSent", level: 1, description: 0 })
  trace(ctx, "Connected12", s.readClosed ? "Closed" : "Connected12", "write close_notify")
  if (!s.readClosed) return { ...s, conn, closeSent: true }
  ctx.out.emit({ _tag: "Closed" })
  return { _tag: "Closed", role: s.role, conn }
}

/**
 * The peer's close_notify. RFC 5246 §7.2.1: "the other party MUST respond with a
 * close_notify alert of its own and close down the connection immediately".
 *
 * @since 0.1.0
 */
export const onCloseNotify12 = (ctx: Ctx, s: Connected12): Closed => {
  ctx.out.emit({ _tag: "ReadClosed" })
  trace(ctx, "Connected12", "Closed", "read close_notify")
  let conn = s.conn
  if (!s.closeSent) {
    conn = write(ctx.deps.crypto, ctx.out, conn, 21, new Uint8Array([1, 0]))
    ctx.out.emit({ _tag: "AlertSent", level: 1, description: 0 })
    trace(ctx, "Connected12", "Closed", "write close_notify")
  }
  ctx.out.emit({ _tag: "Closed" })
  return { _tag: "Closed", role: s.role, conn }
}
