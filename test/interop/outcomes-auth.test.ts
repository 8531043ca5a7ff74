/**
 * Issue 16, acceptance 6–10: who proves what to whom, judged by the machine's OpenSSL
 * (3.0) over loopback, for TLS 1.3 and TLS 1.2.
 *
 * 6. A default server sends no CertificateRequest; with a client-auth policy it sends the
 *    configured CA names and `openssl s_client` lists exactly them.
 * 7. Required and absent: `certificate_required` (1.3) / `handshake_failure` (1.2), on
 *    OpenSSL's side and on our server's event stream; optional and absent: the connection
 *    goes on and the handler sees no client certificate.
 * 8. Proof of possession: a client credential whose key is not its certificate's → our
 *    server and `openssl s_server -Verify 1` both answer `decrypt_error`; a client
 *    Certificate no one asked for → `unexpected_message` from both (TLS 1.2, on the wire).
 * 9. Our client sends its leaf with the intermediate: `openssl s_server -Verify 1 -CAfile
 *    root-only.pem` accepts it.
 * 10. The server finishes first (TLS 1.3): `openssl s_client` rejects our server's chain
 *    after our server sent its Finished; and the mirror, `openssl s_server -Verify 1`
 *    rejects our client's certificate after our client completed, and our first read fails
 *    with that alert.
 *
 * Our sides run with a driver `observe` hook: a connection whose handshake fails never
 * reaches the server's handler, so its progress (the events a connection publishes) is
 * read from the driver's journal. Each test records OpenSSL's words and ours for the
 * README table (`EFFECT_TLS_OUTCOMES_DIR`, `scripts/outcomes-table.ts`).
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { AlertDescription, ContentType, encodeHandshake, encodeRecord, HandshakeReassembler, NamedGroup, RecordDeframer, SignatureScheme, suiteName } from "@effect-tls/codec"
import { type Action, type ChainVerifier, type Credential, type Entropy, TlsError, type TlsConfig, type TlsCrypto, trusting, X509 } from "@effect-tls/core"
import { NodeTls } from "@effect-tls/node"
import { needs } from "@effect-tls/test-support/peers"
import { killAll, type Peer, spawnPeer, startServer, waitUntil } from "@effect-tls/test-support/processes"
import { alerts, type Ca, type Cert, drain, type Forge, leafExt, loopbackSans, makeForge, parseTrace } from "@effect-tls/test-support/tls"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Result from "effect/Result"
import type * as Scope from "effect/Scope"
import * as net from "node:net"
import { alertOf, opensslWords, ourWords, outcomeRecorder } from "./outcomes-support.js"
import { credentialOf, owned, text, wait, WAIT } from "./live.js"

const HAVE_OPENSSL = needs("openssl")

// ---- What the README table is made of ----

const { record, save } = outcomeRecorder("auth.json")
const reasonOf = (e: unknown) => (e instanceof TlsError ? e.reason : undefined)

// ---- PKI ----

interface World {
  readonly forge: Forge
  readonly rootA: Ca
  readonly intA: Ca
  /** Trusted by no one here. */
  readonly rootX: Ca
  /** Our server's leaf, under intA (served with intA). */
  readonly server: Cert
  /** A client leaf under intA (clientAuth), another one whose key is the wrong one for it, and an expired one. */
  readonly client: Cert
  readonly other: Cert
  readonly expired: Cert
}
let w: World

const credential = (cert: Cert, chain: ReadonlyArray<Cert> = []): Credential => {
  const c = credentialOf(cert.der, cert.keyPem)
  return { chain: [cert.der, ...chain.map((x) => x.der)], key: c.key }
}
/** The client's certificate with another certificate's key: no proof of possession. */
const mismatched = (): Credential => ({ chain: [w.client.der, w.intA.der], key: credentialOf(w.other.der, w.other.keyPem).key })
const subjectOf = (cert: Cert) => Result.getOrThrow(X509.parseCertificate(cert.der)).subjectDer

// ---- Effect glue: our sides with their journals ----

