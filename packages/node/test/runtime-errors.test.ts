/**
 * Errors on live sockets are one typed `TlsError`, matchable with
 * `Effect.catchTag("TlsError", …)` and then by `reason._tag` and `alert`: a certificate we
 * reject (and the alert the peer sees), a certificate the peer rejects, a client
 * certificate our server requires, and a refused TCP connection.
 */
import * as tls from "node:tls"
import { needs } from "@effect-tls/test-support/peers"
import { killAll, spawnPeer } from "@effect-tls/test-support/processes"
import type { TlsError, TlsErrorReason } from "@effect-tls/core"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as NodeTls from "../src/NodeTls.js"
import { eventually, type Fixture, makeFixture, nodeTlsServer, run, tcpServer } from "./runtime-fixtures.js"

describe.skipIf(!needs("openssl"))("NodeTls errors", () => {
  let fx: Fixture
  const cleanups: Array<() => Promise<void>> = []
  beforeAll(() => {
    fx = makeFixture("runtime-errors")
  })
  afterAll(async () => {
    for (const c of cleanups) await c()
    await killAll()
    fx.pki.cleanup()
  })

  it("the error channel of connect is exactly TlsError", () => {
    const program: Effect.Effect<NodeTls.TlsConnection, TlsError, Scope.Scope | NodeTls.Services> = NodeTls.connect({ host: "127.0.0.1", port: 1 })
    expect(Effect.isEffect(program)).toBe(true)
  })

  it("a certificate we reject: catchTag('TlsError') sees CertificateRejected/unknown_ca, and the peer receives the alert", async () => {
    const peerErrors: Array<string> = []
    const peer = await nodeTlsServer(fx.pki, () => {})
    // The handshake never completes on the server's side (we send no Finished): the
    // alert surfaces as the server's tlsClientError.
    peer.server.on("tlsClientError", (e) => void peerErrors.push(e.message))
    cleanups.push(peer.close)
    const reason = await run(
      fx.distrusting,
      NodeTls.connect({ host: "127.0.0.1", port: peer.port, config: { serverName: "localhost" } }).pipe(
        Effect.map((): TlsErrorReason | "connected" => "connected"),
        Effect.catchTag("TlsError", (e) => Effect.succeed(e.reason))
      )
    )
    expect(reason).not.toBe("connected")
    const r = reason as TlsErrorReason
    expect(r._tag).toBe("CertificateRejected")
    expect(r._tag === "CertificateRejected" && r.alert).toBe("unknown_ca")
    await eventually("the peer sees our alert", () => peerErrors.length > 0)
    expect(peerErrors.join("\n")).toMatch(/unknown ca/i)
  })

  it("the peer rejects our server's certificate: our server's error is the peer's alert, after our Finished", async () => {
    const errors: Array<TlsError> = []
    await run(
      fx.services,
      Effect.gen(function* () {
        const server = yield* NodeTls.serve({
          port: 0,
          config: { certificates: [fx.credential] },
          handler: (conn) => Effect.asVoid(conn.closed),
          onError: (e) => Effect.sync(() => void errors.push(e as TlsError))
        })
        yield* Effect.forkScoped(server.run)
        // openssl's default trust store does not hold the test CA; with -verify_return_error
        // it answers our certificate with an alert.
        const client = spawnPeer("openssl", ["s_client", "-connect", `127.0.0.1:${server.port}`, "-tls1_3", "-servername", "localhost", "-verify_return_error"])
        yield* Effect.promise(() => eventually("our server's error", () => errors.length > 0))
        yield* Effect.promise(() => client.kill())
        expect(client.output()).toMatch(/verify error/i)
      })
    )
    const reason = errors[0]!.reason
    expect(reason._tag).toBe("AlertReceived")
    expect(reason._tag === "AlertReceived" && reason.alert).toBe("unknown_ca")
    expect(reason._tag === "AlertReceived" && reason.afterOurFinished).toBe(true)
  })

  it("our server requires a client certificate: a client without one gets certificate_required", async () => {
    const errors: Array<TlsError> = []
    await run(
      fx.services,
      Effect.gen(function* () {
        const server = yield* NodeTls.serve({
          port: 0,
          config: { certificates: [fx.credential], clientAuth: "required" },
          handler: (conn) => Effect.asVoid(conn.closed),
          onError: (e) => Effect.sync(() => void errors.push(e as TlsError))
        })
        yield* Effect.forkScoped(server.run)
        const clientError = yield* Effect.promise(
          () =>
            new Promise<Error>((resolve) => {
              const s = tls.connect({ host: "127.0.0.1", port: server.port, servername: "localhost", ca: fx.pki.ca.certPem, minVersion: "TLSv1.3" })
              s.on("error", resolve)
              s.on("data", () => {})
            })
        )
        expect(clientError.message).toMatch(/certificate required/i)
        yield* Effect.promise(() => eventually("our server's error", () => errors.length > 0))
      })
    )
    const reason = errors[0]!.reason
    expect(reason._tag).toBe("PeerIncompatible")
    expect(reason._tag === "PeerIncompatible" && reason.alert).toBe("certificate_required")
  })

  it("a refused connection is a TlsError too (Truncated, naming the socket's error)", async () => {
    const closed = await tcpServer()
    const port = closed.port
    await closed.close()
    const error = await run(fx.services, Effect.flip(NodeTls.connect({ host: "127.0.0.1", port, config: { serverName: "localhost" } })))
    expect(error._tag).toBe("TlsError")
    expect(error.reason._tag).toBe("Truncated")
    expect(error.message).toMatch(/ECONNREFUSED/)
  })
})
