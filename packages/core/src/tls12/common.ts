/**
 * What both TLS 1.2 roles share (RFC 5246): the AEAD suites effect-tls implements and what
 * they are made of, the ServerKeyExchange signature input, epochs from the key block, the
 * FFDHE groups by prime (RFC 7919), and how a TLS 1.2 key fits a signature scheme.
 *
 * @since 0.1.0
 */
import { CipherSuite, encode, EcdheParams, DheParams, SignatureScheme } from "@effect-tls/codec"
import * as Result from "effect/Result"
import type { AeadAlgorithm, CryptoProvider, KeyExchangeGroup } from "../crypto/provider.js"
import { ffdheGroups } from "../crypto/ffdhe.js"
import { epoch, write, type Conn, type Epoch, type Out } from "../machine/conn.js"
import { Tls12Schedule } from "../schedule/index.js"
import type { ScheduleHash } from "../schedule/secret.js"
import type { Tls12MasterSecret } from "../schedule/tls12.js"

/** A TLS 1.2 AEAD suite. @since 0.1.0 @category models */
export interface Suite12 {
  readonly code: number
  readonly kx: "ECDHE" | "DHE" | "RSA"
  readonly auth: "ECDSA" | "RSA"
  readonly aead: AeadAlgorithm
  readonly hash: ScheduleHash
}

const S = CipherSuite
const table: ReadonlyArray<Suite12> = [
  { code: S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, kx: "ECDHE", auth: "ECDSA", aead: "aes-128-gcm", hash: "sha256" },
  { code: S.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, kx: "ECDHE", auth: "ECDSA", aead: "aes-256-gcm", hash: "sha384" },
  { code: S.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, kx: "ECDHE", auth: "ECDSA", aead: "chacha20-poly1305", hash: "sha256" },
  { code: S.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, kx: "ECDHE", auth: "RSA", aead: "aes-128-gcm", hash: "sha256" },
  { code: S.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, kx: "ECDHE", auth: "RSA", aead: "aes-256-gcm", hash: "sha384" },
  { code: S.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, kx: "ECDHE", auth: "RSA", aead: "chacha20-poly1305", hash: "sha256" },
  { code: S.TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, kx: "DHE", auth: "RSA", aead: "aes-128-gcm", hash: "sha256" },
  { code: S.TLS_DHE_RSA_WITH_AES_256_GCM_SHA384, kx: "DHE", auth: "RSA", aead: "aes-256-gcm", hash: "sha384" },
  { code: S.TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256, kx: "DHE", auth: "RSA", aead: "chacha20-poly1305", hash: "sha256" },
  { code: S.TLS_RSA_WITH_AES_128_GCM_SHA256, kx: "RSA", auth: "RSA", aead: "aes-128-gcm", hash: "sha256" },
  { code: S.TLS_RSA_WITH_AES_256_GCM_SHA384, kx: "RSA", auth: "RSA", aead: "aes-256-gcm", hash: "sha384" }
]
const byCode = new Map(table.map((s) => [s.code, s]))

/** The TLS 1.2 suite of a code point, if we implement it. @since 0.1.0 */
export const suite12 = (code: number): Suite12 | undefined => byCode.get(code)

/** The TLS 1.2 ECDHE curves we implement (RFC 8422 §5.1.1). @since 0.1.0 */
export const ecdheGroups: ReadonlyArray<number> = [0x001d, 0x0017, 0x0018]

/**
 * The RFC 7919 group whose prime and generator these are, if any. RFC 7919 §3: a client
 * "SHOULD" prefer known groups; unknown primes we cannot check are refused.
 *
 * @since 0.1.0
 */
export const ffdheGroupOf = (p: Uint8Array, g: Uint8Array): KeyExchangeGroup | undefined => {
  if (g.length !== 1 || g[0] !== 2) return undefined
  for (const params of Object.values(ffdheGroups)) {
    if (params.p.length === p.length && params.p.every((b, i) => b === p[i])) return params.name
  }
  return undefined
}

/** The code point of an FFDHE group name. @since 0.1.0 */
export const ffdheCode = (name: KeyExchangeGroup): number => ({ ffdhe2048: 0x100, ffdhe3072: 0x101, ffdhe4096: 0x102 } as Record<string, number>)[name]!

/**
 * Whether a key can make a scheme's signature in TLS 1.2 (RFC 5246 §7.4.1.4.1 with RFC
 * 8446's code points): ECDSA schemes name a hash only, RSA may use PKCS#1 v1.5 or PSS.
 *
 * @since 0.1.0
 */
