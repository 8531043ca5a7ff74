/**
 * The services a driver runs on (DESIGN principle 3): `Entropy` (random bytes), `TlsCrypto`
 * (the synchronous `CryptoProvider`), `ChainVerifier` (the verdict on a peer's
 * certificate chain), `SessionStore` (which resumption tickets were already used) and
 * `KeyLogSink` (SSLKEYLOGFILE lines, off by default). The simulator
 * and the Node runtime provide the same services with different Layers.
 *
 * Names avoid Effect's own `effect/Crypto` and `effect/Random`.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { NobleCrypto } from "../crypto/noble.js"
import type { CryptoProvider } from "../crypto/provider.js"
import type { ActionOf } from "../machine/actions.js"
import type { EventOf } from "../machine/events.js"
import { type ClientCertificateSelector, defaultClientCertificateChoice } from "../x509/selector.js"
import { type EntropySource, fixedSource, liveSource, type Seed, seededSource } from "./entropy.js"

/**
 * Where every random byte of a connection comes from: the client and server randoms, key
 * shares, signature salts, ticket nonces. The driver draws it and hands it to the reducer
 * inside events.
 *
 * **Gotchas**: `seeded` and `fixed` are predictable by design — simulator, tests and
 * test vectors only.
 *
 * @since 0.1.0
 * @category services
 */
export class Entropy extends Context.Service<Entropy, EntropySource>()("effect-tls/Entropy") {
  /** The platform CSPRNG (`crypto.getRandomValues`). */
  static readonly live: Layer.Layer<Entropy> = Layer.succeed(Entropy)(liveSource)
  /** A deterministic stream (ChaCha20 under SHA-256 of the seed and label); see `drbg`. */
  static readonly seeded = (seed: Seed, label = ""): Layer.Layer<Entropy> => Layer.sync(Entropy)(() => seededSource(seed, label))
  /** Fixed bytes in order, then a defect when they run out (test vectors). */
  static readonly fixed = (chunks: ReadonlyArray<Uint8Array>): Layer.Layer<Entropy> => Layer.sync(Entropy)(() => fixedSource(chunks))
}

/**
 * The synchronous crypto provider a connection uses (`Deps.crypto`).
 *
 * @since 0.1.0
 * @category services
 */
export class TlsCrypto extends Context.Service<TlsCrypto, CryptoProvider>()("effect-tls/TlsCrypto") {
  /** The portable provider on `@noble/*`. */
  static readonly noble: Layer.Layer<TlsCrypto> = Layer.succeed(TlsCrypto)(NobleCrypto)
}

/** What a verifier is asked: the `VerifyChain` action (chain, which peer, server name, time). @since 0.1.0 @category models */
export type ChainRequest = ActionOf<"VerifyChain">
/** What a verifier answers: the `ChainVerdict` event. @since 0.1.0 @category models */
export type Verdict = EventOf<"ChainVerdict">

/**
 * A certificate-chain policy: given the peer's chain, accept it or reject it with the
 * alert `../shared/alerts.md` names. The CertificateVerify signature is the state
 * machine's check, not the verifier's.
 *
 * @since 0.1.0
 * @category models
 */
export interface ChainPolicy {
  readonly verify: (request: ChainRequest) => Effect.Effect<Verdict>
}

const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}

/**
 * Accepts a chain whose leaf is, byte for byte, one of `leaves` (DER); rejects anything
 * else with `unknown_ca` (alerts.md: "unknown or untrusted root"), and an empty chain with
 * `bad_certificate`. No expiry, name or path checks: the pinned certificate is trusted
 * as it is.
 *
 * @since 0.1.0
 * @category constructors
 */
export const pinnedPolicy = (leaves: ReadonlyArray<Uint8Array>): ChainPolicy => {
  const pinned = leaves.map((l) => l.slice())
  return {
    verify: (request) =>
      Effect.sync((): Verdict => {
        const leaf = request.chain[0]
        if (leaf === undefined) return { _tag: "ChainVerdict", accepted: false, alert: "bad_certificate", detail: "empty certificate chain" }
        return pinned.some((p) => equalBytes(p, leaf))
          ? { _tag: "ChainVerdict", accepted: true }
          : { _tag: "ChainVerdict", accepted: false, alert: "unknown_ca", detail: "leaf certificate is not pinned", depth: 0 }
      })
  }
}

/**
 * Accepts every chain, even an empty one.
 *
 * **Gotchas**: no authentication at all — tests only; the long name is deliberate.
 *
 * @since 0.1.0
 * @category constructors
 */
export const insecureAcceptAnythingPolicy: ChainPolicy = {
  verify: () => Effect.succeed({ _tag: "ChainVerdict", accepted: true })
}

/**
 * The policy a driver consults for `VerifyChain`. There is no default: a connection that
 * may see a certificate needs one provided (`pinned`, or the certificates package's
 * validator).
 *
 * @since 0.1.0
 * @category services
 */
export class ChainVerifier extends Context.Service<ChainVerifier, ChainPolicy>()("effect-tls/ChainVerifier") {
  /** Trust exactly these leaf certificates (DER); see `pinnedPolicy`. */
  static readonly pinned = (leaves: ReadonlyArray<Uint8Array>): Layer.Layer<ChainVerifier> =>
    Layer.succeed(ChainVerifier)(pinnedPolicy(leaves))
  /** Accept anything — tests only; see `insecureAcceptAnythingPolicy`. */
  static readonly insecureAcceptAnything: Layer.Layer<ChainVerifier> = Layer.succeed(ChainVerifier)(insecureAcceptAnythingPolicy)
}

