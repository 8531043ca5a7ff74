/**
 * TLS 1.3 interop matrix against the machine's OpenSSL (issue 13, "Interop matrix"): our
 * client against `openssl s_server`, and `openssl s_client` against our server, over
 * every suite, every group OpenSSL 3.0 has (it has no X25519MLKEM768: that group is
 * covered against node:tls in `tls13-node.test.ts`), every server certificate kind,
 * HelloRetryRequest, client certificates (required and optional), ticket resumption
 * (`-sess_out` / `-sess_in`, our `config.session`), KeyUpdate (`k`/`K` on OpenSSL's stdin,
 * our `keyUpdate`), ALPN, close_notify both ways, a SHA-256-checked transfer each way
 * (4 MiB in CI, 64 MiB in the full tier) and a handshake with `NobleCrypto`.
 *
 * Every test asserts what was negotiated from both sides: OpenSSL's own report (`-trace`:
 * the ServerHello's suite and key_share group, the CertificateVerify scheme, alerts and
 * KeyUpdates; `s_client`'s summary; `s_server`'s `CIPHER is`) and our `conn.params`.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { needs } from "@effect-tls/test-support/peers"
import { killAll, type Peer, spawnPeer, startServer, waitUntil } from "@effect-tls/test-support/processes"
import { runs } from "@effect-tls/test-support/tier"
import {
  type Cert,
  classicalGroups,
  groups,
  hashAfterMarker,
  type InteropPki,
  makeInteropPki,
  MiB,
  parseSClient,
  parseTrace,
  payload,
  schemes,
  serverCertKinds,
  sha256,
  suites,
  writeAll
} from "@effect-tls/test-support/tls"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as fs from "node:fs"
import * as path from "node:path"
import { randomBytes } from "node:crypto"
import { credentialOf, harness, owned, text, traces, wait } from "./live.js"

const HAVE_OPENSSL = needs("openssl")
const TRANSFER = runs({ ci: 4, full: 64 }) * MiB
const WAIT = 15_000
const TRANSFER_WAIT = runs({ ci: 100_000, full: 1_500_000 })
const TRANSFER_SECONDS = runs({ ci: 120, full: 1_700 })

// ---- Effect glue (./live.ts) ----

let pki: InteropPki
const credential = (cert: Cert) => credentialOf(cert.der, cert.keyPem)
const { run, connect, serve } = harness({ anchors: () => [pki.ca.pem], certificates: () => [credential(pki.server["ecdsa-p256"])] })

// ---- OpenSSL peers ----

const sServer = (args: ReadonlyArray<string>, cert: Cert = pki.server["ecdsa-p256"]): Effect.Effect<{ readonly peer: Peer; readonly port: number }, never, Scope.Scope> =>
  Effect.gen(function* () {
    const started = yield* wait(() =>
      startServer("stdbuf", (p) => ["-o0", "openssl", "s_server", "-accept", `127.0.0.1:${p}`, "-cert", cert.certPath, "-key", cert.keyPath, "-tls1_3", ...args], { ready: /^ACCEPT$/m, name: "openssl s_server" })
    )
    yield* owned(started.peer)
    return started
  })

const sClient = (port: number, args: ReadonlyArray<string>): Effect.Effect<Peer, never, Scope.Scope> =>
  owned(
    spawnPeer("stdbuf", [
      "-o0", "openssl", "s_client", "-connect", `127.0.0.1:${port}`, "-tls1_3", "-CAfile", pki.ca.certPath, "-verify_return_error", "-servername", "localhost",
      "-verify_hostname", "localhost", ...args
    ], { name: "openssl s_client" })
  )

/** Waits until OpenSSL printed `re`. */
const printed = (peer: Peer, re: RegExp, timeoutMs = WAIT) => wait(() => peer.waitFor(re, { timeoutMs }))

