/**
 * The grids (issue 11, acceptance 4): every event tag fed to every state, and every
 * handshake message fed to every state that reads messages, against the `expects` table.
 * Everything outside the table yields exactly one `unexpected_message` alert and a closed
 * state. Every state is reached by a real handshake (client authentication, small
 * record_size_limits so flights arrive a record at a time).
 */
import * as fc from "fast-check"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import { describe, expect, it } from "@effect/vitest"
import { encode, framed, HandshakeReassembler, HandshakeType, messages, RecordDeframer, type HandshakeTag } from "@effect-tls/codec"
import { NobleCrypto } from "../../src/crypto/noble.js"
import type { TlsConfig } from "../../src/machine/config.js"
import { makeConfig } from "../../src/machine/config.js"
import type { Event, EventTag } from "../../src/machine/events.js"
import { eventTags } from "../../src/machine/events.js"
import { makeCipher, Record13 } from "../../src/record/index.js"
import { expects, machine, waitsOnWork, type State13 } from "../../src/tls13/index.js"
import type { StateTag } from "../../src/tls13/state.js"
import { entropyStream, makeCredential } from "./harness.js"
import { encapsulateEntropyLength, signEntropyLength } from "../../src/crypto/provider.js"
import { groupName, schemeName } from "../../src/tls13/index.js"

const crypto = NobleCrypto
const ticketKeys = [Redacted.make(new Uint8Array(32).fill(5))]
const clientConfig = makeConfig({ certificates: [makeCredential("ec", "client")], recordSizeLimit: 64 })
const serverConfig = makeConfig({ certificates: [makeCredential("ec")], clientAuth: "required", recordSizeLimit: 64, ticketKeys, maxEarlyData: 1024 })

