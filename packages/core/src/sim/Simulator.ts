/**
 * The deterministic simulator: a client and a server — each the Effect driver over the
 * same `Machine` — talking through the in-memory pipe (`pipe.ts`) with a one-way delay
 * and a fault schedule, under its own `TestClock`, each with a seeded `Entropy`. A small
 * data script says what the applications do once connected. Everything is recorded into
 * a JSON `SimTrace` that `replay` can re-run side by side.
 *
 * The same options give the same trace, byte for byte: no wall clock, no `Math.random`,
 * and fibers woken in virtual-time order. A run that does not finish within `boundMs` of
 * virtual time is reported as `hung` rather than waited on.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { TestClock } from "effect/testing"
import { NobleCrypto } from "../crypto/noble.js"
import type { CryptoProvider } from "../crypto/provider.js"
import { connect, type JournalEntry } from "../driver/Driver.js"
import { Entropy } from "../driver/services.js"
import { ChainVerifier, type ChainPolicy, memoryTicketStore, pinnedPolicy, SessionStore, type TicketStore } from "../driver/services.js"
import type { Seed } from "../driver/entropy.js"
import type { NegotiatedParameters } from "../machine/actions.js"
import type { TlsConfig } from "../machine/config.js"
import type { TlsError } from "../machine/errors.js"
import type { Machine, Role } from "../machine/machine.js"
import type { Fault } from "./faults.js"
import { type Json, toHex, toJson } from "./json.js"
import * as Pipe from "./pipe.js"
import { makeRecorder, type SimTrace } from "./trace.js"

/**
 * One endpoint: its configuration and its certificate policy (by default, the peer's
 * configured leaf certificates pinned).
 *
 * @since 0.1.0
 * @category models
 */
export interface Endpoint {
  readonly config: TlsConfig
  readonly verifier?: ChainPolicy | undefined
}

/**
 * What the applications do. After its handshake each side writes its messages in order,
 * then the side named by `keyUpdate` asks for a KeyUpdate, then the side named by `close`
 * (default `client`) sends close_notify; a side whose read stream ends cleanly answers
 * with its own close_notify. (A client's 0-RTT data is its `config.earlyData`.) A side waits at most `idleTimeoutMs` (default: its handshake
 * timeout) for its peer at each stage.
 *
 * @since 0.1.0
 * @category models
 */
export interface Script {
  readonly clientWrites?: ReadonlyArray<Uint8Array> | undefined
  readonly serverWrites?: ReadonlyArray<Uint8Array> | undefined
  readonly keyUpdate?: { readonly side: Role; readonly updatePeer: boolean } | undefined
  /**
   * TLS 1.2 (both configured with `renegotiation: "accept"`): after its writes the side named
   * asks for a renegotiation, waits for that handshake to complete on its side (or for the
   * peer's `no_renegotiation` warning), then writes `thenWrite`.
   */
  readonly renegotiate?: { readonly side: Role; readonly thenWrite?: Uint8Array | undefined } | undefined
  readonly close?: Role | "none" | undefined
  readonly idleTimeoutMs?: number | undefined
}

/**
 * Simulation options. `epoch` is the clock's absolute time at the start (default
 * 2026-01-01T00:00:00Z); `delayMs` the one-way delay (10); `boundMs` the virtual time after
 * which an unfinished run counts as hung (default: the longest a correct run can take — a
 * handshake timeout and three idle timeouts — plus a second).
 *
 * @since 0.1.0
 * @category models
 */
export interface SimOptions<S> {
  readonly machine: Machine<S>
  readonly machineName?: string | undefined
  readonly crypto?: CryptoProvider | undefined
  readonly client: Endpoint
  readonly server: Endpoint
  readonly seed?: Seed | undefined
  readonly delayMs?: number | undefined
  readonly faults?: ReadonlyArray<Fault> | undefined
  readonly script?: Script | undefined
  readonly epoch?: number | undefined
  readonly boundMs?: number | undefined
  /**
   * The server's record of redeemed tickets; pass one store to successive runs to test
   * single-use tickets across connections (default: a fresh store per run).
   */
  readonly sessionStore?: TicketStore | undefined
  /** Called after every step of either side (an invariant checker); must not throw. */
  readonly observe?: ((side: Role, entry: JournalEntry) => void) | undefined
}

/**
 * How one side ended: when its handshake completed (virtual ms) and with what, the error
 * that ended it, the application data it read, how its read stream ended, and when its
 * connection closed.
 *
 * @since 0.1.0
 * @category models
 */
