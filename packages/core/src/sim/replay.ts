/**
 * The replayer: re-runs ONE side of a recorded simulation from its configuration, its
 * entropy and the bytes its peer sent it — nothing the side itself produced is fed back —
 * and compares what it sends with what it sent in the recording, reporting the first
 * divergence (the byte offset in its outbound stream and the index of the event whose
 * step produced it).
 *
 * Work is redone, not copied: a signature or key agreement is recomputed with the
 * recorded work entropy (unless the provider draws its own randomness for it, when the
 * recorded result is the only way to reproduce the run); a chain verdict and a ticket
 * redemption are decisions of services outside the machine and are taken from the
 * recording, like any other input. With a
 * `seed` instead of the recorded entropy, the replay draws fresh entropy the way the
 * driver does — the same seed reproduces the run, another diverges at the first message
 * that carries randomness.
 *
 * @since 0.1.0
 */
import { NobleCrypto } from "../crypto/noble.js"
import type { CryptoProvider } from "../crypto/provider.js"
import { drbg, type Seed } from "../driver/entropy.js"
import { entropyLength, isReproducible, perform, type Work } from "../driver/work.js"
import type { Action, ActionOf } from "../machine/actions.js"
import type { TlsConfig } from "../machine/config.js"
import type { Event } from "../machine/events.js"
import type { Deps, Machine, Role } from "../machine/machine.js"
import { fromHex, fromJson } from "./json.js"
import { sentBytes, type SimTrace } from "./trace.js"

/**
 * Replay options: the machine (a trace holds no code), the provider (default
 * `NobleCrypto`), the side's configuration (default: the recorded one), and where entropy
 * comes from (`"recorded"`, the default, or a seed).
 *
 * @since 0.1.0
 * @category models
 */
export interface ReplayOptions<S> {
  readonly machine: Machine<S>
  readonly crypto?: CryptoProvider | undefined
  readonly config?: TlsConfig | undefined
  readonly entropy?: "recorded" | { readonly seed: Seed } | undefined
}

/**
 * The first point where the replay and the recording part: `eventIndex` is the index in
 * the side's recorded events (their count when the replay ran out of output), `byteOffset`
 * the offset in the side's outbound byte stream, with the two bytes there when both exist.
 *
 * @since 0.1.0
 * @category models
 */
export interface Divergence {
  readonly eventIndex: number
  readonly byteOffset: number
  readonly expected?: number | undefined
  readonly actual?: number | undefined
  readonly detail: string
}

/** What a replay found. @since 0.1.0 @category models */
export interface ReplayReport {
  readonly side: Role
  /** Events stepped. */
  readonly steps: number
  /** Outbound bytes the replay produced (and matched, up to the divergence). */
  readonly bytes: number
  readonly divergence?: Divergence | undefined
}

type Pending = Work | ActionOf<"VerifyChain"> | ActionOf<"RedeemTicket"> | ActionOf<"SelectClientCertificate">
const answers: Record<Pending["_tag"], Event["_tag"]> = {
  Sign: "Signed",
  KeyAgreement: "KeyAgreed",
  VerifyChain: "ChainVerdict",
  RedeemTicket: "TicketRedeemed",
  SelectClientCertificate: "ClientCertificateChosen"
}
const isPending = (action: Action): action is Pending => action._tag in answers

/**
 * Replays `side` of `trace`. Synchronous and pure: the machine, the provider and the
 * recording are its only inputs.
 *
 * @since 0.1.0
 * @category constructors
 */
export const replay = <S>(trace: SimTrace, side: Role, options: ReplayOptions<S>): ReplayReport => {
  const recorded = trace[side]
  const config = options.config ?? (fromJson(recorded.config) as TlsConfig)
  const deps: Deps = { crypto: options.crypto ?? NobleCrypto, config }
  const { machine } = options
  const fresh = options.entropy === undefined || options.entropy === "recorded" ? undefined : drbg(options.entropy.seed, recorded.entropyLabel)
  const expected = sentBytes(recorded)
  const pending: Array<Pending> = []
  let state = machine.initial(side)
  let produced = 0
  let steps = 0

  const diverge = (eventIndex: number, detail: string, byteOffset = produced): ReplayReport => ({
    side,
    steps,
    bytes: produced,
    divergence: { eventIndex, byteOffset, expected: expected[byteOffset], actual: undefined, detail }
  })

  const feed = (index: number, event: Event): ReplayReport | undefined => {
    const result = machine.step(deps, state, event)
    state = result.state
    steps++
    for (const action of result.actions) {
      const failure = check(index, action)
      if (failure) return failure
    }
    return undefined
  }

  const check = (index: number, action: Action): ReplayReport | undefined => {
    if (isPending(action)) pending.push(action)
    if (action._tag !== "Send") return undefined
    for (let i = 0; i < action.bytes.length; i++) {
      const at = produced + i
      if (at >= expected.length || expected[at] !== action.bytes[i]) {
        return {
          side,
          steps,
          bytes: at,
          divergence: {
            eventIndex: index,
            byteOffset: at,
            expected: expected[at],
            actual: action.bytes[i],
            detail: at >= expected.length ? "the replay sent more bytes than the recording" : "the replay sent a different byte"
          }
        }
      }
    }
    produced += action.bytes.length
    return undefined
  }

  for (let index = 0; index < recorded.events.length; index++) {
    const record = recorded.events[index]!
    const event = fromJson(record.event) as Event
    let next: Event
    switch (event._tag) {
      case "Signed":
      case "KeyAgreed":
      case "ChainVerdict":
      case "TicketRedeemed":
      case "ClientCertificateChosen": {
        const work = pending.shift()
        if (work === undefined || answers[work._tag] !== event._tag) {
          return diverge(index, `the recording has ${event._tag} here; the replay ${work === undefined ? "asked for no work" : `asked for ${work._tag}`}`)
        }
        if (work._tag !== "Sign" && work._tag !== "KeyAgreement") {
          next = event
          break
        }
        const workEntropy = fresh ? fresh.next(entropyLength(work)) : fromHex(record.workEntropy ?? "")
        if (!isReproducible(deps, work)) {
          next = event
          break
        }
        const answer = perform(deps, work, workEntropy)
        if (answer._tag === "WorkFailure") return diverge(index, `the replay's ${work._tag} failed: ${answer.detail}`)
        next = answer
        break
      }
      default: {
        if (pending.length > 0) return diverge(index, `the replay asked for ${pending[0]!._tag}; the recording has ${event._tag} here`)
        if (fresh && (event._tag === "Start" || event._tag === "Received")) {
          const n = machine.needsEntropy(state)
          next = { ...event, entropy: n > 0 ? fresh.next(n) : new Uint8Array(0) }
        } else next = event
      }
    }
    const failure = feed(index, next)
    if (failure) return failure
  }
  if (produced < expected.length) return diverge(recorded.events.length, "the replay sent fewer bytes than the recording")
  return { side, steps, bytes: produced }
}
