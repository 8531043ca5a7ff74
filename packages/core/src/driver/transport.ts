/**
 * The byte stream a driver runs TLS over: a read stream, a write, a close. Anything that
 * moves bytes fits — an Effect `Socket` (`fromSocket`), a Node `Duplex`, the simulator's
 * in-memory pipe.
 *
 * @since 0.1.0
 */
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
 *
 * @since 0.1.0
 * @category models
 */
export interface Transport<E = unknown> {
  readonly read: Stream.Stream<Uint8Array, E>
  readonly write: (bytes: Uint8Array) => Effect.Effect<void, E>
  readonly close: Effect.Effect<void>
  readonly abort?: Effect.Effect<void> | undefined
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
 *
 * @since 0.1.0
 * @category models
 */
export interface FromSocketOptions {
  readonly close?: "event" | "end" | undefined
}

/**
 * A transport over an Effect `Socket` (`effect/socket/Socket`): reads its binary frames,
 * writes through a writer acquired in the current scope, closes as `options.close` says,
 * aborts with a `CloseEvent`. A clean close of the socket (`SocketCloseError`) ends the
 * read stream instead of failing it.
 *
 * **Gotchas**: the socket's reader is acquired when the driver starts reading, which dials
 * a client socket; writes made before that suspend until it is connected.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromSocket = (
  socket: Socket.Socket,
  options: FromSocketOptions = {}
): Effect.Effect<Transport<Socket.SocketError>, never, Scope.Scope> =>
  Effect.gen(function* () {
    const writerScope = yield* Scope.fork(yield* Effect.scope)
    const writer = yield* Scope.provide(socket.writer, writerScope)
    // Once the read side has ended, the socket's reader scope has released the connection:
    // a Node socket's writer would then wait for a reconnect that never comes, so writes
    // fail at once and closing is a no-op. Before the first write went through the socket
    // may still be dialing: an abort leaves it to the reader's release.
    let readEnded = false
    let wrote = false
    const gone = new Socket.SocketError({ reason: new Socket.SocketWriteError({ cause: new Error("the socket is closed") }) })
    const closeEvent = Effect.suspend(() => (readEnded ? Effect.void : Effect.ignore(writer.write(new Socket.CloseEvent()))))
    return {
      read: Socket.toStream(socket).pipe(
        Stream.catchIf(isClose, () => Stream.empty),
        Stream.ensuring(Effect.sync(() => {
          readEnded = true
        }))
      ),
      write: (bytes: Uint8Array) =>
        Effect.suspend(() => (readEnded ? Effect.fail(gone) : Effect.tap(writer.write(bytes), () => Effect.sync(() => void (wrote = true))))),
      close: options.close === "end" ? Effect.suspend(() => (readEnded ? Effect.void : Scope.close(writerScope, Exit.void))) : closeEvent,
      abort: Effect.suspend(() => (wrote ? closeEvent : Effect.void))
    } satisfies Transport<Socket.SocketError>
  })
