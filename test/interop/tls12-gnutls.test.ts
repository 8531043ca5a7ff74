/**
 * TLS 1.2 interop with GnuTLS: our client against `gnutls-serv --echo`, and `gnutls-cli`
 * against our server, over the five suites of the matrix (ECDHE-ECDSA, ECDHE-RSA with
 * AES-GCM and ChaCha20-Poly1305, DHE-RSA on ffdhe2048 negotiated by RFC 7919, RSA key
 * transport) and the groups x25519, secp256r1, secp384r1 in each direction; resumption of
 * `gnutls-cli --resume` (session ID and ticket); close_notify both ways.
 *
 * Every test asserts what was negotiated from both sides (GnuTLS's `- Description:` line
 * and our `conn.params`) and that data flows both ways.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { needs } from "@effect-tls/test-support/peers"
import { makePki, type Pki } from "@effect-tls/test-support/pki"
import { killAll, type Peer, spawnPeer, startServer } from "@effect-tls/test-support/processes"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { randomBytes } from "node:crypto"
import { type Case12, caseConfig, caseGroups, clientGrid, expectedParams, harness, hex, owned, printed, received, serverGrid, TLS12, text, WAIT, wait } from "./tls12-support.js"

const HAVE_GNUTLS = needs("gnutls-serv", "gnutls-cli")

let pki: Pki
const { run, connect, serve } = harness(() => pki)

/** A GnuTLS priority string for TLS 1.2 and one case: its key exchange, cipher and groups. */
const priority = (c: Case12): string =>
  [
    "NORMAL:-VERS-ALL:+VERS-TLS1.2",
    "-KX-ALL", `+${c.suite.gnutlsKx}`,
    "-CIPHER-ALL", `+${c.suite.gnutlsCipher}`,
    ...(c.group !== undefined ? ["-GROUP-ALL", ...caseGroups(c).map((g) => `+${g.gnutls!}`)] : [])
  ].join(":")

/** GnuTLS's `- Description:` line: version, key exchange, signature (none for RSA key transport), cipher. */
const description = (out: string) => {
  const m = /- Description: \((TLS[\d.]+)-[^)]*\)-\(([^)]*)\)-(?:\(([^)]*)\)-)?\(([^)]*)\)\s*$/m.exec(out)
  return m === null ? undefined : { version: m[1], kx: m[2], sig: m[3], cipher: m[4] }
}

/** What GnuTLS calls a case's key exchange in `- Description:`. */
const describedKx = (c: Case12) => (c.group !== undefined ? c.group.gnutlsKx : "RSA")

/** `gnutls-serv --echo` with the RSA and the ECDSA certificate, on a free port. */
const gnutlsServ = (args: ReadonlyArray<string>): Effect.Effect<{ readonly peer: Peer; readonly port: number }, never, Scope.Scope> =>
  Effect.gen(function* () {
    const started = yield* wait(() =>
      startServer(
        "stdbuf",
        (p) => [
          "-o0", "gnutls-serv", "-p", String(p), "--x509certfile", pki.rsa.certPath, "--x509keyfile", pki.rsa.keyPath,
          "--x509certfile", pki.ecdsa.certPath, "--x509keyfile", pki.ecdsa.keyPath, "--echo", ...args
        ],
        { ready: /listening on IPv4 .* port \d+\.\.\.done/ }
      )
    )
    yield* owned(started.peer)
    return started
  })

/** `gnutls-cli` to our server, verifying its certificate for `localhost`. */
const gnutlsCli = (port: number, args: ReadonlyArray<string>): Effect.Effect<Peer, never, Scope.Scope> =>
  owned(spawnPeer("stdbuf", ["-o0", "gnutls-cli", "-p", String(port), "127.0.0.1", "--x509cafile", pki.ca.certPath, "--verify-hostname", "localhost", ...args]))

const tls12Only = "NORMAL:-VERS-ALL:+VERS-TLS1.2"

