/**
 * Breadth: every plaintext handshake message in ../shared/corpus (2,362 messages from 13
 * client implementations and many servers) decodes with the context its transcript gives
 * and re-encodes byte-exact (see corpus/check-codec.md). Also the record layer (§2:
 * deframing at several chunkings, re-encoding each record) and handshake reassembly (§3).
 * Counts are printed per file.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import * as Result from "effect/Result"
import { describe, expect, it } from "@effect/vitest"
import { decodeHandshake, encodeHandshake, encodeRecord, HandshakeReassembler, RecordDeframer, type HandshakeContext } from "../src/index.js"
import { formatDecodeError } from "../src/wire/errors.js"
import { hex, sharedDir, toHex } from "./helpers.js"

const corpusDir = path.join(sharedDir, "corpus")
const files = fs.readdirSync(corpusDir).filter((f) => f.endsWith(".json"))

interface Msg {
  readonly dir?: string
  readonly type: number
  readonly name?: string
  readonly message_name?: string
  readonly hex?: string
  readonly strict_check?: string
  readonly records?: ReadonlyArray<number>
}
interface Rec {
  readonly flow: number
  readonly dir: string
  readonly offset: number
  readonly content_type: number
  readonly version: string
  readonly length: number
  readonly encrypted: boolean
  readonly hex: string
}
interface Transcript {
  readonly name: string
  readonly version?: string | null
  readonly cipher_suite?: string | null
  readonly flows?: ReadonlyArray<{ readonly dir: string; readonly hex: string }>
  readonly records?: ReadonlyArray<Rec>
  readonly messages: ReadonlyArray<Msg>
}

const versionOf = (v: string | null | undefined, quic: boolean): number | undefined => {
  if (quic) return 0x0304
  if (v === null || v === undefined) return undefined
  if (v.startsWith("TLS1.3")) return 0x0304
  return { "TLS1.0": 0x0301, "TLS1.1": 0x0302, "TLS1.2": 0x0303, SSL3: 0x0300 }[v]
}

/** Context from the transcript, falling back to its own ServerHello when the version is not recorded. */
const contextOf = (t: Transcript, quic: boolean): HandshakeContext => {
  let version = versionOf(t.version, quic)
  let cipherSuite = t.cipher_suite ? parseInt(t.cipher_suite, 16) : undefined
  if (version === undefined || cipherSuite === undefined) {
    const sh = t.messages.find((m) => m.type === 2 && m.hex && m.strict_check?.startsWith("ok"))
    if (sh?.hex) {
      const r = decodeHandshake(hex(sh.hex))
      if (Result.isSuccess(r) && r.success._tag === "ServerHello") {
        const sv = r.success.extensions?.find((e) => e._tag === "supported_versions")
        version ??= sv && "selectedVersion" in sv ? sv.selectedVersion : r.success.legacyVersion
        cipherSuite ??= r.success.cipherSuite
      }
    }
  }
  return { version, cipherSuite }
}

interface Tally {
  ok: number
  allowedFailures: number
  rejectedAsExpected: number
  failures: Array<string>
}

const checkMessage = (tally: Tally, where: string, m: Msg, ctx: HandshakeContext) => {
  if (m.hex === undefined) return
  const bytes = hex(m.hex)
  const res = decodeHandshake(bytes, ctx)
  const check = m.strict_check ?? "ok"
  if (check.startsWith("ok")) {
    if (Result.isFailure(res)) {
      tally.failures.push(`${where} ${m.name ?? m.message_name}: ${formatDecodeError(res.failure)}`)
      return
    }
    const enc = encodeHandshake(res.success)
    if (Result.isFailure(enc)) {
      tally.failures.push(`${where}: encode failed ${enc.failure.why} at ${enc.failure.at}`)
      return
    }
    const out = enc.success
    if (toHex(out) !== m.hex) {
      let i = 0
      while (i < out.length && out[i] === bytes[i]) i++
      tally.failures.push(`${where} ${m.name}: re-encoding differs at byte ${i} (lengths ${out.length}/${bytes.length})`)
      return
    }
    tally.ok++
  } else if (check.startsWith("skip")) {
    tally.allowedFailures++ // pre-RFC draft layouts: a typed error or a value, never a throw
  } else {
    if (Result.isSuccess(res)) tally.failures.push(`${where}: deliberately malformed message accepted`)
    else {
      expect(res.failure._tag).toBe("DecodeError")
      tally.rejectedAsExpected++
    }
  }
}

const loaded = files.map((f) => [f, JSON.parse(fs.readFileSync(path.join(corpusDir, f), "utf8"))] as const)
const totals = { ok: 0, allowed: 0, rejected: 0 }

