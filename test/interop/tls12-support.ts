/**
 * Shared pieces of the TLS 1.2 interop tests (`test/interop/tls12-*.test.ts`): the five
 * TLS 1.2 suites the matrix covers with each peer's name for them, the suite × group grid
 * for each direction, and the config that forces TLS 1.2 with DHE and RSA key transport
 * enabled; the Effect glue is `./live.ts`, here over a PKI from `makePki`.
 */
import type { TlsConfig } from "@effect-tls/core"
import type { Issued, Pki } from "@effect-tls/test-support/pki"
import { runs } from "@effect-tls/test-support/tier"
import { type GroupInfo, groups, MiB } from "@effect-tls/test-support/tls"
import { credentialOf, harness as liveHarness } from "./live.js"

/** TLS 1.2's version number. */
export const TLS12 = 0x0303
/** The size of the SHA-256-checked transfer each way: 4 MiB, 64 MiB in the full tier. */
export const TRANSFER = runs({ ci: 4, full: 64 }) * MiB
/** The bound on a transfer's waits and on the whole transfer test. */
export const TRANSFER_WAIT = runs({ ci: 100_000, full: 1_500_000 })
export const TRANSFER_SECONDS = runs({ ci: 120, full: 1_700 })

// ---------------------------------------------------------------------------------------
// Suites and the grid
// ---------------------------------------------------------------------------------------

/** A TLS 1.2 suite with its code point and each peer's name for it. */
export interface Suite12 {
  readonly code: number
  /** OpenSSL / node:tls name. */
  readonly name: string
  readonly iana: string
  readonly kx: "ECDHE" | "DHE" | "RSA"
  /** The certificate it needs. */
  readonly auth: "ECDSA" | "RSA"
  /** GnuTLS key exchange (priority `+KX`, and the kx of `- Key Exchange:`). */
  readonly gnutlsKx: "ECDHE-ECDSA" | "ECDHE-RSA" | "DHE-RSA" | "RSA"
  /** GnuTLS cipher (priority `+CIPHER`, and the last part of `- Description:`). */
  readonly gnutlsCipher: string
}

export const suites12 = {
  ecdheEcdsaAes128: {
    code: 0xc02b, name: "ECDHE-ECDSA-AES128-GCM-SHA256", iana: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", kx: "ECDHE", auth: "ECDSA",
    gnutlsKx: "ECDHE-ECDSA", gnutlsCipher: "AES-128-GCM"
  },
  ecdheRsaAes256: {
    code: 0xc030, name: "ECDHE-RSA-AES256-GCM-SHA384", iana: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", kx: "ECDHE", auth: "RSA",
    gnutlsKx: "ECDHE-RSA", gnutlsCipher: "AES-256-GCM"
  },
  ecdheRsaChacha: {
    code: 0xcca8, name: "ECDHE-RSA-CHACHA20-POLY1305", iana: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", kx: "ECDHE", auth: "RSA",
    gnutlsKx: "ECDHE-RSA", gnutlsCipher: "CHACHA20-POLY1305"
  },
  dheRsaAes128: {
    code: 0x009e, name: "DHE-RSA-AES128-GCM-SHA256", iana: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", kx: "DHE", auth: "RSA",
    gnutlsKx: "DHE-RSA", gnutlsCipher: "AES-128-GCM"
  },
  rsaAes128: {
    code: 0x009c, name: "AES128-GCM-SHA256", iana: "TLS_RSA_WITH_AES_128_GCM_SHA256", kx: "RSA", auth: "RSA",
    gnutlsKx: "RSA", gnutlsCipher: "AES-128-GCM"
  }
} as const satisfies Record<string, Suite12>

/** One case of the grid: a suite and, for (EC)DHE, the group. */
export interface Case12 {
  readonly suite: Suite12
  readonly group: GroupInfo | undefined
  /** `suite × group` for the test's title. */
  readonly title: string
}

const kase = (suite: Suite12, group: GroupInfo | undefined): Case12 => ({ suite, group, title: `${suite.name} × ${group?.name ?? "RSA key transport"}` })

