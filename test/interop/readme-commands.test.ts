/**
 * Every command in README.md runs as written (issue 14, acceptance 5). The commands are
 * read out of the README's ```sh blocks (a trailing `\` joins lines, `#` lines are
 * comments) and each must be covered by exactly one entry below: run alone, run as a server
 * with the README's own client lines against it, run as such a client, or left out with
 * the reason written down. Each runs through `sh -c` from the repository root, exactly as
 * the README has it, with a bound; its output is checked for what the README promises.
 *
 * Left out, and why (`npm run test:full` is named in the README's prose, not in a block):
 * - `npm ci`: installs the dependencies this run is already using;
 * - `npm test`: the whole suite, which contains this file;
 * - `apt-get install openssl gnutls-bin tshark`: installs system packages (root, network);
 * - `npm run bench`: a CPU-bound measurement that would skew the tests running beside it,
 *   and its codec half reads `../shared/corpus`, which is not part of a clone.
 *
 * **Gotchas**: the README's servers listen on fixed ports (4433, 1389), so this file uses
 * them too; a server left over on one of them fails the test that needs it, with its
 * output. `make-certs` writes `certs/` in the repository (git-ignored); it is removed
 * afterwards unless it was there before.
 */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { needs } from "@effect-tls/test-support/peers"
import { killAll, type Peer, spawnPeer } from "@effect-tls/test-support/processes"

const root = path.resolve(import.meta.dirname, "../..")
const readme = fs.readFileSync(path.join(root, "README.md"), "utf8")

/** A README command: as written (for `sh -c`), and on one line with single spaces (to match). */
interface Command {
  readonly raw: string
  readonly text: string
}