export interface SideOutcome {
  readonly handshakeAt?: number | undefined
  readonly params?: NegotiatedParameters | undefined
  readonly error?: TlsError | undefined
  readonly received: Uint8Array
  readonly readEnd: "close_notify" | "error" | "timeout"
  readonly closedAt?: number | undefined
  /** When a server delivered 0-RTT data (virtual ms). */
  readonly earlyDataAt?: number | undefined
  /** A client's resumable sessions (`SessionTicket` actions), for a later run's `config.session`. */
  readonly sessions: ReadonlyArray<unknown>
  /** Handshakes completed: 1, plus one per TLS 1.2 renegotiation (0 when the first failed). */
  readonly handshakes: number
}

/** A finished simulation. @since 0.1.0 @category models */
export interface SimResult {
  readonly trace: SimTrace
  readonly client: SideOutcome
  readonly server: SideOutcome
  /** Virtual ms at which both sides' programs had ended (or the bound, when hung). */
  readonly endedAt: number
  readonly hung: boolean
}

/** The default epoch: 2026-01-01T00:00:00Z. @since 0.1.0 */
export const defaultEpoch = Date.UTC(2026, 0, 1)

const concat = (chunks: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
  let at = 0
  for (const c of chunks) (out.set(c, at), (at += c.length))
  return out
}

const tee = (record: (entry: JournalEntry) => void, also: (entry: JournalEntry) => void) => (entry: JournalEntry) => {
  record(entry)
  also(entry)
}

const leaves = (config: TlsConfig): ReadonlyArray<Uint8Array> =>
  config.certificates.flatMap((c) => (c.chain[0] === undefined ? [] : [c.chain[0]]))

const summary = (o: SideOutcome): Json =>
  toJson({
    handshakeAt: o.handshakeAt,
    error: o.error === undefined ? undefined : { reason: o.error.reason },
    received: o.received.length,
    readEnd: o.readEnd,
    closedAt: o.closedAt,
    earlyDataAt: o.earlyDataAt,
    sessions: o.sessions.length,
    clientRandom: o.params?.clientRandom === undefined ? undefined : toHex(o.params.clientRandom),
    serverRandom: o.params?.serverRandom === undefined ? undefined : toHex(o.params.serverRandom)
  })

