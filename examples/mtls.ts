/**
 * mtls: mutual TLS with a CA made for the run. Our server requires a client certificate
 * (`clientAuth: "required"`, the CA's name in certificate_authorities) and our client
 * presents one; each side prints what it saw of the other — subject, version, suite. Then
 * a client without a certificate is refused, and both sides' typed `TlsError`s are shown:
 * in TLS 1.3 the server's `certificate_required` alert (RFC 8446 §4.4.2.4), which reaches
 * the client after its own Finished; in TLS 1.2 `handshake_failure` (RFC 5246 §7.4.6).
 *
 *   npm run --silent mtls              # TLS 1.3, then TLS 1.2
 *   npm run --silent mtls -- -tls1_3   # one version
 *
 * Everything runs in one process on 127.0.0.1, port from the OS. Exit status 0 when every
 * case ended as expected. Built on the public API of @effect-tls/core and @effect-tls/node only.
 */
import { type Credential, loadPrivateKey, type NegotiatedParameters, type TlsConfig, TlsError, trusting, X509 } from "@effect-tls/core"
import { NodeTls } from "@effect-tls/node"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Result from "effect/Result"
import * as Stream from "effect/Stream"
import { startTool, type Flag } from "./lib/cli.js"
import { suiteText, versionText } from "./lib/openssl.js"
import { type Issued, makePki } from "./lib/pki.js"

const flags: ReadonlyArray<Flag> = [
  { name: "tls1_3", help: "TLS 1.3 only" },
  { name: "tls1_2", help: "TLS 1.2 only" },
  { name: "help", help: "this text" }
]

const { a, out, fail } = startTool("mtls", "Mutual TLS between our client and our server, with a CA made for the run.", flags)

const pki = makePki()
const credential = (issued: Issued): Credential => {
  const chain = X509.loadChain(issued.certPem)
  const key = loadPrivateKey(issued.keyPem)
  if (Result.isFailure(chain)) return fail(`certificate: ${chain.failure.detail}`)
  if (Result.isFailure(key)) return fail(`key: ${key.failure.message}`)
  return { chain: chain.success, key: key.success }
}
const serverCredential = credential(pki.server)
const clientCredential = credential(pki.client)
const anchors = X509.loadTrustAnchors([pki.ca.certPem])
if (Result.isFailure(anchors)) fail(`CA: ${anchors.failure.detail}`)
const caName = (() => {
  const parsed = X509.parseCertificate(pki.ca.certDer)
  return Result.isSuccess(parsed) ? parsed.success : fail(`CA: ${Result.isFailure(parsed) ? parsed.failure.detail : ""}`)
})()

/** The leaf's subject, as OpenSSL prints names. */
const subjectOf = (chain: ReadonlyArray<Uint8Array>): string => {
  if (chain[0] === undefined) return "no certificate"
  const parsed = X509.parseCertificate(chain[0])
  return Result.isSuccess(parsed) ? parsed.success.subject : "an unreadable certificate"
}
const negotiated = (p: NegotiatedParameters) => `${versionText(p.version)}, ${suiteText(p.cipherSuite)}`
/** A `TlsError` as its reason reads: the tag, the alert, the detail. */
const typed = (e: TlsError) => `TlsError ${e.reason._tag}${"alert" in e.reason ? ` (${e.reason.alert})` : ""}: ${"detail" in e.reason ? e.reason.detail : e.message}`

/** What the server reports for each connection. */
type ServerOutcome = { readonly _tag: "Served"; readonly line: string } | { readonly _tag: "Refused"; readonly error: TlsError }

