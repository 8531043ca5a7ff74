/**
 * TLS over an already-open Effect `Socket` (`NodeTls.upgrade`), in either role, after a
 * plaintext exchange — a STARTTLS-like line protocol against `node:tls` peers: the
 * plaintext part uses the socket's reader and writer, then the same connection carries
 * TLS 1.3. A pipelined client (the ClientHello right behind the command, in the same
 * segment) works too: the bytes the line reader took past the command are handed over.
 */
import * as net from "node:net"
import * as tls from "node:tls"
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer"
import { needs } from "@effect-tls/test-support/peers"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import type * as Socket from "effect/socket/Socket"
import * as Stream from "effect/Stream"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as NodeTls from "../src/NodeTls.js"
import { type Fixture, makeFixture, run, text, utf8 } from "./runtime-fixtures.js"

/** Reads CRLF-terminated lines from a socket reader, keeping what follows the last line read. */
const lineReader = (reader: Socket.Reader) => {
  let buffered = new Uint8Array(0)
  const next: Effect.Effect<string, Socket.SocketError> = Effect.suspend(() => {
    const end = Buffer.from(buffered).indexOf("\r\n")
    if (end >= 0) {
      const line = text(buffered.subarray(0, end))
      buffered = buffered.subarray(end + 2)
      return Effect.succeed(line)
    }
    return Effect.flatMap(reader.pull, (chunks) => {
      buffered = Buffer.concat([buffered, ...chunks.map((c) => (typeof c === "string" ? Buffer.from(c) : c))])
      return next
    })
  })
  return { next, rest: () => buffered }
}

describe.skipIf(!needs("openssl"))("NodeTls.upgrade (STARTTLS)", () => {
  let fx: Fixture
  const cleanups: Array<() => Promise<void> | void> = []
  beforeAll(() => {
    fx = makeFixture("runtime-starttls")
  })
  afterAll(async () => {
    for (const c of cleanups) await c()
    fx.pki.cleanup()
  })

  it("client role: a plaintext greeting and STARTTLS, then TLS 1.3 over the same socket", async () => {
    const secured: Array<string> = []
    const server = net.createServer((raw) => {
      raw.write("220 plaintext greeting\r\n")
      let line = ""
      const onData = (d: Buffer) => {
        line += d.toString("latin1")
        if (!line.endsWith("\r\n")) return
        raw.off("data", onData)
        raw.pause()
        raw.write("220 go ahead\r\n")
        const secure = new tls.TLSSocket(raw, { isServer: true, secureContext: tls.createSecureContext({ key: fx.pki.ecdsa.keyPem, cert: fx.pki.ecdsa.certPem, minVersion: "TLSv1.3" }) })
        secure.on("secure", () => secured.push(`${line.trim()} -> ${secure.getProtocol()}`))
        secure.on("data", (b: Buffer) => secure.end(`over TLS: ${b.toString().toUpperCase()}`))
        secure.on("error", () => {})
      }
      raw.on("data", onData)
      raw.on("error", () => {})
    })
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()))
    cleanups.push(() => void server.close())
    const port = (server.address() as net.AddressInfo).port
    const result = await run(
      fx.services,
      Effect.gen(function* () {
        const socket = yield* NodeSocket.makeNet({ host: "127.0.0.1", port })
        const reader = yield* socket.reader
        const writer = yield* socket.writer
        const lines = lineReader(reader)
        const greeting = yield* lines.next
        yield* writer.write("STARTTLS\r\n")
        const goAhead = yield* lines.next
        const conn = yield* NodeTls.upgrade(socket, "client", { serverName: "localhost" }, {}, { reader, leftover: lines.rest() })
        yield* conn.write(utf8("hello"))
        const answer = text([...(yield* Stream.runCollect(conn.read))])
        return { greeting, goAhead, answer, version: conn.params.version }
      }).pipe(Effect.timeout("10 seconds"))
    )
    expect(result).toEqual({ greeting: "220 plaintext greeting", goAhead: "220 go ahead", answer: "over TLS: HELLO", version: 0x0304 })
    expect(secured).toEqual(["STARTTLS -> TLSv1.3"])
  })

  for (const pipelined of [false, true]) {
    it(`server role: our server upgrades after the command${pipelined ? ", with the ClientHello pipelined behind it" : ""}`, async () => {
      const result = await run(
        fx.services,
        Effect.gen(function* () {
          const served = yield* Deferred.make<string>()
          // Half-open sockets: the client's close_notify and FIN come before our answer.
          const server = yield* NodeSocketServer.make({ host: "127.0.0.1", port: 0, allowHalfOpen: true })
          yield* Effect.forkScoped(
            server.run((socket) =>
              Effect.scoped(
                Effect.gen(function* () {
                  const reader = yield* socket.reader
                  const writer = yield* socket.writer
                  yield* writer.write("220 plaintext greeting\r\n")
                  // A pipelining client's command and ClientHello are both here by the first read.
                  if (pipelined) yield* Effect.sleep("200 millis")
                  const lines = lineReader(reader)
                  const command = yield* lines.next
                  if (command === "STARTTLS") yield* writer.write("220 go ahead\r\n")
                  const conn = yield* NodeTls.upgrade(socket, "server", { certificates: [fx.credential] }, {}, { reader, leftover: lines.rest(), halfOpen: true })
                  yield* Stream.runForEach(conn.read, (c) => conn.write(utf8(`echo: ${text(c)}`)))
                  yield* conn.close
                  yield* Deferred.succeed(served, `${command}, leftover ${lines.rest().length > 0 ? "used" : "empty"}`)
                })
              ).pipe(Effect.catchCause((cause) => Deferred.failCause(served, cause as never)))
            )
          )
          const port = (server.address as { port: number }).port
          const answer = yield* Effect.promise(
            () =>
              new Promise<string>((resolve, reject) => {
                const raw = net.connect({ host: "127.0.0.1", port })
                raw.on("error", reject)
                let seen = ""
                const secure = () => {
                  raw.removeAllListeners("data")
                  const s = tls.connect({ socket: raw, servername: "localhost", ca: fx.pki.ca.certPem, minVersion: "TLSv1.3" }, () => s.end("ping"))
                  let got = ""
                  s.setEncoding("utf8")
                  s.on("data", (d: string) => void (got += d))
                  s.on("end", () => resolve(`${got} over ${s.getProtocol()}`))
                  s.on("error", reject)
                }
                raw.on("data", (d: Buffer) => {
                  seen += d.toString("latin1")
                  if (pipelined && seen.includes("greeting\r\n")) {
                    // The ClientHello follows the command without waiting for an answer.
                    raw.write("STARTTLS-NOW\r\n")
                    secure()
                  } else if (!pipelined && seen.includes("greeting\r\n") && !seen.includes("go ahead")) {
                    if (!seen.includes("sent")) {
                      seen += "sent"
                      raw.write("STARTTLS\r\n")
                    }
                  } else if (!pipelined && seen.includes("go ahead\r\n")) secure()
                })
              })
          )
          const how = yield* Deferred.await(served)
          return { answer, how }
        }).pipe(Effect.timeout("10 seconds"))
      )
      expect(result.answer).toBe("echo: ping over TLSv1.3")
      expect(result.how).toBe(pipelined ? "STARTTLS-NOW, leftover used" : "STARTTLS, leftover empty")
    })
  }
})
