/**
 * The two providers stay independent (issue 10): nothing `NodeCrypto` loads from our
 * sources imports `@noble/*`, micro-rsa-dsa-dh or `@peculiar/*` (its own files, and the
 * `@effect-tls/core` modules they reach, followed import by import), and the portable
 * provider's sources import nothing from Node (`node:*` or a bare built-in name).
 *
 * @since 0.1.0
 */
import { readdirSync, readFileSync } from "node:fs"
import { builtinModules } from "node:module"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const packages = fileURLToPath(new URL("../../", import.meta.url))
const nodeSrc = join(packages, "node/src")
const coreCrypto = join(packages, "core/src/crypto")

const importPattern =
  /\b(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']\s*\)|\brequire\s*\(\s*["']([^"']+)["']\s*\)/g

/** The module specifiers a source file imports (type-only imports included). */
export const importsOf = (file: string): ReadonlyArray<string> =>
  [...readFileSync(file, "utf8").matchAll(importPattern)].map((m) => (m[1] ?? m[2] ?? m[3])!)

const tsFiles = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => join(e.parentPath, e.name))

/** Our source files reachable from `roots`, following relative and `@effect-tls/core` imports. */
const reachable = (roots: ReadonlyArray<string>): Map<string, ReadonlyArray<string>> => {
  const exports = JSON.parse(readFileSync(join(packages, "core/package.json"), "utf8")).exports as Record<string, { default: string }>
  const seen = new Map<string, ReadonlyArray<string>>()
  const queue = [...roots]
  while (queue.length > 0) {
    const file = queue.pop()!
    if (seen.has(file)) continue
    const specifiers = importsOf(file)
    seen.set(file, specifiers)
    for (const s of specifiers) {
      if (s.startsWith(".")) queue.push(resolve(dirname(file), s.replace(/\.js$/, ".ts")))
      else if (s.startsWith("@effect-tls/core")) {
        const target = exports[`.${s.slice("@effect-tls/core".length)}`]
        expect(target, `export ${s}`).toBeDefined()
        queue.push(join(packages, "core", target!.default))
      }
    }
  }
  return seen
}

const forbiddenInNode = /^(@noble\/|micro-rsa-dsa-dh|@peculiar\/)/
const builtins = new Set(builtinModules)
const isNodeBuiltin = (s: string) => s.startsWith("node:") || builtins.has(s) || builtins.has(s.split("/")[0]!)

describe("provider independence", () => {
  it("NodeCrypto and the core modules it loads never import @noble/*, micro-rsa-dsa-dh or @peculiar/*", () => {
    // the provider's own files (the runtime beside it — NodeTls, trust stores — may use the core's index)
    const graph = reachable(tsFiles(nodeSrc).filter((f) => /node-(crypto|kex|sign)\.ts$|\/(der|bytes)\.ts$/.test(f)))
    expect([...graph.keys()].some((f) => f.endsWith("core/src/crypto/shared.ts"))).toBe(true)
    const offenders = [...graph].flatMap(([file, specifiers]) =>
      specifiers.filter((s) => forbiddenInNode.test(s)).map((s) => `${file}: ${s}`)
    )
    expect(offenders).toEqual([])
  })

  it("packages/core/src/crypto (NobleCrypto, key loading and what they import) never imports node:* or a Node built-in", () => {
    const graph = reachable([join(coreCrypto, "noble.ts"), ...tsFiles(coreCrypto)])
    const offenders = [...graph].flatMap(([file, specifiers]) =>
      specifiers.filter(isNodeBuiltin).map((s) => `${file}: ${s}`)
    )
    expect(offenders).toEqual([])
  })

  it("the import scanner finds what it should (a planted import is caught)", () => {
    const planted = `import { x } from "@noble/curves/nist.js"\nimport type { Y } from "node:crypto"\nexport * from "./z.js"\nconst m = await import("micro-rsa-dsa-dh/rsa.js")`
    expect([...planted.matchAll(importPattern)].map((m) => m[1] ?? m[2] ?? m[3])).toEqual([
      "@noble/curves/nist.js",
      "node:crypto",
      "./z.js",
      "micro-rsa-dsa-dh/rsa.js"
    ])
  })
})
