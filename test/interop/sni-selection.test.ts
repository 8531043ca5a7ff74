/**
 * Per-SNI certificate selection on our server (`NodeTls.serve({ selectConfig })`, issue
 * 13) against clients nobody here wrote: `openssl s_client -servername a.test` / `b.test`
 * and `node:tls` `tls.connect({ servername })` each see the certificate for their name
 * (the subject they print or report, validated against the name by the client itself),
 * over TLS 1.3 and TLS 1.2; without SNI they see the server's fallback certificate; an
 * unknown name is refused with a fatal `unrecognized_name` alert that the client reports.
 * Our side's view is checked too: the name the callback saw and the name in `conn.params`.
 */
import * as tls from "node:tls"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { type TlsError } from "@effect-tls/core"
import { NodeTls } from "@effect-tls/node"
import { needs } from "@effect-tls/test-support/peers"
import { killAll, type Peer, spawnPeer, waitUntil } from "@effect-tls/test-support/processes"
import { type Ca, type Cert, type Forge, leafExt, makeForge, parseSClient } from "@effect-tls/test-support/tls"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { credentialOf, harness, owned, wait, WAIT } from "./live.js"

const HAVE_OPENSSL = needs("openssl")

let forge: Forge
let ca: Ca
let a: Cert
let b: Cert
let fallback: Cert
const { run } = harness({ anchors: () => [ca.pem], certificates: () => [credentialOf(fallback.der, fallback.keyPem)] })

const versions = [
  { name: "TLS 1.3", openssl: "-tls1_3", node: "TLSv1.3", code: 0x0304 },
  { name: "TLS 1.2", openssl: "-tls1_2", node: "TLSv1.2", code: 0x0303 }
] as const

/** Our server: a certificate for a.test and one for b.test, the fallback for anything else (or `unrecognized_name`). */
const sniServer = (unknown: "default" | "refuse" = "default") =>
  Effect.gen(function* () {
    const names: Array<string | undefined> = []
    const served: Array<string | undefined> = []
    const errors: Array<TlsError> = []
    const select = NodeTls.byServerName(
      { "a.test": { certificates: [credentialOf(a.der, a.keyPem)] }, "b.test": { certificates: [credentialOf(b.der, b.keyPem)] } },
      { unknown }
    )
    const server = yield* NodeTls.serve({
      port: 0,
      config: { certificates: [credentialOf(fallback.der, fallback.keyPem)] },
      // An asynchronous lookup, as a certificate store would be.
      selectConfig: (hello) =>
        Effect.andThen(
          Effect.sync(() => void names.push(hello.serverName)),
          Effect.andThen(Effect.sleep("5 millis"), select(hello))
        ),
      handler: (conn) =>
        Effect.gen(function* () {
          served.push(conn.params.serverName)
          yield* Stream.runForEach(conn.read, (c) => conn.write(c))
          yield* conn.close
        }),
      onError: (e) => Effect.sync(() => void errors.push(e)),
      driver: { closeTimeoutMs: 300 }
    })
    yield* Effect.forkScoped(server.run)
    return { port: server.port, names, served, errors }
  })

/** `openssl s_client` to our server: `-servername` (or `-noservername`), the version, verifying the chain (and the name when given). */
const sClient = (port: number, version: string, serverName: string | undefined): Effect.Effect<Peer, never, Scope.Scope> =>
  owned(
    spawnPeer(
      "stdbuf",
      [
        "-o0", "openssl", "s_client", "-connect", `127.0.0.1:${port}`, version, "-CAfile", ca.certPath, "-verify_return_error",
        ...(serverName === undefined ? ["-noservername"] : ["-servername", serverName, "-verify_hostname", serverName])
      ],
      { name: "openssl s_client" }
    )
  )

/** Writes a line to s_client and waits for our server's echo. */
const echoed = (peer: Peer) =>
  Effect.andThen(
    Effect.sync(() => peer.write("ping-sni\n")),
    wait(() => peer.waitFor(/^ping-sni$/m, { timeoutMs: WAIT }))
  )

/** A `node:tls` client: the subject CN of the certificate it got, the protocol, or the error it failed with. */
const nodeClient = (port: number, version: tls.SecureVersion, servername: string | undefined) =>
  wait(
    () =>
      new Promise<{ readonly cn?: string | undefined; readonly protocol?: string | null; readonly error?: NodeJS.ErrnoException }>((resolve) => {
        const s = tls.connect({
          host: "127.0.0.1",
          port,
          ...(servername === undefined ? {} : { servername }),
          ca: ca.pem,
          minVersion: version,
          maxVersion: version,
          // Without SNI node checks the IP address, which the fallback certificate does not name.
          ...(servername === undefined ? { checkServerIdentity: () => undefined } : {})
        })
        const timer = setTimeout(() => {
          s.destroy()
          resolve({ error: new Error("node:tls client timed out") })
        }, WAIT)
        s.on("secureConnect", () => {
          const cn = s.getPeerCertificate().subject.CN
          const protocol = s.getProtocol()
          s.write("ping")
          s.once("data", () => {
            clearTimeout(timer)
            s.end()
            resolve({ cn: Array.isArray(cn) ? cn[0] : cn, protocol })
          })
        })
        s.on("error", (error) => {
          clearTimeout(timer)
          resolve({ error })
        })
      })
  )