export const keyFitsScheme12 = (key: { readonly type: string }, code: number): boolean => {
  const V = SignatureScheme.values
  switch (code) {
    case V.ecdsa_secp256r1_sha256:
    case V.ecdsa_secp384r1_sha384:
      return key.type === "ec"
    case V.ed25519:
      return key.type === "ed25519"
    case V.rsa_pss_rsae_sha256:
    case V.rsa_pss_rsae_sha384:
    case V.rsa_pss_rsae_sha512:
    case V.rsa_pkcs1_sha256:
    case V.rsa_pkcs1_sha384:
    case V.rsa_pkcs1_sha512:
      return key.type === "rsa"
    case V.rsa_pss_pss_sha256:
    case V.rsa_pss_pss_sha384:
    case V.rsa_pss_pss_sha512:
      return key.type === "rsa-pss"
    default:
      return false
  }
}

/** The auth of a key as a suite names it. @since 0.1.0 */
export const authOf = (key: { readonly type: string }): "ECDSA" | "RSA" | undefined =>
  key.type === "ec" ? "ECDSA" : key.type === "rsa" || key.type === "rsa-pss" ? "RSA" : undefined

/**
 * What a ServerKeyExchange signs: `client_random + server_random + params` (RFC 5246
 * §7.4.3, RFC 8422 §5.4), with the params as they are on the wire.
 *
 * @since 0.1.0
 */
export const signedParams = (
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  params: { readonly kind: "ECDHE"; readonly value: typeof EcdheParams.schema.Type } | { readonly kind: "DHE"; readonly value: typeof DheParams.schema.Type }
): Uint8Array => {
  const bytes = Result.getOrThrow(params.kind === "ECDHE" ? encode(EcdheParams, params.value) : encode(DheParams, params.value))
  const out = new Uint8Array(64 + bytes.length)
  out.set(clientRandom)
  out.set(serverRandom, 32)
  out.set(bytes, 64)
  return out
}

/** The two epochs of a key block. @since 0.1.0 */
export const epochs = (
  crypto: CryptoProvider,
  master: Tls12MasterSecret,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  suite: Suite12
): { readonly client: Epoch; readonly server: Epoch } => {
  const kb = Tls12Schedule.keyBlock(crypto, master, clientRandom, serverRandom, suite.aead)
  return {
    client: epoch(0x0303, suite.aead, kb.clientWriteKey, kb.clientWriteIv),
    server: epoch(0x0303, suite.aead, kb.serverWriteKey, kb.serverWriteIv)
  }
}

/** `ChangeCipherSpec` as a plaintext record (RFC 5246 §7.1). @since 0.1.0 */
export const CCS_RECORD = new Uint8Array([20, 3, 3, 0, 1, 1])

/**
 * Our ChangeCipherSpec: in the clear in a first handshake, under the current keys in a
 * renegotiation (RFC 5246 §7.1: it is a record of the current connection state).
 *
 * @since 0.1.0
 */
export const sendCcs12 = (crypto: CryptoProvider, out: Out, conn: Conn): Conn => {
  if (conn.write === undefined) {
    out.send(CCS_RECORD)
    return conn
  }
  return write(crypto, out, conn, 20, CCS_BODY)
}
const CCS_BODY = new Uint8Array([1])

/** RFC 5246 §8.1.2: "Leading bytes of Z that contain all zero bits are stripped before it is used as the pre_master_secret." @since 0.1.0 */
export const stripLeadingZeros = (z: Uint8Array): Uint8Array => {
  let i = 0
  while (i < z.length - 1 && z[i] === 0) i++
  return z.subarray(i)
}

/**
 * The renegotiation_info body (RFC 5746 §3.4–3.5) a side sends (or expects from its peer):
 * empty in an initial handshake; in a renegotiation the previous client Finished, followed
 * by the previous server Finished in the server's.
 *
 * @since 0.1.0
 */
export const renegotiationInfo = (conn: Conn, from: "client" | "server"): Uint8Array => {
  const previous = conn.renegotiation
  if (previous === undefined) return new Uint8Array(0)
  if (from === "client") return previous.clientVerifyData
  const both = new Uint8Array(previous.clientVerifyData.length + previous.serverVerifyData.length)
  both.set(previous.clientVerifyData)
  both.set(previous.serverVerifyData, previous.clientVerifyData.length)
  return both
}
