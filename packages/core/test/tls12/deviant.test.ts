/**
 * Deviant TLS 1.2 transcripts in the simulator (issue 15, acceptance 4): a clean run is
 * recorded, then the same seed runs again with the peer's byte stream rewritten by the
 * simulator's `Replace`/`Inject` faults — a message skipped, a ChangeCipherSpec too early or
 * twice, a Finished in the clear, a field changed. Each case ends with exactly one fatal
 * alert from the side under test, the one `../shared/alerts.md` gives, and no application
 * data delivered to it.
 *
 * Where the deviant message must be encrypted (a Finished with a wrong verify_data), the
 * test derives the record keys from the clean run's key log and the randoms on the wire,
 * and seals the altered Finished itself.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { AlertDescription, encodeRecord } from "@effect-tls/codec"
import { NobleCrypto } from "../../src/crypto/noble.js"
import type { Action } from "../../src/machine/actions.js"
import { makeConfig, type TlsConfig } from "../../src/machine/config.js"
import type { Role } from "../../src/machine/machine.js"
import { makeCipher, Record12 } from "../../src/record/index.js"
import { Tls12Schedule } from "../../src/schedule/index.js"
import type { Fault } from "../../src/sim/faults.js"
import * as Simulator from "../../src/sim/Simulator.js"
import type { SimResult } from "../../src/sim/Simulator.js"
import { suite12 } from "../../src/tls12/common.js"
import * as Tls13 from "../../src/tls13/index.js"
import { credential, serverConfig, utf8 } from "../driver/fixtures.js"
import { fromHex } from "../vectors.js"
import { makeCredential } from "../tls13/harness.js"

const SEED = 1215
const A = AlertDescription.values
const only12 = { versions: [0x0303] }
const ticketKeys = [Redacted.make(new Uint8Array(32).fill(0x2c))]
const rsa = makeCredential("rsa")

interface Setup {
  readonly client: TlsConfig
  readonly server: TlsConfig
}
const ecdhe: Setup = { client: makeConfig({ serverName: "localhost", ...only12 }), server: serverConfig(only12) }

interface Run {
  readonly result: SimResult
  readonly alerts: Record<Role, Array<{ level: number; description: number }>>
  readonly keyLog: Array<{ clientRandom: Uint8Array; secret: Uint8Array }>
}

const simulate = (setup: Setup, faults: ReadonlyArray<Fault> = []) =>
  Effect.gen(function* () {
    const alerts: Run["alerts"] = { client: [], server: [] }
    const keyLog: Run["keyLog"] = []
    const result = yield* Simulator.run({
      machine: Tls13.machine,
      machineName: "tls13",
      client: { config: setup.client },
      server: { config: setup.server },
      seed: SEED,
      faults,
      script: { clientWrites: [utf8("from the client")], serverWrites: [utf8("from the server")], idleTimeoutMs: 2000 },
      observe: (side, entry) => {
        for (const a of entry.actions as ReadonlyArray<Action>) {
          if (a._tag === "AlertSent") alerts[side].push({ level: a.level, description: a.description })
          if (a._tag === "KeyLog" && a.label === "CLIENT_RANDOM") keyLog.push({ clientRandom: a.clientRandom, secret: Redacted.value(a.secret) })
        }
      }
    })
    return { result, alerts, keyLog } satisfies Run
  })

// --- the wire, as records and handshake messages ------------------------------------------

interface Rec {
  readonly type: number
  readonly fragment: Uint8Array
  readonly at: number
  readonly end: number
}
const streamOf = (r: SimResult, side: Role) => fromHex(r.trace[side].sent.map((c) => c.hex).join(""))
const recordsOf = (stream: Uint8Array): Array<Rec> => {
  const out: Array<Rec> = []
  for (let at = 0; at + 5 <= stream.length; ) {
    const len = (stream[at + 3]! << 8) | stream[at + 4]!
    out.push({ type: stream[at]!, fragment: stream.slice(at + 5, at + 5 + len), at, end: at + 5 + len })
    at += 5 + len
  }
  return out
}
const messagesOf = (fragment: Uint8Array): Array<Uint8Array> => {
  const out: Array<Uint8Array> = []
  for (let at = 0; at + 4 <= fragment.length; ) {
    const len = (fragment[at + 1]! << 16) | (fragment[at + 2]! << 8) | fragment[at + 3]!
    out.push(fragment.slice(at, at + 4 + len))
    at += 4 + len
  }
  return out
}
const concat = (parts: ReadonlyArray<Uint8Array>) => Uint8Array.from(parts.flatMap((p) => Array.from(p)))
const handshakeRecord = (...msgs: ReadonlyArray<Uint8Array>) => encodeRecord(22, 0x0303, concat(msgs))
const CCS = encodeRecord(20, 0x0303, Uint8Array.of(1))
const HS = { ServerHello: 2, Certificate: 11, ServerKeyExchange: 12, ServerHelloDone: 14, CertificateVerify: 15, ClientKeyExchange: 16, Finished: 20, ClientHello: 1 }

/**
 * A side's `nth` plaintext handshake flight (the handshake records of one write before its
 * ChangeCipherSpec) and its messages, with the ChangeCipherSpec and the Finished after it.
 */
