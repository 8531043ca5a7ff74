/**
 * Node trust stores for the core verifier: `tls.rootCertificates` and the system store
 * load (every bundled root's self-signature verifies through NobleCrypto, which exercises
 * the X.509 signature map on real roots), and a PEM bundle file made with openssl anchors
 * a chain; unreadable and empty files are typed errors.
 */
import { needs } from "@effect-tls/test-support/peers"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Result from "effect/Result"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { NobleCrypto } from "../../core/src/crypto/noble.js"
import { loadPublicKey } from "../../core/src/crypto/keys.js"
import { signatureMethod, verifySigned } from "../../core/src/x509/signature.js"
import { verifyChain } from "../../core/src/x509/verify.js"
import { caExt, type Ca, type Cert, day, type Forge, leafExt, makeForge } from "../../core/test/x509/forge.js"
import { loadSystemBundle, loadTrustBundle, nodeRootCertificates, systemCertificates, TrustStoreError } from "../src/trust.js"

describe("Node's trust stores", () => {
  it("tls.rootCertificates loads in full, and every root's self-signature verifies through NobleCrypto", async () => {
    const { anchors, skipped } = await Effect.runPromise(nodeRootCertificates)
    expect(skipped).toEqual([])
    expect(anchors.certificates.length).toBeGreaterThan(100)
    const unsupported: Array<string> = []
    for (const root of anchors.certificates) {
      const method = signatureMethod(root.cert.signatureAlgorithm)
      if (Result.isFailure(method)) {
        unsupported.push(`${root.subject}: ${method.failure}`)
        continue
      }
      const key = Result.getOrThrow(loadPublicKey(root.spki))
      const checked = verifySigned(NobleCrypto, { tbs: root.tbs, algorithm: root.cert.signatureAlgorithm, signature: new Uint8Array(root.cert.signatureValue) }, key)
      expect(Result.isSuccess(checked), root.subject).toBe(true)
    }
    // P-521 / SHA-512 ECDSA roots, if any, are the only ones the provider cannot check.
    for (const line of unsupported) expect(line).toMatch(/1\.2\.840\.10045\.4\.3\.4/)
    expect(await Effect.runPromise(nodeRootCertificates)).toBe(await Effect.runPromise(nodeRootCertificates))
  })

  it("the system store (tls.getCACertificates('system')) and the system bundle file load", async () => {
    const system = await Effect.runPromise(systemCertificates)
    expect(system.anchors.certificates.length).toBeGreaterThan(0)
    const bundle = await Effect.runPromiseExit(loadSystemBundle)
    if (Exit.isSuccess(bundle)) expect(bundle.value.anchors.certificates.length).toBeGreaterThan(0)
  })

  it("an unreadable file and a file without certificates are TrustStoreErrors", async () => {
    const missing = await Effect.runPromise(Effect.flip(loadTrustBundle("/nonexistent/effect-tls/bundle.pem")))
    expect([missing._tag, missing.reason]).toEqual(["TrustStoreError", "Unreadable"])
    const empty = await Effect.runPromise(Effect.flip(loadTrustBundle("/dev/null")))
    expect([empty._tag, empty.reason]).toEqual(["TrustStoreError", "NoCertificates"])
    expect(new TrustStoreError({ reason: "Unreadable", source: "x", message: "x: gone" }).message).toBe("x: gone")
  })
})

describe.skipIf(!needs("openssl"))("a PEM bundle file as trust store", () => {
  let f: Forge
  let root: Ca
  let leaf: Cert
  beforeAll(() => {
    f = makeForge("effect-tls-node-trust-")
    root = f.root("bundleRoot", { start: day("2025-01-01"), end: day("2040-01-01"), subj: "/CN=Bundle Root", ext: caExt() })
    leaf = f.issue(root, "bundleLeaf", { start: day("2025-01-01"), end: day("2040-01-01"), ext: leafExt(["DNS:bundle.test"]) })
  }, 60_000)
  afterAll(() => f?.cleanup())

  it("anchors a chain when the root is in the bundle, and not otherwise", async () => {
    const path = f.file("bundle.pem", `# a comment line\n${root.pem}\n${root.pem}`)
    const { anchors } = await Effect.runPromise(loadTrustBundle(path))
    expect(anchors.certificates.map((c) => c.subject)).toEqual(["CN = Bundle Root"])
    const now = Date.UTC(2030, 0, 1)
    expect(Result.isSuccess(verifyChain(NobleCrypto, { chain: [leaf.der], anchors, now, role: "server", serverName: "bundle.test" }))).toBe(true)
    const { anchors: mozilla } = await Effect.runPromise(nodeRootCertificates)
    const r = verifyChain(NobleCrypto, { chain: [leaf.der], anchors: mozilla, now, role: "server", serverName: "bundle.test" })
    expect(Result.isFailure(r) && r.failure.alert).toBe("unknown_ca")
  })
})
