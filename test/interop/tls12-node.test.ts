/**
 * TLS 1.2 interop with node:tls (Node 24's bundled OpenSSL), in the test's own process: our
 * client against a `tls.createServer` limited to TLS 1.2, and a `tls.connect` client
 * limited to TLS 1.2 against our server, over the five suites of the matrix (ECDHE-ECDSA,
 * ECDHE-RSA with AES-GCM and ChaCha20-Poly1305, DHE-RSA on ffdhe2048, RSA key transport)
 * and the groups x25519, secp256r1, secp384r1 in each direction; ticket resumption both
 * ways; renegotiation started by node (server and client) with ours accepting it;
 * close_notify both ways.
 *
 * Every test asserts what was negotiated from both sides (node's `getProtocol()`,
 * `getCipher()`, `getEphemeralKeyInfo()` on its client, `isSessionReused()`, and our
 * `conn.params`) and that data flows both ways.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { needs } from "@effect-tls/test-support/peers"
import { makePki, type Pki } from "@effect-tls/test-support/pki"
import { waitUntil } from "@effect-tls/test-support/processes"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { execFileSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import type { AddressInfo } from "node:net"
import * as path from "node:path"
import * as tls from "node:tls"
import { type Case12, caseConfig, caseGroups, clientGrid, expectedParams, harness, hex, received, serverGrid, suites12, TLS12, text, traces, WAIT, wait } from "./tls12-support.js"

// makePki runs the openssl command
const HAVE_OPENSSL = needs("openssl")

let pki: Pki
let ffdhe2048: string
const { run, connect, serve } = harness(() => pki)

const until = (what: string, check: () => boolean): Effect.Effect<void> => wait(() => waitUntil(what, check, { timeoutMs: WAIT }))

/** What a node:tls socket says about its connection, and what it read. */
interface NodeSide {
  readonly socket: tls.TLSSocket
  readonly protocol: string | null
  readonly cipher: tls.CipherNameAndProtocol
  readonly ephemeral: tls.EphemeralKeyInfo | object | null
  readonly reused: boolean
  data: string
  ended: boolean
  errors: Array<Error>
}

const observe = (socket: tls.TLSSocket, role: "server" | "client"): NodeSide => {
  const side: NodeSide = {
    socket,
    protocol: socket.getProtocol(),
    cipher: socket.getCipher(),
    ephemeral: role === "client" ? socket.getEphemeralKeyInfo() : null,
    reused: socket.isSessionReused(),
    data: "",
    ended: false,
    errors: []
  }
  socket.setEncoding("utf8")
  socket.on("data", (s: string) => void (side.data += s))
  socket.on("end", () => void (side.ended = true))
  socket.on("error", (e: Error) => void side.errors.push(e))
  return side
}

const only12 = { minVersion: "TLSv1.2", maxVersion: "TLSv1.2" } as const

/** Node's server options for a case: its suite, groups and (DHE) ffdhe2048 parameters. */
const serverOptions = (c: Case12 | undefined): tls.TlsOptions => ({
  ...only12,
  key: [pki.rsa.keyPem, pki.ecdsa.keyPem],
  cert: [pki.rsa.certPem, pki.ecdsa.certPem],
  ...(c !== undefined ? { ciphers: c.suite.name } : {}),
  ...(c?.suite.kx === "ECDHE" ? { ecdhCurve: caseGroups(c).map((g) => g.openssl).join(":") } : {}),
  ...(c?.suite.kx === "DHE" ? { dhparam: fs.readFileSync(ffdhe2048) } : {})
})

/** A node:tls server on a port the OS picks, echoing what it reads; closed with the scope. */
const nodeServer = (options: tls.TlsOptions): Effect.Effect<{ readonly port: number; readonly conns: Array<NodeSide>; readonly errors: Array<Error> }, never, Scope.Scope> =>
  Effect.acquireRelease(
    wait(
      () =>
        new Promise<{ server: tls.Server; port: number; conns: Array<NodeSide>; errors: Array<Error> }>((resolve, reject) => {
          const conns: Array<NodeSide> = []
          const errors: Array<Error> = []
          const server = tls.createServer(options, (socket) => {
            const side = observe(socket, "server")
            socket.on("data", (s: string) => void socket.write(s))
            conns.push(side)
          })
          server.on("tlsClientError", (e) => void errors.push(e))
          const timer = setTimeout(() => reject(new Error("node:tls server did not listen")), WAIT)
          server.once("error", reject)
          server.listen(0, "127.0.0.1", () => {
            clearTimeout(timer)
            resolve({ server, port: (server.address() as AddressInfo).port, conns, errors })
          })
        })
    ),
    ({ server, conns }) =>
      Effect.promise(
        () =>
          new Promise<void>((resolve) => {
            for (const c of conns) c.socket.destroy()
            const timer = setTimeout(resolve, 2_000)
            server.close(() => {
              clearTimeout(timer)
              resolve()
            })
          })
      )
  )

