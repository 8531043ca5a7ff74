/**
 * s-server: a TLS server with `openssl s_server`'s flags and output, on effect-tls.
 *
 *   npm run --silent s-server -- -accept 4433 -cert server.pem -key server.key -www -state
 *
 * `-www` answers each `GET` with a small status page (`HTTP/1.0 200 ok`, as OpenSSL's);
 * without it, what the client sends is printed and stdin is sent to the client. `-verify N`
 * asks for a client certificate, `-Verify N` requires one (checked against -CAfile).
 * Built on the public API of @effect-tls/core and @effect-tls/node only.
 */
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as NodeStream from "@effect/platform-node/NodeStream"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Stream from "effect/Stream"
import * as Fiber from "effect/Fiber"
import { defaultConfig, type Action, ChainVerifier, loadPrivateKey, type TlsConfig, type TlsError, trusting, X509 } from "@effect-tls/core"
import { NodeTls } from "@effect-tls/node"
import { startTool, type Flag } from "./lib/cli.js"
import { kxOf } from "./lib/openssl.js"
import { alertLine, finishedLine, groupText, parseGroups, parseSuites, stateLines, suiteText, versionText } from "./lib/openssl.js"

const flags: ReadonlyArray<Flag> = [
  { name: "accept", value: "[host:]port", help: "where to listen (default 4433 on 127.0.0.1; 0: the OS picks)" },
  { name: "cert", value: "file", help: "server certificate chain (PEM, leaf first)" },
  { name: "key", value: "file", help: "private key of -cert (PEM)" },
  { name: "CAfile", value: "file", help: "trust anchors for client certificates; their names go in the CertificateRequest" },
  { name: "verify", value: "depth", help: "ask for a client certificate (optional)" },
  { name: "Verify", value: "depth", help: "require a client certificate" },
  { name: "tls1_3", help: "TLS 1.3 only" },
  { name: "tls1_2", help: "TLS 1.2 only" },
  { name: "groups", value: "list", help: "key-exchange groups in preference order, e.g. X25519:P-256" },
  { name: "ciphersuites", value: "list", help: "TLS 1.3 suites in preference order" },
  { name: "cipher", value: "list", help: "TLS 1.2 suites by OpenSSL name (naming DHE or RSA suites enables them)" },
  { name: "alpn", value: "list", help: "ALPN protocols we accept, comma-separated, in preference order" },
  { name: "no_ticket", help: "issue no session tickets" },
  { name: "client_renegotiation", help: "accept TLS 1.2 renegotiation (also needed for r/R on stdin); refused by default" },
  { name: "keylogfile", value: "file", help: "append the traffic secrets (NSS key log format)" },
  { name: "naccept", value: "n", help: "stop after n connections" },
  { name: "www", help: "answer GET with a status page" },
  { name: "state", help: "print the handshake steps as OpenSSL does (SSL_accept:...)" },
  { name: "msg", help: "print each handshake message and alert as it goes" },
  { name: "quiet", help: "print no connection summary" },
  { name: "brief", help: "print a short summary" },
  { name: "help", help: "this text" }
]

const { a, err, fail } = startTool("s-server", "A TLS server with openssl s_server's flags.", flags)
if (a.values.cert === undefined) fail("-cert is required")

const [host, port] = (() => {
  const v = a.values.accept ?? "4433"
  const i = v.lastIndexOf(":")
  return i === -1 ? ["127.0.0.1", Number(v)] : [v.slice(0, i).replace(/^\[|\]$/g, "") || "127.0.0.1", Number(v.slice(i + 1))]
})() as readonly [string, number]

const config = (): Partial<TlsConfig> => {
  const chain = X509.loadChain(fs.readFileSync(a.values.cert!, "utf8"))
  const key = loadPrivateKey(fs.readFileSync(a.values.key ?? a.values.cert!, "utf8"))
  if (Result.isFailure(chain)) fail(`-cert: ${chain.failure.detail}`)
  if (Result.isFailure(key)) fail(`-key: ${key.failure.message}`)
  const c: { -readonly [K in keyof TlsConfig]?: TlsConfig[K] } = {
    versions: a.set.has("tls1_3") ? [0x0304] : a.set.has("tls1_2") ? [0x0303] : [0x0304, 0x0303],
    renegotiation: a.set.has("client_renegotiation") ? "accept" : "refuse",
    certificates: [{ chain: Result.getOrThrow(chain), key: Result.getOrThrow(key) }],
    // OpenSSL's s_server issues two tickets; a fresh ticket key per run
    tickets: a.set.has("no_ticket") ? 0 : 2,
    ticketKeys: [Redacted.make(new Uint8Array(crypto.randomBytes(32)))]
  }
  if (a.values.groups !== undefined) {
    const g = parseGroups(a.values.groups)
    if (typeof g === "string") fail(g)
    c.groups = g as ReadonlyArray<number>
  }
  if (a.values.ciphersuites !== undefined) {
    const s = parseSuites(a.values.ciphersuites)
    if (typeof s === "string") fail(s)
    c.cipherSuites = s as ReadonlyArray<number>
  }
  if (a.values.cipher !== undefined) {
    // OpenSSL's TLS 1.2 names; naming a DHE or RSA key-transport suite enables that key exchange
    const s = parseSuites(a.values.cipher)
    if (typeof s === "string") fail(s)
    const tls13 = (c.cipherSuites ?? defaultConfig.cipherSuites).filter((x) => x >= 0x1301 && x <= 0x1305)
    c.cipherSuites = [...tls13, ...(s as ReadonlyArray<number>)]
    c.tls12KeyExchanges = kxOf(s as ReadonlyArray<number>)
  }
  if (a.values.alpn !== undefined) c.alpn = a.values.alpn.split(",")
  if (a.set.has("verify") || a.set.has("Verify")) {
    c.clientAuth = a.set.has("Verify") ? "required" : "optional"
    if (a.values.CAfile !== undefined) {
      const cas = X509.loadCertificates(fs.readFileSync(a.values.CAfile, "utf8"))
      if (Result.isFailure(cas)) fail(`-CAfile: ${cas.failure.detail}`)
      c.certificateAuthorities = Result.getOrThrow(cas).map((p) => p.subjectDer)
    }
  }
  return c
}

