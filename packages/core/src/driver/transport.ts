/**
 * The byte stream a driver runs TLS over: a read stream, a write, a close. Anything that
 * moves bytes fits — an Effect `Socket` (`fromSocket`), a Node `Duplex`, the simulator's
 * in-memory pipe.
 *
 * @since 0.1.0
 */
import type { NonEmptyReadonlyArray } from "effect/Array"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as Socket from "effect/socket/Socket"
import * as Stream from "effect/Stream"

/**
 * A reliable, ordered byte stream (TCP's contract).
 *
 * - `read`: the bytes the peer sent, in chunks of any size; it ends at the peer's EOF
 *   and fails when the transport breaks. The driver runs it once, and pulls it only as
 *   fast as the connection's buffers drain (backpressure).
 * - `write`: hands bytes to the transport and completes once the transport accepted them
 *   (a Node socket: below its high-water mark, or after `drain`); the driver calls it
 *   once per flight, one call at a time.
 * - `close`: closes (or half-closes) our side once what was written is sent; it never
 *   fails.
 * - `abort`: tears the transport down at once, unsent bytes dropped (the connection's
 *   scope closed, e.g. an interrupted handshake); `close` when absent.
 * - `halfOpen`: after the peer's EOF our writes still reach it (a TCP half-close). The
 *   driver then keeps a connection open for writing after the peer's close_notify and EOF,
 *   until our own close_notify; without it, that EOF ends the connection.
 *
 * @since 0.1.0
 * @category models
 */
export interface Transport<E = unknown> {
  readonly read: Stream.Stream<Uint8Array, E>
  readonly write: (bytes: Uint8Array) => Effect.Effect<void, E>
  readonly close: Effect.Effect<void>
  readonly abort?: Effect.Effect<void> | undefined
  readonly halfOpen?: boolean | undefined
}

const isClose = (e: Socket.SocketError): boolean => e.reason._tag === "SocketCloseError"

/**
 * Options of `fromSocket`.
 *
 * - `close`: how `close` ends the socket. `"event"` (the default) writes a `CloseEvent`,
 *   the generic close of an Effect `Socket` (a WebSocket's close frame; on a Node socket it
 *   is `destroy()`, which drops bytes Node has not sent yet). `"end"` releases the socket's
 *   writer, which on a Node socket (`@effect/platform-node`) is `end()`: a FIN after
 *   everything written, then the socket closes when the peer's side ends too.
 * - `halfOpen`: the socket stays writable after the peer's EOF (a Node socket made with
 *   `allowHalfOpen: true`); without it, writes after the EOF fail at once.
 *
 * @since 0.1.0
 * @category models
 */
export interface FromSocketOptions {
  readonly close?: "event" | "end" | undefined
  readonly halfOpen?: boolean | undefined
}

/**
 * A transport over an Effect `Socket` (`effect/socket/Socket`): reads its binary frames,
 * writes through a writer acquired in the current scope, closes as `options.close` says,
 * aborts with a `CloseEvent`. A clean close of the socket (`SocketCloseError`) ends the
 * read stream instead of failing it.
 *
 * The socket's reader is acquired in the current scope too (when the driver starts
 * reading, which dials a client socket), not in the read stream's, and released after
 * the driver's own finalizer: the peer's EOF ends the stream but keeps the socket, so a
 * half-open socket (`options.halfOpen`) can still be written to (TLS 1.3 lets a side
 * answer after the peer's close_notify).
 *
 * **Gotchas**: writes made before the socket is connected suspend until it is; after the
 * read side failed (a reset), writes fail at once.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromSocket = (
  socket: Socket.Socket,
  options: FromSocketOptions = {}
): Effect.Effect<Transport<Socket.SocketError>, never, Scope.Scope> =>
  Effect.gen(function* () {
    // Both scopes are children of the current one made now, so they close after anything
    // the driver registers later (its finalizer flushes through them first).
    const scope = yield* Effect.scope
    const writerScope = yield* Scope.fork(scope)
    const readerScope = yield* Scope.fork(scope)
    const writer = yield* Scope.provide(socket.writer, writerScope)
    // Once the read side failed (or ended, unless half-open) the socket is gone: a Node
    // socket's writer could wait for a `drain` that never comes, so writes fail at once
    // and closing is a no-op.
    // Before the first write went through the socket may still be dialing: an abort
    // leaves it to the reader's release.
    let broken = false
    let wrote = false
    const gone = new Socket.SocketError({ reason: new Socket.SocketWriteError({ cause: new Error("the socket is closed") }) })
    const closeEvent = Effect.suspend(() => (broken ? Effect.void : Effect.ignore(writer.write(new Socket.CloseEvent()))))
    const markBroken = Effect.sync(() => {
      broken = true
    })
    const read: Stream.Stream<Uint8Array, Socket.SocketError> = Stream.fromPull(
      Effect.map(Effect.tapError(Scope.provide(socket.reader, readerScope), () => markBroken), (reader) =>
        reader.pull.pipe(
          Effect.map((chunks) => chunks.map((c) => (typeof c === "string" ? encoder.encode(c) : c)) as unknown as NonEmptyReadonlyArray<Uint8Array>),
          Effect.catchIf(isClose, () => (options.halfOpen === true ? Cause.done() : Effect.andThen(markBroken, Cause.done()))),
          Effect.tapError((e) => (Cause.isDone(e) ? Effect.void : markBroken))
        )
      )
    )
    return {
      read,
      write: (bytes: Uint8Array) =>
        Effect.suspend(() => (broken ? Effect.fail(gone) : Effect.tap(writer.write(bytes), () => Effect.sync(() => void (wrote = true))))),
      close: options.close === "end" ? Effect.suspend(() => (broken ? Effect.void : Scope.close(writerScope, Exit.void))) : closeEvent,
      abort: Effect.suspend(() => (wrote ? closeEvent : Effect.void)),
      halfOpen: options.halfOpen === true
    } satisfies Transport<Socket.SocketError>
  })

const encoder = new TextEncoder()