/** A node:tls client to our server (TLS 1.2, verifying our certificate for `localhost`); destroyed with the scope. */
const nodeClient = (port: number, options: tls.ConnectionOptions = {}): Effect.Effect<NodeSide, never, Scope.Scope> =>
  Effect.acquireRelease(
    wait(
      () =>
        new Promise<NodeSide>((resolve, reject) => {
          const socket = tls.connect({ host: "127.0.0.1", port, servername: "localhost", ca: pki.ca.certPem, ...only12, ...options })
          const timer = setTimeout(() => {
            socket.destroy()
            reject(new Error("node:tls client: no handshake"))
          }, WAIT)
          socket.once("error", (e) => {
            clearTimeout(timer)
            reject(e)
          })
          socket.once("secureConnect", () => {
            clearTimeout(timer)
            socket.removeAllListeners("error")
            resolve(observe(socket, "client"))
          })
        })
    ),
    (side) => Effect.sync(() => side.socket.destroy())
  )

/** Node's client options for a case: its suite and groups. */
const clientOptions = (c: Case12): tls.ConnectionOptions => ({
  ciphers: c.suite.name,
  ...(c.suite.kx === "ECDHE" ? { ecdhCurve: caseGroups(c).map((g) => g.openssl).join(":") } : {}),
  ...(c.suite.kx === "DHE" ? { ecdhCurve: "ffdhe2048" } : {})
})

