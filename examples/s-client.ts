/**
 * s-client: a TLS client with `openssl s_client`'s flags and output, on effect-tls.
 *
 *   npm run --silent s-client -- -connect 127.0.0.1:4433 -CAfile ca.pem -servername localhost -state
 *
 * Unlike OpenSSL, it fails closed: a certificate that does not verify (untrusted, expired,
 * wrong host name — checked against -servername) ends the connection with the alert and the
 * reason, and the exit status is 1. `-verify_return_error` is accepted for compatibility.
 * Built on the public API of @effect-tls/core and @effect-tls/node only.
 */
import * as fs from "node:fs"
import * as net from "node:net"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Result from "effect/Result"
import * as Stream from "effect/Stream"
import * as Fiber from "effect/Fiber"
import { defaultConfig, type Action, loadPrivateKey, type TlsConfig, TlsError, trusting, X509 } from "@effect-tls/core"
import { Tls13 } from "@effect-tls/core"
import * as NodeStream from "@effect/platform-node/NodeStream"
import { NodeTls, NodeTrust } from "@effect-tls/node"
import { startTool, type Flag } from "./lib/cli.js"
import { kxOf } from "./lib/openssl.js"
import { alertLine, finishedLine, groupText, parseGroups, parseSuites, stateLines, suiteText, versionText } from "./lib/openssl.js"

const flags: ReadonlyArray<Flag> = [
  { name: "connect", value: "host:port", help: "where to connect (default localhost:4433)" },
  { name: "servername", value: "name", help: "SNI and the name the certificate must match (default: the host, if a name)" },
  { name: "CAfile", value: "file", help: "PEM trust anchors (default: Node's root certificates)" },
  { name: "cert", value: "file", help: "client certificate chain (PEM), sent when the server asks" },
  { name: "key", value: "file", help: "private key of -cert (PEM)" },
  { name: "verify", value: "depth", help: "verify the server's chain (always on; depth bounds the path)" },
  { name: "verify_return_error", help: "accepted for compatibility: verification errors always end the handshake" },
  { name: "tls1_3", help: "TLS 1.3 only" },
  { name: "tls1_2", help: "TLS 1.2 only" },
  { name: "groups", value: "list", help: "key-exchange groups, e.g. X25519:P-256:X25519MLKEM768 (the first gets a key share)" },
  { name: "ciphersuites", value: "list", help: "TLS 1.3 suites, e.g. TLS_AES_128_GCM_SHA256" },
  { name: "cipher", value: "list", help: "TLS 1.2 suites by OpenSSL name, e.g. ECDHE-RSA-AES128-GCM-SHA256" },
  { name: "alpn", value: "list", help: "ALPN protocols, comma-separated" },
  { name: "sess_out", value: "file", help: "save the session (a resumption ticket) to a file" },
  { name: "sess_in", value: "file", help: "resume the session saved in a file" },
  { name: "keylogfile", value: "file", help: "append the traffic secrets (NSS key log format)" },
  { name: "state", help: "print the handshake steps as OpenSSL does (SSL_connect:...)" },
  { name: "msg", help: "print each handshake message and alert as it goes" },
  { name: "quiet", help: "print no session summary" },
  { name: "brief", help: "print a short summary" },
  { name: "help", help: "this text" }
]

const { a, out, err, fail } = startTool("s-client", "A TLS client with openssl s_client's flags. Fails closed on certificate errors.", flags)

const [host, portText] = (() => {
  const c = a.values.connect ?? "localhost:4433"
  const i = c.lastIndexOf(":")
  return [c.slice(0, i).replace(/^\[|\]$/g, ""), c.slice(i + 1)] as const
})()
const port = Number(portText)
if (!Number.isInteger(port) || port <= 0) fail(`bad -connect ${a.values.connect}`)

const serverName = a.values.servername ?? (net.isIP(host) === 0 ? host : undefined)

