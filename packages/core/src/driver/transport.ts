/**
 * The byte stream a driver runs TLS over: a read stream, a write, a close. Anything that
 * moves bytes fits — an Effect `Socket` (`fromSocket`), a Node `Duplex`, the simulator's
 * in-memory pipe.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Socket from "effect/socket/Socket"
import * as Stream from "effect/Stream"

/**
 * A reliable, ordered byte stream (TCP's contract).
 *
 * - `read`: the bytes the peer sent, in chunks of any size; it ends at the peer's EOF
 *   and fails when the transport breaks. The driver runs it once.
 * - `write`: hands bytes to the transport; the driver calls it once per flight.
 * - `close`: closes (or half-closes) our side; it never fails.
 *
 * @since 0.1.0
 * @category models
 */
export interface Transport<E = unknown> {
  readonly read: Stream.Stream<Uint8Array, E>
  readonly write: (bytes: Uint8Array) => Effect.Effect<void, E>
  readonly close: Effect.Effect<void>
}

const isClose = (e: Socket.SocketError): boolean => e.reason._tag === "SocketCloseError"

/**
 * A transport over an Effect `Socket` (`effect/socket/Socket`): reads its binary frames,
 * writes through a writer acquired in the current scope, closes by writing a
 * `CloseEvent`. A clean close of the socket (`SocketCloseError`) ends the read stream
 * instead of failing it.
 *
 * **Gotchas**: the socket's reader is acquired when the driver starts reading, which dials
 * a client socket; writes made before that suspend until it is connected.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromSocket = (socket: Socket.Socket): Effect.Effect<Transport<Socket.SocketError>, never, Scope.Scope> =>
  Effect.map(socket.writer, (writer) => {
    // Once the read side has ended, the socket's reader scope has released the connection:
    // a Node socket's writer would then wait for a reconnect that never comes, so writes
    // fail at once and closing is a no-op.
    let readEnded = false
    const gone = new Socket.SocketError({ reason: new Socket.SocketWriteError({ cause: new Error("the socket is closed") }) })
    return {
      read: Socket.toStream(socket).pipe(
        Stream.catchIf(isClose, () => Stream.empty),
        Stream.ensuring(Effect.sync(() => {
          readEnded = true
        }))
      ),
      write: (bytes: Uint8Array) => Effect.suspend(() => (readEnded ? Effect.fail(gone) : writer.write(bytes))),
      close: Effect.suspend(() => (readEnded ? Effect.void : Effect.ignore(writer.write(new Socket.CloseEvent()))))
    }
  })
