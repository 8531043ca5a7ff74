/**
 * The Effect driver: one fiber runs a pure state machine (`Machine`) over a `Transport`.
 * It feeds `step` one event at a time — bytes as they arrive (one step per chunk), the
 * application's writes and closes, the results of the work the machine asked for — and
 * performs the actions: `Send` is written to the transport once per input (a flight is
 * one write), `Deliver` goes to the read stream, `Sign` / `KeyAgreement` / `VerifyChain`
 * run on the services and come back as events, and progress (traces, alerts,
 * completion) is published on `events`.
 *
 * Entropy is drawn from the `Entropy` service only while the machine says it needs some
 * (`needsEntropy`), time is read from Effect's `Clock` (so `TestClock` drives the
 * simulator) and the handshake times out after `config.handshakeTimeoutMs`.
 *
 * @since 0.1.0
 */
import type * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as PubSub from "effect/PubSub"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { Action, NegotiatedParameters } from "../machine/actions.js"
import { TlsError, type TlsErrorReason, localFailure } from "../machine/errors.js"
import type { Event, EventOf } from "../machine/events.js"
import type { TlsConfig } from "../machine/config.js"
import type { Deps, Machine, Role } from "../machine/machine.js"
import { ChainVerifier, Entropy, KeyLogSink, SessionStore, TlsCrypto } from "./services.js"
import { coalesce } from "../record/limits.js"
import type { Transport } from "./transport.js"
import { entropyLength, perform } from "./work.js"

/**
 * One step as the driver took it: the event (with the entropy it carried), the entropy
 * drawn for the work it answers (`Signed`, `KeyAgreed`), the actions, and the time.
 *
 * @since 0.1.0
 * @category models
 */
export interface JournalEntry {
  readonly event: Event
  readonly workEntropy?: Uint8Array | undefined
  readonly actions: ReadonlyArray<Action>
  readonly at: number
}

/**
 * Driver options.
 *
 * - `observe`: called synchronously after every step (the simulator's recorder).
 * - `eventsReplay`: how many past progress events a late `events` subscriber sees (256).
 *
 * @since 0.1.0
 * @category models
 */
export interface DriverOptions {
  readonly observe?: ((entry: JournalEntry) => void) | undefined
  readonly eventsReplay?: number | undefined
}

/**
 * A running connection, `Socket`-like.
 *
 * - `handshake`: the negotiated parameters once our side completed, or the error that
 *   ended the connection first.
 * - `read`: application data in order; ends at the peer's close_notify, fails with the
 *   `TlsError` that ended the connection (after everything delivered before it). One
 *   consumer at a time. A server's accepted 0-RTT data comes first; it is also published
 *   on `events` as `EarlyData`, since it may be a replay (RFC 8446 §8).
 * - `write`: waits for the handshake, then sends (a client's 0-RTT data is
 *   `config.earlyData`).
 * - `close`: sends close_notify; reading continues until the peer's.
 * - `keyUpdate`: a TLS 1.3 KeyUpdate, asking the peer to update too when `updatePeer`.
 * - `events`: progress — traces, alerts, completion, tickets, the final `Closed`.
 * - `closed`: completes when the connection is over, failing with its error.
 *
 * @since 0.1.0
 * @category models
 */
export interface Connection {
  readonly role: Role
  readonly handshake: Effect.Effect<NegotiatedParameters, TlsError>
  readonly read: Stream.Stream<Uint8Array, TlsError>
  readonly write: (data: Uint8Array) => Effect.Effect<void, TlsError>
  readonly close: Effect.Effect<void, TlsError>
  readonly keyUpdate: (updatePeer: boolean) => Effect.Effect<void, TlsError>
  readonly events: Stream.Stream<Action>
  readonly closed: Effect.Effect<void, TlsError>
}

type AppEvent = EventOf<"Write"> | EventOf<"Close"> | EventOf<"RequestKeyUpdate">
type Input =
  | { readonly _tag: "Bytes"; readonly bytes: Uint8Array }
  | { readonly _tag: "Eof" }
  | { readonly _tag: "App"; readonly event: AppEvent; readonly done: Deferred.Deferred<void, TlsError> }
  | { readonly _tag: "Timeout" }

const reasonTags = new Set(["Decode", "PeerMisbehaved", "PeerIncompatible", "CertificateRejected", "AlertReceived", "Truncated", "Timeout", "LocalFailure"])

/** The `TlsError` a `Closed { error }` action carries (a `TlsError`, or a bare reason). @since 0.1.0 */
export const toTlsError = (error: unknown): TlsError => {
  if (error instanceof TlsError) return error
  if (typeof error === "object" && error !== null && reasonTags.has((error as { _tag?: string })._tag ?? "")) {
    return new TlsError({ reason: error as TlsErrorReason })
  }
  return new TlsError({ reason: localFailure(`connection closed: ${String(error)}`) })
}

const concat = coalesce

