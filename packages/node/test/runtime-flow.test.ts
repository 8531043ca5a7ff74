/**
 * Flow on live sockets against `node:tls` peers: backpressure both ways (a peer that stops
 * reading makes our `write` wait, and a slow reader of ours makes the peer's writes wait,
 * with our buffers kept under the high-water mark), TLS 1.3 half-close (after our
 * close_notify we still receive the peer's whole answer), and truncation (a FIN without
 * close_notify is a `Truncated` error, distinct from a clean close).
 */
import * as crypto from "node:crypto"
import type * as tls from "node:tls"
import { needs } from "@effect-tls/test-support/peers"
import { Driver } from "@effect-tls/core"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as NodeTls from "../src/NodeTls.js"
import { eventually, type Fixture, makeFixture, nodeTlsServer, payload, run, sha256, utf8 } from "./runtime-fixtures.js"

const MiB = 1 << 20

/** Waits (at most 30 s) until `value` has not changed for 500 ms; returns it. */
const settled = (value: () => number) =>
  Effect.gen(function* () {
    let last = value()
    let since = Date.now()
    const started = Date.now()
    while (Date.now() - since < 500) {
      if (Date.now() - started > 30_000) return yield* Effect.die(new Error("the value never settled"))
      yield* Effect.sleep("50 millis")
      const now = value()
      if (now !== last) {
        last = now
        since = Date.now()
      }
    }
    return last
  })
const hwm = Driver.defaultHighWaterMark

