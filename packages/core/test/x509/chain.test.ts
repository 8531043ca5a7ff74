/**
 * The verifier's edges beyond the corpus: names printed exactly as OpenSSL prints them,
 * PEM/DER loading, the bounds on path length and on work (k re-issued copies per level
 * make k^d paths), name constraints on excluded DNS subtrees and IP ranges, CRLs that
 * cannot answer, pinned self-signed leaves, duplicates, and the verdict shape the state
 * machine consumes.
 */
import { needs } from "@effect-tls/test-support/peers"
import * as Result from "effect/Result"
import * as fs from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { NobleCrypto } from "../../src/crypto/noble.js"
import { parseCertificate } from "../../src/x509/certificate.js"
import { loadCrls } from "../../src/x509/crl.js"
import { loadCertificates, loadChain, toPem } from "../../src/x509/pem.js"
import { loadTrustAnchors } from "../../src/x509/trust.js"
import { chainVerdict, type VerifyOptions, verifyChain } from "../../src/x509/verify.js"
import { caExt, type Ca, type Cert, day, type Forge, leafExt, makeForge, openssl, opensslStatus } from "./forge.js"

const run = needs("openssl")
const LONG = { start: day("2025-01-01"), end: day("2040-01-01") }
const NOW = Date.UTC(2030, 5, 15)

const outcome = (r: ReturnType<typeof verifyChain>) => (Result.isSuccess(r) ? "accept" : `${r.failure.reason} ${r.failure.alert} @${r.failure.depth}`)