const config = (): Partial<TlsConfig> => {
  // like OpenSSL's client, a TLS 1.2 renegotiation is accepted (secure renegotiation only)
  const c: { -readonly [K in keyof TlsConfig]?: TlsConfig[K] } = {
    serverName,
    versions: a.set.has("tls1_3") ? [0x0304] : a.set.has("tls1_2") ? [0x0303] : [0x0304, 0x0303],
    renegotiation: "accept"
  }
  if (a.values.groups !== undefined) {
    const g = parseGroups(a.values.groups)
    if (typeof g === "string") fail(g)
    c.groups = g as ReadonlyArray<number>
    c.keyShareGroups = [(g as ReadonlyArray<number>)[0]!]
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
  if (a.values.cert !== undefined) {
    const chain = X509.loadChain(fs.readFileSync(a.values.cert, "utf8"))
    const key = loadPrivateKey(fs.readFileSync(a.values.key ?? a.values.cert, "utf8"))
    if (Result.isFailure(chain)) fail(`-cert: ${chain.failure.detail}`)
    if (Result.isFailure(key)) fail(`-key: ${key.failure.message}`)
    c.certificates = [{ chain: Result.getOrThrow(chain), key: Result.getOrThrow(key) }]
  }
  if (a.values.sess_in !== undefined) {
    const session = Tls13.loadSession(fs.readFileSync(a.values.sess_in, "utf8"))
    if (Result.isFailure(session)) fail(`-sess_in: ${session.failure}`)
    c.session = Result.getOrThrow(session)
  }
  return c
}

const anchors = Effect.gen(function* () {
  if (a.values.CAfile === undefined) return (yield* NodeTrust.nodeRootCertificates).anchors
  const loaded = X509.loadTrustAnchors([fs.readFileSync(a.values.CAfile, "utf8")])
  if (Result.isFailure(loaded)) return fail(`-CAfile: ${loaded.failure.detail}`)
  return loaded.success
})

const state = a.set.has("state")
const msg = a.set.has("msg")
let sessionSaved = false

/** Prints -state / -msg lines for one step's actions, in order (the driver calls it synchronously). */
const observe = (actions: ReadonlyArray<Action>) => {
  for (const act of actions) {
    if (act._tag === "Trace") {
      if (msg) err(`<<< ${act.note}`)
      // the server certificate's line is printed after its depth= lines, by the verifier
      if (state && act.note !== "read Certificate") for (const l of stateLines("client", act.note, act.from, act.to)) err(l)
    } else if (act._tag === "HandshakeComplete" && state) {
      err(finishedLine("client"))
    } else if ((act._tag === "AlertReceived" || act._tag === "AlertSent") && (state || msg)) {
      err(alertLine(act._tag === "AlertReceived" ? "read" : "write", act.level, act.description))
    } else if (act._tag === "SessionTicket" && a.values.sess_out !== undefined && !sessionSaved) {
      fs.writeFileSync(a.values.sess_out, Tls13.saveSession(act.session as Tls13.Session13), { mode: 0o600 })
      sessionSaved = true
    }
  }
}

const printVerified = (path: X509.VerifiedPath) => {
  for (const line of X509.verifyLines(path)) err(line)
  if (state) for (const l of stateLines("client", "read Certificate")) err(l)
}

const summary = (conn: NodeTls.TlsConnection) => {
  const p = conn.params
  if (a.set.has("brief")) {
    err(`CONNECTION ESTABLISHED\nProtocol version: ${versionText(p.version)}\nCiphersuite: ${suiteText(p.cipherSuite)}`)
    return
  }
  out(`CONNECTED(${host}:${port})`)
  out("---\nCertificate chain")
  p.peerCertificates.forEach((der, i) => {
    const c = X509.parseCertificate(der)
    if (Result.isSuccess(c)) out(` ${i} s:${c.success.subject}\n   i:${c.success.issuer}`)
  })
  out("---")
  out(`Peer signature scheme: ${p.peerSignatureScheme === undefined ? "none" : p.peerSignatureScheme.toString(16)}`)
  out(`Server Temp Key: ${groupText(p.group)}`)
  out("---")
  out(`${p.resumed ? "Reused" : "New"}, ${versionText(p.version)}, Cipher is ${suiteText(p.cipherSuite)}`)
  out(p.alpn === undefined ? "No ALPN negotiated" : `ALPN protocol: ${p.alpn}`)
  out(`Early data was ${p.earlyData === "none" ? "not sent" : p.earlyData}`)
  out("Verify return code: 0 (ok)\n---")
}

const program = Effect.gen(function* () {
  if (state) err("SSL_connect:before SSL initialization")
  const trust = yield* anchors
  const conn = yield* NodeTls.connect({
    host,
    port,
    config: config(),
    driver: { observe: (entry) => observe(entry.actions) }
  }).pipe(Effect.provide(trusting({ anchors: trust, onVerified: printVerified })))
  if (!a.set.has("quiet")) summary(conn)
  // stdin: OpenSSL's commands on a line of their own (Q quits, k/K update keys, R
  // renegotiates in TLS 1.2), the rest is data
  const stdin = yield* Effect.forkChild(
    NodeStream.fromReadable<Uint8Array>({ evaluate: () => process.stdin, closeOnDone: false }).pipe(
      Stream.runForEach((chunk) => {
        const text = Buffer.from(chunk).toString("latin1")
        if (text === "Q\n") return conn.close
        if (text === "k\n" || text === "K\n") return conn.keyUpdate(text === "K\n")
        if (text === "R\n") {
          err("RENEGOTIATING")
          return conn.renegotiate.pipe(Effect.catchTag("TlsError", (e: TlsError) => Effect.sync(() => err(`s-client: ${e.message}`))))
        }
        return conn.write(chunk)
      }),
      Effect.andThen(conn.close),
      Effect.ignore
    )
  )
  yield* Stream.runForEach(conn.read, (chunk) => Effect.sync(() => process.stdout.write(chunk)))
  yield* conn.close
  yield* Fiber.interrupt(stdin)
})

const main = program.pipe(
  Effect.scoped,
  Effect.provide(Layer.mergeAll(NodeTls.layer({ keyLogFile: a.values.keylogfile }))),
  Effect.catchTag("TlsError", (e: TlsError) =>
    Effect.sync(() => {
      const r = e.reason
      if (r._tag === "CertificateRejected") {
        err(`depth=${r.depth ?? 0} ${r.subject ?? ""}`)
        err(`verify error:${r.detail}`)
        err("verify return:0")
      }
      err(`s-client: ${e.message}`)
      process.exitCode = 1
    })
  ),
  Effect.catch((e: unknown) => Effect.sync(() => {
    err(`s-client: ${String(e)}`)
    process.exitCode = 1
  }))
)

Effect.runPromise(main as Effect.Effect<void>).then(
  () => process.exit(),
  (e) => fail(String(e))
)
