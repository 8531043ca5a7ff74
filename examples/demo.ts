/**
 * demo: a whole handshake in one command — our `s-server -www -state` on 127.0.0.1 (port
 * from the OS, certificates made for the run) and our `s-client -state` against it, which
 * sends a GET and prints every step, the chain's `depth=`/`verify return:` lines, the
 * session summary, the status page and the close_notify alerts; then the server's
 * `SSL_accept:` lines for the same handshake.
 *
 *   npm run --silent demo                 # TLS 1.3
 *   npm run --silent demo -- -tls1_2      # flags after -- go to s-client (-tls1_2, -groups P-256, -msg, ...)
 *
 * The two tools run as child processes exactly as their own npm scripts run them; the
 * commands are printed first (`$ ...`). Exit status: the client's.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { makePki, writePki } from "./lib/pki.js"

const here = path.dirname(fileURLToPath(import.meta.url))
const clientFlags = process.argv.slice(2)
if (clientFlags.includes("-help") || clientFlags.includes("--help")) {
  process.stdout.write("usage: npm run --silent demo -- [s-client flags]\nRuns our s-server and our s-client -state against it on 127.0.0.1 with certificates made for the run.\n")
  process.exit(0)
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "effect-tls-demo-"))
const files = writePki(dir, makePki())
const say = (line: string) => void process.stdout.write(`${line}\n`)
const cleanup = () => fs.rmSync(dir, { recursive: true, force: true })
process.once("exit", cleanup)

/** Runs an example with the same Node and loader this process runs under (tsx). */
const tool = (name: string, args: ReadonlyArray<string>, stdio: "client" | "server") =>
  spawn(process.execPath, [...process.execArgv, path.join(here, `${name}.ts`), ...args], {
    // the client writes its -state lines (stderr) and summary (stdout) into our stdout, in order
    stdio: stdio === "client" ? ["pipe", 1, 1] : ["ignore", "ignore", "pipe"]
  })

const serverArgs = ["-accept", "0", "-cert", files.serverCert, "-key", files.serverKey, "-www", "-state", "-naccept", "1"]
say(`$ npm run --silent s-server -- ${serverArgs.join(" ")}`)
const server = tool("s-server", serverArgs, "server")
let serverOutput = ""
server.stderr!.setEncoding("utf8")
const port = await new Promise<number>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error("s-server did not listen within 20 s")), 20_000)
  server.stderr!.on("data", (s: string) => {
    serverOutput += s
    const m = /^ACCEPT (\d+)$/m.exec(serverOutput)
    if (m !== null) {
      clearTimeout(timer)
      resolve(Number(m[1]))
    }
  })
  server.once("exit", (code) => reject(new Error(`s-server exited (${code}) before listening:\n${serverOutput}`)))
}).catch((e: Error) => {
  server.kill("SIGKILL")
  process.stderr.write(`demo: ${e.message}\n`)
  process.exit(1)
})
say(`ACCEPT ${port}`)

const clientArgs = ["-connect", `127.0.0.1:${port}`, "-CAfile", files.ca, "-servername", "localhost", "-state", ...clientFlags]
say(`$ npm run --silent s-client -- ${clientArgs.join(" ")}    # and a GET on its stdin`)
const client = tool("s-client", clientArgs, "client")
client.stdin!.on("error", () => {})
client.stdin!.write("GET / HTTP/1.0\r\n\r\n")
const clientCode = await new Promise<number>((resolve) => {
  const timer = setTimeout(() => {
    client.kill("SIGKILL")
    process.stderr.write("demo: s-client did not finish within 20 s\n")
    resolve(1)
  }, 20_000)
  client.once("exit", (code) => {
    clearTimeout(timer)
    resolve(code ?? 1)
  })
})

// The server exits after its one connection (-naccept 1); its -state lines follow.
await new Promise<void>((resolve) => {
  if (server.exitCode !== null) return resolve()
  const timer = setTimeout(() => {
    server.kill("SIGKILL")
    resolve()
  }, 5_000)
  server.once("exit", () => {
    clearTimeout(timer)
    resolve()
  })
})
say("--- the server's side of the same handshake (s-server -state, stderr) ---")
process.stdout.write(serverOutput.replace(/^ACCEPT \d+\n/m, ""))
process.exit(clientCode)