const verifier: Layer.Layer<ChainVerifier, never, any> = (() => {
  if (a.values.CAfile === undefined) return ChainVerifier.pinned([])
  const anchors = X509.loadTrustAnchors([fs.readFileSync(a.values.CAfile, "utf8")])
  if (Result.isFailure(anchors)) return fail(`-CAfile: ${anchors.failure.detail}`)
  return trusting({
    anchors: anchors.success,
    onVerified: (path) => {
      for (const line of X509.verifyLines(path)) err(line)
    }
  })
})()

const state = a.set.has("state")
const msg = a.set.has("msg")

const observe = (actions: ReadonlyArray<Action>) => {
  for (const act of actions) {
    if (act._tag === "Trace") {
      if (msg) err(`>>> ${act.note}`)
      if (state) for (const l of stateLines("server", act.note, act.from, act.to)) err(l)
    } else if (act._tag === "HandshakeComplete" && state) {
      err(finishedLine("server"))
    } else if ((act._tag === "AlertReceived" || act._tag === "AlertSent") && (state || msg)) {
      err(alertLine(act._tag === "AlertReceived" ? "read" : "write", act.level, act.description))
    }
  }
}

const describe = (conn: NodeTls.TlsConnection): ReadonlyArray<string> => {
  const p = conn.params
  const peer = p.peerCertificates[0]
  const subject = peer === undefined ? undefined : X509.parseCertificate(peer)
  return [
    `Protocol version: ${versionText(p.version)}`,
    `Ciphersuite: ${suiteText(p.cipherSuite)}`,
    `Server Temp Key: ${groupText(p.group)}`,
    p.alpn === undefined ? "No ALPN negotiated" : `ALPN protocol: ${p.alpn}`,
    subject !== undefined && Result.isSuccess(subject) ? `Client certificate: ${subject.success.subject}` : "no client certificate available",
    `Session resumed: ${p.resumed ? "yes" : "no"}`
  ]
}

/** OpenSSL-style status page for -www. */
const page = (conn: NodeTls.TlsConnection): string =>
  [
    "HTTP/1.0 200 ok",
    "Content-type: text/html",
    "",
    '<HTML><BODY BGCOLOR="#ffffff">',
    "<pre>",
    "",
    `s-server ${process.argv.slice(2).join(" ")}`,
    "---",
    ...describe(conn),
    "---",
    "</pre></BODY></HTML>",
    ""
  ].join("\r\n")

let remaining = a.values.naccept === undefined ? Infinity : Number(a.values.naccept)

const handler = (conn: NodeTls.TlsConnection) =>
  Effect.gen(function* () {
    if (!a.set.has("quiet")) for (const l of describe(conn)) err(l)
    if (a.set.has("www")) {
      let request = ""
      yield* Stream.runForEach(conn.read, (chunk) =>
        Effect.gen(function* () {
          request += Buffer.from(chunk).toString("latin1")
          if (/\r?\n\r?\n/.test(request) || request.startsWith("GET") && request.includes("\n")) {
            if (request.length > 0 && request.startsWith("GET")) yield* conn.write(new TextEncoder().encode(page(conn)))
            request = ""
            yield* conn.close
          }
        })
      )
      yield* conn.close
      return
    }
    const stdin = yield* Effect.forkChild(
      NodeStream.fromReadable<Uint8Array>({ evaluate: () => process.stdin, closeOnDone: false }).pipe(
        Stream.runForEach((chunk) => {
          const text = Buffer.from(chunk).toString("latin1")
          if (text === "Q\n") return conn.close
          if (text === "k\n" || text === "K\n") return conn.keyUpdate(text === "K\n")
          if (text === "r\n" || text === "R\n") {
            // a HelloRequest (TLS 1.2), as OpenSSL's r; our R asks for no client certificate anew
            err("SSL_renegotiate -> 1")
            return conn.renegotiate.pipe(Effect.catchTag("TlsError", (e: TlsError) => Effect.sync(() => err(`s-server: ${e.message}`))))
          }
          return conn.write(chunk)
        }),
        Effect.ignore
      )
    )
    yield* Stream.runForEach(conn.read, (chunk) => Effect.sync(() => process.stdout.write(chunk)))
    yield* conn.close
    yield* Fiber.interrupt(stdin)
  }).pipe(Effect.ensuring(Effect.sync(countDown)))

const countDown = () => {
  remaining -= 1
  if (remaining <= 0) process.exit(0)
}

const main = Effect.gen(function* () {
  const server = yield* NodeTls.serve({
    host,
    port,
    config: config(),
    handler,
    driver: { observe: (entry) => observe(entry.actions) },
    onError: (e) =>
      Effect.sync(() => {
        err(`s-server: ${e instanceof Error ? e.message : String(e)}`)
        countDown()
      })
  })
  const address = server.address as { readonly port?: number }
  err(`ACCEPT${address.port !== undefined && port === 0 ? ` ${address.port}` : ""}`)
  return yield* server.run
}).pipe(Effect.scoped, Effect.provide(verifier), Effect.provide(NodeTls.layer({ keyLogFile: a.values.keylogfile })))

Effect.runPromise(main as Effect.Effect<never>).catch((e) => fail(String(e)))
