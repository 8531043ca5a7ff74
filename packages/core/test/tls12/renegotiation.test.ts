/**
 * TLS 1.2 renegotiation (issue 15; RFC 5746) in the simulator: started by the client (a new
 * ClientHello) and by the server (a HelloRequest) when both accept it, data flowing before
 * and after and the new keys in use; refused with a `no_renegotiation` warning by a side
 * that does not accept it, the connection going on as it was; the server's rate limit; the
 * binding to the previous Finished values (a renegotiation ClientHello without
 * renegotiation_info, with the wrong one, or with the SCSV ends in `handshake_failure`); and
 * byte-exact replays of recorded renegotiations.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { AlertDescription, type ClientHello, Ext, decodeHandshake, encodeHandshake } from "@effect-tls/codec"
import * as Result from "effect/Result"
import { type TlsConfig, makeConfig } from "../../src/machine/config.js"
import { replay } from "../../src/sim/replay.js"
import * as Simulator from "../../src/sim/Simulator.js"
import * as Tls13 from "../../src/tls13/index.js"
import { serverConfig, text, utf8 } from "../driver/fixtures.js"
import { asRecord, crypto, handshakePair, openRecord12 } from "../grid-support.js"

type State13 = Tls13.State13
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex")

const accept = { versions: [0x0303], renegotiation: "accept" as const }
const client = (options: Partial<TlsConfig> = {}) => makeConfig({ serverName: "localhost", ...accept, ...options })
const server = (options: Partial<TlsConfig> = {}) => serverConfig({ ...accept, ...options })

const sim = (options: { client?: TlsConfig; server?: TlsConfig; script?: Simulator.Script; delayMs?: number }) =>
  Effect.runPromise(
    Simulator.run({
      machine: Tls13.machine,
      machineName: "tls13",
      client: { config: options.client ?? client() },
      server: { config: options.server ?? server() },
      delayMs: options.delayMs ?? 10,
      script: options.script ?? { clientWrites: [utf8("ping")], serverWrites: [utf8("pong")] }
    })
  )

const replaysExactly = (r: Simulator.SimResult) => {
  expect(replay(r.trace, "client", { machine: Tls13.machine }).divergence).toBeUndefined()
  expect(replay(r.trace, "server", { machine: Tls13.machine }).divergence).toBeUndefined()
}

describe("TLS 1.2 renegotiation (simulator)", () => {
  it("client-initiated: a second full handshake on both sides, data before and after, replayed byte-exact", async () => {
    const r = await sim({ script: { clientWrites: [utf8("ping")], serverWrites: [utf8("pong")], renegotiate: { side: "client", thenWrite: utf8(" after") } } })
    expect(r.hung).toBe(false)
    expect(r.client.error, String(r.client.error)).toBeUndefined()
    expect(r.server.error, String(r.server.error)).toBeUndefined()
    expect([r.client.handshakes, r.server.handshakes]).toEqual([2, 2])
    expect(text(r.server.received)).toBe("ping after")
    expect(text(r.client.received)).toBe("pong")
    expect([r.client.readEnd, r.server.readEnd]).toEqual(["close_notify", "close_notify"])
    replaysExactly(r)
  })

  it("server-initiated: a HelloRequest, the client's new handshake, then data under the new keys", async () => {
    const r = await sim({ script: { clientWrites: [utf8("ping")], serverWrites: [utf8("pong")], renegotiate: { side: "server", thenWrite: utf8(" again") } } })
    expect(r.client.error, String(r.client.error)).toBeUndefined()
    expect(r.server.error, String(r.server.error)).toBeUndefined()
    expect([r.client.handshakes, r.server.handshakes]).toEqual([2, 2])
    expect(text(r.client.received)).toBe("pong again")
    replaysExactly(r)
  })

  it("refused by a server that does not accept it: a no_renegotiation warning, and the connection goes on", async () => {
    const r = await sim({
      server: server({ renegotiation: "refuse" }),
      script: { clientWrites: [utf8("ping")], serverWrites: [utf8("pong")], renegotiate: { side: "client", thenWrite: utf8(" never") }, idleTimeoutMs: 500 }
    })
    expect(r.client.error, String(r.client.error)).toBeUndefined()
    expect(r.server.error, String(r.server.error)).toBeUndefined()
    expect([r.client.handshakes, r.server.handshakes]).toEqual([1, 1])
    // the connection went on: the data written after the refusal arrives under the old keys
    expect(text(r.server.received)).toBe("ping never")
    expect([r.client.readEnd, r.server.readEnd]).toEqual(["close_notify", "close_notify"])
    replaysExactly(r)
  })

  it("refused by a client that does not accept it: the server's HelloRequest is answered with a warning", async () => {
    const r = await sim({
      client: client({ renegotiation: "refuse" }),
      script: { clientWrites: [utf8("ping")], serverWrites: [utf8("pong")], renegotiate: { side: "server" }, idleTimeoutMs: 500 }
    })
    expect(r.client.error, String(r.client.error)).toBeUndefined()
    expect(r.server.error, String(r.server.error)).toBeUndefined()
    expect([r.client.handshakes, r.server.handshakes]).toEqual([1, 1])
    expect(text(r.client.received)).toBe("pong")
  })

  it("the server accepts at most renegotiationLimit per window, then answers with the warning", async () => {
    // a limit of 0: the first renegotiation is already one too many
    const r = await sim({
      server: server({ renegotiationLimit: 0 }),
      script: { clientWrites: [utf8("ping")], serverWrites: [utf8("pong")], renegotiate: { side: "client" }, idleTimeoutMs: 500 }
    })
    expect(r.client.error, String(r.client.error)).toBeUndefined()
    expect([r.client.handshakes, r.server.handshakes]).toEqual([1, 1])
  })
})

describe("TLS 1.2 renegotiation is bound to the previous handshake (RFC 5746 §3.7)", () => {
  const connected = () => {
    const { client: c, server: srv } = handshakePair(client(), server())
    expect([c._tag, srv._tag]).toEqual(["Connected12", "Connected12"])
    return { client: c, server: srv }
  }
  /** The client's renegotiation ClientHello, opened as the server reads it. */
  const renegotiationHello = (c: State13, srv: State13) => {
    const r = Tls13.machine.step({ crypto, config: client() }, c, { _tag: "RequestRenegotiation", entropy: new Uint8Array(32).fill(9) })
    const sent = r.actions.flatMap((a) => (a._tag === "Send" ? [a.bytes] : []))
    expect(sent).toHaveLength(1)
    const opened = openRecord12(srv, sent[0]!)
    expect(opened.contentType).toBe(22)
    const hello = Result.getOrThrow(decodeHandshake(opened.content, { version: 0x0303 }))
    if (hello._tag !== "ClientHello") throw new Error(hello._tag)
    return { record: sent[0]!, hello }
  }
  /** The server stepping on `hello` re-encoded with other extensions or suites, sealed as the client would. */
  const serverOn = (srv: State13, hello: ClientHello) =>
    Tls13.machine.step({ crypto, config: server() }, srv, {
      _tag: "Received",
      bytes: asRecord(srv, Result.getOrThrow(encodeHandshake(hello))),
      now: 0,
      entropy: new Uint8Array(512).fill(3)
    })
  const failedWith = (r: ReturnType<typeof serverOn>, alert: string) => {
    expect(r.state._tag).toBe("Closed")
    expect(r.actions.filter((a) => a._tag === "AlertSent")).toEqual([{ _tag: "AlertSent", level: 2, description: AlertDescription.values[alert as "handshake_failure"] }])
    expect(r.actions.some((a) => a._tag === "Deliver")).toBe(false)
  }
  const withInfo = (hello: ClientHello, info: Uint8Array | undefined): ClientHello => ({
    ...hello,
    extensions: [
      ...(hello.extensions ?? []).filter((e) => e._tag !== "renegotiation_info"),
      ...(info === undefined ? [] : [{ _tag: "renegotiation_info" as const, renegotiatedConnection: info }])
    ]
  })

  it("the client's renegotiation ClientHello carries its previous Finished, offers TLS 1.2 only, and the server goes on with it", () => {
    const { client: c, server: srv } = connected()
    const { record, hello } = renegotiationHello(c, srv)
    const ri = Ext.find(hello.extensions, "renegotiation_info")
    expect(hex(ri!.renegotiatedConnection)).toBe(hex(c.conn.renegotiation!.clientVerifyData))
    expect(Ext.find(hello.extensions, "supported_versions")).toBeUndefined()
    expect(Ext.find(hello.extensions, "key_share")).toBeUndefined()
    expect(hello.cipherSuites.includes(0x00ff)).toBe(false)
    const r = Tls13.machine.step({ crypto, config: server() }, srv, { _tag: "Received", bytes: record, now: 0, entropy: new Uint8Array(512).fill(3) })
    expect(r.state._tag).not.toBe("Closed")
    expect(r.actions.some((a) => a._tag === "AlertSent")).toBe(false)
  })

  it("without renegotiation_info → handshake_failure", () => {
    const { client: c, server: srv } = connected()
    failedWith(serverOn(srv, withInfo(renegotiationHello(c, srv).hello, undefined)), "handshake_failure")
  })

  it("with an empty renegotiation_info (an initial handshake's) → handshake_failure", () => {
    const { client: c, server: srv } = connected()
    failedWith(serverOn(srv, withInfo(renegotiationHello(c, srv).hello, new Uint8Array(0))), "handshake_failure")
  })

  it("with another Finished than this connection's → handshake_failure", () => {
    const { client: c, server: srv } = connected()
    failedWith(serverOn(srv, withInfo(renegotiationHello(c, srv).hello, new Uint8Array(12).fill(0xaa))), "handshake_failure")
  })

  it("with TLS_EMPTY_RENEGOTIATION_INFO_SCSV → handshake_failure", () => {
    const { client: c, server: srv } = connected()
    const { hello } = renegotiationHello(c, srv)
    failedWith(serverOn(srv, { ...hello, cipherSuites: [...hello.cipherSuites, 0x00ff] }), "handshake_failure")
  })
})
