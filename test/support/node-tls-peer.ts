/**
 * A `node:tls` peer for the interop tests, run as its own process with the test's Node
 * (`process.execPath node-tls-peer.ts '<json options>'`; Node 24 strips the types), so
 * that OpenSSL's trace (`enableTrace`, on stderr) can be read like `openssl -trace` and
 * the peer's CPU work runs beside ours. It reports on stdout, one JSON object a line:
 * `listening`, `secure` (protocol, cipher, ephemeral key, ALPN, resumption, peer
 * certificate), `session`, `sent` / `received` (length and SHA-256), `end` (the peer
 * closed its side), `close`, `error`.
 *
 * @since 0.1.0
 */
import { createHash, randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as tls from "node:tls"

/** What the peer does. Paths are PEM files. */
export interface NodePeerOptions {
  readonly mode: "server" | "client"
  /** Client: where to connect. */
  readonly port?: number
  readonly host?: string
  readonly servername?: string
  readonly cert?: string
  readonly key?: string
  readonly ca?: string
  /** TLS 1.3 suites, `:`-separated (given to node as `ciphers`, which takes TLS 1.3 names too). */
  readonly ciphersuites?: string
  /** Groups, `:`-separated (node's `ecdhCurve`). */
  readonly groups?: string
  readonly sigalgs?: string
  readonly alpn?: ReadonlyArray<string>
  /** Server: ask for a client certificate; with `rejectUnauthorized`, require a valid one. */
  readonly requestCert?: boolean
  readonly rejectUnauthorized?: boolean
  /** Print OpenSSL's trace of every connection on stderr. */
  readonly trace?: boolean
  /** Client: a session to resume (a file holding what `sessionOut` wrote). */
  readonly session?: string
  /** Client: write the first session (ticket) received to this file (base64). */
  readonly sessionOut?: string
  /** Bytes of random data to send after the handshake (0: none). */
  readonly send?: number
  /** Bytes to receive before reporting `received` (0: report at the end). */
  readonly expect?: number
  /**
   * When to send our close_notify: `done` (default) once sending is done and `expect` bytes
   * arrived; `peer` only after the peer closed (node's default half-close behaviour).
   */
  readonly end?: "done" | "peer"
  /** Send back whatever arrives (for handshake tests that want data both ways). */
  readonly echo?: boolean
}

const options = JSON.parse(process.argv[2] ?? "{}") as NodePeerOptions
const report = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(o)}\n`)
const read = (p: string | undefined) => (p === undefined ? undefined : fs.readFileSync(p))

const secureOptions = {
  minVersion: "TLSv1.3" as const,
  maxVersion: "TLSv1.3" as const,
  ...(options.cert !== undefined ? { cert: read(options.cert) } : {}),
  ...(options.key !== undefined ? { key: read(options.key) } : {}),
  ...(options.ca !== undefined ? { ca: read(options.ca) } : {}),
  // node takes TLS 1.3 suites in `ciphers` too (names starting with TLS_)
  ...(options.ciphersuites !== undefined ? { ciphers: options.ciphersuites } : {}),
  ...(options.groups !== undefined ? { ecdhCurve: options.groups } : {}),
  ...(options.sigalgs !== undefined ? { sigalgs: options.sigalgs } : {}),
  ...(options.alpn !== undefined ? { ALPNProtocols: [...options.alpn] } : {}),
  enableTrace: options.trace === true
}

let nextId = 0

const run = (socket: tls.TLSSocket, role: "server" | "client") => {
  const id = ++nextId
  const received = createHash("sha256")
  let receivedBytes = 0
  let reported = false
  let sendDone = (options.send ?? 0) === 0
  let ended = false
  const expect = options.expect ?? 0
  const maybeEnd = () => {
    if (ended || options.end === "peer") return
    if (sendDone && (expect === 0 || receivedBytes >= expect)) {
      ended = true
      socket.end()
    }
  }
  const reportReceived = () => {
    if (reported) return
    reported = true
    report({ event: "received", id, length: receivedBytes, sha256: received.digest("hex") })
  }
  socket.on("data", (chunk: Buffer) => {
    if (options.echo === true) socket.write(chunk)
    if (reported) return
    received.update(chunk)
    receivedBytes += chunk.length
    if (expect > 0 && receivedBytes >= expect) {
      reportReceived()
      maybeEnd()
    }
  })
  socket.on("end", () => {
    report({ event: "end", id })
    if (expect === 0) reportReceived()
  })
  socket.on("close", (hadError: boolean) => report({ event: "close", id, hadError }))
  socket.on("error", (e: Error & { code?: string }) => report({ event: "error", id, message: e.message, code: e.code }))
  const onSecure = () => {
    const peer = socket.getPeerCertificate(false) as Partial<tls.PeerCertificate> | null
    report({
      event: "secure",
      id,
      role,
      protocol: socket.getProtocol(),
      cipher: socket.getCipher().standardName,
      ephemeral: role === "client" ? socket.getEphemeralKeyInfo() : null,
      alpn: socket.alpnProtocol,
      reused: socket.isSessionReused(),
      authorized: socket.authorized,
      authorizationError: socket.authorizationError === undefined ? null : String(socket.authorizationError),
      peerSubject: peer?.subject?.CN ?? null,
      peerFingerprint256: peer?.fingerprint256 ?? null,
      sharedSigalgs: role === "server" ? socket.getSharedSigalgs() : null
    })
    const n = options.send ?? 0
    if (n > 0) {
      const data = randomBytes(n)
      report({ event: "sent", id, length: n, sha256: createHash("sha256").update(data).digest("hex") })
      const chunk = 256 * 1024
      let offset = 0
      const pump = () => {
        while (offset < n) {
          const piece = data.subarray(offset, Math.min(n, offset + chunk))
          offset += piece.length
          if (!socket.write(piece)) {
            socket.once("drain", pump)
            return
          }
        }
        sendDone = true
        maybeEnd()
      }
      pump()
    } else maybeEnd()
  }
  return onSecure
}

if (options.mode === "server") {
  const server = tls.createServer({
    ...secureOptions,
    requestCert: options.requestCert === true,
    rejectUnauthorized: options.rejectUnauthorized === true
  })
  server.on("secureConnection", (socket: tls.TLSSocket) => run(socket, "server")())
  server.on("tlsClientError", (e: Error & { code?: string }) => report({ event: "tlsClientError", message: e.message, code: e.code }))
  server.listen(0, options.host ?? "127.0.0.1", () => {
    const address = server.address()
    report({ event: "listening", port: typeof address === "object" && address !== null ? address.port : 0 })
  })
} else {
  const session = options.session !== undefined ? Buffer.from(fs.readFileSync(options.session, "utf8"), "base64") : undefined
  const socket = tls.connect({
    ...secureOptions,
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 0,
    ...(options.servername !== undefined ? { servername: options.servername } : {}),
    ...(session !== undefined ? { session } : {})
  })
  let saved = false
  socket.on("session", (s: Buffer) => {
    if (options.sessionOut === undefined || saved) return
    saved = true
    fs.writeFileSync(options.sessionOut, s.toString("base64"), { mode: 0o600 })
    report({ event: "session", length: s.length })
  })
  const onSecure = run(socket, "client")
  socket.once("secureConnect", onSecure)
}