type Services = Scope.Scope | ChainVerifier | TlsCrypto | Entropy
const driver = { closeTimeoutMs: 300 }
const layer = () => trusting({ anchors: Result.getOrThrow(X509.loadTrustAnchors([w.rootA.pem])) }).pipe(Layer.provideMerge(NodeTls.layer()))
const run = <A, E>(effect: Effect.Effect<A, E, Services>): Promise<A> =>
  Effect.runPromise(effect.pipe(Effect.timeout("30 seconds"), Effect.scoped, Effect.provide(layer())))

/** The progress actions a connection publishes on `events`, as the driver's journal saw them. */
const progress = (actions: ReadonlyArray<Action>) =>
  actions.filter((a) => a._tag === "Trace" || a._tag === "HandshakeComplete" || a._tag === "ServerFinished" || a._tag === "AlertSent" || a._tag === "AlertReceived" || a._tag === "Closed")

/** A compact line for the table: completion, Finished written, alerts. */
const story = (actions: ReadonlyArray<Action>): string =>
  progress(actions)
    .flatMap((a) => {
      switch (a._tag) {
        case "Trace":
          return a.note === "write Finished" ? ["wrote Finished"] : []
        case "HandshakeComplete":
          return ["HandshakeComplete"]
        case "ServerFinished":
          return [`ServerFinished (${suiteName(a.params.cipherSuite)})`]
        case "AlertSent":
          return [`AlertSent ${AlertDescription.nameOf(a.description)}`]
        case "AlertReceived":
          return [`AlertReceived ${AlertDescription.nameOf(a.description)}`]
        default:
          return []
      }
    })
    .join(" → ")

/** Our server with the intA chain; every connection's journal, handled connections, and failures. */
const serve = (config: Partial<TlsConfig> = {}) =>
  Effect.gen(function* () {
    const journal: Array<Action> = []
    const conns: Array<NodeTls.TlsConnection> = []
    const errors: Array<unknown> = []
    const server = yield* NodeTls.serve({
      port: 0,
      config: { certificates: [credential(w.server, [w.intA])], ...config },
      handler: (conn) =>
        Effect.gen(function* () {
          conns.push(conn)
          // what the handler is told about the client's certificate
          yield* conn.write(text(conn.params.peerCertificates.length === 0 ? "no client certificate\n" : `client certificate of ${conn.params.peerCertificates.length}\n`))
          const inbox = yield* drain(conn.read)
          yield* wait(() => inbox.waitEnd(WAIT).catch(() => ({})))
        }),
      onError: (e) => Effect.sync(() => void errors.push(e)),
      driver: { ...driver, observe: (entry) => void journal.push(...entry.actions) }
    })
    yield* Effect.forkScoped(server.run)
    return { port: server.port, journal, conns, errors }
  })

/** Our client; its journal, and the handshake's outcome. */
const connect = (port: number, config: Partial<TlsConfig>) =>
  Effect.gen(function* () {
    const journal: Array<Action> = []
    const exit = yield* Effect.exit(
      NodeTls.connect({ host: "127.0.0.1", port, config: { serverName: "localhost", ...config }, driver: { ...driver, observe: (entry) => void journal.push(...entry.actions) } })
    )
    return { journal, exit }
  })

const version = (tls: "1.3" | "1.2") => (tls === "1.3" ? { versions: [0x0304] } : { versions: [0x0303] })
const flag = (tls: "1.3" | "1.2") => (tls === "1.3" ? "-tls1_3" : "-tls1_2")

// ---- OpenSSL peers ----

/** `openssl s_client -trace` to our server, trusting `ca` (rootA unless told), unbuffered. */
const sClient = (port: number, args: ReadonlyArray<string>, ca: Cert = w.rootA): Effect.Effect<Peer, never, Scope.Scope> =>
  owned(
    spawnPeer("stdbuf", ["-o0", "openssl", "s_client", "-connect", `127.0.0.1:${port}`, "-CAfile", ca.certPath, "-verify_return_error", "-servername", "localhost", "-trace", ...args], {
      name: "openssl s_client"
    })
  )

