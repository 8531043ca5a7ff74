/**
 * IPv4 and IPv6 loopback, both roles: our client and our server on 127.0.0.1 and ::1,
 * with each other and with `node:tls` peers; each side sees the address family it used.
 */
import * as os from "node:os"
import * as tls from "node:tls"
import { NetSocket as NodeSocketNet } from "@effect/platform-node/NodeSocket"
import { needs } from "@effect-tls/test-support/peers"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as NodeTls from "../src/NodeTls.js"
import { type Fixture, makeFixture, nodeTlsServer, run, text, utf8 } from "./runtime-fixtures.js"

const hasIpv6 = Object.values(os.networkInterfaces()).some((list) => list?.some((i) => i.address === "::1") === true)

describe.skipIf(!needs("openssl") || !hasIpv6)("NodeTls on IPv4 and IPv6 loopback", () => {
  let fx: Fixture
  const cleanups: Array<() => Promise<void>> = []
  beforeAll(() => {
    fx = makeFixture("runtime-ipv6")
  })
  afterAll(async () => {
    for (const c of cleanups) await c()
    fx.pki.cleanup()
  })

  for (const [family, host] of [
    ["IPv4", "127.0.0.1"],
    ["IPv6", "::1"]
  ] as const) {
    it(`${family}: our client and our server (${host})`, async () => {
      const result = await run(
        fx.services,
        Effect.gen(function* () {
          let remote = ""
          const server = yield* NodeTls.serve({
            host,
            port: 0,
            config: { certificates: [fx.credential] },
            handler: (conn) =>
              Effect.gen(function* () {
                const ip = yield* Effect.serviceOption(NodeSocketNet)
                remote = ip._tag === "Some" ? `${ip.value.remoteFamily} ${ip.value.remoteAddress}` : "?"
                yield* Stream.runForEach(conn.read, (c) => conn.write(c))
                yield* conn.close
              })
          })
          yield* Effect.forkScoped(server.run)
          const target = family === "IPv6" ? `[${host}]` : host
          const conn = yield* NodeTls.connect({ host: target, port: server.port, config: { serverName: "localhost" } })
          yield* conn.write(utf8(`hello over ${family}`))
          yield* conn.close
          const echoed = text([...(yield* Stream.runCollect(conn.read))])
          return { echoed, remote, address: server.address._tag, params: conn.params }
        }).pipe(Effect.timeout("10 seconds"))
      )
      expect(result.echoed).toBe(`hello over ${family}`)
      expect(result.address).toBe(family === "IPv6" ? "InetAddressV6" : "InetAddressV4")
      expect(result.remote).toBe(`${family} ${host}`)
      expect(result.params.version).toBe(0x0304)
    })

    it(`${family}: node:tls client to our server, our client to a node:tls server (${host})`, async () => {
      // (Node's TLS 1.3 server sends no close_notify for an end() right after its handshake:
      // it answers a request instead.)
      const peer = await nodeTlsServer(fx.pki, (s) => s.once("data", () => s.end(`you came from ${s.remoteFamily} ${s.remoteAddress}`)), { host })
      cleanups.push(peer.close)
      const fromPeer = await run(
        fx.services,
        Effect.gen(function* () {
          const conn = yield* NodeTls.connect({ host, port: peer.port, config: { serverName: "localhost" } })
          yield* conn.write(utf8("where am I?"))
          return text([...(yield* Stream.runCollect(conn.read))])
        }).pipe(Effect.timeout("10 seconds"))
      )
      expect(fromPeer).toBe(`you came from ${family} ${host}`)

      const fromUs = await run(
        fx.services,
        Effect.gen(function* () {
          const server = yield* NodeTls.serve({
            host,
            port: 0,
            config: { certificates: [fx.credential] },
            handler: (conn) => Effect.andThen(conn.write(utf8(`served over ${family}`)), conn.close)
          })
          yield* Effect.forkScoped(server.run)
          return yield* Effect.promise(
            () =>
              new Promise<string>((resolve, reject) => {
                const s = tls.connect({ host, port: server.port, servername: "localhost", ca: fx.pki.ca.certPem, minVersion: "TLSv1.3" })
                let got = ""
                s.setEncoding("utf8")
                s.on("data", (d: string) => void (got += d))
                s.on("end", () => resolve(`${got} (${s.getProtocol()}, ${s.remoteFamily})`))
                s.on("error", reject)
              })
          )
        }).pipe(Effect.timeout("10 seconds"))
      )
      expect(fromUs).toBe(`served over ${family} (TLSv1.3, ${family})`)
    })
  }
})
