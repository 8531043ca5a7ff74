/**
 * Shared pieces of the TLS 1.2 interop tests (`test/interop/tls12-*.test.ts`): the five
 * TLS 1.2 suites the matrix covers with each peer's name for them, the suite × group grid
 * for each direction, the Effect glue that runs our client and server over loopback (with
 * a PKI from `makePki`), and the config that forces TLS 1.2 with DHE and RSA key
 * transport enabled.
 *
 * **Gotchas**: every wait is bounded (`run` times the whole test out, `WAIT` bounds each
 * wait for a peer or for our side). Our server keeps every connection open until the
 * test's scope closes; close it yourself to test close_notify.
 */
import { type Action, type ChainVerifier, type Entropy, loadPrivateKey, type TlsConfig, type TlsCrypto, trusting, X509 } from "@effect-tls/core"
import { NodeTls } from "@effect-tls/node"
import type { Issued, Pki } from "@effect-tls/test-support/pki"
import { type Peer, waitUntil } from "@effect-tls/test-support/processes"
import { runs } from "@effect-tls/test-support/tier"
import { collect, drain, type GroupInfo, groups, type Inbox, MiB } from "@effect-tls/test-support/tls"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Result from "effect/Result"
import type * as Scope from "effect/Scope"

/** TLS 1.2's version number. */
export const TLS12 = 0x0303
/** The bound on every single wait (a peer's line, our side's bytes). */
export const WAIT = 15_000
/** The size of the SHA-256-checked transfer each way: 4 MiB, 64 MiB in the full tier. */
export const TRANSFER = runs({ ci: 4, full: 64 }) * MiB
/** The bound on a transfer's waits and on the whole transfer test. */
export const TRANSFER_WAIT = runs({ ci: 100_000, full: 1_500_000 })
export const TRANSFER_SECONDS = runs({ ci: 120, full: 1_700 })

// ---------------------------------------------------------------------------------------
// Suites and the grid
// ---------------------------------------------------------------------------------------

/** A TLS 1.2 suite with its code point and each peer's name for it. */
export interface Suite12 {
  readonly code: number
  /** OpenSSL / node:tls name. */
  readonly name: string
  readonly iana: string
  readonly kx: "ECDHE" | "DHE" | "RSA"
  /** The certificate it needs. */
  readonly auth: "ECDSA" | "RSA"
  /** GnuTLS key exchange (priority `+KX`, and the kx of `- Key Exchange:`). */
  readonly gnutlsKx: "ECDHE-ECDSA" | "ECDHE-RSA" | "DHE-RSA" | "RSA"
  /** GnuTLS cipher (priority `+CIPHER`, and the last part of `- Description:`). */
  readonly gnutlsCipher: string
}

export const suites12 = {
  ecdheEcdsaAes128: {
    code: 0xc02b, name: "ECDHE-ECDSA-AES128-GCM-SHA256", iana: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", kx: "ECDHE", auth: "ECDSA",
    gnutlsKx: "ECDHE-ECDSA", gnutlsCipher: "AES-128-GCM"
  },
  ecdheRsaAes256: {
    code: 0xc030, name: "ECDHE-RSA-AES256-GCM-SHA384", iana: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", kx: "ECDHE", auth: "RSA",
    gnutlsKx: "ECDHE-RSA", gnutlsCipher: "AES-256-GCM"
  },
  ecdheRsaChacha: {
    code: 0xcca8, name: "ECDHE-RSA-CHACHA20-POLY1305", iana: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", kx: "ECDHE", auth: "RSA",
    gnutlsKx: "ECDHE-RSA", gnutlsCipher: "CHACHA20-POLY1305"
  },
  dheRsaAes128: {
    code: 0x009e, name: "DHE-RSA-AES128-GCM-SHA256", iana: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", kx: "DHE", auth: "RSA",
    gnutlsKx: "DHE-RSA", gnutlsCipher: "AES-128-GCM"
  },
  rsaAes128: {
    code: 0x009c, name: "AES128-GCM-SHA256", iana: "TLS_RSA_WITH_AES_128_GCM_SHA256", kx: "RSA", auth: "RSA",
    gnutlsKx: "RSA", gnutlsCipher: "AES-128-GCM"
  }
} as const satisfies Record<string, Suite12>

/** One case of the grid: a suite and, for (EC)DHE, the group. */
export interface Case12 {
  readonly suite: Suite12
  readonly group: GroupInfo | undefined
  /** `suite × group` for the test's title. */
  readonly title: string
}

const kase = (suite: Suite12, group: GroupInfo | undefined): Case12 => ({ suite, group, title: `${suite.name} × ${group?.name ?? "RSA key transport"}` })

/** Our client → the peer's server: every suite once, each ECDHE group once. */
export const clientGrid: ReadonlyArray<Case12> = [
  kase(suites12.ecdheEcdsaAes128, groups.x25519),
  kase(suites12.ecdheRsaAes256, groups.secp256r1),
  kase(suites12.ecdheRsaChacha, groups.secp384r1),
  kase(suites12.dheRsaAes128, groups.ffdhe2048),
  kase(suites12.rsaAes128, undefined)
]

/** The peer's client → our server: every suite once, the ECDHE groups rotated. */
export const serverGrid: ReadonlyArray<Case12> = [
  kase(suites12.ecdheEcdsaAes128, groups.secp384r1),
  kase(suites12.ecdheRsaAes256, groups.x25519),
  kase(suites12.ecdheRsaChacha, groups.secp256r1),
  kase(suites12.dheRsaAes128, groups.ffdhe2048),
  kase(suites12.rsaAes128, undefined)
]