/** `openssl s_server -trace` with our server's leaf and intA, unbuffered. */
const sServer = (args: ReadonlyArray<string>): Effect.Effect<{ readonly peer: Peer; readonly port: number }, never, Scope.Scope> =>
  Effect.gen(function* () {
    const chain = w.forge.file("server-chain.pem", w.intA.pem)
    const started = yield* wait(() =>
      startServer(
        "stdbuf",
        (p) => ["-o0", "openssl", "s_server", "-accept", `127.0.0.1:${p}`, "-cert", w.server.certPath, "-key", w.server.keyPath, "-cert_chain", chain, "-trace", ...args],
        { ready: /^ACCEPT$/m, name: "openssl s_server" }
      )
    )
    yield* owned(started.peer)
    return started
  })

const failed = (peer: Peer) => wait(() => peer.waitFor(/error:[0-9A-F]+:SSL routines:[^:]*:[^:\n]+:/, { timeoutMs: WAIT }))
const until = (what: string, check: () => boolean) => wait(() => waitUntil(what, check, { timeoutMs: WAIT }))
/** Whether OpenSSL's trace shows the fatal alert `name` going `dir`. */
const traced = (peer: Peer, dir: "sent" | "received", name: keyof typeof alerts) =>
  parseTrace(peer.stdout()).alerts.some((a) => a.dir === dir && a.level === 2 && a.description === alerts[name])

/** The fatal alert OpenSSL's trace shows it sent, by name. */
const sentAlert = (peer: Peer): string => {
  const a = parseTrace(peer.stdout()).alerts.find((x) => x.dir === "sent" && x.level === 2)
  return a === undefined ? "no alert" : `sent ${AlertDescription.nameOf(a.description)}`
}
const wrote = (journal: ReadonlyArray<Action>, message: string): number => journal.filter((a) => a._tag === "Trace" && a.note === `write ${message}`).length

/** The CA names `openssl s_client` prints after "Acceptable client certificate CA names". */
const acceptableNames = (out: string): ReadonlyArray<string> | undefined => {
  const lines = out.split("\n")
  const at = lines.findIndex((l) => l.trim() === "Acceptable client certificate CA names")
  if (at < 0) return undefined
  const names: Array<string> = []
  for (const l of lines.slice(at + 1)) {
    if (/^(Requested |Client Certificate Types|Shared |Peer |---)/.test(l) || l.trim() === "") break
    names.push(l.trim())
  }
  return names
}

// ---- A TLS 1.2 client on the wire (acceptance 8: a Certificate no one asked for) ----

const { x25519, secp256r1 } = NamedGroup.values
const S = SignatureScheme.values

const handshakeRecord = (message: Parameters<typeof encodeHandshake>[0]): Uint8Array =>
  encodeRecord(ContentType.values.handshake, 0x0303, Result.getOrThrow(encodeHandshake(message)))

/** A TLS 1.2 ClientHello offering ECDHE-ECDSA-AES128-GCM-SHA256 with what both servers require. */
const clientHello12 = (): Uint8Array =>
  handshakeRecord({
    _tag: "ClientHello",
    legacyVersion: 0x0303,
    random: new Uint8Array(32).fill(0x16),
    legacySessionId: new Uint8Array(0),
    cipherSuites: [0xc02b],
    legacyCompressionMethods: [0],
    extensions: [
      { _tag: "supported_groups", namedGroupList: [x25519, secp256r1] },
      { _tag: "ec_point_formats", ecPointFormatList: [0] },
      { _tag: "signature_algorithms", supportedSignatureAlgorithms: [S.ecdsa_secp256r1_sha256, S.rsa_pss_rsae_sha256] },
      { _tag: "renegotiation_info", renegotiatedConnection: new Uint8Array(0) },
      { _tag: "extended_master_secret" }
    ]
  })

/** What the server answered: its handshake message types and the first alert (plaintext records). */
const flight = (bytes: Uint8Array): { readonly types: ReadonlyArray<number>; readonly alert?: number | undefined } => {
  const d = RecordDeframer.empty().push(bytes)
  if (d._tag !== "Ok") return { types: [] }
  let hs = HandshakeReassembler.empty()
  const types: Array<number> = []
  for (const rec of d.records) {
    if (rec.contentType === ContentType.values.alert) return { types, alert: rec.fragment[1] }
    if (rec.contentType !== ContentType.values.handshake) break
    const r = hs.push(rec.fragment)
    if (r._tag !== "Ok") break
    hs = r.next
    types.push(...r.messages.map((m) => m.type))
  }
  return { types }
}

