/**
 * Recording a live connection in the simulator's trace format (`sim/trace.ts`): the
 * driver's journal (every event it stepped on — inbound bytes, the entropy they carried,
 * the results of work, the clock's readings) and the bytes on the wire each way. `replay`
 * then re-runs our side from the recording alone, in any provider: a result the live
 * provider drew its own randomness for (a native signature or encapsulation) is taken
 * from the recording, as `isReproducible` says for that provider.
 *
 * ```ts
 * const recording = recordConnection("client", makeConfig(config), { provider: NodeCrypto.name })
 * const conn = yield* NodeTls.connect({ host, port, config, driver: recording.options })
 * // ... later
 * const report = replay(recording.trace(), "client", { machine: Tls13.machine, crypto })
 * ```
 *
 * **Gotchas**: a recording holds secrets in the clear (entropy, shared secrets, and the
 * configuration's private keys): a debugging artefact, never to be kept for a production
 * connection.
 *
 * @since 0.1.0
 */
import type { TlsConfig } from "../machine/config.js"
import type { Role } from "../machine/machine.js"
import { type Json, toJson } from "../sim/json.js"
import { makeRecorder, type SimTrace } from "../sim/trace.js"
import type { DriverOptions } from "./Driver.js"

/**
 * A recording in progress: the driver options that feed it (pass them to the connection,
 * merged with your own) and `trace`, which freezes what was recorded so far.
 *
 * @since 0.1.0
 * @category models
 */
export interface LiveRecording {
  readonly options: DriverOptions
  readonly trace: (outcome?: Json) => SimTrace
}

/**
 * Starts recording one side of a live connection. The peer's side of the trace holds only
 * the bytes it sent (as we received them) and received (as we sent them); its events are
 * unknown.
 *
 * - `provider`: the live crypto provider's name (`TlsCrypto`), kept in the trace.
 * - `machine`: the state machine's name (default `tls13`).
 * - `epoch`: the clock's value that trace times count from (default: now).
 *
 * @since 0.1.0
 * @category constructors
 */
export const recordConnection = (
  role: Role,
  config: TlsConfig,
  meta: { readonly provider: string; readonly machine?: string | undefined; readonly epoch?: number | undefined }
): LiveRecording => {
  const epoch = meta.epoch ?? Date.now()
  const recorder = makeRecorder(epoch)
  const peer: Role = role === "client" ? "server" : "client"
  const configJson = toJson(config)
  return {
    options: {
      observe: recorder.observe(role),
      onWire: (direction, bytes, at) => {
        if (direction === "sent") {
          recorder.onWrite(role, at, bytes)
          recorder.onDeliver(peer, at, bytes)
        } else {
          recorder.onWrite(peer, at, bytes)
          recorder.onDeliver(role, at, bytes)
        }
      }
    },
    trace: (outcome = null) =>
      recorder.build({
        format: "effect-tls/sim-trace/1",
        machine: meta.machine ?? "tls13",
        provider: meta.provider,
        seed: "live",
        epoch,
        delayMs: 0,
        faults: [],
        script: {},
        config: role === "client" ? { client: configJson, server: null } : { client: null, server: configJson },
        outcome
      })
  }
}

/**
 * Both options at once: `observe` and `onWire` of each are called in turn.
 *
 * @since 0.1.0
 */
export const mergeDriverOptions = (a: DriverOptions, b: DriverOptions): DriverOptions => {
  const both = <F extends (...args: Array<any>) => void>(f: F | undefined, g: F | undefined): F | undefined =>
    f === undefined ? g : g === undefined ? f : (((...args: Parameters<F>) => (f(...args), g(...args))) as F)
  return {
    ...a,
    ...b,
    observe: both(a.observe, b.observe),
    onWire: both(a.onWire, b.onWire)
  }
}
