/**
 * The RFC 7919 primes in `ffdhe.ts` against two independent sources: the RFC text in
 * `../shared/reference/rfc7919.txt` and OpenSSL's built-in groups (when `openssl` is on the
 * PATH).
 *
 * @since 0.1.0
 */
import { execFileSync } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { type FfdheGroup, ffdheGroups } from "../../src/crypto/ffdhe.js"
import { toHex } from "./util.js"

const rfc = fileURLToPath(new URL("../../../../../shared/reference/rfc7919.txt", import.meta.url))
const groups = Object.keys(ffdheGroups) as ReadonlyArray<FfdheGroup>
const hasOpenssl = (() => {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
})()

/** The hexadecimal p of a group, as printed in RFC 7919 Appendix A. */
const fromRfc = (text: string, group: FfdheGroup): string => {
  const section = text.slice(text.indexOf(`  ${group}\n`))
  const start = section.indexOf("The hexadecimal representation of p is:")
  const end = section.indexOf("The generator is", start)
  return (section.slice(start, end).match(/\b[0-9A-F]{8}\b/g) ?? []).join("").toLowerCase()
}

describe("RFC 7919 groups", () => {
  it.skipIf(!existsSync(rfc))("match the hexadecimal p of RFC 7919 Appendix A", () => {
    const text = readFileSync(rfc, "utf8")
    for (const group of groups) expect(toHex(ffdheGroups[group].p), group).toBe(fromRfc(text, group))
  })

  it.skipIf(!hasOpenssl)("match OpenSSL's built-in groups", () => {
    for (const group of groups) {
      const params = execFileSync("openssl", ["genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt", `group:${group}`])
      const parsed = execFileSync("openssl", ["asn1parse"], { input: params }).toString()
      const p = /INTEGER\s*:([0-9A-F]+)/.exec(parsed)![1]!.toLowerCase()
      expect(toHex(ffdheGroups[group].p), group).toBe(p)
    }
  })

  it("have the sizes their names say", () => {
    for (const group of groups) expect(ffdheGroups[group].p.length * 8).toBe(Number(group.slice(5)))
  })
})
