/**
 * effect-tls as a Node `stream.Duplex`, so Node code that takes a socket — `https.request`'s
 * `createConnection`, an `https.Agent`, undici's `connect` option — can use it as its TLS.
 *
 * `fromConnection` returns the stream at once (as `createConnection` must) and connects in
 * the background; writes made meanwhile wait for the handshake. The stream behaves like a
 * `tls.TLSSocket` where Node's HTTP stacks look: `connecting`, `encrypted`,
 * `alpnProtocol`, the `connect`/`secureConnect` events, `setTimeout`, `setNoDelay`,
 * `setKeepAlive`, `ref`/`unref`, `destroySoon`. Backpressure holds both ways: a full
 * readable buffer stops reading the connection (which stops reading the socket), and a
 * write completes once the connection buffered it below its high-water mark.
 *
 * ```ts
 * const make = await Effect.runPromise(NodeTls.duplexFactory().pipe(Effect.provide(services)))
 * https.get("https://localhost:8443/", { createConnection: NodeTls.createConnection(make) }, (res) => ...)
 * ```
 *
 * @since 0.1.0
 */
import * as https from "node:https"
import * as net from "node:net"
import { Duplex } from "node:stream"
import type { Connection, NegotiatedParameters, TlsError } from "@effect-tls/core"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as Latch from "effect/Latch"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"

/**
 * Where a connection goes, as Node's HTTP stacks describe it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Target {
  readonly host: string
  readonly port: number
  /** SNI and the name the certificate is checked against (none for an IP address). */
  readonly serverName?: string | undefined
  /** ALPN protocols to offer. */
  readonly alpn?: ReadonlyArray<string> | undefined
}

/**
 * Makes a connected-in-the-background `TlsDuplex` for a target (see `NodeTls.duplexFactory`).
 *
 * @since 0.1.0
 * @category models
 */
export type DuplexFactory = (target: Target) => TlsDuplex

const TLS13 = 0x0304

const errorOf = (cause: Cause.Cause<TlsError>): Error => {
  const error = Cause.findErrorOption(cause)
  if (Option.isSome(error)) return error.value
  const squashed = Cause.squash(cause)
  return Cause.hasInterruptsOnly(cause) || !(squashed instanceof Error) ? new Error("the TLS connection was closed") : squashed
}

/**
 * A TLS connection as a Node `Duplex`. Made by `fromConnection`.
 *
 * Errors are the connection's `TlsError` (an `Error` with `_tag: "TlsError"` and a
 * `reason`), emitted as `error` before `close`.
 *
 * @since 0.1.0
 * @category models
 */
export class TlsDuplex extends Duplex {
  /** True until the handshake completed (like `net.Socket#connecting`). */
  connecting = true
  /** Always true: like `tls.TLSSocket#encrypted`. */
  readonly encrypted = true
  /** True once the handshake completed: the verifier accepted the peer's chain. */
  authorized = false
  /** The negotiated ALPN protocol, or `false`. */
  alpnProtocol: string | false = false
  /** What the handshake agreed on, once it completed. */
  params: NegotiatedParameters | undefined
  readonly remoteAddress: string | undefined
  readonly remotePort: number | undefined
  readonly remoteFamily: string | undefined

  readonly #ready = Deferred.makeUnsafe<Connection, TlsError>()
  readonly #readable = Latch.makeUnsafe(true)
  #fiber: Fiber.Fiber<void, TlsError> | undefined
  #timeoutMs = 0
  #timer: NodeJS.Timeout | undefined

