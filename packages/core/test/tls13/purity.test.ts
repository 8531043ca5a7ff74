/**
 * Purity (issue 11, acceptance 3): no reducer, schedule or record-layer file imports the
 * driver, the simulator, `node:*` or Effect's runtime modules, or mentions the clock or
 * ambient randomness; `step` on deep-equal inputs gives deep-equal outputs and leaves its
 * inputs untouched; a state encoded mid-handshake, decoded and continued gives the
 * identical transcript.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import * as Schema from "effect/Schema"
import { describe, expect, it } from "@effect/vitest"
import { NobleCrypto } from "../../src/crypto/noble.js"
import { toJson } from "../../src/machine/state-codec.js"
import { machine, StateJson, type State13 } from "../../src/tls13/index.js"
import { makeCredential, pair, type Party } from "./harness.js"

const src = path.resolve(import.meta.dirname, "../../src")
const pureDirs = ["tls13", "machine", "schedule", "record", "crypto", "x509"]
const files = pureDirs.flatMap((d) =>
  fs.readdirSync(path.join(src, d), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts")).map((f) => path.join(src, d, f))
)

describe("purity of the reducers, schedules and record layer", () => {
  it(`${files.length} files import no driver, simulator, node:* or Effect runtime module`, () => {
    const bad: Array<string> = []
    for (const f of files) {
      const text = fs.readFileSync(f, "utf8")
      // type-only imports bring no runtime code
      for (const m of text.replace(/^import type [^;\n]*$/gm, "").matchAll(/from\s+"([^"]+)"/g)) {
        const spec = m[1]!
        if (/\/(driver|sim)\//.test(spec) || spec.startsWith("node:") || spec === "effect" || /^effect\/(Effect|Clock|Random|Fiber|Layer|Stream|Queue|Scope)$/.test(spec)) {
          // state-codec turns a state into a Schema and needs Effect to build its transformation
          if (!(spec === "effect/Effect" && f.endsWith("state-codec.ts"))) bad.push(`${path.relative(src, f)}: ${spec}`)
        }
      }
      const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "")
      for (const word of ["Date", "Math.random", "performance.now", "getRandomValues"]) {
        if (new RegExp(`\\b${word.replace(".", "\\.")}\\b`).test(code)) bad.push(`${path.relative(src, f)}: mentions ${word}`)
      }
    }
    expect(bad).toEqual([])
  })
})

const credential = makeCredential("ec")

describe("determinism", () => {
  it("step applied twice to the same state and event gives deep-equal results and leaves the state untouched", () => {
    const h = pair({ crypto: NobleCrypto, server: { certificates: [credential], clientAuth: "optional" } })
    let checked = 0
    const probe = (p: Party) => {
      const before = toJson(p.state)
      const e = { _tag: "Write" as const, data: new Uint8Array([1, 2, 3]) }
      if (p.state._tag !== "Connected") return
      const a = machine.step({ crypto: NobleCrypto, config: p.config }, p.state, e)
      const b = machine.step({ crypto: NobleCrypto, config: p.config }, p.state, e)
      expect(toJson(a.state)).toEqual(toJson(b.state))
      expect(toJson(a.actions)).toEqual(toJson(b.actions))
      expect(toJson(p.state)).toEqual(before)
      checked++
    }
    h.pump()
    probe(h.client)
    probe(h.server)
    expect(checked).toBe(2)
  })

  it("a state encoded mid-handshake, decoded and continued gives the identical transcript", () => {
    const run = (roundTripAt: ReadonlyArray<number>) => {
      const h = pair({ crypto: NobleCrypto, seed: "persist", server: { certificates: [credential] } })
      let i = 0
      const persist = (p: Party) => {
        if (roundTripAt.includes(i++)) {
          const json = JSON.parse(JSON.stringify(Schema.encodeSync(StateJson)(p.state)))
          p.state = Schema.decodeSync(StateJson)(json) as State13
        }
      }
      for (let k = 0; k < 20 && (h.toServer.length > 0 || h.toClient.length > 0); k++) {
        persist(h.client)
        persist(h.server)
        h.pump(1)
      }
      return [...h.client.actions, ...h.server.actions].filter((a) => a._tag === "Send").map((a) => toJson(a))
    }
    const plain = run([])
    const restored = run([0, 1, 2, 3, 4, 5, 6, 7])
    expect(restored.length).toBeGreaterThan(3)
    expect(restored).toEqual(plain)
  })
})