const flightOf = (r: SimResult, side: Role, nth = 0) => {
  const stream = streamOf(r, side)
  const records = recordsOf(stream)
  const writeEnds: Array<number> = []
  for (const c of r.trace[side].sent) writeEnds.push((writeEnds[writeEnds.length - 1] ?? 0) + c.hex.length / 2)
  const writeOf = (at: number) => writeEnds.findIndex((end) => at < end)
  const ccs = records.findIndex((x) => x.type === 20)
  const plain = records.slice(0, ccs < 0 ? records.length : ccs).filter((x) => x.type === 22)
  const groups: Array<Array<Rec>> = []
  for (const x of plain) {
    const last = groups[groups.length - 1]
    if (last !== undefined && writeOf(last[0]!.at) === writeOf(x.at)) last.push(x)
    else groups.push([x])
  }
  const group = groups[nth]!
  return {
    at: group[0]!.at,
    end: group[group.length - 1]!.end,
    messages: messagesOf(concat(group.map((x) => x.fragment))),
    ccs: records[ccs]!,
    finished: records[ccs + 1]!
  }
}
const replaceFlight = (from: Role, flight: { at: number; end: number }, bytes: Uint8Array): Fault => ({ _tag: "Replace", from, at: flight.at, length: flight.end - flight.at, bytes })
const without = (msgs: ReadonlyArray<Uint8Array>, type: number) => msgs.filter((m) => m[0] !== type)
const edit = (msgs: ReadonlyArray<Uint8Array>, type: number, f: (m: Uint8Array) => Uint8Array) => msgs.map((m) => (m[0] === type ? f(m.slice()) : m))
const message = (type: number, body: Uint8Array) => concat([Uint8Array.of(type, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff), body])

/** Where a hello's extension block starts (ClientHello or ServerHello). */
const extensionsAt = (m: Uint8Array) => {
  let at = 4 + 2 + 32
  at += 1 + m[at]! // session id
  if (m[0] === HS.ClientHello) {
    at += 2 + ((m[at]! << 8) | m[at + 1]!) // cipher suites
    at += 1 + m[at]! // compression methods
  } else at += 3 // cipher suite, compression method
  return at
}
/** The hello without one extension, its lengths fixed. */
const dropExtension = (m: Uint8Array, type: number) => {
  const at = extensionsAt(m)
  const kept: Array<Uint8Array> = []
  for (let i = at + 2; i < m.length; ) {
    const len = (m[i + 2]! << 8) | m[i + 3]!
    if (((m[i]! << 8) | m[i + 1]!) !== type) kept.push(m.slice(i, i + 4 + len))
    i += 4 + len
  }
  const exts = concat(kept)
  return message(m[0]!, concat([m.slice(4, at), Uint8Array.of(exts.length >> 8, exts.length & 0xff), exts]))
}