describe.skipIf(!needs("openssl"))("NodeTls flow control and closing", () => {
  let fx: Fixture
  const cleanups: Array<() => Promise<void>> = []
  beforeAll(() => {
    fx = makeFixture("runtime-flow")
  })
  afterAll(async () => {
    for (const c of cleanups) await c()
    fx.pki.cleanup()
  })

  it("a peer that stops reading makes our write wait; our outbound buffer stays under the high-water mark; all arrives once it reads", async () => {
    const total = 48 * MiB
    const chunk = 64 * 1024
    const data = payload(total)
    let peerSocket: tls.TLSSocket | undefined
    const hash = crypto.createHash("sha256")
    let peerReceived = 0
    const peer = await nodeTlsServer(fx.pki, (s) => {
      peerSocket = s
      s.pause() // reads nothing until resumed
      s.on("data", (b: Buffer) => {
        hash.update(b)
        peerReceived += b.length
      })
    })
    cleanups.push(peer.close)
    const result = await run(
      fx.services,
      Effect.gen(function* () {
        const conn = yield* NodeTls.connect({ host: "127.0.0.1", port: peer.port, config: { serverName: "localhost" } })
        let written = 0
        let maxOutbound = 0
        const writer = yield* Effect.forkChild(
          Effect.gen(function* () {
            for (let at = 0; at < total; at += chunk) {
              yield* conn.write(data.bytes.subarray(at, at + chunk))
              written = at + chunk
              maxOutbound = Math.max(maxOutbound, (yield* conn.buffered).outbound)
            }
          })
        )
        // The kernel's buffers fill, then the writer stays stuck.
        const stuckAt = yield* settled(() => written)
        yield* Effect.sleep("500 millis")
        const stillStuck = written === stuckAt && writer.pollUnsafe() === undefined
        const outboundWhileStuck = (yield* conn.buffered).outbound
        peerSocket!.resume()
        yield* Fiber.join(writer)
        yield* conn.close
        yield* Effect.promise(() => eventually("the peer to read everything", () => peerReceived === total, 30_000))
        return { stuckAt, stillStuck, outboundWhileStuck, maxOutbound }
      })
    )
    expect(result.stillStuck).toBe(true)
    expect(result.stuckAt).toBeLessThan(total)
    expect(result.outboundWhileStuck).toBeLessThanOrEqual(hwm + chunk + 1024)
    expect(result.maxOutbound).toBeLessThanOrEqual(hwm + chunk + 1024)
    expect(hash.digest("hex")).toBe(data.sha256)
  })

  it("a slow reader of ours pushes back on the peer: its writes wait, our inbound buffer stays under the high-water mark", async () => {
    const total = 48 * MiB
    const data = payload(total)
    const go = Effect.runSync(Deferred.make<void>())
    const observed = await run(
      fx.services,
      Effect.gen(function* () {
        let maxInbound = 0
        let conn: NodeTls.TlsConnection | undefined
        const done = yield* Deferred.make<string>()
        const server = yield* NodeTls.serve({
          port: 0,
          config: { certificates: [fx.credential] },
          handler: (c) =>
            Effect.gen(function* () {
              conn = c
              yield* Deferred.await(go)
              const h = crypto.createHash("sha256")
              yield* Stream.runForEach(c.read, (b) =>
                Effect.flatMap(c.buffered, (buf) =>
                  Effect.sync(() => {
                    maxInbound = Math.max(maxInbound, buf.inbound + b.length)
                    h.update(b)
                  })
                )
              )
              yield* Deferred.succeed(done, h.digest("hex"))
              yield* c.close
            })
        })
        yield* Effect.forkScoped(server.run)
        const { connect } = yield* Effect.promise(() => import("node:tls"))
        const client = connect({ host: "127.0.0.1", port: server.port, servername: "localhost", ca: fx.pki.ca.certPem, minVersion: "TLSv1.3" })
        client.on("error", () => {})
        client.resume()
        yield* Effect.promise(() => new Promise<void>((r) => client.once("secureConnect", () => r())))
        client.end(data.bytes) // all of it at once: Node buffers what the socket does not take
        yield* settled(() => client.writableLength)
        const pending1 = client.writableLength
        const inbound1 = (yield* conn!.buffered).inbound
        yield* Effect.sleep("500 millis")
        const pending2 = client.writableLength
        const inbound2 = (yield* conn!.buffered).inbound
        yield* Deferred.succeed(go, undefined)
        const digest = yield* Deferred.await(done).pipe(Effect.timeout("60 seconds"))
        client.destroy()
        return { pending1, pending2, inbound1, inbound2, maxInbound, digest }
      })
    )
    // The peer still holds most of its data: we stopped reading the socket.
    expect(observed.pending1).toBeGreaterThan(total / 2)
    expect(observed.pending2).toBe(observed.pending1)
    expect(observed.inbound1).toBeLessThanOrEqual(hwm + 64 * 1024)
    expect(observed.inbound2).toBe(observed.inbound1)
    expect(observed.maxInbound).toBeLessThanOrEqual(hwm + 2 * 64 * 1024)
    expect(observed.digest).toBe(data.sha256)
  })

  it("half-close: after our close_notify the peer's whole answer still arrives, then its close_notify ends our read", async () => {
    const answer = payload(2 * MiB)
    let requestSeen = ""
    const peer = await nodeTlsServer(
      fx.pki,
      (s) => {
        s.setEncoding("latin1")
        s.on("data", (d: string) => void (requestSeen += d))
        // 'end' is our close_notify: the answer goes out only after it.
        s.on("end", () => {
          s.write(answer.bytes)
          s.end()
        })
      },
      { allowHalfOpen: true }
    )
    cleanups.push(peer.close)
    const result = await run(
      fx.services,
      Effect.gen(function* () {
        const conn = yield* NodeTls.connect({ host: "127.0.0.1", port: peer.port, config: { serverName: "localhost" } })
        yield* conn.write(utf8("send me everything after I close"))
        yield* conn.close
        const chunks: Array<Uint8Array> = []
        yield* Stream.runForEach(conn.read, (c) => Effect.sync(() => void chunks.push(c)))
        const closed = yield* Effect.exit(conn.closed)
        return { digest: sha256(chunks), size: chunks.reduce((n, c) => n + c.length, 0), closed }
      }).pipe(Effect.timeout("20 seconds"))
    )
    expect(requestSeen).toBe("send me everything after I close")
    expect(result.size).toBe(answer.bytes.length)
    expect(result.digest).toBe(answer.sha256)
    expect(Exit.isSuccess(result.closed)).toBe(true)
  })

  it("truncation: a FIN without close_notify fails the read with Truncated after the data; a clean close ends it", async () => {
    const outcome = async (end: (s: tls.TLSSocket) => void) => {
      const peer = await nodeTlsServer(fx.pki, (s) => {
        s.write("partial answer")
        setTimeout(() => end(s), 100)
      })
      cleanups.push(peer.close)
      return run(
        fx.services,
        Effect.gen(function* () {
          const conn = yield* NodeTls.connect({ host: "127.0.0.1", port: peer.port, config: { serverName: "localhost" } })
          const got: Array<Uint8Array> = []
          const exit = yield* Effect.exit(Stream.runForEach(conn.read, (c) => Effect.sync(() => void got.push(c))))
          return { text: Buffer.concat(got).toString(), exit }
        }).pipe(Effect.timeout("10 seconds"))
      )
    }
    // destroy(): the socket closes (FIN) and no close_notify is sent.
    const truncated = await outcome((s) => s.destroy())
    expect(truncated.text).toBe("partial answer")
    expect(Exit.isFailure(truncated.exit)).toBe(true)
    const error = Exit.isFailure(truncated.exit) ? Exit.findErrorOption(truncated.exit) : undefined
    expect(error?._tag).toBe("Some")
    const tlsError = error?._tag === "Some" ? error.value : undefined
    expect(tlsError?._tag).toBe("TlsError")
    expect(tlsError?.reason._tag).toBe("Truncated")
    expect(tlsError?.message).toMatch(/without close_notify/)
    // end(): close_notify, then FIN — a clean end of the read stream.
    const clean = await outcome((s) => s.end())
    expect(clean.text).toBe("partial answer")
    expect(Exit.isSuccess(clean.exit)).toBe(true)
  })
})
