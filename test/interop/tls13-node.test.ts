/**
 * TLS 1.3 interop matrix against node:tls (issue 13, "Interop matrix"): our client against
 * a node:tls server, and a node:tls client against our server. The peer runs in its own
 * process with the test's Node 24 (bundled OpenSSL 3.5, the one peer here with
 * X25519MLKEM768), from `test/support/node-tls-peer.ts`, which prints what node's API says
 * (`getProtocol()`, `getCipher()`, `getEphemeralKeyInfo()`, `alpnProtocol`,
 * `isSessionReused()`, the peer certificate) and OpenSSL's trace (`enableTrace()`).
 * Covered: every suite × every group (X25519MLKEM768 included), every server certificate
 * kind, HelloRetryRequest, client certificates (required and optional), ticket resumption
 * (node's `session` event and option, our `config.session`), KeyUpdate (our `keyUpdate`;
 * node has no API to start one), ALPN, close_notify both ways, a SHA-256-checked transfer
 * each way (4 MiB in CI, 64 MiB in the full tier) and a handshake with `NobleCrypto`.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import type { NodePeerOptions } from "@effect-tls/test-support/node-tls-peer"
import { killAll, type Peer, spawnPeer, waitUntil } from "@effect-tls/test-support/processes"
import { runs } from "@effect-tls/test-support/tier"
import {
  type Cert,
  classicalGroups,
  groups,
  type InteropPki,
  makeInteropPki,
  MiB,
  nodePeerScript,
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
import { randomBytes } from "node:crypto"
import * as path from "node:path"
import { credentialOf, harness, owned, type Side, text, traces, wait } from "./live.js"

const TRANSFER = runs({ ci: 4, full: 64 }) * MiB
const WAIT = 15_000
const TRANSFER_WAIT = runs({ ci: 100_000, full: 1_500_000 })
const TRANSFER_SECONDS = runs({ ci: 120, full: 1_700 })
const allGroups = [...classicalGroups, groups.X25519MLKEM768]

// ---- Effect glue (./live.ts) ----

let pki: InteropPki
const credential = (cert: Cert) => credentialOf(cert.der, cert.keyPem)
const { run, connect, serve } = harness({ anchors: () => [pki.ca.pem], certificates: () => [credential(pki.server["ecdsa-p256"])] })

// ---- node:tls peers ----

/** One line of the peer's report. */
interface Report {
  readonly event: string
  readonly [k: string]: unknown
}
const reports = (peer: Peer): ReadonlyArray<Report> =>
  peer
    .stdout()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Report)

/** Waits for the `n`-th (from 1) report named `event` and returns it. */
const reported = (peer: Peer, event: string, n = 1, timeoutMs = WAIT): Effect.Effect<Report> =>
  wait(() =>
    waitUntil(`node:tls ${event} #${n}\n${peer.output().slice(-3000)}`, () => reports(peer).filter((r) => r.event === event).length >= n || peer.exit() !== undefined, { timeoutMs })
  ).pipe(
    Effect.map(() => {
      const r = reports(peer).filter((x) => x.event === event)[n - 1]
      if (r === undefined) throw new Error(`node:tls exited before reporting ${event}: ${peer.output().slice(-3000)}`)
      return r
    })
  )

const nodePeer = (o: NodePeerOptions): Effect.Effect<Peer, never, Scope.Scope> =>
  owned(spawnPeer(process.execPath, [nodePeerScript, JSON.stringify(o)], { name: `node:tls ${o.mode}` }))

/** A node:tls server (tracing) with one of our certificates; resolves once it listens. */
const nodeServer = (o: Partial<NodePeerOptions>, cert: Cert = pki.server["ecdsa-p256"]) =>
  Effect.gen(function* () {
    const peer = yield* nodePeer({ mode: "server", cert: cert.certPath, key: cert.keyPath, trace: true, end: "peer", ...o })
    const listening = yield* reported(peer, "listening")
    return { peer, port: listening.port as number }
  })

/** A node:tls client (tracing) trusting our CA. */
const nodeClient = (port: number, o: Partial<NodePeerOptions> = {}) =>
  nodePeer({ mode: "client", port, servername: "localhost", ca: pki.ca.certPath, trace: true, end: "peer", ...o })

const trace = (peer: Peer) => parseTrace(peer.stderr())
const keyUpdates = (peer: Peer) =>
  trace(peer)
    .messages.filter((m) => m.type === "KeyUpdate")
    .map((m) => `${m.dir} ${/update_(not_)?requested/.exec(m.lines.join(" "))?.[0]}`)
