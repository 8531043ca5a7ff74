/**
 * What a TLS 1.2 server picks and how it says why it could not (issue 16, acceptance 2-3):
 * the curve follows our order, or the client's with `preferClientOrder`; a failure names
 * the suites both offer and why each could not be served (no curve in common, no
 * certificate the client's schemes allow), or both lists when no suite is shared.
 */
import { describe, expect, it } from "@effect/vitest"
import { CipherSuite, NamedGroup, SignatureScheme } from "@effect-tls/codec"
import { makeConfig, type TlsConfig } from "../../src/machine/config.js"
import { serverConfig } from "../driver/fixtures.js"
import { handshakePair } from "../grid-support.js"

const only12 = { versions: [0x0303] }
const G = NamedGroup.values
const ecdsa = CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256

const pair = (client: Partial<TlsConfig>, server: Partial<TlsConfig>) =>
  handshakePair(makeConfig({ ...only12, serverName: "localhost", ...client }), serverConfig({ ...only12, ...server }))
const reasonOf = (s: { readonly _tag: string }) => (s as { reason?: { alert?: string; detail?: string } }).reason

describe("TLS 1.2 server negotiation", () => {
  it("the curve follows our order by default, the client's with preferClientOrder", () => {
    const ours = pair({ groups: [G.x25519, G.secp256r1] }, { groups: [G.secp256r1, G.x25519] })
    expect(ours.client._tag).toBe("Connected12")
    expect((ours.client as { hs: { group?: number } }).hs.group).toBe(G.secp256r1)
    const theirs = pair({ groups: [G.x25519, G.secp256r1] }, { groups: [G.secp256r1, G.x25519], preferClientOrder: true })
    expect((theirs.client as { hs: { group?: number } }).hs.group).toBe(G.x25519)
  })

  it("no curve in common: handshake_failure naming the suite and both curve lists", () => {
    const r = pair({ groups: [G.x25519], cipherSuites: [ecdsa] }, { groups: [G.secp384r1] })
    expect(r.server._tag).toBe("Closed")
    expect(reasonOf(r.server)).toMatchObject({ alert: "handshake_failure" })
    expect(reasonOf(r.server)?.detail).toMatch(/TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: no curve in common \(ours \[secp384r1\], theirs \[x25519\]\)/)
  })

  it("suites shared but no certificate the client's schemes allow: handshake_failure saying so, not 'no suite in common'", () => {
    const r = pair({ cipherSuites: [ecdsa], signatureSchemes: [SignatureScheme.values.rsa_pss_rsae_sha256] }, {})
    expect(reasonOf(r.server)).toMatchObject({ alert: "handshake_failure" })
    expect(reasonOf(r.server)?.detail).toMatch(/no ECDSA certificate of ours that the client's curves and schemes \[rsa_pss_rsae_sha256\] allow/)
  })

  it("no suite in common: handshake_failure naming both lists by name", () => {
    const r = pair({ cipherSuites: [CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384] }, { cipherSuites: [ecdsa] })
    expect(reasonOf(r.server)?.detail).toBe(
      "no TLS 1.2 cipher suite in common: ours [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256], theirs [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]"
    )
  })
})