/** A `KeyLog` action: an NSS key log label, the client random and the secret. @since 0.1.0 @category models */
export type KeyLogEntry = ActionOf<"KeyLog">

/**
 * Where key log entries go.
 *
 * @since 0.1.0
 * @category models
 */
export interface KeyLogWriter {
  readonly log: (entry: KeyLogEntry) => Effect.Effect<void>
}

const hex = (bytes: Uint8Array): string => {
  let out = ""
  for (const b of bytes) out += b.toString(16).padStart(2, "0")
  return out
}

/**
 * An entry as an NSS `SSLKEYLOGFILE` line (no newline): `LABEL <client_random> <secret>`.
 *
 * **Gotchas**: the line holds the secret in the clear.
 *
 * @since 0.1.0
 */
export const keyLogLine = (entry: KeyLogEntry): string =>
  `${entry.label} ${hex(entry.clientRandom)} ${hex(Redacted.value(entry.secret))}`

/**
 * Receives the connection's `KeyLog` actions. The default drops them; the Node package
 * writes them to `SSLKEYLOGFILE` when the user asks.
 *
 * @since 0.1.0
 * @category services
 */
export const KeyLogSink: Context.Reference<KeyLogWriter> = Context.Reference<KeyLogWriter>("effect-tls/KeyLogSink", {
  defaultValue: () => ({ log: () => Effect.void })
})

/**
 * How a client chooses the certificate that answers a server's CertificateRequest when its
 * configuration says `clientCertificateSelection: "selector"`: the driver gives this Effect
 * the server's CA names (DER), its signature schemes, the version and the configured
 * candidates, and sends the certificate it names (none: an empty Certificate). The default
 * is the built-in choice, `defaultClientCertificateChoice`.
 *
 * ```ts
 * const askTheUser = Layer.succeed(ClientCertificateSelection)((request) =>
 *   Effect.gen(function* () {
 *     yield* Effect.log(`the server accepts ${request.caNames.length} CAs`)
 *     return defaultClientCertificateChoice(request)
 *   })
 * )
 * ```
 *
 * @since 0.1.0
 * @category services
 */
export const ClientCertificateSelection: Context.Reference<ClientCertificateSelector> = Context.Reference<ClientCertificateSelector>(
  "effect-tls/ClientCertificateSelection",
  { defaultValue: () => (request) => Effect.sync(() => defaultClientCertificateChoice(request)) }
)

/** A key log that hands each line (see `keyLogLine`) to `write`. @since 0.1.0 @category layers */
export const keyLogTo = (write: (line: string) => void): Layer.Layer<never> =>
  Layer.succeed(KeyLogSink)({ log: (entry) => Effect.sync(() => write(keyLogLine(entry))) })

/**
 * A server's memory of redeemed resumption tickets: `redeem` marks a ticket used and says
 * whether it was fresh (single-use tickets, the 0-RTT anti-replay of RFC 8446 §8.1). It
 * must remember a ticket until `expiresAt` (the clock's milliseconds).
 *
 * @since 0.1.0
 * @category models
 */
export interface TicketStore {
  readonly redeem: (id: Uint8Array, expiresAt: number, now: number) => Effect.Effect<boolean>
  /** A TLS 1.2 server's session cache (RFC 5246 §7.4.1.2 session IDs): keep a session until `expiresAt`. */
  readonly put: (id: Uint8Array, session: unknown, expiresAt: number) => Effect.Effect<void>
  /** The session cached under `id`, if it has not expired. */
  readonly get: (id: Uint8Array, now: number) => Effect.Effect<unknown>
}

/** How many sessions the in-memory cache keeps (the oldest go first). @since 0.1.0 */
export const sessionCacheLimit = 10_000

/**
 * An in-memory ticket store; expired entries are dropped as it goes.
 *
 * **Gotchas**: it is per process — servers behind a load balancer need a shared store.
 *
 * @since 0.1.0
 * @category constructors
 */
export const memoryTicketStore = (): TicketStore => {
  const used = new Map<string, number>()
  const sessions = new Map<string, { readonly session: unknown; readonly expiresAt: number }>()
  return {
    put: (id, session, expiresAt) =>
      Effect.sync(() => {
        if (sessions.size >= sessionCacheLimit) sessions.delete(sessions.keys().next().value!)
        sessions.set(hex(id), { session, expiresAt })
      }),
    get: (id, now) =>
      Effect.sync(() => {
        const entry = sessions.get(hex(id))
        if (entry === undefined || entry.expiresAt <= now) return undefined
        return entry.session
      }),
    redeem: (id, expiresAt, now) =>
      Effect.sync(() => {
        for (const [k, until] of used) if (until <= now) used.delete(k)
        const key = hex(id)
        if (used.has(key)) return false
        used.set(key, expiresAt)
        return true
      })
  }
}

/**
 * Where a server records redeemed tickets. The default is one in-memory store for the
 * whole process; the simulator gives each simulation its own.
 *
 * @since 0.1.0
 * @category services
 */
export const SessionStore: Context.Reference<TicketStore> = Context.Reference<TicketStore>("effect-tls/SessionStore", {
  defaultValue: memoryTicketStore
})

/** A fresh in-memory ticket store as a layer. @since 0.1.0 @category layers */
export const sessionStoreMemory: Layer.Layer<never> = Layer.sync(SessionStore)(memoryTicketStore)
