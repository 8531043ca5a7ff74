/**
 * TLS 1.3 interop matrix against GnuTLS (issue 13, "Interop matrix"): our client against
 * `gnutls-serv --echo`, and `gnutls-cli` against our server, over every suite, every group
 * GnuTLS 3.7 has (it has no X25519MLKEM768: `gnutls-cli --list` names no ML-KEM group, so
 * that group is covered against node:tls in `tls13-node.test.ts`), every server
 * certificate kind, HelloRetryRequest, client certificates (required and optional), ticket
 * resumption (`gnutls-cli --resume`, our `config.session`), KeyUpdate (`^rekey^` /
 * `^rekey1^` inline commands, our `keyUpdate`; gnutls-serv has no command to start one),
 * ALPN, close_notify both ways, a SHA-256-checked transfer each way (4 MiB in CI, 64 MiB
 * in the full tier) and a handshake with `NobleCrypto`.
 *
 * Every test asserts what was negotiated from both sides: GnuTLS's `- Description:` line
 * and its debug log (`-d 5`: selected suite and group, HelloRetryRequest, the signing /
 * verifying scheme, key updates, alerts) and our `conn.params`.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { needs } from "@effect-tls/test-support/peers"
import { killAll, type Peer, spawnPeer, startServer, waitUntil } from "@effect-tls/test-support/processes"
import { runs } from "@effect-tls/test-support/tier"
import {
  type Cert,
  classicalGroups,
  type GroupInfo,
  gnutlsPriority,
  groups,
  hashAfterMarker,
  type InteropPki,
  makeInteropPki,
  MiB,
  parseGnutlsLog,
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
import { randomBytes } from "node:crypto"
import { credentialOf, harness, owned, type Side, text, traces, wait } from "./live.js"

const HAVE_GNUTLS = needs("gnutls-serv", "gnutls-cli")
const TRANSFER = runs({ ci: 4, full: 64 }) * MiB
const WAIT = 15_000
const TRANSFER_WAIT = runs({ ci: 100_000, full: 1_500_000 })
const TRANSFER_SECONDS = runs({ ci: 120, full: 1_700 })

// ---- Effect glue (./live.ts) ----

let pki: InteropPki
const credential = (cert: Cert) => credentialOf(cert.der, cert.keyPem)
const { run, connect, serve } = harness({ anchors: () => [pki.ca.pem], certificates: () => [credential(pki.server["ecdsa-p256"])] })

// ---- GnuTLS peers ----

/** `gnutls-serv --echo` on a free port (stdout unbuffered so its log arrives as it happens). */
const gnutlsServ = (args: ReadonlyArray<string>, cert: Cert = pki.server["ecdsa-p256"]): Effect.Effect<{ readonly peer: Peer; readonly port: number }, never, Scope.Scope> =>
  Effect.gen(function* () {
    const started = yield* wait(() =>
      startServer("stdbuf", (p) => ["-o0", "gnutls-serv", "-p", String(p), "--x509certfile", cert.certPath, "--x509keyfile", cert.keyPath, "--echo", ...args], {
        ready: /listening on IPv4 .* port \d+\.\.\.done/,
        name: "gnutls-serv"
      })
    )
    yield* owned(started.peer)
    return started
  })

/**
 * `gnutls-cli` to our server. Its stdout is unbuffered (so its log arrives as it happens)
 * unless `buffered`: it prints received data a byte at a time, which unbuffered costs a
 * system call per byte.
 */
const gnutlsCli = (port: number, args: ReadonlyArray<string>, o: { readonly buffered?: boolean } = {}): Effect.Effect<Peer, never, Scope.Scope> => {
  const argv = ["gnutls-cli", "-p", String(port), "127.0.0.1", "--x509cafile", pki.ca.certPath, "--verify-hostname", "localhost", ...args]
  return owned(o.buffered === true ? spawnPeer(argv[0]!, argv.slice(1)) : spawnPeer("stdbuf", ["-o0", ...argv], { name: "gnutls-cli" }))
}

