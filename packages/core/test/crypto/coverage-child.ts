/**
 * Child process of the Bleichenbacher test (`bleichenbacher.ts`): runs a provider's
 * `rsaDecryptPremaster` on each RSA ClientKeyExchange ciphertext of `premasterInputs` under
 * V8 precise block coverage (node:inspector, `detailed` + `callCount`) and prints, per
 * input, the 48-byte result and the block counts of every function in the scripts that
 * matter (our sources, micro-rsa-dsa-dh, @noble). Run as
 * `node --import tsx coverage-child.ts <module path> <export name> provider|control`.
 *
 * `control` measures `naiveDecrypt` instead, a decoder with early exits, to show that the
 * method sees a data-dependent branch when there is one.
 *
 * @since 0.1.0
 */
import * as crypto from "node:crypto"
import { Session } from "node:inspector/promises"
import { pathToFileURL } from "node:url"
import type { CryptoProvider } from "../../src/crypto/provider.js"
import * as F from "./fixtures.js"
import { naiveDecrypt, premasterInputs } from "./premaster-inputs.js"
import { privateKey } from "./util.js"

const [modulePath, exportName, mode] = process.argv.slice(2) as [string, string, "provider" | "control"]
const provider = (await import(pathToFileURL(modulePath).href))[exportName] as CryptoProvider
const key = privateKey(F.rsa2048)
const fallback = new Uint8Array(48).fill(0xfa)
const inputs = premasterInputs(F.rsa2048Public)

const run: (ciphertext: Uint8Array) => Uint8Array =
  mode === "control"
    ? (ciphertext) =>
        naiveDecrypt(crypto.privateDecrypt({ key: F.rsa2048, padding: crypto.constants.RSA_NO_PADDING }, ciphertext), 0x0303, fallback)
    : (ciphertext) => provider.rsaDecryptPremaster(key, ciphertext, 0x0303, fallback)

const watched =
  mode === "control"
    ? ["/test/crypto/premaster-inputs.ts"]
    : ["/packages/core/src/", "/packages/node/src/", "/node_modules/micro-rsa-dsa-dh/", "/node_modules/@noble/"]

interface Range {
  readonly startOffset: number
  readonly endOffset: number
  readonly count: number
}
interface FunctionCoverage {
  readonly functionName: string
  readonly ranges: ReadonlyArray<Range>
}
interface ScriptCoverage {
  readonly url: string
  readonly functions: ReadonlyArray<FunctionCoverage>
}

/** Every executed function of the watched scripts, with all its block counts, as text. */
const normalize = (result: ReadonlyArray<ScriptCoverage>): Array<string> =>
  result
    .filter((s) => watched.some((w) => s.url.includes(w)))
    .flatMap((s) =>
      s.functions
        .filter((f) => f.ranges[0]!.count > 0)
        .map((f) => `${s.url.replace(/^.*\/(packages|node_modules)\//, "$1/")} ${f.functionName || "(anonymous)"} ${f.ranges.map((r) => `${r.startOffset}-${r.endOffset}:${r.count}`).join(",")}`)
    )
    .sort()

const session = new Session()
session.connect()
await session.post("Profiler.enable")
await session.post("Profiler.startPreciseCoverage", { callCount: true, detailed: true })
for (const input of inputs) run(input.ciphertext) // warm caches (parsed keys) and lazy compilation
await session.post("Profiler.takePreciseCoverage") // resets the counters

const report = []
for (const input of inputs) {
  const output = run(input.ciphertext)
  const { result } = await session.post("Profiler.takePreciseCoverage")
  report.push({
    name: input.name,
    output: Buffer.from(output).toString("hex"),
    coverage: normalize(result as unknown as ReadonlyArray<ScriptCoverage>)
  })
}
await session.post("Profiler.stopPreciseCoverage")
session.disconnect()
process.stdout.write(JSON.stringify(report))
