/**
 * TLS 1.2 after the handshake (RFC 5246 §7.2.1, §7.4.1.1): application data, close_notify
 * (answered at once with ours, RFC 5246 §7.2.1), and renegotiation refused with a
 * `no_renegotiation` warning (a HelloRequest to a client, a ClientHello to a server).
 *
 * @since 0.1.0
 */
import type { RawHandshake } from "@effect-tls/codec"
import { abort, write, type Conn } from "../machine/conn.js"
import { localFailure, misbehaved } from "../machine/errors.js"
import type { EventOf } from "../machine/events.js"
import type { Tls12MasterSecret } from "../schedule/tls12.js"
import { trace, type Ctx } from "../tls13/context.js"
import type { Handshake12, State12 } from "./state.js"

type Connected12 = Extract<State12, { _tag: "Connected12" }>
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
  return { _tag: "Connected12", role: ctx.role, conn: { ...conn, plainAlerts: false }, hs, master, closeSent: false, readClosed: false }
}

/** A renegotiation attempt: refused with a `no_renegotiation` warning; the connection goes on. @since 0.1.0 */
export const onRenegotiation = (ctx: Ctx, s: Connected12, m: RawHandshake): Connected12 => {
  if ((ctx.role === "client" && m.type !== 0) || (ctx.role === "server" && m.type !== 1)) {
    return abort(misbehaved("unexpected_message", `handshake type ${m.type} after the handshake`))
  }
  const conn = write(ctx.deps.crypto, ctx.out, s.conn, 21, new Uint8Array([1, 100]))
  ctx.out.emit({ _tag: "AlertSent", level: 1, description: 100 })
  trace(ctx, "Connected12", "Connected12", m.type === 0 ? "read HelloRequest, write no_renegotiation" : "read ClientHello, write no_renegotiation")
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