describe("corpus: every plaintext handshake message decodes and re-encodes byte-exact", () => {
  for (const [file, data] of loaded) {
    it(file, () => {
      const quic = file.startsWith("quic")
      const tally: Tally = { ok: 0, allowedFailures: 0, rejectedAsExpected: 0, failures: [] }
      const transcripts: ReadonlyArray<Transcript> = [...(data.transcripts ?? []), ...(data.connections ?? [])]
      for (const t of transcripts) {
        const ctx = contextOf(t, quic)
        t.messages.forEach((m, i) => checkMessage(tally, `${file} / ${t.name} / message ${i}`, m, ctx))
      }
      for (const m of (data.messages ?? []) as ReadonlyArray<Msg>) checkMessage(tally, `${file} / standalone`, m, { version: 0x0303 })
      console.log(`${file}: ${tally.ok} ok, ${tally.allowedFailures} draft layouts tolerated, ${tally.rejectedAsExpected} malformed rejected, ${tally.failures.length} failures`)
      totals.ok += tally.ok
      totals.allowed += tally.allowedFailures
      totals.rejected += tally.rejectedAsExpected
      expect(tally.failures.slice(0, 20)).toEqual([])
    })
  }

  it("totals: 2,355 ok, 6 draft layouts, 1 malformed Certificate rejected", () => {
    console.log(`corpus totals: ${totals.ok} ok, ${totals.allowed} draft, ${totals.rejected} rejected`)
    expect(totals).toEqual({ ok: 2355, allowed: 6, rejected: 1 })
  })
})

/** A deterministic chunking: cut points from a small LCG seeded per flow. */
const chunks = (b: Uint8Array, seed: number, maxChunk: number): Array<Uint8Array> => {
  const out: Array<Uint8Array> = []
  let s = seed >>> 0
  let pos = 0
  while (pos < b.length) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    const n = 1 + (s % maxChunk)
    out.push(b.subarray(pos, pos + n))
    pos += n
  }
  return out
}

const deframeAll = (parts: ReadonlyArray<Uint8Array>) => {
  let d = RecordDeframer.empty()
  const records: Array<{ contentType: number; version: number; fragment: string }> = []
  for (const p of parts) {
    const r = d.push(p)
    if (r._tag !== "Ok") throw new Error(`overflow ${r.length}`)
    for (const rec of r.records) records.push({ contentType: rec.contentType, version: rec.version, fragment: toHex(rec.fragment) })
    d = r.next
  }
  return { records, left: d.buffered }
}

describe("corpus: records and reassembly (check-codec.md §2, §3)", () => {
  for (const [file, data] of loaded) {
    const transcripts: ReadonlyArray<Transcript> = (data.transcripts ?? []).filter((t: Transcript) => t.flows && t.records)
    if (transcripts.length === 0) continue
    it(`${file}: flows split into the recorded records at any chunking, re-encode, and reassemble into the recorded messages`, () => {
      let flows = 0
      let records = 0
      for (const t of transcripts) {
        t.flows!.forEach((flow, fi) => {
          const bytes = hex(flow.hex)
          const expected = t.records!.filter((r) => Number(r.flow) === fi)
          const want = expected.map((r) => ({ contentType: Number(r.content_type), version: parseInt(r.version, 16), fragment: r.hex }))
          const whole = deframeAll([bytes])
          expect(whole.left, `${t.name} flow ${fi}`).toBe(0)
          expect(whole.records, `${t.name} flow ${fi}`).toEqual(want)
          for (const [seed, max] of [[fi + 1, 7], [fi + 99, 1500]] as const) {
            expect(deframeAll(chunks(bytes, seed, max)).records).toEqual(want)
          }
          const reencoded = Buffer.concat(expected.map((r) => encodeRecord(Number(r.content_type), parseInt(r.version, 16), hex(r.hex))))
          expect(reencoded.toString("hex")).toBe(flow.hex)
          flows++
          records += expected.length
        })
        for (const dir of ["c2s", "s2c"]) {
          let asm = HandshakeReassembler.empty()
          const got: Array<string> = []
          for (const r of t.records!.filter((r) => r.dir === dir)) {
            if (String(r.encrypted) === "true" || r.encrypted === true) break
            if (Number(r.content_type) === 20) continue
            if (Number(r.content_type) !== 22) continue
            const res = asm.push(hex(r.hex))
            if (res._tag !== "Ok") throw new Error(`${t.name}: ${res.detail}`)
            for (const m of res.messages) got.push(toHex(m.bytes))
            asm = res.next
          }
          const want = t.messages.filter((m) => m.dir === dir && m.hex !== undefined).map((m) => m.hex!)
          expect(got.slice(0, want.length), `${t.name} ${dir}`).toEqual(want.slice(0, got.length))
          expect(got.length, `${t.name} ${dir}`).toBe(want.length)
        }
      }
      console.log(`${file}: ${flows} flows, ${records} records deframed at 3 chunkings and re-encoded; handshake messages reassembled`)
    })
  }
})
