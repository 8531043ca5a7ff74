/**
 * The grids (issue 11, acceptance 4): every event tag fed to every state, and every
 * handshake message fed to every state that reads messages, against the `expects` table.
 * Everything outside the table yields exactly one `unexpected_message` alert and a closed
 * state. Every state is reached by a real handshake (client authentication, small
 * record_size_limits so flights arrive a record at a time).
 */
import * as Redacted from "effect/Redacted"
import { describe, expect, it } from "@effect/vitest"
import { HandshakeReassembler, HandshakeType } from "@effect-tls/codec"
import { makeConfig } from "../../src/machine/config.js"
import { eventTags } from "../../src/machine/events.js"
import { expects, machine, waitsOnWork, type State13 } from "../../src/tls13/index.js"
import type { StateTag } from "../../src/tls13/state.js"
import { asRecord, collect, crypto, emptySeen, oneUnexpected, sampleEvent, samples } from "../grid-support.js"
import { makeCredential } from "./harness.js"

const ticketKeys = [Redacted.make(new Uint8Array(32).fill(5))]
const clientConfig = makeConfig({ certificates: [makeCredential("ec", "client")], recordSizeLimit: 64 })
const serverConfig = makeConfig({ certificates: [makeCredential("ec")], clientAuth: "required", recordSizeLimit: 64, ticketKeys, maxEarlyData: 1024 })

// a full handshake with client authentication, then a resumed one with 0-RTT, then one
// whose client certificate the driver's selector chooses
const seen = emptySeen()
const { states: collected, reached } = seen
const session = collect(seen, clientConfig, serverConfig)
collect(seen, makeConfig({ ...clientConfig, session: session as never, earlyData: new Uint8Array([1, 2, 3]) }), serverConfig)
// the client's certificate chosen by the driver's selector (WaitClientCertificateChoice)
collect(seen, makeConfig({ ...clientConfig, clientCertificateSelection: "selector" }), serverConfig)

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