describe.skipIf(!HAVE_OPENSSL)("TLS 1.3 interop with openssl 3.0", () => {
  beforeAll(() => {
    pki = makeInteropPki("tls13-openssl-")
  })
  afterAll(async () => {
    await killAll()
    pki?.cleanup()
  })

  describe("our client → openssl s_server", () => {
    const grid = suites.flatMap((s) => classicalGroups.map((g) => ({ s, g })))
    it.each(grid)("$s.name × $g.name", ({ s, g }) =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* sServer(["-ciphersuites", s.name, "-groups", g.openssl, "-trace"])
          const c = yield* connect(port, { groups: [g.code], keyShareGroups: [g.code] })
          yield* c.conn.write(text("ping\n"))
          yield* printed(peer, /^ping$/m)
          const out = peer.stdout()
          const trace = parseTrace(out)
          // ours
          expect(c.params).toMatchObject({ version: 0x0304, cipherSuite: s.code, group: g.code, helloRetry: false, resumed: false })
          // openssl's
          expect(out).toContain(`CIPHER is ${s.name}`)
          expect(trace.suite).toBe(s.code)
          expect(trace.group).toBe(g.code)
          expect(trace.helloRetryRequest).toBeUndefined()
        })
      )
    )

    it.each(serverCertKinds)("server certificate $kind", (k) =>
      run(
        Effect.gen(function* () {
          const cert = pki.server[k.kind]
          const { peer, port } = yield* sServer(["-trace"], cert)
          const c = yield* connect(port)
          yield* c.conn.write(text("ping\n"))
          yield* printed(peer, /^ping$/m)
          const trace = parseTrace(peer.stdout())
          expect(c.params.peerCertificates[0]).toEqual(cert.der)
          expect(c.params.peerSignatureScheme).toBe(k.scheme)
          expect(trace.certificateVerify).toEqual([{ dir: "sent", scheme: k.scheme }])
        })
      )
    )

    it("HelloRetryRequest: s_server accepts only secp384r1, we guess x25519", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* sServer(["-groups", "P-384", "-trace"])
          const c = yield* connect(port, { groups: [groups.x25519.code, groups.secp384r1.code], keyShareGroups: [groups.x25519.code] })
          yield* c.conn.write(text("ping\n"))
          yield* printed(peer, /^ping$/m)
          const trace = parseTrace(peer.stdout())
          expect(c.params).toMatchObject({ helloRetry: true, group: groups.secp384r1.code })
          expect(trace.helloRetryRequest?.dir).toBe("sent")
          expect(trace.retryGroup).toBe(groups.secp384r1.code)
          expect(trace.group).toBe(groups.secp384r1.code)
          expect(trace.count("received", "ClientHello")).toBe(2)
        })
      )
    )

    it("client certificate required (-Verify 1): we send ours and sign with it", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* sServer(["-Verify", "1", "-CAfile", pki.ca.certPath, "-verify_return_error", "-trace"])
          const c = yield* connect(port, { certificates: [credential(pki.client)] })
          yield* c.conn.write(text("ping\n"))
          yield* printed(peer, /^ping$/m)
          const out = peer.stdout()
          const trace = parseTrace(out)
          expect(c.params.signatureScheme).toBe(schemes.ecdsa_secp256r1_sha256)
          expect(trace.certificateVerify).toContainEqual({ dir: "received", scheme: schemes.ecdsa_secp256r1_sha256 })
          expect(out).toMatch(/subject=CN = interop client/)
          expect(out).toContain("Client certificate")
        })
      )
    )

    it("client certificate optional (-verify 1): we have none and the handshake goes on", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* sServer(["-verify", "1", "-CAfile", pki.ca.certPath, "-trace"])
          const c = yield* connect(port)
          yield* c.conn.write(text("ping\n"))
          yield* printed(peer, /^ping$/m)
          const out = peer.stdout()
          const trace = parseTrace(out)
          expect(trace.count("sent", "CertificateRequest")).toBe(1)
          expect(trace.count("received", "Certificate")).toBe(1)
          expect(trace.count("received", "CertificateVerify")).toBe(0)
          expect(c.params.signatureScheme).toBeUndefined()
          expect(out).not.toContain("Client certificate")
        })
      )
    )

    it("client certificate required and we have none: s_server sends certificate_required", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* sServer(["-Verify", "1", "-CAfile", pki.ca.certPath, "-verify_return_error", "-trace"])
          const c = yield* connect(port)
          const end = yield* wait(() => c.inbox.waitEnd(WAIT))
          expect(String(end.error)).toContain("certificate_required")
          yield* printed(peer, /CONNECTION CLOSED/)
          expect(parseTrace(peer.stdout()).alerts).toContainEqual({ dir: "sent", level: 2, description: 116 })
        })
      )
    )

    it("resumption with a ticket: our config.session, s_server reuses the session", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* sServer(["-trace"])
          const first = yield* Effect.scoped(
            Effect.gen(function* () {
              const c = yield* connect(port)
              yield* wait(() => waitUntil("a SessionTicket", () => c.events.some((e) => e._tag === "SessionTicket"), { timeoutMs: WAIT }))
              yield* c.conn.close
              yield* wait(() => c.inbox.waitEnd(WAIT))
              return c
            })
          )
          const ticket = first.events.find((e) => e._tag === "SessionTicket")!
          const before = peer.stdout().length
          const second = yield* connect(port, { session: ticket.session as never })
          yield* second.conn.write(text("resumed\n"))
          yield* printed(peer, /^resumed$/m)
          const out = peer.stdout().slice(before)
          const trace = parseTrace(out)
          expect(first.params.resumed).toBe(false)
          expect(second.params.resumed).toBe(true)
          expect(second.params.peerCertificates).toEqual([])
          expect(out).toContain("Reused session-id")
          expect(trace.count("sent", "Certificate")).toBe(0)
          expect(trace.serverHello?.lines.join("\n")).toContain("extension_type=psk(41)")
        })
      )
    )

    it("KeyUpdate both ways: our keyUpdate(true), then s_server's K", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* sServer(["-trace"])
          const c = yield* connect(port)
          yield* c.conn.keyUpdate(true)
          yield* c.conn.write(text("after-our-update\n"))
          yield* printed(peer, /^after-our-update$/m)
          // s_server answers our update_requested with its next write
          peer.write("server-1\n")
          yield* wait(() => c.inbox.waitFor((t) => t.includes("server-1"), WAIT))
          peer.write("K\n")
          yield* printed(peer, /SSL_do_handshake -> 1/)
          peer.write("from-server\n")
          yield* wait(() => c.inbox.waitFor((t) => t.includes("from-server"), WAIT))
          yield* c.conn.write(text("after-their-update\n"))
          yield* printed(peer, /^after-their-update$/m)
          const trace = parseTrace(peer.stdout())
          const kus = trace.messages.filter((m) => m.type === "KeyUpdate").map((m) => `${m.dir} ${/update_(not_)?requested/.exec(m.lines.join(" "))?.[0]}`)
          // s_server: it received ours (requested) and answered; it sent its own (requested) and got our answer.
          expect(kus).toEqual(["received update_requested", "sent update_not_requested", "sent update_requested", "received update_not_requested"])
          expect(traces(c.events)).toEqual(
            expect.arrayContaining(["write KeyUpdate(update_requested)", "read KeyUpdate(update_not_requested)", "read KeyUpdate(update_requested)", "write KeyUpdate(update_not_requested)"])
          )
        })
      )
    )

    it("ALPN: s_server picks h2 from our offer", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* sServer(["-alpn", "h2,http/1.1"])
          const c = yield* connect(port, { alpn: ["foo", "h2"] })
          yield* c.conn.write(text("ping\n"))
          yield* printed(peer, /^ping$/m)
          expect(c.params.alpn).toBe("h2")
          expect(peer.stdout()).toMatch(/^ALPN protocols selected: h2$/m)
        })
      )
    )

    it("close_notify, we close first: s_server sees it and answers with its own", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* sServer(["-trace"])
          const c = yield* connect(port)
          yield* c.conn.write(text("ping\n"))
          yield* printed(peer, /^ping$/m)
          yield* c.conn.close
          const end = yield* wait(() => c.inbox.waitEnd(WAIT))
          yield* printed(peer, /CONNECTION CLOSED/)
          const trace = parseTrace(peer.stdout())
          expect(end.error).toBeUndefined()
          expect(trace.alerts).toEqual([
            { dir: "received", level: 1, description: 0 },
            { dir: "sent", level: 1, description: 0 }
          ])
        })
      )
    )

    it("close_notify, s_server closes first (-www answers, then closes): our read ends cleanly, then we close", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* sServer(["-www", "-trace"])
          const c = yield* connect(port)
          yield* c.conn.write(text("GET / HTTP/1.0\r\n\r\n"))
          const end = yield* wait(() => c.inbox.waitEnd(WAIT))
          // TLS 1.3 half-close: the driver does not answer close_notify by itself (the application
          // may still write); our close is the answer.
          expect(c.events.some((e) => e._tag === "AlertSent")).toBe(false)
          yield* c.conn.close
          yield* wait(() => waitUntil("s_server to read our close_notify", () => parseTrace(peer.stdout()).alerts.length >= 2, { timeoutMs: WAIT }))
          expect(end.error).toBeUndefined()
          expect(c.inbox.text()).toMatch(/^HTTP\/1.0 200 ok/)
          expect(c.events).toContainEqual({ _tag: "AlertReceived", level: 1, description: 0 })
          expect(c.events).toContainEqual({ _tag: "AlertSent", level: 1, description: 0 })
          expect(parseTrace(peer.stdout()).alerts).toEqual([
            { dir: "sent", level: 1, description: 0 },
            { dir: "received", level: 1, description: 0 }
          ])
        })
      )
    )

    it("s_server's q drops the TCP connection without close_notify: we report a truncation", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* sServer(["-trace"])
          const c = yield* connect(port)
          yield* c.conn.write(text("ping\n"))
          yield* printed(peer, /^ping$/m)
          peer.write("q\n")
          const end = yield* wait(() => c.inbox.waitEnd(WAIT))
          expect(String(end.error)).toContain("Truncated")
          expect(parseTrace(peer.stdout()).alerts).toEqual([])
        })
      )
    )

    it(`transfer of ${TRANSFER / MiB} MiB each way, checked by SHA-256`, () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* sServer([])
          const marker = "<<<effect-tls>>>"
          const up = payload(TRANSFER, 1, { text: true })
          const down = payload(TRANSFER, 2, { text: true })
          const atServer = hashAfterMarker(peer.child.stdout!, marker, TRANSFER)
          const c = yield* connect(port)
          yield* printed(peer, /CIPHER is/)
          peer.write(down)
          yield* writeAll(c.conn.write, Buffer.concat([text(marker), up]))
          const got = yield* wait(() => atServer.done(TRANSFER_WAIT))
          yield* wait(() => c.inbox.waitFor(TRANSFER, TRANSFER_WAIT))
          expect(got).toEqual({ sha256: sha256(up), length: TRANSFER })
          expect(c.inbox.total()).toBe(TRANSFER)
          expect(c.inbox.sha256()).toBe(sha256(down))
          expect(peer.stdout()).toContain(`CIPHER is ${suites.find((s) => s.code === c.params.cipherSuite)!.name}`)
          yield* c.conn.close
        }),
        { seconds: TRANSFER_SECONDS }
      )
    )

    it("handshake with NobleCrypto (RSA-PSS certificate, secp384r1)", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* sServer(["-trace"], pki.server["rsa-pss"])
          const c = yield* connect(port, { groups: [groups.secp384r1.code], keyShareGroups: [groups.secp384r1.code] })
          yield* c.conn.write(text("noble\n"))
          yield* printed(peer, /^noble$/m)
          const trace = parseTrace(peer.stdout())
          expect(c.params).toMatchObject({ group: groups.secp384r1.code, peerSignatureScheme: schemes.rsa_pss_pss_sha256 })
          expect(trace.group).toBe(groups.secp384r1.code)
          expect(trace.certificateVerify).toEqual([{ dir: "sent", scheme: schemes.rsa_pss_pss_sha256 }])
        }),
        { crypto: "noble" }
      )
    )
  })

  describe("openssl s_client → our server", () => {
    const grid = suites.flatMap((s) => classicalGroups.map((g) => ({ s, g })))
    it.each(grid)("$s.name × $g.name", ({ s, g }) =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve()
          const peer = yield* sClient(srv.port, ["-ciphersuites", s.name, "-groups", g.openssl, "-trace"])
          const ours = yield* srv.next(0)
          yield* printed(peer, /Verify return code: 0 \(ok\)/)
          const out = peer.stdout()
          const summary = parseSClient(out)
          const trace = parseTrace(out)
          expect(ours.params).toMatchObject({ version: 0x0304, cipherSuite: s.code, group: g.code, helloRetry: false })
          expect(summary).toMatchObject({ protocol: "TLSv1.3", cipher: s.name, tempKey: g.tempKey })
          expect(trace.suite).toBe(s.code)
          expect(trace.group).toBe(g.code)
        })
      )
    )

    it.each(serverCertKinds)("server certificate $kind", (k) =>
      run(
        Effect.gen(function* () {
          const cert = pki.server[k.kind]
          const srv = yield* serve({ certificates: [credential(cert)] })
          const peer = yield* sClient(srv.port, ["-trace"])
          const ours = yield* srv.next(0)
          yield* printed(peer, /Verify return code: 0 \(ok\)/)
          const out = peer.stdout()
          expect(ours.params.signatureScheme).toBe(k.scheme)
          expect(parseSClient(out).peerSignatureType).toBe(k.opensslType)
          expect(parseTrace(out).certificateVerify).toEqual([{ dir: "received", scheme: k.scheme }])
        })
      )
    )

    it("HelloRetryRequest: s_client guesses x25519, our server takes only secp384r1", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve({ groups: [groups.secp384r1.code] })
          const peer = yield* sClient(srv.port, ["-groups", "X25519:P-384", "-trace"])
          const ours = yield* srv.next(0)
          yield* printed(peer, /Verify return code: 0 \(ok\)/)
          const out = peer.stdout()
          const trace = parseTrace(out)
          expect(ours.params).toMatchObject({ helloRetry: true, group: groups.secp384r1.code })
          expect(trace.helloRetryRequest?.dir).toBe("received")
          expect(trace.retryGroup).toBe(groups.secp384r1.code)
          expect(trace.count("sent", "ClientHello")).toBe(2)
          expect(parseSClient(out).tempKey).toBe(groups.secp384r1.tempKey)
        })
      )
    )

    it("HelloRetryRequest for our preferred group (retryForPreferredGroup)", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve({ groups: [groups.secp256r1.code, groups.x25519.code], retryForPreferredGroup: true })
          const peer = yield* sClient(srv.port, ["-groups", "X25519:P-256", "-trace"])
          const ours = yield* srv.next(0)
          yield* printed(peer, /Verify return code: 0 \(ok\)/)
          const trace = parseTrace(peer.stdout())
          expect(ours.params).toMatchObject({ helloRetry: true, group: groups.secp256r1.code })
          expect(trace.retryGroup).toBe(groups.secp256r1.code)
        })
      )
    )

    it("client certificate required: s_client sends one, we verify it", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve({ clientAuth: "required" })
          const peer = yield* sClient(srv.port, ["-cert", pki.client.certPath, "-key", pki.client.keyPath, "-trace"])
          const ours = yield* srv.next(0)
          yield* ours.conn.write(text("hello client\n"))
          yield* printed(peer, /^hello client$/m)
          const trace = parseTrace(peer.stdout())
          expect(ours.params.peerCertificates[0]).toEqual(pki.client.der)
          expect(ours.params.peerSignatureScheme).toBe(schemes.ecdsa_secp256r1_sha256)
          expect(trace.count("received", "CertificateRequest")).toBe(1)
          expect(trace.certificateVerify).toContainEqual({ dir: "sent", scheme: schemes.ecdsa_secp256r1_sha256 })
        })
      )
    )

    it("client certificate optional: s_client has none and the connection goes on", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve({ clientAuth: "optional" })
          const peer = yield* sClient(srv.port, ["-trace"])
          const ours = yield* srv.next(0)
          yield* ours.conn.write(text("hello anonymous\n"))
          yield* printed(peer, /^hello anonymous$/m)
          const trace = parseTrace(peer.stdout())
          expect(ours.params.peerCertificates).toEqual([])
          expect(trace.count("received", "CertificateRequest")).toBe(1)
          expect(trace.count("sent", "Certificate")).toBe(1)
          expect(trace.count("sent", "CertificateVerify")).toBe(0)
        })
      )
    )

    it("resumption with a ticket: s_client -sess_out, then -sess_in", () =>
      run(
        Effect.gen(function* () {
          const sess = path.join(pki.forge.dir, "openssl-client.sess")
          const srv = yield* serve({ ticketKeys: [Redacted.make(new Uint8Array(randomBytes(32)))], tickets: 1 })
          const first = yield* sClient(srv.port, ["-sess_out", sess])
          yield* srv.next(0)
          yield* printed(first, /Post-Handshake New Session Ticket arrived/)
          yield* wait(() => waitUntil("the session file", () => fs.existsSync(sess) && fs.statSync(sess).size > 0, { timeoutMs: WAIT }))
          first.write("Q\n")
          yield* wait(() => first.exited)
          const second = yield* sClient(srv.port, ["-sess_in", sess, "-trace"])
          const ours = yield* srv.next(1)
          yield* printed(second, /Verify return code: 0 \(ok\)/)
          const out = second.stdout()
          expect(srv.conns[0]!.params.resumed).toBe(false)
          expect(ours.params.resumed).toBe(true)
          expect(parseSClient(out)).toMatchObject({ reused: true, protocol: "TLSv1.3" })
          expect(parseTrace(out).count("received", "Certificate")).toBe(0)
        })
      )
    )

    it("KeyUpdate both ways: s_client's K, then our keyUpdate(true)", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve()
          const peer = yield* sClient(srv.port, ["-trace"])
          const ours = yield* srv.next(0)
          yield* printed(peer, /Verify return code: 0 \(ok\)/)
          peer.write("K\n")
          yield* wait(() => waitUntil("our answer to s_client's KeyUpdate", () => traces(ours.events).includes("write KeyUpdate(update_not_requested)"), { timeoutMs: WAIT }))
          peer.write("after-their-update\n")
          yield* wait(() => ours.inbox.waitFor((t) => t.includes("after-their-update"), WAIT))
          yield* ours.conn.keyUpdate(true)
          yield* ours.conn.write(text("after-our-update\n"))
          yield* printed(peer, /^after-our-update$/m)
          peer.write("back\n")
          yield* wait(() => ours.inbox.waitFor((t) => t.includes("back"), WAIT))
          const kus = parseTrace(peer.stdout())
            .messages.filter((m) => m.type === "KeyUpdate")
            .map((m) => `${m.dir} ${/update_(not_)?requested/.exec(m.lines.join(" "))?.[0]}`)
          expect(kus).toEqual(["sent update_requested", "received update_not_requested", "received update_requested", "sent update_not_requested"])
          expect(traces(ours.events)).toEqual(
            expect.arrayContaining(["read KeyUpdate(update_requested)", "write KeyUpdate(update_not_requested)", "write KeyUpdate(update_requested)", "read KeyUpdate(update_not_requested)"])
          )
        })
      )
    )

    it("ALPN: we pick http/1.1 from s_client's offer", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve({ alpn: ["http/1.1", "h2"] })
          const peer = yield* sClient(srv.port, ["-alpn", "h2,http/1.1"])
          const ours = yield* srv.next(0)
          yield* printed(peer, /Verify return code: 0 \(ok\)/)
          expect(ours.params.alpn).toBe("http/1.1")
          expect(parseSClient(peer.stdout()).alpn).toBe("http/1.1")
        })
      )
    )

    it("close_notify, s_client closes first (Q): our read ends cleanly", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve()
          const peer = yield* sClient(srv.port, ["-trace"])
          const ours = yield* srv.next(0)
          yield* printed(peer, /Verify return code: 0 \(ok\)/)
          peer.write("Q\n")
          const end = yield* wait(() => ours.inbox.waitEnd(WAIT))
          yield* wait(() => peer.exited)
          expect(end.error).toBeUndefined()
          expect(ours.events).toContainEqual({ _tag: "AlertReceived", level: 1, description: 0 })
          expect(parseTrace(peer.stdout()).alerts[0]).toEqual({ dir: "sent", level: 1, description: 0 })
        })
      )
    )

    it("close_notify, we close first: s_client sees it", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve()
          const peer = yield* sClient(srv.port, ["-trace"])
          const ours = yield* srv.next(0)
          yield* printed(peer, /Verify return code: 0 \(ok\)/)
          yield* ours.conn.close
          yield* wait(() => peer.exited)
          const trace = parseTrace(peer.stdout())
          expect(trace.alerts[0]).toEqual({ dir: "received", level: 1, description: 0 })
          expect(ours.events).toContainEqual({ _tag: "AlertSent", level: 1, description: 0 })
        })
      )
    )

    it(`transfer of ${TRANSFER / MiB} MiB each way, checked by SHA-256`, () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve()
          const marker = "<<<effect-tls>>>"
          const up = payload(TRANSFER, 3, { text: true })
          const down = payload(TRANSFER, 4, { text: true })
          const peer = yield* sClient(srv.port, ["-nocommands"])
          const atClient = hashAfterMarker(peer.child.stdout!, marker, TRANSFER)
          const ours = yield* srv.next(0)
          yield* printed(peer, /Verify return code: 0 \(ok\)/)
          peer.write(up)
          yield* writeAll(ours.conn.write, Buffer.concat([text(marker), down]))
          yield* wait(() => ours.inbox.waitFor(TRANSFER, TRANSFER_WAIT))
          const got = yield* wait(() => atClient.done(TRANSFER_WAIT))
          expect(ours.inbox.total()).toBe(TRANSFER)
          expect(ours.inbox.sha256()).toBe(sha256(up))
          expect(got).toEqual({ sha256: sha256(down), length: TRANSFER })
          expect(parseSClient(peer.stdout()).cipher).toBe(suites.find((s) => s.code === ours.params.cipherSuite)!.name)
        }),
        { seconds: TRANSFER_SECONDS }
      )
    )

    it("handshake with NobleCrypto (Ed25519 certificate, ffdhe2048)", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve({ certificates: [credential(pki.server.ed25519)] })
          const peer = yield* sClient(srv.port, ["-groups", "ffdhe2048", "-trace"])
          const ours = yield* srv.next(0)
          yield* printed(peer, /Verify return code: 0 \(ok\)/)
          const out = peer.stdout()
          expect(ours.params).toMatchObject({ group: groups.ffdhe2048.code, signatureScheme: schemes.ed25519 })
          expect(parseSClient(out)).toMatchObject({ tempKey: groups.ffdhe2048.tempKey, peerSignatureType: "ed25519" })
          expect(parseTrace(out).group).toBe(groups.ffdhe2048.code)
        }),
        { crypto: "noble" }
      )
    )
  })
})
