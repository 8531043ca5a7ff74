/**
 * Acceptance 5 of the live runtime: a server built on effect-tls serves 200 concurrent
 * TLS 1.3 connections from `node:tls` clients, each echoing 1 MiB, without an error and
 * within a bounded time. The clients run in a child process (the machine's second core),
 * all connecting at once; each checks its echo by SHA-256 and what it negotiated.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Result from "effect/Result"
import * as Stream from "effect/Stream"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { ChainVerifier, loadPrivateKey, type TlsError } from "@effect-tls/core"
import { NodeTls } from "@effect-tls/node"
import { needs } from "@effect-tls/test-support/peers"
import { makePki, type Pki } from "@effect-tls/test-support/pki"
import { killAll, spawnPeer } from "@effect-tls/test-support/processes"

const CONNECTIONS = 200
const BYTES = 1 << 20
const BOUND_MS = 90_000

/** The client side, run by a separate Node process: N node:tls clients at once, each echoing BYTES. */
const clientScript = `
const tls = require("node:tls"), crypto = require("node:crypto"), fs = require("node:fs")
const [port, n, bytes, caPath] = [Number(process.argv[2]), Number(process.argv[3]), Number(process.argv[4]), process.argv[5]]
const ca = fs.readFileSync(caPath, "utf8")
const one = (i) => new Promise((resolve) => {
  const data = crypto.randomBytes(bytes)
  const want = crypto.createHash("sha256").update(data).digest("hex")
  const got = crypto.createHash("sha256")
  let received = 0
  const s = tls.connect({ host: "127.0.0.1", port, servername: "localhost", ca, minVersion: "TLSv1.3" }, () => s.end(data))
  s.on("data", (b) => { received += b.length; got.update(b) })
  s.on("end", () => resolve({ i, ok: received === bytes && got.digest("hex") === want, received, protocol: s.getProtocol(), cipher: s.getCipher()?.name }))
  s.on("error", (e) => resolve({ i, ok: false, received, error: e.message }))
})
const started = Date.now()
Promise.all(Array.from({ length: n }, (_, i) => one(i))).then((results) => {
  const failed = results.filter((r) => !r.ok)
  process.stdout.write(JSON.stringify({ ms: Date.now() - started, ok: results.length - failed.length, failed: failed.slice(0, 5), protocols: [...new Set(results.map((r) => r.protocol))], ciphers: [...new Set(results.map((r) => r.cipher))] }) + "\\n")
})
`

describe.skipIf(!needs("openssl"))(`effect-tls server under ${CONNECTIONS} concurrent node:tls clients`, () => {
  let pki: Pki
  let dir: string
  beforeAll(() => {
    pki = makePki({ prefix: "runtime-concurrency" })
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "runtime-concurrency-"))
    fs.writeFileSync(path.join(dir, "clients.cjs"), clientScript)
  })
  afterAll(async () => {
    await killAll()
    fs.rmSync(dir, { recursive: true, force: true })
    pki.cleanup()
  })

  it(`serves ${CONNECTIONS} connections each echoing 1 MiB, without an error, within ${BOUND_MS / 1000} s`, async () => {
    const key = Result.getOrThrow(loadPrivateKey(pki.ecdsa.keyPem))
    const errors: Array<TlsError | unknown> = []
    let served = 0
    let concurrent = 0
    let peak = 0
    const started = Date.now()
    const report = await Effect.runPromise(
      Effect.gen(function* () {
        const server = yield* NodeTls.serve({
          port: 0,
          config: { certificates: [{ chain: [pki.ecdsa.certDer], key }] },
          handler: (conn) =>
            Effect.gen(function* () {
              peak = Math.max(peak, ++concurrent)
              yield* Stream.runForEach(conn.read, (chunk) => conn.write(chunk))
              yield* conn.close
              served++
            }).pipe(Effect.ensuring(Effect.sync(() => void concurrent--))),
          onError: (e) => Effect.sync(() => void errors.push(e))
        })
        yield* Effect.forkScoped(server.run)
        const clients = spawnPeer(process.execPath, [path.join(dir, "clients.cjs"), String(server.port), String(CONNECTIONS), String(BYTES), pki.ca.certPath], {
          stdin: "ignore",
          name: "node:tls clients"
        })
        const line = yield* Effect.promise(() => clients.waitFor(/^\{.*\}$/m, { timeoutMs: BOUND_MS, stream: "stdout" }))
        return JSON.parse(line[0]) as { ms: number; ok: number; failed: Array<unknown>; protocols: Array<string>; ciphers: Array<string> }
      }).pipe(Effect.scoped, Effect.provide(Layer.mergeAll(NodeTls.layer(), ChainVerifier.insecureAcceptAnything)))
    )
    const elapsed = Date.now() - started
    process.stderr.write(`\n${CONNECTIONS} connections x 1 MiB echoed in ${elapsed} ms (clients' view ${report.ms} ms), peak ${peak} concurrent handlers\n`)
    expect(report.failed).toEqual([])
    expect(report.ok).toBe(CONNECTIONS)
    expect(report.protocols).toEqual(["TLSv1.3"])
    expect(errors).toEqual([])
    expect(served).toBe(CONNECTIONS)
    // Handlers overlap (how many at once depends on the machine's load: handshakes queue
    // for the CPU); every client connected at once.
    expect(peak).toBeGreaterThanOrEqual(10)
    expect(elapsed).toBeLessThan(BOUND_MS)
  }, BOUND_MS + 30_000)
})

