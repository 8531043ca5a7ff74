/**
 * Timeouts and interruption on live sockets (loopback, ports from the OS): a handshake
 * that does not complete is a `Timeout` on either side, an idle connection is closed
 * after `driver.idleTimeoutMs` (a busy one is not), and interrupting a fiber mid-handshake
 * — directly or through `Effect.timeout` — releases the socket: the peer sees it close
 * within a bound.
 */
import * as net from "node:net"
import * as tls from "node:tls"
import { needs } from "@effect-tls/test-support/peers"
import type { TlsError } from "@effect-tls/core"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as NodeTls from "../src/NodeTls.js"
import { eventually, type Fixture, makeFixture, nodeTlsServer, run, tcpServer, utf8 } from "./runtime-fixtures.js"

describe.skipIf(!needs("openssl"))("NodeTls timeouts and interruption", () => {
  let fx: Fixture
  const cleanups: Array<() => Promise<void>> = []
  beforeAll(() => {
    fx = makeFixture("runtime-timeouts")
  })
  afterAll(async () => {
    for (const c of cleanups) await c()
    fx.pki.cleanup()
  })

  it("client: a server that never answers is a Timeout after handshakeTimeoutMs, and the socket is closed", async () => {
    const silent = await tcpServer()
    cleanups.push(silent.close)
    const started = Date.now()
    const error = await run(
      fx.services,
      Effect.flip(NodeTls.connect({ host: "127.0.0.1", port: silent.port, config: { serverName: "localhost", handshakeTimeoutMs: 300 } }))
    )
    const elapsed = Date.now() - started
    expect(error._tag).toBe("TlsError")
    expect(error.reason._tag).toBe("Timeout")
    expect(elapsed).toBeGreaterThanOrEqual(290)
    expect(elapsed).toBeLessThan(2_000)
    expect(silent.connections[0]!.received()).toBeGreaterThan(0) // our ClientHello
    await eventually("the silent server sees the socket close", () => silent.connections[0]!.closedAt() !== undefined, 2_000)
  })

  it("server: a client that never sends a ClientHello is a Timeout on our side, and its socket is closed", async () => {
    const errors: Array<TlsError> = []
    let closedAt: number | undefined
    let connectedAt = 0
    await run(
      fx.services,
      Effect.gen(function* () {
        const server = yield* NodeTls.serve({
          port: 0,
          config: { certificates: [fx.credential], handshakeTimeoutMs: 300 },
          handler: () => Effect.void,
          onError: (e) => Effect.sync(() => void errors.push(e as TlsError))
        })
        yield* Effect.forkScoped(server.run)
        const client = net.connect({ host: "127.0.0.1", port: server.port })
        client.on("error", () => {})
        client.on("connect", () => void (connectedAt = Date.now()))
        client.on("close", () => void (closedAt = Date.now()))
        yield* Effect.promise(() => eventually("the client's socket closes", () => closedAt !== undefined, 3_000))
      })
    )
    expect(errors.map((e) => e.reason._tag)).toEqual(["Timeout"])
    expect(closedAt! - connectedAt).toBeGreaterThanOrEqual(250)
    expect(closedAt! - connectedAt).toBeLessThan(2_000)
  })

  it("server: an idle connection ends with Timeout after idleTimeoutMs; a busy one stays open", async () => {
    const errors: Array<TlsError> = []
    const closed: Record<string, number> = {}
    await run(
      fx.services,
      Effect.gen(function* () {
        const server = yield* NodeTls.serve({
          port: 0,
          config: { certificates: [fx.credential] },
          driver: { idleTimeoutMs: 800 },
          handler: (conn) => Stream.runForEach(conn.read, (chunk) => conn.write(chunk)),
          onError: (e) => Effect.sync(() => void errors.push(e as TlsError))
        })
        yield* Effect.forkScoped(server.run)
        const open = (name: string) =>
          new Promise<tls.TLSSocket>((resolve, reject) => {
            const s = tls.connect({ host: "127.0.0.1", port: server.port, servername: "localhost", ca: fx.pki.ca.certPem, minVersion: "TLSv1.3" }, () => resolve(s))
            s.on("error", reject)
            s.on("data", () => {})
            s.on("close", () => void (closed[name] = Date.now()))
          })
        const idle = yield* Effect.promise(() => open("idle"))
        const busy = yield* Effect.promise(() => open("busy"))
        const since = Date.now()
        idle.write("one message, then silence")
        // The busy client writes every 100 ms for 2 s: never idle for 800 ms.
        for (let i = 0; i < 20; i++) {
          busy.write(`tick ${i}\n`)
          yield* Effect.sleep("100 millis")
        }
        expect(closed.idle).toBeDefined()
        expect(closed.idle! - since).toBeGreaterThanOrEqual(750)
        expect(closed.idle! - since).toBeLessThan(2_000)
        expect(closed.busy).toBeUndefined()
        busy.end()
      })
    )
    expect(errors[0]?.reason._tag).toBe("Timeout")
    expect(errors[0]?.message).toMatch(/nothing was sent or received for 800 ms/)
  })

  it("client: a server that goes quiet after answering fails our read with Timeout after idleTimeoutMs", async () => {
    const peer = await nodeTlsServer(fx.pki, (s) => s.once("data", () => s.write("hello, then nothing")))
    cleanups.push(peer.close)
    const { got, error, quietFor } = await run(
      fx.services,
      Effect.gen(function* () {
        const conn = yield* NodeTls.connect({ host: "127.0.0.1", port: peer.port, config: { serverName: "localhost" }, driver: { idleTimeoutMs: 1_000 } })
        yield* conn.write(utf8("ping"))
        const got: Array<Uint8Array> = []
        let lastData = Date.now()
        const error = yield* Effect.flip(Stream.runForEach(conn.read, (c) => Effect.sync(() => void (got.push(c), (lastData = Date.now())))))
        return { got, error, quietFor: Date.now() - lastData }
      })
    )
    expect(Buffer.concat(got).toString()).toBe("hello, then nothing")
    expect(error.reason._tag).toBe("Timeout")
    expect(quietFor).toBeGreaterThanOrEqual(950)
    expect(quietFor).toBeLessThan(5_000)
    await eventually("the peer sees the connection close", () => peer.sockets[0]?.destroyed === true || peer.sockets[0]?.readableEnded === true, 2_000)
  })

  it("interrupting a fiber mid-handshake releases the socket: the peer sees it close within 1 s", async () => {
    const silent = await tcpServer()
    cleanups.push(silent.close)
    const { interruptedAt } = await run(
      fx.services,
      Effect.gen(function* () {
        const fiber = yield* Effect.forkChild(Effect.scoped(NodeTls.connect({ host: "127.0.0.1", port: silent.port, config: { serverName: "localhost" } })))
        yield* Effect.promise(() => eventually("the ClientHello", () => (silent.connections[0]?.received() ?? 0) > 0))
        const interruptedAt = Date.now()
        yield* Fiber.interrupt(fiber)
        return { interruptedAt }
      })
    )
    await eventually("the peer sees the socket close", () => silent.connections[0]!.closedAt() !== undefined, 1_000)
    expect(silent.connections[0]!.closedAt()! - interruptedAt).toBeLessThan(1_000)
  })

  it("Effect.timeout around a handshake interrupts it and releases the socket", async () => {
    const silent = await tcpServer()
    cleanups.push(silent.close)
    const started = Date.now()
    const outcome = await run(
      fx.services,
      NodeTls.connect({ host: "127.0.0.1", port: silent.port, config: { serverName: "localhost" } }).pipe(
        Effect.timeout("250 millis"),
        Effect.scoped,
        Effect.map(() => "connected"),
        Effect.catchTag("TimeoutError", () => Effect.succeed("timed out"))
      )
    )
    expect(outcome).toBe("timed out")
    await eventually("the peer sees the socket close", () => silent.connections[0]?.closedAt() !== undefined, 1_000)
    expect(silent.connections[0]!.closedAt()! - started).toBeLessThan(1_250)
  })

  it("a client socket that is still dialing is released at once on interruption", async () => {
    // An unroutable address: the dial hangs (or fails at once where there is no route).
    const started = Date.now()
    await run(
      fx.services,
      NodeTls.connect({ host: "10.255.255.1", port: 9, config: { serverName: "localhost" } }).pipe(
        Effect.timeout("200 millis"),
        Effect.scoped,
        Effect.ignore
      )
    )
    expect(Date.now() - started).toBeLessThan(1_000)
  })
})
