/**
 * The live runtime: effect-tls on `@effect/platform-node` TCP sockets (IPv4 or IPv6). A
 * client (`connect`), a server (`serve`), TLS over an already-open Effect `Socket`
 * (`upgrade`, for STARTTLS, in either role), `toSocket`, which turns a connection back into
 * an Effect `Socket` of plaintext so anything built on Effect sockets runs over it, and a
 * Node `Duplex` (`duplex`, `duplexFactory`, with `createConnection`, `httpsAgent` and
 * `undiciConnect` for Node's HTTP stacks). A server may pick each connection's
 * certificates (and any other setting) from the client's SNI with an Effect callback
 * (`selectConfig`, `byServerName`). `layer` provides the services with Node's
 * implementations: `NodeCrypto`, the OS CSPRNG, a key log when `SSLKEYLOGFILE` is set.
 *
 * Every failure is one `TlsError` (`Effect.catchTag("TlsError", …)`, then `reason._tag`):
 * a peer's alert, a rejected certificate, a `Timeout` (handshake: `config.handshakeTimeoutMs`;
 * idle: `driver.idleTimeoutMs`), a `Truncated` connection (EOF without close_notify, or a
 * socket that failed — a refused connection included). Backpressure and buffering are the
 * driver's (`driver.highWaterMark`).
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
import type * as https from "node:https"
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer"
import {
  ChainVerifier,
  Driver,
  Entropy,
  fromSocket,
  keyLogTo,
  localFailure,
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
import * as Duplex from "./duplex.js"
import { NodeCrypto } from "./node-crypto.js"
import { alertRecord, choose, type SelectConfig } from "./sni.js"

export {
  /** @since 0.1.0 */
  type DuplexFactory,
  /** @since 0.1.0 */
  type Target,
  /** @since 0.1.0 */
  TlsDuplex
} from "./duplex.js"

export {
  /** @since 0.1.0 */
  byServerName,
  /** @since 0.1.0 */
  type ClientHelloInfo,
  /** @since 0.1.0 */
  maxPeek,
  /** @since 0.1.0 */
  type SelectConfig,
  /** @since 0.1.0 */
  UnrecognizedName
} from "./sni.js"

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

/** The state machine for a configuration: one machine drives TLS 1.3 and TLS 1.2 (`config.versions`). */
const machineFor = (_config: TlsConfig) => Tls13.machine

const runOver = <E>(
  role: Role,
  config: TlsConfig,
  transport: { readonly read: Stream.Stream<Uint8Array, E>; readonly write: (b: Uint8Array) => Effect.Effect<void, E>; readonly close: Effect.Effect<void>; readonly abort?: Effect.Effect<void> | undefined },
  options: DriverOptions
): Effect.Effect<TlsConnection, TlsError, Scope.Scope | Entropy | ChainVerifier | TlsCrypto> =>
  Effect.gen(function* () {
    const conn = yield* Driver.connectWith(machineFor(config), role, config, transport, options)
    const params = yield* conn.handshake
    return { ...conn, params }
  })

/**
 * The services a live connection runs on: `layer()` gives `TlsCrypto` and `Entropy`; the
 * `ChainVerifier` is the caller's (`trusting`, `ChainVerifier.pinned`, ...).
 *
 * @since 0.1.0
 * @category models
 */
export type Services = Entropy | ChainVerifier | TlsCrypto

/**
 * Where and how a client connects.
 *
 * - `host`: a name or an IPv4/IPv6 address (`::1` or `[::1]`).
 * - `config`: what the client offers (`serverName` for SNI and the certificate check,
 *   `alpn`, `certificates` for client authentication, `handshakeTimeoutMs`, ...).
 * - `driver`: `idleTimeoutMs`, `highWaterMark`, `observe` (a recording), ...
 *
 * @since 0.1.0
 * @category models
 */
export interface ConnectOptions {
  readonly host: string
  readonly port: number
  readonly config?: Partial<TlsConfig> | undefined
  readonly driver?: DriverOptions | undefined
}

