/**
 * Acceptance 2 of the live runtime: with SSLKEYLOGFILE set (or `NodeTls.layer({ keyLogFile })`),
 * tshark decrypts a capture of our client talking to `openssl s_server -www` and shows the
 * HTTP request in clear. Two connections in one capture on loopback, each logging to its
 * own file: each key log reveals its own request and nothing else, and without a key log
 * tshark sees no HTTP at all.
 */
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { execFileSync } from "node:child_process"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Result from "effect/Result"
import { type Entropy, type TlsCrypto, trusting, X509 } from "@effect-tls/core"
import { NodeTls } from "@effect-tls/node"
import { needs } from "@effect-tls/test-support/peers"
import { makePki, type Pki } from "@effect-tls/test-support/pki"
import { killAll, spawnPeer, startServer, waitUntil } from "@effect-tls/test-support/processes"

/** One HTTP/1.0 GET for `uri` over our client with the given NodeTls layer; the page's first line. */
const get = (pki: Pki, port: number, uri: string, layer: Layer.Layer<TlsCrypto | Entropy>): Promise<string> => {
  const anchors = Result.getOrThrow(X509.loadTrustAnchors([pki.ca.certPem]))
  return Effect.runPromise(
    Effect.gen(function* () {
      const conn = yield* NodeTls.connect({ host: "127.0.0.1", port, config: { serverName: "localhost" } })
      yield* conn.write(new TextEncoder().encode(`GET ${uri} HTTP/1.0\r\nHost: localhost\r\n\r\n`))
      const page = Buffer.concat([...(yield* Stream.runCollect(conn.read))]).toString()
      return page.split("\r\n")[0]!
    }).pipe(Effect.scoped, Effect.timeout("10 seconds"), Effect.provide(Layer.merge(layer, trusting({ anchors }).pipe(Layer.provide(layer)))))
  )
}

/**
 * The HTTP requests tshark shows in `pcap` (TLS on `port`, which is not 443), decrypting
 * with `keylog` if given: "METHOD URI" lines.
 */
const httpRequests = (pcap: string, port: number, keylog?: string): ReadonlyArray<string> => {
  const out = execFileSync(
    "tshark",
    ["-r", pcap, "-d", `tcp.port==${port},tls`, ...(keylog ? ["-o", `tls.keylog_file:${keylog}`] : []), "-Y", "http.request", "-T", "fields", "-e", "http.request.method", "-e", "http.request.uri"],
    { encoding: "utf8", timeout: 30_000, stdio: ["ignore", "pipe", "ignore"] }
  )
  return out.split("\n").filter((l) => l.trim() !== "").map((l) => l.replace("\t", " "))
}

describe.skipIf(!needs("openssl", "tshark"))("SSLKEYLOGFILE: tshark decrypts our client's traffic", () => {
  let pki: Pki
  let dir: string
  beforeAll(() => {
    pki = makePki({ prefix: "keylog-tshark" })
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "keylog-tshark-"))
  })
  afterAll(async () => {
    await killAll()
    if (process.env.KEEP_CAPTURE === undefined) fs.rmSync(dir, { recursive: true, force: true })
    else process.stderr.write(`capture kept in ${dir}\n`)
    pki.cleanup()
  })

  it("a capture of two connections to openssl s_server -www: each key log reveals its own HTTP request", async () => {
    const { port } = await startServer(
      "openssl",
      (p) => ["s_server", "-accept", `127.0.0.1:${p}`, "-cert", pki.ecdsa.certPath, "-key", pki.ecdsa.keyPath, "-tls1_3", "-www"],
      { ready: /^ACCEPT$/m }
    )
    const pcap = path.join(dir, "capture.pcap")
    const envKeys = path.join(dir, "sslkeylogfile.txt")
    const optionKeys = path.join(dir, "option-keys.txt")
    // Bounded capture: at most 60 s, stopped as soon as both exchanges are done. `-P`
    // prints each packet as it is written, which tells when the capture is live.
    const tshark = spawnPeer("tshark", ["-i", "lo", "-f", `tcp port ${port}`, "-w", pcap, "-P", "-a", "duration:60", "-l"], { stdin: "ignore" })
    await tshark.waitFor(/Capturing on/, { timeoutMs: 15_000, stream: "stderr" })
    // A probe connection (a TCP connect and close, which s_server shrugs off): once tshark
    // shows its SYN, every later packet is captured.
    await waitUntil(
      "tshark to see a probe connection",
      () => {
        if (/\[SYN\]/.test(tshark.stdout())) return true
        const probe = net.connect({ host: "127.0.0.1", port }, () => probe.end())
        probe.on("error", () => {})
        return false
      },
      { timeoutMs: 15_000, intervalMs: 250 }
    )

    const probed = tshark.stdout().length
    const previous = process.env.SSLKEYLOGFILE
    process.env.SSLKEYLOGFILE = envKeys
    let viaEnv: Layer.Layer<TlsCrypto | Entropy>
    try {
      viaEnv = NodeTls.layer() // reads SSLKEYLOGFILE
    } finally {
      if (previous === undefined) delete process.env.SSLKEYLOGFILE
      else process.env.SSLKEYLOGFILE = previous
    }
    const first = await get(pki, port, "/via-sslkeylogfile", viaEnv)
    const second = await get(pki, port, "/via-keylogfile-option", NodeTls.layer({ keyLogFile: optionKeys }))
    expect(first).toBe("HTTP/1.0 200 ok")
    expect(second).toBe("HTTP/1.0 200 ok")

    // Both connections ended with FINs both ways; let tshark write them, then stop it.
    await waitUntil("tshark to write the last packets", () => (tshark.stdout().slice(probed).match(/\[FIN/g)?.length ?? 0) >= 4, { timeoutMs: 10_000 }).catch(
      () => undefined
    )
    await new Promise((r) => setTimeout(r, 250))
    await tshark.kill()
    expect(fs.statSync(pcap).size).toBeGreaterThan(0)

    const envLines = fs.readFileSync(envKeys, "utf8").trim().split("\n")
    expect(envLines.map((l) => l.split(" ")[0]).sort()).toEqual([
      "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
      "CLIENT_TRAFFIC_SECRET_0",
      "EXPORTER_SECRET",
      "SERVER_HANDSHAKE_TRAFFIC_SECRET",
      "SERVER_TRAFFIC_SECRET_0"
    ])
    expect(httpRequests(pcap, port)).toEqual([])
    expect(httpRequests(pcap, port, envKeys), tshark.stdout()).toEqual(["GET /via-sslkeylogfile"])
    expect(httpRequests(pcap, port, optionKeys)).toEqual(["GET /via-keylogfile-option"])
  })
})
