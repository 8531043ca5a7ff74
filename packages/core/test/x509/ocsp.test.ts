/**
 * Issue 12, acceptance 2: stapled OCSP responses made with `openssl ocsp` (a request with
 * `-reqout`, answered from the CA's `index.txt` with `-rsigner ... -respout`) — good,
 * revoked, stale, signed by the wrong responder, unknown — judged by `verifyChain` under
 * the hard-fail and soft-fail policies, and compared with `openssl ocsp -respin ...
 * -verify_other` where OpenSSL can judge them (it checks freshness against the wall clock
 * only, so "stale" is ours alone).
 */
import { needs } from "@effect-tls/test-support/peers"
import * as Result from "effect/Result"
import * as fs from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { NobleCrypto } from "../../src/crypto/noble.js"
import { parseOcspResponse } from "../../src/x509/ocsp.js"
import { verifyChain } from "../../src/x509/verify.js"
import { caExt, type Ca, type Cert, day, type Forge, leafExt, makeForge, openssl, opensslStatus } from "./forge.js"

const run = needs("openssl")
const LONG = { start: day("2025-01-01"), end: day("2040-01-01") }
const responderExt = (eku: string) => ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature", ...(eku === "" ? [] : [`extendedKeyUsage=${eku}`]), "subjectKeyIdentifier=hash", "authorityKeyIdentifier=keyid"]

interface Setup {
  readonly f: Forge
  readonly root: Ca
  readonly ca: Ca
  readonly otherRoot: Ca
  readonly good: Cert
  readonly revoked: Cert
  readonly unknown: Cert
  readonly made: number
  readonly respond: (leaf: Cert, signer: Cert, name: string) => Uint8Array
}