const echoed = (c: Side, s: string) => wait(() => c.inbox.waitFor((t) => t.includes(s), WAIT))

describe("TLS 1.3 interop with node:tls (Node 24, OpenSSL 3.5)", () => {
  beforeAll(() => {
    pki = makeInteropPki("tls13-node-")
  })
  afterAll(async () => {
    await killAll()
    pki?.cleanup()
  })

  describe("our client → node:tls server", () => {
    const grid = suites.flatMap((s) => allGroups.map((g) => ({ s, g })))
    it.each(grid)("$s.name × $g.name", ({ s, g }) =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* nodeServer({ ciphersuites: s.name, groups: g.openssl, echo: true })
          const c = yield* connect(port, { groups: [g.code], keyShareGroups: [g.code] })
          yield* c.conn.write(text("ping\n"))
          yield* echoed(c, "ping")
          const secure = yield* reported(peer, "secure")
          const t = trace(peer)
          expect(c.params).toMatchObject({ version: 0x0304, cipherSuite: s.code, group: g.code, helloRetry: false, resumed: false })
          expect(secure).toMatchObject({ protocol: "TLSv1.3", cipher: s.name })
          expect(t.suite).toBe(s.code)
          expect(t.group).toBe(g.code)
          expect(t.helloRetryRequest).toBeUndefined()
        })
      )
    )

    it.each(serverCertKinds)("server certificate $kind", (k) =>
      run(
        Effect.gen(function* () {
          const cert = pki.server[k.kind]
          const { peer, port } = yield* nodeServer({ echo: true }, cert)
          const c = yield* connect(port)
          yield* c.conn.write(text("ping\n"))
          yield* echoed(c, "ping")
          expect(c.params.peerCertificates[0]).toEqual(cert.der)
          expect(c.params.peerSignatureScheme).toBe(k.scheme)
          expect(trace(peer).certificateVerify).toEqual([{ dir: "sent", scheme: k.scheme }])
        })
      )
    )

    it("HelloRetryRequest: the server accepts only secp384r1, we guess x25519", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* nodeServer({ groups: "P-384", echo: true })
          const c = yield* connect(port, { groups: [groups.x25519.code, groups.secp384r1.code], keyShareGroups: [groups.x25519.code] })
          yield* c.conn.write(text("ping\n"))
          yield* echoed(c, "ping")
          const t = trace(peer)
          expect(c.params).toMatchObject({ helloRetry: true, group: groups.secp384r1.code })
          expect(t.helloRetryRequest?.dir).toBe("sent")
          expect(t.retryGroup).toBe(groups.secp384r1.code)
          expect(t.group).toBe(groups.secp384r1.code)
        })
      )
    )

    it("client certificate required (requestCert, rejectUnauthorized): we send ours", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* nodeServer({ requestCert: true, rejectUnauthorized: true, ca: pki.ca.certPath, echo: true })
          const c = yield* connect(port, { certificates: [credential(pki.client)] })
          yield* c.conn.write(text("ping\n"))
          yield* echoed(c, "ping")
          const secure = yield* reported(peer, "secure")
          expect(c.params.signatureScheme).toBe(schemes.ecdsa_secp256r1_sha256)
          expect(secure).toMatchObject({ authorized: true, peerSubject: "interop client" })
          expect(trace(peer).certificateVerify).toContainEqual({ dir: "received", scheme: schemes.ecdsa_secp256r1_sha256 })
        })
      )
    )

    it("client certificate optional (requestCert only): we have none and go on", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* nodeServer({ requestCert: true, rejectUnauthorized: false, ca: pki.ca.certPath, echo: true })
          const c = yield* connect(port)
          yield* c.conn.write(text("ping\n"))
          yield* echoed(c, "ping")
          const secure = yield* reported(peer, "secure")
          expect(secure).toMatchObject({ authorized: false, peerSubject: null })
          expect(trace(peer).count("sent", "CertificateRequest")).toBe(1)
          expect(c.params.signatureScheme).toBeUndefined()
        })
      )
    )

    it("resumption with a ticket: our config.session, the server reuses it", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* nodeServer({ echo: true })
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
          const second = yield* connect(port, { session: ticket.session as never })
          yield* second.conn.write(text("resumed\n"))
          yield* echoed(second, "resumed")
          expect(first.params.resumed).toBe(false)
          expect(second.params.resumed).toBe(true)
          expect(yield* reported(peer, "secure", 1)).toMatchObject({ reused: false })
          expect(yield* reported(peer, "secure", 2)).toMatchObject({ reused: true })
        })
      )
    )

    it("KeyUpdate: our keyUpdate(true), node answers and the echo goes on", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* nodeServer({ echo: true })
          const c = yield* connect(port)
          yield* c.conn.keyUpdate(true)
          yield* c.conn.write(text("after-update\n"))
          yield* echoed(c, "after-update")
          yield* c.conn.keyUpdate(false)
          yield* c.conn.write(text("after-second\n"))
          yield* echoed(c, "after-second")
          expect(keyUpdates(peer)).toEqual(["received update_requested", "sent update_not_requested", "received update_not_requested"])
          expect(traces(c.events)).toEqual(
            expect.arrayContaining(["write KeyUpdate(update_requested)", "read KeyUpdate(update_not_requested)", "write KeyUpdate(update_not_requested)"])
          )
        })
      )
    )

    it("ALPN: the server picks h2 from our offer", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* nodeServer({ alpn: ["h2", "http/1.1"], echo: true })
          const c = yield* connect(port, { alpn: ["http/1.1", "h2"] })
          yield* c.conn.write(text("ping\n"))
          yield* echoed(c, "ping")
          expect(c.params.alpn).toBe("h2")
          expect(yield* reported(peer, "secure")).toMatchObject({ alpn: "h2" })
        })
      )
    )

    it("close_notify, we close first: node sees it and answers with its own", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* nodeServer({ echo: true })
          const c = yield* connect(port)
          yield* c.conn.write(text("ping\n"))
          yield* echoed(c, "ping")
          yield* c.conn.close
          const end = yield* wait(() => c.inbox.waitEnd(WAIT))
          yield* reported(peer, "close")
          expect(end.error).toBeUndefined()
          expect(yield* reported(peer, "end")).toMatchObject({ id: 1 })
          expect(trace(peer).alerts).toEqual([
            { dir: "received", level: 1, description: 0 },
            { dir: "sent", level: 1, description: 0 }
          ])
        })
      )
    )

    it("close_notify, node closes first: our read ends cleanly, then we close", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* nodeServer({ end: "done" })
          const c = yield* connect(port)
          const end = yield* wait(() => c.inbox.waitEnd(WAIT))
          expect(end.error).toBeUndefined()
          expect(c.events).toContainEqual({ _tag: "AlertReceived", level: 1, description: 0 })
          yield* c.conn.close
          yield* reported(peer, "close")
          expect(trace(peer).alerts[0]).toEqual({ dir: "sent", level: 1, description: 0 })
        })
      )
    )

    it(`transfer of ${TRANSFER / MiB} MiB each way, checked by SHA-256`, () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* nodeServer({ trace: false, send: TRANSFER, expect: TRANSFER, end: "done" })
          const up = payload(TRANSFER, 8)
          const c = yield* connect(port)
          yield* writeAll(c.conn.write, up)
          yield* wait(() => c.inbox.waitFor(TRANSFER, TRANSFER_WAIT))
          const received = yield* reported(peer, "received", 1, TRANSFER_WAIT)
          const sent = yield* reported(peer, "sent")
          const secure = yield* reported(peer, "secure")
          expect(received).toMatchObject({ length: TRANSFER, sha256: sha256(up) })
          expect(c.inbox.total()).toBe(TRANSFER)
          expect(c.inbox.sha256()).toBe(sent.sha256)
          expect(secure.cipher).toBe(suites.find((s) => s.code === c.params.cipherSuite)!.name)
          const end = yield* wait(() => c.inbox.waitEnd(WAIT))
          expect(end.error).toBeUndefined()
        }),
        { seconds: TRANSFER_SECONDS }
      )
    )

    it("handshake with NobleCrypto (RSA-PSS certificate, X25519MLKEM768)", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* nodeServer({ groups: "X25519MLKEM768", echo: true }, pki.server["rsa-pss"])
          const c = yield* connect(port, { groups: [groups.X25519MLKEM768.code], keyShareGroups: [groups.X25519MLKEM768.code] })
          yield* c.conn.write(text("noble\n"))
          yield* echoed(c, "noble")
          const t = trace(peer)
          expect(c.params).toMatchObject({ group: groups.X25519MLKEM768.code, peerSignatureScheme: schemes.rsa_pss_pss_sha256 })
          expect(t.group).toBe(groups.X25519MLKEM768.code)
          expect(t.certificateVerify).toEqual([{ dir: "sent", scheme: schemes.rsa_pss_pss_sha256 }])
        }),
        { crypto: "noble" }
      )
    )
  })

  describe("node:tls client → our server", () => {
    const grid = suites.flatMap((s) => allGroups.map((g) => ({ s, g })))
    it.each(grid)("$s.name × $g.name", ({ s, g }) =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve()
          const peer = yield* nodeClient(srv.port, { ciphersuites: s.name, groups: g.openssl })
          const ours = yield* srv.next(0)
          const secure = yield* reported(peer, "secure")
          const t = trace(peer)
          expect(ours.params).toMatchObject({ version: 0x0304, cipherSuite: s.code, group: g.code, helloRetry: false })
          expect(secure).toMatchObject({ protocol: "TLSv1.3", cipher: s.name, ephemeral: g.nodeEphemeral })
          expect(t.suite).toBe(s.code)
          expect(t.group).toBe(g.code)
        })
      )
    )

    it.each(serverCertKinds)("server certificate $kind", (k) =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve({ certificates: [credential(pki.server[k.kind])] })
          const peer = yield* nodeClient(srv.port)
          const ours = yield* srv.next(0)
          const secure = yield* reported(peer, "secure")
          expect(ours.params.signatureScheme).toBe(k.scheme)
          expect(secure).toMatchObject({ authorized: true, peerSubject: "localhost" })
          expect(trace(peer).certificateVerify).toEqual([{ dir: "received", scheme: k.scheme }])
        })
      )
    )

    it("HelloRetryRequest: node guesses x25519, our server takes only secp384r1", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve({ groups: [groups.secp384r1.code] })
          const peer = yield* nodeClient(srv.port, { groups: "X25519:P-384" })
          const ours = yield* srv.next(0)
          const secure = yield* reported(peer, "secure")
          const t = trace(peer)
          expect(ours.params).toMatchObject({ helloRetry: true, group: groups.secp384r1.code })
          expect(t.helloRetryRequest?.dir).toBe("received")
          expect(t.retryGroup).toBe(groups.secp384r1.code)
          expect(secure.ephemeral).toMatchObject(groups.secp384r1.nodeEphemeral)
        })
      )
    )

    it("HelloRetryRequest to the hybrid group: node guesses x25519, our server prefers X25519MLKEM768", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve({ groups: [groups.X25519MLKEM768.code, groups.x25519.code], retryForPreferredGroup: true })
          const peer = yield* nodeClient(srv.port, { groups: "X25519:X25519MLKEM768" })
          const ours = yield* srv.next(0)
          const secure = yield* reported(peer, "secure")
          expect(ours.params).toMatchObject({ helloRetry: true, group: groups.X25519MLKEM768.code })
          expect(trace(peer).retryGroup).toBe(groups.X25519MLKEM768.code)
          expect(secure.ephemeral).toMatchObject(groups.X25519MLKEM768.nodeEphemeral)
        })
      )
    )

    it("client certificate required: node sends one, we verify it", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve({ clientAuth: "required" })
          const peer = yield* nodeClient(srv.port, { cert: pki.client.certPath, key: pki.client.keyPath })
          const ours = yield* srv.next(0)
          yield* reported(peer, "secure")
          expect(ours.params.peerCertificates[0]).toEqual(pki.client.der)
          expect(ours.params.peerSignatureScheme).toBe(schemes.ecdsa_secp256r1_sha256)
          expect(trace(peer).certificateVerify).toContainEqual({ dir: "sent", scheme: schemes.ecdsa_secp256r1_sha256 })
        })
      )
    )

    it("client certificate optional: node has none and the connection goes on", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve({ clientAuth: "optional" })
          const peer = yield* nodeClient(srv.port, { expect: 6 })
          const ours = yield* srv.next(0)
          yield* ours.conn.write(text("hello\n"))
          const received = yield* reported(peer, "received")
          expect(received).toMatchObject({ length: 6, sha256: sha256(text("hello\n")) })
          expect(ours.params.peerCertificates).toEqual([])
          expect(trace(peer).count("received", "CertificateRequest")).toBe(1)
          expect(trace(peer).count("sent", "CertificateVerify")).toBe(0)
        })
      )
    )

    it("resumption with a ticket: node's session event, then its session option", () =>
      run(
        Effect.gen(function* () {
          const sess = path.join(pki.forge.dir, "node-client.sess")
          const srv = yield* serve({ ticketKeys: [Redacted.make(new Uint8Array(randomBytes(32)))], tickets: 1 })
          const first = yield* nodeClient(srv.port, { sessionOut: sess, expect: 3, end: "done" })
          yield* srv.next(0)
          yield* srv.conns[0]!.conn.write(text("hi\n"))
          yield* reported(first, "session")
          // node closes once it has the 3 bytes; we answer
          yield* wait(() => srv.conns[0]!.inbox.waitEnd(WAIT))
          yield* srv.conns[0]!.conn.close
          yield* reported(first, "close")
          const second = yield* nodeClient(srv.port, { session: sess })
          const ours = yield* srv.next(1)
          const secure = yield* reported(second, "secure")
          expect(srv.conns[0]!.params.resumed).toBe(false)
          expect(ours.params.resumed).toBe(true)
          expect(secure).toMatchObject({ reused: true })
          expect(trace(second).count("received", "Certificate")).toBe(0)
        })
      )
    )

    it("KeyUpdate: our keyUpdate(true), node answers and data flows both ways", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve()
          const peer = yield* nodeClient(srv.port, { echo: true })
          const ours = yield* srv.next(0)
          yield* ours.conn.keyUpdate(true)
          yield* ours.conn.write(text("after-our-update\n"))
          yield* echoed(ours, "after-our-update")
          expect(keyUpdates(peer)).toEqual(["received update_requested", "sent update_not_requested"])
          expect(traces(ours.events)).toEqual(expect.arrayContaining(["write KeyUpdate(update_requested)", "read KeyUpdate(update_not_requested)"]))
        })
      )
    )

    it("ALPN: we pick http/1.1 from node's offer", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve({ alpn: ["http/1.1", "h2"] })
          const peer = yield* nodeClient(srv.port, { alpn: ["h2", "http/1.1"] })
          const ours = yield* srv.next(0)
          expect(yield* reported(peer, "secure")).toMatchObject({ alpn: "http/1.1" })
          expect(ours.params.alpn).toBe("http/1.1")
        })
      )
    )

    it("close_notify, node closes first: our read ends cleanly", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve()
          const peer = yield* nodeClient(srv.port, { end: "done" })
          const ours = yield* srv.next(0)
          const end = yield* wait(() => ours.inbox.waitEnd(WAIT))
          expect(end.error).toBeUndefined()
          expect(ours.events).toContainEqual({ _tag: "AlertReceived", level: 1, description: 0 })
          yield* ours.conn.close
          yield* reported(peer, "close")
          expect(trace(peer).alerts[0]).toEqual({ dir: "sent", level: 1, description: 0 })
        })
      )
    )

    it("close_notify, we close first: node sees it and answers", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve()
          const peer = yield* nodeClient(srv.port)
          const ours = yield* srv.next(0)
          yield* reported(peer, "secure")
          yield* ours.conn.close
          yield* reported(peer, "end")
          const end = yield* wait(() => ours.inbox.waitEnd(WAIT))
          expect(end.error).toBeUndefined()
          expect(trace(peer).alerts).toEqual([
            { dir: "received", level: 1, description: 0 },
            { dir: "sent", level: 1, description: 0 }
          ])
        })
      )
    )

    it(`transfer of ${TRANSFER / MiB} MiB each way, checked by SHA-256`, () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve()
          const down = payload(TRANSFER, 9)
          const peer = yield* nodeClient(srv.port, { trace: false, send: TRANSFER, expect: TRANSFER, end: "done" })
          const ours = yield* srv.next(0)
          yield* writeAll(ours.conn.write, down)
          yield* wait(() => ours.inbox.waitFor(TRANSFER, TRANSFER_WAIT))
          const received = yield* reported(peer, "received", 1, TRANSFER_WAIT)
          const sent = yield* reported(peer, "sent")
          expect(received).toMatchObject({ length: TRANSFER, sha256: sha256(down) })
          expect(ours.inbox.total()).toBe(TRANSFER)
          expect(ours.inbox.sha256()).toBe(sent.sha256)
          expect((yield* reported(peer, "secure")).cipher).toBe(suites.find((s) => s.code === ours.params.cipherSuite)!.name)
        }),
        { seconds: TRANSFER_SECONDS }
      )
    )

    it("handshake with NobleCrypto (ECDSA P-256 certificate, X25519MLKEM768)", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve()
          const peer = yield* nodeClient(srv.port, { groups: "X25519MLKEM768" })
          const ours = yield* srv.next(0)
          const secure = yield* reported(peer, "secure")
          expect(ours.params).toMatchObject({ group: groups.X25519MLKEM768.code, signatureScheme: schemes.ecdsa_secp256r1_sha256 })
          expect(secure.ephemeral).toMatchObject(groups.X25519MLKEM768.nodeEphemeral)
          expect(trace(peer).group).toBe(groups.X25519MLKEM768.code)
        }),
        { crypto: "noble" }
      )
    )
  })
})
