/**
 * Per-connection server configuration chosen from the ClientHello (RFC 6066 §3,
 * server_name): before the state machine starts, the server reads the client's first
 * flight up to one whole ClientHello, asks an Effect callback (`SelectConfig`) what that
 * name gets — certificates, ALPN, client-auth policy, ticket keys, any `TlsConfig` field —
 * and hands every byte it read to the machine, which runs with the merged configuration.
 * `NodeTls.serve` and `NodeTls.upgrade` take the callback as `selectConfig`.
 *
 * The peek decides nothing about bytes it does not understand: a record that is not a
 * handshake record, a first message that is not a ClientHello, a ClientHello that does
 * not decode, an over-long record — all go to the machine as they are, with the base
 * configuration, and the machine answers with the alert `../shared/alerts.md` names.
 *
 * @since 0.1.0
 */
import { AlertDescription, decodeHandshake, Ext, type ClientHello } from "@effect-tls/codec"
import { alertFor, localFailure, TlsError, type TlsConfig, type TlsErrorReason } from "@effect-tls/core"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import type * as Socket from "effect/socket/Socket"

/**
 * What the server knows when it picks a configuration: the client's first ClientHello,
 * and the parts of it a choice usually depends on.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClientHelloInfo {
  /**
   * The host_name of the server_name extension (RFC 6066 §3); `undefined` without SNI (a
   * client that connected to an IP address, or sent a list without a usable host name).
   */
  readonly serverName: string | undefined
  /** The ALPN protocols offered (RFC 7301 §3.1), in the client's order; empty without ALPN. */
  readonly alpn: ReadonlyArray<string>
  /** The versions offered: supported_versions (RFC 8446 §4.2.1), or else the legacy_version alone. */
  readonly versions: ReadonlyArray<number>
  /** The cipher suites offered, in the client's order. */
  readonly cipherSuites: ReadonlyArray<number>
  /** signature_algorithms (RFC 8446 §4.2.3); empty when absent. */
  readonly signatureSchemes: ReadonlyArray<number>
  /** supported_groups (RFC 8446 §4.2.7); empty when absent. */
  readonly groups: ReadonlyArray<number>
  /** The decoded ClientHello, for anything else. */
  readonly clientHello: ClientHello
}

/**
 * The callback that picks a connection's configuration from its ClientHello, called once
 * per connection before the handshake starts. Its result is laid over the server's
 * configuration field by field (`undefined` fields and an `undefined` result keep the
 * server's). It may be asynchronous; it counts against `config.handshakeTimeoutMs`.
 *
 * How it refuses a connection:
 * - fail with `UnrecognizedName`: a fatal `unrecognized_name` alert (RFC 6066 §3) and a
 *   `TlsError` whose reason is `PeerIncompatible` with that alert;
 * - fail with a `TlsError`: the alert its reason calls for (`alertFor`), and that error;
 * - any other failure, or a defect: a fatal `internal_error` alert and a `TlsError` whose
 *   reason is `LocalFailure` (`internal_error`), its detail naming the failure.
 *
 * @since 0.1.0
 * @category models
 */
export type SelectConfig<R = never> = (hello: ClientHelloInfo) => Effect.Effect<Partial<TlsConfig> | undefined, unknown, R>

/**
 * The failure a `SelectConfig` callback uses to say "no such name here": the server
 * answers with a fatal `unrecognized_name` alert (RFC 6066 §3: the server "SHOULD ...
 * abort the handshake by sending a fatal-level unrecognized_name(112) alert").
 *
 * @since 0.1.0
 * @category errors
 */
export class UnrecognizedName extends Data.TaggedError("UnrecognizedName")<{
  readonly serverName: string | undefined
}> {
  override get message(): string {
    return this.serverName === undefined ? "no server name was sent" : `no configuration for the server name ${this.serverName}`
  }
}

