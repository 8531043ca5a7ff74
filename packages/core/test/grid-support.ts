/**
 * What the state × event and state × message grids of both versions share: real
 * handshakes stepped by hand that note every state they pass through (so each state of a
 * table is a reachable one), a sample of every event and every handshake message, the
 * record a peer would send a message in, and the one-alert check.
 */
import * as fc from "fast-check"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import { expect } from "@effect/vitest"
import { encode, framed, type HandshakeTag, messages, RecordDeframer } from "@effect-tls/codec"
import { NobleCrypto } from "../src/crypto/noble.js"
import { encapsulateEntropyLength, signEntropyLength } from "../src/crypto/provider.js"
import type { TlsConfig } from "../src/machine/config.js"
import type { Event, EventTag } from "../src/machine/events.js"
import { makeCipher, Record12, Record13 } from "../src/record/index.js"
import { groupName, machine, schemeName, type State13, type StateTag } from "../src/tls13/index.js"
import { defaultClientCertificateChoice } from "../src/x509/selector.js"
import { entropyStream } from "./tls13/harness.js"

export const crypto = NobleCrypto

/** States noted across handshakes: the first state seen per tag, with its side's config, and every tag a Trace named. */
export interface Seen {
  readonly states: Map<StateTag, { state: State13; config: TlsConfig }>
  readonly reached: Set<string>
}
export const emptySeen = (): Seen => ({ states: new Map(), reached: new Set() })

/**
 * Runs one handshake between the two configurations (and the application data and
 * close_notify after it), noting every state in `seen`; the server's session cache is
 * `cache`. Returns the first session the client was given.
 */
export const collect = (seen: Seen, clientConfig: TlsConfig, serverConfig: TlsConfig, cache = new Map<string, unknown>()): unknown =>
  handshakePair(clientConfig, serverConfig, { seen, cache }).session

/**
 * Steps a client and a server by hand through one handshake, answering their work as the
 * driver would, until neither has anything to read; noting every state in `seen` when
 * given. Returns both final states and the first session the client was given.
 */
export const handshakePair = (
  clientConfig: TlsConfig,
  serverConfig: TlsConfig,
  options: { readonly seen?: Seen | undefined; readonly cache?: Map<string, unknown> | undefined } = {}
): { readonly session: unknown; readonly client: State13; readonly server: State13 } => {
  const seen = options.seen ?? emptySeen()
  const cache = options.cache ?? new Map<string, unknown>()
  let session: unknown
  const parties = [
    { state: machine.initial("client"), config: clientConfig, entropy: entropyStream("grid/c"), inbox: [] as Array<Uint8Array> },
    { state: machine.initial("server"), config: serverConfig, entropy: entropyStream("grid/s"), inbox: [] as Array<Uint8Array> }
  ]
  type Party = (typeof parties)[0]
  const [client, server] = parties as [Party, Party]
  /** An answer carries the entropy the waiting state says its next step needs (as the driver does). */
  const work = (p: Party) => {
    const n = machine.needsEntropy(p.state)
    return n > 0 ? { entropy: p.entropy(n) } : {}
  }
  const note = (p: Party) => {
    const tag = p.state._tag as StateTag
    if (!seen.states.has(tag)) seen.states.set(tag, { state: p.state, config: p.config })
  }
  const step = (p: Party, e: Event) => {
    note(p)
    const queue = [e]
    while (queue.length > 0) {
      const r = machine.step({ crypto, config: p.config }, p.state, queue.shift()!)
      p.state = r.state
      note(p)
      for (const a of r.actions) {
        if (a._tag === "Trace") seen.reached.add(a.from).add(a.to)
        if (a._tag === "Send") {
          const d = RecordDeframer.empty().push(a.bytes)
          if (d._tag === "Ok") (p === client ? server : client).inbox.push(...d.records.map((x) => Uint8Array.from([...x.header, ...x.fragment])))
        } else if (a._tag === "Sign") {
          queue.push({ _tag: "Signed", signature: crypto.sign(schemeName(a.scheme)!, p.config.certificates[a.credential]!.key, a.data, p.entropy(signEntropyLength)), ...work(p) })
        } else if (a._tag === "KeyAgreement") {
          const g = groupName(a.group)!
          const k = crypto.encapsulate(g, a.peerPublic, p.entropy(encapsulateEntropyLength(g)))!
          queue.push({ _tag: "KeyAgreed", ok: true, publicKey: k.publicKey, sharedSecret: Redacted.make(k.sharedSecret), ...work(p) })
        } else if (a._tag === "VerifyChain") {
          note(p)
          queue.push({ _tag: "ChainVerdict", accepted: true, ...work(p) })
        } else if (a._tag === "RedeemTicket") {
          queue.push({ _tag: "TicketRedeemed", fresh: true, ...work(p) })
        } else if (a._tag === "LookupSession") {
          queue.push({ _tag: "SessionLookup", session: cache.get(Buffer.from(a.id).toString("hex")), ...work(p) })
        } else if (a._tag === "SelectClientCertificate") {
          const choice = defaultClientCertificateChoice({ ...a, candidates: p.config.certificates })
          queue.push({ _tag: "ClientCertificateChosen", index: Option.getOrUndefined(choice), ...work(p) })
        } else if (a._tag === "CacheSession") {
          cache.set(Buffer.from(a.id).toString("hex"), a.session)
        } else if (a._tag === "SessionTicket") {
          session ??= a.session
        }
      }
    }
  }
  step(server, { _tag: "Start", now: 0, entropy: new Uint8Array(0) })
  step(client, { _tag: "Start", now: 0, entropy: client.entropy(512) })
  for (let i = 0; i < 500 && (client.inbox.length > 0 || server.inbox.length > 0); i++) {
    for (const p of parties) {
      const rec = p.inbox.shift()
      if (rec !== undefined) step(p, { _tag: "Received", bytes: rec, now: 0, entropy: p.entropy(machine.needsEntropy(p.state)) })
    }
  }
  return { session, client: client.state, server: server.state }
}