const setup = (): Setup => {
  const f = makeForge("effect-tls-ocsp-")
  const root = f.root("ocspRoot", { ...LONG, subj: "/CN=OCSP Root", ext: caExt() })
  const ca = f.asCa(f.issue(root, "ocspCa", { ...LONG, subj: "/CN=OCSP Issuing CA", ext: caExt() }))
  const otherRoot = f.root("otherRoot", { ...LONG, subj: "/CN=Other Root", ext: caExt() })
  const good = f.issue(ca, "good", { ...LONG, ext: leafExt(["DNS:good.test"]) })
  const revoked = f.issue(ca, "revoked", { ...LONG, ext: leafExt(["DNS:good.test"]) })
  f.revoke(ca, revoked)
  // Issued outside the CA's database, so the responder answers "unknown".
  openssl(["req", "-new", "-key", good.keyPath, "-subj", "/CN=unknown", "-out", "unknown.csr", "-config", ca.cnf], f.dir)
  fs.writeFileSync(`${f.dir}/unknown.ext`, `${leafExt(["DNS:good.test"]).join("\n")}\n`)
  openssl(["x509", "-req", "-in", "unknown.csr", "-CA", ca.certPath, "-CAkey", ca.keyPath, "-set_serial", "999", "-days", "30", "-extfile", "unknown.ext", "-out", "unknown.crt"], f.dir)
  const unknownPem = fs.readFileSync(`${f.dir}/unknown.crt`, "utf8")
  const unknown: Cert = { name: "unknown", certPath: `${f.dir}/unknown.crt`, keyPath: good.keyPath, pem: unknownPem, der: new Uint8Array(Buffer.from(unknownPem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64")) }
  const made = Date.now()
  const respond = (leaf: Cert, signer: Cert, name: string): Uint8Array => {
    openssl(["ocsp", "-issuer", ca.certPath, "-cert", leaf.certPath, "-reqout", `${name}.req`, "-no_nonce"], f.dir)
    openssl(["ocsp", "-index", `${ca.db}/index.txt`, "-rsigner", signer.certPath, "-rkey", signer.keyPath, "-CA", ca.certPath, "-reqin", `${name}.req`, "-respout", `${name}.resp`, "-ndays", "1"], f.dir)
    return new Uint8Array(fs.readFileSync(`${f.dir}/${name}.resp`))
  }
  return { f, root, ca, otherRoot, good, revoked, unknown, made, respond }
}

/** OpenSSL's judgement: the status line and whether the response verified. */
const opensslJudges = (s: Setup, leaf: Cert, name: string): { readonly status: string; readonly verified: boolean } => {
  const roots = s.f.file("roots.pem", s.root.pem + s.otherRoot.pem)
  const { out } = opensslStatus(["ocsp", "-respin", `${name}.resp`, "-issuer", s.ca.certPath, "-cert", leaf.certPath, "-CAfile", roots, "-verify_other", s.ca.certPath], s.f.dir)
  const status = new RegExp(`${leaf.name}\\.crt: (\\w+)`).exec(out)?.[1] ?? "none"
  return { status, verified: /Response verify OK/.test(out) }
}

describe.skipIf(!run)("stapled OCSP responses made with openssl ocsp", () => {
  let s: Setup
  let responder: Cert
  let noEku: Cert
  let rogue: Cert
  const rows: Array<string> = []

  beforeAll(() => {
    s = setup()
    responder = s.f.issue(s.ca, "responder", { ...LONG, ext: responderExt("OCSPSigning") })
    noEku = s.f.issue(s.ca, "noEku", { ...LONG, ext: responderExt("") })
    rogue = s.f.issue(s.otherRoot, "rogue", { ...LONG, ext: responderExt("OCSPSigning") })
  }, 60_000)

  afterAll(() => {
    if (rows.length > 0) process.stdout.write(`\ncase | ours | openssl ocsp\n${rows.join("\n")}\n`)
    s?.f.cleanup()
  })

  const verify = (leaf: Cert, staple: Uint8Array | undefined, revocation: "hard-fail" | "soft-fail", now = s.made + 60_000) =>
    verifyChain(NobleCrypto, { chain: [leaf.der, s.ca.der], anchors: [s.root.der], now, role: "server", serverName: "good.test", ocsp: [staple], revocation })

  const verdict = (r: ReturnType<typeof verify>): string => (Result.isSuccess(r) ? `accept (${r.success.revocation[0]?.status}${r.success.revocation[0]?.source !== undefined ? ` by ${r.success.revocation[0].source}` : ""})` : `${r.failure.reason} (${r.failure.alert})`)

  const judge = (name: string, leaf: Cert, signer: Cert, expected: { readonly hard: string; readonly soft: string; readonly openssl?: { readonly status: string; readonly verified: boolean } }) => {
    const staple = s.respond(leaf, signer, name)
    expect(Result.isSuccess(parseOcspResponse(staple))).toBe(true)
    const hard = verdict(verify(leaf, staple, "hard-fail"))
    const soft = verdict(verify(leaf, staple, "soft-fail"))
    expect({ hard, soft }).toEqual({ hard: expected.hard, soft: expected.soft })
    const theirs = expected.openssl === undefined ? undefined : opensslJudges(s, leaf, name)
    if (expected.openssl !== undefined) expect(theirs).toEqual(expected.openssl)
    rows.push(`${name} | hard-fail: ${hard}; soft-fail: ${soft} | ${theirs === undefined ? "n/a" : `${theirs.status}, ${theirs.verified ? "Response verify OK" : "Response Verify Failure"}`}`)
  }

  it("good, signed by a delegated responder with id-kp-OCSPSigning: accepted", () =>
    judge("good-delegated", s.good, responder, { hard: "accept (good by OCSP)", soft: "accept (good by OCSP)", openssl: { status: "good", verified: true } }))

  it("good, signed by the issuing CA itself: accepted", () =>
    judge("good-by-ca", s.good, s.ca, { hard: "accept (good by OCSP)", soft: "accept (good by OCSP)", openssl: { status: "good", verified: true } }))

  it("revoked: certificate_revoked under both policies", () =>
    judge("revoked", s.revoked, responder, { hard: "Revoked (certificate_revoked)", soft: "Revoked (certificate_revoked)", openssl: { status: "revoked", verified: true } }))

  it("unknown to the responder: bad_certificate_status_response under hard-fail, ignored under soft-fail", () =>
    judge("unknown", s.unknown, responder, { hard: "BadOcspResponse (bad_certificate_status_response)", soft: "accept (unknown)", openssl: { status: "unknown", verified: true } }))

  it("signed by a responder of another CA: rejected under hard-fail, as OpenSSL's verification fails", () =>
    judge("wrong-responder-other-ca", s.good, rogue, { hard: "BadOcspResponse (bad_certificate_status_response)", soft: "accept (unknown)", openssl: { status: "good", verified: false } }))

  it("signed by a certificate of the same CA without id-kp-OCSPSigning: rejected under hard-fail, as OpenSSL's verification fails", () =>
    judge("wrong-responder-no-eku", s.good, noEku, { hard: "BadOcspResponse (bad_certificate_status_response)", soft: "accept (unknown)", openssl: { status: "good", verified: false } }))

  it("stale (nextUpdate passed at the time we validate): bad_certificate_status_response under hard-fail (openssl judges time by the wall clock only)", () => {
    const staple = s.respond(s.good, responder, "stale")
    const later = s.made + 2 * 86_400_000
    expect(verdict(verify(s.good, staple, "hard-fail", later))).toBe("BadOcspResponse (bad_certificate_status_response)")
    const soft = verify(s.good, staple, "soft-fail", later)
    expect(verdict(soft)).toBe("accept (unknown)")
    expect(Result.isSuccess(soft) && soft.success.revocation[0]!.detail).toMatch(/stale/)
    // Not yet valid: validated before the responder's thisUpdate (beyond the 5-minute skew).
    expect(verdict(verify(s.good, staple, "hard-fail", s.made - 3_600_000))).toBe("BadOcspResponse (bad_certificate_status_response)")
    rows.push("stale | hard-fail: BadOcspResponse; soft-fail: accept (unknown) | n/a (wall clock)")
  })

  it("a response about another certificate stapled to the leaf is not satisfactory under hard-fail", () => {
    const staple = s.respond(s.good, responder, "other-cert")
    expect(verdict(verify(s.revoked, staple, "hard-fail"))).toBe("BadOcspResponse (bad_certificate_status_response)")
  })

  it("hard-fail without any staple or CRL: certificate_unknown; soft-fail: accepted with status unknown", () => {
    expect(verdict(verify(s.good, undefined, "hard-fail"))).toBe("RevocationUnknown (certificate_unknown)")
    expect(verdict(verify(s.good, undefined, "soft-fail"))).toBe("accept (unknown)")
  })

  it("garbage stapled: bad_certificate_status_response under hard-fail", () => {
    expect(verdict(verify(s.good, new Uint8Array([0x30, 0x03, 0x0a, 0x01, 0x00]), "hard-fail"))).toBe("BadOcspResponse (bad_certificate_status_response)")
    expect(verdict(verify(s.good, new Uint8Array([1, 2, 3]), "hard-fail"))).toBe("BadOcspResponse (bad_certificate_status_response)")
  })
})
