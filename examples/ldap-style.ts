/**
 * ldap-style: the SASL EXTERNAL case — an LDAP-like server that takes a plaintext
 * connection, performs StartTLS (RFC 4511 §4.14: the ExtendedRequest
 * 1.3.6.1.4.1.1466.20037 and its success response), runs TLS as the server over the same
 * socket (`NodeTls.upgrade`, the already-open-`Socket` API), asks for a client certificate
 * without requiring one, and hands its handler who the client is — the certificate's
 * subject DN (RFC 4514 form) or "anonymous" — with the `tls-exporter` channel binding
 * (RFC 9266) a SASL layer would bind to.
 *
 *   npm run --silent ldap-style                             # 127.0.0.1:1389, certificates made for this run
 *   npm run --silent ldap-style -- -accept 0 -naccept 1     # a port from the OS, one connection
 *   openssl s_client -starttls ldap -connect 127.0.0.1:1389 -CAfile DIR/ca.pem -cert DIR/client.pem -key DIR/client.key \
 *     -keymatexport EXPORTER-Channel-Binding -keymatexportlen 32
 *
 * Without `-cert`/`-CAfile` it makes a CA, a server certificate and a client certificate
 * (`-certs DIR` keeps them there; otherwise a temporary directory removed at exit) and
 * prints the `openssl s_client` command that connects with them. Each connection prints
 * `[n] identity: <DN>|anonymous` and `[n] tls-exporter: <hex>`. Over TLS the handler answers
 * a SASL EXTERNAL BindRequest (success with a certificate, inappropriateAuthentication
 * without) and an UnbindRequest; anything else gets a Notice of Disconnection.
 * Built on the public API of @effect-tls/core and @effect-tls/node only.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer"
import { AsnConvert } from "@peculiar/asn1-schema"
import { channelBinding, type Credential, loadPrivateKey, type TlsConfig, TlsCrypto, TlsError, trusting, X509 } from "@effect-tls/core"
import { NodeTls } from "@effect-tls/node"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import type * as Socket from "effect/socket/Socket"
import * as Stream from "effect/Stream"
import { startTool, type Flag } from "./lib/cli.js"
import * as Ldap from "./lib/ldap.js"
import { suiteText, versionText } from "./lib/openssl.js"
import { makePki, writePki } from "./lib/pki.js"

const flags: ReadonlyArray<Flag> = [
  { name: "accept", value: "[host:]port", help: "where to listen for plaintext LDAP (default 1389 on 127.0.0.1; 0: the OS picks)" },
  { name: "cert", value: "file", help: "server certificate chain (PEM; default: one made for this run)" },
  { name: "key", value: "file", help: "private key of -cert (PEM)" },
  { name: "CAfile", value: "file", help: "trust anchors for client certificates (default: the CA made for this run)" },
  { name: "certs", value: "dir", help: "write the certificates made for this run here (default: a temporary directory)" },
  { name: "tls1_3", help: "TLS 1.3 only" },
  { name: "tls1_2", help: "TLS 1.2 only" },
  { name: "naccept", value: "n", help: "stop after n connections" },
  { name: "help", help: "this text" }
]

const { a, out, err, fail } = startTool("ldap-style", "An LDAP-like StartTLS server: client certificate optional, tls-exporter channel binding.", flags)

const [host, port] = (() => {
  const v = a.values.accept ?? "1389"
  const i = v.lastIndexOf(":")
  return i === -1 ? ["127.0.0.1", Number(v)] : [v.slice(0, i).replace(/^\[|\]$/g, "") || "127.0.0.1", Number(v.slice(i + 1))]
})() as readonly [string, number]
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`bad -accept ${a.values.accept}`)
const naccept = a.values.naccept === undefined ? Infinity : Number(a.values.naccept)
if (!(naccept >= 1)) fail(`bad -naccept ${a.values.naccept}`)

// ---------------------------------------------------------------------------
// Certificates: the files given, or a PKI made for this run.

const generated = (() => {
  if (a.values.cert !== undefined && a.values.CAfile !== undefined) return undefined
  const dir = a.values.certs ?? fs.mkdtempSync(path.join(os.tmpdir(), "ldap-style-"))
  if (a.values.certs === undefined) process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }))
  return writePki(dir, makePki())
})()
const certFile = a.values.cert ?? generated!.serverCert
const keyFile = a.values.cert !== undefined ? (a.values.key ?? a.values.cert) : generated!.serverKey
const caFile = a.values.CAfile ?? generated!.ca

const credential: Credential = (() => {
  const chain = X509.loadChain(fs.readFileSync(certFile, "utf8"))
  const key = loadPrivateKey(fs.readFileSync(keyFile, "utf8"))
  if (Result.isFailure(chain)) return fail(`-cert: ${chain.failure.detail}`)
  if (Result.isFailure(key)) return fail(`-key: ${key.failure.message}`)
  return { chain: chain.success, key: key.success }
})()
const caPem = fs.readFileSync(caFile, "utf8")
const anchors = X509.loadTrustAnchors([caPem])
const caNames = X509.loadCertificates(caPem)
if (Result.isFailure(anchors)) fail(`-CAfile: ${anchors.failure.detail}`)
if (Result.isFailure(caNames)) fail(`-CAfile: ${caNames.failure.detail}`)

const config: Partial<TlsConfig> = {
  versions: a.set.has("tls1_3") ? [0x0304] : a.set.has("tls1_2") ? [0x0303] : [0x0304, 0x0303],
  certificates: [credential],
  // Ask for a certificate, accept a client without one: SASL EXTERNAL or an anonymous session.
  clientAuth: "optional",
  certificateAuthorities: Result.getOrThrow(caNames).map((c) => c.subjectDer),
  tickets: 0
}

// ---------------------------------------------------------------------------
// Who the client is, as the SASL layer sees it.

const rfc4514Names: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.9": "STREET",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "0.9.2342.19200300.100.1.1": "UID",
  "0.9.2342.19200300.100.1.25": "DC"
}

/** An attribute value escaped as RFC 4514 §2.4 asks (`,+"\<>;` anywhere, `#`/space first, space last, NUL). */
const escape4514 = (value: string): string =>
  value
    .replace(/[,+"\\<>;]/g, (c) => `\\${c}`)
    .replace(/^[ #]/, (c) => `\\${c}`)
    .replace(/ $/, "\\ ")
    .replace(/\0/g, "\\00")

/** A certificate's subject as an LDAP DN string (RFC 4514 §2.1: the last RDN first), `CN=alice,O=Example`. */
const subjectDn = (cert: X509.ParsedCertificate): string =>
  [...cert.cert.tbsCertificate.subject]
    .reverse()
    .map((rdn) =>
      rdn
        .map((atv) => {
          const type = rfc4514Names[atv.type]
          // A type without a short name is its dotted OID with the value's DER in hex (§2.4).
          return type === undefined ? `${atv.type}=#${Buffer.from(AsnConvert.serialize(atv.value)).toString("hex")}` : `${type}=${escape4514(X509.attributeText(atv.value))}`
        })
        .join("+")
    )
    .join(",")

/** The client as SASL EXTERNAL sees it (RFC 4422 Appendix A, RFC 4513 §5.2.3). */
type Identity = { readonly _tag: "Certificate"; readonly dn: string } | { readonly _tag: "Anonymous" }

/** What the handler gets for a connection that completed StartTLS. */
interface Secured {
  readonly id: number
  readonly conn: NodeTls.TlsConnection
  readonly identity: Identity
  /** The tls-exporter channel binding (RFC 9266): 32 bytes, the same at both ends. */
  readonly channelBinding: Uint8Array
}

/**
 * The application's handler — where a directory would run SASL: it gets the identity and
 * the channel binding, then answers a SASL EXTERNAL bind and an unbind over TLS.
 */
const handler = (s: Secured) =>
  Effect.gen(function* () {
    const say = (line: string) => out(`[${s.id}] ${line}`)
    say(`identity: ${s.identity._tag === "Certificate" ? s.identity.dn : "anonymous"}`)
    say(`tls-exporter: ${Buffer.from(s.channelBinding).toString("hex")}`)
    const send = (bytes: Uint8Array) => s.conn.write(bytes)
    const answer = (request: Ldap.Request): Effect.Effect<"more" | "done", TlsError> => {
      switch (request._tag) {
        case "Bind": {
          if (request.mechanism !== "EXTERNAL") {
            say(`bind (messageID ${request.messageId}): ${request.mechanism === undefined ? "simple" : `SASL ${request.mechanism}`} refused: authMethodNotSupported`)
            return Effect.as(send(Ldap.bindResponse(request.messageId, Ldap.ResultCode.authMethodNotSupported, "only SASL EXTERNAL")), "more")
          }
          if (s.identity._tag === "Anonymous") {
            say(`bind (messageID ${request.messageId}): SASL EXTERNAL refused: inappropriateAuthentication (no client certificate)`)
            return Effect.as(send(Ldap.bindResponse(request.messageId, Ldap.ResultCode.inappropriateAuthentication, "no client certificate")), "more")
          }
          say(`bind (messageID ${request.messageId}): SASL EXTERNAL success, authzid dn:${s.identity.dn}`)
          return Effect.as(send(Ldap.bindResponse(request.messageId, Ldap.ResultCode.success, "")), "more")
        }
        case "Unbind":
          say(`unbind (messageID ${request.messageId})`)
          return Effect.succeed("done")
        case "Extended":
          say(`extended request ${request.name} (messageID ${request.messageId}): operationsError (TLS is already on)`)
          return Effect.as(send(Ldap.extendedResponse(request.messageId, Ldap.ResultCode.operationsError, undefined, "TLS already established")), "more")
        case "Unsupported":
          say(`${request.operation} (messageID ${request.messageId}): unsupported, disconnecting`)
          return Effect.as(send(Ldap.noticeOfDisconnection(Ldap.ResultCode.unwillingToPerform, `${request.operation} is not supported here`)), "done")
        case "Malformed":
          say(`malformed message (${request.detail}), disconnecting`)
          return Effect.as(send(Ldap.noticeOfDisconnection(Ldap.ResultCode.protocolError, request.detail)), "done")
      }
    }
    const messages = Ldap.messageBuffer()
    // Answers every whole message a chunk completes; says whether the conversation is over.
    const answerAll = (chunk: Uint8Array): Effect.Effect<boolean, TlsError> =>
      Effect.gen(function* () {
        messages.push(chunk)
        for (;;) {
          const next = messages.next()
          if (next === undefined) return false
          const request = typeof next === "string" ? ({ _tag: "Malformed", detail: next } as const) : Ldap.decodeRequest(next)
          if ((yield* answer(request)) === "done") return true
        }
      })
    const ended = yield* s.conn.read.pipe(
      Stream.mapEffect(answerAll),
      Stream.takeUntil((over) => over),
      Stream.runFold(() => false, (_, over) => over)
    )
    if (ended) {
      say("closing (close_notify)")
      return yield* s.conn.close
    }
    say("client closed (close_notify)")
    // Our close_notify in reply; a client that left right after its own (openssl s_client
    // exits at once) makes this write fail, which ends nothing that was not already over.
    yield* Effect.ignore(s.conn.close)
  })

// ---------------------------------------------------------------------------
// The plaintext part: read LDAP messages until StartTLS, then TLS over the same socket.

let connections = 0

/** Reads the next whole LDAP message of the plaintext phase. */
const nextMessage = (reader: Socket.Reader, messages: ReturnType<typeof Ldap.messageBuffer>) =>
  Effect.gen(function* () {
    let next = messages.next()
    while (next === undefined) {
      const chunks = yield* reader.pull
      for (const c of chunks) messages.push(typeof c === "string" ? new TextEncoder().encode(c) : c)
      next = messages.next()
    }
    return typeof next === "string" ? ({ _tag: "Malformed", detail: next } as const) : Ldap.decodeRequest(next)
  })

/**
 * Plaintext LDAP until StartTLS succeeds (only StartTLS is served before TLS: RFC 4513 §3
 * lets a server require it); true when TLS should start.
 */
const startTls = (say: (line: string) => void, reader: Socket.Reader, writer: Socket.Writer, messages: ReturnType<typeof Ldap.messageBuffer>) =>
  Effect.gen(function* () {
    for (;;) {
      const request = yield* nextMessage(reader, messages)
      if (request._tag === "Extended" && request.name === Ldap.startTlsOid) {
        say(`StartTLS (messageID ${request.messageId}): success`)
        yield* writer.write(Ldap.extendedResponse(request.messageId, Ldap.ResultCode.success, Ldap.startTlsOid))
        return true
      }
      if (request._tag === "Extended") {
        // RFC 4511 §4.12: an unrecognized requestName is answered with protocolError only.
        say(`extended request ${request.name} (messageID ${request.messageId}): protocolError`)
        yield* writer.write(Ldap.extendedResponse(request.messageId, Ldap.ResultCode.protocolError, undefined, "unknown extended operation"))
        continue
      }
      const what = request._tag === "Malformed" ? `malformed message (${request.detail})` : request._tag === "Unsupported" ? request.operation : `${request._tag}Request`
      say(`${what} before StartTLS: confidentialityRequired, disconnecting`)
      yield* writer.write(Ldap.noticeOfDisconnection(Ldap.ResultCode.confidentialityRequired, "StartTLS first"))
      return false
    }
  })

/** One connection: StartTLS in plaintext, TLS over the same socket, then the handler. */
const session = (socket: Socket.Socket) => {
  const id = ++connections
  const say = (line: string) => out(`[${id}] ${line}`)
  return Effect.gen(function* () {
    const reader = yield* socket.reader
    const writer = yield* socket.writer
    const messages = Ldap.messageBuffer()
    say("connected (plaintext)")
    const upgrade = yield* startTls(say, reader, writer, messages).pipe(
      Effect.timeoutOrElse({ duration: "10 seconds", orElse: () => Effect.sync(() => (say("no StartTLS within 10 s, disconnecting"), false)) })
    )
    if (!upgrade) return
    // TLS over the same socket: the reader we used, and any bytes read past the StartTLS request.
    const conn = yield* NodeTls.upgrade(socket, "server", config, { idleTimeoutMs: 300_000 }, { reader, leftover: messages.rest(), halfOpen: true })
    const p = conn.params
    const leaf = p.peerCertificates[0] === undefined ? undefined : X509.parseCertificate(p.peerCertificates[0])
    const identity: Identity = leaf !== undefined && Result.isSuccess(leaf) ? { _tag: "Certificate", dn: subjectDn(leaf.success) } : { _tag: "Anonymous" }
    say(`${versionText(p.version)} ${suiteText(p.cipherSuite)}, client certificate: ${leaf === undefined ? "none" : Result.isSuccess(leaf) ? leaf.success.subject : "unreadable"}`)
    const binding = channelBinding(yield* TlsCrypto, p)
    if (Result.isFailure(binding)) return say(`no channel binding: ${binding.failure}`)
    yield* handler({ id, conn, identity, channelBinding: binding.success })
  }).pipe(
    Effect.scoped,
    Effect.catch((e: unknown) => Effect.sync(() => err(`ldap-style: [${id}] ${e instanceof TlsError ? `TLS failed: ${e.message}` : `connection failed: ${String(e)}`}`)))
  )
}

const main = Effect.gen(function* () {
  const finished = yield* Deferred.make<void>()
  const server = yield* NodeSocketServer.make({ host, port, allowHalfOpen: true, noDelay: true })
  const bound = "port" in server.address ? server.address.port : port
  out(`ldap-style: listening on ${host}:${bound} (plaintext LDAP; StartTLS ${Ldap.startTlsOid}; client certificate optional)`)
  const certArgs = generated === undefined ? "" : ` -CAfile ${generated.ca}`
  const clientArgs = generated === undefined ? " -cert CLIENT.pem -key CLIENT.key" : ` -cert ${generated.clientCert} -key ${generated.clientKey}`
  out(`connect: openssl s_client -starttls ldap -connect ${host}:${bound}${certArgs}${clientArgs} -keymatexport EXPORTER-Channel-Binding -keymatexportlen 32`)
  out(`   (leave out -cert and -key to connect anonymously)`)
  let served = 0
  const serve = server.run((socket) =>
    session(socket).pipe(
      Effect.ensuring(
        Effect.suspend(() => {
          served += 1
          return served >= naccept ? Deferred.succeed(finished, undefined) : Effect.void
        })
      )
    )
  )
  yield* Effect.raceFirst(serve, Deferred.await(finished))
  out(`ldap-style: served ${served} connection${served === 1 ? "" : "s"}`)
}).pipe(Effect.scoped, Effect.provide(trusting({ anchors: Result.getOrThrow(anchors) })), Effect.provide(NodeTls.layer()))

process.once("SIGINT", () => process.exit(130))
process.once("SIGTERM", () => process.exit(143))
Effect.runPromise(main as Effect.Effect<void>).then(
  () => process.exit(0),
  (e) => fail(String(e))
)