/**
 * Sends a TLS 1.2 ClientHello, reads the server's flight up to ServerHelloDone, then sends
 * a client Certificate although the server sent no CertificateRequest, and reads what
 * comes back until an alert or the end. Bounded: `timeoutMs` for the whole exchange.
 */
const unsolicitedCertificate = (port: number, timeoutMs = WAIT): Promise<{ readonly requested: boolean; readonly alert: number | undefined; readonly closed: boolean }> =>
  new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port })
    let received = Buffer.alloc(0)
    let afterCertificate: number | undefined
    let requested = false
    let closed = false
    const timer = setTimeout(() => finish(new Error(`timed out: ${received.length} bytes, certificate sent: ${afterCertificate !== undefined}`)), timeoutMs)
    function finish(error?: Error) {
      clearTimeout(timer)
      socket.destroy()
      if (error !== undefined) return reject(error)
      const answer = flight(new Uint8Array(received.subarray(afterCertificate ?? 0)))
      resolve({ requested, alert: answer.alert, closed })
    }
    socket.on("error", (e) => (afterCertificate === undefined ? finish(e) : ((closed = true), finish())))
    socket.on("close", () => {
      closed = true
      finish()
    })
    socket.on("connect", () => socket.write(clientHello12()))
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
      if (afterCertificate === undefined) {
        const f = flight(new Uint8Array(received))
        if (f.alert !== undefined) return finish(new Error(`the server refused the ClientHello with alert ${f.alert}`))
        if (!f.types.includes(14)) return // ServerHelloDone
        requested = f.types.includes(13)
        afterCertificate = received.length
        socket.write(handshakeRecord({ _tag: "Certificate12", certificateList: [w.client.der, w.intA.der] }))
        return
      }
      if (flight(new Uint8Array(received.subarray(afterCertificate))).alert !== undefined) finish()
    })
  })