/**
 * Connects to `host:port` over TCP and runs the TLS handshake as a client. The connection
 * lives in the current scope; closing it closes the socket (interrupting a handshake
 * included).
 *
 * @since 0.1.0
 * @category constructors
 */
export const connect = (options: ConnectOptions): Effect.Effect<TlsConnection, TlsError, Scope.Scope | Services> =>
  Effect.gen(function* () {
    // Half-open: the peer's EOF after its close_notify leaves our side writable.
    const socket = yield* NodeSocket.makeNet({ host: options.host.replace(/^\[|\]$/g, ""), port: options.port, noDelay: true, allowHalfOpen: true })
    return yield* upgrade(socket, "client", options.config ?? {}, options.driver, { halfOpen: true })
  })

/**
 * How `upgrade` takes over a socket whose plaintext part already ran.
 *
 * - `reader`: the socket's reader, when the plaintext exchange acquired it (acquiring a
 *   second one would dial a client socket again, or split a server socket's data).
 * - `leftover`: bytes the plaintext exchange read past its end — the first TLS bytes.
 * - `close`: how closing ends the socket (see `FromSocketOptions`; `end` by default, a FIN
 *   after everything written, right for Node sockets).
 * - `halfOpen`: the socket stays writable after the peer's EOF (a Node socket made with
 *   `allowHalfOpen: true`), so we may answer after the peer's close_notify and EOF.
 * - `selectConfig`: server role only — the configuration for this connection, chosen
 *   from its ClientHello (see `serve`).
 *
 * @since 0.1.0
 * @category models
 */
export interface UpgradeOptions<R = never> {
  readonly reader?: Socket.Reader | undefined
  readonly leftover?: Uint8Array | undefined
  readonly close?: "end" | "event" | undefined
  readonly halfOpen?: boolean | undefined
  readonly selectConfig?: SelectConfig<R> | undefined
}

const withReader = (socket: Socket.Socket, reader: Socket.Reader | undefined, leftover: Uint8Array | undefined): Socket.Socket => {
  if (reader === undefined && (leftover === undefined || leftover.length === 0)) return socket
  let first = leftover !== undefined && leftover.length > 0 ? leftover : undefined
  const acquire = reader === undefined ? socket.reader : Effect.succeed(reader)
  return Socket.make({
    reader: Effect.map(acquire, (r): Socket.Reader => ({
      pull: Effect.suspend(() => {
        if (first === undefined) return r.pull
        const chunk = first
        first = undefined
        return Effect.succeed([chunk] as const)
      }),
      upgrade: r.upgrade
    })),
    writer: socket.writer
  })
}

/**
 * TLS over an already-open Effect `Socket`, in either role (STARTTLS: LDAP, SMTP, ...).
 * When a plaintext exchange came first, pass the reader it used and any bytes it read
 * past its end (`options`).
 *
 * ```ts
 * const reader = yield* socket.reader
 * const writer = yield* socket.writer
 * yield* writer.write("STARTTLS\r\n")
 * const { line, rest } = yield* readLine(reader)           // "OK"
 * const conn = yield* NodeTls.upgrade(socket, "client", { serverName }, {}, { reader, leftover: rest })
 * ```
 *
 * **Gotchas**: `selectConfig` in the client role fails at once (a `LocalFailure`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const upgrade = <R = never>(
  socket: Socket.Socket,
  role: Role,
  config: Partial<TlsConfig>,
  driver: DriverOptions = {},
  options: UpgradeOptions<R> = {}
): Effect.Effect<TlsConnection, TlsError, Scope.Scope | Services | R> =>
  Effect.gen(function* () {
    const over = { close: options.close ?? "end", halfOpen: options.halfOpen } as const
    if (options.selectConfig !== undefined) {
      if (role !== "server") return yield* Effect.fail(new TlsError({ reason: localFailure("selectConfig chooses a server's configuration; this is the client role") }))
      return yield* serveSelected(socket, options.reader, options.leftover, makeConfig(config), options.selectConfig, driver, over)
    }
    const transport = yield* fromSocket(withReader(socket, options.reader, options.leftover), over)
    return yield* runOver(role, makeConfig(config), transport, driver)
  })

/**
 * The server side with a configuration chosen per connection: peek at the ClientHello
 * (through `reader`, or one acquired now, after `leftover`), ask `select`, then run the
 * machine over every byte read; or answer a refusal with its alert and fail with it.
 */
