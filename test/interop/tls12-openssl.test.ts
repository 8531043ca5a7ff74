/**
 * TLS 1.2 interop with the machine's OpenSSL: our client against `openssl s_server
 * -tls1_2`, and `openssl s_client -tls1_2` against our server, over the five suites of the
 * matrix (ECDHE-ECDSA, ECDHE-RSA with AES-GCM and ChaCha20-Poly1305, DHE-RSA on ffdhe2048,
 * RSA key transport) and the groups x25519, secp256r1, secp384r1 in each direction; client
 * certificates (required and optional); resumption by session ID and by ticket, both
 * ways; renegotiation started by `s_client` (`R`: refused with a no_renegotiation warning
 * by default, a second handshake with `renegotiation: "accept"`), by our server (a
 * HelloRequest), by our client and by `s_server` (`r`); version fallback of our default client; close_notify both ways; and a
 * SHA-256-checked transfer each way (4 MiB in CI, 64 MiB in the full tier).
 *
 * Every test asserts what was negotiated from both sides: OpenSSL's report (`-trace`'s
 * ServerHello suite and ServerKeyExchange curve, `s_client`'s summary, `s_server`'s
 * `CIPHER is`) and our `conn.params`, and that data flows both ways.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { needs } from "@effect-tls/test-support/peers"
import { type Issued, makePki, type Pki } from "@effect-tls/test-support/pki"
import { killAll, type Peer, spawnPeer, startServer, waitUntil } from "@effect-tls/test-support/processes"
import { groups, hashAfterMarker, MiB, parseSClient, parseTrace, payload, sha256, writeAll } from "@effect-tls/test-support/tls"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { execFileSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import {
  caseConfig,
  caseGroups,
  hex,
  clientGrid,
  expectedParams,
  harness,
  owned,
  received,
  serverGrid,
  suites12,
  TLS12,
  traceNamedCurve,
  TRANSFER,
  TRANSFER_SECONDS,
  TRANSFER_WAIT,
  text,
  traces,
  WAIT,
  wait
} from "./tls12-support.js"

const HAVE_OPENSSL = needs("openssl")

let pki: Pki
let client: Issued
let ffdhe2048: string
const { run, connect, serve, credential } = harness(() => pki)

// OpenSSL's trace and summaries are read from stdout alone: its stderr (verify callbacks,
// errors) would interleave with them in arbitrary chunks.

/** `openssl s_server -tls1_2` with the RSA and the ECDSA certificate, on a free port. */
const sServer = (args: ReadonlyArray<string>, o: { readonly tls12?: boolean } = {}): Effect.Effect<{ readonly peer: Peer; readonly port: number }, never, Scope.Scope> =>
  Effect.gen(function* () {
    const started = yield* wait(() =>
      startServer(
        "stdbuf",
        (p) => [
          "-o0", "openssl", "s_server", "-accept", `127.0.0.1:${p}`, "-cert", pki.rsa.certPath, "-key", pki.rsa.keyPath,
          "-dcert", pki.ecdsa.certPath, "-dkey", pki.ecdsa.keyPath, ...(o.tls12 === false ? [] : ["-tls1_2"]), ...args
        ],
        { ready: /^ACCEPT$/m }
      )
    )
    yield* owned(started.peer)
    return started
  })

/** `openssl s_client -tls1_2` to our server, verifying its certificate for `localhost`. */
const sClient = (port: number, args: ReadonlyArray<string>): Effect.Effect<Peer, never, Scope.Scope> =>
  owned(
    spawnPeer("stdbuf", [
      "-o0", "openssl", "s_client", "-connect", `127.0.0.1:${port}`, "-tls1_2", "-CAfile", pki.ca.certPath, "-verify_return_error",
      "-servername", "localhost", "-verify_hostname", "localhost", ...args
    ])
  )

