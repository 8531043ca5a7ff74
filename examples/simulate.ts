/**
 * simulate: one TLS 1.3 connection in the deterministic simulator — a client and a server
 * over an in-memory network with a virtual clock and seeded entropy — printed as a state
 * trace in the spirit of `openssl s_client -state`: one line per transition of either
 * side, with virtual timestamps, then the randoms, what was negotiated, the application
 * data each side read, and a byte-exact replay check of both sides.
 *
 *   npm run --silent simulate                 # seed 1, one-way delay 25 ms
 *   npm run --silent simulate -- --seed 7     # other randoms, other bytes
 *   npm run --silent simulate -- --delay 40 --wire --json trace.json
 *
 * The same seed prints the same bytes, run after run. The server's certificate is the
 * test-only P-256 certificate in `fixtures/`, pinned by the client.
 *
 * Built on the public API of `@effect-tls/core` and `@effect-tls/codec` only.
 */
import { readFileSync, writeFileSync } from "node:fs"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import { NamedGroup, suiteName } from "@effect-tls/codec"
import { decodePem, formatTrace, loadPrivateKey, makeConfig, pinnedPolicy, replay, Simulator, Tls13, toHex } from "@effect-tls/core"

const usage = "usage: simulate [--seed N] [--delay MS] [--wire] [--json FILE]"

const options = (argv: ReadonlyArray<string>) => {
  let seed = 1
  let delay = 25
  let wire = false
  let json: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const value = () => {
      const v = argv[++i]
      if (v === undefined) throw new Error(`${arg} needs a value\n${usage}`)
      return v
    }
    if (arg === "--seed" || arg === "-seed") seed = Number(value())
    else if (arg === "--delay" || arg === "-delay") delay = Number(value())
    else if (arg === "--wire") wire = true
    else if (arg === "--json") json = value()
    else throw new Error(`unknown option ${arg}\n${usage}`)
  }
  if (!Number.isSafeInteger(seed) || !Number.isFinite(delay) || delay < 0) throw new Error(usage)
  return { seed, delay, wire, json }
}

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8")

const main = async () => {
  const { seed, delay, wire, json } = options(process.argv.slice(2))
  const certificate = Result.getOrThrow(decodePem(fixture("server-cert.pem")))[0]!.der
  const key = Result.getOrThrow(loadPrivateKey(fixture("server-key.pem")))
  const utf8 = (s: string) => new TextEncoder().encode(s)

  const result = await Effect.runPromise(
    Simulator.run({
      machine: Tls13.machine,
      machineName: "tls13",
      seed,
      delayMs: delay,
      client: { config: makeConfig({ serverName: "localhost", alpn: ["h2", "http/1.1"] }), verifier: pinnedPolicy([certificate]) },
      server: { config: makeConfig({ certificates: [{ chain: [certificate], key }], alpn: ["http/1.1"] }) },
      script: {
        clientWrites: [utf8("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")],
        serverWrites: [utf8("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\n")],
        close: "client"
      }
    })
  )
  const { trace, client, server } = result

  const out: Array<string> = []
  out.push(`# effect-tls simulator: TLS 1.3, seed ${seed}, one-way delay ${delay} ms (virtual time)`)
  out.push(...formatTrace(trace, { wire }))
  const p = client.params
  if (p !== undefined) {
    out.push(`client random: ${toHex(p.clientRandom)}`)
    out.push(`server random: ${toHex(p.serverRandom)}`)
    const group = p.group === undefined ? "none" : NamedGroup.nameOf(p.group)
    out.push(`negotiated:    ${suiteName(p.cipherSuite)}, ${group}, ALPN ${p.alpn ?? "none"}, server name ${p.serverName ?? "none"}`)
  }
  const side = (name: string, o: typeof client) =>
    `${name}: handshake ${o.handshakeAt === undefined ? "failed" : `complete at ${o.handshakeAt} ms`}, read ${o.received.length} bytes ${JSON.stringify(new TextDecoder().decode(o.received))}, ` +
    `read side ${o.readEnd}, ${o.closedAt === undefined ? "not closed" : `closed at ${o.closedAt} ms`}${o.error ? `, error: ${o.error.message}` : ""}`
  out.push(side("client", client), side("server", server))
  for (const role of ["client", "server"] as const) {
    const r = replay(trace, role, { machine: Tls13.machine })
    out.push(
      r.divergence === undefined
        ? `replay ${role}: byte-exact (${r.bytes} bytes sent, ${r.steps} steps)`
        : `replay ${role}: diverges at event ${r.divergence.eventIndex}, byte ${r.divergence.byteOffset}: ${r.divergence.detail}`
    )
  }
  if (json !== undefined) writeFileSync(json, JSON.stringify(trace, null, 1))
  process.stdout.write(out.join("\n") + "\n")
  if (result.hung || client.error || server.error) process.exitCode = 1
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`)
  process.exitCode = 2
})