/** Waits until GnuTLS printed `re`. */
const printed = (peer: Peer, re: RegExp, timeoutMs = WAIT) => wait(() => peer.waitFor(re, { timeoutMs }))
const gnutlsGroup = (g: GroupInfo) => g.gnutls!.replace(/^GROUP-/, "")
const echoed = (c: Side, s: string) => wait(() => c.inbox.waitFor((t) => t.includes(s), WAIT))

describe.skipIf(!HAVE_GNUTLS)("TLS 1.3 interop with GnuTLS 3.7", () => {
  beforeAll(() => {
    pki = makeInteropPki("tls13-gnutls-")
  })
  afterAll(async () => {
    await killAll()
    pki?.cleanup()
  })

  describe("our client → gnutls-serv", () => {
    const grid = suites.flatMap((s) => classicalGroups.map((g) => ({ s, g })))
    it.each(grid)("$s.name × $g.name", ({ s, g }) =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* gnutlsServ(["-a", "-d", "5", "--priority", gnutlsPriority({ suites: [s], groups: [g] })])
          const c = yield* connect(port, { groups: [g.code], keyShareGroups: [g.code] })
          yield* c.conn.write(text("ping\n"))
          yield* echoed(c, "ping")
          const log = parseGnutlsLog(peer.output())
          expect(c.params).toMatchObject({ version: 0x0304, cipherSuite: s.code, group: g.code, helloRetry: false, resumed: false })
          expect(log.description).toMatchObject({ version: "TLS1.3", kx: g.gnutlsKx, cipher: s.gnutls })
          expect(log.groups).toEqual([gnutlsGroup(g)])
          expect(log.helloRetrySent).toBe(false)
        })
      )
    )

    it.each(serverCertKinds)("server certificate $kind", (k) =>
      run(
        Effect.gen(function* () {
          const cert = pki.server[k.kind]
          const { peer, port } = yield* gnutlsServ(["-a", "-d", "5", "--priority", gnutlsPriority()], cert)
          const c = yield* connect(port)
          yield* c.conn.write(text("ping\n"))
          yield* echoed(c, "ping")
          const log = parseGnutlsLog(peer.output())
          expect(c.params.peerCertificates[0]).toEqual(cert.der)
          expect(c.params.peerSignatureScheme).toBe(k.scheme)
          expect(log.signed).toEqual([k.gnutlsSig])
          expect(log.description?.sig).toBe(k.gnutlsSig)
        })
      )
    )

    it("HelloRetryRequest: gnutls-serv accepts only secp384r1, we guess x25519", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* gnutlsServ(["-a", "-d", "5", "--priority", gnutlsPriority({ groups: [groups.secp384r1] })])
          const c = yield* connect(port, { groups: [groups.x25519.code, groups.secp384r1.code], keyShareGroups: [groups.x25519.code] })
          yield* c.conn.write(text("ping\n"))
          yield* echoed(c, "ping")
          const log = parseGnutlsLog(peer.output())
          expect(c.params).toMatchObject({ helloRetry: true, group: groups.secp384r1.code })
          expect(log.helloRetrySent).toBe(true)
          expect(log.description?.kx).toBe(groups.secp384r1.gnutlsKx)
        })
      )
    )

    it("client certificate required (--require-client-cert --verify-client-cert): we send ours", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* gnutlsServ(["--require-client-cert", "--verify-client-cert", "--x509cafile", pki.ca.certPath, "-d", "5"])
          const c = yield* connect(port, { certificates: [credential(pki.client)] })
          yield* c.conn.write(text("ping\n"))
          yield* echoed(c, "ping")
          const out = peer.output()
          const log = parseGnutlsLog(out)
          expect(c.params.signatureScheme).toBe(schemes.ecdsa_secp256r1_sha256)
          expect(log.verified).toEqual(["ECDSA-SECP256R1-SHA256"])
          expect(out).toContain("CN=interop client")
          expect(out).not.toContain("Peer's certificate was NOT verified")
        })
      )
    )

    it("client certificate optional (gnutls-serv asks by default): we have none and go on", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* gnutlsServ(["-d", "5"])
          const c = yield* connect(port)
          yield* c.conn.write(text("ping\n"))
          yield* echoed(c, "ping")
          const out = peer.output()
          expect(out).toContain("CERTIFICATE REQUEST was queued")
          expect(parseGnutlsLog(out).verified).toEqual([])
          expect(c.params.signatureScheme).toBeUndefined()
        })
      )
    )

    it("client certificate required and we have none: gnutls-serv refuses", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* gnutlsServ(["--require-client-cert", "--verify-client-cert", "--x509cafile", pki.ca.certPath, "-d", "5"])
          const c = yield* connect(port)
          const end = yield* wait(() => c.inbox.waitEnd(WAIT))
          expect(String(end.error)).toContain("certificate_required")
          yield* wait(() => waitUntil("gnutls-serv's alert", () => parseGnutlsLog(peer.output()).alerts.includes("sent 2|116"), { timeoutMs: WAIT }))
        })
      )
    )

    it("resumption with a ticket: our config.session, gnutls-serv resumes", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* gnutlsServ(["-a", "-d", "5"])
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
          const before = peer.output().length
          const second = yield* connect(port, { session: ticket.session as never })
          yield* second.conn.write(text("resumed\n"))
          yield* echoed(second, "resumed")
          const log = parseGnutlsLog(peer.output().slice(before))
          expect(first.params.resumed).toBe(false)
          expect(second.params.resumed).toBe(true)
          expect(second.params.peerCertificates).toEqual([])
          expect(log.resumed).toBe(true)
          expect(log.signed).toEqual([])
        })
      )
    )

    it("KeyUpdate: our keyUpdate(true), gnutls-serv answers and the echo goes on", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* gnutlsServ(["-a", "-d", "5"])
          const c = yield* connect(port)
          yield* c.conn.write(text("before\n"))
          yield* echoed(c, "before")
          yield* c.conn.keyUpdate(true)
          yield* c.conn.write(text("after-update\n"))
          yield* echoed(c, "after-update")
          yield* c.conn.keyUpdate(false)
          yield* c.conn.write(text("after-second\n"))
          yield* echoed(c, "after-second")
          expect(parseGnutlsLog(peer.output()).keyUpdates).toEqual(["received 1", "sent 0", "received 0"])
          expect(traces(c.events)).toEqual(
            expect.arrayContaining(["write KeyUpdate(update_requested)", "read KeyUpdate(update_not_requested)", "write KeyUpdate(update_not_requested)"])
          )
        })
      )
    )

    it("ALPN: gnutls-serv picks http/1.1 from our offer", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* gnutlsServ(["-a", "--alpn", "http/1.1", "--alpn", "h2", "--alpn-fatal"])
          const c = yield* connect(port, { alpn: ["foo", "http/1.1"] })
          yield* c.conn.write(text("ping\n"))
          yield* echoed(c, "ping")
          expect(c.params.alpn).toBe("http/1.1")
          expect(parseGnutlsLog(peer.output()).alpn).toBe("http/1.1")
        })
      )
    )

    it("close_notify, we close first: gnutls-serv sees it and answers with its own", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* gnutlsServ(["-a", "-d", "5"])
          const c = yield* connect(port)
          yield* c.conn.write(text("ping\n"))
          yield* echoed(c, "ping")
          yield* c.conn.close
          const end = yield* wait(() => c.inbox.waitEnd(WAIT))
          expect(end.error).toBeUndefined()
          expect(c.events).toContainEqual({ _tag: "AlertReceived", level: 1, description: 0 })
          yield* wait(() => waitUntil("gnutls-serv's close_notify", () => parseGnutlsLog(peer.output()).alerts.includes("sent 1|0"), { timeoutMs: WAIT }))
          expect(parseGnutlsLog(peer.output()).alerts).toEqual(["received 1|0", "sent 1|0"])
        })
      )
    )

    it(`transfer of ${TRANSFER / MiB} MiB each way through the echo, checked by SHA-256`, () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* gnutlsServ(["-a"])
          // gnutls-serv --echo answers text lines (a C string: no NUL), so the payload is hex lines
          const data = payload(TRANSFER, 5, { text: true, lineEvery: 1024 })
          const c = yield* connect(port)
          yield* writeAll(c.conn.write, data)
          yield* wait(() => c.inbox.waitFor(TRANSFER, TRANSFER_WAIT))
          expect(c.inbox.total()).toBe(TRANSFER)
          expect(c.inbox.sha256()).toBe(sha256(data))
          expect(parseGnutlsLog(peer.output()).description?.cipher).toBe(suites.find((s) => s.code === c.params.cipherSuite)!.gnutls)
          yield* c.conn.close
        }),
        { seconds: TRANSFER_SECONDS }
      )
    )

    it("handshake with NobleCrypto (RSA-2048 rsae certificate, ffdhe3072)", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* gnutlsServ(["-a", "-d", "5"], pki.server["rsa-rsae"])
          const c = yield* connect(port, { groups: [groups.ffdhe3072.code], keyShareGroups: [groups.ffdhe3072.code] })
          yield* c.conn.write(text("noble\n"))
          yield* echoed(c, "noble")
          const log = parseGnutlsLog(peer.output())
          expect(c.params).toMatchObject({ group: groups.ffdhe3072.code, peerSignatureScheme: schemes.rsa_pss_rsae_sha256 })
          expect(log.description).toMatchObject({ kx: groups.ffdhe3072.gnutlsKx, sig: "RSA-PSS-RSAE-SHA256" })
        }),
        { crypto: "noble" }
      )
    )
  })

  describe("gnutls-cli → our server", () => {
    const grid = suites.flatMap((s) => classicalGroups.map((g) => ({ s, g })))
    it.each(grid)("$s.name × $g.name", ({ s, g }) =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve()
          const peer = yield* gnutlsCli(srv.port, ["-d", "5", "--priority", gnutlsPriority({ suites: [s], groups: [g] })])
          const ours = yield* srv.next(0)
          yield* printed(peer, /Handshake was completed/)
          const log = parseGnutlsLog(peer.output())
          expect(ours.params).toMatchObject({ version: 0x0304, cipherSuite: s.code, group: g.code, helloRetry: false })
          expect(log.description).toMatchObject({ version: "TLS1.3", kx: g.gnutlsKx, cipher: s.gnutls })
          expect(log.groups).toEqual([gnutlsGroup(g)])
        })
      )
    )

    it.each(serverCertKinds)("server certificate $kind", (k) =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve({ certificates: [credential(pki.server[k.kind])] })
          const peer = yield* gnutlsCli(srv.port, ["-d", "5"])
          const ours = yield* srv.next(0)
          yield* printed(peer, /Handshake was completed/)
          const log = parseGnutlsLog(peer.output())
          expect(ours.params.signatureScheme).toBe(k.scheme)
          expect(log.verified).toEqual([k.gnutlsSig])
          expect(log.description?.sig).toBe(k.gnutlsSig)
        })
      )
    )

    it("HelloRetryRequest: gnutls-cli guesses its first groups, our server takes only secp384r1", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve({ groups: [groups.secp384r1.code] })
          const peer = yield* gnutlsCli(srv.port, ["-d", "5"])
          const ours = yield* srv.next(0)
          yield* printed(peer, /Handshake was completed/)
          const log = parseGnutlsLog(peer.output())
          expect(ours.params).toMatchObject({ helloRetry: true, group: groups.secp384r1.code })
          expect(log.helloRetryReceived).toBe(true)
          expect(log.description?.kx).toBe(groups.secp384r1.gnutlsKx)
        })
      )
    )

    it("client certificate required: gnutls-cli sends one, we verify it", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve({ clientAuth: "required" })
          const peer = yield* gnutlsCli(srv.port, ["-d", "5", "--x509certfile", pki.clientRsa.certPath, "--x509keyfile", pki.clientRsa.keyPath])
          const ours = yield* srv.next(0)
          yield* printed(peer, /Handshake was completed/)
          yield* ours.conn.write(text("hello client\n"))
          yield* printed(peer, /hello client/)
          const log = parseGnutlsLog(peer.output())
          expect(ours.params.peerCertificates[0]).toEqual(pki.clientRsa.der)
          expect(ours.params.peerSignatureScheme).toBe(schemes.rsa_pss_rsae_sha256)
          expect(log.signed).toEqual(["RSA-PSS-RSAE-SHA256"])
          expect(peer.output()).toContain("Server has requested a certificate")
        })
      )
    )

    it("client certificate optional: gnutls-cli has none and the connection goes on", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve({ clientAuth: "optional" })
          const peer = yield* gnutlsCli(srv.port, ["-d", "5"])
          const ours = yield* srv.next(0)
          yield* printed(peer, /Handshake was completed/)
          yield* ours.conn.write(text("hello anonymous\n"))
          yield* printed(peer, /hello anonymous/)
          expect(ours.params.peerCertificates).toEqual([])
          expect(peer.output()).toContain("Server has requested a certificate")
          expect(parseGnutlsLog(peer.output()).signed).toEqual([])
        })
      )
    )

    it("resumption with a ticket: gnutls-cli --resume", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve({ ticketKeys: [Redacted.make(new Uint8Array(randomBytes(32)))], tickets: 1 })
          const peer = yield* gnutlsCli(srv.port, ["-d", "5", "--resume"])
          yield* srv.next(0)
          const ours = yield* srv.next(1)
          yield* printed(peer, /This is a resumed session/)
          expect(srv.conns[0]!.params.resumed).toBe(false)
          expect(ours.params.resumed).toBe(true)
          expect(ours.params.peerCertificates).toEqual([])
          expect(parseGnutlsLog(peer.output()).resumed).toBe(true)
        })
      )
    )

    it("KeyUpdate both ways: gnutls-cli's ^rekey^, then our keyUpdate(true)", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve()
          const peer = yield* gnutlsCli(srv.port, ["-d", "5", "--inline-commands"])
          const ours = yield* srv.next(0)
          yield* printed(peer, /Handshake was completed/)
          peer.write("^rekey^\n")
          yield* printed(peer, /Rekey was completed/)
          yield* wait(() => waitUntil("our answer to gnutls-cli's KeyUpdate", () => traces(ours.events).includes("write KeyUpdate(update_not_requested)"), { timeoutMs: WAIT }))
          peer.write("after-their-update\n")
          yield* wait(() => ours.inbox.waitFor((t) => t.includes("after-their-update"), WAIT))
          yield* ours.conn.keyUpdate(true)
          yield* ours.conn.write(text("after-our-update\n"))
          yield* printed(peer, /after-our-update/)
          peer.write("back\n")
          yield* wait(() => ours.inbox.waitFor((t) => t.includes("back"), WAIT))
          expect(parseGnutlsLog(peer.output()).keyUpdates).toEqual(["sent 1", "received 0", "received 1", "sent 0"])
          expect(traces(ours.events)).toEqual(
            expect.arrayContaining(["read KeyUpdate(update_requested)", "write KeyUpdate(update_not_requested)", "write KeyUpdate(update_requested)", "read KeyUpdate(update_not_requested)"])
          )
        })
      )
    )

    it("ALPN: we pick h2 from gnutls-cli's offer", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve({ alpn: ["h2", "http/1.1"] })
          const peer = yield* gnutlsCli(srv.port, ["--alpn", "http/1.1", "--alpn", "h2"])
          const ours = yield* srv.next(0)
          yield* printed(peer, /Handshake was completed/)
          expect(ours.params.alpn).toBe("h2")
          expect(parseGnutlsLog(peer.output()).alpn).toBe("h2")
        })
      )
    )

    it("close_notify, gnutls-cli closes first (end of its input): our read ends cleanly", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve()
          const peer = yield* gnutlsCli(srv.port, ["-d", "5"])
          const ours = yield* srv.next(0)
          yield* printed(peer, /Handshake was completed/)
          peer.closeStdin()
          const end = yield* wait(() => ours.inbox.waitEnd(WAIT))
          expect(end.error).toBeUndefined()
          expect(ours.events).toContainEqual({ _tag: "AlertReceived", level: 1, description: 0 })
          yield* ours.conn.close
          yield* wait(() => peer.exited)
          expect(parseGnutlsLog(peer.output()).alerts[0]).toBe("sent 1|0")
        })
      )
    )

    it("close_notify, we close first: gnutls-cli sees a clean close", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve()
          const peer = yield* gnutlsCli(srv.port, ["-d", "5"])
          const ours = yield* srv.next(0)
          yield* printed(peer, /Handshake was completed/)
          yield* ours.conn.close
          yield* printed(peer, /Peer has closed the GnuTLS connection/)
          expect(parseGnutlsLog(peer.output()).alerts[0]).toBe("received 1|0")
          expect(ours.events).toContainEqual({ _tag: "AlertSent", level: 1, description: 0 })
        })
      )
    )

    it(`transfer of ${TRANSFER / MiB} MiB each way, checked by SHA-256`, () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve()
          const marker = "<<<effect-tls>>>"
          const up = payload(TRANSFER, 6, { text: true })
          const down = payload(TRANSFER, 7, { text: true })
          // gnutls-cli reads slowly (about 1 MB/s here, against openssl s_server too): records of
          // at most 4 KiB (record_size_limit, RFC 8449) suit its 4 KiB reads best.
          const peer = yield* gnutlsCli(srv.port, ["--recordsize", "4096"], { buffered: true })
          const atClient = hashAfterMarker(peer.child.stdout!, marker, TRANSFER)
          const ours = yield* srv.next(0)
          yield* printed(peer, /Handshake was completed/)
          peer.write(up)
          yield* writeAll(ours.conn.write, Buffer.concat([text(marker), down]))
          yield* wait(() => ours.inbox.waitFor(TRANSFER, TRANSFER_WAIT))
          const got = yield* wait(() => atClient.done(TRANSFER_WAIT))
          expect(ours.inbox.total()).toBe(TRANSFER)
          expect(ours.inbox.sha256()).toBe(sha256(up))
          expect(got).toEqual({ sha256: sha256(down), length: TRANSFER })
          expect(parseGnutlsLog(peer.output()).description?.cipher).toBe(suites.find((s) => s.code === ours.params.cipherSuite)!.gnutls)
        }),
        { seconds: TRANSFER_SECONDS }
      )
    )

    it("handshake with NobleCrypto (ECDSA P-384 certificate, x25519)", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve({ certificates: [credential(pki.server["ecdsa-p384"])] })
          const peer = yield* gnutlsCli(srv.port, ["-d", "5", "--priority", gnutlsPriority({ groups: [groups.x25519] })])
          const ours = yield* srv.next(0)
          yield* printed(peer, /Handshake was completed/)
          const log = parseGnutlsLog(peer.output())
          expect(ours.params).toMatchObject({ group: groups.x25519.code, signatureScheme: schemes.ecdsa_secp384r1_sha384 })
          expect(log.description).toMatchObject({ kx: groups.x25519.gnutlsKx, sig: "ECDSA-SECP384R1-SHA384" })
        }),
        { crypto: "noble" }
      )
    )
  })
})
