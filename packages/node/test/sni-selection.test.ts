/**
 * Per-SNI configuration on our server (`NodeTls.serve({ selectConfig })`, issue 13): our
 * client against our server with a certificate per name, TLS 1.3 and TLS 1.2. Each name
 * gets its own chain (the client validates it against the name); the callback may be
 * asynchronous; no SNI and an unknown name get the server's own configuration, or an
 * unknown name is refused with `unrecognized_name`; a failing callback is `internal_error`.
 * The peek decides nothing about bytes it does not understand: raw malformed first
 * flights get the same answer from a server with `selectConfig` as from one without. A
 * ClientHello split over many records is read whole; the peek is bounded in time and size;
 * `upgrade` in the server role (STARTTLS) takes the callback too.
 */
import * as net from "node:net"
import * as tls from "node:tls"
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer"
import { ChainVerifier, type Credential, loadPrivateKey, type NegotiatedParameters, type TlsConfig, TlsError, incompatible } from "@effect-tls/core"
import { needs } from "@effect-tls/test-support/peers"
import type { Issued } from "@effect-tls/test-support/pki"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Result from "effect/Result"
import * as Stream from "effect/Stream"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as NodeTls from "../src/NodeTls.js"
import { eventually, type Fixture, makeFixture, run, text, utf8 } from "./runtime-fixtures.js"

const TLS13 = 0x0304
const TLS12 = 0x0303
const versions = [
  { name: "TLS 1.3", code: TLS13 },
  { name: "TLS 1.2", code: TLS12 }
] as const

let fx: Fixture
let a: Issued
let b: Issued
let fallback: Issued
const credential = (cert: Issued): Credential => ({ chain: [cert.certDer], key: Result.getOrThrow(loadPrivateKey(cert.keyPem)) })

/** What our SNI server saw: the callback's calls, completed handshakes, failed connections. */
interface SniServer {
  readonly port: number
  readonly calls: Array<NodeTls.ClientHelloInfo>
  readonly served: Array<NegotiatedParameters>
  readonly errors: Array<TlsError>
}

/** Our server on a port from the OS: the fallback certificate, `select` per connection (none: no `selectConfig`). */
const sniServer = (select: NodeTls.SelectConfig | undefined, config: Partial<TlsConfig> = {}) =>
  Effect.gen(function* () {
    const calls: Array<NodeTls.ClientHelloInfo> = []
    const served: Array<NegotiatedParameters> = []
    const errors: Array<TlsError> = []
    const server = yield* NodeTls.serve({
      port: 0,
      config: { certificates: [credential(fallback)], handshakeTimeoutMs: 5_000, ...config },
      selectConfig:
        select === undefined
          ? undefined
          : (hello) => {
              calls.push(hello)
              return select(hello)
            },
      handler: (conn) =>
        Effect.gen(function* () {
          served.push(conn.params)
          yield* Stream.runForEach(conn.read, (c) => conn.write(c))
          yield* conn.close
        }),
      onError: (e) => Effect.sync(() => void errors.push(e))
    })
    yield* Effect.forkScoped(server.run)
    return { port: server.port, calls, served, errors } satisfies SniServer
  })

/** Our client to the server, offering `serverName` (none: no SNI) over `version`, checking an echo. */
const client = (port: number, version: number, serverName: string | undefined, config: Partial<TlsConfig> = {}) =>
  Effect.gen(function* () {
    const conn = yield* NodeTls.connect({ host: "127.0.0.1", port, config: { serverName, versions: [version], handshakeTimeoutMs: 5_000, ...config } })
    yield* conn.write(utf8("ping"))
    const echo = yield* Stream.runHead(conn.read)
    expect(echo._tag === "Some" && text(echo.value)).toBe("ping")
    return conn.params
  })

/** The table of the tests: a.test and b.test each with its own certificate. */
const table = () => ({ "a.test": { certificates: [credential(a)] }, "b.test": { certificates: [credential(b)] } })

