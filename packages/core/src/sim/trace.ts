/**
 * The simulator's JSON trace and the recorder that writes it: the configuration of both
 * sides, the seed, the fault schedule and script, both byte streams with their virtual
 * timestamps (what each side wrote, and what reached it after the faults), every event
 * each side's machine received — with the entropy it carried and the entropy drawn for
 * the work it answers — and every transition. A side's events, config and entropy are
 * all the replayer needs.
 *
 * Times are virtual milliseconds since the simulation started (`epoch` holds the clock's
 * absolute value at that instant). `seq` orders records of both sides as they happened.
 *
 * @since 0.1.0
 */
import type { JournalEntry } from "../driver/Driver.js"
import type { Role } from "../machine/machine.js"
import { type Json, toHex, toJson } from "./json.js"

/** Bytes on the wire at a virtual time. @since 0.1.0 @category models */
export interface WireChunk {
  readonly seq: number
  readonly at: number
  readonly hex: string
}

/** One event a machine stepped on, as JSON (`json.ts`), with the work entropy if any. @since 0.1.0 @category models */
export interface EventRecord {
  readonly seq: number
  readonly at: number
  readonly event: Json
  readonly workEntropy?: string
}

/** One transition (a `Trace` action). @since 0.1.0 @category models */
export interface Transition {
  readonly seq: number
  readonly at: number
  readonly side: Role
  readonly from: string
  readonly to: string
  readonly note: string
}

/** What one side did. @since 0.1.0 @category models */
export interface SideTrace {
  /** The label its entropy stream was drawn under (with the trace's seed). */
  readonly entropyLabel: string
  readonly config: Json
  readonly sent: ReadonlyArray<WireChunk>
  readonly received: ReadonlyArray<WireChunk>
  readonly events: ReadonlyArray<EventRecord>
  readonly transitions: ReadonlyArray<Transition>
}

/** A simulation, recorded. `JSON.stringify` it as it is. @since 0.1.0 @category models */
export interface SimTrace {
  readonly format: "effect-tls/sim-trace/1"
  readonly machine: string
  readonly provider: string
  readonly seed: string
  readonly epoch: number
  readonly delayMs: number
  readonly faults: Json
  readonly script: Json
  readonly client: SideTrace
  readonly server: SideTrace
  readonly outcome: Json
}

/**
 * The recorder's hooks (for the pipe and the drivers) and `build`, which freezes what was
 * recorded into a `SimTrace`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Recorder {
  readonly onWrite: (from: Role, at: number, bytes: Uint8Array) => void
  readonly onDeliver: (to: Role, at: number, bytes: Uint8Array) => void
  readonly observe: (side: Role) => (entry: JournalEntry) => void
  readonly transitions: () => ReadonlyArray<Transition>
  readonly build: (meta: Omit<SimTrace, "client" | "server"> & { readonly config: Record<Role, Json> }) => SimTrace
}

/**
 * A recorder for a simulation that started at absolute time `epoch`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeRecorder = (epoch: number): Recorder => {
  let seq = 0
  const blank = () => ({
    sent: [] as Array<WireChunk>,
    received: [] as Array<WireChunk>,
    events: [] as Array<EventRecord>,
    transitions: [] as Array<Transition>
  })
  const sides = { client: blank(), server: blank() }
  const all: Array<Transition> = []
  return {
    onWrite: (from, at, bytes) => void sides[from].sent.push({ seq: seq++, at: at - epoch, hex: toHex(bytes) }),
    onDeliver: (to, at, bytes) => void sides[to].received.push({ seq: seq++, at: at - epoch, hex: toHex(bytes) }),
    observe: (side) => (entry) => {
      const at = entry.at - epoch
      const record: EventRecord =
        entry.workEntropy === undefined
          ? { seq: seq++, at, event: toJson(entry.event) }
          : { seq: seq++, at, event: toJson(entry.event), workEntropy: toHex(entry.workEntropy) }
      sides[side].events.push(record)
      for (const a of entry.actions) {
        if (a._tag !== "Trace") continue
        const t: Transition = { seq: seq++, at, side, from: a.from, to: a.to, note: a.note }
        sides[side].transitions.push(t)
        all.push(t)
      }
    },
    transitions: () => all,
    build: ({ config, ...meta }) => ({
      ...meta,
      client: { entropyLabel: "client", config: config.client, ...sides.client },
      server: { entropyLabel: "server", config: config.server, ...sides.server }
    })
  }
}

/** A side's sent bytes, concatenated. @since 0.1.0 */
export const sentBytes = (side: SideTrace): Uint8Array => joinHex(side.sent)

/** A side's received bytes (after faults), concatenated. @since 0.1.0 */
export const receivedBytes = (side: SideTrace): Uint8Array => joinHex(side.received)

const joinHex = (chunks: ReadonlyArray<WireChunk>): Uint8Array => {
  const total = chunks.reduce((n, c) => n + c.hex.length / 2, 0)
  const out = new Uint8Array(total)
  let at = 0
  for (const c of chunks) for (let i = 0; i < c.hex.length; i += 2) out[at++] = parseInt(c.hex.slice(i, i + 2), 16)
  return out
}
