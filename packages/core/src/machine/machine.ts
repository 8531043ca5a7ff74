/**
 * The shape every state machine has, whatever its protocol: an initial state per role, a
 * pure `step`, and the few questions a driver asks of a state. The driver and the
 * simulator are written against this interface only.
 *
 * @since 0.1.0
 */
import type { CryptoProvider } from "../crypto/provider.js"
import type { Action } from "./actions.js"
import type { TlsConfig } from "./config.js"
import type { Event } from "./events.js"

/** Which side of the connection. @since 0.1.0 @category models */
export type Role = "client" | "server"

/**
 * What `step` receives besides the state and the event: the synchronous crypto provider and
 * the configuration. Nothing else — no clock, no entropy, no IO.
 *
 * @since 0.1.0
 * @category models
 */
export interface Deps {
  readonly crypto: CryptoProvider
  readonly config: TlsConfig
}

/** The result of one step. @since 0.1.0 @category models */
export interface StepResult<S> {
  readonly state: S
  readonly actions: ReadonlyArray<Action>
}

/**
 * A TLS state machine.
 *
 * - `initial(role)`: the state before `Start`.
 * - `step(deps, state, event)`: pure; same inputs, same outputs, byte for byte.
 * - `needsEntropy(state)`: how many bytes of entropy the next `Received`/`Start` event
 *   must carry (0 once the handshake no longer needs any).
 * - `phase(state)`: `handshake`, `open` (application data flows), or `closed`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Machine<S> {
  readonly initial: (role: Role) => S
  readonly step: (deps: Deps, state: S, event: Event) => StepResult<S>
  readonly needsEntropy: (state: S) => number
  readonly phase: (state: S) => "handshake" | "open" | "closed"
}
