/**
 * The live runtime against OpenSSL over TLS 1.3 on loopback: our client fetches
 * `openssl s_server -www`'s status page, and `openssl s_client` talks to our server.
 * Both sides' negotiated parameters are asserted.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Result from "effect/Result"
import { ChainVerifier, loadPrivateKey } from "@effect-tls/core"
import { NodeTls } from "@effect-tls/node"
import { needs } from "@effect-tls/test-support/peers"
import { makePki, type Pki } from "@effect-tls/test-support/pki"
import { killAll, spawnPeer, startServer } from "@effect-tls/test-support/processes"

const run = <A, E>(pki: Pki, effect: Effect.Effect<A, E, any>) =>
  Effect.runPromise(
    effect.pipe(Effect.scoped, Effect.provide(Layer.mergeAll(NodeTls.layer(), ChainVerifier.pinned([pki.ecdsa.certDer, pki.rsa.certDer])))) as Effect.Effect<A, E, never>
  )

describe.skipIf(!needs("openssl"))("TLS 1.3 with openssl (smoke)", () => {
  let pki: Pki
  beforeAll(() => {
    pki = makePki({ prefix: "tls13-smoke" })
  })
  afterAll(async () => {
    await killAll()
    pki.cleanup()
  })

  it("our client fetches openssl s_server -www's page", async () => {
    const { port, peer } = await startServer(
      "openssl",
      (p) => ["s_server", "-accept", `127.0.0.1:${p}`, "-cert", pki.ecdsa.certPath, "-key", pki.ecdsa.keyPath, "-tls1_3", "-www"],
      { ready: /^ACCEPT$/m }
    )
    const { text, params } = await run(
      pki,
      Effect.gen(function* () {
        const conn = yield* NodeTls.connect({ host: "127.0.0.1", port, config: { serverName: "localhost" } })
        yield* conn.write(new TextEncoder().encode("GET / HTTP/1.0\r\n\r\n"))
        const chunks = yield* Stream.runCollect(conn.read)
        return { text: new TextDecoder().decode(Buffer.concat([...chunks])), params: conn.params }
      }).pipe(Effect.timeout("10 seconds"))
    )
    await peer.kill()
    expect(params.version).toBe(0x0304)
    expect(text.startsWith("HTTP/1.0 200 ok")).toBe(true)
    expect(text).toContain("TLSv1.3")
  })

  it("openssl s_client completes TLS 1.3 with our server and reads its answer", async () => {
    const result = await run(
      pki,
      Effect.gen(function* () {
        const server = yield* NodeTls.serve({
          port: 0,
          config: { certificates: [{ chain: [pki.rsa.certDer], key: yield* loadKey(pki.rsa.keyPem) }] },
          handler: (conn) =>
            Effect.gen(function* () {
              yield* conn.write(new TextEncoder().encode(`hello ${conn.params.cipherSuite.toString(16)}\n`))
              yield* conn.close
              yield* Stream.runDrain(conn.read)
            })
        })
        yield* Effect.forkScoped(server.run)
        const port = (server.address as { port: number }).port
        const client = spawnPeer("openssl", ["s_client", "-connect", `127.0.0.1:${port}`, "-tls1_3", "-CAfile", pki.ca.certPath, "-verify_return_error", "-servername", "localhost"])
        const out = yield* Effect.promise(() => client.waitFor(/hello 1301/, { timeoutMs: 10_000 }).then(() => client.output()))
        yield* Effect.promise(() => client.kill())
        return out
      }).pipe(Effect.timeout("15 seconds"))
    )
    expect(result).toContain("TLSv1.3")
    expect(result).toContain("Verify return code: 0 (ok)")
  })
})

const loadKey = (pem: string) => Effect.sync(() => Result.getOrThrow(loadPrivateKey(pem)))
