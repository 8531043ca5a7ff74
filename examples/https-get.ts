/**
 * https-get: fetches a page over HTTPS with Node's own HTTP clients — `node:https` or
 * undici — running on effect-tls through its `Duplex` adapter (`NodeTls.createConnection`,
 * `NodeTls.undiciConnect`).
 *
 *   npm run --silent https-get -- --url https://127.0.0.1:8443/ --cafile ca.pem --servername localhost
 *   npm run --silent https-get -- --client undici --url https://localhost:8443/ --cafile ca.pem
 *   npm run --silent https-get                     # standalone: its own local node:https server
 *   npm run --silent https-get -- --openssl        # ... and a local `openssl s_server -www` too
 *
 * Without `--url` it starts a `node:https` server on 127.0.0.1 (port from the OS) with the
 * test certificate in `fixtures/` — trusted for that run — and fetches from it; with
 * `--openssl` it also starts `openssl s_server -www` with the same certificate and fetches
 * its status page. The response status line (and headers with `-i`) then the body go to
 * stdout; a summary line per fetch (`# ...`) goes to stderr. Exit status 0 when every
 * fetch returned 2xx. Certificate checks are effect-tls's own: against `--cafile` (or
 * Node's root certificates) and the server name.
 * Built on the public API of @effect-tls/core and @effect-tls/node only.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as https from "node:https"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { trusting, X509 } from "@effect-tls/core"
import { NodeTls, NodeTrust } from "@effect-tls/node"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Result from "effect/Result"
import { startTool, type Flag } from "./lib/cli.js"

const flags: ReadonlyArray<Flag> = [
  { name: "url", value: "url", help: "the page to fetch (default: start a local node:https server and fetch from it)" },
  { name: "cafile", value: "file", help: "PEM trust anchors (default: Node's root certificates; the fixture certificate when standalone)" },
  { name: "servername", value: "name", help: "SNI and the name the certificate must match (default: the URL's host, if a name)" },
  { name: "client", value: "https|undici", help: "the HTTP client that runs over effect-tls (default https)" },
  { name: "openssl", help: "standalone: also start `openssl s_server -www` and fetch its page" },
  { name: "i", help: "print the response headers too" },
  { name: "keylogfile", value: "file", help: "append the traffic secrets (NSS key log format)" },
  { name: "help", help: "this text" }
]

const { a, err, fail } = startTool("https-get", "HTTPS GET with node:https or undici running on effect-tls (the Duplex adapter).", flags)
const client = a.values.client ?? "https"
if (client !== "https" && client !== "undici") fail(`--client must be https or undici, not ${client}`)

const fixturePath = (name: string) => new URL(`./fixtures/${name}`, import.meta.url)
const fixtureCert = fs.readFileSync(fixturePath("server-cert.pem"), "utf8")
const fixtureKey = fs.readFileSync(fixturePath("server-key.pem"), "utf8")

interface Fetched {
  readonly status: number
  readonly statusLine: string
  readonly headers: ReadonlyArray<string>
  readonly body: Buffer
}

/** One GET through node:https, its socket an effect-tls Duplex. */
const viaHttps = (make: NodeTls.DuplexFactory, url: URL, servername: string | undefined): Promise<Fetched> =>
  new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: "GET",
        ...(servername !== undefined ? { servername } : {}),
        headers: { "user-agent": "effect-tls-https-get", connection: "close" },
        createConnection: NodeTls.createConnection(make) as never
      },
      (res) => {
        const chunks: Array<Buffer> = []
        res.on("data", (c: Buffer) => chunks.push(c))
        res.on("end", () => {
          const headers: Array<string> = []
          for (let i = 0; i < res.rawHeaders.length; i += 2) headers.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`)
          resolve({
            status: res.statusCode ?? 0,
            statusLine: `HTTP/${res.httpVersion} ${res.statusCode} ${res.statusMessage ?? ""}`.trimEnd(),
            headers,
            body: Buffer.concat(chunks)
          })
        })
        res.on("error", reject)
      }
    )
    req.on("error", reject)
    req.setTimeout(20_000, () => req.destroy(new Error("timed out after 20 s")))
    req.end()
  })

/** One GET through undici, its connections effect-tls Duplex streams. */
const viaUndici = async (make: NodeTls.DuplexFactory, url: URL, servername: string | undefined): Promise<Fetched> => {
  const undici = await import("undici")
  const connect = NodeTls.undiciConnect(make)
  const agent = new undici.Agent({
    connect: ((options: Parameters<typeof connect>[0], callback: Parameters<typeof connect>[1]) =>
      connect(servername !== undefined ? { ...options, servername } : options, callback)) as never
  })
  try {
    const res = await undici.request(url, { dispatcher: agent, headers: { "user-agent": "effect-tls-https-get" }, headersTimeout: 20_000, bodyTimeout: 20_000 })
    const body = Buffer.from(await res.body.arrayBuffer())
    const headers: Array<string> = []
    for (const [k, v] of Object.entries(res.headers)) headers.push(`${k}: ${Array.isArray(v) ? v.join(", ") : v}`)
    return { status: res.statusCode, statusLine: `HTTP ${res.statusCode}`, headers, body }
  } finally {
    await agent.close()
  }
}

/** A local node:https server with the fixture certificate. */
const startNodeServer = (): Promise<{ readonly url: URL; readonly close: () => Promise<void> }> =>
  new Promise((resolve) => {
    const server = https.createServer({ key: fixtureKey, cert: fixtureCert, minVersion: "TLSv1.3" }, (req, res) => {
      const tlsSocket = req.socket as import("node:tls").TLSSocket
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" })
      res.end(`<html><body><h1>Hello from node:https</h1><p>${req.method} ${req.url} over ${tlsSocket.getProtocol()} ${tlsSocket.getCipher().name}, user-agent ${req.headers["user-agent"]}</p></body></html>\n`)
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo
      resolve({
        url: new URL(`https://localhost:${port}/`),
        close: () => new Promise<void>((r) => void server.close(() => r()))
      })
    })
  })

