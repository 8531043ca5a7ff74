/**
 * effect-composition: effect-tls as an ordinary citizen of an Effect program.
 *
 *   npm run --silent effect-composition
 *
 * Against servers it starts itself on 127.0.0.1 (a `node:https` server with the test
 * certificate in `fixtures/`, and a TCP server that accepts and never answers), the
 * program:
 *
 * 1. acquires a connection in a `Scope` (closed — close_notify, socket released — when
 *    the scope ends) and talks HTTP over it;
 * 2. wraps a handshake in `Effect.timeout`;
 * 3. interrupts a second handshake midway (the silent server got our ClientHello): the
 *    socket is released, and the server sees it close;
 * 4. recovers a certificate failure (a server name the certificate does not carry) with
 *    `Effect.catchTag("TlsError", …)`, deciding on its `reason`;
 * 5. performs an HTTP GET through Effect's `HttpClient` (`NodeHttpClient`) running over
 *    effect-tls: its `https.Agent` makes effect-tls connections (`NodeTls.httpsAgent`).
 *
 * It prints one line per step and exits 0 when all five behaved as described.
 * Built on the public API of @effect-tls/core and @effect-tls/node only.
 */
import * as fs from "node:fs"
import * as http from "node:http"
import * as https from "node:https"
import * as net from "node:net"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { trusting, X509 } from "@effect-tls/core"
import { NodeTls } from "@effect-tls/node"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as HttpClient from "effect/http/HttpClient"
import * as Layer from "effect/Layer"
import * as Result from "effect/Result"
import * as Stream from "effect/Stream"

const fixture = (name: string) => fs.readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8")
const cert = fixture("server-cert.pem")
const key = fixture("server-key.pem")

const out = (line: string) => process.stdout.write(`${line}\n`)

/** A local node:https server (TLS 1.3) with the fixture certificate, for the program's lifetime. */
const httpsServer = Effect.acquireRelease(
  Effect.callback<{ readonly server: https.Server; readonly port: number }>((resume) => {
    const server = https.createServer({ key, cert, minVersion: "TLSv1.3" }, (req, res) => {
      res.writeHead(200, { "content-type": "text/plain", connection: "close" })
      res.end(`hello from node:https, ${req.method} ${req.url}`)
    })
    server.listen(0, "127.0.0.1", () => resume(Effect.succeed({ server, port: (server.address() as net.AddressInfo).port })))
  }),
  ({ server }) => Effect.callback<void>((resume) => void server.close(() => resume(Effect.void)))
)

/** A TCP server that accepts, reads and never answers; it reports when a connection closes. */
const silentServer = Effect.acquireRelease(
  Effect.callback<{ readonly server: net.Server; readonly port: number; readonly events: { received: number; closedAt?: number } }>((resume) => {
    const events: { received: number; closedAt?: number } = { received: 0 }
    const server = net.createServer((socket) => {
      socket.on("data", (b) => void (events.received += b.length))
      socket.on("error", () => {})
      socket.on("close", () => void (events.closedAt = Date.now()))
    })
    server.listen(0, "127.0.0.1", () => resume(Effect.succeed({ server, port: (server.address() as net.AddressInfo).port, events })))
  }),
  ({ server }) => Effect.callback<void>((resume) => void server.close(() => resume(Effect.void)))
)

const waitFor = (what: string, check: () => boolean) =>
  Effect.gen(function* () {
    for (let i = 0; i < 500 && !check(); i++) yield* Effect.sleep("10 millis")
    if (!check()) return yield* Effect.fail(new Error(`timed out waiting for ${what}`))
  })

const program = Effect.gen(function* () {
  const { port } = yield* httpsServer
  const silent = yield* silentServer

  // 1. A connection acquired in a Scope: the scope's end closes it.
  const page = yield* Effect.scoped(
    Effect.gen(function* () {
      const conn = yield* NodeTls.connect({ host: "127.0.0.1", port, config: { serverName: "localhost" } })
      yield* conn.write(new TextEncoder().encode("GET /scoped HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"))
      const bytes = yield* Stream.runCollect(conn.read)
      return { status: new TextDecoder().decode(Buffer.concat([...bytes])).split("\r\n")[0], params: conn.params }
    })
  )
  out(`1. scoped connection: ${page.status} (TLS 1.3 suite 0x${page.params.cipherSuite.toString(16)}, released with its scope)`)

  // 2. A handshake under Effect.timeout.
  const started = Date.now()
  const timed = yield* Effect.scoped(NodeTls.connect({ host: "127.0.0.1", port, config: { serverName: "localhost" } }).pipe(Effect.timeout("2 seconds")))
  out(`2. handshake under Effect.timeout(2 seconds): completed in ${Date.now() - started} ms, ALPN ${timed.params.alpn ?? "none"}`)

  // 3. A second handshake, interrupted midway: the silent server got our ClientHello and
  //    never answers; interrupting the fiber closes the connection's scope and the socket.
  const fiber = yield* Effect.forkChild(Effect.scoped(NodeTls.connect({ host: "127.0.0.1", port: silent.port, config: { serverName: "localhost" } })))
  yield* waitFor("the ClientHello", () => silent.events.received > 0)
  const interruptedAt = Date.now()
  yield* Fiber.interrupt(fiber)
  yield* waitFor("the silent server to see the socket close", () => silent.events.closedAt !== undefined)
  out(`3. second handshake interrupted after its ClientHello (${silent.events.received} bytes): socket released, the peer saw it close after ${silent.events.closedAt! - interruptedAt} ms`)

  // 4. A certificate failure, recovered on its reason.
  const recovered = yield* Effect.scoped(
    NodeTls.connect({ host: "127.0.0.1", port, config: { serverName: "wrong.example" } }).pipe(
      Effect.map(() => "connected (unexpected)"),
      Effect.catchTag("TlsError", (error) =>
        error.reason._tag === "CertificateRejected"
          ? Effect.succeed(`recovered: ${error.reason._tag} (alert ${error.reason.alert}): ${error.reason.detail}`)
          : Effect.fail(error)
      )
    )
  )
  out(`4. certificate failure ${recovered}`)

  // 5. Effect's HttpClient over effect-tls: NodeHttpClient with an https.Agent whose
  //    connections are effect-tls Duplex streams.
  const make = yield* NodeTls.duplexFactory()
  const agents = Layer.succeed(NodeHttpClient.HttpAgent)({ http: new http.Agent(), https: NodeTls.httpsAgent(make) })
  const response = yield* HttpClient.get(`https://localhost:${port}/effect-http-client`).pipe(
    Effect.flatMap((res) => Effect.map(res.text, (body) => ({ status: res.status, body }))),
    Effect.provide(NodeHttpClient.layerNodeHttpNoAgent.pipe(Layer.provide(agents))),
    Effect.timeout(Duration.seconds(10))
  )
  out(`5. HttpClient GET over effect-tls: ${response.status} "${response.body}"`)

  const ok =
    page.status === "HTTP/1.1 200 OK" &&
    recovered.startsWith("recovered: CertificateRejected") &&
    response.status === 200 &&
    response.body === "hello from node:https, GET /effect-http-client"
  out(ok ? "all five steps behaved as expected" : "UNEXPECTED: see above")
  return ok
})

const anchors = Result.getOrThrow(X509.loadTrustAnchors([cert]))
const base = NodeTls.layer()
const services = Layer.merge(base, trusting({ anchors }).pipe(Layer.provide(base)))

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(services))).then(
  (ok) => process.exit(ok ? 0 : 1),
  (error) => {
    process.stderr.write(`effect-composition: ${String(error)}\n`)
    process.exit(1)
  }
)