/** Everything a raw TCP client receives after sending `bytes` (and, with `end`, a FIN), until the server closes or `timeoutMs`. */
const raw = (port: number, bytes: Uint8Array, options: { readonly end?: boolean; readonly timeoutMs?: number } = {}): Promise<Buffer> =>
  new Promise((resolve) => {
    const chunks: Array<Buffer> = []
    const socket = net.connect({ host: "127.0.0.1", port }, () => {
      socket.write(bytes)
      if (options.end === true) socket.end()
    })
    const done = () => {
      clearTimeout(timer)
      socket.destroy()
      resolve(Buffer.concat(chunks))
    }
    const timer = setTimeout(done, options.timeoutMs ?? 5_000)
    socket.on("data", (d: Buffer) => void chunks.push(d))
    socket.on("close", done)
    socket.on("error", () => {})
  })

/** The first flight of our client offering `serverName` (captured by a TCP server that then hangs up). */
const captureClientHello = (serverName: string): Promise<Uint8Array> =>
  new Promise((resolve, reject) => {
    const server = net.createServer((s) => {
      s.once("data", (d: Buffer) => {
        resolve(new Uint8Array(d))
        s.destroy()
        server.close()
      })
      s.on("error", () => {})
    })
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port
      Effect.runFork(
        NodeTls.connect({ host: "127.0.0.1", port, config: { serverName, handshakeTimeoutMs: 2_000 } }).pipe(
          Effect.scoped,
          Effect.provide(fx.services),
          Effect.ignore
        )
      )
    })
    server.on("error", reject)
  })

/** A handshake message re-framed into plaintext handshake records of at most `size` bytes. */
const reframe = (message: Uint8Array, size: number): Uint8Array => {
  const out: Array<number> = []
  for (let at = 0; at < message.length; at += size) {
    const part = message.subarray(at, Math.min(at + size, message.length))
    out.push(22, 3, 1, part.length >> 8, part.length & 0xff, ...part)
  }
  return new Uint8Array(out)
}

/** Bytes as hex, to compare a DER whatever its view type. */
const hex = (bytes: Uint8Array | undefined): string => (bytes === undefined ? "none" : Buffer.from(bytes).toString("hex"))

/** A plaintext fatal alert record, as our machine writes one. */
const alertBytes = (description: number) => Buffer.from([21, 3, 3, 0, 2, 2, description])

const bounded = <A, E, R>(effect: Effect.Effect<A, E, R>) => effect.pipe(Effect.timeout("20 seconds"))

