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
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Latch from "effect/Latch"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { Action, NegotiatedParameters } from "../machine/actions.js"
import { TlsError, type TlsErrorReason, localFailure } from "../machine/errors.js"
import type { Event, EventOf } from "../machine/events.js"
import type { TlsConfig } from "../machine/config.js"
import type { Deps, Machine, Role } from "../machine/machine.js"
import { ChainVerifier, ClientCertificateSelection, Entropy, KeyLogSink, SessionStore, TlsCrypto } from "./services.js"
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
 * - `onWire`: called with every chunk read from the transport (`received`) and every
 *   write handed to it (`sent`), with the clock's time (a live recorder's hook).
 * - `eventsReplay`: how many past progress events a late `events` subscriber sees (256).
 * - `highWaterMark`: bytes buffered each way before the other end waits (64 KiB). Inbound:
 *   bytes read from the transport and not yet stepped, plus application data delivered
 *   and not yet taken from `read` — above the mark the transport is not read, so a slow
 *   reader pushes back on the peer. Outbound: bytes handed to the writer and not yet
 *   accepted by the transport — above the mark `write` waits. Either may exceed the mark
 *   by one chunk or one write.
 * - `idleTimeoutMs`: after the handshake, nothing received from or accepted by the
 *   transport for this long ends the connection with a `Timeout` error (default: none).
 * - `closeTimeoutMs`: how long closing waits for buffered bytes to reach the transport
 *   before it closes it anyway (2 s).
 *
 * @since 0.1.0
 * @category models
 */
export interface DriverOptions {
  readonly observe?: ((entry: JournalEntry) => void) | undefined
  readonly onWire?: ((direction: "sent" | "received", bytes: Uint8Array, at: number) => void) | undefined
  readonly eventsReplay?: number | undefined
  readonly highWaterMark?: number | undefined
  readonly idleTimeoutMs?: number | undefined
  readonly closeTimeoutMs?: number | undefined
}

/** The default `DriverOptions.highWaterMark`: 64 KiB each way. @since 0.1.0 */
export const defaultHighWaterMark = 65_536

/**
 * Bytes a connection holds right now (see `DriverOptions.highWaterMark`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Buffered {
  /** Read from the transport and not yet stepped, plus delivered and not yet read. */
  readonly inbound: number
  /** Handed to the writer and not yet accepted by the transport. */
  readonly outbound: number
}

/**
 * A running connection, `Socket`-like.
 *
 * - `handshake`: the negotiated parameters once our side completed, or the error that
 *   ended the connection first.
 * - `read`: application data in order; ends at the peer's close_notify, fails with the
 *   `TlsError` that ended the connection (after everything delivered before it). One
 *   consumer at a time. A server's accepted 0-RTT data comes first; it is also published
 *   on `events` as `EarlyData`, since it may be a replay (RFC 8446 §8). Not reading
 *   stops reading the transport once `highWaterMark` bytes wait.
 * - `write`: waits for the handshake and for the outbound buffer to be below the
 *   high-water mark, then encrypts and buffers (a client's 0-RTT data is
 *   `config.earlyData`).
 * - `close`: sends close_notify; reading continues until the peer's. After the peer's
 *   close_notify writing continues until ours — over a half-open transport even past the
 *   peer's EOF: the connection is over once both were sent.
 * - `keyUpdate`: a TLS 1.3 KeyUpdate, asking the peer to update too when `updatePeer`.
 * - `renegotiate`: a TLS 1.2 renegotiation (with `config.renegotiation: "accept"`): a
 *   client's new handshake, a server's HelloRequest. It completes once asked; the new
 *   handshake's `HandshakeComplete` appears on `events`. Writes, closes and key updates
 *   made meanwhile wait for the renegotiation to end.
 * - `events`: progress — traces, alerts, completion, tickets, the final `Closed`.
 * - `closed`: completes when the connection is over, failing with its error.
 * - `buffered`: the bytes held each way now.
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
  readonly renegotiate: Effect.Effect<void, TlsError>
  readonly events: Stream.Stream<Action>
  readonly closed: Effect.Effect<void, TlsError>
  readonly buffered: Effect.Effect<Buffered>
}

type AppEvent = EventOf<"Write"> | EventOf<"Close"> | EventOf<"RequestKeyUpdate"> | EventOf<"RequestRenegotiation">
type Input =
  | { readonly _tag: "Bytes"; readonly bytes: Uint8Array }
  | { readonly _tag: "Eof"; readonly failure?: string | undefined }
  | { readonly _tag: "App"; readonly event: AppEvent; readonly done: Deferred.Deferred<void, TlsError> }
  | { readonly _tag: "Timeout" }
  | { readonly _tag: "Idle" }
  | { readonly _tag: "WriteFailed"; readonly failure: string }

/** What the writer fiber is handed: a flight, or a marker it completes once everything before it was written. */
type Outbound = Uint8Array | Deferred.Deferred<void>

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