describe.skipIf(!HAVE_GNUTLS)("TLS 1.2 interop with GnuTLS", () => {
  beforeAll(() => {
    pki = makePki({ prefix: "tls12-gnutls-" })
  })
  afterAll(async () => {
    await killAll(300)
    pki?.cleanup()
  })

  describe("our client → gnutls-serv", () => {
    it.each(clientGrid)("$title", (c) =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* gnutlsServ(["--priority", priority(c)])
          const ours = yield* connect(port, caseConfig(c))
          yield* ours.conn.write(text("ping from effect-tls\n"))
          yield* received(ours, "ping from effect-tls")
          yield* printed(peer, /- Description: /)
          expect(ours.params).toMatchObject(expectedParams(c))
          if (c.group === undefined) expect(ours.params.group).toBeUndefined()
          expect(hex(ours.params.peerCertificates[0])).toBe(hex(c.suite.auth === "RSA" ? pki.rsa.certDer : pki.ecdsa.certDer))
          expect(description(peer.output())).toMatchObject({ version: "TLS1.2", kx: describedKx(c), cipher: c.suite.gnutlsCipher })
          expect(peer.output()).toMatch(new RegExp(`^- Key Exchange: ${c.suite.gnutlsKx}$`, "m"))
        })
      )
    )

    it("close_notify, we close first: our read ends cleanly", () =>
      run(
        Effect.gen(function* () {
          const { port } = yield* gnutlsServ(["--priority", tls12Only])
          const ours = yield* connect(port)
          yield* ours.conn.write(text("ping\n"))
          yield* received(ours, "ping")
          yield* ours.conn.close
          const end = yield* wait(() => ours.inbox.waitEnd(WAIT))
          expect(end.error).toBeUndefined()
          expect(ours.params.version).toBe(TLS12)
          expect(ours.events).toContainEqual({ _tag: "AlertSent", level: 1, description: 0 })
        })
      )
    )
  })

  describe("gnutls-cli → our server", () => {
    it.each(serverGrid)("$title", (c) =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve(caseConfig(c))
          const peer = yield* gnutlsCli(srv.port, ["--priority", priority(c)])
          const ours = yield* srv.next(0)
          yield* printed(peer, /- Handshake was completed/)
          yield* ours.conn.write(text("hello from effect-tls\n"))
          yield* printed(peer, /^hello from effect-tls$/m)
          peer.write("ping from gnutls\n")
          yield* received(ours, "ping from gnutls")
          expect(ours.params).toMatchObject(expectedParams(c))
          if (c.group === undefined) expect(ours.params.group).toBeUndefined()
          expect(description(peer.output())).toMatchObject({ version: "TLS1.2", kx: describedKx(c), cipher: c.suite.gnutlsCipher })
        })
      )
    )

    const resumption = (title: string, config: Parameters<typeof serve>[0], prio: string) =>
      it(title, () =>
        run(
          Effect.gen(function* () {
            const srv = yield* serve(config)
            const peer = yield* gnutlsCli(srv.port, ["--priority", prio, "--resume"])
            const first = yield* srv.next(0)
            const second = yield* srv.next(1)
            yield* printed(peer, /\*\*\* This is a resumed session/)
            yield* second.conn.write(text("hello again\n"))
            yield* printed(peer, /^hello again$/m)
            peer.write("ping\n")
            yield* received(second, "ping")
            expect(first.params.resumed).toBe(false)
            expect(second.params).toMatchObject({ version: TLS12, resumed: true, cipherSuite: first.params.cipherSuite })
          })
        )
      )
    resumption("resumption by session ID: gnutls-cli --resume (%NO_TICKETS)", {}, `${tls12Only}:%NO_TICKETS`)
    resumption("resumption with a ticket: gnutls-cli --resume", { ticketKeys: [Redacted.make(new Uint8Array(randomBytes(32)))] }, tls12Only)

    it("close_notify, gnutls-cli closes first (EOF on its stdin): our read ends cleanly", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve()
          const peer = yield* gnutlsCli(srv.port, ["--priority", tls12Only])
          const ours = yield* srv.next(0)
          yield* printed(peer, /- Handshake was completed/)
          peer.write("bye\n")
          yield* received(ours, "bye")
          peer.closeStdin()
          const end = yield* wait(() => ours.inbox.waitEnd(WAIT))
          expect(end.error).toBeUndefined()
          expect(ours.params.version).toBe(TLS12)
          expect(ours.events).toContainEqual({ _tag: "AlertReceived", level: 1, description: 0 })
        })
      )
    )

    it("close_notify, we close first: gnutls-cli sees the peer close", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve()
          const peer = yield* gnutlsCli(srv.port, ["--priority", tls12Only])
          const ours = yield* srv.next(0)
          yield* printed(peer, /- Handshake was completed/)
          yield* ours.conn.close
          yield* printed(peer, /- Peer has closed the GnuTLS connection/)
          expect(ours.events).toContainEqual({ _tag: "AlertSent", level: 1, description: 0 })
        })
      )
    )
  })
})