/** The commands of every ```sh block, in order. */
const readmeCommands = (markdown: string): ReadonlyArray<Command> => {
  const out: Array<Command> = []
  for (const block of markdown.matchAll(/^```sh\n([\s\S]*?)^```/gm)) {
    let pending = ""
    for (const line of block[1]!.split("\n")) {
      if (pending === "" && /^\s*(#|$)/.test(line)) continue
      pending += pending === "" ? line : `\n${line}`
      if (line.endsWith("\\")) continue
      const raw = pending.replace(/\s+#.*$/, "") // a trailing comment
      out.push({ raw, text: raw.replace(/\\\n/g, " ").replace(/\s+/g, " ").trim() })
      pending = ""
    }
  }
  return out
}

/** How a command ended. */
interface Ran {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  readonly output: string
}

type Matcher = string | RegExp
const matches = (m: Matcher, c: Command) => (typeof m === "string" ? c.text === m : m.test(c.text))

/** A client the README pairs with a server: what it gets on stdin, what to wait for before ending its stdin, and its checks. */
interface Client {
  readonly match: Matcher
  readonly stdin?: string
  readonly waitFor?: { readonly client: RegExp; readonly server: RegExp }
  readonly check: (client: Ran, server: Peer) => void
}

type Spec =
  | { readonly match: Matcher; readonly run: "alone"; readonly check: (r: Ran) => void }
  | {
      readonly match: Matcher
      readonly run: "server"
      readonly ready: RegExp
      readonly clients: ReadonlyArray<Client>
      /** It exits by itself after its client (else it is stopped, as Ctrl-C would). */
      readonly selfTerminating?: boolean
      readonly check: (server: Ran) => void
    }
  | { readonly match: Matcher; readonly run: "excluded"; readonly why: string }

const BOUND_MS = 90_000

const ranOf = (p: Peer): Ran => ({ code: p.exit()?.code ?? null, stdout: p.stdout(), stderr: p.stderr(), output: p.output() })

/** Waits for a process to exit within `ms`; kills it and fails when it does not. */
const exitWithin = async (p: Peer, ms: number): Promise<Ran> => {
  const exited = await Promise.race([p.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))])
  if (!exited) {
    await p.kill()
    throw new Error(`${p.name} did not finish within ${ms} ms:\n${p.output().slice(-4000)}`)
  }
  return ranOf(p)
}

const sh = (c: Command, stdin: "pipe" | "ignore") => spawnPeer("sh", ["-c", c.raw], { cwd: root, stdin, name: c.text.slice(0, 80) })

const openssl = (args: ReadonlyArray<string>) => execFileSync("openssl", [...args], { cwd: root, encoding: "utf8", timeout: 10_000 })

const expectInOrder = (text: string, parts: ReadonlyArray<string>) => {
  let at = -1
  for (const part of parts) {
    const i = text.indexOf(part, at + 1)
    expect(i, `"${part}" after position ${at} in:\n${text}`).toBeGreaterThan(at)
    at = i
  }
}

const sClient = "npm run --silent s-client -- -connect 127.0.0.1:4433 -CAfile certs/ca.pem -servername localhost -state"
const rfc8448Random = "cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7"

const specs: ReadonlyArray<Spec> = [
  { match: "npm ci", run: "excluded", why: "installs the dependencies this run is already using" },
  { match: "npm test", run: "excluded", why: "the whole suite, which contains this file" },
  { match: /^apt-get install /, run: "excluded", why: "installs system packages (root, network)" },
  {
    match: "npm run --silent demo",
    run: "alone",
    check: (r) => {
      expect(r.code).toBe(0)
      expectInOrder(r.stdout, [
        "$ npm run --silent s-server -- -accept 0",
        "$ npm run --silent s-client -- -connect 127.0.0.1:",
        "SSL_connect:before SSL initialization",
        "SSL_connect:SSLv3/TLS write client hello",
        "SSL_connect:SSLv3/TLS read server hello",
        "depth=1 O = effect-tls example, CN = effect-tls example CA",
        "verify return:1",
        "depth=0 O = effect-tls example, CN = localhost",
        "verify return:1",
        "SSL_connect:SSL negotiation finished successfully",
        "New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256",
        "Verify return code: 0 (ok)",
        "HTTP/1.0 200 ok",
        "SSL3 alert read:warning:close notify",
        "--- the server's side of the same handshake",
        "SSL_accept:SSLv3/TLS read client hello",
        "SSL_accept:SSL negotiation finished successfully",
        "SSL3 alert write:warning:close notify"
      ])
    }
  },
  {
    match: "npm run --silent simulate",
    run: "alone",
    check: (r) => {
      expect(r.code).toBe(0)
      expect(r.stdout).toMatch(/negotiated: +TLS_AES_128_GCM_SHA256, x25519/)
      expect(r.stdout).toMatch(/^replay client: byte-exact/m)
      expect(r.stdout).toMatch(/^replay server: byte-exact/m)
    }
  },
  {
    match: "npm run --silent make-certs",
    run: "alone",
    check: (r) => {
      expect(r.code).toBe(0)
      expect(r.stdout).toContain("CA:                 certs/ca.pem")
      // OpenSSL's opinion of what it made: a chain to the CA, the server's names.
      expect(openssl(["verify", "-CAfile", "certs/ca.pem", "certs/server.pem", "certs/client.pem"])).toBe("certs/server.pem: OK\ncerts/client.pem: OK\n")
      expect(openssl(["x509", "-in", "certs/server.pem", "-noout", "-checkhost", "localhost", "-checkip", "127.0.0.1"])).toBe(
        "Hostname localhost does match certificate\nIP 127.0.0.1 does match certificate\n"
      )
      expect(openssl(["x509", "-in", "certs/client.pem", "-noout", "-purpose"])).toContain("SSL client : Yes")
      expect(fs.statSync(path.join(root, "certs/server.key")).mode & 0o077).toBe(0)
    }
  },
  {
    match: "npm run --silent s-server -- -accept 4433 -cert certs/server.pem -key certs/server.key -www -state",
    run: "server",
    ready: /^ACCEPT$/m,
    clients: [
      {
        match: sClient,
        stdin: "GET / HTTP/1.0\r\n\r\n",
        check: (r) => {
          expect(r.code).toBe(0)
          expectInOrder(r.stderr, [
            "SSL_connect:before SSL initialization",
            "depth=0 O = effect-tls example, CN = localhost",
            "verify return:1",
            "SSL_connect:SSL negotiation finished successfully",
            "SSL3 alert read:warning:close notify"
          ])
          expect(r.stdout).toContain("Verify return code: 0 (ok)")
          expect(r.stdout).toContain("HTTP/1.0 200 ok")
        }
      },
      {
        match: "npm run --silent https-get -- --client undici --url https://127.0.0.1:4433/ --cafile certs/ca.pem --servername localhost",
        check: (r) => {
          expect(r.code).toBe(0)
          expect(r.stderr).toMatch(/# GET https:\/\/127\.0\.0\.1:4433\/ \(server\) via undici on effect-tls TLSv1\.3, trusting certs\/ca\.pem: 200, \d+ bytes/)
          expect(r.stdout).toMatch(/^HTTP 200$/m)
          expect(r.stdout).toContain("Protocol version: TLSv1.3")
        }
      }
    ],
    check: (r) => {
      expect(r.stderr.match(/^SSL_accept:SSL negotiation finished successfully$/gm)?.length).toBe(2)
      expect(r.stderr).toContain("SSL_accept:SSLv3/TLS read client hello")
    }
  },
  {
    match: /^npm run --silent inspect-hello -- 16030100c4010000c00303cb34ecb1e7[0-9a-f ]+$/,
    run: "alone",
    check: (r) => {
      expect(r.code).toBe(0)
      expect(r.stdout).toContain("--- client_hello (196 bytes)")
      expect(r.stdout).toContain(`"random": "${rfc8448Random}"`)
      expect(r.stdout).toContain('"TLS_AES_128_GCM_SHA256"')
      expect(r.stdout).toContain('"_tag": "key_share"')
    }
  },
  {
    match: "npm run --silent inspect-hello -- -accept 4433",
    run: "server",
    ready: /listening on 127\.0\.0\.1:4433/,
    selfTerminating: true,
    clients: [
      {
        // our s-client says hello to a listener that prints it and hangs up
        match: sClient,
        check: (r) => {
          expect(r.stderr).toContain("SSL_connect:SSLv3/TLS write client hello")
          expect(r.code).toBe(1)
        }
      }
    ],
    check: (r) => {
      expect(r.code).toBe(0)
      expect(r.stdout).toMatch(/^--- client_hello \(\d+ bytes\)$/m)
      expect(r.stdout).toMatch(/"random": "[0-9a-f]{64}"/)
      expect(r.stdout).toContain(`"name": "${Buffer.from("localhost").toString("hex")}"`)
      expect(r.stdout).toContain('"TLS_AES_128_GCM_SHA256"')
    }
  },
  {
    match: "npm run --silent https-get",
    run: "alone",
    check: (r) => {
      expect(r.code).toBe(0)
      expect(r.stderr).toMatch(/# GET https:\/\/localhost:\d+\/ \(local node:https\) via https on effect-tls TLSv1\.3, .*: 200, \d+ bytes/)
      expect(r.stdout).toContain("<h1>Hello from node:https</h1>")
    }
  },
  {
    match: "npm run --silent effect-composition",
    run: "alone",
    check: (r) => {
      expect(r.code).toBe(0)
      expect(r.stdout).toMatch(/^1\. scoped connection: HTTP\/1\.1 200 OK/m)
      expect(r.stdout).toContain("all five steps behaved as expected")
    }
  },
  {
    match: "npm run --silent mtls",
    run: "alone",
    check: (r) => {
      expect(r.code).toBe(0)
      expectInOrder(r.stdout, [
        '== TLSv1.3: the client presents "O = effect-tls example, CN = client"',
        'client saw: server "O = effect-tls example, CN = localhost", TLSv1.3, TLS_AES_128_GCM_SHA256',
        'server saw: client "O = effect-tls example, CN = client", TLSv1.3, TLS_AES_128_GCM_SHA256',
        'client read: "hello, O = effect-tls example, CN = client: you are authenticated\\n"',
        "== TLSv1.3: the client presents no certificate",
        "client: TlsError AlertReceived (certificate_required): peer sent alert certificate_required after our Finished",
        "server: TlsError PeerIncompatible (certificate_required): the client sent no certificate",
        '== TLSv1.2: the client presents "O = effect-tls example, CN = client"',
        'server saw: client "O = effect-tls example, CN = client", TLSv1.2, ECDHE-ECDSA-AES128-GCM-SHA256',
        "== TLSv1.2: the client presents no certificate",
        "client: TlsError AlertReceived (handshake_failure): peer sent alert handshake_failure after our Finished",
        "server: TlsError PeerIncompatible (handshake_failure): the client sent no certificate",
        "mtls: every case ended as expected"
      ])
      expect(r.stdout).not.toContain("UNEXPECTED")
    }
  },
  {
    match: "npm run --silent ldap-style -- -accept 1389 -cert certs/server.pem -key certs/server.key -CAfile certs/ca.pem",
    run: "server",
    ready: /listening on 127\.0\.0\.1:1389/,
    clients: [
      {
        match:
          "openssl s_client -starttls ldap -connect 127.0.0.1:1389 -CAfile certs/ca.pem -cert certs/client.pem -key certs/client.key -keymatexport EXPORTER-Channel-Binding -keymatexportlen 32",
        waitFor: { client: /Keying material: [0-9A-F]{64}/, server: /^\[1\] tls-exporter: [0-9a-f]{64}$/m },
        check: (r, server) => {
          expect(r.code).toBe(0)
          expect(r.stdout).toContain("Verify return code: 0 (ok)")
          const material = /Keying material: ([0-9A-F]{64})/.exec(r.stdout)![1]!.toLowerCase()
          expect(server.stdout()).toContain(`[1] tls-exporter: ${material}`)
          expect(server.stdout()).toContain("[1] identity: CN=client,O=effect-tls example")
        }
      }
    ],
    check: (r) => {
      expect(r.stdout).toContain("[1] StartTLS (messageID 1): success")
      expect(r.stdout).toContain("[1] client closed (close_notify)")
    }
  },
  { match: "npm run bench", run: "excluded", why: "CPU-bound for a long while (skews the tests beside it); its codec half reads ../shared/corpus, outside a clone" }
]

const commands = readmeCommands(readme)

/** Every README command, and the one spec (or server's client) that covers it. */
const coverage = commands.map((c) => {
  const direct = specs.filter((s) => matches(s.match, c))
  const asClient = specs.filter((s) => s.run === "server" && s.clients.some((cl) => matches(cl.match, c)))
  return { command: c, direct, asClient }
})

describe("README commands", () => {
  it("every command in the README's sh blocks is run here or left out with a reason", () => {
    expect(commands.length).toBeGreaterThan(15)
    expect(coverage.filter((c) => c.direct.length + c.asClient.length === 0).map((c) => c.command.text)).toEqual([])
    expect(coverage.filter((c) => c.direct.length > 1).map((c) => c.command.text)).toEqual([])
    // and nothing here that the README no longer has
    const stale = specs.flatMap((s) => [s.match, ...(s.run === "server" ? s.clients.map((c) => c.match) : [])]).filter((m) => !commands.some((c) => matches(m, c)))
    expect(stale).toEqual([])
  })
})

describe.skipIf(!needs("openssl"))("README commands run as written", () => {
  const certs = path.join(root, "certs")
  let certsExisted = true
  beforeAll(() => {
    certsExisted = fs.existsSync(certs)
  })
  afterAll(async () => {
    await killAll()
    if (!certsExisted) fs.rmSync(certs, { recursive: true, force: true })
  })

  const find = (m: Matcher): Command => {
    const c = commands.find((x) => matches(m, x))
    if (c === undefined) throw new Error(`no README command matches ${String(m)}`)
    return c
  }

  // In README order: make-certs comes before the commands that use certs/.
  for (const { command, direct } of coverage) {
    const spec = direct[0]
    if (spec === undefined || spec.run === "excluded") continue
    if (spec.run === "alone") {
      it(command.text.length > 120 ? `${command.text.slice(0, 117)}...` : command.text, async () => {
        spec.check(await exitWithin(sh(command, "ignore"), BOUND_MS))
      })
      continue
    }
    it(`${command.text}, with ${spec.clients.map((c) => `\`${find(c.match).text.slice(0, 60)}…\``).join(", ")}`, async () => {
      const server = sh(command, "pipe")
      try {
        await server.waitFor(spec.ready, { timeoutMs: 30_000 })
        for (const client of spec.clients) {
          const p = sh(find(client.match), "pipe")
          if (client.stdin !== undefined) p.write(client.stdin)
          if (client.waitFor !== undefined) {
            await p.waitFor(client.waitFor.client, { timeoutMs: 30_000 })
            await server.waitFor(client.waitFor.server, { timeoutMs: 30_000 })
            p.closeStdin()
          } else if (client.stdin === undefined) p.closeStdin()
          client.check(await exitWithin(p, BOUND_MS), server)
        }
        // A server that runs until Ctrl-C is stopped here; the one-shot listener ends by itself.
        if (spec.selfTerminating === true) spec.check(await exitWithin(server, 30_000))
        else {
          await server.kill()
          spec.check(ranOf(server))
        }
      } finally {
        await server.kill()
      }
    })
  }
})