describe.skipIf(!needs("openssl"))("NodeTls.serve with selectConfig (per-SNI configuration)", () => {
  beforeAll(() => {
    fx = makeFixture("sni-selection")
    a = fx.pki.issue({ name: "a", keyType: "ecdsa-p256", dnsNames: ["a.test"] })
    b = fx.pki.issue({ name: "b", keyType: "ecdsa-p256", dnsNames: ["b.test"] })
    fallback = fx.pki.issue({ name: "fallback", keyType: "ecdsa-p256", dnsNames: ["fallback.test"] })
  })
  afterAll(() => {
    fx?.pki.cleanup()
  })

  for (const v of versions) {
    describe(v.name, () => {
      it("a.test and b.test each get their own chain, validated against the name", () =>
        run(
          fx.services,
          bounded(
            Effect.gen(function* () {
              const server = yield* sniServer(NodeTls.byServerName(table()))
              const pa = yield* client(server.port, v.code, "a.test")
              const pb = yield* client(server.port, v.code, "b.test")
              expect(pa.version).toBe(v.code)
              expect(pb.version).toBe(v.code)
              expect(hex(pa.peerCertificates[0])).toBe(hex(a.certDer))
              expect(hex(pb.peerCertificates[0])).toBe(hex(b.certDer))
              expect(server.calls.map((c) => c.serverName)).toEqual(["a.test", "b.test"])
              yield* Effect.promise(() => eventually("both server handshakes", () => server.served.length === 2))
              expect(server.served.map((p) => p.serverName)).toEqual(["a.test", "b.test"])
              expect(server.errors).toEqual([])
            })
          )
        ))

      it("an asynchronous callback (a sleep, then a Deferred completed by another fiber)", () =>
        run(
          fx.services,
          bounded(
            Effect.gen(function* () {
              const store = yield* Deferred.make<Readonly<Record<string, Partial<TlsConfig>>>>()
              const server = yield* sniServer((hello) =>
                Effect.gen(function* () {
                  yield* Effect.sleep("30 millis")
                  const names = yield* Deferred.await(store)
                  return hello.serverName === undefined ? undefined : names[hello.serverName]
                })
              )
              // The certificate store is loaded 200 ms after the client started its handshake.
              yield* Effect.forkScoped(Effect.andThen(Effect.sleep("200 millis"), Deferred.succeed(store, table())))
              const started = Date.now()
              const pb = yield* client(server.port, v.code, "b.test")
              expect(Date.now() - started).toBeGreaterThanOrEqual(190)
              expect(hex(pb.peerCertificates[0])).toBe(hex(b.certDer))
            })
          )
        ))

      it("no SNI: the server's own configuration, and the callback sees serverName undefined", () =>
        run(
          fx.services,
          bounded(
            Effect.gen(function* () {
              const server = yield* sniServer(NodeTls.byServerName(table(), { unknown: "refuse" }))
              const p = yield* client(server.port, v.code, undefined)
              expect(hex(p.peerCertificates[0])).toBe(hex(fallback.certDer))
              expect(server.calls).toHaveLength(1)
              expect(server.calls[0]!.serverName).toBeUndefined()
              expect(server.calls[0]!.versions).toContain(v.code)
            })
          )
        ))

      it("an unknown name falls back to the server's own configuration by default", () =>
        run(
          // The fallback certificate does not name c.test: the client pins it instead of validating the name.
          Layer.merge(NodeTls.layer(), ChainVerifier.pinned([fallback.certDer])),
          bounded(
            Effect.gen(function* () {
              const server = yield* sniServer(NodeTls.byServerName(table()))
              const p = yield* client(server.port, v.code, "c.test")
              expect(hex(p.peerCertificates[0])).toBe(hex(fallback.certDer))
              expect(server.calls.map((c) => c.serverName)).toEqual(["c.test"])
            })
          )
        ))

      it("an unknown name with unknown: refuse → a fatal unrecognized_name alert, PeerIncompatible on our side", () =>
        run(
          fx.services,
          bounded(
            Effect.gen(function* () {
              const server = yield* sniServer(NodeTls.byServerName(table(), { unknown: "refuse" }))
              const error = yield* Effect.flip(client(server.port, v.code, "c.test"))
              expect(error).toBeInstanceOf(TlsError)
              expect(error.reason).toMatchObject({ _tag: "AlertReceived", alert: "unrecognized_name", afterOurFinished: false })
              yield* Effect.promise(() => eventually("our server's error", () => server.errors.length > 0))
              expect(server.errors[0]!.reason._tag).toBe("PeerIncompatible")
              expect(server.errors[0]!.reason._tag === "PeerIncompatible" && server.errors[0]!.reason.alert).toBe("unrecognized_name")
              expect(server.served).toEqual([])
            })
          )
        ))

      it("a callback that fails with its own error → a fatal internal_error alert, LocalFailure naming the failure", () =>
        run(
          fx.services,
          bounded(
            Effect.gen(function* () {
              const server = yield* sniServer(() => Effect.fail(new Error("certificate store unreachable")))
              const error = yield* Effect.flip(client(server.port, v.code, "a.test"))
              expect(error.reason).toMatchObject({ _tag: "AlertReceived", alert: "internal_error", afterOurFinished: false })
              yield* Effect.promise(() => eventually("our server's error", () => server.errors.length > 0))
              expect(server.errors[0]!.reason).toMatchObject({ _tag: "LocalFailure", alert: "internal_error" })
              expect(server.errors[0]!.message).toContain("certificate store unreachable")
            })
          )
        ))
    })
  }

  it("a callback that fails with a TlsError → that error and its alert", () =>
    run(
      fx.services,
      bounded(
        Effect.gen(function* () {
          const refusal = new TlsError({ reason: incompatible("handshake_failure", "a.test is closed for maintenance") })
          const server = yield* sniServer(() => Effect.fail(refusal))
          const error = yield* Effect.flip(client(server.port, TLS13, "a.test"))
          expect(error.reason).toMatchObject({ _tag: "AlertReceived", alert: "handshake_failure", afterOurFinished: false })
          yield* Effect.promise(() => eventually("our server's error", () => server.errors.length > 0))
          expect(server.errors[0]).toBe(refusal)
        })
      )
    ))

  it("a defect in the callback → internal_error, the server keeps serving", () =>
    run(
      fx.services,
      bounded(
        Effect.gen(function* () {
          let first = true
          const server = yield* sniServer((hello) =>
            Effect.suspend(() => {
              if (first) {
                first = false
                throw new Error("bug in the callback")
              }
              return NodeTls.byServerName(table())(hello)
            })
          )
          const error = yield* Effect.flip(client(server.port, TLS13, "a.test"))
          expect(error.reason).toMatchObject({ _tag: "AlertReceived", alert: "internal_error", afterOurFinished: false })
          const p = yield* client(server.port, TLS13, "a.test")
          expect(hex(p.peerCertificates[0])).toBe(hex(a.certDer))
          expect(server.errors[0]!.message).toContain("bug in the callback")
        })
      )
    ))

  it("other settings per name: ALPN and the callback's view of the offer", () =>
    run(
      fx.services,
      bounded(
        Effect.gen(function* () {
          const server = yield* sniServer(
            NodeTls.byServerName({
              "a.test": { certificates: [credential(a)], alpn: ["h2"] },
              "b.test": { certificates: [credential(b)], alpn: ["http/1.1"] }
            })
          )
          const pa = yield* client(server.port, TLS13, "a.test", { alpn: ["h2", "http/1.1"] })
          const pb = yield* client(server.port, TLS13, "b.test", { alpn: ["h2", "http/1.1"] })
          expect([pa.alpn, pb.alpn]).toEqual(["h2", "http/1.1"])
          expect(server.calls[0]!.alpn).toEqual(["h2", "http/1.1"])
          expect(server.calls[0]!.cipherSuites.length).toBeGreaterThan(0)
          expect(server.calls[0]!.groups.length).toBeGreaterThan(0)
          expect(server.calls[0]!.signatureSchemes.length).toBeGreaterThan(0)
        })
      )
    ))

  it("a HelloRetryRequest: the callback runs once, the second ClientHello uses the chosen configuration", () =>
    run(
      fx.services,
      bounded(
        Effect.gen(function* () {
          const server = yield* sniServer(NodeTls.byServerName(table()), { groups: [0x0017, 0x001d], retryForPreferredGroup: true })
          const p = yield* client(server.port, TLS13, "b.test", { groups: [0x001d, 0x0017], keyShareGroups: [0x001d] })
          expect(p).toMatchObject({ helloRetry: true, group: 0x0017 })
          expect(hex(p.peerCertificates[0])).toBe(hex(b.certDer))
          expect(server.calls).toHaveLength(1)
        })
      )
    ))

  it("a ClientHello split over many small records is read whole before the callback", () =>
    run(
      fx.services,
      bounded(
        Effect.gen(function* () {
          const flight = yield* Effect.promise(() => captureClientHello("b.test"))
          expect(flight[0]).toBe(22)
          const length = (flight[3]! << 8) | flight[4]!
          const fragmented = reframe(flight.subarray(5, 5 + length), 40)
          expect(fragmented.length).toBeGreaterThan(5 * 5 + length)
          const server = yield* sniServer(NodeTls.byServerName(table()))
          const answer = yield* Effect.promise(() => raw(server.port, fragmented, { timeoutMs: 1_000 }))
          expect(server.calls.map((c) => c.serverName)).toEqual(["b.test"])
          // A ServerHello comes back: a handshake record whose first message is server_hello (2).
          expect([answer[0], answer[5]]).toEqual([22, 2])
        })
      )
    ))

  describe("bytes the peek does not decide: the same answer as without selectConfig, no callback", () => {
    const cases: ReadonlyArray<{ readonly name: string; readonly bytes: Uint8Array; readonly alert: number | undefined; readonly reason: string }> = [
      // "G" is no content type: refused from the record header, without waiting for the 21,536 bytes "GET " announces
      { name: "an HTTP request", bytes: utf8("GET / HTTP/1.0\r\n\r\n"), alert: 10, reason: "PeerMisbehaved" },
      // RFC 5246 App. E.2: a version we do not speak
      { name: "an SSL 2.0-format ClientHello", bytes: new Uint8Array([0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10]), alert: 70, reason: "PeerIncompatible" },
      { name: "a record over 2^14 bytes", bytes: new Uint8Array([22, 3, 1, 0x40, 0x01, ...new Uint8Array(16_385)]), alert: 22, reason: "PeerMisbehaved" },
      { name: "a handshake record that is not a ClientHello", bytes: new Uint8Array([22, 3, 1, 0, 4, 20, 0, 0, 0]), alert: 10, reason: "PeerMisbehaved" },
      { name: "a ClientHello whose body does not decode", bytes: new Uint8Array([22, 3, 1, 0, 8, 1, 0, 0, 4, 3, 3, 0, 0]), alert: 50, reason: "Decode" },
      { name: "an empty handshake record", bytes: new Uint8Array([22, 3, 1, 0, 0]), alert: 10, reason: "PeerMisbehaved" }
    ]
    it.each(cases)("$name", (c) =>
      run(
        fx.services,
        bounded(
          Effect.gen(function* () {
            const plain = yield* sniServer(undefined, { handshakeTimeoutMs: 500 })
            const selecting = yield* sniServer(NodeTls.byServerName(table()), { handshakeTimeoutMs: 500 })
            const [expected, answer] = yield* Effect.promise(() => Promise.all([raw(plain.port, c.bytes), raw(selecting.port, c.bytes)]))
            expect(hex(expected)).toBe(c.alert === undefined ? "" : hex(alertBytes(c.alert)))
            expect(hex(answer)).toBe(hex(expected))
            expect(selecting.calls).toEqual([])
            yield* Effect.promise(() => eventually("both servers' errors", () => plain.errors.length > 0 && selecting.errors.length > 0))
            expect(plain.errors[0]!.reason._tag).toBe(c.reason)
            // (A Timeout's detail names the time left to the machine after the peek, a millisecond less or so.)
            if (c.reason === "Timeout") expect(selecting.errors[0]!.reason._tag).toBe("Timeout")
            else expect(selecting.errors[0]!.reason).toEqual(plain.errors[0]!.reason)
          })
        )
      )
    )
  })

  it("a ClientHello declared longer than 64 KiB → illegal_parameter without waiting for it", () =>
    run(
      fx.services,
      bounded(
        Effect.gen(function* () {
          const server = yield* sniServer(NodeTls.byServerName(table()))
          const answer = yield* Effect.promise(() => raw(server.port, new Uint8Array([22, 3, 1, 0, 4, 1, 1, 0, 0])))
          expect(answer).toEqual(alertBytes(47))
          expect(server.calls).toEqual([])
          yield* Effect.promise(() => eventually("our server's error", () => server.errors.length > 0))
          expect(server.errors[0]!.reason).toMatchObject({ _tag: "PeerMisbehaved", alert: "illegal_parameter" })
        })
      )
    ))

  it("the peek and the callback are bounded by handshakeTimeoutMs: a stalled ClientHello, a slow callback", () =>
    run(
      fx.services,
      bounded(
        Effect.gen(function* () {
          const stalled = yield* sniServer(NodeTls.byServerName(table()), { handshakeTimeoutMs: 300 })
          const flight = yield* Effect.promise(() => captureClientHello("a.test"))
          const t0 = Date.now()
          const answer = yield* Effect.promise(() => raw(stalled.port, flight.subarray(0, 40)))
          expect(answer.length).toBe(0)
          expect(Date.now() - t0).toBeLessThan(3_000)
          yield* Effect.promise(() => eventually("our server's error", () => stalled.errors.length > 0))
          expect(stalled.errors[0]!.reason._tag).toBe("Timeout")
          expect(stalled.calls).toEqual([])

          const slow = yield* sniServer(() => Effect.as(Effect.sleep("5 seconds"), undefined), { handshakeTimeoutMs: 300 })
          const t1 = Date.now()
          const error = yield* Effect.flip(client(slow.port, TLS13, "a.test"))
          expect(Date.now() - t1).toBeLessThan(3_000)
          expect(error.reason._tag).toBe("Truncated")
          yield* Effect.promise(() => eventually("our server's error", () => slow.errors.length > 0))
          expect(slow.errors[0]!.reason._tag).toBe("Timeout")
        })
      )
    ))

  it("a peer that hangs up mid-ClientHello → Truncated, no callback", () =>
    run(
      fx.services,
      bounded(
        Effect.gen(function* () {
          const server = yield* sniServer(NodeTls.byServerName(table()))
          const flight = yield* Effect.promise(() => captureClientHello("a.test"))
          yield* Effect.promise(() => raw(server.port, flight.subarray(0, 40), { end: true }))
          yield* Effect.promise(() => eventually("our server's error", () => server.errors.length > 0))
          expect(server.errors[0]!.reason._tag).toBe("Truncated")
          expect(server.calls).toEqual([])
        })
      )
    ))

  it("upgrade in the server role (STARTTLS, ClientHello pipelined behind the command) takes selectConfig", () =>
    run(
      fx.services,
      bounded(
        Effect.gen(function* () {
          const served = yield* Deferred.make<string>()
          const server = yield* NodeSocketServer.make({ host: "127.0.0.1", port: 0, allowHalfOpen: true })
          yield* Effect.forkScoped(
            server.run((socket) =>
              Effect.scoped(
                Effect.gen(function* () {
                  const reader = yield* socket.reader
                  // The command and the ClientHello are both here by the first read.
                  yield* Effect.sleep("200 millis")
                  const first = Buffer.concat((yield* reader.pull).map((c) => (typeof c === "string" ? Buffer.from(c) : Buffer.from(c))))
                  const end = first.indexOf("\r\n")
                  const conn = yield* NodeTls.upgrade(
                    socket,
                    "server",
                    { certificates: [credential(fallback)] },
                    {},
                    { reader, leftover: new Uint8Array(first.subarray(end + 2)), halfOpen: true, selectConfig: NodeTls.byServerName(table()) }
                  )
                  yield* Stream.runForEach(conn.read, (c) => conn.write(utf8(`echo: ${text(c)}`)))
                  yield* conn.close
                  yield* Deferred.succeed(served, `${first.subarray(0, end).toString()} → ${conn.params.serverName}`)
                })
              ).pipe(Effect.catchCause((cause) => Deferred.failCause(served, cause as never)))
            )
          )
          const port = (server.address as { port: number }).port
          const answer = yield* Effect.promise(
            () =>
              new Promise<string>((resolve, reject) => {
                const plain = net.connect({ host: "127.0.0.1", port }, () => {
                  plain.write("STARTTLS\r\n")
                  const s = tls.connect({ socket: plain, servername: "b.test", ca: fx.pki.ca.certPem, minVersion: "TLSv1.3" }, () => s.end("ping"))
                  let got = ""
                  s.setEncoding("utf8")
                  s.on("data", (d: string) => void (got += d))
                  s.on("end", () => resolve(`${got} from ${s.getPeerCertificate().subject.CN}`))
                  s.on("error", reject)
                })
                plain.on("error", reject)
              })
          )
          expect(answer).toBe("echo: ping from b.test")
          expect(yield* Deferred.await(served)).toBe("STARTTLS → b.test")
        })
      )
    ))

  it("upgrade in the client role refuses selectConfig", () =>
    run(
      fx.services,
      bounded(
        Effect.gen(function* () {
          const server = yield* sniServer(undefined)
          const socket = yield* NodeSocket.makeNet({ host: "127.0.0.1", port: server.port })
          const error = yield* Effect.flip(NodeTls.upgrade(socket, "client", {}, {}, { selectConfig: () => Effect.succeed(undefined) }))
          expect(error.reason).toMatchObject({ _tag: "LocalFailure", alert: "internal_error" })
        })
      )
    ))
})
