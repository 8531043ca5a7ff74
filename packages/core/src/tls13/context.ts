/**
 * What a handler receives within one step: the dependencies, the action accumulator, and
 * the time and entropy of the event being processed.
 *
 * @since 0.1.0
 */
import type { RawHandshake } from "@effect-tls/codec"
import { decodeHandshake, HandshakeType, type HandshakeMessage, type MessageOf, type HandshakeTag } from "@effect-tls/codec"
import * as Result from "effect/Result"
import type { Out } from "../machine/conn.js"
import { abort } from "../machine/conn.js"
import type { Deps, Role } from "../machine/machine.js"
import { KeyLog } from "../schedule/index.js"
import type { ExporterSecret, TrafficSecret } from "../schedule/tls13-secrets.js"

/** @since 0.1.0 @category models */
export interface Ctx {
  readonly deps: Deps
  readonly out: Out
  readonly role: Role
  readonly now: number
  readonly entropy: Uint8Array
  /**
   * The last state this step reached before a failure: an alert goes out under the keys in
   * force at that point (e.g. a client that cannot open the server's encrypted flight
   * answers under its handshake keys). Local to the step.
   */
  latest: { readonly conn: import("../machine/conn.js").Conn; readonly _tag: string } | undefined
}

/** Decodes a TLS 1.3 handshake message; malformed bytes end the connection with the codec's alert. @since 0.1.0 */
export const decode13 = (m: RawHandshake): HandshakeMessage => {
  const r = decodeHandshake(m.bytes, { version: 0x0304 })
  if (Result.isSuccess(r)) return r.success
  return abort({ _tag: "Decode", alert: r.failure.alert, detail: r.failure.detail, at: r.failure.at })
}

/** Decodes and checks the tag. @since 0.1.0 */
export const expect13 = <T extends HandshakeTag>(m: RawHandshake, tag: T): MessageOf<T> => {
  const msg = decode13(m)
  if (msg._tag !== tag) abort({ _tag: "PeerMisbehaved", alert: "unexpected_message", detail: `expected ${tag}, got ${msg._tag}` })
  return msg as MessageOf<T>
}

/**
 * RFC 8446 §5.1: "Handshake messages MUST NOT span key changes ... If they do, the
 * receiver MUST terminate the connection with an \"unexpected_message\" alert."
 *
 * @since 0.1.0
 */
export const mustEndRecord = (m: RawHandshake): void => {
  if (!m.endsRecord) {
    abort({ _tag: "PeerMisbehaved", alert: "unexpected_message", detail: `${HandshakeType.nameOf(m.type)} does not end its record` })
  }
}

/** Emits a key-log action for a secret. @since 0.1.0 */
export const logSecret = (ctx: Ctx, clientRandom: Uint8Array, secret: TrafficSecret | ExporterSecret): void => {
  ctx.out.emit({ _tag: "KeyLog", label: KeyLog.keyLogLabel(secret), clientRandom, secret: secret.secret })
}

/** Emits a trace line. @since 0.1.0 */
export const trace = (ctx: Ctx, from: string, to: string, note: string): void => {
  ctx.out.emit({ _tag: "Trace", side: ctx.role, from, to, note })
}