/** Our client → the peer's server: every suite once, each ECDHE group once. */
export const clientGrid: ReadonlyArray<Case12> = [
  kase(suites12.ecdheEcdsaAes128, groups.x25519),
  kase(suites12.ecdheRsaAes256, groups.secp256r1),
  kase(suites12.ecdheRsaChacha, groups.secp384r1),
  kase(suites12.dheRsaAes128, groups.ffdhe2048),
  kase(suites12.rsaAes128, undefined)
]

/** The peer's client → our server: every suite once, the ECDHE groups rotated. */
export const serverGrid: ReadonlyArray<Case12> = [
  kase(suites12.ecdheEcdsaAes128, groups.secp384r1),
  kase(suites12.ecdheRsaAes256, groups.x25519),
  kase(suites12.ecdheRsaChacha, groups.secp256r1),
  kase(suites12.dheRsaAes128, groups.ffdhe2048),
  kase(suites12.rsaAes128, undefined)
]

/** Every suite of the matrix, by code. */
export const allSuites: ReadonlyArray<Suite12> = Object.values(suites12)

/** TLS 1.2 only, every suite of the matrix, DHE and RSA key transport enabled. */
export const tls12Config: Partial<TlsConfig> = {
  versions: [TLS12],
  cipherSuites: allSuites.map((s) => s.code),
  tls12KeyExchanges: ["ECDHE", "DHE", "RSA"]
}

/**
 * The groups both sides list for a case: the case's group, and for ECDHE-ECDSA also
 * secp256r1 after it. In TLS 1.2 supported_groups also bounds the curve of an ECDSA
 * certificate (RFC 8422 §5.1): OpenSSL refuses a P-256 certificate when the other side
 * does not list secp256r1 (a server answers handshake_failure, a client illegal_parameter).
 */
export const caseGroups = (c: Case12): ReadonlyArray<GroupInfo> =>
  c.group === undefined ? [] : c.suite.auth === "ECDSA" && c.group.code !== groups.secp256r1.code ? [c.group, groups.secp256r1] : [c.group]

/** Our side restricted to one case: TLS 1.2, the suite, the case's groups (first preferred). */
export const caseConfig = (c: Case12): Partial<TlsConfig> => ({
  ...tls12Config,
  cipherSuites: [c.suite.code],
  ...(c.group !== undefined ? { groups: caseGroups(c).map((g) => g.code) } : {})
})

/** Bytes as hex, for comparing a Buffer with a Uint8Array. */
export const hex = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : Buffer.from(b).toString("hex"))

/** What `conn.params` must say for a case. */
export const expectedParams = (c: Case12) => ({
  version: TLS12,
  cipherSuite: c.suite.code,
  ...(c.group !== undefined ? { group: c.group.code } : {}),
  resumed: false
})

/** The named group OpenSSL's `-trace` shows in a ServerKeyExchange (TLS 1.2 ECDHE). */
export const traceNamedCurve = (trace: string): number | undefined => {
  const m = /ServerKeyExchange, Length=\d+\s*\n\s*KeyExchangeAlgorithm=ECDHE\s*\n\s*named_curve: .*\((\d+)\)\s*$/m.exec(trace)
  return m === null ? undefined : Number(m[1])
}

// ---------------------------------------------------------------------------------------
// Effect glue
// ---------------------------------------------------------------------------------------

export { type Conn, owned, printed, received, type Served, type Services, type Side, text, traces, wait, WAIT } from "./live.js"

/** The glue of one TLS 1.2 test file, over the PKI `pki()` returns (made in `beforeAll`): our server holds the ECDSA and the RSA certificate. */
export const harness = (pki: () => Pki) => {
  const credential = (cert: Issued) => credentialOf(cert.certDer, cert.keyPem)
  return { credential, ...liveHarness({ anchors: () => [pki().ca.certPem], certificates: () => [credential(pki().ecdsa), credential(pki().rsa)], base: tls12Config }) }
}