/**
 * A `SelectConfig` from a table of names (compared without case and a trailing dot, RFC
 * 4343) to the settings each gets. A ClientHello without SNI gets the server's own
 * configuration; a name not in the table gets it too (`unknown: "default"`, the default,
 * as OpenSSL and nginx do), or is refused with `unrecognized_name` (`unknown: "refuse"`).
 *
 * ```ts
 * NodeTls.serve({
 *   port: 443,
 *   config: { certificates: [fallback] },
 *   selectConfig: NodeTls.byServerName({ "a.test": { certificates: [a] }, "b.test": { certificates: [b], alpn: ["h2"] } }, { unknown: "refuse" }),
 *   handler
 * })
 * ```
 *
 * **Gotchas**: no wildcards; write a `SelectConfig` of your own for those.
 *
 * @since 0.1.0
 * @category constructors
 */
export const byServerName = (
  table: Readonly<Record<string, Partial<TlsConfig>>>,
  options: { readonly unknown?: "default" | "refuse" | undefined } = {}
): SelectConfig => {
  const entries = new Map(Object.entries(table).map(([name, config]) => [normalize(name), config]))
  return (hello) => {
    if (hello.serverName === undefined) return Effect.succeed(undefined)
    const found = entries.get(normalize(hello.serverName))
    if (found !== undefined) return Effect.succeed(found)
    return options.unknown === "refuse" ? Effect.fail(new UnrecognizedName({ serverName: hello.serverName })) : Effect.succeed(undefined)
  }
}

const normalize = (name: string): string => name.toLowerCase().replace(/\.$/, "")

/**
 * The most the peek reads before it has a whole ClientHello: 64 KiB and one record header.
 * A longer ClientHello is refused with `illegal_parameter` (as OpenSSL refuses an
 * "excessive message size").
 *
 * @since 0.1.0
 */
export const maxPeek = 65_536 + 5

const HANDSHAKE = 22
const ALERT = 21
const MAX_PLAINTEXT = 16_384

/** What the bytes read so far say. */
type Scan =
  | { readonly _tag: "More" }
  | { readonly _tag: "Handover" }
  | { readonly _tag: "TooLarge"; readonly detail: string }
  | { readonly _tag: "Hello"; readonly hello: ClientHello }

const MORE: Scan = { _tag: "More" }
const HANDOVER: Scan = { _tag: "Handover" }

/**
 * Cuts handshake records out of the first bytes of a connection until one whole
 * ClientHello is in hand (it may span records, RFC 8446 §5.1). Incremental: each `push`
 * scans only what is new. Whatever the machine would refuse is `Handover`; the one thing
 * the machine skips before a ClientHello — a warning `user_canceled` alert — is skipped
 * here too, so the ClientHello the callback sees is the one the machine will act on.
 */
class HelloScanner {
  private buf = new Uint8Array(2048)
  private len = 0
  private pos = 0
  private parts: Array<Uint8Array> = []
  private handshakeBytes = 0
  private result: Scan = MORE

  get bytes(): Uint8Array {
    return this.buf.slice(0, this.len)
  }

  get size(): number {
    return this.len
  }

  push(chunk: Uint8Array): Scan {
    if (this.len + chunk.length > this.buf.length) {
      const grown = new Uint8Array(Math.max(this.buf.length * 2, this.len + chunk.length))
      grown.set(this.buf.subarray(0, this.len))
      this.buf = grown
    }
    this.buf.set(chunk, this.len)
    this.len += chunk.length
    if (this.result._tag === "More") this.result = this.scan()
    return this.result
  }

