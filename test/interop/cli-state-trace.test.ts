/**
 * Trace fidelity of the command-line tools (issue 14, acceptance 1): against the same
 * `openssl s_server`, the `SSL_connect:` and `SSL3 alert` lines of our `s-client -state`
 * equal those of `openssl s_client -state` — for TLS 1.3, and for TLS 1.2 ECDHE-RSA with a
 * session ticket; and with the same `openssl s_client`, the `SSL_accept:` and `SSL3 alert`
 * lines of our `s-server -state` equal those of `openssl s_server -state`.
 *
 * The tools run as the README runs them (`tsx examples/s-client.ts`, which is what
 * `npm run --silent s-client` starts). Each client sends one GET to a `-www` server and
 * reads until the server closes, so both sides' close_notify lines are part of the trace.
 */
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { needs } from "@effect-tls/test-support/peers"
import { makePki, type Pki } from "@effect-tls/test-support/pki"
import { killAll, type Peer, spawnPeer, startServer } from "@effect-tls/test-support/processes"

const root = path.resolve(import.meta.dirname, "../..")
const tsx = path.join(root, "node_modules/.bin/tsx")
const GET = "GET / HTTP/1.0\r\n\r\n"

/** The lines of a -state trace that the tools must agree on. */
const stateLines = (output: string, role: "client" | "server") =>
  output
    .split(/\r?\n/)
    .filter((l) => (role === "client" ? /^(SSL_connect:|SSL3 alert)/ : /^(SSL_accept:|SSL3 alert)/).test(l))
    .filter((l) => !l.includes("SSL negotiation finished"))

/** Runs a client that sends a GET and keeps stdin open until it exits (the server closes first); its stderr, where -state writes. */
const runClient = async (command: string, args: ReadonlyArray<string>): Promise<string> => {
  const p = spawnPeer(command, args, { cwd: root })
  p.write(GET)
  const exited = await Promise.race([p.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20_000))])
  if (!exited) {
    await p.kill()
    throw new Error(`${command} ${args.join(" ")} did not exit within 20 s:\n${p.output()}`)
  }
  return p.stderr()
}

/** A server's stderr (its -state lines) after it has served one connection (`-naccept 1`). */
const served = async (server: Peer): Promise<string> => {
  const exited = await Promise.race([server.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20_000))])
  if (!exited) await server.kill()
  return server.stderr()
}

describe.skipIf(!needs("openssl"))("-state traces equal OpenSSL's", () => {
  let pki: Pki
  beforeAll(() => {
    pki = makePki({ prefix: "state-trace" })
  })
  afterAll(async () => {
    await killAll()
    pki.cleanup()
  })

  const versions = [
    { name: "TLS 1.3 (ECDSA)", flag: "-tls1_3", leaf: () => pki.ecdsa, extra: [] as ReadonlyArray<string> },
    { name: "TLS 1.2 ECDHE-RSA with a session ticket", flag: "-tls1_2", leaf: () => pki.rsa, extra: ["-cipher", "ECDHE-RSA-AES128-GCM-SHA256"] }
  ]

  for (const v of versions) {
    it(`${v.name}: our s-client's SSL_connect: lines against openssl s_server`, async () => {
      const { peer, port } = await startServer(
        "openssl",
        (p) => ["s_server", "-accept", `127.0.0.1:${p}`, "-cert", v.leaf().certPath, "-key", v.leaf().keyPath, v.flag, "-www"],
        { ready: /^ACCEPT$/m }
      )
      const common = ["-connect", `127.0.0.1:${port}`, "-CAfile", pki.ca.certPath, "-servername", "localhost", v.flag, ...v.extra, "-state"]
      const want = stateLines(await runClient("openssl", ["s_client", ...common]), "client")
      const got = stateLines(await runClient(tsx, ["examples/s-client.ts", ...common]), "client")
      await peer.kill()
      expect(want.length).toBeGreaterThan(5)
      if (v.flag === "-tls1_2") expect(want).toContain("SSL_connect:SSLv3/TLS read server session ticket")
      expect(got).toEqual(want)
    })

    it(`${v.name}: our s-server's SSL_accept: lines with openssl s_client`, async () => {
      const serverArgs = (p: number) => ["-accept", `127.0.0.1:${p}`, "-cert", v.leaf().certPath, "-key", v.leaf().keyPath, v.flag, "-www", "-state", "-naccept", "1"]
      const clientArgs = (p: number) => ["s_client", "-connect", `127.0.0.1:${p}`, "-CAfile", pki.ca.certPath, "-servername", "localhost", v.flag, ...v.extra]
      const theirs = await startServer("openssl", (p) => ["s_server", ...serverArgs(p)], { ready: /^ACCEPT$/m })
      await runClient("openssl", clientArgs(theirs.port))
      const want = stateLines(await served(theirs.peer), "server")
      const ours = await startServer(tsx, (p) => ["examples/s-server.ts", ...serverArgs(p)], { ready: /^ACCEPT/m, cwd: root, timeoutMs: 20_000 })
      await runClient("openssl", clientArgs(ours.port))
      const got = stateLines(await served(ours.peer), "server")
      expect(want.length).toBeGreaterThan(5)
      expect(got).toEqual(want)
    })
  }
})