const serveSelected = <R>(
  socket: Socket.Socket,
  reader: Socket.Reader | undefined,
  leftover: Uint8Array | undefined,
  base: TlsConfig,
  select: SelectConfig<R>,
  driver: DriverOptions,
  over: { readonly close: "end" | "event"; readonly halfOpen: boolean | undefined }
): Effect.Effect<TlsConnection, TlsError, Scope.Scope | Services | R> =>
  Effect.gen(function* () {
    const r =
      reader ??
      (yield* Effect.mapError(socket.reader, (e) => new TlsError({ reason: { _tag: "Truncated", detail: `the socket could not be read (${e.message})` } })))
    const choice = yield* choose(r, leftover, base, select)
    const transport = yield* fromSocket(withReader(socket, r, choice.bytes), over)
    if (choice._tag === "Run") return yield* runOver("server", choice.config, transport, driver)
    const alert = alertRecord(choice.refusal)
    if (alert !== undefined) yield* Effect.ignore(transport.write(alert))
    yield* transport.close
    return yield* Effect.fail(choice.refusal)
  })

/**
 * Listens on `host:port` (`127.0.0.1` by default, `::1` for IPv6; port 0: the OS picks
 * one, see `port`) and runs `handler` for every connection whose handshake completes, in
 * the connection's own scope. A failed handshake ends that connection only (its error
 * goes to `onError`, if given).
 *
 * Per-name configuration (RFC 6066 §3): with `selectConfig`, each connection's ClientHello
 * is read first and handed to the callback, which may be asynchronous (a database, a
 * certificate store, ACME); what it returns is laid over `config` for that connection —
 * certificates, and any other field: `alpn`, `clientAuth`, `ticketKeys`, ... Without SNI
 * the callback sees `serverName: undefined`. Returning `undefined` keeps `config` (so an
 * unknown name falls back to it, unless the callback refuses); failing with
 * `UnrecognizedName` refuses with a fatal `unrecognized_name` alert; any other failure is
 * a fatal `internal_error` (see `SelectConfig`). `byServerName` builds the callback from
 * a table.
 *
 * ```ts
 * const server = yield* NodeTls.serve({
 *   port: 0,
 *   config: { certificates: [fallback] },
 *   selectConfig: ({ serverName }) =>
 *     serverName === undefined
 *       ? Effect.succeed(undefined)                     // no SNI: `config` as it is
 *       : store.lookup(serverName).pipe(                // an Effect of Option<Credential>
 *           Effect.flatMap(Option.match({
 *             onNone: () => Effect.fail(new NodeTls.UnrecognizedName({ serverName })),
 *             onSome: (credential) => Effect.succeed({ certificates: [credential] })
 *           }))
 *         ),
 *   handler: (conn) => echo(conn)
 * })
 * yield* server.run
 * ```
 *
 * **Gotchas**: the callback runs before the handshake, once per connection (not again for
 * a HelloRetryRequest's second ClientHello); its time counts against
 * `config.handshakeTimeoutMs`. A ClientHello longer than 64 KiB (`maxPeek`) is refused
 * with `illegal_parameter`. Give each name its own `ticketKeys` when a ticket must not
 * resume under another name: the core does not compare a ticket's server name with the
 * new SNI.
 *
 * @since 0.1.0
 * @category constructors
 */
export const serve = <R, E, R2 = never>(options: {
  readonly host?: string | undefined
  readonly port: number
  readonly config: Partial<TlsConfig>
  readonly handler: (conn: TlsConnection) => Effect.Effect<void, E, R>
  readonly onError?: ((error: TlsError | E) => Effect.Effect<void>) | undefined
  readonly driver?: DriverOptions | undefined
  readonly selectConfig?: SelectConfig<R2> | undefined
}): Effect.Effect<
  {
    readonly address: SocketServer.SocketServer["Service"]["address"]
    readonly port: number
    readonly run: Effect.Effect<never, SocketServer.SocketServerError, R | R2 | Services>
  },
  SocketServer.SocketServerError,
  Scope.Scope