/** The record keys of a clean run, from its key log and the randoms on the wire. */
const keysOf = (run: Run) => {
  const sh = flightOf(run.result, "server").messages.find((m) => m[0] === HS.ServerHello)!
  const serverRandom = sh.slice(6, 38)
  const suite = suite12((sh[38 + 1 + sh[38]!]! << 8) | sh[38 + 2 + sh[38]!]!)!
  const log = run.keyLog[0]!
  const master = { _tag: "Tls12MasterSecret" as const, hash: suite.hash, extended: true, secret: Redacted.make(log.secret) }
  const kb = Tls12Schedule.keyBlock(NobleCrypto, master, log.clientRandom, serverRandom, suite.aead)
  return {
    client: makeCipher(NobleCrypto, suite.aead, kb.clientWriteKey, kb.clientWriteIv),
    server: makeCipher(NobleCrypto, suite.aead, kb.serverWriteKey, kb.serverWriteIv)
  }
}
/** The side's first encrypted record (its Finished), opened with the run's keys; and a fault replacing it with `records`. */
const finishedOf = (run: Run, side: Role) => {
  const cipher = keysOf(run)[side]
  const fin = flightOf(run.result, side).finished
  const opened = Record12.open(cipher, 0, encodeRecord(fin.type, 0x0303, fin.fragment).subarray(0, 5), fin.fragment)
  if (opened._tag !== "Ok") throw new Error(`the clean ${side} Finished does not open: ${opened.error.detail}`)
  assert.strictEqual(opened.content[0], HS.Finished)
  const replace = (...records: ReadonlyArray<Uint8Array>): Fault => ({ _tag: "Replace", from: side, at: fin.at, length: fin.end - fin.at, bytes: concat(records) })
  return { cipher, plaintext: opened.content, replace }
}
/** The Finished with one verify_data byte changed, sealed again. */
const wrongFinished = (run: Run, side: Role): Fault => {
  const f = finishedOf(run, side)
  const altered = f.plaintext.slice()
  altered[4] ^= 0x01
  return f.replace(Record12.seal(f.cipher, 0, 22, 0x0303, altered))
}
/** A second ChangeCipherSpec, sealed under the new keys as a sender that sent it twice would, before the Finished. */
const ccsTwice = (run: Run, side: Role): Fault => {
  const f = finishedOf(run, side)
  return f.replace(Record12.seal(f.cipher, 0, 20, 0x0303, Uint8Array.of(1)), Record12.seal(f.cipher, 1, 22, 0x0303, f.plaintext))
}

// --- the cases ----------------------------------------------------------------------------

interface Case {
  readonly name: string
  /** The side that deviates; the other side is under test. */
  readonly from: Role
  readonly alert: number
  readonly setup?: Setup
  readonly faults: (clean: Run) => ReadonlyArray<Fault>
}

const clientAuth: Setup = {
  client: makeConfig({ serverName: "localhost", ...only12, certificates: [credential] }),
  server: serverConfig({ ...only12, clientAuth: "required" })
}
const dhe: Setup = {
  client: makeConfig({ serverName: "localhost", ...only12, tls12KeyExchanges: ["DHE"], cipherSuites: [0x009e] }),
  server: makeConfig({ ...only12, tls12KeyExchanges: ["DHE"], cipherSuites: [0x009e], certificates: [rsa] })
}
/** A client without secp384r1 (it keeps secp256r1: its curves also bound the server's ECDSA certificate, RFC 8422 §5.1). */
const withoutP384: Setup = { client: makeConfig({ serverName: "localhost", ...only12, groups: [0x001d, 0x0017] }), server: serverConfig(only12) }
const offers13: Setup = { client: makeConfig({ serverName: "localhost" }), server: serverConfig(only12) }
const tickets: Setup = { client: ecdhe.client, server: serverConfig({ ...only12, ticketKeys }) }

/** RFC 2409 §6.2's 1024-bit MODP prime: too small for RFC 7919 §3. */
const prime1024 = fromHex(
  "ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f14374fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7edee386bfb5a899fa5ae9f24117c4b1fe649286651ece65381ffffffffffffffff"
)
const vec16 = (b: Uint8Array) => concat([Uint8Array.of(b.length >> 8, b.length & 0xff), b])

const serverFlight = (clean: Run) => flightOf(clean.result, "server")
const clientFlight = (clean: Run) => flightOf(clean.result, "client", 1)

