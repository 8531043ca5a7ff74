/**
 * Shared set-up for the live-runtime tests: a throwaway PKI (openssl, at test time), the
 * services a connection runs on (NodeCrypto, the CSPRNG, a verifier trusting the PKI's
 * CA), our server's credential, `node:tls` peers on loopback with ports from the OS, and
 * bounded waits.
 */
import * as crypto from "node:crypto"
import * as net from "node:net"
import * as tls from "node:tls"
import { ChainVerifier, type Credential, loadPrivateKey, trusting, X509 } from "@effect-tls/core"
import { makePki, type Pki } from "@effect-tls/test-support/pki"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Result from "effect/Result"
import * as NodeTls from "../src/NodeTls.js"

/** A PKI and what the tests derive from it. */
export interface Fixture {
  readonly pki: Pki
  /** Our server's credential: the ECDSA P-256 leaf (names localhost, a.test; IP 127.0.0.1). */
  readonly credential: Credential
  /** NodeTls services with a verifier that validates against the PKI's CA. */
  readonly services: Layer.Layer<NodeTls.Services>
  /** NodeTls services with a verifier that pins a certificate nobody serves (every chain fails with unknown_ca). */
  readonly distrusting: Layer.Layer<NodeTls.Services>
}

/** Makes the PKI (synchronous; call it in `beforeAll`). */
export const makeFixture = (prefix: string): Fixture => {
  const pki = makePki({ prefix })
  const key = Result.getOrThrow(loadPrivateKey(pki.ecdsa.keyPem))
  const anchors = Result.getOrThrow(X509.loadTrustAnchors([pki.ca.certPem]))
  const base = NodeTls.layer()
  const services = Layer.merge(base, trusting({ anchors }).pipe(Layer.provide(base)))
  const distrusting = Layer.merge(base, ChainVerifier.pinned([new Uint8Array([0x30, 0x00])]))
  return { pki, credential: { chain: [pki.ecdsa.certDer], key }, services, distrusting }
}

/** Runs a scoped program with the fixture's services. */
export const run = <A, E>(services: Layer.Layer<NodeTls.Services>, effect: Effect.Effect<A, E, any>): Promise<A> =>
  Effect.runPromise(effect.pipe(Effect.scoped, Effect.provide(services)) as Effect.Effect<A, E, never>)

/** A `node:tls` server on loopback with the PKI's ECDSA leaf, TLS 1.3 only. */
export interface NodeServer {
  readonly port: number
  readonly server: tls.Server
  /** The sockets accepted so far. */
  readonly sockets: ReadonlyArray<tls.TLSSocket>
  readonly close: () => Promise<void>
}

export const nodeTlsServer = (
  pki: Pki,
  onSecure: (socket: tls.TLSSocket) => void,
  options: { readonly host?: string; readonly allowHalfOpen?: boolean; readonly requestCert?: boolean } = {}
): Promise<NodeServer> =>
  new Promise((resolve, reject) => {
    const sockets: Array<tls.TLSSocket> = []
    const server = tls.createServer(
      {
        key: pki.ecdsa.keyPem,
        cert: pki.ecdsa.certPem,
        minVersion: "TLSv1.3",
        allowHalfOpen: options.allowHalfOpen ?? false,
        ...(options.requestCert ? { requestCert: true, ca: pki.ca.certPem, rejectUnauthorized: true } : {})
      },
      (socket) => {
        sockets.push(socket)
        socket.on("error", () => {})
        onSecure(socket)
      }
    )
    server.on("tlsClientError", () => {})
    server.once("error", reject)
    server.listen(0, options.host ?? "127.0.0.1", () => {
      const close = () =>
        new Promise<void>((r) => {
          for (const s of sockets) s.destroy()
          server.close(() => r())
        })
      resolve({ port: (server.address() as net.AddressInfo).port, server, sockets, close })
    })
  })

/** A plain TCP server on loopback that records its connections and how each ended. */
export interface TcpServer {
  readonly port: number
  readonly connections: ReadonlyArray<{ readonly socket: net.Socket; readonly received: () => number; readonly closedAt: () => number | undefined }>
  readonly close: () => Promise<void>
}

export const tcpServer = (options: { readonly host?: string; readonly onConnection?: (socket: net.Socket) => void } = {}): Promise<TcpServer> =>
  new Promise((resolve, reject) => {
    const connections: Array<{ socket: net.Socket; received: () => number; closedAt: () => number | undefined }> = []
    const server = net.createServer((socket) => {
      let received = 0
      let closedAt: number | undefined
      socket.on("data", (b) => void (received += b.length))
      socket.on("error", () => {})
      socket.on("close", () => void (closedAt = Date.now()))
      connections.push({ socket, received: () => received, closedAt: () => closedAt })
      options.onConnection?.(socket)
    })
    server.once("error", reject)
    server.listen(0, options.host ?? "127.0.0.1", () => {
      const close = () =>
        new Promise<void>((r) => {
          for (const c of connections) c.socket.destroy()
          server.close(() => r())
        })
      resolve({ port: (server.address() as net.AddressInfo).port, connections, close })
    })
  })

/** Polls `check` every 10 ms until it holds; rejects after `timeoutMs`. */
export const eventually = async (what: string, check: () => boolean, timeoutMs = 5_000): Promise<number> => {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
  return Date.now() - start
}

/** Random bytes and their SHA-256. */
export const payload = (n: number): { readonly bytes: Uint8Array; readonly sha256: string } => {
  const bytes = new Uint8Array(crypto.randomBytes(n))
  return { bytes, sha256: sha256(bytes) }
}

export const sha256 = (data: Uint8Array | ReadonlyArray<Uint8Array>): string => {
  const h = crypto.createHash("sha256")
  for (const c of data instanceof Uint8Array ? [data] : data) h.update(c)
  return h.digest("hex")
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)
export const text = (b: Uint8Array | ReadonlyArray<Uint8Array>): string =>
  new TextDecoder().decode(b instanceof Uint8Array ? b : Buffer.concat(b.map((c) => Buffer.from(c))))