describe.skipIf(!HAVE_OPENSSL)("TLS 1.2 interop with node:tls", () => {
  beforeAll(() => {
    pki = makePki({ prefix: "tls12-node-" })
    ffdhe2048 = path.join(pki.dir, "ffdhe2048.pem")
    execFileSync("openssl", ["genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt", "group:ffdhe2048", "-out", ffdhe2048], { stdio: "ignore", timeout: 30_000 })
  })
  afterAll(() => {
    pki?.cleanup()
  })

  describe("our client → node:tls server", () => {
    it.each(clientGrid)("$title", (c) =>
      run(
        Effect.gen(function* () {
          const node = yield* nodeServer(serverOptions(c))
          const ours = yield* connect(node.port, caseConfig(c))
          yield* ours.conn.write(text("ping from effect-tls\n"))
          yield* received(ours, "ping from effect-tls")
          const theirs = node.conns[0]!
          expect(theirs.data).toBe("ping from effect-tls\n")
          expect(ours.params).toMatchObject(expectedParams(c))
          if (c.group === undefined) expect(ours.params.group).toBeUndefined()
          expect(hex(ours.params.peerCertificates[0])).toBe(hex(c.suite.auth === "RSA" ? pki.rsa.certDer : pki.ecdsa.certDer))
          expect(theirs.protocol).toBe("TLSv1.2")
          expect(theirs.cipher).toMatchObject({ name: c.suite.name, standardName: c.suite.iana })
          expect(theirs.reused).toBe(false)
        })
      )
    )

    it("resumption with a ticket: our config.session, node resumes", () =>
      run(
        Effect.gen(function* () {
          const node = yield* nodeServer(serverOptions(undefined))
          const first = yield* Effect.scoped(
            Effect.gen(function* () {
              const c = yield* connect(node.port)
              yield* c.conn.write(text("first\n"))
              yield* received(c, "first")
              yield* c.conn.close
              yield* wait(() => c.inbox.waitEnd(WAIT))
              return c
            })
          )
          const saved = first.events.find((e) => e._tag === "SessionTicket")
          expect(saved).toBeDefined()
          expect((saved!.session as { readonly ticket?: Uint8Array }).ticket?.length).toBeGreaterThan(0)
          const second = yield* connect(node.port, { session: saved!.session as never })
          yield* second.conn.write(text("resumed\n"))
          yield* received(second, "resumed")
          expect(first.params.resumed).toBe(false)
          expect(second.params).toMatchObject({ version: TLS12, resumed: true, cipherSuite: first.params.cipherSuite })
          expect(node.conns.map((s) => s.reused)).toEqual([false, true])
        })
      )
    )

    it("renegotiation started by node (socket.renegotiate, a HelloRequest): our client renegotiates, data after it", () =>
      run(
        Effect.gen(function* () {
          const node = yield* nodeServer(serverOptions(undefined))
          const ours = yield* connect(node.port, { renegotiation: "accept" })
          yield* ours.conn.write(text("ping\n"))
          yield* received(ours, "ping")
          const done = yield* wait(() => new Promise<Error | null>((resolve) => node.conns[0]!.socket.renegotiate({}, resolve)))
          expect(done).toBeNull()
          yield* until("our second HandshakeComplete", () => ours.events.filter((e) => e._tag === "HandshakeComplete").length === 2)
          yield* ours.conn.write(text("after\n"))
          yield* received(ours, "ping\nafter")
          expect(traces(ours.events)).toContain("read HelloRequest")
          expect(node.conns[0]!.errors).toEqual([])
        })
      )
    )

    it("close_notify, node ends first: our read ends cleanly and we answer", () =>
      run(
        Effect.gen(function* () {
          const node = yield* nodeServer(serverOptions(undefined))
          const ours = yield* connect(node.port)
          yield* ours.conn.write(text("ping\n"))
          yield* received(ours, "ping")
          node.conns[0]!.socket.end()
          const end = yield* wait(() => ours.inbox.waitEnd(WAIT))
          expect(end.error).toBeUndefined()
          expect(ours.events).toContainEqual({ _tag: "AlertReceived", level: 1, description: 0 })
          yield* until("our close_notify", () => ours.events.some((e) => e._tag === "AlertSent"))
          expect(ours.events).toContainEqual({ _tag: "AlertSent", level: 1, description: 0 })
          yield* until("node to see our close_notify", () => node.conns[0]!.ended)
          expect(node.conns[0]!.errors).toEqual([])
        })
      )
    )
  })

  describe("node:tls client → our server", () => {
    it.each(serverGrid)("$title", (c) =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve(caseConfig(c))
          const theirs = yield* nodeClient(srv.port, clientOptions(c))
          const ours = yield* srv.next(0)
          yield* ours.conn.write(text("hello from effect-tls\n"))
          yield* until("node to read our hello", () => theirs.data.includes("hello from effect-tls\n"))
          theirs.socket.write("ping from node\n")
          yield* received(ours, "ping from node")
          expect(ours.params).toMatchObject(expectedParams(c))
          if (c.group === undefined) expect(ours.params.group).toBeUndefined()
          expect(theirs.protocol).toBe("TLSv1.2")
          expect(theirs.cipher).toMatchObject({ name: c.suite.name, standardName: c.suite.iana })
          if (c.group !== undefined) expect(theirs.ephemeral).toEqual(c.group.nodeEphemeral)
          else expect(theirs.ephemeral).toEqual({})
          expect(theirs.socket.authorized).toBe(true)
        })
      )
    )

    it("resumption with a ticket: node's session, our server resumes", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve({ ticketKeys: [Redacted.make(new Uint8Array(randomBytes(32)))] })
          let session: Buffer | undefined
          const first = yield* Effect.scoped(
            Effect.gen(function* () {
              const theirs = yield* nodeClient(srv.port, { ciphers: suites12.ecdheRsaChacha.name })
              const ours = yield* srv.next(0)
              yield* ours.conn.write(text("first\n"))
              yield* until("node to read first", () => theirs.data.includes("first"))
              // TLS 1.2: the session (with our ticket) is complete once the handshake is
              session = theirs.socket.getSession()
              return theirs
            })
          )
          const second = yield* nodeClient(srv.port, { ciphers: suites12.ecdheRsaChacha.name, session: session! })
          const ours = yield* srv.next(1)
          yield* ours.conn.write(text("again\n"))
          yield* until("node to read again", () => second.data.includes("again"))
          second.socket.write("ping\n")
          yield* received(ours, "ping")
          expect(first.reused).toBe(false)
          expect(second.reused).toBe(true)
          expect(srv.conns[0]!.params.resumed).toBe(false)
          expect(ours.params).toMatchObject({ version: TLS12, resumed: true, cipherSuite: suites12.ecdheRsaChacha.code })
        })
      )
    )

    it("renegotiation started by node's client (socket.renegotiate): our server accepts it, data after it", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve({ renegotiation: "accept" })
          const node = yield* nodeClient(srv.port)
          const ours = yield* srv.next(0)
          const done = yield* wait(() => new Promise<Error | null>((resolve) => node.socket.renegotiate({}, resolve)))
          expect(done).toBeNull()
          yield* until("our second HandshakeComplete", () => ours.events.filter((e) => e._tag === "HandshakeComplete").length === 2)
          node.socket.write("after\n")
          yield* received(ours, "after")
          expect(node.errors).toEqual([])
        })
      )
    )

    it("close_notify, node ends first: our read ends cleanly", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve()
          const theirs = yield* nodeClient(srv.port)
          const ours = yield* srv.next(0)
          theirs.socket.end("bye\n")
          const end = yield* wait(() => ours.inbox.waitEnd(WAIT))
          expect(end.error).toBeUndefined()
          expect(ours.inbox.text()).toBe("bye\n")
          expect(ours.events).toContainEqual({ _tag: "AlertReceived", level: 1, description: 0 })
          yield* until("node to see our answer", () => theirs.ended)
          expect(theirs.errors).toEqual([])
        })
      )
    )

    it("close_notify, we close first: node sees the end", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve()
          const theirs = yield* nodeClient(srv.port)
          const ours = yield* srv.next(0)
          yield* ours.conn.write(text("last words\n"))
          yield* ours.conn.close
          yield* until("node's end event", () => theirs.ended)
          expect(theirs.data).toBe("last words\n")
          expect(theirs.errors).toEqual([])
          expect(ours.events).toContainEqual({ _tag: "AlertSent", level: 1, description: 0 })
        })
      )
    )
  })
})