const cases: ReadonlyArray<Case> = [
  // to our client
  {
    name: "an early ChangeCipherSpec (before the keys exist, CVE-2014-0224)",
    from: "server",
    alert: A.unexpected_message,
    faults: (c) => {
      const f = serverFlight(c)
      const [sh, ...rest] = f.messages
      return [replaceFlight("server", f, concat([handshakeRecord(sh!), CCS, handshakeRecord(...rest)]))]
    }
  },
  { name: "ChangeCipherSpec twice (the second under the new keys)", from: "server", alert: A.unexpected_message, faults: (c) => [ccsTwice(c, "server")] },
  {
    name: "ServerKeyExchange skipped with an ECDHE suite",
    from: "server",
    alert: A.unexpected_message,
    faults: (c) => [replaceFlight("server", serverFlight(c), handshakeRecord(...without(serverFlight(c).messages, HS.ServerKeyExchange)))]
  },
  {
    name: "ServerHelloDone skipped (a Finished in its place)",
    from: "server",
    alert: A.unexpected_message,
    faults: (c) => [
      replaceFlight("server", serverFlight(c), handshakeRecord(...without(serverFlight(c).messages, HS.ServerHelloDone), message(HS.Finished, new Uint8Array(12))))
    ]
  },
  {
    name: "Finished without ChangeCipherSpec (in the clear)",
    from: "server",
    alert: A.unexpected_message,
    faults: (c) => {
      const f = serverFlight(c)
      return [{ _tag: "Replace", from: "server", at: f.ccs.at, length: f.finished.end - f.ccs.at, bytes: handshakeRecord(message(HS.Finished, new Uint8Array(12))) }]
    }
  },
  {
    name: "application data before the Finished",
    from: "server",
    alert: A.unexpected_message,
    faults: (c) => [{ _tag: "Inject", from: "server", at: serverFlight(c).ccs.at, bytes: encodeRecord(23, 0x0303, utf8("too early")) }]
  },
  { name: "a server Finished with a wrong verify_data", from: "server", alert: A.decrypt_error, faults: (c) => [wrongFinished(c, "server")] },
  {
    name: "a ServerKeyExchange with a bad signature",
    from: "server",
    alert: A.decrypt_error,
    faults: (c) =>
      [replaceFlight("server", serverFlight(c), handshakeRecord(...edit(serverFlight(c).messages, HS.ServerKeyExchange, (m) => ((m[m.length - 1] ^= 0x01), m))))]
  },
  {
    name: "a ServerKeyExchange on a curve the client did not offer",
    from: "server",
    setup: withoutP384,
    alert: A.illegal_parameter,
    faults: (c) => [replaceFlight("server", serverFlight(c), handshakeRecord(...edit(serverFlight(c).messages, HS.ServerKeyExchange, (m) => ((m[5] = 0), (m[6] = 0x18), m))))]
  },
  {
    name: "a ServerHello choosing a cipher suite the client did not offer",
    from: "server",
    setup: { client: makeConfig({ serverName: "localhost", ...only12, cipherSuites: [0xc02b] }), server: serverConfig(only12) },
    alert: A.illegal_parameter,
    faults: (c) =>
      [replaceFlight("server", serverFlight(c), handshakeRecord(...edit(serverFlight(c).messages, HS.ServerHello, (m) => ((m[38 + 1 + m[38]!] = 0xc0), (m[38 + 2 + m[38]!] = 0x2c), m))))]
  },
  {
    name: "a ServerHello choosing a compression method the client did not offer",
    from: "server",
    alert: A.illegal_parameter,
    faults: (c) => [replaceFlight("server", serverFlight(c), handshakeRecord(...edit(serverFlight(c).messages, HS.ServerHello, (m) => ((m[38 + 3 + m[38]!] = 1), m))))]
  },
  {
    name: "a ServerHello without renegotiation_info (RFC 5746 required)",
    from: "server",
    alert: A.handshake_failure,
    faults: (c) => [replaceFlight("server", serverFlight(c), handshakeRecord(...edit(serverFlight(c).messages, HS.ServerHello, (m) => dropExtension(m, 0xff01))))]
  },
  {
    name: "a ServerHello negotiating TLS 1.2 with the downgrade sentinel, to a client that offered 1.3",
    from: "server",
    setup: offers13,
    alert: A.illegal_parameter,
    faults: (c) =>
      [replaceFlight("server", serverFlight(c), handshakeRecord(...edit(serverFlight(c).messages, HS.ServerHello, (m) => (m.set(utf8("DOWNGRD\x01"), 30), m))))]
  },
  {
    name: "DHE parameters with a 1024-bit prime",
    from: "server",
    setup: dhe,
    alert: A.insufficient_security,
    faults: (c) =>
      [
        replaceFlight(
          "server",
          serverFlight(c),
          handshakeRecord(
            ...edit(serverFlight(c).messages, HS.ServerKeyExchange, (m) => {
              // p, g, Ys, then the signature: keep the signature, swap the parameters
              let at = 4
              for (let i = 0; i < 3; i++) at += 2 + ((m[at]! << 8) | m[at + 1]!)
              return message(HS.ServerKeyExchange, concat([vec16(prime1024), vec16(Uint8Array.of(2)), vec16(Uint8Array.of(2)), m.slice(at)]))
            })
          )
        )
      ]
  },
  // to our server
  { name: "an early ChangeCipherSpec from the client (before its key exchange)", from: "client", alert: A.unexpected_message, faults: (c) => [{ _tag: "Inject", from: "client", at: clientFlight(c).at, bytes: CCS }] },
  { name: "ChangeCipherSpec twice from the client (the second under the new keys)", from: "client", alert: A.unexpected_message, faults: (c) => [ccsTwice(c, "client")] },
  {
    name: "CertificateVerify skipped after a client Certificate",
    from: "client",
    setup: clientAuth,
    alert: A.unexpected_message,
    faults: (c) => [replaceFlight("client", clientFlight(c), handshakeRecord(...without(clientFlight(c).messages, HS.CertificateVerify)))]
  },
  {
    name: "a client Finished without ChangeCipherSpec (in the clear)",
    from: "client",
    alert: A.unexpected_message,
    faults: (c) => {
      const f = clientFlight(c)
      return [{ _tag: "Replace", from: "client", at: f.ccs.at, length: f.finished.end - f.ccs.at, bytes: handshakeRecord(message(HS.Finished, new Uint8Array(12))) }]
    }
  },
  {
    name: "application data from the client before its Finished",
    from: "client",
    alert: A.unexpected_message,
    faults: (c) => [{ _tag: "Inject", from: "client", at: clientFlight(c).ccs.at, bytes: encodeRecord(23, 0x0303, utf8("too early")) }]
  },
  { name: "a client Finished with a wrong verify_data", from: "client", alert: A.decrypt_error, faults: (c) => [wrongFinished(c, "client")] }
]

