/**
 * The TLS 1.2 grids (issue 15, acceptance 3): every event fed to every TLS 1.2 state,
 * every handshake message and a ChangeCipherSpec fed to every state that reads, against
 * the `expects12` table. Everything outside the table yields exactly one
 * `unexpected_message` and a closed state (a ChangeCipherSpec anywhere but the two CCS
 * states is CVE-2014-0224). Every state is reached by a real handshake: a full one with
 * client authentication and a ticket, an abbreviated one from the ticket, and an
 * abbreviated one by session ID through the server's cache.
 */
import * as Redacted from "effect/Redacted"
import { describe, expect, it } from "@effect/vitest"
import { HandshakeReassembler, HandshakeType } from "@effect-tls/codec"
import { makeConfig } from "../../src/machine/config.js"
import { eventTags } from "../../src/machine/events.js"
import { makeCipher, Record12 } from "../../src/record/index.js"
import { expects12, machine, type State12, type State13 } from "../../src/tls13/index.js"
import { ignoresHelloRequest12, waitsOnWork12 } from "../../src/tls12/state.js"
import { asRecord, collect, crypto, emptySeen, oneUnexpected, sampleEvent, samples } from "../grid-support.js"
import { makeCredential } from "../tls13/harness.js"

const only12 = { versions: [0x0303] }
const ticketKeys = [Redacted.make(new Uint8Array(32).fill(12))]
const client = makeConfig({ ...only12, certificates: [makeCredential("ec", "client")] })
const server = makeConfig({ ...only12, certificates: [makeCredential("ec")], clientAuth: "required", ticketKeys })
const serverWithoutTickets = makeConfig({ ...only12, certificates: [makeCredential("ec")] })

const seen = emptySeen()
const ticketSession = collect(seen, client, server)
collect(seen, makeConfig({ ...client, session: ticketSession as never }), server)
collect(seen, makeConfig({ ...client, clientCertificateSelection: "selector" }), server)
const cache = new Map<string, unknown>()
const idSession = collect(seen, makeConfig(only12), serverWithoutTickets, cache)
collect(seen, makeConfig({ ...only12, session: idSession as never }), serverWithoutTickets, cache)

type Tag12 = State12["_tag"]
const allTags = Object.keys(expects12) as Array<Tag12>

/**
 * A state for every tag. Several messages in one record pass through intermediate states
 * within one step; those the steps did not return are taken from their predecessor's
 * snapshot with the tag changed (the table check comes before any handler).
 */
const predecessor: Partial<Record<Tag12, Tag12>> = {
  Wait12ServerCertificate: "Wait12ChainVerdict",
  Wait12ServerKeyExchange: "Wait12ChainVerdict",
  Wait12CertificateRequestOrDone: "Wait12ChainVerdict",
  Wait12ServerHelloDone: "Wait12ChainVerdict",
  Wait12ClientKeyExchange: "Wait12ClientCertificate",
  Wait12ClientCertificateVerify: "Wait12ClientCertificate",
  Wait12ServerFinished: "Wait12ServerCcs",
  Wait12ClientFinished: "Wait12ClientCcs"
}
const states = new Map(seen.states)
for (const [tag, from] of Object.entries(predecessor) as Array<[Tag12, Tag12]>) {
  if (!states.has(tag)) {
    const base = seen.states.get(from)!
    states.set(tag, { state: { ...base.state, _tag: tag } as State13, config: base.config })
  }
}
/** The state as it stands at a record boundary, nothing buffered. */
const atBoundary = (tag: Tag12) => {
  const { state, config } = states.get(tag)!
  return { config, state: { ...state, conn: { ...state.conn, reassembler: HandshakeReassembler.empty(), messages: [], records: [] } } as State13 }
}
const reads = (tag: Tag12) => !waitsOnWork12(tag)

describe("TLS 1.2 state × event grid", () => {
  it("every TLS 1.2 state of the table is reached by a real handshake", () => {
    expect(allTags.filter((t) => !seen.reached.has(t))).toEqual([])
    expect(allTags.filter((t) => !states.has(t))).toEqual([])
  })
  for (const tag of allTags) {
    const outside = eventTags.filter((e) => !(expects12[tag].events as ReadonlyArray<string>).includes(e))
    it(`${tag}: ${outside.length} event(s) outside the table → one unexpected_message and Closed`, () => {
      const { state, config } = states.get(tag)!
      for (const e of outside) oneUnexpected(machine.step({ crypto, config }, state, sampleEvent(e)))
    })
  }
})

describe("TLS 1.2 state × message grid", () => {
  for (const tag of allTags.filter(reads)) {
    const allowed = expects12[tag].messages as ReadonlyArray<string>
    const outside = samples.filter(([, bytes]) => !allowed.includes(HandshakeType.nameOf(bytes[0]!)))
    it(`${tag}: ${outside.length} message(s) outside the table → one unexpected_message and Closed`, () => {
      const { state, config } = atBoundary(tag)
      for (const [, bytes] of outside) {
        oneUnexpected(machine.step({ crypto, config }, state, { _tag: "Received", bytes: asRecord(state, bytes), now: 0, entropy: new Uint8Array(128) }))
      }
    })
  }
  for (const tag of allTags.filter(ignoresHelloRequest12)) {
    it(`${tag}: a HelloRequest in the middle of the handshake is ignored (RFC 5246 §7.4.1.1)`, () => {
      const { state, config } = atBoundary(tag)
      const r = machine.step({ crypto, config }, state, { _tag: "Received", bytes: asRecord(state, Uint8Array.of(0, 0, 0, 0)), now: 0, entropy: new Uint8Array(128) })
      expect(r.state._tag).toBe(tag)
      expect(r.actions.filter((a) => a._tag === "AlertSent" || a._tag === "Closed")).toEqual([])
    })
  }
  for (const tag of allTags.filter((t) => reads(t) && !expects12[t].ccs)) {
    it(`${tag}: a ChangeCipherSpec → one unexpected_message and Closed`, () => {
      const { state, config } = atBoundary(tag)
      const e = state.conn.read
      const ccs = Uint8Array.of(1)
      const record = e === undefined ? Uint8Array.of(20, 3, 3, 0, 1, 1) : Record12.seal(makeCipher(crypto, e.algorithm, e.key, e.iv), e.seq, 20, 0x0303, ccs)
      oneUnexpected(machine.step({ crypto, config }, state, { _tag: "Received", bytes: record, now: 0, entropy: new Uint8Array(128) }))
    })
  }
})
