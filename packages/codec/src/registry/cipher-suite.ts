/**
 * Cipher suites: IANA code points with their IANA and OpenSSL names and what they are
 * made of. The table comes from `openssl ciphers -V -stdname 'ALL:@SECLEVEL=0'`
 * (`cipher-suites.data.ts`); code points OpenSSL does not list (SCSVs, GREASE, export and
 * other retired suites) stay numbers that pass through the codec.
 *
 * @since 0.1.0
 */
import { rows } from "./cipher-suites.data.js"
import { retired } from "./retired-suites.data.js"
import { isGrease } from "./registry.js"

/**
 * The key exchange, which fixes the layout of ServerKeyExchange and ClientKeyExchange in
 * TLS 1.2 (RFC 5246 §7.4.3, §7.4.7): `TLS13` suites say nothing of it.
 *
 * @since 0.1.0
 * @category models
 */
export type KeyExchange =
  | "TLS13"
  | "ECDHE"
  | "DHE"
  | "RSA"
  | "ECDH"
  | "DH"
  | "PSK"
  | "ECDHE_PSK"
  | "DHE_PSK"
  | "RSA_PSK"
  | "SRP"
  | "OTHER"

/** @since 0.1.0 @category models */
export interface CipherSuiteInfo {
  readonly code: number
  /** IANA name, e.g. `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`. */
  readonly name: string
  /** OpenSSL name, e.g. `ECDHE-RSA-AES128-GCM-SHA256` (TLS 1.3 suites: the IANA name). */
  readonly openssl: string
  /** The oldest protocol the suite works with, as OpenSSL prints it (`SSLv3`, `TLSv1.2`, `TLSv1.3`). */
  readonly minProtocol: string
  readonly keyExchange: KeyExchange
  /** Authentication, as OpenSSL prints it (`RSA`, `ECDSA`, `DSS`, `PSK`, `None`, `any`). */
  readonly auth: string
  /** Bulk cipher, as OpenSSL prints it (`AESGCM(128)`, `CHACHA20/POLY1305(256)`, ...). */
  readonly encryption: string
  /** `AEAD`, `SHA1`, `SHA256`, `SHA384`, ... */
  readonly mac: string
  readonly aead: boolean
}

const kx = (k: string, minProtocol: string): KeyExchange => {
  if (minProtocol === "TLSv1.3") return "TLS13"
  switch (k) {
    case "ECDH":
      return "ECDHE"
    case "DH":
      return "DHE"
    case "RSA":
      return "RSA"
    case "PSK":
      return "PSK"
    case "ECDHEPSK":
      return "ECDHE_PSK"
    case "DHEPSK":
      return "DHE_PSK"
    case "RSAPSK":
      return "RSA_PSK"
    default:
      return "SRP"
  }
}

/** The key exchange named in an IANA suite name (`TLS_<kx>_WITH_<cipher>`). */
const kxOfIanaName = (name: string): KeyExchange => {
  const m = /^TLS_(.+?)_WITH_/.exec(name)
  const k = m?.[1] ?? ""
  if (k.startsWith("ECDHE_PSK")) return "ECDHE_PSK"
  if (k.startsWith("DHE_PSK")) return "DHE_PSK"
  if (k.startsWith("RSA_PSK")) return "RSA_PSK"
  if (k.startsWith("PSK")) return "PSK"
  if (k.startsWith("SRP")) return "SRP"
  if (k.startsWith("ECDHE")) return "ECDHE"
  if (k.startsWith("ECDH")) return "ECDH"
  if (k.startsWith("DHE")) return "DHE"
  if (k.startsWith("DH")) return "DH"
  if (k.startsWith("RSA")) return "RSA"
  return "OTHER"
}

/**
 * Suites OpenSSL no longer lists (RC4, 3DES, export, NULL, static DH, ...), named and
 * classified from their IANA names so old captures still decode. None is implemented.
 *
 * @since 0.1.0
 */
export const retiredSuites: ReadonlyMap<number, { readonly code: number; readonly name: string; readonly keyExchange: KeyExchange }> =
  new Map(retired.map(([code, name]) => [code, { code, name, keyExchange: kxOfIanaName(name) }]))

/** Every suite OpenSSL knows, by code point. @since 0.1.0 */
export const cipherSuites: ReadonlyMap<number, CipherSuiteInfo> = new Map(
  rows.map(([code, name, openssl, minProtocol, k, auth, encryption, mac]) => [
    code,
    { code, name, openssl, minProtocol, keyExchange: kx(k, minProtocol), auth, encryption, mac, aead: mac === "AEAD" }
  ])
)

const byName = new Map<string, number>()
for (const s of cipherSuites.values()) {
  byName.set(s.name, s.code)
  byName.set(s.openssl, s.code)
}

/**
 * Signalling values that are not suites (RFC 5746 §3.3, RFC 7507).
 *
 * @since 0.1.0
 */
export const SignallingSuite = {
  TLS_EMPTY_RENEGOTIATION_INFO_SCSV: 0x00ff,
  TLS_FALLBACK_SCSV: 0x5600
} as const

/**
 * The suites effect-tls implements, by IANA name (the rest are names only).
 *
 * @since 0.1.0
 * @category registries
 */
export const CipherSuite = {
  TLS_AES_128_GCM_SHA256: 0x1301,
  TLS_AES_256_GCM_SHA384: 0x1302,
  TLS_CHACHA20_POLY1305_SHA256: 0x1303,
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 0xc02b,
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 0xc02c,
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 0xc02f,
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 0xc030,
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 0xcca9,
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 0xcca8,
  TLS_DHE_RSA_WITH_AES_128_GCM_SHA256: 0x009e,
  TLS_DHE_RSA_WITH_AES_256_GCM_SHA384: 0x009f,
  TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 0xccaa,
  TLS_RSA_WITH_AES_128_GCM_SHA256: 0x009c,
  TLS_RSA_WITH_AES_256_GCM_SHA384: 0x009d
} as const

/** A suite's record, if OpenSSL knows it. @since 0.1.0 */
export const suiteInfo = (code: number): CipherSuiteInfo | undefined => cipherSuites.get(code)

/** A suite's code point by IANA or OpenSSL name. @since 0.1.0 */
export const suiteByName = (name: string): number | undefined => byName.get(name)

/** The IANA name of a code point, `GREASE(0x?a?a)`, an SCSV's name, or `unknown(0x....)`. @since 0.1.0 */
export const suiteName = (code: number): string => {
  const info = cipherSuites.get(code) ?? retiredSuites.get(code)
  if (info !== undefined) return info.name
  for (const [k, v] of Object.entries(SignallingSuite)) if (v === code) return k
  const hex = `0x${code.toString(16).padStart(4, "0")}`
  return isGrease(code) ? `GREASE(${hex})` : `unknown(${hex})`
}

/** The key exchange of a suite, or `undefined` for a code point OpenSSL does not know. @since 0.1.0 */
export const keyExchangeOf = (code: number): KeyExchange | undefined =>
  (cipherSuites.get(code) ?? retiredSuites.get(code))?.keyExchange