/** Every suite of the matrix, by code. */
export const allSuites: ReadonlyArray<Suite12> = Object.values(suites12)

/** TLS 1.2 only, every suite of the matrix, DHE and RSA key transport enabled. */
export const tls12Config: Partial<TlsConfig> = {
  versions: [TLS12],
  cipherSuites: allSuites.map((s) => s.code),
  tls12KeyExchanges: ["ECDHE", "DHE", "RSA"]
}

/**
 * The groups both sides list for a case: the case's group, and for ECDHE-ECDSA also
 * secp256r1 after it. In TLS 1.2 supported_groups also bounds the curve of an ECDSA
 * certificate (RFC 8422 §5.1): OpenSSL refuses a P-256 certificate when the other side
 * does not list secp256r1 (a server answers handshake_failure, a client illegal_parameter).
 */
export const caseGroups = (c: Case12): ReadonlyArray<GroupInfo> =>
  c.group === undefined ? [] : c.suite.auth === "ECDSA" && c.group.code !== groups.secp256r1.code ? [c.group, groups.secp256r1] : [c.group]

/** Our side restricted to one case: TLS 1.2, the suite, the case's groups (first preferred). */
export const caseConfig = (c: Case12): Partial<TlsConfig> => ({
  ...tls12Config,
  cipherSuites: [c.suite.code],
  ...(c.group !== undefined ? { groups: caseGroups(c).map((g) => g.code) } : {})
})

/** Bytes as hex, for comparing a Buffer with a Uint8Array. */
export const hex = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : Buffer.from(b).toString("hex"))

/** What `conn.params` must say for a case. */
export const expectedParams = (c: Case12) => ({
  version: TLS12,
  cipherSuite: c.suite.code,
  ...(c.group !== undefined ? { group: c.group.code } : {}),
  resumed: false
})

/** The named group OpenSSL's `-trace` shows in a ServerKeyExchange (TLS 1.2 ECDHE). */
export const traceNamedCurve = (trace: string): number | undefined => {
  const m = /ServerKeyExchange, Length=\d+\s*\n\s*KeyExchangeAlgorithm=ECDHE\s*\n\s*named_curve: .*\((\d+)\)\s*$/m.exec(trace)
  return m === null ? undefined : Number(m[1])
}

// ---------------------------------------------------------------------------------------
// Effect glue
// ---------------------------------------------------------------------------------------

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
/** The peer is killed when the scope closes (SIGKILL 300 ms after SIGTERM). */
export const owned = (peer: Peer): Effect.Effect<Peer, never, Scope.Scope> => Effect.as(Effect.addFinalizer(() => Effect.promise(() => peer.kill(300))), peer)
export const traces = (events: ReadonlyArray<Action>): ReadonlyArray<string> => events.flatMap((e) => (e._tag === "Trace" ? [e.note] : []))
export const printed = (peer: Peer, re: RegExp, timeoutMs = WAIT): Effect.Effect<RegExpExecArray> => wait(() => peer.waitFor(re, { timeoutMs }))
export const received = (side: Side, s: string): Effect.Effect<void> => wait(() => side.inbox.waitFor((t) => t.includes(s), WAIT))

// Closing waits at most this long for the peer to take our last bytes and end TCP.
const driver = { closeTimeoutMs: 300 }

/** The glue of one test file, over the PKI `pki()` returns (made in `beforeAll`). */
export const harness = (pki: () => Pki) => {
  const credential = (cert: Issued) => ({ chain: [cert.certDer], key: Result.getOrThrow(loadPrivateKey(cert.keyPem)) })
  const layer = () => trusting({ anchors: Result.getOrThrow(X509.loadTrustAnchors([pki().ca.certPem])) }).pipe(Layer.provideMerge(NodeTls.layer()))

  /** Runs a test's effect in a scope, with every service, bounded by `seconds` (default 30). */
  const run = <A, E>(effect: Effect.Effect<A, E, Services>, o: { readonly seconds?: number } = {}): Promise<A> =>
    Effect.runPromise(effect.pipe(Effect.timeout(`${o.seconds ?? 30} seconds`), Effect.scoped, Effect.provide(layer())))

  /**
   * Our client to 127.0.0.1:`port`, SNI `localhost`: TLS 1.2 (`tls12Config`) with `config`
   * over it, or with `defaults` the library's defaults (TLS 1.3 and 1.2) with `config`.
   */
  const connect = (port: number, config: Partial<TlsConfig> = {}, o: { readonly defaults?: boolean } = {}): Effect.Effect<Side, unknown, Services> =>
    Effect.gen(function* () {
      const base = o.defaults === true ? {} : tls12Config
      const conn = yield* NodeTls.connect({ host: "127.0.0.1", port, config: { serverName: "localhost", ...base, ...config }, driver })
      return { conn, params: conn.params, events: yield* collect(conn.events), inbox: yield* drain(conn.read) }
    })

  /** Our server on a port the OS picks, with the ECDSA and the RSA certificate, TLS 1.2. */
  const serve = (config: Partial<TlsConfig> = {}): Effect.Effect<Served, unknown, Services> =>
    Effect.gen(function* () {
      const conns: Array<Side> = []
      const errors: Array<unknown> = []
      const server = yield* NodeTls.serve({
        port: 0,
        config: { certificates: [credential(pki().ecdsa), credential(pki().rsa)], ...tls12Config, ...config },
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

  return { credential, run, connect, serve }
}