const describeFailure = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  const inner = (error as { reason?: { cause?: unknown } })?.reason?.cause ?? error
  return inner instanceof Error ? inner.message : String(inner)
}

/** Actions not published on `events`: bytes, data, secrets, and `Closed` (published once, by `finish`). */
const unpublished = new Set<Action["_tag"]>(["Send", "Deliver", "KeyLog", "Closed"])

/**
 * Runs `machine` for `role` over `transport` in the current scope and returns the
 * connection at once (a client starts its handshake immediately). Closing the scope
 * interrupts the driver and aborts the transport, mid-handshake or not.
 *
 * Three fibers move bytes: a reader pulls the transport into a bounded inbox while the
 * inbound buffer is below the high-water mark, the driver steps the machine on one input
 * at a time, and a writer hands each flight to the transport — so a peer that does not
 * read stalls our writes without stalling what we read, and the reverse.
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
    const selectCertificate = yield* ClientCertificateSelection
    const highWaterMark = Math.max(1, options.highWaterMark ?? defaultHighWaterMark)
    const closeTimeoutMs = options.closeTimeoutMs ?? 2_000
    const inbox = yield* Queue.bounded<Input>(64)
    const outbox = yield* Queue.unbounded<Outbound>()
    const reads = yield* Queue.unbounded<Uint8Array | TlsError, Cause.Done>()
    const events = yield* PubSub.unbounded<Action>({ replay: options.eventsReplay ?? 256 })
    const handshakeDone = yield* Deferred.make<NegotiatedParameters, TlsError>()
    const closedDone = yield* Deferred.make<void, TlsError>()
    const closeComplete = yield* Deferred.make<void>()
    /** Application requests not yet answered, with what they asked for. */
    const pending = new Map<Deferred.Deferred<void, TlsError>, AppEvent["_tag"]>()
    /** Application requests that arrived during a renegotiation, in order. */
    const held: Array<Extract<Input, { _tag: "App" }>> = []
    /** The first handshake completed (a later handshake phase is a renegotiation). */
    let completed = false
    let state = machine.initial(role)
    let finished: { readonly error?: TlsError | undefined } | undefined
    let readEnded = false
    let transportFailed: string | undefined
    let writeFailed = false
    let wroteAny = false
    const fibers: Array<Fiber.Fiber<unknown, unknown>> = []

    // Flow control (see `DriverOptions.highWaterMark`): `inbound` gates the reader,
    // `outbound` gates application writes. Both latches are open below the mark.
    let inbound = 0
    let outbound = 0
    let lastActivity = 0
    const readGate = Latch.makeUnsafe(true)
    const writeGate = Latch.makeUnsafe(true)
    const inboundChanged = (delta: number) => {
      inbound += delta
      if (inbound >= highWaterMark && !finished) readGate.closeUnsafe()
      else readGate.openUnsafe()
    }
    const outboundChanged = (delta: number) => {
      outbound += delta
      if (outbound >= highWaterMark && !finished) writeGate.closeUnsafe()
      else writeGate.openUnsafe()
    }

    const endReads = (error?: TlsError) =>
      Effect.suspend(() => {
        if (readEnded) return Effect.void
        readEnded = true
        return (error ? Queue.offer(reads, error) : Effect.void).pipe(Effect.andThen(Queue.end(reads)))
      })

    const interruptFibers = Effect.suspend(() => Effect.forEach(fibers, (f) => Fiber.interrupt(f), { discard: true }))

    /**
     * Ends the connection once: settles every waiter, lets the bytes already buffered
     * reach the transport (bounded by `closeTimeoutMs`), then closes it (`graceful`) or
     * aborts it (`abort`, when the scope closes).
     */
    const finish = (error: TlsError | undefined, mode: "graceful" | "abort" = "graceful") =>
      Effect.gen(function* () {
        if (finished) return
        finished = { error }
        readGate.openUnsafe()
        writeGate.openUnsafe()
        yield* endReads(error)
        yield* Deferred.fail(handshakeDone, error ?? new TlsError({ reason: localFailure("the connection closed before the handshake completed") }))
        const closed = error ?? new TlsError({ reason: localFailure("the connection is closed") })
        // a close asked for while the connection was ending cleanly has what it asked for
        for (const [d, tag] of pending) yield* tag === "Close" && error === undefined ? Deferred.succeed(d, undefined) : Deferred.fail(d, closed)
        pending.clear()
        yield* Queue.shutdown(inbox)
        // Bytes already handed to the writer go out first (a close_notify, an alert), unless
        // the transport broke or, when aborting, never accepted a byte (still dialing).
        if (outbound > 0 && transportFailed === undefined && !writeFailed && (mode === "graceful" || wroteAny)) {
          const flushed = yield* Deferred.make<void>()
          yield* Queue.offer(outbox, flushed)
          yield* Effect.timeoutOption(Deferred.await(flushed), closeTimeoutMs)
        }
        yield* Effect.timeoutOption(mode === "abort" ? (transport.abort ?? transport.close) : transport.close, closeTimeoutMs)
        yield* error ? Deferred.fail(closedDone, error) : Deferred.succeed(closedDone, undefined)
        yield* PubSub.end(events, { _tag: "Closed", ...(error ? { error } : {}) })
        yield* Deferred.succeed(closeComplete, undefined)
        if (mode === "graceful") yield* interruptFibers
      })

    /** Steps `first` and every event its work produces, then hands the flight to the writer. */
    const feed = (first: Event, firstWorkEntropy?: Uint8Array) =>
      Effect.gen(function* () {
        const queue: Array<{ event: Event; workEntropy?: Uint8Array | undefined }> = [{ event: first, workEntropy: firstWorkEntropy }]
        const out: Array<Uint8Array> = []
        let closing: { error?: TlsError | undefined } | undefined
        while (queue.length > 0 && closing === undefined) {
          const next = queue.shift()!
          const { workEntropy } = next
          // the answer to work may let buffered input proceed (a TLS 1.2 ServerHelloDone after the
          // chain verdict): it carries the entropy the state asks for, like Received does
          const isAnswer =
            next.event._tag === "ChainVerdict" ||
            next.event._tag === "Signed" ||
            next.event._tag === "KeyAgreed" ||
            next.event._tag === "TicketRedeemed" ||
            next.event._tag === "SessionLookup" ||
            next.event._tag === "ClientCertificateChosen" ||
            next.event._tag === "RequestRenegotiation"
          const event = isAnswer && machine.needsEntropy(state) > 0 ? { ...next.event, entropy: yield* eventEntropy() } : next.event
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
                if (!readEnded) {
                  inboundChanged(action.data.length)
                  yield* Queue.offer(reads, action.data)
                }
                break
              case "ReadClosed":
                yield* endReads()
                break
              case "HandshakeComplete":
                completed = true
                yield* Deferred.succeed(handshakeDone, action.params)
                break
              case "KeyLog":
                yield* keyLog.log(action)
                break
              case "VerifyChain":
                queue.push({ event: yield* verifier.verify(action) })
                break
              case "CacheSession":
                yield* tickets.put(action.id, action.session, action.expiresAt)
                break
              case "LookupSession":
                queue.push({ event: { _tag: "SessionLookup", session: yield* tickets.get(action.id, yield* Clock.currentTimeMillis) } })
                break
              case "SelectClientCertificate": {
                // the application's Effect; a defect in it ends this connection, not the driver
                const choice = yield* Effect.exit(selectCertificate({ ...action, candidates: deps.config.certificates }))
                if (Exit.isSuccess(choice)) queue.push({ event: { _tag: "ClientCertificateChosen", index: Option.getOrUndefined(choice.value) } })
                else closing = { error: new TlsError({ reason: localFailure(`the client-certificate selector failed: ${describeFailure(choice.cause)}`) }) }
                break
              }
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
              case "Closed": {
                let error = action.error === undefined ? undefined : toTlsError(action.error)
                if (error?.reason._tag === "Truncated" && transportFailed !== undefined) {
                  error = new TlsError({ reason: { _tag: "Truncated", detail: `${error.reason.detail}: the transport failed (${transportFailed})` } })
                }
                closing = { error }
                break
              }
              default:
                break
            }
          }
        }
        if (out.length > 0 && !writeFailed) {
          const bytes = concat(out)
          outboundChanged(bytes.length)
          yield* Queue.offer(outbox, bytes)
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
          case "Bytes": {
            yield* feed({ _tag: "Received", bytes: input.bytes, now: yield* Clock.currentTimeMillis, entropy: yield* eventEntropy() })
            inboundChanged(-input.bytes.length)
            return
          }
          case "Eof":
            transportFailed = input.failure
            // After the peer's close_notify a clean EOF is expected; over a half-open
            // transport our write side stays open (TLS 1.3 half-close) and the connection
            // ends with our own close_notify.
            if (readEnded && input.failure === undefined && transport.halfOpen === true) return
            yield* feed({ _tag: "TransportClosed" })
            if (!finished && !readEnded) {
              const detail = input.failure === undefined ? "the transport closed without close_notify" : `the transport failed (${input.failure})`
              yield* finish(new TlsError({ reason: { _tag: "Truncated", detail } }))
            }
            return
          case "App":
            // during a TLS 1.2 renegotiation the application's requests wait for it to end
            if (completed && machine.phase(state) === "handshake") {
              held.push(input)
              return
            }
            yield* app(input)
            return
          case "Timeout":
            if (machine.phase(state) !== "handshake") return
            yield* feed({ _tag: "TimeAdvanced", now: yield* Clock.currentTimeMillis })
            if (!finished && machine.phase(state) === "handshake") {
              const ms = deps.config.handshakeTimeoutMs
              yield* finish(new TlsError({ reason: { _tag: "Timeout", detail: `the handshake did not complete within ${ms} ms` } }))
            }
            return
          case "Idle":
            yield* finish(new TlsError({ reason: { _tag: "Timeout", detail: `nothing was sent or received for ${options.idleTimeoutMs} ms` } }))
            return
          case "WriteFailed":
            writeFailed = true
            yield* finish(new TlsError({ reason: { _tag: "Truncated", detail: `the transport failed while writing (${input.failure})` } }))
            return
        }
      })

    const app = (input: Extract<Input, { _tag: "App" }>) =>
      Effect.gen(function* () {
        pending.delete(input.done)
        yield* feed(input.event)
        yield* finished?.error ? Deferred.fail(input.done, finished.error) : Deferred.succeed(input.done, undefined)
      })

    const run = Effect.gen(function* () {
      lastActivity = yield* Clock.currentTimeMillis
      yield* feed({ _tag: "Start", now: lastActivity, entropy: yield* eventEntropy() })
      while (!finished) {
        yield* handle(yield* Queue.take(inbox))
        while (held.length > 0 && !finished && machine.phase(state) === "open") yield* app(held.shift()!)
      }
    })

    const reader = transport.read.pipe(
      Stream.runForEach((bytes) =>
        bytes.length === 0
          ? Effect.void
          : Effect.andThen(
              readGate.await,
              Effect.flatMap(Clock.currentTimeMillis, (now) => {
                lastActivity = now
                options.onWire?.("received", bytes, now)
                inboundChanged(bytes.length)
                return Queue.offer(inbox, { _tag: "Bytes", bytes })
              })
            )
      ),
      Effect.exit,
      Effect.flatMap((exit) => Queue.offer(inbox, exit._tag === "Failure" ? { _tag: "Eof", failure: describeFailure(exit.cause) } : { _tag: "Eof" }))
    )

    const writer = Effect.forever(
      Effect.flatMap(Queue.take(outbox), (item) => {
        if (!(item instanceof Uint8Array)) return Deferred.succeed(item, undefined)
        if (writeFailed) return Effect.sync(() => outboundChanged(-item.length))
        return Effect.flatMap(Clock.currentTimeMillis, (now) => {
          options.onWire?.("sent", item, now)
          return Effect.exit(transport.write(item))
        }).pipe(
          Effect.flatMap((exit) =>
            Effect.flatMap(Clock.currentTimeMillis, (now) => {
              lastActivity = now
              outboundChanged(-item.length)
              if (exit._tag === "Success") {
                wroteAny = true
                return Effect.void
              }
              writeFailed = true
              return Queue.offer(inbox, { _tag: "WriteFailed", failure: describeFailure(exit.cause) })
            })
          )
        )
      })
    )

    const timer = Effect.sleep(deps.config.handshakeTimeoutMs).pipe(Effect.andThen(Queue.offer(inbox, { _tag: "Timeout" })))

    const idleMs = options.idleTimeoutMs
    const idleTimer = Effect.gen(function* () {
      if (idleMs === undefined || !(idleMs > 0)) return
      yield* Deferred.await(handshakeDone)
      while (true) {
        const quiet = (yield* Clock.currentTimeMillis) - lastActivity
        if (quiet >= idleMs) return yield* Queue.offer(inbox, { _tag: "Idle" })
        yield* Effect.sleep(idleMs - quiet)
      }
    }).pipe(Effect.ignore)

    fibers.push(yield* Effect.forkScoped(reader))
    fibers.push(yield* Effect.forkScoped(writer))
    const timerFiber = yield* Effect.forkScoped(timer)
    fibers.push(timerFiber)
    fibers.push(yield* Effect.forkScoped(idleTimer))
    yield* Effect.forkScoped(
      Deferred.await(handshakeDone).pipe(Effect.exit, Effect.andThen(Fiber.interrupt(timerFiber)))
    )
    yield* Effect.forkScoped(run)
    // Registered after the fibers, so it runs before they are interrupted: a close in
    // progress may finish, an abandoned connection is aborted.
    yield* Effect.addFinalizer(() =>
      Effect.suspend(() =>
        finished
          ? Effect.timeoutOption(Deferred.await(closeComplete), closeTimeoutMs)
          : finish(new TlsError({ reason: localFailure("the connection's scope closed", "user_canceled") }), "abort")
      )
    )

    const submit = (event: AppEvent): Effect.Effect<void, TlsError> =>
      Effect.suspend(() => {
        if (finished) {
          return event._tag === "Close" && !finished.error
            ? Effect.void
            : Effect.fail(finished.error ?? new TlsError({ reason: localFailure("the connection is closed") }))
        }
        return Effect.gen(function* () {
          const done = yield* Deferred.make<void, TlsError>()
          pending.set(done, event._tag)
          const offered = yield* Queue.offer(inbox, { _tag: "App", event, done })
          if (!offered) {
            pending.delete(done)
            if (event._tag === "Close" && finished !== undefined && finished.error === undefined) return
            yield* Deferred.fail(done, finished?.error ?? new TlsError({ reason: localFailure("the connection is closed") }))
          }
          yield* Deferred.await(done)
        })
      })
    const handshake = Deferred.await(handshakeDone)

    const connection: Connection = {
      role,
      handshake,
      read: Stream.fromQueue(reads).pipe(
        Stream.mapEffect((item) =>
          item instanceof TlsError
            ? Effect.fail(item)
            : Effect.sync(() => {
                inboundChanged(-item.length)
                return item
              })
        )
      ),
      write: (data) => (data.length === 0 ? Effect.void : Effect.andThen(handshake, Effect.andThen(writeGate.await, submit({ _tag: "Write", data })))),
      close: submit({ _tag: "Close" }),
      keyUpdate: (updatePeer) => Effect.andThen(handshake, submit({ _tag: "RequestKeyUpdate", updatePeer })),
      renegotiate: Effect.flatMap(handshake, (params) =>
        params.version !== 0x0303
          ? Effect.fail(new TlsError({ reason: localFailure("renegotiation is TLS 1.2 only (TLS 1.3 has keyUpdate)") }))
          : deps.config.renegotiation !== "accept"
            ? Effect.fail(new TlsError({ reason: localFailure("renegotiation is not enabled (config.renegotiation)") }))
            : submit({ _tag: "RequestRenegotiation" })
      ),
      events: Stream.fromPubSub(events).pipe(Stream.takeUntil((a) => a._tag === "Closed")),
      closed: Deferred.await(closedDone),
      buffered: Effect.sync(() => ({ inbound, outbound }))
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
