/**
 * The live runtime: effect-tls on `@effect/platform-node` TCP sockets. A client
 * (`connect`), a server (`serve`), TLS over an already-open Effect `Socket` (`upgrade`,
 * for STARTTLS), and `toSocket`, which turns a connection back into an Effect `Socket` of
 * plaintext so anything built on Effect sockets runs over it. `layer` provides the
 * services with Node's implementations: `NodeCrypto`, the OS CSPRNG, a key log when
 * `SSLKEYLOGFILE` is set.
 *
 * ```ts
 * const program = Effect.gen(function* () {
 *   const conn = yield* NodeTls.connect({ host: "example.test", port: 443, config: { serverName: "example.test" } })
 *   yield* conn.write(new TextEncoder().encode("GET / HTTP/1.0\r\n\r\n"))
 * }).pipe(Effect.scoped, Effect.provide(NodeTls.layer()), Effect.provide(verifierLayer))
 * ```
 *
 * @since 0.1.0
 */
import * as fs from "node:fs"
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer"
import {
  ChainVerifier,
  Driver,
  Entropy,
  fromSocket,
  keyLogTo,
  makeConfig,
  NobleCrypto,
  Tls13,
  TlsCrypto,
  TlsError,
  type Connection,
  type DriverOptions,
  type NegotiatedParameters,
  type Role,
  type TlsConfig
} from "@effect-tls/core"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Socket from "effect/socket/Socket"
import type * as SocketServer from "effect/socket/SocketServer"
import * as Stream from "effect/Stream"
import { NodeCrypto } from "./node-crypto.js"

/**
 * A live TLS connection: the driver's `Connection` (read stream, write, close, key update,
 * progress events) and the parameters its handshake agreed on.
 *
 * @since 0.1.0
 * @category models
 */
export interface TlsConnection extends Connection {
  readonly params: NegotiatedParameters
}

/**
 * Services for live connections: `NodeCrypto` (or `NobleCrypto` with `crypto: "noble"`),
 * the OS CSPRNG, and an NSS key log appended to `keyLogFile` or `$SSLKEYLOGFILE` when set.
 * A `ChainVerifier` is not included: trust is a decision the caller makes.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: { readonly crypto?: "node" | "noble"; readonly keyLogFile?: string | undefined } = {}): Layer.Layer<TlsCrypto | Entropy> => {
  const crypto = Layer.succeed(TlsCrypto)(options.crypto === "noble" ? NobleCrypto : NodeCrypto)
  const file = options.keyLogFile ?? process.env.SSLKEYLOGFILE
  const base = Layer.mergeAll(crypto, Entropy.live)
  if (file === undefined || file === "") return base
  return Layer.merge(base, keyLogFile(file))
}

/**
 * Appends every traffic secret to `path` in the NSS key log format (what Wireshark/tshark
 * read to decrypt a capture).
 *
 * **Gotchas**: the file holds the keys to every logged connection; use it for debugging only.
 *
 * @since 0.1.0
 * @category layers
 */
export const keyLogFile = (path: string): Layer.Layer<never> => keyLogTo((line) => fs.appendFileSync(path, `${line}\n`, { mode: 0o600 }))

/** The state machine for a configuration (TLS 1.3 today; TLS 1.2 joins it). */
const machineFor = (_config: TlsConfig) => Tls13.machine

const runOver = <E>(
  role: Role,
  config: TlsConfig,
  transport: { readonly read: Stream.Stream<Uint8Array, E>; readonly write: (b: Uint8Array) => Effect.Effect<void, E>; readonly close: Effect.Effect<void> },
  options: DriverOptions
): Effect.Effect<TlsConnection, TlsError, Scope.Scope | Entropy | ChainVerifier | TlsCrypto> =>
  Effect.gen(function* () {
    const conn = yield* Driver.connectWith(machineFor(config), role, config, transport, options)
    const params = yield* conn.handshake
    return { ...conn, params }
  })

/**
 * Connects to `host:port` over TCP and runs the TLS handshake as a client. The connection
 * lives in the current scope; closing it closes the socket.
 *
 * @since 0.1.0
 * @category constructors
 */
export const connect = (options: {
  readonly host: string
  readonly port: number
  readonly config?: Partial<TlsConfig> | undefined
  readonly driver?: DriverOptions | undefined
}): Effect.Effect<TlsConnection, TlsError, Scope.Scope | Entropy | ChainVerifier | TlsCrypto> =>
  Effect.gen(function* () {
    const socket = yield* NodeSocket.makeNet({ host: options.host, port: options.port, noDelay: true })
    return yield* upgrade(socket, "client", options.config ?? {}, options.driver)
  })

