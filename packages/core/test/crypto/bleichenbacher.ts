/**
 * The Bleichenbacher test shared by both providers (issue 10, acceptance 4, first half):
 * for well-formed, bad-padding and wrong-version RSA ClientKeyExchange ciphertexts,
 * `rsaDecryptPremaster` returns 48 bytes and runs the same statements — V8 block coverage
 * (`coverage-child.ts`, run in a Node 24 child under tsx, interpreter only) is identical
 * across the inputs, call counts included, for
 * every function of our sources and the crypto libraries it reaches. A control run of a
 * decoder with early exits shows that the method catches a padding oracle.
 *
 * @since 0.1.0
 */
import { execFileSync } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import * as F from "./fixtures.js"
import { premaster, premasterInputs } from "./premaster-inputs.js"

const repo = fileURLToPath(new URL("../../../../", import.meta.url))
const child = fileURLToPath(new URL("./coverage-child.ts", import.meta.url))
const node24 = `${repo}node_modules/.bin/node`
const nodeBinary = Number(process.versions.node.split(".")[0]) >= 24 || !existsSync(node24) ? process.execPath : node24

interface Report {
  readonly name: string
  readonly output: string
  readonly coverage: ReadonlyArray<string>
}

const measure = (modulePath: string, exportName: string, mode: "provider" | "control"): ReadonlyArray<Report> =>
  JSON.parse(
    // --jitless: optimized code inlines small functions and their calls go uncounted; the
    // interpreter counts every call of every function.
    execFileSync(nodeBinary, ["--jitless", "--import", "tsx", child, modulePath, exportName, mode], {
      cwd: repo,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024
    })
  )

/**
 * Registers the test for the provider exported as `exportName` from the file `modulePath`;
 * `rsaModule` names the source file holding its `rsaDecryptPremaster` (coverage must reach it).
 *
 * @since 0.1.0
 */
export const bleichenbacherSuite = (modulePath: string, exportName: string, rsaModule: string): void => {
  describe(`Bleichenbacher safety: ${exportName}.rsaDecryptPremaster`, () => {
    const inputs = premasterInputs(F.rsa2048Public)
    const fallback = "fa".repeat(48)

    it(`returns 48 bytes and runs the same statements for ${inputs.map((i) => i.name).join(", ")}`, () => {
      const reports = measure(modulePath, exportName, "provider")
      expect(reports.map((r) => r.name)).toEqual(inputs.map((i) => i.name))
      for (const [i, report] of reports.entries()) {
        expect(report.output.length, report.name).toBe(96)
        expect(report.output, report.name).toBe(inputs[i]!.valid ? Buffer.from(premaster).toString("hex") : fallback)
      }
      const baseline = reports[0]!.coverage
      // Function names do not survive tsx's transform; the scripts show that coverage reached
      // the provider's decryption, the shared decoding and the constant-flow helpers.
      for (const script of [rsaModule, "/crypto/premaster.ts ", "/crypto/constant-time.ts "]) {
        expect(baseline.some((line) => line.includes(script)), script).toBe(true)
      }
      for (const report of reports.slice(1)) expect(report.coverage, report.name).toEqual(baseline)
    })

    it("control: a decoder with early exits shows different coverage (the method sees the oracle)", () => {
      const reports = measure(modulePath, exportName, "control")
      const distinct = new Set(reports.map((r) => JSON.stringify(r.coverage)))
      expect(distinct.size).toBeGreaterThan(1)
    })
  })
}