describe.skipIf(!HAVE_OPENSSL)("per-SNI certificate selection: openssl s_client and node:tls against our server", () => {
  beforeAll(() => {
    forge = makeForge("sni-selection-")
    ca = forge.root("ca")
    a = forge.issue(ca, "a", { key: "p256", subj: "/CN=a.test", ext: leafExt(["DNS:a.test"], "serverAuth") })
    b = forge.issue(ca, "b", { key: "p256", subj: "/CN=b.test", ext: leafExt(["DNS:b.test"], "serverAuth") })
    fallback = forge.issue(ca, "fallback", { key: "p256", subj: "/CN=fallback.test", ext: leafExt(["DNS:fallback.test"], "serverAuth") })
  })
  afterAll(async () => {
    await killAll()
    forge?.cleanup()
  })

  for (const v of versions) {
    describe(v.name, () => {
      it("openssl s_client -servername a.test, then b.test: each verifies its own certificate", () =>
        run(
          Effect.gen(function* () {
            const server = yield* sniServer()
            for (const name of ["a.test", "b.test"]) {
              const peer = yield* sClient(server.port, v.openssl, name)
              yield* echoed(peer)
              const out = peer.stdout()
              expect(out).toMatch(new RegExp(`^subject=CN = ${name.replace(".", "\\.")}$`, "m"))
              expect(parseSClient(out).protocol).toBe(v.node)
              // (TLS 1.2 prints the verdict only inside the indented SSL-Session block.)
              expect(out).toMatch(/^\s*Verify return code: 0 \(ok\)$/m)
              yield* wait(() => peer.kill(300))
            }
            expect(server.names).toEqual(["a.test", "b.test"])
            expect(server.served).toEqual(["a.test", "b.test"])
            // s_client killed without close_notify: a truncation on our side, nothing else.
            expect(server.errors.map((e) => e.reason._tag).filter((t) => t !== "Truncated")).toEqual([])
          })
        ))

      it("openssl s_client -noservername: the fallback certificate", () =>
        run(
          Effect.gen(function* () {
            const server = yield* sniServer("refuse")
            const peer = yield* sClient(server.port, v.openssl, undefined)
            yield* echoed(peer)
            expect(peer.stdout()).toMatch(/^subject=CN = fallback\.test$/m)
            expect(server.names).toEqual([undefined])
          })
        ))

      it("openssl s_client -servername c.test with unknown names refused: a fatal unrecognized_name alert", () =>
        run(
          Effect.gen(function* () {
            const server = yield* sniServer("refuse")
            const peer = yield* sClient(server.port, v.openssl, "c.test")
            yield* wait(() => peer.waitFor(/alert number 112|unrecognized name/i, { timeoutMs: WAIT, stream: "both" }))
            yield* wait(() => waitUntil("our server's error", () => server.errors.length > 0, { timeoutMs: WAIT }))
            expect(server.errors[0]!.reason._tag).toBe("PeerIncompatible")
            expect(server.errors[0]!.reason._tag === "PeerIncompatible" && server.errors[0]!.reason.alert).toBe("unrecognized_name")
            expect(server.names).toEqual(["c.test"])
          })
        ))

      it("node:tls tls.connect({ servername }): a.test, b.test, none, and a refused c.test", () =>
        run(
          Effect.gen(function* () {
            const server = yield* sniServer()
            const ra = yield* nodeClient(server.port, v.node, "a.test")
            const rb = yield* nodeClient(server.port, v.node, "b.test")
            const none = yield* nodeClient(server.port, v.node, undefined)
            expect(ra).toEqual({ cn: "a.test", protocol: v.node })
            expect(rb).toEqual({ cn: "b.test", protocol: v.node })
            expect(none).toEqual({ cn: "fallback.test", protocol: v.node })
            expect(server.names).toEqual(["a.test", "b.test", undefined])

            const refusing = yield* sniServer("refuse")
            const rc = yield* nodeClient(refusing.port, v.node, "c.test")
            expect(rc.error?.code).toBe("ERR_SSL_TLSV1_UNRECOGNIZED_NAME")
          })
        ))
    })
  }
})