/** Actions not published on `events`: bytes, data, secrets, and `Closed` (published once, by `finish`). */
const unpublished = new Set<Action["_tag"]>(["Send", "Deliver", "KeyLog", "Closed"])

/**
 * Runs `machine` for `role` over `transport` in the current scope and returns the
 * connection at once (a client starts its handshake immediately). Closing the scope
 * interrupts the driver and closes the transport, mid-handshake or not.
 *
 * **Gotchas**: the transport's own failures end the connection as `Truncated` (no
 * close_notify was seen); call `close` before leaving the scope for a clean shutdown.
 *
 * @since 0.1.0
 * @category constructors
 */
export const connect = <S, E>(
  machine: Machine<S>,
  role: Role,
  deps: Deps,
  transport: Transport<E>,
  options: DriverOptions = {}
): Effect.Effect<Connection, never, Scope.Scope | Entropy | ChainVerifier> =>
  Effect.gen(function* () {
    const entropy = yield* Entropy
    const verifier = yield* ChainVerifier
    const keyLog = yield* KeyLogSink
    const tickets = yield* SessionStore
    const inbox = yield* Queue.unbounded<Input>()
    const reads = yield* Queue.unbounded<Uint8Array | TlsError, Cause.Done>()
    const events = yield* PubSub.unbounded<Action>({ replay: options.eventsReplay ?? 256 })
    const handshakeDone = yield* Deferred.make<NegotiatedParameters, TlsError>()
    const closedDone = yield* Deferred.make<void, TlsError>()
    const pending = new Set<Deferred.Deferred<void, TlsError>>()
    let state = machine.initial(role)
    let finished: { readonly error?: TlsError | undefined } | undefined
    let readEnded = false
    const fibers: Array<Fiber.Fiber<unknown, unknown>> = []

    const endReads = (error?: TlsError) =>
      Effect.suspend(() => {
        if (readEnded) return Effect.void
        readEnded = true
        return (error ? Queue.offer(reads, error) : Effect.void).pipe(Effect.andThen(Queue.end(reads)))
      })

    /** Ends the connection once: settles every waiter, closes the transport. */
    const finish = (error?: TlsError) =>
      Effect.gen(function* () {
        if (finished) return
        finished = { error }
        yield* endReads(error)
        yield* Deferred.fail(handshakeDone, error ?? new TlsError({ reason: localFailure("the connection closed before the handshake completed") }))
        const closed = error ?? new TlsError({ reason: localFailure("the connection is closed") })
        for (const d of pending) yield* Deferred.fail(d, closed)
        pending.clear()
        yield* error ? Deferred.fail(closedDone, error) : Deferred.succeed(closedDone, undefined)
        yield* PubSub.end(events, { _tag: "Closed", ...(error ? { error } : {}) })
        yield* transport.close
        for (const f of fibers) yield* Fiber.interrupt(f)
      })

    /** Steps `first` and every event its work produces, then writes the flight. */
    const feed = (first: Event, firstWorkEntropy?: Uint8Array) =>
      Effect.gen(function* () {
        const queue: Array<{ event: Event; workEntropy?: Uint8Array | undefined }> = [{ event: first, workEntropy: firstWorkEntropy }]
        const out: Array<Uint8Array> = []
        let closing: { error?: TlsError | undefined } | undefined
        while (queue.length > 0 && closing === undefined) {
          const { event, workEntropy } = queue.shift()!
          const result = machine.step(deps, state, event)
          state = result.state
          if (options.observe) options.observe({ event, workEntropy, actions: result.actions, at: yield* Clock.currentTimeMillis })
          for (const action of result.actions) {
            if (!unpublished.has(action._tag)) yield* PubSub.publish(events, action)
            switch (action._tag) {
              case "Send":
                out.push(action.bytes)
                break
              case "Deliver":
              case "EarlyData":
                if (!readEnded) yield* Queue.offer(reads, action.data)
                break
              case "ReadClosed":
                yield* endReads()
                break
              case "HandshakeComplete":
                yield* Deferred.succeed(handshakeDone, action.params)
                break
              case "KeyLog":
                yield* keyLog.log(action)
                break
              case "VerifyChain":
                queue.push({ event: yield* verifier.verify(action) })
                break
              case "RedeemTicket": {
                const fresh = yield* tickets.redeem(action.id, action.expiresAt, yield* Clock.currentTimeMillis)
                queue.push({ event: { _tag: "TicketRedeemed", fresh } })
                break
              }
              case "Sign":
              case "KeyAgreement": {
                const n = entropyLength(action)
                const drawn = n > 0 ? yield* entropy.bytes(n) : new Uint8Array(0)
                const answer = perform(deps, action, drawn)
                if (answer._tag === "WorkFailure") closing = { error: new TlsError({ reason: localFailure(answer.detail) }) }
                else queue.push({ event: answer, workEntropy: drawn })
                break
              }
              case "Closed":
                closing = { error: action.error === undefined ? undefined : toTlsError(action.error) }
                break
              default:
                break
            }
          }
        }
        if (out.length > 0) {
          const written = yield* Effect.exit(transport.write(concat(out)))
          if (written._tag === "Failure" && closing === undefined) {
            closing = { error: new TlsError({ reason: { _tag: "Truncated", detail: "the transport failed while writing" } }) }
          }
        }
        if (closing !== undefined) yield* finish(closing.error)
      })

    const eventEntropy = () => {
      const n = machine.needsEntropy(state)
      return n > 0 ? entropy.bytes(n) : Effect.succeed(new Uint8Array(0))
    }

    const handle = (input: Input) =>
      Effect.gen(function* () {
        switch (input._tag) {
          case "Bytes":
            return yield* feed({ _tag: "Received", bytes: input.bytes, now: yield* Clock.currentTimeMillis, entropy: yield* eventEntropy() })
          case "Eof":
            yield* feed({ _tag: "TransportClosed" })
            // After the peer's close_notify an EOF is expected; our write side may stay open.
            if (!finished && !readEnded) yield* finish(new TlsError({ reason: { _tag: "Truncated", detail: "the transport closed without close_notify" } }))
            return
          case "App":
            pending.delete(input.done)
            yield* feed(input.event)
            yield* finished?.error ? Deferred.fail(input.done, finished.error) : Deferred.succeed(input.done, undefined)
            return
          case "Timeout":
            if (machine.phase(state) !== "handshake") return
            yield* feed({ _tag: "TimeAdvanced", now: yield* Clock.currentTimeMillis })
            if (!finished && machine.phase(state) === "handshake") {
              const ms = deps.config.handshakeTimeoutMs
              yield* finish(new TlsError({ reason: { _tag: "Timeout", detail: `the handshake did not complete within ${ms} ms` } }))
            }
        }
      })

    const run = Effect.gen(function* () {
      yield* feed({ _tag: "Start", now: yield* Clock.currentTimeMillis, entropy: yield* eventEntropy() })
      while (!finished) yield* handle(yield* Queue.take(inbox))
    })

    const reader = transport.read.pipe(
      Stream.runForEach((bytes) => (bytes.length > 0 ? Queue.offer(inbox, { _tag: "Bytes", bytes }) : Effect.void)),
      Effect.exit,
      Effect.andThen(Queue.offer(inbox, { _tag: "Eof" }))
    )
    const timer = Effect.sleep(deps.config.handshakeTimeoutMs).pipe(Effect.andThen(Queue.offer(inbox, { _tag: "Timeout" })))

    yield* Effect.addFinalizer(() =>
      finish(new TlsError({ reason: localFailure("the connection's scope closed", "user_canceled") }))
    )
    fibers.push(yield* Effect.forkScoped(reader))
    const timerFiber = yield* Effect.forkScoped(timer)
    fibers.push(timerFiber)
    yield* Effect.forkScoped(
      Deferred.await(handshakeDone).pipe(Effect.exit, Effect.andThen(Fiber.interrupt(timerFiber)))
    )
    yield* Effect.forkScoped(run)

    const submit = (event: AppEvent): Effect.Effect<void, TlsError> =>
      Effect.suspend(() => {
        if (finished) {
          return event._tag === "Close" && !finished.error
            ? Effect.void
            : Effect.fail(finished.error ?? new TlsError({ reason: localFailure("the connection is closed") }))
        }
        return Effect.gen(function* () {
          const done = yield* Deferred.make<void, TlsError>()
          pending.add(done)
          yield* Queue.offer(inbox, { _tag: "App", event, done })
          yield* Deferred.await(done)
        })
      })
    const handshake = Deferred.await(handshakeDone)

    const connection: Connection = {
      role,
      handshake,
      read: Stream.fromQueue(reads).pipe(
        Stream.mapEffect((item) => (item instanceof TlsError ? Effect.fail(item) : Effect.succeed(item)))
      ),
      write: (data) => (data.length === 0 ? Effect.void : Effect.andThen(handshake, submit({ _tag: "Write", data }))),
      close: submit({ _tag: "Close" }),
      keyUpdate: (updatePeer) => Effect.andThen(handshake, submit({ _tag: "RequestKeyUpdate", updatePeer })),
      events: Stream.fromPubSub(events).pipe(Stream.takeUntil((a) => a._tag === "Closed")),
      closed: Deferred.await(closedDone)
    }
    return connection
  })

/**
 * `connect` with the crypto provider taken from the `TlsCrypto` service.
 *
 * @since 0.1.0
 * @category constructors
 */
export const connectWith = <S, E>(
  machine: Machine<S>,
  role: Role,
  config: TlsConfig,
  transport: Transport<E>,
  options: DriverOptions = {}
): Effect.Effect<Connection, never, Scope.Scope | Entropy | ChainVerifier | TlsCrypto> =>
  Effect.gen(function* () {
    const crypto = yield* TlsCrypto
    return yield* connect(machine, role, { crypto, config }, transport, options)
  })
