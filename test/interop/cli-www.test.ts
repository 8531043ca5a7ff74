/**
 * The status page both ways (issue 14, acceptance 3): `openssl s_client` and `gnutls-cli`
 * fetch our `s-server -www`'s page; our `s-client` fetches `openssl s_server -www`'s and
 * `gnutls-serv --http`'s. The tools run as the README runs them (`tsx examples/…`).
 */
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { needs } from "@effect-tls/test-support/peers"
import { makePki, type Pki } from "@effect-tls/test-support/pki"
import { killAll, type Peer, spawnPeer, startServer } from "@effect-tls/test-support/processes"

const root = path.resolve(import.meta.dirname, "../..")
const tsx = path.join(root, "node_modules/.bin/tsx")
const GET = "GET / HTTP/1.0\r\n\r\n"

/** Waits (at most 20 s) for a client to exit, or kills it; its output. */
const finish = async (p: Peer) => {
  const exited = await Promise.race([p.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20_000))])
  if (!exited) await p.kill()
  return p.output()
}
const fetchWith = (command: string, args: ReadonlyArray<string>) => {
  const p = spawnPeer(command, args, { cwd: root })
  p.write(GET)
  return finish(p)
}

describe.skipIf(!needs("openssl", "gnutls-serv", "gnutls-cli"))("-www status pages", () => {
  let pki: Pki
  beforeAll(() => {
    pki = makePki({ prefix: "cli-www" })
  })
  afterAll(async () => {
    await killAll()
    pki.cleanup()
  })

  const ourServer = () =>
    startServer(tsx, (p) => ["examples/s-server.ts", "-accept", `127.0.0.1:${p}`, "-cert", pki.ecdsa.certPath, "-key", pki.ecdsa.keyPath, "-www", "-naccept", "1"], {
      ready: /^ACCEPT/m,
      cwd: root,
      timeoutMs: 20_000
    })

  it("openssl s_client gets our s-server -www's page", async () => {
    const { peer, port } = await ourServer()
    const out = await fetchWith("openssl", ["s_client", "-connect", `127.0.0.1:${port}`, "-CAfile", pki.ca.certPath, "-servername", "localhost", "-verify_return_error"])
    await peer.kill()
    expect(out).toContain("HTTP/1.0 200 ok")
    expect(out).toContain("Verify return code: 0 (ok)")
  })

  it("gnutls-cli gets our s-server -www's page", async () => {
    const { peer, port } = await ourServer()
    const out = await fetchWith("gnutls-cli", ["-p", String(port), "127.0.0.1", "--x509cafile", pki.ca.certPath, "--verify-hostname", "localhost"])
    await peer.kill()
    expect(out).toContain("HTTP/1.0 200 ok")
    expect(out).toMatch(/- Description: \(TLS1\.3/)
  })

  it("our s-client gets openssl s_server -www's page", async () => {
    const { peer, port } = await startServer("openssl", (p) => ["s_server", "-accept", `127.0.0.1:${p}`, "-cert", pki.rsa.certPath, "-key", pki.rsa.keyPath, "-www"], {
      ready: /^ACCEPT$/m
    })
    const out = await fetchWith(tsx, ["examples/s-client.ts", "-connect", `127.0.0.1:${port}`, "-CAfile", pki.ca.certPath, "-servername", "localhost"])
    await peer.kill()
    expect(out).toContain("HTTP/1.0 200 ok")
    expect(out).toContain("Verify return code: 0 (ok)")
  })

  it("our s-client gets gnutls-serv --http's page", async () => {
    const { peer, port } = await startServer(
      "stdbuf",
      (p) => ["-o0", "gnutls-serv", "-p", String(p), "--x509certfile", pki.ecdsa.certPath, "--x509keyfile", pki.ecdsa.keyPath, "--http"],
      { ready: /listening on IPv4 .* port \d+\.\.\.done/ }
    )
    const out = await fetchWith(tsx, ["examples/s-client.ts", "-connect", `127.0.0.1:${port}`, "-CAfile", pki.ca.certPath, "-servername", "localhost"])
    await peer.kill()
    expect(out).toMatch(/HTTP\/1\.0 200 OK/)
    expect(out).toContain("GnuTLS")
  })
})
