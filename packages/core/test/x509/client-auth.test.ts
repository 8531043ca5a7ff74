/**
 * Issue 12, acceptance 4 (the library half): with three client certificates under three
 * CAs, the default selection picks the one whose issuer the server named, honours the
 * signature schemes, and a custom selector Effect receives the server's CA names. The
 * chosen chain then validates as a client chain (clientAuth) against the named CA; the
 * `openssl s_server -Verify 1` half waits for the Node runtime.
 */
import { SignatureScheme } from "@effect-tls/codec"
import { needs } from "@effect-tls/test-support/peers"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import * as fs from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { NobleCrypto } from "../../src/crypto/noble.js"
import { loadPrivateKey } from "../../src/crypto/keys.js"
import { parseCertificate } from "../../src/x509/certificate.js"
import { type ClientCandidate, keyFitsScheme, selectClientCertificate } from "../../src/x509/client-auth.js"
import { type ClientCertificateRequest, type ClientCertificateSelector, defaultClientCertificateChoice } from "../../src/x509/selector.js"
import { verifyChain } from "../../src/x509/verify.js"
import { caExt, type Ca, type Cert, day, type Forge, leafExt, makeForge } from "./forge.js"

const run = needs("openssl")
const LONG = { start: day("2025-01-01"), end: day("2040-01-01") }
const NOW = Date.UTC(2030, 5, 15)
const S = SignatureScheme.values

