/**
 * TLS 1.3 (RFC 8446), client and server, as one pure state machine.
 *
 * @since 0.1.0
 */
export { initial, machine, needsEntropy, phase, step } from "./machine.js"
export { expects, waitsOnWork, type ClientState, type ServerState, type SharedState } from "./state.js"
export { expects12, type State12 } from "../tls12/state.js"
import type { State13 as State13Only, StateTag as StateTag13 } from "./state.js"
import type { State12 } from "../tls12/state.js"

/**
 * Every state of the machine: TLS 1.3's, and TLS 1.2's, which a connection enters when the
 * hellos negotiate TLS 1.2.
 *
 * @since 0.1.0
 * @category states
 */
export type State13 = State13Only | State12
/** @since 0.1.0 @category states */
export type StateTag = StateTag13 | State12["_tag"]
export { certificateVerifyInput, chooseScheme, groupName, schemeName, suite13, type Suite13 } from "./common.js"

import { stateJson } from "../machine/state-codec.js"
/** `Schema<State13, Json>`: a state saved mid-handshake and restored steps on identically. @since 0.1.0 */
export const StateJson = stateJson<State13>("Tls13State")

import * as Result from "effect/Result"
import * as Redacted from "effect/Redacted"
import type { CryptoProvider } from "../crypto/provider.js"
import type { NegotiatedParameters } from "../machine/actions.js"
import { Tls13Schedule } from "../schedule/index.js"
import type { ExporterSecret } from "../schedule/tls13-secrets.js"

/**
 * The TLS-Exporter of a completed TLS 1.3 connection (RFC 8446 §7.5): keying material for
 * `label` and `context`, e.g. `"EXPORTER-Channel-Binding"` with no context for RFC 9266's
 * tls-exporter channel binding. A label outside 1..249 bytes or a length beyond
 * 255·Hash.length is an error.
 *
 * @since 0.1.0
 */
export const exportKeyingMaterial = (
  crypto: CryptoProvider,
  params: NegotiatedParameters,
  label: string,
  context: Uint8Array | undefined,
  length: number
): Result.Result<Uint8Array, string> => {
  try {
    const secret: ExporterSecret = { _tag: "ExporterSecret", hash: params.hash, early: false, secret: params.exporterSecret }
    return Result.succeed(Redacted.value(Tls13Schedule.exportKeyingMaterial(crypto, secret, label, context, length)))
  } catch (e) {
    return Result.fail(e instanceof Error ? e.message : String(e))
  }
}

import * as Schema from "effect/Schema"
import { fromJson, toJson, type Json } from "../machine/state-codec.js"
import { Session } from "./session.js"
export { Session, Session12, Session13, isFresh as isSessionFresh, isSession12 } from "./session.js"

/**
 * A session as text, to keep between runs (`s-client -sess_out`). It holds the resumption
 * PSK: store it like a key.
 *
 * @since 0.1.0
 */
export const saveSession = (session: Session): string => JSON.stringify(toJson(session))

/** A session saved by `saveSession`, validated. @since 0.1.0 */
export const loadSession = (text: string): Result.Result<Session, string> => {
  try {
    return Result.succeed(Schema.decodeUnknownSync(Session)(fromJson(JSON.parse(text) as Json)))
  } catch (e) {
    return Result.fail(e instanceof Error ? e.message : String(e))
  }
}