  private scan(): Scan {
    const b = this.buf
    for (;;) {
      const rest = this.len - this.pos
      if (rest < 1) return MORE
      const type = b[this.pos]!
      if (type !== HANDSHAKE && !(type === ALERT && this.handshakeBytes === 0)) return HANDOVER
      if (rest < 5) return MORE
      const length = (b[this.pos + 3]! << 8) | b[this.pos + 4]!
      if (type === ALERT) {
        if (length !== 2) return HANDOVER
        if (rest < 7) return MORE
        if (b[this.pos + 5] !== 1 || b[this.pos + 6] !== 90) return HANDOVER
        this.pos += 7
        continue
      }
      if (length === 0 || length > MAX_PLAINTEXT) return HANDOVER
      if (rest < 5 + length) return MORE
      this.parts.push(b.slice(this.pos + 5, this.pos + 5 + length))
      this.handshakeBytes += length
      this.pos += 5 + length
      if (this.handshakeBytes < 4) continue
      const message = this.parts.length === 1 ? this.parts[0]! : concat(this.parts)
      this.parts = [message]
      if (message[0] !== 1) return HANDOVER
      const declared = 4 + ((message[1]! << 16) | (message[2]! << 8) | message[3]!)
      if (declared > maxPeek - 5) return { _tag: "TooLarge", detail: `a ClientHello of ${declared} bytes (the server reads at most ${maxPeek - 5} to choose its configuration)` }
      if (message.length < declared) continue
      const decoded = decodeHandshake(message.subarray(0, declared))
      if (Result.isFailure(decoded) || decoded.success._tag !== "ClientHello") return HANDOVER
      return { _tag: "Hello", hello: decoded.success }
    }
  }
}

const concat = (parts: ReadonlyArray<Uint8Array>): Uint8Array => Buffer.concat(parts)

/** The `ClientHelloInfo` of a decoded ClientHello. */
export const helloInfo = (ch: ClientHello): ClientHelloInfo => {
  const exts = ch.extensions ?? []
  const sni = Ext.find(exts, "server_name")
  const name = sni === undefined ? undefined : Ext.hostName(sni)
  const alpn = Ext.find(exts, "application_layer_protocol_negotiation")
  return {
    serverName: name === undefined || name.length === 0 ? undefined : name,
    alpn: alpn !== undefined && Ext.isWellFormed(alpn) ? Ext.protocols(alpn) : [],
    versions: Ext.find(exts, "supported_versions")?.versions ?? [ch.legacyVersion],
    cipherSuites: ch.cipherSuites,
    signatureSchemes: Ext.find(exts, "signature_algorithms")?.supportedSignatureAlgorithms ?? [],
    groups: Ext.find(exts, "supported_groups")?.namedGroupList ?? [],
    clientHello: ch
  }
}

/**
 * What the peek and the callback decided: run the machine over `bytes` (then the rest of
 * the socket) with `config`, or send `refusal`'s alert and end with it.
 *
 * @since 0.1.0
 * @category models
 */
export type Choice =
  | { readonly _tag: "Run"; readonly bytes: Uint8Array; readonly config: TlsConfig }
  | { readonly _tag: "Refuse"; readonly bytes: Uint8Array; readonly refusal: TlsError }

const encoder = new TextEncoder()

/**
 * Reads the first flight from `reader` (after `leftover`, bytes a plaintext exchange
 * read already), calls `select` with the ClientHello, and says how to go on. The peek and
 * the callback together are bounded by `base.handshakeTimeoutMs` (a `Timeout` error, no
 * alert, as the driver does); the machine gets what remains of it. A socket that ends or
 * fails first is `Truncated`.
 *
 * @since 0.1.0
 */