describe.skipIf(!HAVE_OPENSSL)("authentication outcomes judged by openssl (issue 16, acceptance 6-10)", () => {
  beforeAll(() => {
    const forge = makeForge("outcomes-auth-")
    try {
      const rootA = forge.root("rootA")
      const intA = forge.asCa(
        forge.issue(rootA, "intA", { subj: "/CN=intA/O=effect-tls interop", ext: ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign", "subjectKeyIdentifier=hash", "authorityKeyIdentifier=keyid:always"] })
      )
      const rootX = forge.root("rootX")
      const server = forge.issue(intA, "server", { key: "p256", subj: "/CN=localhost", ext: leafExt(loopbackSans, "serverAuth") })
      const client = forge.issue(intA, "client", { key: "p256", subj: "/CN=outcomes client", ext: leafExt(["DNS:client.test"], "clientAuth") })
      const other = forge.issue(intA, "other", { key: "p256", subj: "/CN=another client", ext: leafExt(["DNS:client.test"], "clientAuth") })
      const expired = forge.issue(intA, "expired", { key: "p256", subj: "/CN=expired client", ext: leafExt(["DNS:client.test"], "clientAuth"), from: -30, to: -1 })
      w = { forge, rootA, intA, rootX, server, client, other, expired }
    } catch (e) {
      forge.cleanup()
      throw e
    }
  })
  afterAll(async () => {
    await killAll()
    w?.forge.cleanup()
    save()
  })

  describe("6. CertificateRequest and its CA names", () => {
    it.each(["1.3", "1.2"] as const)("TLS %s: a default server sends no CertificateRequest", (tls) =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve(version(tls))
          const peer = yield* sClient(srv.port, [flag(tls)])
          yield* wait(() => peer.waitFor(/^no client certificate$/m, { timeoutMs: WAIT, stream: "stdout" }))
          const out = peer.stdout()
          expect(parseTrace(out).count("received", "CertificateRequest")).toBe(0)
          expect(out).not.toContain("Acceptable client certificate CA names")
          expect(out).toContain("No client certificate CA names sent")
          expect(srv.conns[0]!.params.peerCertificates).toEqual([])
          expect(wrote(srv.journal, "CertificateRequest")).toBe(0)
          record({
            criterion: 6,
            tls,
            case: "default server (`clientAuth: \"none\"`) ← `openssl s_client`",
            openssl: `${parseTrace(out).count("received", "CertificateRequest")} CertificateRequest; "No client certificate CA names sent"`,
            ours: `${wrote(srv.journal, "CertificateRequest")} CertificateRequest written`
          })
        })
      )
    )

    it.each(["1.3", "1.2"] as const)("TLS %s: with clientAuth optional and two CA names, s_client lists exactly them", (tls) =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve({ ...version(tls), clientAuth: "optional", certificateAuthorities: [subjectOf(w.rootA), subjectOf(w.rootX)] })
          const peer = yield* sClient(srv.port, [flag(tls)])
          yield* wait(() => peer.waitFor(/^no client certificate$/m, { timeoutMs: WAIT, stream: "stdout" }))
          const out = peer.stdout()
          expect(parseTrace(out).count("received", "CertificateRequest")).toBe(1)
          const names = acceptableNames(out)
          expect(names).toEqual(["CN = rootA, O = effect-tls interop", "CN = rootX, O = effect-tls interop"])
          expect(wrote(srv.journal, "CertificateRequest")).toBe(1)
          record({
            criterion: 6,
            tls,
            case: "`clientAuth: \"optional\"`, `certificateAuthorities` [rootA, rootX] ← `openssl s_client`",
            openssl: `Acceptable client certificate CA names: ${names!.map((n) => `"${n}"`).join(", ")}`,
            ours: `${wrote(srv.journal, "CertificateRequest")} CertificateRequest written, with the 2 configured names`
          })
        })
      )
    )
    // OpenSSL 3.0's `-no_ca_names` still sends certificate_authorities, with an empty list,
    // which RFC 8446 §4.2.4 does not allow (`DistinguishedName authorities<3..2^16-1>`).
    it("openssl s_server -Verify 1 -no_ca_names sends an empty certificate_authorities: our client answers decode_error", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* sServer(["-tls1_3", "-Verify", "1", "-CAfile", w.rootA.certPath, "-no_ca_names"])
          const ours = yield* connect(port, { versions: [0x0304], certificates: [credential(w.client, [w.intA])] })
          yield* failed(peer)
          const request = parseTrace(peer.stdout()).messages.find((m) => m.dir === "sent" && m.type === "CertificateRequest")!.lines.join("\n")
          expect(request).toMatch(/extension_type=certificate_authorities\(47\), length=2\s*\n\s*0000 - 00 00 /)
          expect(Exit.isFailure(ours.exit)).toBe(true)
          const error = Exit.isFailure(ours.exit) ? Cause.squash(ours.exit.cause) : undefined
          expect(reasonOf(error)).toMatchObject({ _tag: "Decode", alert: "decode_error" })
          expect(traced(peer, "received", "decode_error")).toBe(true)
          record({
            criterion: 6,
            tls: "1.3",
            case: "our client → `openssl s_server -Verify 1 -no_ca_names` (certificate_authorities of length 0)",
            openssl: `sent an empty certificate_authorities; then ${opensslWords(peer.output())}`,
            ours: ourWords(error)
          })
        })
      )
    )
  })

  describe("7. client certificate required or optional, and absent", () => {
    const required = [
      { tls: "1.3" as const, alert: "certificate_required" as const, words: "alert certificate required" },
      { tls: "1.2" as const, alert: "handshake_failure" as const, words: "alert handshake failure" }
    ]
    it.each(required)("TLS $tls: required, s_client without -cert → $alert on both sides and on our server's event stream", (c) =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve({ ...version(c.tls), clientAuth: "required" })
          const peer = yield* sClient(srv.port, [flag(c.tls)])
          yield* failed(peer)
          yield* until("our server's error", () => srv.errors.length > 0)
          expect(peer.output()).toContain(c.words)
          expect(peer.output()).toContain(`SSL alert number ${alerts[c.alert]}`)
          expect(traced(peer, "received", c.alert)).toBe(true)
          expect(alertOf(srv.errors[0])).toBe(c.alert)
          expect(srv.conns).toHaveLength(0)
          const sent = srv.journal.filter((a) => a._tag === "AlertSent")
          expect(sent).toEqual([{ _tag: "AlertSent", level: 2, description: alerts[c.alert] }])
          record({ criterion: 7, tls: c.tls, case: "`clientAuth: \"required\"` ← `openssl s_client` without `-cert`", openssl: opensslWords(peer.output()), ours: `${story(srv.journal)}; ${ourWords(srv.errors[0])}` })
        })
      )
    )

    it.each(["1.3", "1.2"] as const)("TLS %s: optional, s_client without -cert → the connection goes on and the handler is told there is no client certificate", (tls) =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve({ ...version(tls), clientAuth: "optional" })
          const peer = yield* sClient(srv.port, [flag(tls)])
          yield* wait(() => peer.waitFor(/^no client certificate$/m, { timeoutMs: WAIT, stream: "stdout" }))
          yield* until("our handler", () => srv.conns.length > 0)
          expect(srv.errors).toEqual([])
          expect(srv.conns[0]!.params.peerCertificates).toEqual([])
          expect(parseTrace(peer.stdout()).count("received", "CertificateRequest")).toBe(1)
          expect(parseTrace(peer.stdout()).alerts.filter((a) => a.level === 2)).toEqual([])
          record({
            criterion: 7,
            tls,
            case: "`clientAuth: \"optional\"` ← `openssl s_client` without `-cert`",
            openssl: `handshake done; read "no client certificate"`,
            ours: `${story(srv.journal)}; handler: peerCertificates = []`
          })
        })
      )
    )
  })

  describe("8. proof of possession", () => {
    it.each(["1.3", "1.2"] as const)("TLS %s: our client signs with a key that is not its certificate's → our server answers decrypt_error", (tls) =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve({ ...version(tls), clientAuth: "required" })
          const ours = yield* connect(srv.port, { ...version(tls), certificates: [mismatched()] })
          // TLS 1.3: our client completed before the server's verdict; its first read fails
          let clientError: unknown
          if (Exit.isSuccess(ours.exit)) {
            const inbox = yield* drain(ours.exit.value.read)
            const end = yield* wait(() => inbox.waitEnd(WAIT))
            clientError = end.error === undefined ? undefined : Cause.squash(end.error as Cause.Cause<unknown>)
          } else clientError = Cause.squash(ours.exit.cause)
          yield* until("our server's error", () => srv.errors.length > 0)
          expect(reasonOf(srv.errors[0])).toMatchObject({ _tag: "PeerMisbehaved", alert: "decrypt_error" })
          expect(reasonOf(clientError)).toMatchObject({ _tag: "AlertReceived", alert: "decrypt_error" })
          expect(srv.journal.filter((a) => a._tag === "AlertSent")).toEqual([{ _tag: "AlertSent", level: 2, description: alerts.decrypt_error }])
          // the same client against OpenSSL
          const { peer, port } = yield* sServer([flag(tls), "-Verify", "1", "-CAfile", w.rootA.certPath, "-verify_return_error"])
          const theirs = yield* connect(port, { ...version(tls), certificates: [mismatched()] })
          let theirError: unknown
          if (Exit.isSuccess(theirs.exit)) {
            const inbox = yield* drain(theirs.exit.value.read)
            const end = yield* wait(() => inbox.waitEnd(WAIT))
            theirError = end.error === undefined ? undefined : Cause.squash(end.error as Cause.Cause<unknown>)
          } else theirError = Cause.squash(theirs.exit.cause)
          yield* failed(peer)
          expect(reasonOf(theirError)).toMatchObject({ _tag: "AlertReceived", alert: "decrypt_error" })
          expect(traced(peer, "sent", "decrypt_error")).toBe(true)
          record({
            criterion: 8,
            tls,
            case: "client credential `{ chain: [client], key: another key }` → `openssl s_server -Verify 1` / our server (`required`)",
            openssl: `${opensslWords(peer.output())}; ${sentAlert(peer)}`,
            ours: `our server: ${ourWords(srv.errors[0])}; our client, against either: ${ourWords(clientError)} / ${ourWords(theirError)}`
          })
        })
      )
    )

    it("TLS 1.2: a client Certificate without a CertificateRequest → unexpected_message from our server and from openssl s_server", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve({ versions: [0x0303] })
          const ours = yield* wait(() => unsolicitedCertificate(srv.port))
          yield* until("our server's error", () => srv.errors.length > 0)
          expect(ours.requested).toBe(false)
          expect(ours.alert).toBe(alerts.unexpected_message)
          expect(reasonOf(srv.errors[0])).toMatchObject({ alert: "unexpected_message" })
          const { peer, port } = yield* sServer(["-tls1_2"])
          const theirs = yield* wait(() => unsolicitedCertificate(port))
          yield* failed(peer)
          expect(theirs.requested).toBe(false)
          expect(theirs.alert).toBe(alerts.unexpected_message)
          record({
            criterion: 8,
            tls: "1.2",
            case: "a client Certificate sent after ServerHelloDone, no CertificateRequest (raw bytes)",
            openssl: `${opensslWords(peer.output())}; alert ${AlertDescription.nameOf(theirs.alert!)}`,
            ours: `alert ${AlertDescription.nameOf(ours.alert!)}; ${ourWords(srv.errors[0])}`
          })
        })
      )
    )
  })

  describe("9. our client sends its leaf with the intermediate", () => {
    it.each(["1.3", "1.2"] as const)("TLS %s: openssl s_server -Verify 1 -CAfile root-only.pem accepts [leaf, intermediate]", (tls) =>
      run(
        Effect.gen(function* () {
          const rootOnly = w.forge.file("root-only.pem", w.rootA.pem)
          const { peer, port } = yield* sServer([flag(tls), "-Verify", "1", "-CAfile", rootOnly, "-verify_return_error"])
          const ours = yield* connect(port, { ...version(tls), certificates: [credential(w.client, [w.intA])] })
          if (Exit.isFailure(ours.exit)) throw new Error(`handshake failed: ${String(Cause.squash(ours.exit.cause))}`)
          yield* ours.exit.value.write(text("chain\n"))
          yield* wait(() => peer.waitFor(/^chain$/m, { timeoutMs: WAIT, stream: "stdout" }))
          // s_server's verify callback writes to stderr (its trace goes to stdout)
          const verify = peer.stderr()
          for (const d of [2, 1, 0]) expect(verify).toMatch(new RegExp(`^depth=${d} .*\\n(?:.*\\n)*?verify return:1`, "m"))
          expect(verify).not.toMatch(/verify error/)
          expect(peer.stdout()).toMatch(/subject=CN = outcomes client/)
          expect(traced(peer, "sent", "unknown_ca")).toBe(false)
          // the certificates in the Certificate record s_server received (its trace: one `ASN.1Cert` line each)
          const records = peer.stdout().split(/^(?=(?:Sent|Received) Record)/m)
          const received = records.find((r) => r.startsWith("Received Record") && /^ {4}Certificate, Length=/m.test(r))!
          const certs = [...received.matchAll(/^ {8}ASN\.1Cert, length=/gm)].length
          expect(certs).toBe(2)
          record({
            criterion: 9,
            tls,
            case: "our client `{ chain: [leaf, intermediate] }` → `openssl s_server -Verify 1 -CAfile root-only.pem`",
            openssl: `received ${certs} certificates; verify return:1 at depths 2, 1, 0; read our data`,
            ours: `completed: ${story(ours.journal)}`
          })
        })
      )
    )
  })

  describe("10. the server finishes first (TLS 1.3)", () => {
    it("openssl s_client rejects our server's chain after our Finished: our server's events show the Finished sent, then the alert; its error says so", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve({ versions: [0x0304] })
          const peer = yield* sClient(srv.port, ["-tls1_3"], w.rootX)
          yield* failed(peer)
          yield* until("our server's error", () => srv.errors.length > 0)
          expect(peer.output()).toMatch(/verify error:num=20:unable to get local issuer certificate/)
          expect(traced(peer, "sent", "unknown_ca")).toBe(true)
          const reason = reasonOf(srv.errors[0])
          expect(reason).toEqual({ _tag: "AlertReceived", alert: "unknown_ca", afterOurFinished: true })
          // the journal: our Finished went out (the point a server may log success), then the alert came
          const events = progress(srv.journal)
          const finished = events.findIndex((a) => a._tag === "Trace" && a.note === "write Finished")
          const flightSent = events.findIndex((a) => a._tag === "Trace" && a.note === "flight sent")
          const alert = events.findIndex((a) => a._tag === "AlertReceived")
          expect(finished).toBeGreaterThanOrEqual(0)
          expect(flightSent).toBeGreaterThan(finished)
          expect(alert).toBeGreaterThan(flightSent)
          expect(events[alert]).toEqual({ _tag: "AlertReceived", level: 2, description: alerts.unknown_ca })
          expect(events.at(-1)).toMatchObject({ _tag: "Closed", error: { _tag: "AlertReceived", alert: "unknown_ca", afterOurFinished: true } })
          // the seeds' "parameters negotiated": ServerFinished carries them, before the alert
          const negotiated = events.findIndex((a) => a._tag === "ServerFinished")
          expect(negotiated).toBeGreaterThan(finished)
          expect(negotiated).toBeLessThan(alert)
          expect((events[negotiated] as { readonly params: { readonly version: number; readonly cipherSuite: number } }).params).toMatchObject({ version: 0x0304 })
          const before = events.slice(0, alert).filter((a) => a._tag === "Trace").map((a) => (a as { readonly to: string }).to)
          expect(before.at(-1)).toBe("WaitClientFinished")
          expect(events.some((a) => a._tag === "HandshakeComplete")).toBe(false)
          expect(srv.conns).toHaveLength(0)
          record({
            criterion: 10,
            tls: "1.3",
            case: "our server ← `openssl s_client -verify_return_error -CAfile rootX.pem` (does not trust us)",
            openssl: `${/verify error:num=\d+:([^\n]*)/.exec(peer.output())![1]}; ${sentAlert(peer)}`,
            ours: `${story(srv.journal)} (state ${before.at(-1)}); ${ourWords(srv.errors[0])}`
          })
        })
      )
    )

    it("mirror: our client completes, openssl s_server -Verify 1 rejects its certificate, our first read fails with that alert", () =>
      run(
        Effect.gen(function* () {
          // s_server names rootA, so our client sends the certificate it has under rootA: an expired one
          const { peer, port } = yield* sServer(["-tls1_3", "-Verify", "1", "-CAfile", w.rootA.certPath, "-verify_return_error"])
          const ours = yield* connect(port, { versions: [0x0304], certificates: [credential(w.expired, [w.intA])] })
          if (Exit.isFailure(ours.exit)) throw new Error(`our handshake did not complete: ${String(Cause.squash(ours.exit.cause))}`)
          const conn = ours.exit.value
          expect(conn.params.signatureScheme).toBe(S.ecdsa_secp256r1_sha256)
          const inbox = yield* drain(conn.read)
          const end = yield* wait(() => inbox.waitEnd(WAIT))
          yield* failed(peer)
          expect(end.error, "the read ends with a failure, not a clean end of stream").toBeDefined()
          const error = Cause.squash(end.error as Cause.Cause<unknown>)
          expect(peer.stderr()).toMatch(/verify error:num=10:certificate has expired/)
          expect(reasonOf(error)).toEqual({ _tag: "AlertReceived", alert: "certificate_expired", afterOurFinished: true })
          expect(inbox.total()).toBe(0)
          expect(traced(peer, "sent", "certificate_expired")).toBe(true)
          const events = progress(ours.journal)
          const complete = events.findIndex((a) => a._tag === "HandshakeComplete")
          const alert = events.findIndex((a) => a._tag === "AlertReceived")
          expect(complete).toBeGreaterThanOrEqual(0)
          expect(alert).toBeGreaterThan(complete)
          record({
            criterion: 10,
            tls: "1.3",
            case: "our client (an expired certificate under rootA) → `openssl s_server -Verify 1 -verify_return_error -CAfile rootA.pem`",
            openssl: `${/verify error:num=\d+:([^\n]*)/.exec(peer.stderr())![1]}; ${sentAlert(peer)}`,
            ours: `${story(ours.journal)}; first read: ${ourWords(error)}`
          })
        })
      )
    )
  })
})