  /** @internal */
  constructor(acquire: Effect.Effect<Connection & { readonly params: NegotiatedParameters }, TlsError, Scope.Scope>, target?: Partial<Target>) {
    super({ allowHalfOpen: false, readableHighWaterMark: 65_536, writableHighWaterMark: 65_536 })
    this.remoteAddress = target?.host
    this.remotePort = target?.port
    this.remoteFamily = target?.host === undefined ? undefined : net.isIPv6(target.host) ? "IPv6" : "IPv4"
    const self = this
    const program = Effect.scoped(
      Effect.gen(function* () {
        const conn = yield* acquire
        self.#secure(conn)
        yield* Deferred.succeed(self.#ready, conn)
        yield* Stream.runForEach(conn.read, (chunk) =>
          Effect.suspend(() => {
            if (self.destroyed) return Effect.void
            self.#touch()
            // Closed before the push: a `_read` during it (the buffer drained) reopens it.
            self.#readable.closeUnsafe()
            if (self.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))) self.#readable.openUnsafe()
            return self.#readable.await
          })
        )
        if (!self.destroyed) self.push(null)
        // Both directions end with close_notify: ours is sent by `end()` (automatically
        // once the peer's arrived and was read, since the stream is not half-open).
        yield* conn.closed
      })
    )
    // Started on the next tick, so the caller attaches its listeners first.
    process.nextTick(() => {
      if (this.destroyed) return
      this.#fiber = Effect.runFork(program)
      this.#fiber.addObserver((exit) => {
        this.#fiber = undefined
        if (this.destroyed) return
        this.destroy(Exit.isSuccess(exit) ? undefined : errorOf(exit.cause))
      })
    })
  }

  #secure(conn: Connection & { readonly params: NegotiatedParameters }) {
    this.params = conn.params
    this.alpnProtocol = conn.params.alpn ?? false
    this.authorized = true
    this.connecting = false
    this.#touch()
    this.emit("connect")
    this.emit("ready")
    this.emit("secureConnect")
  }

  #run<A>(effect: Effect.Effect<A, TlsError>, callback: (error?: Error | null) => void) {
    Effect.runCallback(effect, {
      onExit: (exit) => {
        callback(Exit.isSuccess(exit) ? null : errorOf(exit.cause))
      }
    })
  }

  override _read(): void {
    this.#readable.openUnsafe()
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#touch()
    const data = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    this.#run(Effect.flatMap(Deferred.await(this.#ready), (conn) => conn.write(data)), callback)
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#run(Effect.flatMap(Deferred.await(this.#ready), (conn) => conn.close), (error) => callback(this.destroyed ? null : error))
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#readable.openUnsafe()
    // Interrupting the connection's fiber closes its scope: the socket is released.
    this.#fiber?.interruptUnsafe()
    Deferred.doneUnsafe(this.#ready, Effect.interrupt)
    callback(error)
  }

  #touch() {
    this.#timer?.refresh()
  }

  /** Emits `timeout` after `ms` without reading or writing (0 disables), like `net.Socket#setTimeout`. */
  setTimeout(ms: number, callback?: () => void): this {
    if (callback !== undefined) this.once("timeout", callback)
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    this.#timeoutMs = ms
    if (ms > 0) this.#timer = setTimeout(() => this.emit("timeout"), ms)
    return this
  }

  /** The inactivity timeout set by `setTimeout` (like `net.Socket#timeout`). */
  get timeout(): number | undefined {
    return this.#timeoutMs > 0 ? this.#timeoutMs : undefined
  }

  /** No-op: the underlying socket already runs with Nagle's algorithm off. */
  setNoDelay(_noDelay?: boolean): this {
    return this
  }

  /** No-op (accepted for `net.Socket` compatibility). */
  setKeepAlive(_enable?: boolean, _initialDelay?: number): this {
    return this
  }

  /** No-op (accepted for `net.Socket` compatibility). */
  ref(): this {
    return this
  }

  /** No-op (accepted for `net.Socket` compatibility). */
  unref(): this {
    return this
  }

  /** Ends our side (close_notify); the stream closes once the peer's side ended too. */
  destroySoon(): void {
    if (this.writable) this.end()
  }

  /** `TLSv1.3` once connected. */
  getProtocol(): string | null {
    return this.params === undefined ? null : this.params.version === TLS13 ? "TLSv1.3" : "TLSv1.2"
  }

  /** The remote address, as `net.Socket#address` would give the local one. */
  address(): { address: string; port: number; family: string } | {} {
    return this.remoteAddress === undefined ? {} : { address: this.remoteAddress, port: this.remotePort ?? 0, family: this.remoteFamily ?? "IPv4" }
  }
}

/**
 * A `TlsDuplex` over the connection `acquire` makes (with every service it needs already
 * provided; the connection lives in its own scope, closed when the stream is destroyed).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromConnection = (
  acquire: Effect.Effect<Connection & { readonly params: NegotiatedParameters }, TlsError, Scope.Scope>,
  target?: Partial<Target>
): TlsDuplex => new TlsDuplex(acquire, target)

/** What Node passes to `createConnection` (http, https, tls options), loosely. */
interface NodeConnectOptions {
  readonly host?: string | null | undefined
  readonly hostname?: string | null | undefined
  readonly port?: number | string | null | undefined
  readonly servername?: string | null | undefined
  readonly ALPNProtocols?: ReadonlyArray<string> | unknown
}

const targetOf = (options: NodeConnectOptions, defaultPort: number): Target => {
  const host = (options.hostname ?? options.host ?? "localhost").replace(/^\[|\]$/g, "")
  const port = options.port === undefined || options.port === null || options.port === "" ? defaultPort : Number(options.port)
  const serverName = options.servername ? options.servername : net.isIP(host) === 0 ? host : undefined
  const alpn = Array.isArray(options.ALPNProtocols) && options.ALPNProtocols.every((p) => typeof p === "string") ? (options.ALPNProtocols as Array<string>) : undefined
  return { host, port, serverName, alpn }
}

/**
 * A `createConnection` for `https.request` / `http.request` (and `http.Agent`): Node's
 * options (`host`, `port`, `servername`, `ALPNProtocols`) become a `Target`.
 *
 * @since 0.1.0
 * @category conversions
 */
export const createConnection =
  (make: DuplexFactory) =>
  (options: NodeConnectOptions, _callback?: unknown): TlsDuplex =>
    make(targetOf(options, 443))

/**
 * An `https.Agent` whose connections are effect-tls (for Effect's `NodeHttpClient.HttpAgent`
 * or any code that takes an agent). Pooling and keep-alive are the agent's as usual.
 *
 * @since 0.1.0
 * @category constructors
 */
export const httpsAgent = (make: DuplexFactory, options?: https.AgentOptions): https.Agent => {
  class EffectTlsAgent extends https.Agent {
    override createConnection(opts: NodeConnectOptions, _callback?: unknown) {
      return make(targetOf(opts, 443)) as unknown as ReturnType<https.Agent["createConnection"]>
    }
  }
  return new EffectTlsAgent(options)
}

/**
 * undici's `connect` option (`new Agent({ connect })`, `new Client(url, { connect })`):
 * calls back with the stream once the handshake completed, or with its error.
 *
 * @since 0.1.0
 * @category conversions
 */
export const undiciConnect =
  (make: DuplexFactory) =>
  (options: { readonly hostname: string; readonly host?: string | undefined; readonly port: string | number; readonly protocol: string; readonly servername?: string | null | undefined }, callback: (error: Error | null, socket: TlsDuplex | null) => void): void => {
    const socket = make(targetOf({ hostname: options.hostname, port: options.port, servername: options.servername }, options.protocol === "http:" ? 80 : 443))
    const onError = (error: Error) => {
      socket.off("secureConnect", onSecure)
      callback(error, null)
    }
    const onSecure = () => {
      socket.off("error", onError)
      callback(null, socket)
    }
    socket.once("error", onError)
    socket.once("secureConnect", onSecure)
  }
