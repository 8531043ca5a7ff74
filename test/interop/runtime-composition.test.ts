/**
 * Acceptance 4 of the live runtime: `examples/effect-composition.ts`, run as a user runs
 * it, acquires a connection in a Scope, wraps a handshake in `Effect.timeout`, interrupts
 * a second handshake midway (its socket is released: the peer sees it close), recovers a
 * certificate failure with `Effect.catchTag("TlsError", …)` on its reason, and performs an
 * HTTP GET from a local `node:https` server through Effect's `HttpClient` over effect-tls.
 */
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { killAll, spawnPeer } from "@effect-tls/test-support/processes"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..")

describe("examples/effect-composition", () => {
  afterAll(() => killAll())

  it("runs its five steps and exits 0", async () => {
    const peer = spawnPeer(process.execPath, ["--import", "tsx", path.join(root, "examples/effect-composition.ts")], { cwd: root, stdin: "ignore", name: "effect-composition" })
    const timer = setTimeout(() => void peer.kill(), 30_000)
    const exit = await peer.exited
    clearTimeout(timer)
    const out = peer.stdout()
    expect(out, peer.output()).toMatch(/^1\. scoped connection: HTTP\/1\.1 200 OK \(TLS 1\.3 suite 0x130[123], released with its scope\)$/m)
    expect(out).toMatch(/^2\. handshake under Effect\.timeout\(2 seconds\): completed in \d+ ms/m)
    const released = /^3\. second handshake interrupted after its ClientHello \((\d+) bytes\): socket released, the peer saw it close after (\d+) ms$/m.exec(out)
    expect(released).not.toBeNull()
    expect(Number(released![1])).toBeGreaterThan(0)
    expect(Number(released![2])).toBeLessThan(1_000)
    expect(out).toMatch(/^4\. certificate failure recovered: CertificateRejected \(alert bad_certificate\): .*wrong\.example/m)
    expect(out).toMatch(/^5\. HttpClient GET over effect-tls: 200 "hello from node:https, GET \/effect-http-client"$/m)
    expect(out).toMatch(/^all five steps behaved as expected$/m)
    expect(exit.code).toBe(0)
  })
})
