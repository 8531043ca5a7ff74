/**
 * Acceptance 6 of the live runtime: the `https-get` example fetches a page through
 * `node:https` and through undici, both running on effect-tls via its Duplex adapter,
 * from a local `node:https` server and from a local `openssl s_server -www` (certificates
 * made at test time, checked by effect-tls against `--cafile` and the server name); run
 * standalone it serves and fetches its own pages; an untrusted server fails it with the
 * `TlsError`'s reason.
 */
import * as https from "node:https"
import type * as net from "node:net"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { needs } from "@effect-tls/test-support/peers"
import { makePki, type Pki } from "@effect-tls/test-support/pki"
import { killAll, spawnPeer, startServer } from "@effect-tls/test-support/processes"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..")

/** Runs the example (`npm run --silent https-get -- ARGS`) to its end, within 30 s. */
const httpsGet = async (args: ReadonlyArray<string>) => {
  const peer = spawnPeer(process.execPath, ["--import", "tsx", path.join(root, "examples/https-get.ts"), ...args], { cwd: root, stdin: "ignore", name: "https-get" })
  const timer = setTimeout(() => void peer.kill(), 30_000)
  const exit = await peer.exited
  clearTimeout(timer)
  return { code: exit.code, stdout: peer.stdout(), stderr: peer.stderr() }
}

describe.skipIf(!needs("openssl"))("examples/https-get", () => {
  let pki: Pki
  let server: https.Server
  let nodePort = 0
  let opensslPort = 0
  beforeAll(async () => {
    pki = makePki({ prefix: "https-get" })
    server = https.createServer({ key: pki.ecdsa.keyPem, cert: pki.ecdsa.certPem, minVersion: "TLSv1.3" }, (req, res) => {
      res.writeHead(200, { "content-type": "text/plain", "x-tls": (req.socket as import("node:tls").TLSSocket).getProtocol() ?? "?" })
      res.end(`page from node:https for ${req.url}\n`)
    })
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()))
    nodePort = (server.address() as net.AddressInfo).port
    const openssl = await startServer(
      "openssl",
      (p) => ["s_server", "-accept", `127.0.0.1:${p}`, "-cert", pki.ecdsa.certPath, "-key", pki.ecdsa.keyPath, "-tls1_3", "-www"],
      { ready: /^ACCEPT$/m }
    )
    opensslPort = openssl.port
  })
  afterAll(async () => {
    await killAll()
    await new Promise<void>((r) => server.close(() => r()))
    pki.cleanup()
  })

  for (const client of ["https", "undici"] as const) {
    it(`through ${client}: a local node:https server's page, trusted by --cafile`, async () => {
      const r = await httpsGet(["--url", `https://127.0.0.1:${nodePort}/hello`, "--cafile", pki.ca.certPath, "--servername", "localhost", "--client", client, "-i"])
      expect(r.stderr).toMatch(new RegExp(`# GET https://127\\.0\\.0\\.1:${nodePort}/hello \\(server\\) via ${client} on effect-tls TLSv1\\.3`))
      expect(r.stdout).toMatch(/x-tls: TLSv1\.3/i)
      expect(r.stdout).toContain("page from node:https for /hello")
      expect(r.code).toBe(0)
    })

    it(`through ${client}: openssl s_server -www's status page`, async () => {
      const r = await httpsGet(["--url", `https://localhost:${opensslPort}/`, "--cafile", pki.ca.certPath, "--client", client])
      expect(r.stderr).toMatch(new RegExp(`via ${client} on effect-tls TLSv1\\.3.*: 200`))
      expect(r.stdout).toMatch(/^HTTP(\/1\.0)? 200/m)
      expect(r.stdout).toContain("s_server -accept")
      expect(r.stdout).toMatch(/New, TLSv1\.3, Cipher is TLS_AES_128_GCM_SHA256/)
      expect(r.code).toBe(0)
    })
  }

  it("standalone (no --url): its own node:https server and openssl s_server -www, both fetched", async () => {
    const r = await httpsGet(["--openssl"])
    expect(r.stdout).toContain("Hello from node:https")
    expect(r.stdout).toContain("s_server -accept")
    expect(r.stderr.match(/: 200, \d+ bytes/g)?.length).toBe(2)
    expect(r.code).toBe(0)
  })

  it("a server certificate the trust anchors do not cover fails the fetch with the TlsError's reason", async () => {
    const r = await httpsGet(["--url", `https://localhost:${nodePort}/`, "--cafile", path.join(root, "examples/fixtures/server-cert.pem")])
    expect(r.stderr).toMatch(/failed: .*\[TlsError CertificateRejected\]/)
    expect(r.code).toBe(1)
  })
})