/**
 * TLS over an already-open Effect `Socket`, in either role (STARTTLS: LDAP, SMTP, ...).
 *
 * @since 0.1.0
 * @category constructors
 */
export const upgrade = (
  socket: Socket.Socket,
  role: Role,
  config: Partial<TlsConfig>,
  driver: DriverOptions = {}
): Effect.Effect<TlsConnection, TlsError, Scope.Scope | Entropy | ChainVerifier | TlsCrypto> =>
  Effect.gen(function* () {
    const transport = yield* fromSocket(socket)
    return yield* runOver(role, makeConfig(config), transport, driver)
  })

/**
 * Listens on `host:port` (port 0: the OS picks one; see `address`) and runs `handler` for
 * every connection whose handshake completes. A failed handshake ends that connection
 * only (its error goes to `onError`, if given).
 *
 * @since 0.1.0
 * @category constructors
 */
export const serve = <R, E>(options: {
  readonly host?: string | undefined
  readonly port: number
  readonly config: Partial<TlsConfig>
  readonly handler: (conn: TlsConnection) => Effect.Effect<void, E, R>
  readonly onError?: ((error: TlsError | E) => Effect.Effect<void>) | undefined
  readonly driver?: DriverOptions | undefined
}): Effect.Effect<
  { readonly address: SocketServer.SocketServer["Service"]["address"]; readonly run: Effect.Effect<never, SocketServer.SocketServerError, R | Entropy | ChainVerifier | TlsCrypto> },
  SocketServer.SocketServerError,
  Scope.Scope
> =>
  Effect.gen(function* () {
    const server = yield* NodeSocketServer.make({ host: options.host ?? "127.0.0.1", port: options.port })
    const config = makeConfig(options.config)
    const run = server.run((socket) =>
      Effect.scoped(
        Effect.gen(function* () {
          const transport = yield* fromSocket(socket)
          const conn = yield* runOver("server", config, transport, options.driver ?? {})
          yield* options.handler(conn)
        })
      ).pipe(Effect.catch((e: TlsError | E) => (options.onError ? options.onError(e) : Effect.void)))
    )
    return { address: server.address, run }
  })

/**
 * A connection as an Effect `Socket` of plaintext: its reader pulls decrypted data (a
 * clean close_notify ends it as a `SocketCloseError`, like a closed TCP socket; a TLS
 * failure is a `SocketReadError` carrying the `TlsError`), its writer encrypts, and a
 * `CloseEvent` sends close_notify.
 *
 * @since 0.1.0
 * @category conversions
 */
export const toSocket = (conn: Connection): Socket.Socket =>
  Socket.make({
    reader: Effect.gen(function* () {
      const queue = yield* Queue.bounded<Uint8Array, TlsError | Cause.Done>(16)
      yield* Stream.runForEach(conn.read, (chunk) => Queue.offer(queue, chunk)).pipe(
        Effect.matchEffect({
          onFailure: (e) => Queue.fail(queue, e),
          onSuccess: () => Queue.end(queue)
        }),
        Effect.forkScoped
      )
      return {
        pull: Queue.takeAll(queue).pipe(
          Effect.catch((e) =>
            Effect.fail(
              Cause.isDone(e)
                ? new Socket.SocketError({ reason: new Socket.SocketCloseError({ code: 1000 }) })
                : new Socket.SocketError({ reason: new Socket.SocketReadError({ cause: e }) })
            )
          ),
          Effect.flatMap((chunks) =>
            chunks.length > 0 ? Effect.succeed(chunks as never) : Effect.fail(new Socket.SocketError({ reason: new Socket.SocketCloseError({ code: 1000 }) }))
          )
        ),
        upgrade: () => Effect.fail(new Socket.SocketError({ reason: new Socket.SocketUpgradeError({ cause: "already TLS" } as never) }))
      } as Socket.Reader
    }),
    writer: Effect.succeed({
      write: (chunk: Uint8Array | string | Socket.CloseEvent) =>
        (Socket.isCloseEvent(chunk) ? conn.close : conn.write(typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk)).pipe(
          Effect.mapError((e) => new Socket.SocketError({ reason: new Socket.SocketWriteError({ cause: e }) }))
        ),
      writeAll: (chunks: ReadonlyArray<Uint8Array | string>) =>
        Effect.forEach(chunks, (c) => conn.write(typeof c === "string" ? new TextEncoder().encode(c) : c), { discard: true }).pipe(
          Effect.mapError((e) => new Socket.SocketError({ reason: new Socket.SocketWriteError({ cause: e }) }))
        )
    } as Socket.Writer)
  })
