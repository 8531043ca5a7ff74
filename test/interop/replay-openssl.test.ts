/**
 * Acceptance 3 of the live runtime — one core: a live handshake of our client (NodeCrypto)
 * against `openssl s_server`, with a client certificate the server requires, is recorded
 * in the simulator's trace format (the driver's journal: inbound bytes, entropy, work
 * results, clock readings; and the bytes on the wire) and replayed in the simulator's
 * replayer with `NobleCrypto`, taking our native signature from the recording (NodeCrypto
 * draws its own randomness for it): the replay reproduces every byte our client sent —
 * the ClientHello, the Certificate/CertificateVerify/Finished flight, the HTTP request and
 * the close_notify. Replayed with a provider that recomputes the signature instead, it
 * diverges exactly at our CertificateVerify.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Result from "effect/Result"
import * as Stream from "effect/Stream"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import {
  type Json,
  loadPrivateKey,
  makeConfig,
  NobleCrypto,
  recordConnection,
  replay,
  sentBytes,
  type SimTrace,
  Tls13,
  toHex,
  trusting,
  X509
} from "@effect-tls/core"
import { NodeCrypto, NodeTls } from "@effect-tls/node"
import { needs } from "@effect-tls/test-support/peers"
import { makePki, type Pki } from "@effect-tls/test-support/pki"
import { killAll, startServer } from "@effect-tls/test-support/processes"

describe.skipIf(!needs("openssl"))("a live handshake against openssl s_server, replayed in the simulator", () => {
  let pki: Pki
  beforeAll(() => {
    pki = makePki({ prefix: "replay-openssl" })
  })
  afterAll(async () => {
    await killAll()
    pki.cleanup()
  })

  it("the replay with NobleCrypto reproduces every byte our client sent", async () => {
    const { port, peer } = await startServer(
      "openssl",
      (p) => [
        "s_server", "-accept", `127.0.0.1:${p}`, "-cert", pki.rsa.certPath, "-key", pki.rsa.keyPath,
        "-tls1_3", "-www", "-Verify", "1", "-CAfile", pki.ca.certPath
      ],
      { ready: /^ACCEPT$/m }
    )
    const key = Result.getOrThrow(loadPrivateKey(pki.ecdsa.keyPem))
    const config = makeConfig({ serverName: "localhost", certificates: [{ chain: [pki.ecdsa.certDer], key }] })
    const recording = recordConnection("client", config, { provider: NodeCrypto.name })
    const anchors = Result.getOrThrow(X509.loadTrustAnchors([pki.ca.certPem]))
    const base = NodeTls.layer()
    const { page, params } = await Effect.runPromise(
      Effect.gen(function* () {
        const conn = yield* NodeTls.connect({ host: "127.0.0.1", port, config, driver: recording.options })
        yield* conn.write(new TextEncoder().encode("GET /replay HTTP/1.0\r\n\r\n"))
        const page = Buffer.concat([...(yield* Stream.runCollect(conn.read))]).toString()
        yield* conn.close
        return { page, params: conn.params }
      }).pipe(Effect.scoped, Effect.timeout("15 seconds"), Effect.provide(Layer.merge(base, trusting({ anchors }).pipe(Layer.provide(base)))))
    )
    await peer.kill()
    expect(page.startsWith("HTTP/1.0 200 ok")).toBe(true)
    expect(page).toContain("Client certificate") // s_server -www reports our certificate
    expect(params.signatureScheme).toBeDefined() // we signed a CertificateVerify

    // The recording, through JSON text as it would be stored.
    const trace = JSON.parse(JSON.stringify(recording.trace({ live: true } as Json))) as SimTrace
    expect(trace.format).toBe("effect-tls/sim-trace/1")
    expect(trace.provider).toBe(NodeCrypto.name)
    const events = trace.client.events.map((e) => (e.event as { _tag: string })._tag)
    expect(events[0]).toBe("Start")
    expect(events).toContain("Received")
    expect(events).toContain("ChainVerdict")
    expect(events).toContain("Signed")
    expect(trace.client.events.every((e) => typeof e.at === "number")).toBe(true) // clock readings
    const sent = sentBytes(trace.client)
    expect(sent.length).toBeGreaterThan(500)
    // What the server sent is what we received.
    expect(toHex(sentBytes(trace.server))).toBe(trace.client.received.map((c) => c.hex).join(""))

    // NobleCrypto, taking the results NodeCrypto drew its own randomness for from the recording.
    const nobleWithRecordedNativeWork = { ...NobleCrypto, drawsOwnRandomness: NodeCrypto.drawsOwnRandomness }
    const report = replay(trace, "client", { machine: Tls13.machine, crypto: nobleWithRecordedNativeWork })
    expect(report.divergence).toBeUndefined()
    expect(report.bytes).toBe(sent.length)
    expect(report.steps).toBe(trace.client.events.length)

    // Plain NobleCrypto recomputes the signature from the recorded entropy: it cannot be
    // NodeCrypto's, so the replay parts at our CertificateVerify (after the Certificate).
    const recomputed = replay(trace, "client", { machine: Tls13.machine, crypto: NobleCrypto })
    expect(recomputed.divergence).toBeDefined()
    const at = recomputed.divergence!.eventIndex
    expect((trace.client.events[at]!.event as { _tag: string })._tag).toBe("Signed")
    expect(recomputed.divergence!.byteOffset).toBeGreaterThan(0)
    expect(recomputed.divergence!.byteOffset).toBeLessThan(sent.length)
  })
})
