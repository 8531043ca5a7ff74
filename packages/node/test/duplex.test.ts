/**
 * The Node `Duplex` adapter against a local `node:https` server (TLS 1.3, certificates
 * made at test time): `https.request({ createConnection })`, an `https.Agent` that pools
 * effect-tls connections, undici's `connect` option, a large response and upload checked
 * by SHA-256 (backpressure through the stream), and a certificate failure surfacing as the
 * request's `error` with the `TlsError` and its reason.
 */
import * as crypto from "node:crypto"
import * as https from "node:https"
import type * as net from "node:net"
import { needs } from "@effect-tls/test-support/peers"
import type { TlsError } from "@effect-tls/core"
import * as Effect from "effect/Effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as NodeTls from "../src/NodeTls.js"
import { eventually, type Fixture, makeFixture, payload, sha256, tcpServer } from "./runtime-fixtures.js"

const MiB = 1 << 20

interface Response {
  readonly status: number
  readonly body: Buffer
  readonly headers: Record<string, unknown>
}

const request = (options: https.RequestOptions, body?: Uint8Array): Promise<Response> =>
  new Promise((resolve, reject) => {
    const req = https.request(options, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (c: Buffer) => chunks.push(c))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }))
      res.on("error", reject)
    })
    req.on("error", reject)
    req.setTimeout(20_000, () => req.destroy(new Error("request timed out")))
    req.end(body)
  })

describe.skipIf(!needs("openssl"))("NodeTls Duplex adapter with node:https and undici", () => {
  let fx: Fixture
  let server: https.Server
  let port = 0
  let make: NodeTls.DuplexFactory
  let distrusted: NodeTls.DuplexFactory
  const big = payload(8 * MiB)
  const sockets = new Set<net.Socket>()
  let accepted = 0
  const tlsVersions: Array<string> = []

  beforeAll(async () => {
    fx = makeFixture("duplex")
    server = https.createServer({ key: fx.pki.ecdsa.keyPem, cert: fx.pki.ecdsa.certPem, minVersion: "TLSv1.3" }, (req, res) => {
      tlsVersions.push((req.socket as import("node:tls").TLSSocket).getProtocol() ?? "?")
      if (req.url === "/big") {
        res.writeHead(200, { "content-type": "application/octet-stream", "x-sha256": big.sha256 })
        res.end(big.bytes)
        return
      }
      const h = crypto.createHash("sha256")
      let n = 0
      req.on("data", (c: Buffer) => {
        h.update(c)
        n += c.length
      })
      req.on("end", () => {
        res.writeHead(200, { "content-type": "text/plain" })
        res.end(`hello ${req.method} ${req.url} (${n} bytes, ${h.digest("hex")})`)
      })
    })
    server.on("connection", (s: net.Socket) => {
      sockets.add(s)
      accepted++
      s.on("close", () => sockets.delete(s))
    })
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()))
    port = (server.address() as net.AddressInfo).port
    make = await Effect.runPromise(NodeTls.duplexFactory().pipe(Effect.provide(fx.services)))
    distrusted = await Effect.runPromise(NodeTls.duplexFactory().pipe(Effect.provide(fx.distrusting)))
  })
  afterAll(async () => {
    for (const s of sockets) s.destroy()
    await new Promise<void>((r) => server.close(() => r()))
    fx.pki.cleanup()
  })

  it("https.request({ createConnection }) fetches a page over effect-tls", async () => {
    const before = tlsVersions.length
    const res = await request({ host: "127.0.0.1", port, servername: "localhost", path: "/hello", createConnection: NodeTls.createConnection(make) as never })
    expect(res.status).toBe(200)
    expect(res.body.toString()).toBe(`hello GET /hello (0 bytes, ${sha256(new Uint8Array(0))})`)
    expect(tlsVersions.slice(before)).toEqual(["TLSv1.3"])
  })

  it("NodeTls.duplex (services from a Layer) works as createConnection too", async () => {
    const res = await request({
      host: "127.0.0.1",
      port,
      path: "/duplex",
      createConnection: (() => NodeTls.duplex({ host: "127.0.0.1", port, config: { serverName: "localhost" }, layer: fx.services })) as never
    })
    expect(res.body.toString()).toMatch(/^hello GET \/duplex/)
  })

  it("8 MiB down and 8 MiB up through the stream arrive intact (SHA-256)", async () => {
    const down = await request({ host: "127.0.0.1", port, servername: "localhost", path: "/big", createConnection: NodeTls.createConnection(make) as never })
    expect(down.body.length).toBe(big.bytes.length)
    expect(sha256(down.body)).toBe(big.sha256)
    const up = payload(8 * MiB)
    const res = await request(
      { host: "127.0.0.1", port, servername: "localhost", method: "POST", path: "/upload", createConnection: NodeTls.createConnection(make) as never },
      up.bytes
    )
    expect(res.body.toString()).toBe(`hello POST /upload (${up.bytes.length} bytes, ${up.sha256})`)
  })

  it("an https.Agent with keep-alive reuses one effect-tls connection for several requests", async () => {
    const agent = NodeTls.httpsAgent(make, { keepAlive: true, maxSockets: 1 })
    const before = accepted
    try {
      const bodies: Array<string> = []
      for (let i = 0; i < 3; i++) {
        const res = await request({ host: "127.0.0.1", port, servername: "localhost", path: `/agent/${i}`, agent })
        bodies.push(res.body.toString())
      }
      expect(bodies.map((b) => b.split(" (")[0])).toEqual(["hello GET /agent/0", "hello GET /agent/1", "hello GET /agent/2"])
      expect(accepted - before).toBe(1)
    } finally {
      agent.destroy()
    }
  })

  it("undici's connect option: a request through an undici Agent", async () => {
    const undici = await import("undici")
    const agent = new undici.Agent({ connect: NodeTls.undiciConnect(make) as never })
    try {
      const res = await undici.request(`https://localhost:${port}/undici`, { dispatcher: agent })
      expect(res.statusCode).toBe(200)
      expect(await res.body.text()).toMatch(/^hello GET \/undici/)
      const big1 = await undici.request(`https://localhost:${port}/big`, { dispatcher: agent })
      expect(sha256(new Uint8Array(await big1.body.arrayBuffer()))).toBe(big.sha256)
    } finally {
      await agent.close()
    }
  })

  it("a certificate failure is the request's error: the TlsError with its reason", async () => {
    const error = await request({ host: "127.0.0.1", port, servername: "localhost", path: "/", createConnection: NodeTls.createConnection(distrusted) as never }).then(
      () => undefined,
      (e: unknown) => e
    )
    expect((error as TlsError)._tag).toBe("TlsError")
    expect((error as TlsError).reason._tag).toBe("CertificateRejected")
  })

  it("destroying the stream mid-handshake releases the socket", async () => {
    const silent = await tcpServer()
    try {
      const stream = make({ host: "127.0.0.1", port: silent.port, serverName: "localhost" })
      const errors: Array<Error> = []
      stream.on("error", (e) => void errors.push(e))
      await eventually("the ClientHello", () => (silent.connections[0]?.received() ?? 0) > 0)
      expect(stream.connecting).toBe(true)
      const destroyedAt = Date.now()
      stream.destroy()
      await eventually("the peer sees the socket close", () => silent.connections[0]!.closedAt() !== undefined, 1_000)
      expect(silent.connections[0]!.closedAt()! - destroyedAt).toBeLessThan(1_000)
      expect(errors).toEqual([])
    } finally {
      await silent.close()
    }
  })
})
