/**
 * The core stays pure (DESIGN principle 1, issue 10 acceptance 5): outside the driver and
 * simulator folders, nothing under packages/core/src reads the clock or draws entropy of
 * its own — no `effect/Random` (built on `Math.random`), no `Math.random`, no `Date`, no
 * `crypto.getRandomValues`. Comments are ignored.
 *
 * @since 0.1.0
 */
import { readdirSync, readFileSync } from "node:fs"
import { join, relative, sep } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const src = fileURLToPath(new URL("../src", import.meta.url))
const exempt = new Set(["driver", "sim"])

const forbidden: ReadonlyArray<readonly [string, RegExp]> = [
  ["effect/Random", /["']effect\/Random["']/],
  ["Random from effect", /\bimport\s*(?:type\s*)?\{[^}]*\bRandom\b[^}]*\}\s*from\s*["']effect["']/],
  ["Math.random", /\bMath\s*\.\s*random\b/],
  ["Date", /\bDate\b/],
  ["getRandomValues", /\bgetRandomValues\b/]
]

/** Source without comments (block and line), keeping string contents. */
export const stripComments = (code: string): string =>
  code.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1")

/** The violations in one file's text. */
export const violations = (code: string): ReadonlyArray<string> =>
  forbidden.filter(([, pattern]) => pattern.test(stripComments(code))).map(([name]) => name)

const sources = (): ReadonlyArray<string> =>
  readdirSync(src, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .filter((file) => !relative(src, file).split(sep).some((segment) => exempt.has(segment)))

describe("purity of packages/core/src", () => {
  it("no effect/Random, Math.random, Date or getRandomValues outside driver/ and sim/", () => {
    const files = sources()
    expect(files.length).toBeGreaterThan(0)
    const found = files.flatMap((file) => violations(readFileSync(file, "utf8")).map((v) => `${relative(src, file)}: ${v}`))
    expect(found).toEqual([])
  })

  it("the scanner catches each forbidden use and ignores comments", () => {
    expect(violations(`import { Random } from "effect"`)).toEqual(["Random from effect"])
    expect(violations(`import * as R from "effect/Random"`)).toEqual(["effect/Random"])
    expect(violations(`const x = Math.random()`)).toEqual(["Math.random"])
    expect(violations(`const now = new Date()`)).toEqual(["Date"])
    expect(violations(`const t = Date.now()`)).toEqual(["Date"])
    expect(violations(`globalThis.crypto.getRandomValues(b)`)).toEqual(["getRandomValues"])
    expect(violations(`// Date.now() is forbidden\n/* Math.random */ const ok = 1`)).toEqual([])
    expect(violations(`const url = "https://example"; const u = Update`)).toEqual([])
  })
})