/**
 * Runs one simulation to its end (or its bound) and returns the outcome and the trace. It
 * provides its own `TestClock`, so it runs the same under `Effect.runPromise`, `it.effect`
 * or `it.live`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const run = <S>(options: SimOptions<S>): Effect.Effect<SimResult> => Effect.suspend(() => runOnce(options))

const runOnce = <S>(options: SimOptions<S>): Effect.Effect<SimResult> => {
  const epoch = options.epoch ?? defaultEpoch
  const delayMs = options.delayMs ?? 10
  const crypto = options.crypto ?? NobleCrypto
  const seed = options.seed ?? 1
  const script = options.script ?? {}
  const handshakeMs = Math.max(options.client.config.handshakeTimeoutMs, options.server.config.handshakeTimeoutMs)
  // A side waits at most: its handshake, then three idle stages (its writes, the peer's close, its own close).
  const boundMs = options.boundMs ?? handshakeMs + 3 * (script.idleTimeoutMs ?? handshakeMs) + 1_000
  const recorder = makeRecorder(epoch)
  const store = options.sessionStore ?? memoryTicketStore()
  const outcomes: Record<Role, SideOutcome | undefined> = { client: undefined, server: undefined }

  const side = (role: Role, transport: Pipe.Pipe["client"]) =>
    Effect.gen(function* () {
      const me = options[role]
      const idle = script.idleTimeoutMs ?? me.config.handshakeTimeoutMs
      const since = Effect.map(Clock.currentTimeMillis, (t) => t - epoch)
      let earlyDataAt: number | undefined
      const sessions: Array<unknown> = []
      let handshakes = 0
      const renegotiated = yield* Deferred.make<void>()
      const watch = (entry: JournalEntry) => {
        for (const a of entry.actions) {
          if (a._tag === "EarlyData" && earlyDataAt === undefined) earlyDataAt = entry.at - epoch
          if (a._tag === "SessionTicket") sessions.push(a.session)
          if (a._tag === "HandshakeComplete" && ++handshakes === 2) Deferred.doneUnsafe(renegotiated, Exit.void)
          // the peer refused it (RFC 5746 §4.5): the script goes on without
          if (a._tag === "AlertReceived" && a.description === 100) Deferred.doneUnsafe(renegotiated, Exit.void)
        }
        options.observe?.(role, entry)
      }
      const conn = yield* connect(options.machine, role, { crypto, config: me.config }, transport, { observe: tee(recorder.observe(role), watch) })
      const received: Array<Uint8Array> = []
      const reader = yield* Effect.forkScoped(Effect.exit(Stream.runForEach(conn.read, (c) => Effect.sync(() => void received.push(c)))))
      let handshakeAt: number | undefined
      let params: NegotiatedParameters | undefined
      let closedAt: number | undefined
      const hs = yield* Effect.exit(conn.handshake)
      let sentClose = false
      if (Exit.isSuccess(hs)) {
        handshakeAt = yield* since
        params = hs.value
        const app = Effect.gen(function* () {
          for (const data of (role === "client" ? script.clientWrites : script.serverWrites) ?? []) yield* conn.write(data)
          if (script.keyUpdate?.side === role) yield* conn.keyUpdate(script.keyUpdate.updatePeer)
          if (script.renegotiate?.side === role) {
            yield* conn.renegotiate
            yield* Deferred.await(renegotiated)
            if (script.renegotiate.thenWrite !== undefined) yield* conn.write(script.renegotiate.thenWrite)
          }
          if ((script.close ?? "client") === role) yield* ((sentClose = true), conn.close)
        })
        yield* Effect.ignore(Effect.timeout(app, idle))
      }
      const read = yield* Effect.timeoutOption(Fiber.join(reader), idle)
      const readEnd = Option.isNone(read) ? "timeout" : Exit.isSuccess(read.value) ? "close_notify" : "error"
      if (readEnd === "close_notify" && !sentClose) yield* Effect.ignore(conn.close)
      const closed = yield* Effect.timeoutOption(Effect.exit(conn.closed), idle)
      if (Option.isSome(closed)) closedAt = yield* since
      const error =
        Option.isSome(closed) && Exit.isFailure(closed.value)
          ? Option.getOrUndefined(Exit.findErrorOption(closed.value))
          : Exit.isFailure(hs)
            ? Option.getOrUndefined(Exit.findErrorOption(hs))
            : undefined
      outcomes[role] = { handshakeAt, params, error, received: concat(received), readEnd, closedAt, earlyDataAt, sessions, handshakes }
    }).pipe(
      Effect.provide(
        Layer.mergeAll(
          Entropy.seeded(seed, role),
          Layer.succeed(SessionStore)(store),
          Layer.succeed(ChainVerifier)(options[role].verifier ?? pinnedPolicy(leaves(options[role === "client" ? "server" : "client"].config)))
        )
      )
    )

  const program = Effect.gen(function* () {
    yield* TestClock.setTime(epoch - 1)
    const pipe = yield* Pipe.make({ delayMs, faults: options.faults, onWrite: recorder.onWrite, onDeliver: recorder.onDeliver })
    let ended: number | undefined
    // Start one virtual millisecond later, from a sleep, so that the clock's `adjust`
    // wakes (and waits for) all the work that follows.
    yield* Effect.forkScoped(
      Effect.sleep(1).pipe(
        Effect.andThen(Effect.all([side("client", pipe.client), side("server", pipe.server)], { concurrency: "unbounded", discard: true })),
        Effect.andThen(Effect.flatMap(Clock.currentTimeMillis, (t) => Effect.sync(() => void (ended = t - epoch))))
      )
    )
    yield* TestClock.adjust(boundMs + 1)
    const hung = ended === undefined
    const endedAt = ended ?? boundMs
    const blank: SideOutcome = { received: new Uint8Array(0), readEnd: "timeout", sessions: [], handshakes: 0 }
    const client = outcomes.client ?? blank
    const server = outcomes.server ?? blank
    const trace = recorder.build({
      format: "effect-tls/sim-trace/1",
      machine: options.machineName ?? "machine",
      provider: crypto.name,
      seed: String(seed instanceof Uint8Array ? toHex(seed) : seed),
      epoch,
      delayMs,
      faults: toJson(options.faults ?? []),
      script: toJson(script),
      config: { client: toJson(options.client.config), server: toJson(options.server.config) },
      outcome: { hung, endedAt, client: summary(client), server: summary(server) }
    })
    return { trace, client, server, endedAt, hung } satisfies SimResult
  })
  return Effect.scoped(program).pipe(Effect.provide(TestClock.layer({ warningDelay: "1 hour" })))
}