describe.skipIf(!run)("chain verifier: names, loading, bounds, constraints", () => {
  let f: Forge
  let root: Ca
  let int: Ca
  let good: Cert
  const v = (o: Partial<VerifyOptions> & Pick<VerifyOptions, "chain">) => verifyChain(NobleCrypto, { anchors: [root.der], now: NOW, role: "server", ...o })

  beforeAll(() => {
    f = makeForge("effect-tls-chain-")
    root = f.root("root", { ...LONG, subj: "/CN=Chain Root/O=effect-tls", ext: caExt() })
    int = f.asCa(f.issue(root, "int", { ...LONG, subj: "/CN=Chain Int", ext: caExt() }))
    good = f.issue(int, "good", { ...LONG, ext: leafExt(["DNS:good.test"]) })
  }, 60_000)

  afterAll(() => f?.cleanup())

  it("formats subjects exactly as openssl x509 -subject prints them (quoting, escapes, multi-valued RDNs, UTF-8)", () => {
    const subjects = ["/CN=a, b/O=x", "/CN=a;b", "/CN=q\"q", "/CN=back\\\\slash", "/CN= lead", "/CN=trail ", "/CN=#hash", "/CN=<x>", "/CN=plain=eq", "/CN=é", "/CN=x/CN=y+OU=z", "/C=DE/ST=Berlin/L=Mitte/O=Org/OU=Unit/CN=n/emailAddress=a@b.test"]
    for (const [i, subj] of subjects.entries()) {
      openssl(["req", "-x509", "-new", "-key", good.keyPath, "-subj", subj, "-utf8", "-multivalue-rdn", "-days", "1", "-out", `name${i}.crt`, "-config", root.cnf], f.dir)
      const expected = openssl(["x509", "-in", `name${i}.crt`, "-noout", "-subject"], f.dir).replace(/^subject=/, "").trim()
      const ours = Result.getOrThrow(loadCertificates(fs.readFileSync(`${f.dir}/name${i}.crt`, "utf8")))[0]!.subject
      expect(ours, subj).toBe(expected)
    }
  })

  it("loads PEM bundles (text or bytes) in order, single DER, and writes PEM openssl reads back", () => {
    const bundle = good.pem + int.pem + root.pem
    expect(Result.getOrThrow(loadCertificates(bundle)).map((c) => c.subject)).toEqual(["CN = good", "CN = Chain Int", "CN = Chain Root, O = effect-tls"])
    expect(Result.getOrThrow(loadChain(new TextEncoder().encode(`\n${bundle}`))).length).toBe(3)
    expect(Result.getOrThrow(loadCertificates(good.der))[0]!.subject).toBe("CN = good")
    const written = f.file("written.pem", toPem(good.der))
    expect(openssl(["x509", "-in", written, "-noout", "-subject"], f.dir).trim()).toBe("subject=CN = good")
    expect(Result.isFailure(loadCertificates("no pem here"))).toBe(true)
    expect(Result.isFailure(loadCertificates(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01])))).toBe(true)
  })

  it("refuses a certificate with a trailing byte (not DER) as Malformed / bad_certificate", () => {
    const padded = new Uint8Array([...good.der, 0])
    expect(Result.isFailure(parseCertificate(padded))).toBe(true)
    expect(outcome(v({ chain: [padded, int.der] }))).toBe("Malformed bad_certificate @0")
    expect(outcome(v({ chain: [good.der, new Uint8Array([...int.der, 0])] }))).toBe("Malformed bad_certificate @1")
  })

  it("an empty chain is bad_certificate; duplicates in the chain and configuration are harmless", () => {
    expect(outcome(v({ chain: [] }))).toBe("EmptyChain bad_certificate @0")
    expect(outcome(v({ chain: [good.der, int.der, int.der, good.der], intermediates: [int.der] }))).toBe("accept")
  })

  it("a pinned self-signed leaf in the anchors is accepted; the same leaf unpinned is unknown_ca", () => {
    openssl(["req", "-x509", "-new", "-key", good.keyPath, "-subj", "/CN=pinned.test", "-addext", "subjectAltName=DNS:pinned.test", "-days", "1", "-out", "pinned.crt", "-config", root.cnf], f.dir)
    const pinned = Result.getOrThrow(loadChain(fs.readFileSync(`${f.dir}/pinned.crt`, "utf8")))[0]!
    const now = Date.now()
    expect(outcome(verifyChain(NobleCrypto, { chain: [pinned], anchors: [pinned], now, role: "server", serverName: "pinned.test" }))).toBe("accept")
    expect(outcome(verifyChain(NobleCrypto, { chain: [pinned], anchors: [root.der], now, role: "server" }))).toBe("UntrustedRoot unknown_ca @0")
  })

  it("bounds the path length: a five-deep chain passes by default and is refused with maxPathLength 4", () => {
    let ca = root
    const served: Array<Cert> = []
    for (let i = 1; i <= 4; i++) {
      ca = f.asCa(f.issue(ca, `deep${i}`, { ...LONG, ext: caExt() }))
      served.unshift(ca)
    }
    const leaf = f.issue(ca, "deepLeaf", { ...LONG, ext: leafExt(["DNS:good.test"]) })
    const chain = [leaf.der, ...served.map((c) => c.der)]
    expect(outcome(v({ chain }))).toBe("accept")
    expect(outcome(v({ chain, maxPathLength: 4 }))).toBe("PathTooLong unknown_ca @3")
  })

  it("bounds the work: three re-issued copies at each of three levels (27 paths, none trusted) stop at maxWork", () => {
    const z = f.root("meshRoot", { ...LONG, subj: "/CN=Mesh Root", ext: caExt() })
    const level = (issuer: Ca, name: string): ReadonlyArray<Cert> => {
      const first = f.issue(issuer, `${name}a`, { ...LONG, subj: `/CN=${name}`, ext: caExt() })
      return [first, ...["b", "c"].map((s) => f.issue(issuer, `${name}${s}`, { ...LONG, keyOf: first, subj: `/CN=${name}`, ext: caExt() }))]
    }
    const l3 = level(z, "L3")
    const l2 = level(f.asCa(l3[0]!), "L2")
    const l1 = level(f.asCa(l2[0]!), "L1")
    const leaf = f.issue(f.asCa(l1[0]!), "meshLeaf", { ...LONG, ext: leafExt(["DNS:good.test"]) })
    const chain = [leaf.der, ...[...l1, ...l2, ...l3].map((c) => c.der)]
    expect(outcome(v({ chain }))).toBe("UnknownIssuer unknown_ca @3")
    expect(outcome(v({ chain, maxWork: 20 }))).toBe("TooMuchWork unknown_ca @0")
  })

  it("name constraints: an excluded DNS subtree, a wildcard that could reach into it, and iPAddress ranges (openssl agrees)", () => {
    const nc = f.asCa(f.issue(root, "ncEx", { ...LONG, ext: caExt(["nameConstraints=critical,excluded;DNS:bad.test,permitted;IP:10.0.0.0/255.0.0.0,permitted;DNS:test"]) }))
    const cases: ReadonlyArray<readonly [string, ReadonlyArray<string>, string]> = [
      ["ncOk", ["DNS:ok.test", "IP:10.1.2.3"], "accept"],
      ["ncExcluded", ["DNS:x.bad.test"], "NameConstraints bad_certificate @0"],
      ["ncWild", ["DNS:*.bad.test"], "NameConstraints bad_certificate @0"],
      ["ncIp", ["DNS:ok.test", "IP:11.1.2.3"], "NameConstraints bad_certificate @0"]
    ]
    fs.writeFileSync(`${f.dir}/nc-anchor.pem`, root.pem)
    fs.writeFileSync(`${f.dir}/nc-untrusted.pem`, nc.pem)
    for (const [name, sans, expected] of cases) {
      const leaf = f.issue(nc, name, { ...LONG, ext: leafExt(sans) })
      expect(outcome(v({ chain: [leaf.der, nc.der] })), name).toBe(expected)
      const theirs = opensslStatus(["verify", "-x509_strict", "-attime", String(NOW / 1000), "-CAfile", "nc-anchor.pem", "-untrusted", "nc-untrusted.pem", leaf.certPath], f.dir)
      expect(theirs.status === 0, `${name}: ${theirs.out}`).toBe(expected === "accept")
    }
  })

  it("CRLs that cannot answer: stale or from another key give no status (certificate_unknown under hard-fail)", () => {
    const stale = Result.getOrThrow(loadCrls(fs.readFileSync(f.crl(int, "stale", day("2029-01-01"), day("2029-02-01")), "utf8")))
    const fresh = Result.getOrThrow(loadCrls(fs.readFileSync(f.crl(int, "fresh", day("2030-06-01"), day("2030-07-01")), "utf8")))
    const impostor = f.root("impostor", { ...LONG, subj: "/CN=Chain Int", ext: caExt() })
    const forged = Result.getOrThrow(loadCrls(fs.readFileSync(f.crl(impostor, "forged", day("2030-06-01"), day("2030-07-01")), "utf8")))
    const chain = [good.der, int.der]
    expect(outcome(v({ chain, crls: stale, revocation: "hard-fail" }))).toBe("RevocationUnknown certificate_unknown @0")
    expect(outcome(v({ chain, crls: forged, revocation: "hard-fail" }))).toBe("RevocationUnknown certificate_unknown @0")
    expect(outcome(v({ chain, crls: [...forged, ...fresh], revocation: "hard-fail" }))).toBe("accept")
    expect(outcome(v({ chain, crls: stale, revocation: "soft-fail" }))).toBe("accept")
    // Scope "chain" also needs a status for the intermediate (from the root's CRL).
    expect(outcome(v({ chain, crls: fresh, revocation: "hard-fail", revocationScope: "chain" }))).toBe("RevocationUnknown certificate_unknown @1")
    const rootCrl = Result.getOrThrow(loadCrls(fs.readFileSync(f.crl(root, "rootcrl", day("2030-06-01"), day("2030-07-01")), "utf8")))
    const ok = v({ chain, crls: [...fresh, ...rootCrl], revocation: "hard-fail", revocationScope: "chain" })
    expect(Result.isSuccess(ok) && ok.success.revocation).toEqual([
      { depth: 0, status: "good", source: "CRL" },
      { depth: 1, status: "good", source: "CRL" }
    ])
  })

  it("trust anchors load from PEM bundles and DER; chainVerdict carries the alert, reason, depth and subject", () => {
    const anchors = Result.getOrThrow(loadTrustAnchors([root.pem + root.pem, int.der]))
    expect(anchors.certificates.length).toBe(2)
    expect(chainVerdict(verifyChain(NobleCrypto, { chain: [good.der], anchors, now: NOW, role: "server", serverName: "good.test" }))).toEqual({ _tag: "ChainVerdict", accepted: true })
    expect(chainVerdict(v({ chain: [good.der, int.der], serverName: "bad.test" }))).toEqual({
      _tag: "ChainVerdict",
      accepted: false,
      alert: "bad_certificate",
      detail: "HostnameMismatch: certificate does not match the server name bad.test",
      depth: 0,
      subject: "CN = good"
    })
  })
})