export const choose = <R>(
  reader: Socket.Reader,
  leftover: Uint8Array | undefined,
  base: TlsConfig,
  select: SelectConfig<R>
): Effect.Effect<Choice, TlsError, R> =>
  Effect.gen(function* () {
    const started = yield* Clock.currentTimeMillis
    const scanner = new HelloScanner()
    const peekAndSelect = Effect.gen(function* () {
      let scan = leftover !== undefined && leftover.length > 0 ? scanner.push(leftover) : MORE
      while (scan._tag === "More") {
        if (scanner.size > maxPeek) {
          scan = { _tag: "TooLarge", detail: `no whole ClientHello in the first ${maxPeek} bytes` }
          break
        }
        const chunks = yield* Effect.mapError(
          reader.pull,
          (e) =>
            new TlsError({
              reason: {
                _tag: "Truncated",
                detail:
                  e.reason._tag === "SocketCloseError"
                    ? `the peer closed the connection after ${scanner.size} byte(s), before its ClientHello was complete`
                    : `the transport failed before the ClientHello was complete (${e.message})`
              }
            })
        )
        // Every chunk is kept: the machine gets all of it, past the ClientHello too.
        for (const c of chunks) scan = scanner.push(typeof c === "string" ? encoder.encode(c) : c)
      }
      const run = (config: TlsConfig): Choice => ({ _tag: "Run", bytes: scanner.bytes, config })
      const refuse = (refusal: TlsError): Choice => ({ _tag: "Refuse", bytes: scanner.bytes, refusal })
      if (scan._tag === "TooLarge") return refuse(new TlsError({ reason: { _tag: "PeerMisbehaved", alert: "illegal_parameter", detail: scan.detail } }))
      // Bytes the peek does not understand: the machine decides, with the server's own configuration.
      if (scan._tag !== "Hello") return run(base)
      const info = helloInfo(scan.hello)
      const exit = yield* Effect.exit(select(info))
      if (Exit.isSuccess(exit)) return run(overlay(base, exit.value ?? {}))
      if (Cause.hasInterruptsOnly(exit.cause)) return yield* Effect.interrupt
      return refuse(refusalOf(exit.cause, info.serverName))
    })
    const chosen = yield* Effect.timeoutOption(peekAndSelect, base.handshakeTimeoutMs)
    if (Option.isNone(chosen)) {
      return yield* Effect.fail(
        new TlsError({ reason: { _tag: "Timeout", detail: `the handshake did not complete within ${base.handshakeTimeoutMs} ms (no configuration chosen yet)` } })
      )
    }
    const choice = chosen.value
    if (choice._tag === "Refuse") return choice
    // The peek and the callback count against the handshake's bound; the machine gets the rest.
    const elapsed = (yield* Clock.currentTimeMillis) - started
    return { ...choice, config: { ...choice.config, handshakeTimeoutMs: Math.max(1, choice.config.handshakeTimeoutMs - elapsed) } }
  })

/** `patch` over `config`, field by field; `undefined` fields keep `config`'s. */
const overlay = (config: TlsConfig, patch: Partial<TlsConfig>): TlsConfig => {
  const out: Record<string, unknown> = { ...config }
  for (const [k, v] of Object.entries(patch)) if (v !== undefined) out[k] = v
  return out as unknown as TlsConfig
}

/** The error a failed callback ends the connection with (see `SelectConfig`). */
const refusalOf = (cause: Cause.Cause<unknown>, serverName: string | undefined): TlsError => {
  const found = Cause.findError(cause)
  const error = Result.isSuccess(found) ? found.success : Cause.squash(cause)
  if (error instanceof TlsError) return error
  if (error instanceof UnrecognizedName) return new TlsError({ reason: unrecognizedName(error.serverName ?? serverName) })
  const what = Result.isSuccess(found) ? "failed" : "died"
  return new TlsError({ reason: localFailure(`the server's selectConfig ${what}: ${describe(error)}`, "internal_error") })
}

const describe = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e))

/**
 * The reason of a refused server name: `PeerIncompatible` with `unrecognized_name`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const unrecognizedName = (serverName: string | undefined): TlsErrorReason => ({
  _tag: "PeerIncompatible",
  alert: "unrecognized_name",
  detail: serverName === undefined ? "the client sent no server name and the server has none to offer" : `no configuration for the server name ${serverName}`
})

/**
 * The plaintext alert record that answers a refusal before any ServerHello (RFC 8446 §6:
 * fatal, legacy_record_version 0x0303), or nothing when the reason calls for no alert.
 *
 * @since 0.1.0
 */
export const alertRecord = (error: TlsError): Uint8Array | undefined => {
  const alert = alertFor(error.reason)
  if (alert === undefined) return undefined
  return new Uint8Array([ALERT, 0x03, 0x03, 0x00, 0x02, alert === "user_canceled" ? 1 : 2, AlertDescription.values[alert]])
}
