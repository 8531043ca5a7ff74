/**
 * Makes the README's table of negotiation and authentication outcomes (issue 16,
 * acceptance 12) from what the tests observed: it runs the outcome tests with
 * `EFFECT_TLS_OUTCOMES_DIR` set to a fresh directory — each test records, after its
 * assertions passed, the case, what OpenSSL printed and what our side reported — and
 * writes those records as a Markdown table between the README's
 * `<!-- outcomes:begin -->` and `<!-- outcomes:end -->` markers. Nothing in the table is
 * typed by hand: a row exists only because a passing test wrote it.
 *
 *   npx tsx scripts/outcomes-table.ts            # run the tests, rewrite the README section
 *   npx tsx scripts/outcomes-table.ts --check    # run the tests, fail if the README differs
 *   npx tsx scripts/outcomes-table.ts --from DIR # use records an earlier run left in DIR
 *
 * Run from the repository root, with the repository's Node 24 on the PATH
 * (`export PATH=$PWD/node_modules/.bin:$PATH`); the tests need `openssl`.
 */
import { execFileSync, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

/** The test files that record outcomes, in the order their rows appear, and the JSON each writes. */
const sources = [
  { file: "test/interop/outcomes-negotiation.test.ts", json: "negotiation.json" },
  { file: "test/interop/outcomes-auth.test.ts", json: "auth.json" },
  { file: "packages/core/test/sim/outcomes.test.ts", json: "simulator.json" }
] as const

const README = "README.md"
const BEGIN = "<!-- outcomes:begin -->"
const END = "<!-- outcomes:end -->"
/** A cell longer than this is cut (with an ellipsis): some details list every scheme we have. */
const MAX_CELL = 240

interface Outcome {
  readonly criterion: number
  readonly tls: string
  readonly case: string
  readonly openssl: string
  readonly ours: string
}

const criteria: Record<number, string> = {
  1: "old versions",
  2: "preference",
  3: "no overlap",
  4: "names",
  5: "signature schemes",
  6: "CertificateRequest",
  7: "client certificate absent",
  8: "proof of possession",
  9: "chain with intermediate",
  10: "server finishes first"
}

const args = process.argv.slice(2)
const check = args.includes("--check")
const fromAt = args.indexOf("--from")
const from = fromAt >= 0 ? args[fromAt + 1] : undefined
if (fromAt >= 0 && from === undefined) throw new Error("--from needs a directory")

const runTests = (): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "effect-tls-outcomes-"))
  const vitest = spawnSync("npx", ["vitest", "run", ...sources.map((s) => s.file)], {
    stdio: "inherit",
    env: { ...process.env, EFFECT_TLS_OUTCOMES_DIR: dir },
    timeout: 600_000
  })
  if (vitest.status !== 0) {
    console.error(`vitest exited with ${vitest.status ?? vitest.signal}: the README is left as it is`)
    process.exit(1)
  }
  return dir
}

const dir = from ?? runTests()
const rows: Array<Outcome> = sources.flatMap((s) => {
  const p = path.join(dir, s.json)
  if (!fs.existsSync(p)) throw new Error(`${s.file} wrote no ${p} (was it skipped for a missing peer?)`)
  return JSON.parse(fs.readFileSync(p, "utf8")) as Array<Outcome>
})
// stable: by criterion, then in the order the tests ran
const ordered = rows.map((r, i) => ({ r, i })).sort((a, b) => a.r.criterion - b.r.criterion || a.i - b.i).map((x) => x.r)

const cell = (s: string): string => {
  const flat = s.replace(/\s+/g, " ").trim()
  const cut = flat.length > MAX_CELL ? `${flat.slice(0, MAX_CELL - 1)}…` : flat
  return cut.replace(/\|/g, "\\|")
}

const openssl = execFileSync("openssl", ["version"], { encoding: "utf8" }).trim().split(" ").slice(0, 2).join(" ")
const table = [
  `Made by \`scripts/outcomes-table.ts\` from the records of ${sources.map((s) => `\`${s.file}\``).join(", ")} against ${openssl}; ${ordered.length} outcomes.`,
  "",
  "| # | TLS | case | OpenSSL says | we say |",
  "|---|---|---|---|---|",
  ...ordered.map((r) => `| ${r.criterion} ${criteria[r.criterion] ?? ""} | ${cell(r.tls)} | ${cell(r.case)} | ${cell(r.openssl)} | ${cell(r.ours)} |`)
].join("\n")

const readme = fs.readFileSync(README, "utf8")
const begin = readme.indexOf(BEGIN)
const end = readme.indexOf(END)
if (begin < 0 || end < begin) throw new Error(`${README} has no ${BEGIN} … ${END} section`)
const next = `${readme.slice(0, begin + BEGIN.length)}\n${table}\n${readme.slice(end)}`

if (check) {
  if (next !== readme) {
    console.error(`${README}'s outcomes table differs from what the tests observed; run: npx tsx scripts/outcomes-table.ts`)
    process.exit(1)
  }
  console.log(`${README}'s outcomes table matches the tests (${ordered.length} rows)`)
} else {
  fs.writeFileSync(README, next)
  console.log(`wrote ${ordered.length} rows into ${README} (records in ${dir})`)
}
