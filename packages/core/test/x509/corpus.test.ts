/**
 * Issue 12, acceptance 1: a corpus made with `openssl ca` at test time runs through
 * `verifyChain` with `NobleCrypto`, and every verdict is compared with
 * `openssl verify -x509_strict -auth_level 2` given the equivalent flags (`-attime`,
 * `-purpose`, `-verify_hostname` / `-verify_ip`, `-untrusted`, `-CAfile`, `-crl_check` /
 * `-crl_check_all`). Where we deliberately differ the case says so and both verdicts are
 * asserted. A table case → ours → openssl is printed at the end.
 */
import { needs } from "@effect-tls/test-support/peers"
import * as Result from "effect/Result"
import * as fs from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { NobleCrypto } from "../../src/crypto/noble.js"
import { loadCrls, type ParsedCrl } from "../../src/x509/crl.js"
import { parseIp } from "../../src/x509/ip.js"
import { verifyChain, verifyLines } from "../../src/x509/verify.js"
import { buildCorpus, type Case, NOW } from "./corpus.js"
import { type Forge, makeDryForge, makeForge, opensslStatus } from "./forge.js"

const run = needs("openssl")
const names = buildCorpus(makeDryForge()).map((c) => c.name)

interface Row {
  readonly name: string
  readonly ours: string
  readonly openssl: string
  readonly note: string
}

const ours = (c: Case) => {
  const crls: Array<ParsedCrl> = (c.crls ?? []).flatMap((p) => Result.getOrThrow(loadCrls(fs.readFileSync(p, "utf8"))))
  return verifyChain(NobleCrypto, {
    chain: c.chain,
    intermediates: c.intermediates.map((i) => i.der),
    anchors: c.anchors.map((a) => a.der),
    now: NOW,
    role: c.role,
    serverName: c.serverName,
    crls,
    revocation: c.crls === undefined ? "soft-fail" : "hard-fail",
    revocationScope: c.crlScope ?? "leaf",
    allowCommonNameFallback: c.allowCommonNameFallback,
    minRsaBits: c.minRsaBits
  })
}

const theirs = (f: Forge, c: Case, i: number): { readonly accepts: boolean; readonly detail: string; readonly chain: ReadonlyArray<string> } => {
  const args = ["verify", "-x509_strict", "-show_chain", "-auth_level", String(c.authLevel ?? 2), "-attime", String(NOW / 1000), "-purpose", c.role === "server" ? "sslserver" : "sslclient"]
  args.push("-CAfile", f.file(`case${i}.anchors.pem`, c.anchors.map((a) => a.pem).join("")))
  const untrusted = [...c.served, ...c.intermediates]
  if (untrusted.length > 0) args.push("-untrusted", f.file(`case${i}.untrusted.pem`, untrusted.map((u) => u.pem).join("")))
  if (c.serverName !== undefined) args.push(parseIp(c.serverName) !== undefined ? "-verify_ip" : "-verify_hostname", c.serverName)
  if (c.crls !== undefined) {
    args.push(c.crlScope === "chain" ? "-crl_check_all" : "-crl_check")
    args.push("-CRLfile", f.file(`case${i}.crls.pem`, c.crls.map((p) => fs.readFileSync(p, "utf8")).join("")))
  }
  args.push(c.leafFile)
  const { status, out } = opensslStatus(args, f.dir)
  const error = /error \d+ at \d+ depth lookup: .*/.exec(out)?.[0] ?? out.split("\n").find((l) => /error|unable|Could not/i.test(l)) ?? out.trim()
  const chain = [...out.matchAll(/^depth=(\d+): (.*?)(?: \(untrusted\))?$/gm)].map((m) => `depth=${m[1]}: ${m[2]}`)
  return { accepts: status === 0 && /: OK\s*$/m.test(out), detail: status === 0 ? "OK" : error, chain }
}

describe.skipIf(!run)("certificate corpus: ours (NobleCrypto) against openssl verify -x509_strict -auth_level 2", () => {
  let forge: Forge
  let byName: ReadonlyMap<string, readonly [Case, number]>
  const rows: Array<Row> = []
  const started = performance.now()

  beforeAll(() => {
    forge = makeForge()
    byName = new Map(buildCorpus(forge).map((c, i) => [c.name, [c, i] as const]))
  }, 120_000)

  afterAll(() => {
    if (rows.length > 0) {
      const w = [Math.max(...rows.map((r) => r.name.length)), Math.max(...rows.map((r) => r.ours.length)), 8]
      const line = (a: string, b: string, c: string, d: string) => `${a.padEnd(w[0]!)} | ${b.padEnd(w[1]!)} | ${c.padEnd(w[2]!)} | ${d}`
      const table = [line("case", "ours", "openssl", "openssl detail / deliberate difference"), line("-".repeat(w[0]!), "-".repeat(w[1]!), "-".repeat(w[2]!), "-".repeat(30))]
      for (const r of rows) table.push(line(r.name, r.ours, r.openssl, r.note))
      process.stdout.write(`\n${table.join("\n")}\n(${rows.length} cases in ${((performance.now() - started) / 1000).toFixed(1)} s)\n`)
    }
    forge?.cleanup()
  })

  it.each(names)("%s", (name) => {
    const [c, i] = byName.get(name)!
    const result = ours(c)
    const openssl = theirs(forge, c, i)
    const oursText = Result.isSuccess(result) ? "accept" : `${result.failure.reason} (${result.failure.alert}) @${result.failure.depth}`
    rows.push({
      name,
      ours: oursText,
      openssl: openssl.accepts ? "accept" : "reject",
      note: c.opensslDiffers !== undefined ? `DIFFERS: ${c.opensslDiffers.why}` : `${c.authLevel !== undefined ? `(-auth_level ${c.authLevel}) ` : ""}${openssl.detail}`
    })
    if (c.expect.ok) {
      expect(Result.isSuccess(result) ? "accept" : result.failure.message).toBe("accept")
      // The path OpenSSL prints (-show_chain: `depth=N: <subject>`) is ours, subject for subject.
      if (Result.isSuccess(result) && openssl.accepts) {
        expect(result.success.elements.map((e) => `depth=${e.depth}: ${e.subject}`).reverse()).toEqual(openssl.chain)
        expect(verifyLines(result.success)).toEqual(result.success.elements.flatMap((e) => [`depth=${e.depth} ${e.subject}`, "verify return:1"]))
      }
    } else {
      expect(Result.isFailure(result) ? { reason: result.failure.reason, alert: result.failure.alert, depth: result.failure.depth } : "accept").toEqual({
        reason: c.expect.reason,
        alert: c.expect.alert,
        depth: c.expect.depth
      })
    }
    const expected = c.opensslDiffers !== undefined ? c.opensslDiffers.accepts : c.expect.ok
    expect(openssl.accepts, `openssl: ${openssl.detail}`).toBe(expected)
  })
})
