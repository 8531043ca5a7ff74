/**
 * Shared set-up for the driver and simulator tests: a P-256 test credential (the crypto
 * tests' OpenSSL-made key and certificate), configurations, and a toy-machine connection
 * pair over the simulator's pipe.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Result from "effect/Result"
import type * as Scope from "effect/Scope"
import { decodePem, loadPrivateKey } from "../../src/crypto/keys.js"
import { NobleCrypto } from "../../src/crypto/noble.js"
import { type Connection, connect, type DriverOptions } from "../../src/driver/Driver.js"
import { ChainVerifier, type ChainPolicy, Entropy, pinnedPolicy } from "../../src/driver/services.js"
import { type Credential, makeConfig, type TlsConfig } from "../../src/machine/config.js"
import type { Role } from "../../src/machine/machine.js"
import * as SimPipe from "../../src/sim/pipe.js"
import type { Fault } from "../../src/sim/faults.js"
import { p256, p256Certificate } from "../crypto/fixtures.js"
import { ToyMachine } from "./toy-machine.js"

/** The P-256 test credential. */
export const credential: Credential = {
  chain: [Result.getOrThrow(decodePem(p256Certificate))[0]!.der],
  key: Result.getOrThrow(loadPrivateKey(p256))
}

/** A server configuration with the test credential. */
export const serverConfig = (options: Partial<TlsConfig> = {}): TlsConfig => makeConfig({ certificates: [credential], ...options })

/** UTF-8. */
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)
/** From UTF-8. */
export const text = (b: Uint8Array): string => new TextDecoder().decode(b)

/** What one side of a toy pair is given. */
export interface ToySide {
  readonly config?: TlsConfig
  readonly verifier?: ChainPolicy
  readonly options?: DriverOptions
}

/** Writes per side, seen by the pipe. */
export type Writes = Record<Role, Array<Uint8Array>>

/**
 * A toy client and server over a pipe (delay 0 by default), each with seeded entropy and
 * a pinned verifier, in the current scope.
 */
export const toyPair = (
  options: { readonly client?: ToySide; readonly server?: ToySide; readonly faults?: ReadonlyArray<Fault>; readonly delayMs?: number } = {}
): Effect.Effect<{ client: Connection; server: Connection; writes: Writes; pipe: SimPipe.Pipe }, never, Scope.Scope> =>
  Effect.gen(function* () {
    const writes: Writes = { client: [], server: [] }
    const pipe = yield* SimPipe.make({ delayMs: options.delayMs ?? 0, faults: options.faults, onWrite: (from, _at, bytes) => void writes[from].push(bytes) })
    const side = (role: Role, s: ToySide | undefined) =>
      connect(ToyMachine, role, { crypto: NobleCrypto, config: s?.config ?? (role === "server" ? serverConfig() : makeConfig()) }, pipe[role], s?.options).pipe(
        Effect.provide(Layer.mergeAll(Entropy.seeded(1, role), Layer.succeed(ChainVerifier)(s?.verifier ?? pinnedPolicy(credential.chain))))
      )
    const client = yield* side("client", options.client)
    const server = yield* side("server", options.server)
    return { client, server, writes, pipe }
  })
