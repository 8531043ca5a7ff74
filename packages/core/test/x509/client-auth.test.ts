/**
 * Issue 12, acceptance 4 (the library half): with three client certificates under three
 * CAs, the default selection picks the one whose issuer the server named, honours the
 * signature schemes, and a custom selector Effect receives the server's CA names. The
 * chosen chain then validates as a client chain (clientAuth) against the named CA. In a
 * handshake (the simulator, TLS 1.3 and 1.2), `clientCertificateSelection: "selector"` hands
 * the server's CertificateRequest to the `ClientCertificateSelection` Effect, whose answer
 * is the certificate sent — or none, or a bad index that ends the connection; the trace
 * replays byte-exact with the selection recorded. The `openssl s_server -Verify 1` half is
 * in `test/interop/certs-openssl.test.ts`.
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
import { nameKeyOfDer } from "../../src/x509/names.js"
import { verifyChain } from "../../src/x509/verify.js"
import { ClientCertificateSelection } from "../../src/driver/services.js"
import { makeConfig } from "../../src/machine/config.js"
import { replay } from "../../src/sim/replay.js"
import * as Simulator from "../../src/sim/Simulator.js"
import * as Tls13 from "../../src/tls13/index.js"
import { serverConfig, utf8 } from "../driver/fixtures.js"
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

  /** A handshake in the simulator whose client chooses with `selector`; the server requires a certificate under caB. */
  const handshake = (version: 0x0303 | 0x0304, selector: ClientCertificateSelector, serverSchemes?: ReadonlyArray<number>) => {
    const certificates = leaves.map((cert, i) => ({
      chain: candidates[i]!.chain,
      key: Result.getOrThrow(loadPrivateKey(fs.readFileSync(cert.keyPath, "utf8")))
    }))
    return Effect.runPromise(
      Simulator.run({
        machine: Tls13.machine,
        client: { config: makeConfig({ serverName: "localhost", versions: [version], certificates, clientCertificateSelection: "selector" }) },
        server: { config: serverConfig({ versions: [version], clientAuth: "required", certificateAuthorities: [subjectDer(cas[1]!)], ...(serverSchemes ? { signatureSchemes: serverSchemes } : {}) }) },
        script: { clientWrites: [utf8("ping")], serverWrites: [utf8("pong")] }
      }).pipe(Effect.provideService(ClientCertificateSelection, selector))
    )
  }
  const hex = (b: Uint8Array) => Buffer.from(b).toString("hex")

  for (const [name, version] of [["TLS 1.3", 0x0304], ["TLS 1.2", 0x0303]] as const) {
    it(`${name}: the selector Effect sees the server's CA names, schemes and version, and the certificate it names is sent`, async () => {
      const seen: Array<ClientCertificateRequest> = []
      // the application's own rule: the last candidate under a named CA (here only caB's)
      const selector: ClientCertificateSelector = (request) =>
        Effect.sync(() => {
          seen.push(request)
          const named = new Set(request.caNames.map((n) => nameKeyOfDer(n)))
          const index = request.candidates.findLastIndex((c) => named.has(Result.getOrThrow(parseCertificate(c.chain[0]!)).issuerKey))
          return index < 0 ? Option.none() : Option.some(index)
        })
      const r = await handshake(version, selector)
      expect(r.client.error, String(r.client.error)).toBeUndefined()
      expect(r.server.error, String(r.server.error)).toBeUndefined()
      expect(seen).toHaveLength(1)
      expect(seen[0]!.caNames.map(hex)).toEqual([hex(subjectDer(cas[1]!))])
      expect(seen[0]!.version).toBe(version === 0x0304 ? "1.3" : "1.2")
      expect(seen[0]!.signatureSchemes.length).toBeGreaterThan(0)
      expect(seen[0]!.candidates).toHaveLength(3)
      expect(r.server.params!.peerCertificates.map(hex)).toEqual([hex(leaves[1]!.der)])
      // the recorded selection replays byte-exact
      expect(replay(r.trace, "client", { machine: Tls13.machine }).divergence).toBeUndefined()
    })

    it(`${name}: a selector answering none sends an empty Certificate, and the server requiring one refuses`, async () => {
      const r = await handshake(version, () => Effect.succeed(Option.none()))
      const alert = version === 0x0304 ? "certificate_required" : "handshake_failure"
      expect(r.server.error?.reason).toMatchObject({ alert })
      expect(r.client.error?.reason).toMatchObject({ _tag: "AlertReceived", alert })
    })

    it(`${name}: a selector naming no candidate, or one whose key fits no offered scheme, ends the connection with internal_error`, async () => {
      const detail = (e: unknown) => String((e as { reason?: { detail?: string } } | undefined)?.reason?.detail)
      const outOfRange = await handshake(version, () => Effect.succeed(Option.some(7)))
      expect(outOfRange.client.error?.reason).toMatchObject({ _tag: "LocalFailure", alert: "internal_error" })
      expect(detail(outOfRange.client.error)).toMatch(/chose #7 of 3/)
      expect(outOfRange.server.error?.reason).toMatchObject({ _tag: "AlertReceived", alert: "internal_error" })
      // the server accepts ECDSA only; candidate 2's key is Ed25519
      const unfit = await handshake(version, () => Effect.succeed(Option.some(2)), [S.ecdsa_secp256r1_sha256, S.ecdsa_secp384r1_sha384])
      expect(unfit.client.error?.reason).toMatchObject({ _tag: "LocalFailure", alert: "internal_error" })
      expect(detail(unfit.client.error)).toMatch(/signs none of the server's schemes/)
      expect(unfit.server.error?.reason).toMatchObject({ _tag: "AlertReceived", alert: "internal_error" })
    })
  }

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