describe.skipIf(!run)("client certificate selection", () => {
  let f: Forge
  let cas: ReadonlyArray<Ca>
  let leaves: ReadonlyArray<Cert>
  let candidates: ReadonlyArray<ClientCandidate>
  const subjectDer = (c: Cert) => Result.getOrThrow(parseCertificate(c.der)).subjectDer

  beforeAll(() => {
    f = makeForge("effect-tls-clientauth-")
    const caA = f.root("caA", { ...LONG, subj: "/CN=Client CA A", ext: caExt() })
    const caB = f.root("caB", { ...LONG, subj: "/CN=Client CA B", ext: caExt() })
    // C is a root with an intermediate: the server may name the root, not the leaf's issuer.
    const caC = f.root("caC", { ...LONG, subj: "/CN=Client CA C", ext: caExt() })
    const intC = f.asCa(f.issue(caC, "intC", { ...LONG, subj: "/CN=Client Intermediate C", ext: caExt() }))
    const a = f.issue(caA, "clientA", { ...LONG, ext: leafExt([], "clientAuth") })
    const b = f.issue(caB, "clientB", { ...LONG, key: "p384", ext: leafExt([], "clientAuth") })
    const c = f.issue(intC, "clientC", { ...LONG, key: "ed25519", ext: leafExt([], "clientAuth") })
    cas = [caA, caB, caC, intC]
    leaves = [a, b, c]
    const keyOf = (cert: Cert) => {
      const k = Result.getOrThrow(loadPrivateKey(fs.readFileSync(cert.keyPath, "utf8")))
      return { type: k.type, curve: k.curve }
    }
    candidates = [
      { chain: [a.der], key: keyOf(a) },
      { chain: [b.der], key: keyOf(b) },
      { chain: [c.der, intC.der], key: keyOf(c) }
    ]
  }, 60_000)

  afterAll(() => f?.cleanup())

  const modern = [S.ecdsa_secp256r1_sha256, S.ecdsa_secp384r1_sha384, S.ed25519, S.rsa_pss_rsae_sha256]

  it("picks the certificate whose issuer the server named (CA B → the second)", () => {
    expect(selectClientCertificate(candidates, { caNames: [subjectDer(cas[1]!)], signatureSchemes: modern })).toEqual(Option.some(1))
    expect(selectClientCertificate(candidates, { caNames: [subjectDer(cas[0]!)], signatureSchemes: modern })).toEqual(Option.some(0))
  })

  it("matches an issuer anywhere in the chain: naming root C picks the chain leaf → intermediate C → (root C)", () => {
    expect(selectClientCertificate(candidates, { caNames: [subjectDer(cas[2]!)], signatureSchemes: modern })).toEqual(Option.some(2))
  })

  it("no CA names means any CA: the first whose key fits", () => {
    expect(selectClientCertificate(candidates, { caNames: [], signatureSchemes: modern })).toEqual(Option.some(0))
    expect(selectClientCertificate(candidates, { caNames: [], signatureSchemes: [S.ed25519] })).toEqual(Option.some(2))
  })

  it("skips a named CA's certificate whose key fits none of the schemes, and answers none when nothing fits", () => {
    // B's key is P-384: in TLS 1.3 only ecdsa_secp384r1_sha384 fits it.
    expect(selectClientCertificate(candidates, { caNames: [subjectDer(cas[1]!)], signatureSchemes: [S.ecdsa_secp256r1_sha256] })).toEqual(Option.none())
    expect(selectClientCertificate(candidates, { caNames: [subjectDer(cas[1]!)], signatureSchemes: [S.ecdsa_secp256r1_sha256], version: "1.2" })).toEqual(Option.some(1))
    expect(selectClientCertificate(candidates, { caNames: [subjectDer(leaves[0]!)], signatureSchemes: modern })).toEqual(Option.none())
  })

  it("keyFitsScheme follows RFC 8446 §4.2.3 in TLS 1.3 and RFC 5246 in TLS 1.2", () => {
    expect(keyFitsScheme({ type: "rsa" }, S.rsa_pkcs1_sha256)).toBe(false)
    expect(keyFitsScheme({ type: "rsa" }, S.rsa_pkcs1_sha256, "1.2")).toBe(true)
    expect(keyFitsScheme({ type: "rsa" }, S.rsa_pss_rsae_sha256)).toBe(true)
    expect(keyFitsScheme({ type: "rsa" }, S.rsa_pss_pss_sha256)).toBe(false)
    expect(keyFitsScheme({ type: "rsa-pss" }, S.rsa_pss_pss_sha256)).toBe(true)
    expect(keyFitsScheme({ type: "ec", curve: "secp256r1" }, S.ecdsa_secp384r1_sha384)).toBe(false)
    expect(keyFitsScheme({ type: "rsa" }, S.rsa_pkcs1_sha1, "1.2")).toBe(false)
    expect(keyFitsScheme({ type: "ed25519" }, 0x1234)).toBe(false)
  })

  it("a custom selector Effect receives the server's CA names and schemes, and its answer is used", () => {
    const seen: Array<ClientCertificateRequest> = []
    const custom: ClientCertificateSelector = (request) =>
      Effect.sync(() => {
        seen.push(request)
        return Option.some(request.candidates.length - 1)
      })
    const request: ClientCertificateRequest = { caNames: [subjectDer(cas[1]!), subjectDer(cas[2]!)], signatureSchemes: modern, candidates }
    expect(Effect.runSync(custom(request))).toEqual(Option.some(2))
    expect(seen).toHaveLength(1)
    expect(seen[0]!.caNames.map((n) => Buffer.from(n).toString("hex"))).toEqual([subjectDer(cas[1]!), subjectDer(cas[2]!)].map((n) => Buffer.from(n).toString("hex")))
    // The default, lifted the way the driver lifts it.
    const byDefault: ClientCertificateSelector = (r) => Effect.sync(() => defaultClientCertificateChoice(r))
    expect(Effect.runSync(byDefault(request))).toEqual(Option.some(1))
  })

  it("the selected chain validates as a client certificate under the named CA, and not under another", () => {
    const chosen = Option.getOrThrow(selectClientCertificate(candidates, { caNames: [subjectDer(cas[2]!)], signatureSchemes: modern }))
    const chain = candidates[chosen]!.chain
    expect(Result.isSuccess(verifyChain(NobleCrypto, { chain, anchors: [cas[2]!.der], now: NOW, role: "client" }))).toBe(true)
    const wrong = verifyChain(NobleCrypto, { chain, anchors: [cas[1]!.der], now: NOW, role: "client" })
    expect(Result.isFailure(wrong) && [wrong.failure.reason, wrong.failure.alert]).toEqual(["UnknownIssuer", "unknown_ca"])
    const asServer = verifyChain(NobleCrypto, { chain, anchors: [cas[2]!.der], now: NOW, role: "server" })
    expect(Result.isFailure(asServer) && [asServer.failure.reason, asServer.failure.alert]).toEqual(["ExtendedKeyUsage", "unsupported_certificate"])
  })
})