const check = (run: Run, c: { from: Role; alert: number }) => {
  const victim: Role = c.from === "server" ? "client" : "server"
  const outcome = run.result[victim]
  assert.deepStrictEqual(run.alerts[victim], [{ level: 2, description: c.alert }], `alerts sent by the ${victim}`)
  assert.strictEqual(outcome.received.length, 0, `application data delivered to the ${victim}`)
  assert.isUndefined(outcome.handshakeAt, `the ${victim} completed its handshake`)
  assert.isDefined(outcome.error)
  assert.isFalse(run.result.hung)
}

describe(`deviant TLS 1.2 transcripts in the simulator (seed ${SEED})`, () => {
  it.effect("the clean runs the cases start from complete and deliver data both ways", () =>
    Effect.gen(function* () {
      for (const setup of [ecdhe, clientAuth, dhe, withoutP384, offers13, tickets]) {
        const clean = yield* simulate(setup)
        assert.strictEqual(clean.result.client.params?.version, 0x0303)
        assert.isUndefined(clean.result.client.error)
        assert.isUndefined(clean.result.server.error)
        assert.deepStrictEqual([...clean.alerts.client, ...clean.alerts.server], [{ level: 1, description: 0 }, { level: 1, description: 0 }]) // close_notify each way
      }
    })
  )

  for (const c of cases) {
    it.effect(`${c.name}: the ${c.from === "server" ? "client" : "server"} sends ${AlertDescription.nameOf(c.alert)}`, () =>
      Effect.gen(function* () {
        const setup = c.setup ?? ecdhe
        const clean = yield* simulate(setup)
        check(yield* simulate(setup, c.faults(clean)), c)
      })
    )
  }

  // RFC 7627 §5.3: a resumed session must keep its extended_master_secret status
  for (const from of ["server", "client"] as const) {
    const hello = from === "server" ? "ServerHello" : "ClientHello"
    it.effect(`a resumption whose ${hello} drops extended_master_secret: the ${from === "server" ? "client" : "server"} sends handshake_failure`, () =>
      Effect.gen(function* () {
        const first = yield* simulate(tickets)
        assert.lengthOf(first.result.client.sessions, 1)
        const resuming: Setup = { client: makeConfig({ ...tickets.client, session: first.result.client.sessions[0] as TlsConfig["session"] }), server: tickets.server }
        const clean = yield* simulate(resuming)
        assert.isTrue(clean.result.client.params?.resumed)
        const f = flightOf(clean.result, from)
        const fault = replaceFlight(from, f, handshakeRecord(...edit(f.messages, HS[hello], (m) => dropExtension(m, 0x0017))))
        check(yield* simulate(resuming, [fault]), { from, alert: A.handshake_failure })
      })
    )
  }
})
