/**
 * Certificates against a real OpenSSL (issue 12, acceptance 3 and the `s_server` half of
 * acceptance 4), over TLS 1.3 on loopback:
 *
 * - our client against `openssl s_server` rejects each bad server certificate (expired,
 *   not yet valid, wrong host, unknown CA, EKU clientAuth only, revoked by a CRL given to
 *   `trusting({ crls })`) with the alert `../shared/alerts.md` names — asserted on our
 *   `TlsError` and in s_server's trace of what it received — and accepts each good one
 *   (chain through an intermediate, wildcard, IP address SAN, RSA leaf);
 * - our server with `clientAuth: "required"` rejects an untrusted, an expired and a
 *   serverAuth-only client certificate from `openssl s_client` and a missing one (the
 *   alert asserted on both sides), accepts a good one, and with `"optional"` goes on
 *   without one;
 * - client-certificate selection: with three client certificates under three CAs, our
 *   client sends the one whose issuer `openssl s_server -Verify 1 -CAfile caB` named in
 *   certificate_authorities; with `clientCertificateSelection: "selector"` the
 *   application's `ClientCertificateSelection` Effect is handed those CA names and its
 *   choice is the certificate s_server receives.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { type ChainVerifier, ClientCertificateSelection, type Entropy, loadPrivateKey, TlsError, type TlsConfig, type TlsCrypto, type TrustOptions, trusting, X509 } from "@effect-tls/core"
import { NodeTls } from "@effect-tls/node"
import { needs } from "@effect-tls/test-support/peers"
import { killAll, type Peer, spawnPeer, startServer, waitUntil } from "@effect-tls/test-support/processes"
import { alerts, type AlertName, type Ca, type Cert, drain, type Forge, leafExt, loopbackSans, makeForge, parseTrace } from "@effect-tls/test-support/tls"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import type * as Scope from "effect/Scope"
import * as fs from "node:fs"

const HAVE_OPENSSL = needs("openssl")
const WAIT = 15_000

type Services = Scope.Scope | ChainVerifier | TlsCrypto | Entropy

interface World {
  readonly forge: Forge
  readonly rootA: Ca
  readonly intA: Ca
  /** Not trusted by anyone. */
  readonly rootX: Ca
  readonly server: Record<"good" | "rsa" | "wildcard" | "ip" | "expired" | "future" | "wrongHost" | "unknownCa" | "clientOnly" | "revoked", Cert>
  readonly crl: string
  readonly client: Record<"good" | "untrusted" | "expired" | "serverOnly", Cert>
  /** Three CAs and a client certificate under each, for selection. */
  readonly pick: { readonly cas: readonly [Ca, Ca, Ca]; readonly leaves: readonly [Cert, Cert, Cert] }
}

let w: World