/** A local `openssl s_server -www` with the fixture certificate, on a port from the OS. */
const startOpenssl = async (): Promise<{ readonly url: URL; readonly close: () => void }> => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "https-get-"))
  const certFile = path.join(dir, "cert.pem")
  const keyFile = path.join(dir, "key.pem")
  fs.writeFileSync(certFile, fixtureCert)
  fs.writeFileSync(keyFile, fixtureKey, { mode: 0o600 })
  const port = await new Promise<number>((resolve, reject) => {
    const probe = net.createServer()
    probe.once("error", reject)
    probe.listen(0, "127.0.0.1", () => {
      const p = (probe.address() as net.AddressInfo).port
      probe.close(() => resolve(p))
    })
  })
  const child = spawn("openssl", ["s_server", "-accept", `127.0.0.1:${port}`, "-cert", certFile, "-key", keyFile, "-tls1_3", "-www", "-quiet"], {
    stdio: ["ignore", "pipe", "pipe"],
    detached: true
  })
  const close = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL")
    } catch {
      // gone already
    }
    fs.rmSync(dir, { recursive: true, force: true })
  }
  process.once("exit", close)
  // Ready when it accepts a TCP connection (bounded: 5 s).
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: "127.0.0.1", port }, () => {
        s.destroy()
        resolve(true)
      })
      s.on("error", () => resolve(false))
    })
    if (up) return { url: new URL(`https://localhost:${port}/`), close }
    if (child.exitCode !== null) break
    await new Promise((r) => setTimeout(r, 50))
  }
  close()
  return fail("openssl s_server did not start")
}

const main = async () => {
  const targets: Array<{ readonly name: string; readonly url: URL }> = []
  const closers: Array<() => unknown> = []
  let cafile = a.values.cafile
  let anchorsPem: string | undefined = cafile === undefined ? undefined : fs.readFileSync(cafile, "utf8")
  if (a.values.url !== undefined) {
    let url: URL
    try {
      url = new URL(a.values.url)
    } catch {
      return fail(`bad --url ${a.values.url}`)
    }
    if (url.protocol !== "https:") return fail("--url must be https://")
    targets.push({ name: "server", url })
  } else {
    const node = await startNodeServer()
    closers.push(node.close)
    targets.push({ name: "local node:https", url: node.url })
    if (a.set.has("openssl")) {
      const openssl = await startOpenssl()
      closers.push(openssl.close)
      targets.push({ name: "local openssl s_server -www", url: openssl.url })
    }
    if (anchorsPem === undefined) {
      anchorsPem = fixtureCert
      cafile = "fixtures/server-cert.pem"
    }
  }

  const anchors = Effect.gen(function* () {
    if (anchorsPem === undefined) return (yield* NodeTrust.nodeRootCertificates).anchors
    const loaded = X509.loadTrustAnchors([anchorsPem])
    if (Result.isFailure(loaded)) return fail(`--cafile: ${loaded.failure.detail}`)
    return loaded.success
  })
  const base = NodeTls.layer({ keyLogFile: a.values.keylogfile })
  const factory = await Effect.runPromise(
    Effect.gen(function* () {
      const trust = yield* anchors
      return yield* NodeTls.duplexFactory().pipe(Effect.provide(Layer.merge(base, trusting({ anchors: trust }).pipe(Layer.provide(base)))))
    })
  )

  // Every connection the clients open, to report what it negotiated.
  const opened: Array<NodeTls.TlsDuplex> = []
  const make: NodeTls.DuplexFactory = (target) => {
    const socket = factory(target)
    opened.push(socket)
    return socket
  }

  let failures = 0
  for (const target of targets) {
    const host = target.url.hostname.replace(/^\[|\]$/g, "")
    const servername = a.values.servername ?? (net.isIP(host) === 0 ? host : undefined)
    try {
      const first = opened.length
      const res = await (client === "undici" ? viaUndici(make, target.url, servername) : viaHttps(make, target.url, servername))
      const protocols = [...new Set(opened.slice(first).map((s) => s.getProtocol() ?? "no handshake"))].join(", ")
      err(`# GET ${target.url.href} (${target.name}) via ${client} on effect-tls ${protocols}, trusting ${cafile ?? "Node's root certificates"}: ${res.status}, ${res.body.length} bytes`)
      process.stdout.write(`${res.statusLine}\n`)
      if (a.set.has("i")) process.stdout.write(`${res.headers.join("\n")}\n\n`)
      process.stdout.write(res.body)
      if (res.status < 200 || res.status > 299) failures++
    } catch (e) {
      failures++
      const reason = (e as { reason?: { _tag?: string } }).reason
      err(`# GET ${target.url.href} (${target.name}) via ${client} failed: ${e instanceof Error ? e.message : String(e)}${reason?._tag !== undefined ? ` [TlsError ${reason._tag}]` : ""}`)
    }
  }
  for (const close of closers) await close()
  process.exit(failures === 0 ? 0 : 1)
}

main().catch((e) => fail(e instanceof Error ? e.message : String(e)))