/** Every state seen in a full handshake, by tag, with the config of its side. */
const reached = new Set<string>()
const seen = new Map<StateTag, { state: State13; config: TlsConfig }>()
/** Runs one handshake, noting every state; returns the session the client was given. */
const collect = (clientConfig: TlsConfig, serverConfig: TlsConfig): unknown => {
  let session: unknown
  const parties = [
    { state: machine.initial("client"), config: clientConfig, entropy: entropyStream("grid/c"), inbox: [] as Array<Uint8Array> },
    { state: machine.initial("server"), config: serverConfig, entropy: entropyStream("grid/s"), inbox: [] as Array<Uint8Array> }
  ]
  const [client, server] = parties as [(typeof parties)[0], (typeof parties)[0]]
  const note = (p: (typeof parties)[0]) => {
    const tag = p.state._tag as StateTag
    if (!seen.has(tag)) seen.set(tag, { state: p.state, config: p.config })
  }
  const step = (p: (typeof parties)[0], e: Event) => {
    note(p)
    const queue = [e]
    while (queue.length > 0) {
      const r = machine.step({ crypto, config: p.config }, p.state, queue.shift()!)
      p.state = r.state
      note(p)
      for (const a of r.actions) {
        if (a._tag === "Trace") reached.add(a.from).add(a.to)
        if (a._tag === "Send") {
          const d = RecordDeframer.empty().push(a.bytes)
          if (d._tag === "Ok") (p === client ? server : client).inbox.push(...d.records.map((x) => Uint8Array.from([...x.header, ...x.fragment])))
        } else if (a._tag === "Sign") {
          queue.push({ _tag: "Signed", signature: crypto.sign(schemeName(a.scheme)!, p.config.certificates[a.credential]!.key, a.data, p.entropy(signEntropyLength)) })
        } else if (a._tag === "KeyAgreement") {
          const g = groupName(a.group)!
          const k = crypto.encapsulate(g, a.peerPublic, p.entropy(encapsulateEntropyLength(g)))!
          queue.push({ _tag: "KeyAgreed", ok: true, publicKey: k.publicKey, sharedSecret: Redacted.make(k.sharedSecret) })
        } else if (a._tag === "VerifyChain") {
          note(p)
          queue.push({ _tag: "ChainVerdict", accepted: true })
        } else if (a._tag === "RedeemTicket") {
          queue.push({ _tag: "TicketRedeemed", fresh: true })
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
  return session
}

// a full handshake with client authentication, then a resumed one with 0-RTT
const session = collect(clientConfig, serverConfig)
collect(makeConfig({ ...clientConfig, session: session as never, earlyData: new Uint8Array([1, 2, 3]) }), serverConfig)
const collected = seen

/**
 * A state for every tag. Several messages in one record pass through intermediate states
 * within one step; a tag that no step returned (depending on where record boundaries fell)
 * is taken from its predecessor's snapshot with the tag changed — the table check comes
 * before any handler, so that is all the grids need.
 */
const predecessor: Partial<Record<StateTag, StateTag>> = {
  WaitCertOrCertRequest: "WaitEncryptedExtensions",
  WaitCertificate: "WaitEncryptedExtensions",
  WaitCertificateVerify: "WaitEncryptedExtensions",
  WaitFinished: "WaitEncryptedExtensions",
  WaitClientCertificateVerify: "WaitClientCertificate",
  WaitClientFinished: "WaitClientCertificate"
}
const states = new Map(collected)
for (const [tag, from] of Object.entries(predecessor) as Array<[StateTag, StateTag]>) {
  if (!states.has(tag)) {
    const base = collected.get(from)!
    states.set(tag, { state: { ...base.state, _tag: tag } as State13, config: base.config })
  }
}

const sampleEvent = (tag: EventTag): Event => {
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
  }
}

const oneUnexpected = (r: ReturnType<typeof machine.step>) => {
  expect(r.state._tag).toBe("Closed")
  expect(r.actions.filter((a) => a._tag === "AlertSent")).toEqual([{ _tag: "AlertSent", level: 2, description: 10 }])
}

const allTags = Object.keys(expects).filter((t) => t !== "Closed") as Array<StateTag>

describe("state × event grid", () => {
  it("every state of the table is reached by a real handshake", () => {
    expect(allTags.filter((t) => !reached.has(t))).toEqual([])
    expect(allTags.filter((t) => !states.has(t))).toEqual([])
  })
  for (const tag of allTags) {
    const outside = eventTags.filter((e) => !(expects[tag].events as ReadonlyArray<string>).includes(e))
    it(`${tag}: ${outside.length} event(s) outside the table → one unexpected_message and Closed`, () => {
      const { state, config } = states.get(tag)!
      for (const e of outside) oneUnexpected(machine.step({ crypto, config }, state, sampleEvent(e)))
    })
  }
})

const sampleMessage = (tag: HandshakeTag): Uint8Array => {
  const codec = framed(tag)
  const [value] = fc.sample(codec.arbitrary(fc), { numRuns: 1, seed: 7 })
  return Result.getOrThrow(encode(codec, value))
}
const samples = (Object.keys(messages) as Array<HandshakeTag>).filter((t) => t !== "MessageHash").map((t) => [t, sampleMessage(t)] as const)

/** A record carrying `message` as the peer would send it in this state (sealed if keys are in place). */
const asRecord = (state: State13, message: Uint8Array): Uint8Array => {
  const e = state.conn.read
  if (e === undefined) return Uint8Array.from([22, 3, 3, message.length >> 8, message.length & 0xff, ...message])
  return Record13.seal(makeCipher(crypto, e.algorithm, e.key, e.iv), e.seq, 22, message)
}

describe("state × message grid", () => {
  for (const tag of allTags.filter((t) => !waitsOnWork(t) && t !== "ClientStart" && t !== "ServerStart")) {
    const allowed = expects[tag].messages as ReadonlyArray<string>
    const outside = samples.filter(([, bytes]) => !allowed.includes(HandshakeType.nameOf(bytes[0]!)))
    it(`${tag}: ${outside.length} message(s) outside the table → one unexpected_message and Closed`, () => {
      // the state as it stands at a message boundary (the collected one may hold part of a fragmented message)
      const seen = states.get(tag)!
      const config = seen.config
      // (and without the small record_size_limit that made flights arrive a record at a time)
      const state = { ...seen.state, conn: { ...seen.state.conn, reassembler: HandshakeReassembler.empty(), messages: [], records: [], maxInner: 16385 } } as State13
      for (const [, bytes] of outside) {
        oneUnexpected(machine.step({ crypto, config }, state, { _tag: "Received", bytes: asRecord(state, bytes), now: 0, entropy: new Uint8Array(128) }))
      }
    })
  }
})