/** Waits until OpenSSL printed `re` on stdout. */
const printed = (peer: Peer, re: RegExp): Effect.Effect<RegExpExecArray> => wait(() => peer.waitFor(re, { timeoutMs: WAIT, stream: "stdout" }))
const verified = (peer: Peer) => printed(peer, /Verify return code: 0 \(ok\)/)
/** Our side saw a second handshake complete: its events carry two HandshakeComplete. */
const renegotiated = (ours: { readonly events: ReadonlyArray<{ readonly _tag: string }> }) =>
  wait(() => waitUntil("our second HandshakeComplete", () => ours.events.filter((e) => e._tag === "HandshakeComplete").length === 2, { timeoutMs: WAIT }))

describe.skipIf(!HAVE_OPENSSL)("TLS 1.2 interop with openssl", () => {
  beforeAll(() => {
    pki = makePki({ prefix: "tls12-openssl-" })
    client = pki.issue({ name: "client", keyType: "ecdsa-p256", dnsNames: ["client.test"], extendedKeyUsage: "clientAuth" })
    ffdhe2048 = path.join(pki.dir, "ffdhe2048.pem")
    execFileSync("openssl", ["genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt", "group:ffdhe2048", "-out", ffdhe2048], { stdio: "ignore", timeout: 30_000 })
  })
  afterAll(async () => {
    await killAll()
    pki?.cleanup()
  })

  describe("our client → openssl s_server", () => {
    it.each(clientGrid)("$title", (c) =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* sServer([
            "-cipher", c.suite.name, "-trace",
            ...(c.suite.kx === "DHE" ? ["-dhparam", ffdhe2048] : []),
            ...(c.suite.kx === "ECDHE" ? ["-groups", caseGroups(c).map((g) => g.openssl).join(":")] : [])
          ])
          const ours = yield* connect(port, caseConfig(c))
          yield* ours.conn.write(text("ping from effect-tls\n"))
          yield* printed(peer, /^ping from effect-tls$/m)
          peer.write("pong from openssl\n")
          yield* received(ours, "pong from openssl")
          const out = peer.stdout()
          expect(ours.params).toMatchObject(expectedParams(c))
          if (c.group === undefined) expect(ours.params.group).toBeUndefined()
          expect(hex(ours.params.peerCertificates[0])).toBe(hex(c.suite.auth === "RSA" ? pki.rsa.certDer : pki.ecdsa.certDer))
          expect(out).toContain(`CIPHER is ${c.suite.name}`)
          expect(parseTrace(out).suite).toBe(c.suite.code)
          if (c.suite.kx === "ECDHE") expect(traceNamedCurve(out)).toBe(c.group!.code)
          if (c.suite.kx === "RSA") expect(out).toMatch(/ClientKeyExchange, Length=\d+\s*\n\s*KeyExchangeAlgorithm=rsa\s*\n\s*EncryptedPreMasterSecret \(len=256\)/)
        })
      )
    )

    it("client certificate required (-Verify 1): we send ours and sign with it", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* sServer(["-Verify", "1", "-CAfile", pki.ca.certPath, "-verify_return_error"])
          const ours = yield* connect(port, { certificates: [credential(client)] })
          yield* ours.conn.write(text("ping\n"))
          yield* printed(peer, /^ping$/m)
          peer.write("pong\n")
          yield* received(ours, "pong")
          const out = peer.stdout()
          expect(ours.params.version).toBe(TLS12)
          expect(ours.params.signatureScheme).toBeDefined()
          expect(out).toContain("Client certificate")
          expect(out).toMatch(/subject=CN = client\.test/)
        })
      )
    )

    it("client certificate optional (-verify 1): we have none and the handshake goes on", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* sServer(["-verify", "1", "-CAfile", pki.ca.certPath, "-trace"])
          const ours = yield* connect(port)
          yield* ours.conn.write(text("ping\n"))
          yield* printed(peer, /^ping$/m)
          peer.write("pong\n")
          yield* received(ours, "pong")
          const trace = parseTrace(peer.stdout())
          expect(ours.params.version).toBe(TLS12)
          expect(ours.params.signatureScheme).toBeUndefined()
          expect(trace.count("sent", "CertificateRequest")).toBe(1)
          expect(trace.count("received", "CertificateVerify")).toBe(0)
          expect(peer.stdout()).not.toContain("Client certificate")
        })
      )
    )

    // OpenSSL 3.0 refuses client-initiated renegotiation unless told otherwise
    it("renegotiation started by our client: s_server -client_renegotiation accepts it, data after it", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* sServer(["-trace", "-client_renegotiation"])
          const ours = yield* connect(port, { renegotiation: "accept" })
          yield* ours.conn.write(text("before\n"))
          yield* printed(peer, /^before$/m)
          yield* ours.conn.renegotiate
          yield* renegotiated(ours)
          yield* ours.conn.write(text("after\n"))
          yield* printed(peer, /^after$/m)
          peer.write("pong\n")
          yield* received(ours, "pong")
          const trace = parseTrace(peer.stdout())
          expect(trace.count("received", "ClientHello")).toBe(2)
          expect(trace.count("sent", "ServerHello")).toBe(2)
          expect(trace.alerts).toEqual([])
        })
      )
    )

    it("renegotiation started by our client, refused by a default s_server: the connection goes on as it was", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* sServer(["-trace"])
          const ours = yield* connect(port, { renegotiation: "accept" })
          yield* ours.conn.write(text("before\n"))
          yield* printed(peer, /^before$/m)
          yield* ours.conn.renegotiate
          yield* wait(() => waitUntil("s_server's answer", () => ours.events.some((e) => e._tag === "AlertReceived"), { timeoutMs: WAIT }))
          yield* ours.conn.write(text("after\n"))
          yield* printed(peer, /^after$/m)
          peer.write("pong\n")
          yield* received(ours, "pong")
          expect(ours.events).toContainEqual({ _tag: "AlertReceived", level: 1, description: 100 })
          expect(ours.events.filter((e) => e._tag === "HandshakeComplete")).toHaveLength(1)
          expect(traces(ours.events)).toContain("read alert no_renegotiation")
        })
      )
    )

    it("renegotiation started by s_server (r, a HelloRequest): our client renegotiates, data after it", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* sServer(["-trace"])
          const ours = yield* connect(port, { renegotiation: "accept" })
          yield* ours.conn.write(text("before\n"))
          yield* printed(peer, /^before$/m)
          peer.write("r\n")
          yield* renegotiated(ours)
          yield* ours.conn.write(text("after\n"))
          yield* printed(peer, /^after$/m)
          const trace = parseTrace(peer.stdout())
          expect(trace.count("sent", "HelloRequest")).toBe(1)
          expect(trace.count("received", "ClientHello")).toBe(2)
          expect(trace.alerts).toEqual([])
          expect(traces(ours.events)).toContain("read HelloRequest")
        })
      )
    )

    const resumption = (title: string, args: ReadonlyArray<string>, kind: "ticket" | "id") =>
      it(title, () =>
        run(
          Effect.gen(function* () {
            const { peer, port } = yield* sServer(args)
            const first = yield* Effect.scoped(
              Effect.gen(function* () {
                const c = yield* connect(port)
                yield* c.conn.write(text("first\n"))
                yield* printed(peer, /^first$/m)
                yield* c.conn.close
                yield* wait(() => c.inbox.waitEnd(WAIT))
                return c
              })
            )
            const saved = first.events.find((e) => e._tag === "SessionTicket")
            expect(saved).toBeDefined()
            const session = saved!.session as { readonly sessionId: Uint8Array; readonly ticket: Uint8Array | undefined }
            if (kind === "ticket") expect(session.ticket?.length).toBeGreaterThan(0)
            else {
              expect(session.ticket).toBeUndefined()
              expect(session.sessionId.length).toBeGreaterThan(0)
            }
            const before = peer.stdout().length
            const second = yield* connect(port, { session: saved!.session as never })
            yield* second.conn.write(text("resumed\n"))
            yield* printed(peer, /^resumed$/m)
            peer.write("welcome back\n")
            yield* received(second, "welcome back")
            const out = peer.stdout().slice(before)
            expect(first.params.resumed).toBe(false)
            expect(second.params).toMatchObject({ version: TLS12, resumed: true, cipherSuite: first.params.cipherSuite })
            expect(out).toContain("Reused session-id")
            expect(parseTrace(out).count("sent", "Certificate")).toBe(0)
          })
        )
      )
    resumption("resumption with a ticket: our config.session, s_server resumes", ["-trace"], "ticket")
    resumption("resumption by session ID (-no_ticket): our config.session, s_server resumes", ["-no_ticket", "-trace"], "id")

    it("version fallback: our default client gets TLS 1.2 from s_server -tls1_2", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* sServer([])
          const ours = yield* connect(port, {}, { defaults: true })
          yield* ours.conn.write(text("ping\n"))
          yield* printed(peer, /^ping$/m)
          peer.write("pong\n")
          yield* received(ours, "pong")
          expect(ours.params).toMatchObject({ version: TLS12, cipherSuite: suites12.ecdheEcdsaAes128.code, group: groups.x25519.code })
          expect(peer.stdout()).toContain(`CIPHER is ${suites12.ecdheEcdsaAes128.name}`)
        })
      )
    )

    it("version fallback: our default client gets TLS 1.3 from a default s_server", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* sServer([], { tls12: false })
          const ours = yield* connect(port, {}, { defaults: true })
          yield* ours.conn.write(text("ping\n"))
          yield* printed(peer, /^ping$/m)
          peer.write("pong\n")
          yield* received(ours, "pong")
          expect(ours.params).toMatchObject({ version: 0x0304, cipherSuite: 0x1301 })
          expect(peer.stdout()).toContain("CIPHER is TLS_AES_128_GCM_SHA256")
        })
      )
    )

    it("close_notify, we close first: s_server sees it and answers with its own", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* sServer(["-trace"])
          const ours = yield* connect(port)
          yield* ours.conn.write(text("ping\n"))
          yield* printed(peer, /^ping$/m)
          yield* ours.conn.close
          const end = yield* wait(() => ours.inbox.waitEnd(WAIT))
          yield* printed(peer, /CONNECTION CLOSED/)
          expect(end.error).toBeUndefined()
          expect(parseTrace(peer.stdout()).alerts).toEqual([
            { dir: "received", level: 1, description: 0 },
            { dir: "sent", level: 1, description: 0 }
          ])
        })
      )
    )

    it("close_notify, s_server closes first (-www): our read ends cleanly and we answer", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* sServer(["-www", "-trace"])
          const ours = yield* connect(port)
          yield* ours.conn.write(text("GET / HTTP/1.0\r\n\r\n"))
          const end = yield* wait(() => ours.inbox.waitEnd(WAIT))
          expect(end.error).toBeUndefined()
          expect(ours.inbox.text()).toMatch(/^HTTP\/1.0 200 ok/)
          expect(ours.inbox.text()).toContain("TLSv1.2")
          expect(ours.events).toContainEqual({ _tag: "AlertReceived", level: 1, description: 0 })
          yield* wait(() => waitUntil("our close_notify", () => ours.events.some((e) => e._tag === "AlertSent"), { timeoutMs: WAIT }))
          expect(ours.events).toContainEqual({ _tag: "AlertSent", level: 1, description: 0 })
          expect(parseTrace(peer.stdout()).alerts[0]).toEqual({ dir: "sent", level: 1, description: 0 })
        })
      )
    )

    it(`transfer of ${TRANSFER / MiB} MiB each way, checked by SHA-256`, () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* sServer([])
          const marker = "<<<effect-tls>>>"
          const up = payload(TRANSFER, 21, { text: true })
          const down = payload(TRANSFER, 22, { text: true })
          const atServer = hashAfterMarker(peer.child.stdout!, marker, TRANSFER)
          const ours = yield* connect(port, { cipherSuites: [suites12.ecdheRsaAes256.code] })
          yield* printed(peer, /CIPHER is/)
          peer.write(down)
          yield* writeAll(ours.conn.write, Buffer.concat([text(marker), up]))
          const got = yield* wait(() => atServer.done(TRANSFER_WAIT))
          yield* wait(() => ours.inbox.waitFor(TRANSFER, TRANSFER_WAIT))
          expect(got).toEqual({ sha256: sha256(up), length: TRANSFER })
          expect(ours.inbox.total()).toBe(TRANSFER)
          expect(ours.inbox.sha256()).toBe(sha256(down))
          expect(ours.params).toMatchObject({ version: TLS12, cipherSuite: suites12.ecdheRsaAes256.code })
          yield* ours.conn.close
        }),
        { seconds: TRANSFER_SECONDS }
      )
    )
  })

  describe("openssl s_client → our server", () => {
    it.each(serverGrid)("$title", (c) =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve(caseConfig(c))
          const peer = yield* sClient(srv.port, ["-cipher", c.suite.name, "-trace", ...(c.suite.kx === "ECDHE" ? ["-groups", caseGroups(c).map((g) => g.openssl).join(":")] : [])])
          const ours = yield* srv.next(0)
          yield* verified(peer)
          yield* ours.conn.write(text("hello from effect-tls\n"))
          yield* printed(peer, /^hello from effect-tls$/m)
          peer.write("ping from openssl\n")
          yield* received(ours, "ping from openssl")
          const out = peer.stdout()
          expect(ours.params).toMatchObject(expectedParams(c))
          if (c.group === undefined) expect(ours.params.group).toBeUndefined()
          expect(parseSClient(out)).toMatchObject({ protocol: "TLSv1.2", cipher: c.suite.name })
          expect(parseTrace(out).suite).toBe(c.suite.code)
          if (c.group !== undefined) expect(parseSClient(out).tempKey).toBe(c.group.tempKey)
          else expect(parseSClient(out).tempKey).toBeUndefined()
          if (c.suite.kx === "ECDHE") expect(traceNamedCurve(out)).toBe(c.group!.code)
        })
      )
    )

    it("client certificate required: s_client sends one, we verify it", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve({ clientAuth: "required" })
          const peer = yield* sClient(srv.port, ["-cert", client.certPath, "-key", client.keyPath, "-trace"])
          const ours = yield* srv.next(0)
          yield* verified(peer)
          yield* ours.conn.write(text("hello client\n"))
          yield* printed(peer, /^hello client$/m)
          peer.write("hello server\n")
          yield* received(ours, "hello server")
          const trace = parseTrace(peer.stdout())
          expect(ours.params.version).toBe(TLS12)
          expect(hex(ours.params.peerCertificates[0])).toBe(hex(client.certDer))
          expect(ours.params.peerSignatureScheme).toBeDefined()
          expect(trace.count("received", "CertificateRequest")).toBe(1)
          expect(trace.count("sent", "CertificateVerify")).toBe(1)
        })
      )
    )

    it("client certificate optional: s_client has none and the connection goes on", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve({ clientAuth: "optional" })
          const peer = yield* sClient(srv.port, ["-trace"])
          const ours = yield* srv.next(0)
          yield* verified(peer)
          yield* ours.conn.write(text("hello anonymous\n"))
          yield* printed(peer, /^hello anonymous$/m)
          peer.write("hello server\n")
          yield* received(ours, "hello server")
          const trace = parseTrace(peer.stdout())
          expect(ours.params.version).toBe(TLS12)
          expect(ours.params.peerCertificates).toEqual([])
          expect(trace.count("received", "CertificateRequest")).toBe(1)
          expect(trace.count("sent", "CertificateVerify")).toBe(0)
        })
      )
    )

    const sessionResumption = (title: string, config: Parameters<typeof serve>[0], args: ReadonlyArray<string>) =>
      it(title, () =>
        run(
          Effect.gen(function* () {
            const sess = path.join(pki.dir, `s_client-${randomBytes(4).toString("hex")}.sess`)
            const srv = yield* serve(config)
            const first = yield* sClient(srv.port, ["-sess_out", sess, ...args])
            const one = yield* srv.next(0)
            yield* verified(first)
            yield* one.conn.write(text("first\n"))
            yield* printed(first, /^first$/m)
            yield* wait(() => waitUntil("the session file", () => fs.existsSync(sess) && fs.statSync(sess).size > 0, { timeoutMs: WAIT }))
            first.write("Q\n")
            yield* wait(() => first.exited)
            const second = yield* sClient(srv.port, ["-sess_in", sess, ...args])
            const two = yield* srv.next(1)
            yield* printed(second, /^(New|Reused), TLSv/m)
            yield* two.conn.write(text("second\n"))
            yield* printed(second, /^second$/m)
            second.write("ping\n")
            yield* received(two, "ping")
            const out = second.stdout()
            expect(one.params.resumed).toBe(false)
            expect(two.params).toMatchObject({ version: TLS12, resumed: true, cipherSuite: one.params.cipherSuite })
            expect(out).toContain("Reused, TLSv1.2")
            expect(parseSClient(out).reused).toBe(true)
          })
        )
      )
    sessionResumption("resumption by session ID: s_client -no_ticket -sess_out, then -sess_in", {}, ["-no_ticket"])
    sessionResumption("resumption with a ticket: s_client -sess_out, then -sess_in", { ticketKeys: [Redacted.make(new Uint8Array(randomBytes(32)))] }, [])

    // OpenSSL's client takes a no_renegotiation warning to a renegotiation it started as
    // fatal (ssl3_read_bytes: "no renegotiation"): it answers handshake_failure. Our part is
    // the warning, not a fatal alert, and keeping the session until the peer gives up.
    it("renegotiation started by s_client (R): our server refuses with a no_renegotiation warning", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve()
          const peer = yield* sClient(srv.port, ["-trace"])
          const ours = yield* srv.next(0)
          yield* verified(peer)
          peer.write("before\n")
          yield* received(ours, "before")
          peer.write("R\n")
          yield* wait(() => peer.waitFor(/RENEGOTIATING/, { timeoutMs: WAIT, stream: "stderr" }))
          const end = yield* wait(() => ours.inbox.waitEnd(WAIT))
          yield* wait(() => peer.exited)
          const trace = parseTrace(peer.stdout())
          expect(trace.count("sent", "ClientHello")).toBe(2)
          // our warning reached s_client first; the fatal alert is s_client's answer to it
          expect(trace.alerts).toEqual([
            { dir: "received", level: 1, description: 100 },
            { dir: "sent", level: 2, description: 40 }
          ])
          expect(peer.output()).toMatch(/ssl3_read_bytes:no renegotiation/)
          expect(ours.events.filter((e) => e._tag === "AlertSent")).toEqual([{ _tag: "AlertSent", level: 1, description: 100 }])
          expect(ours.events).toContainEqual({ _tag: "AlertReceived", level: 2, description: 40 })
          expect(traces(ours.events)).toContain("read ClientHello, write no_renegotiation")
          expect(String(end.error)).toContain("handshake_failure")
        })
      )
    )

    it("renegotiation started by s_client (R), accepted: a second full handshake bound to the first, data after it", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve({ renegotiation: "accept" })
          const peer = yield* sClient(srv.port, ["-trace"])
          const ours = yield* srv.next(0)
          yield* verified(peer)
          peer.write("before\n")
          yield* received(ours, "before")
          peer.write("R\n")
          yield* wait(() => peer.waitFor(/RENEGOTIATING/, { timeoutMs: WAIT, stream: "stderr" }))
          yield* renegotiated(ours)
          peer.write("after\n")
          yield* received(ours, "after")
          yield* ours.conn.write(text("answer\n"))
          yield* printed(peer, /^answer$/m)
          const trace = parseTrace(peer.stdout())
          expect(trace.count("sent", "ClientHello")).toBe(2)
          expect(trace.count("received", "ServerHello")).toBe(2)
          expect(trace.count("received", "Finished")).toBe(2)
          expect(trace.alerts).toEqual([])
          expect(ours.events.some((e) => e._tag === "AlertSent")).toBe(false)
        })
      )
    )

    it("renegotiation started by our server (HelloRequest): s_client renegotiates, data after it", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve({ renegotiation: "accept" })
          const peer = yield* sClient(srv.port, ["-trace"])
          const ours = yield* srv.next(0)
          yield* verified(peer)
          yield* ours.conn.renegotiate
          yield* renegotiated(ours)
          yield* ours.conn.write(text("renegotiated\n"))
          yield* printed(peer, /^renegotiated$/m)
          peer.write("ack\n")
          yield* received(ours, "ack")
          const trace = parseTrace(peer.stdout())
          expect(trace.count("received", "HelloRequest")).toBe(1)
          expect(trace.count("sent", "ClientHello")).toBe(2)
          expect(trace.alerts).toEqual([])
          expect(traces(ours.events)).toContain("write HelloRequest")
        })
      )
    )

    it("close_notify, s_client closes first (Q): our read ends cleanly and we answer", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve()
          const peer = yield* sClient(srv.port, ["-trace"])
          const ours = yield* srv.next(0)
          yield* verified(peer)
          peer.write("Q\n")
          const end = yield* wait(() => ours.inbox.waitEnd(WAIT))
          yield* wait(() => peer.exited)
          expect(end.error).toBeUndefined()
          expect(ours.events).toContainEqual({ _tag: "AlertReceived", level: 1, description: 0 })
          yield* wait(() => waitUntil("our close_notify", () => ours.events.some((e) => e._tag === "AlertSent"), { timeoutMs: WAIT }))
          expect(ours.events).toContainEqual({ _tag: "AlertSent", level: 1, description: 0 })
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
          yield* verified(peer)
          yield* ours.conn.close
          yield* wait(() => peer.exited)
          expect(parseTrace(peer.stdout()).alerts[0]).toEqual({ dir: "received", level: 1, description: 0 })
          expect(ours.events).toContainEqual({ _tag: "AlertSent", level: 1, description: 0 })
        })
      )
    )

    it(`transfer of ${TRANSFER / MiB} MiB each way, checked by SHA-256`, () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve()
          const marker = "<<<effect-tls>>>"
          const up = payload(TRANSFER, 23, { text: true })
          const down = payload(TRANSFER, 24, { text: true })
          const peer = yield* sClient(srv.port, ["-nocommands", "-cipher", suites12.ecdheEcdsaAes128.name])
          const atClient = hashAfterMarker(peer.child.stdout!, marker, TRANSFER)
          const ours = yield* srv.next(0)
          yield* verified(peer)
          peer.write(up)
          yield* writeAll(ours.conn.write, Buffer.concat([text(marker), down]))
          yield* wait(() => ours.inbox.waitFor(TRANSFER, TRANSFER_WAIT))
          const got = yield* wait(() => atClient.done(TRANSFER_WAIT))
          expect(ours.inbox.total()).toBe(TRANSFER)
          expect(ours.inbox.sha256()).toBe(sha256(up))
          expect(got).toEqual({ sha256: sha256(down), length: TRANSFER })
          expect(ours.params).toMatchObject({ version: TLS12, cipherSuite: suites12.ecdheEcdsaAes128.code })
        }),
        { seconds: TRANSFER_SECONDS }
      )
    )
  })
})
