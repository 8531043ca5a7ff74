/**
 * The `depth=` / `verify return:` lines of our `s-client` for a 3-certificate chain (root,
 * intermediate, leaf) equal `openssl s_client`'s, in order (issue 14, acceptance 2). The
 * chain is made here with the openssl command line; `openssl s_server` sends the leaf and
 * the intermediate, and both clients trust the root only.
 */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { needs } from "@effect-tls/test-support/peers"
import { killAll, spawnPeer, startServer } from "@effect-tls/test-support/processes"

const root = path.resolve(import.meta.dirname, "../..")
const tsx = path.join(root, "node_modules/.bin/tsx")

/** Root → intermediate → leaf (P-256), with the extensions a verifier needs. */
const makeChain = (dir: string) => {
  const ssl = (...args: ReadonlyArray<string>) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe", timeout: 20_000 })
  const ext = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text)
  ext("ca.ext", "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n")
  ext("leaf.ext", "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\nauthorityKeyIdentifier=keyid\n")
  const key = (name: string) => ssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", `${name}.key`)
  key("root")
  ssl("req", "-x509", "-new", "-key", "root.key", "-out", "root.crt", "-days", "2", "-subj", "/C=XX/O=effect-tls tests/CN=Chain Test Root", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
  const issue = (name: string, subject: string, issuer: string, extfile: string) => {
    key(name)
    ssl("req", "-new", "-key", `${name}.key`, "-out", `${name}.csr`, "-subj", subject)
    ssl("x509", "-req", "-in", `${name}.csr`, "-CA", `${issuer}.crt`, "-CAkey", `${issuer}.key`, "-CAcreateserial", "-out", `${name}.crt`, "-days", "2", "-extfile", extfile)
  }
  issue("intermediate", "/C=XX/O=effect-tls tests/CN=Chain Test Intermediate", "root", "ca.ext")
  issue("leaf", "/CN=localhost", "intermediate", "leaf.ext")
}

const verifyLines = (output: string) => output.split(/\r?\n/).filter((l) => /^(depth=|verify return:)/.test(l))

const runClient = async (command: string, args: ReadonlyArray<string>) => {
  const p = spawnPeer(command, args, { cwd: root })
  p.write("GET / HTTP/1.0\r\n\r\n")
  const exited = await Promise.race([p.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20_000))])
  if (!exited) await p.kill()
  return p.output()
}

describe.skipIf(!needs("openssl"))("verification lines for a 3-certificate chain", () => {
  let dir: string
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "effect-tls-chain-"))
    makeChain(dir)
  })
  afterAll(async () => {
    await killAll()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  for (const version of ["-tls1_3", "-tls1_2"]) {
    it(`${version}: our s-client prints OpenSSL's depth= and verify return: lines, in order`, async () => {
      const f = (name: string) => path.join(dir, name)
      const { peer, port } = await startServer(
        "openssl",
        (p) => ["s_server", "-accept", `127.0.0.1:${p}`, "-cert", f("leaf.crt"), "-key", f("leaf.key"), "-cert_chain", f("intermediate.crt"), version, "-www"],
        { ready: /^ACCEPT$/m }
      )
      const args = ["-connect", `127.0.0.1:${port}`, "-CAfile", f("root.crt"), "-servername", "localhost", version]
      const want = verifyLines(await runClient("openssl", ["s_client", ...args]))
      const got = verifyLines(await runClient(tsx, ["examples/s-client.ts", ...args]))
      await peer.kill()
      expect(want).toEqual([
        "depth=2 C = XX, O = effect-tls tests, CN = Chain Test Root",
        "verify return:1",
        "depth=1 C = XX, O = effect-tls tests, CN = Chain Test Intermediate",
        "verify return:1",
        "depth=0 CN = localhost",
        "verify return:1"
      ])
      expect(got).toEqual(want)
    })
  }
})