const makeWorld = (): World => {
  const forge = makeForge("certs-openssl-")
  try {
    const rootA = forge.root("rootA")
    const intA = forge.asCa(forge.issue(rootA, "intA", { subj: "/CN=Intermediate A/O=effect-tls interop", ext: ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign", "subjectKeyIdentifier=hash", "authorityKeyIdentifier=keyid:always"] }))
    const rootX = forge.root("rootX")
    const leaf = (ca: Ca, name: string, o: { sans?: ReadonlyArray<string>; eku?: string; from?: number; to?: number; key?: "p256" | "rsa2048" } = {}) =>
      forge.issue(ca, name, { key: o.key ?? "p256", subj: `/CN=${name}`, ext: leafExt(o.sans ?? loopbackSans, o.eku ?? "serverAuth"), ...(o.from !== undefined ? { from: o.from } : {}), ...(o.to !== undefined ? { to: o.to } : {}) })
    const server = {
      good: leaf(intA, "good"),
      rsa: leaf(intA, "rsa", { key: "rsa2048" }),
      wildcard: leaf(intA, "wildcard", { sans: ["DNS:*.a.test"] }),
      ip: leaf(intA, "ip", { sans: ["IP:127.0.0.1"] }),
      expired: leaf(intA, "expired", { from: -30, to: -1 }),
      future: leaf(intA, "future", { from: 2, to: 30 }),
      wrongHost: leaf(intA, "wrongHost", { sans: ["DNS:other.test"] }),
      unknownCa: leaf(rootX, "unknownCa"),
      clientOnly: leaf(intA, "clientOnly", { eku: "clientAuth" }),
      revoked: leaf(intA, "revoked")
    }
    forge.revoke(intA, server.revoked)
    const crl = forge.crl(intA, "intA")
    const client = {
      good: leaf(rootA, "client-good", { sans: ["DNS:client.test"], eku: "clientAuth" }),
      untrusted: leaf(rootX, "client-untrusted", { sans: ["DNS:client.test"], eku: "clientAuth" }),
      expired: leaf(rootA, "client-expired", { sans: ["DNS:client.test"], eku: "clientAuth", from: -30, to: -1 }),
      serverOnly: leaf(rootA, "client-serverOnly", { sans: ["DNS:client.test"], eku: "serverAuth" })
    }
    const cas = [forge.root("caA"), forge.root("caB"), forge.root("caC")] as const
    const leaves = cas.map((ca, i) => leaf(ca, `client-${"ABC"[i]}`, { sans: ["DNS:client.test"], eku: "clientAuth" })) as unknown as readonly [Cert, Cert, Cert]
    return { forge, rootA, intA, rootX, server, crl, client, pick: { cas, leaves } }
  } catch (e) {
    forge.cleanup()
    throw e
  }
}

// ---- Effect glue ----

const layer = (trust: TrustOptions) => trusting(trust).pipe(Layer.provideMerge(NodeTls.layer()))
const anchorsOf = (...cas: ReadonlyArray<Cert>) => Result.getOrThrow(X509.loadTrustAnchors(cas.map((c) => c.pem)))
const crls = () => Result.getOrThrow(X509.loadCrls(fs.readFileSync(w.crl, "utf8")))
const run = <A, E>(trust: TrustOptions, effect: Effect.Effect<A, E, Services>): Promise<A> =>
  Effect.runPromise(effect.pipe(Effect.timeout("30 seconds"), Effect.scoped, Effect.provide(layer(trust))))
const wait = <A>(p: () => Promise<A>): Effect.Effect<A> => Effect.promise(p)
const owned = (peer: Peer): Effect.Effect<Peer, never, Scope.Scope> => Effect.as(Effect.addFinalizer(() => Effect.promise(() => peer.kill(300))), peer)
const credential = (cert: Cert) => ({ chain: [cert.der], key: Result.getOrThrow(loadPrivateKey(cert.keyPem)) })
const driver = { closeTimeoutMs: 300 }
const text = (s: string) => new TextEncoder().encode(s)

/** The reason's alert, when the failure is a `TlsError`. */
const alertOf = (e: unknown): string | undefined => (e instanceof TlsError && "alert" in e.reason ? String(e.reason.alert) : undefined)

/** `openssl s_server -trace` with `cert` (and its chain), unbuffered. */
const sServer = (cert: Cert, args: ReadonlyArray<string> = [], chain: ReadonlyArray<Cert> = []) =>
  Effect.gen(function* () {
    const chainFile = chain.length > 0 ? w.forge.file(`${cert.name}-chain.pem`, chain.map((c) => c.pem).join("")) : undefined
    const started = yield* wait(() =>
      startServer(
        "stdbuf",
        (p) => ["-o0", "openssl", "s_server", "-accept", `127.0.0.1:${p}`, "-cert", cert.certPath, "-key", cert.keyPath, ...(chainFile ? ["-cert_chain", chainFile] : []), "-tls1_3", "-trace", ...args],
        { ready: /^ACCEPT$/m, name: "openssl s_server" }
      )
    )
    yield* owned(started.peer)
    return started
  })

/** Our client: the handshake's outcome (parameters or the `TlsError`) and the connection. */
const connect = (port: number, config: Partial<TlsConfig>) =>
  Effect.gen(function* () {
    const exit = yield* Effect.exit(NodeTls.connect({ host: "127.0.0.1", port, config, driver }))
    return exit
  })

/** Waits until s_server's trace shows it received the fatal alert `name`. */
const peerReceived = (peer: Peer, name: AlertName) =>
  wait(() =>
    waitUntil(
      `openssl to receive ${name}\n${peer.output().slice(-2000)}`,
      () => parseTrace(peer.stdout()).alerts.some((a) => a.dir === "received" && a.level === 2 && a.description === alerts[name]),
      { timeoutMs: WAIT }
    )
  )

/** Our server with a client-certificate policy; collects handshakes and failures. */
const serve = (config: Partial<TlsConfig>) =>
  Effect.gen(function* () {
    const conns: Array<NodeTls.TlsConnection> = []
    const errors: Array<unknown> = []
    const server = yield* NodeTls.serve({
      port: 0,
      config: { certificates: [{ chain: [w.server.good.der, w.intA.der], key: credential(w.server.good).key }], ...config },
      handler: (conn) =>
        Effect.gen(function* () {
          conns.push(conn)
          yield* conn.write(text(`hello ${conn.params.peerCertificates.length > 0 ? "with" : "without"} a certificate\n`))
          const inbox = yield* drain(conn.read)
          yield* wait(() => inbox.waitEnd(WAIT).catch(() => ({})))
        }),
      onError: (e) => Effect.sync(() => void errors.push(e)),
      driver
    })
    yield* Effect.forkScoped(server.run)
    return { port: (server.address as { readonly port: number }).port, conns, errors }
  })

/** `openssl s_client -trace` trusting rootA, unbuffered. */
const sClient = (port: number, args: ReadonlyArray<string>) =>
  owned(
    spawnPeer("stdbuf", [
      "-o0", "openssl", "s_client", "-connect", `127.0.0.1:${port}`, "-tls1_3", "-CAfile", w.rootA.certPath, "-verify_return_error", "-servername", "localhost", "-trace", ...args
    ], { name: "openssl s_client" })
  )

describe.skipIf(!HAVE_OPENSSL)("certificates against openssl (TLS 1.3)", () => {
  beforeAll(() => {
    w = makeWorld()
  })
  afterAll(async () => {
    await killAll()
    w?.forge.cleanup()
  })

  describe("our client → openssl s_server: good certificates are accepted", () => {
    const good: ReadonlyArray<{ readonly name: string; readonly cert: () => Cert; readonly serverName: string }> = [
      { name: "leaf under an intermediate, chain served", cert: () => w.server.good, serverName: "localhost" },
      { name: "RSA-2048 leaf", cert: () => w.server.rsa, serverName: "localhost" },
      { name: "wildcard *.a.test for b.a.test", cert: () => w.server.wildcard, serverName: "b.a.test" },
      { name: "IP address SAN for 127.0.0.1", cert: () => w.server.ip, serverName: "127.0.0.1" }
    ]
    it.each(good)("$name", (c) =>
      run(
        { anchors: anchorsOf(w.rootA), crls: crls() },
        Effect.gen(function* () {
          const { peer, port } = yield* sServer(c.cert(), [], [w.intA])
          const exit = yield* connect(port, { serverName: c.serverName })
          if (Exit.isFailure(exit)) throw new Error(`rejected: ${String(exit.cause)}`)
          const conn = exit.value
          yield* conn.write(text("ping\n"))
          yield* wait(() => peer.waitFor(/^ping$/m, { timeoutMs: WAIT }))
          expect(conn.params.peerCertificates[0]).toEqual(c.cert().der)
          expect(conn.params.peerCertificates).toHaveLength(2)
          expect(parseTrace(peer.stdout()).alerts.filter((a) => a.level === 2)).toEqual([])
        })
      )
    )
  })

  describe("our client → openssl s_server: bad certificates are refused with the table's alert", () => {
    // depth: the certificate the verifier blames (the served self-signed rootX for the unknown CA)
    const bad: ReadonlyArray<{ readonly name: string; readonly cert: () => Cert; readonly alert: AlertName; readonly chain?: () => ReadonlyArray<Cert>; readonly depth?: number }> = [
      { name: "expired leaf", cert: () => w.server.expired, alert: "certificate_expired" },
      { name: "not yet valid leaf", cert: () => w.server.future, alert: "certificate_expired" },
      { name: "wrong host (other.test for localhost)", cert: () => w.server.wrongHost, alert: "bad_certificate" },
      { name: "unknown CA (self-signed root served)", cert: () => w.server.unknownCa, alert: "unknown_ca", chain: () => [w.rootX], depth: 1 },
      { name: "EKU clientAuth only", cert: () => w.server.clientOnly, alert: "unsupported_certificate" },
      { name: "revoked by a configured CRL", cert: () => w.server.revoked, alert: "certificate_revoked" }
    ]
    it.each(bad)("$name → $alert", (c) =>
      run(
        { anchors: anchorsOf(w.rootA), crls: crls() },
        Effect.gen(function* () {
          const { peer, port } = yield* sServer(c.cert(), [], c.chain?.() ?? [w.intA])
          const exit = yield* connect(port, { serverName: "localhost" })
          if (Exit.isSuccess(exit)) throw new Error("the handshake succeeded")
          const error = Cause.squash(exit.cause)
          expect(error).toBeInstanceOf(TlsError)
          expect((error as TlsError).reason._tag).toBe("CertificateRejected")
          expect(alertOf(error)).toBe(c.alert)
          expect((error as TlsError).reason).toMatchObject({ depth: c.depth ?? 0 })
          yield* peerReceived(peer, c.alert)
          expect(peer.output()).toContain(`SSL alert number ${alerts[c.alert]}`)
        })
      )
    )
  })

  describe("openssl s_client → our server, client certificates", () => {
    const rejected: ReadonlyArray<{ readonly name: string; readonly cert?: () => Cert; readonly alert: AlertName }> = [
      { name: "untrusted (unknown CA)", cert: () => w.client.untrusted, alert: "unknown_ca" },
      { name: "expired", cert: () => w.client.expired, alert: "certificate_expired" },
      { name: "serverAuth-only EKU", cert: () => w.client.serverOnly, alert: "unsupported_certificate" },
      { name: "none sent", alert: "certificate_required" }
    ]
    it.each(rejected)("required, $name → $alert", (c) =>
      run(
        { anchors: anchorsOf(w.rootA) },
        Effect.gen(function* () {
          const srv = yield* serve({ clientAuth: "required" })
          const cert = c.cert?.()
          const peer = yield* sClient(srv.port, cert ? ["-cert", cert.certPath, "-key", cert.keyPath] : [])
          yield* wait(() => waitUntil("our server's verdict", () => srv.errors.length > 0 || srv.conns.length > 0, { timeoutMs: WAIT }))
          expect(srv.conns).toHaveLength(0)
          expect(alertOf(srv.errors[0])).toBe(c.alert)
          yield* peerReceived(peer, c.alert)
          expect(peer.output()).toContain(`SSL alert number ${alerts[c.alert]}`)
        })
      )
    )

    it("required, a valid client certificate is accepted", () =>
      run(
        { anchors: anchorsOf(w.rootA) },
        Effect.gen(function* () {
          const srv = yield* serve({ clientAuth: "required" })
          const peer = yield* sClient(srv.port, ["-cert", w.client.good.certPath, "-key", w.client.good.keyPath])
          yield* wait(() => peer.waitFor(/^hello with a certificate$/m, { timeoutMs: WAIT }))
          expect(srv.errors).toEqual([])
          expect(srv.conns[0]!.params.peerCertificates[0]).toEqual(w.client.good.der)
          expect(parseTrace(peer.stdout()).certificateVerify.filter((v) => v.dir === "sent")).toHaveLength(1)
        })
      )
    )

    it("optional, no client certificate: the connection goes on", () =>
      run(
        { anchors: anchorsOf(w.rootA) },
        Effect.gen(function* () {
          const srv = yield* serve({ clientAuth: "optional" })
          const peer = yield* sClient(srv.port, [])
          yield* wait(() => peer.waitFor(/^hello without a certificate$/m, { timeoutMs: WAIT }))
          expect(srv.errors).toEqual([])
          expect(srv.conns[0]!.params.peerCertificates).toEqual([])
          expect(parseTrace(peer.stdout()).count("received", "CertificateRequest")).toBe(1)
        })
      )
    )
  })

  describe("client certificate selection by the server's CA names", () => {
    it("three client certificates under caA, caB, caC: we send caB's to `s_server -Verify 1 -CAfile caB`", () =>
      run(
        { anchors: anchorsOf(w.rootA) },
        Effect.gen(function* () {
          const { cas, leaves } = w.pick
          const { peer, port } = yield* sServer(w.server.good, ["-Verify", "1", "-CAfile", cas[1].certPath, "-verify_return_error"], [w.intA])
          const exit = yield* connect(port, { serverName: "localhost", certificates: leaves.map(credential) })
          if (Exit.isFailure(exit)) throw new Error(`handshake failed: ${String(exit.cause)}`)
          const conn = exit.value
          const inbox = yield* drain(conn.read)
          yield* conn.write(text("picked\n"))
          // s_server named caB in certificate_authorities
          // OpenSSL's trace is on stdout; stderr (verify lines) may land inside its lines in output()
          const out = () => peer.stdout()
          yield* wait(() => waitUntil("s_server's CertificateRequest", () => parseTrace(out()).count("sent", "CertificateRequest") === 1, { timeoutMs: WAIT }))
          const request = parseTrace(out()).messages.find((m) => m.type === "CertificateRequest")!
          expect(request.lines.join("\n")).toContain("certificate_authorities")
          expect(request.lines.join("\n")).toContain("caB")
          // either s_server accepted caB's certificate and printed our data, or it refused the one we sent
          yield* wait(() =>
            waitUntil("s_server's verdict on our certificate", () => /^picked$/m.test(out()) || parseTrace(out()).alerts.some((a) => a.dir === "sent" && a.level === 2), {
              timeoutMs: WAIT
            })
          )
          // the client certificate s_server received, as its trace prints it
          const sent = [...out().matchAll(/Subject: ?CN ?= ?(client-[ABC])/g)].map((m) => m[1])
          expect(sent, "the client certificate we sent").toEqual(["client-B"])
          expect(parseTrace(out()).alerts.filter((a) => a.dir === "sent")).toEqual([])
          expect(out()).toMatch(/subject=CN = client-B/)
          expect(conn.params.signatureScheme).toBeDefined()
          expect(inbox.ended()).toBeUndefined()
        })
      )
    )

    it("a custom selection Effect sees the CA names `s_server -Verify 1 -CAfile caB` sends, and its choice is the certificate sent", () =>
      run(
        { anchors: anchorsOf(w.rootA) },
        Effect.gen(function* () {
          const { cas, leaves } = w.pick
          const { peer, port } = yield* sServer(w.server.good, ["-Verify", "1", "-CAfile", cas[1].certPath, "-verify_return_error"], [w.intA])
          const seen: Array<X509.ClientCertificateRequest> = []
          // the application's rule: the candidate whose issuer is the first CA the server names
          const selector: X509.ClientCertificateSelector = (request) =>
            Effect.sync(() => {
              seen.push(request)
              const first = request.caNames.slice(0, 1)
              const index = first.length === 0 ? -1 : request.candidates.findIndex((c) => X509.chainMatchesCaNames(c.chain, first))
              return index < 0 ? Option.none() : Option.some(index)
            })
          const exit = yield* connect(port, { serverName: "localhost", certificates: leaves.map(credential), clientCertificateSelection: "selector" }).pipe(
            Effect.provideService(ClientCertificateSelection, selector)
          )
          if (Exit.isFailure(exit)) throw new Error(`handshake failed: ${String(exit.cause)}`)
          const conn = exit.value
          const inbox = yield* drain(conn.read)
          yield* conn.write(text("chosen\n"))
          const out = () => peer.stdout()
          yield* wait(() =>
            waitUntil("s_server's verdict on our certificate", () => /^chosen$/m.test(out()) || parseTrace(out()).alerts.some((a) => a.dir === "sent" && a.level === 2), {
              timeoutMs: WAIT
            })
          )
          // the Effect was asked once, with exactly caB's subject as the server's CA names
          expect(seen).toHaveLength(1)
          const caB = Result.getOrThrow(X509.parseCertificate(cas[1].der)).subjectDer
          expect(seen[0]!.caNames.map((n) => Buffer.from(n).toString("hex"))).toEqual([Buffer.from(caB).toString("hex")])
          expect(seen[0]!.version).toBe("1.3")
          expect(seen[0]!.candidates).toHaveLength(3)
          expect([...out().matchAll(/Subject: ?CN ?= ?(client-[ABC])/g)].map((m) => m[1]), "the client certificate we sent").toEqual(["client-B"])
          expect(parseTrace(out()).alerts.filter((a) => a.dir === "sent")).toEqual([])
          expect(inbox.ended()).toBeUndefined()
        })
      )
    )
  })
})