/** A sample of every event. */
export const sampleEvent = (tag: EventTag): Event => {
  switch (tag) {
    case "Start":
      return { _tag: "Start", now: 0, entropy: new Uint8Array(512) }
    case "Received":
      return { _tag: "Received", bytes: new Uint8Array([23, 3, 3, 0, 1, 0]), now: 0, entropy: new Uint8Array(128) }
    case "Write":
      return { _tag: "Write", data: new Uint8Array([1]) }
    case "Close":
      return { _tag: "Close" }
    case "RequestKeyUpdate":
      return { _tag: "RequestKeyUpdate", updatePeer: false }
    case "TimeAdvanced":
      return { _tag: "TimeAdvanced", now: 1 }
    case "TransportClosed":
      return { _tag: "TransportClosed" }
    case "ChainVerdict":
      return { _tag: "ChainVerdict", accepted: true }
    case "Signed":
      return { _tag: "Signed", signature: new Uint8Array(64) }
    case "KeyAgreed":
      return { _tag: "KeyAgreed", ok: true, publicKey: new Uint8Array(32), sharedSecret: Redacted.make(new Uint8Array(32)) }
    case "TicketRedeemed":
      return { _tag: "TicketRedeemed", fresh: true }
    case "SessionLookup":
      return { _tag: "SessionLookup" }
    case "RequestRenegotiation":
      return { _tag: "RequestRenegotiation", entropy: new Uint8Array(512) }
    case "ClientCertificateChosen":
      return { _tag: "ClientCertificateChosen", index: 0 }
  }
}

/** The step ended the connection with exactly one fatal `unexpected_message`. */
export const oneUnexpected = (r: ReturnType<typeof machine.step>) => {
  expect(r.state._tag).toBe("Closed")
  expect(r.actions.filter((a) => a._tag === "AlertSent")).toEqual([{ _tag: "AlertSent", level: 2, description: 10 }])
}

const sampleMessage = (tag: HandshakeTag): Uint8Array => {
  const codec = framed(tag)
  const [value] = fc.sample(codec.arbitrary(fc), { numRuns: 1, seed: 7 })
  return Result.getOrThrow(encode(codec, value))
}
/** A sample of every handshake message form the codec knows, both versions'. */
export const samples = (Object.keys(messages) as Array<HandshakeTag>).filter((t) => t !== "MessageHash").map((t) => [t, sampleMessage(t)] as const)

/** The plaintext of a TLS 1.2 `record` the peer sent to `state` (opened under its read keys). */
export const openRecord12 = (state: State13, record: Uint8Array): { readonly contentType: number; readonly content: Uint8Array } => {
  const e = state.conn.read!
  const r = Record12.open(makeCipher(crypto, e.algorithm, e.key, e.iv), e.seq, record.subarray(0, 5), record.subarray(5))
  if (r._tag !== "Ok") throw new Error(r.error.detail)
  return r
}

/** A record carrying `message` as the peer would send it in this state (sealed if keys are in place). */
export const asRecord = (state: State13, message: Uint8Array): Uint8Array => {
  const e = state.conn.read
  if (e === undefined) return Uint8Array.from([22, 3, 3, message.length >> 8, message.length & 0xff, ...message])
  const cipher = makeCipher(crypto, e.algorithm, e.key, e.iv)
  return e.version === 0x0304 ? Record13.seal(cipher, e.seq, 22, message) : Record12.seal(cipher, e.seq, 22, 0x0303, message)
}