/** One version: a client with a certificate (served), then one without (refused). True when both ended as expected. */
const runVersion = (version: 0x0304 | 0x0303) =>
  Effect.gen(function* () {
    const outcomes = yield* Queue.unbounded<ServerOutcome>()
    const server = yield* NodeTls.serve({
      port: 0,
      config: {
        versions: [version],
        certificates: [serverCredential],
        clientAuth: "required",
        certificateAuthorities: [caName.subjectDer],
        tickets: 0
      },
      handler: (conn) =>
        Effect.gen(function* () {
          const client = subjectOf(conn.params.peerCertificates)
          yield* Queue.offer(outcomes, { _tag: "Served", line: `server saw: client "${client}", ${negotiated(conn.params)}` })
          yield* conn.write(new TextEncoder().encode(`hello, ${client}: you are authenticated\n`))
          yield* conn.close
        }),
      onError: (error) => Effect.asVoid(Queue.offer(outcomes, { _tag: "Refused", error: error as TlsError }))
    })
    yield* Effect.forkScoped(server.run)
    const serverSaid = Queue.take(outcomes).pipe(Effect.timeout("10 seconds"))

    const connectAs = (certificates: ReadonlyArray<Credential>) => {
      const config: Partial<TlsConfig> = { versions: [version], serverName: "localhost", certificates }
      return Effect.gen(function* () {
        const conn = yield* NodeTls.connect({ host: "127.0.0.1", port: server.port, config })
        out(`client saw: server "${subjectOf(conn.params.peerCertificates)}", ${negotiated(conn.params)}`)
        const chunks = yield* Stream.runCollect(conn.read)
        return new TextDecoder().decode(Buffer.concat([...chunks]))
      }).pipe(Effect.scoped, Effect.result)
    }

    let ok = true
    const expect = (good: boolean, what: string) => {
      if (!good) {
        ok = false
        out(`UNEXPECTED: ${what}`)
      }
    }

    out(`== ${versionText(version)}: the client presents "${subjectOf(clientCredential.chain)}"`)
    const withCert = yield* connectAs([clientCredential])
    const served = yield* serverSaid
    if (served._tag === "Served") out(served.line)
    else out(`server: ${typed(served.error)}`)
    if (Result.isSuccess(withCert)) out(`client read: ${JSON.stringify(withCert.success)}`)
    else out(`client: ${typed(withCert.failure)}`)
    expect(served._tag === "Served" && Result.isSuccess(withCert) && withCert.success.includes("you are authenticated"), "the authenticated client was not served")

    out(`== ${versionText(version)}: the client presents no certificate`)
    const without = yield* connectAs([])
    const refused = yield* serverSaid
    if (Result.isSuccess(without)) out(`client read: ${JSON.stringify(without.success)}`)
    else out(`client: ${typed(without.failure)}`)
    if (refused._tag === "Refused") out(`server: ${typed(refused.error)}`)
    else out(refused.line)
    const alert = version === 0x0304 ? "certificate_required" : "handshake_failure"
    expect(
      refused._tag === "Refused" && refused.error.reason._tag === "PeerIncompatible" && refused.error.reason.alert === alert,
      `the server did not refuse with ${alert}`
    )
    expect(
      Result.isFailure(without) && without.failure.reason._tag === "AlertReceived" && without.failure.reason.alert === alert,
      `the client did not receive ${alert}`
    )
    return ok
  }).pipe(Effect.scoped)

const versions: ReadonlyArray<0x0304 | 0x0303> = a.set.has("tls1_3") ? [0x0304] : a.set.has("tls1_2") ? [0x0303] : [0x0304, 0x0303]

const main = Effect.gen(function* () {
  out(`mtls: a CA "${caName.subject}" made for this run issued the server's and the client's certificates; the server requires one`)
  let ok = true
  for (const v of versions) ok = (yield* runVersion(v)) && ok
  out(ok ? "mtls: every case ended as expected" : "mtls: some case did not end as expected")
  return ok
}).pipe(Effect.provide(trusting({ anchors: Result.getOrThrow(anchors) })), Effect.provide(NodeTls.layer()))

Effect.runPromise(main).then(
  (ok) => process.exit(ok ? 0 : 1),
  (e) => fail(e instanceof TlsError ? typed(e) : String(e))
)
