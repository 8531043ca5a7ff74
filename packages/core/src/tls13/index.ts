/**
 * TLS 1.3 (RFC 8446), client and server, as one pure state machine.
 *
 * @since 0.1.0
 */
export { initial, machine, needsEntropy, phase, step } from "./machine.js"
export { expects, waitsOnWork, type ClientState, type ServerState, type SharedState, type State13, type StateTag } from "./state.js"
export { certificateVerifyInput, chooseScheme, groupName, schemeName, suite13, type Suite13 } from "./common.js"

import { stateJson } from "../machine/state-codec.js"
import type { State13 } from "./state.js"

/** `Schema<State13, Json>`: a state saved mid-handshake and restored steps on identically. @since 0.1.0 */
export const StateJson = stateJson<State13>("Tls13State")