> =>
  Effect.gen(function* () {
    const server = yield* NodeSocketServer.make({ host: options.host ?? "127.0.0.1", port: options.port, allowHalfOpen: true, noDelay: true })
    const config = makeConfig(options.config)
    const run = server.run((socket) =>
      Effect.scoped(
        Effect.gen(function* () {
          const select = options.selectConfig
          const conn =
            select === undefined
              ? yield* runOver("server", config, yield* fromSocket(socket, { close: "end", halfOpen: true }), options.driver ?? {})
              : yield* serveSelected(socket, undefined, undefined, config, select, options.driver ?? {}, { close: "end", halfOpen: true })
          yield* options.handler(conn)
        })
      ).pipe(Effect.catch((e: TlsError | E) => (options.onError ? options.onError(e) : Effect.void)))
    )
    const address = server.address
    return { address, port: "port" in address ? address.port : 0, run }
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

/**
 * A Node `stream.Duplex` over a client connection to `host:port`, returned at once and
 * connected in the background (what `createConnection` and undici's `connect` need); the
 * services come from `layer` (built for this connection). Writes wait for the handshake;
 * a failure is emitted as the `TlsError`. Destroying the stream closes the socket.
 *
 * ```ts
 * const services = Layer.mergeAll(NodeTls.layer(), trusting({ anchors }).pipe(Layer.provide(NodeTls.layer())))
 * https.get(url, { createConnection: () => NodeTls.duplex({ host, port, config: { serverName }, layer: services }) }, ...)
 * ```
 *
 * @since 0.1.0
 * @category conversions
 */
export const duplex = (options: ConnectOptions & { readonly layer: Layer.Layer<Services> }): Duplex.TlsDuplex =>
  Duplex.fromConnection(connect(options).pipe(Effect.provide(options.layer)), { host: options.host, port: options.port })

/**
 * Captures the current services and returns a factory of `TlsDuplex` streams for targets
 * Node's HTTP stacks name (host, port, servername, ALPN) — for `createConnection`,
 * `httpsAgent` and `undiciConnect`. `defaults` apply to every connection; the target's
 * server name (Node's `servername`, or the host when it is a name) and ALPN override them.
 *
 * @since 0.1.0
 * @category conversions
 */
export const duplexFactory = (
  defaults: { readonly config?: Partial<TlsConfig> | undefined; readonly driver?: DriverOptions | undefined } = {}
): Effect.Effect<Duplex.DuplexFactory, never, Services> =>
  Effect.map(Effect.context<Services>(), (context) => (target: Duplex.Target) => {
    const config: Partial<TlsConfig> = {
      ...defaults.config,
      ...(target.serverName !== undefined ? { serverName: target.serverName } : {}),
      ...(target.alpn !== undefined ? { alpn: target.alpn } : {})
    }
    return Duplex.fromConnection(
      connect({ host: target.host, port: target.port, config, driver: defaults.driver }).pipe(Effect.provideContext(context)),
      target
    )
  })

/**
 * `createConnection` for `https.request` / `http.request` / an `http.Agent`, from a factory
 * (see `duplexFactory`).
 *
 * @since 0.1.0
 * @category conversions
 */
export const createConnection: (make: Duplex.DuplexFactory) => (options: object, callback?: unknown) => Duplex.TlsDuplex = Duplex.createConnection as never

/**
 * An `https.Agent` whose connections are effect-tls, from a factory (see `duplexFactory`):
 * for `https.request({ agent })` and Effect's `NodeHttpClient.HttpAgent`.
 *
 * @since 0.1.0
 * @category conversions
 */
export const httpsAgent: (make: Duplex.DuplexFactory, options?: https.AgentOptions) => https.Agent = Duplex.httpsAgent

/**
 * undici's `connect` option, from a factory (see `duplexFactory`): `new undici.Agent({ connect:
 * NodeTls.undiciConnect(make) })`.
 *
 * @since 0.1.0
 * @category conversions
 */
export const undiciConnect = Duplex.undiciConnect
