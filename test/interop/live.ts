/**
 * The Effect glue every interop test file shares: our client and our server on loopback
 * through `NodeTls`, each side's parameters, events and an inbox draining its reads, a
 * scoped run with all services (a trust anchor list, the native or the portable crypto),
 * and peers killed with the scope. The TLS 1.2 and TLS 1.3 matrices differ only in the
 * certificates, trust anchors and base configuration they hand to `harness`.
 *
 * **Gotchas**: every wait is bounded (`run` times the whole test out; `WAIT` bounds each
 * wait for a peer or for our side). Our server keeps every connection open until the
 * test's scope closes; close it yourself to test close_notify.
 */
import { type Action, type ChainVerifier, type Credential, type Entropy, loadPrivateKey, type TlsConfig, type TlsCrypto, trusting, X509 } from "@effect-tls/core"
import { NodeTls } from "@effect-tls/node"
import { type Peer, waitUntil } from "@effect-tls/test-support/processes"
import { collect, drain, type Inbox } from "@effect-tls/test-support/tls"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Result from "effect/Result"
import type * as Scope from "effect/Scope"

/** The bound on every single wait (a peer's line, our side's bytes). */
export const WAIT = 15_000

export type Conn = NodeTls.TlsConnection
export type Services = Scope.Scope | ChainVerifier | TlsCrypto | Entropy

/** One side of a live connection: its parameters, events and an inbox draining its reads. */
export interface Side {
  readonly conn: Conn
  readonly params: Conn["params"]
  readonly events: ReadonlyArray<Action>
  readonly inbox: Inbox
}

/** Our server: its port, the connections (in order) and the errors it reported. */
export interface Served {
  readonly port: number
  readonly conns: Array<Side>
  readonly errors: Array<unknown>
  readonly next: (i: number) => Effect.Effect<Side>
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s)
export const wait = <A>(p: () => Promise<A>): Effect.Effect<A> => Effect.promise(p)
/** The peer is killed when the scope closes (SIGKILL 300 ms after SIGTERM: gnutls-serv can take seconds to act on SIGTERM). */
export const owned = (peer: Peer): Effect.Effect<Peer, never, Scope.Scope> => Effect.as(Effect.addFinalizer(() => Effect.promise(() => peer.kill(300))), peer)
export const traces = (events: ReadonlyArray<Action>): ReadonlyArray<string> => events.flatMap((e) => (e._tag === "Trace" ? [e.note] : []))
export const printed = (peer: Peer, re: RegExp, timeoutMs = WAIT): Effect.Effect<RegExpExecArray> => wait(() => peer.waitFor(re, { timeoutMs }))
export const received = (side: Side, s: string): Effect.Effect<void> => wait(() => side.inbox.waitFor((t) => t.includes(s), WAIT))

/** A credential from a certificate's DER and its key's PEM. */
export const credentialOf = (der: Uint8Array, keyPem: string): Credential => ({ chain: [der], key: Result.getOrThrow(loadPrivateKey(keyPem)) })

// Closing waits at most this long for the peer to take our last bytes and end the TCP
// connection (gnutls-serv keeps it open for seconds; the default bound is 2 s).
const driver = { closeTimeoutMs: 300 }

/** What one test file's glue is made of; the functions are called when a test runs (after `beforeAll`). */
export interface HarnessOptions {
  /** PEM trust anchors for both sides' chain checks. */
  readonly anchors: () => ReadonlyArray<string>
  /** Our server's certificates. */
  readonly certificates: () => ReadonlyArray<Credential>
  /** The configuration both of our sides start from (`connect` can skip it with `defaults`). */
  readonly base?: Partial<TlsConfig>
}

/** The glue of one test file. */
export const harness = (o: HarnessOptions) => {
  const base = o.base ?? {}
  const layer = (crypto: "node" | "noble") =>
    trusting({ anchors: Result.getOrThrow(X509.loadTrustAnchors([...o.anchors()])) }).pipe(Layer.provideMerge(NodeTls.layer({ crypto })))

  /** Runs a test's effect in a scope, with every service, bounded by `seconds` (default 30). */
  const run = <A, E>(effect: Effect.Effect<A, E, Services>, r: { readonly crypto?: "node" | "noble"; readonly seconds?: number } = {}): Promise<A> =>
    Effect.runPromise(effect.pipe(Effect.timeout(`${r.seconds ?? 30} seconds`), Effect.scoped, Effect.provide(layer(r.crypto ?? "node"))))

  /** Our client to 127.0.0.1:`port`, SNI `localhost`: the base configuration (or, with `defaults`, the library's) with `config` over it. */
  const connect = (port: number, config: Partial<TlsConfig> = {}, c: { readonly defaults?: boolean } = {}): Effect.Effect<Side, unknown, Services> =>
    Effect.gen(function* () {
      const conn = yield* NodeTls.connect({ host: "127.0.0.1", port, config: { serverName: "localhost", ...(c.defaults === true ? {} : base), ...config }, driver })
      return { conn, params: conn.params, events: yield* collect(conn.events), inbox: yield* drain(conn.read) }
    })

  /** Our server on a port the OS picks, with the harness's certificates and base configuration. */
  const serve = (config: Partial<TlsConfig> = {}): Effect.Effect<Served, unknown, Services> =>
    Effect.gen(function* () {
      const conns: Array<Side> = []
      const errors: Array<unknown> = []
      const server = yield* NodeTls.serve({
        port: 0,
        config: { certificates: [...o.certificates()], ...base, ...config },
        handler: (conn) =>
          Effect.gen(function* () {
            conns.push({ conn, params: conn.params, events: yield* collect(conn.events), inbox: yield* drain(conn.read) })
            yield* Effect.never
          }),
        onError: (e) => Effect.sync(() => void errors.push(e)),
        driver
      })
      yield* Effect.forkScoped(server.run)
      const port = (server.address as { readonly port: number }).port
      const next = (i: number) =>
        wait(() =>
          waitUntil(`our server's connection #${i + 1} (errors: ${errors.map(String).join("; ")})`, () => conns.length > i || errors.length > 0, { timeoutMs: WAIT })
        ).pipe(
          Effect.map(() => {
            if (conns[i] === undefined) throw new Error(`our server failed: ${errors.map(String).join("; ")}`)
            return conns[i]
          })
        )
      return { port, conns, errors, next }
    })

  return { run, connect, serve }
}
