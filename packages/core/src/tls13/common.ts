/**
 * What both TLS 1.3 roles share: suite and group tables, signature-scheme choice, the
 * CertificateVerify input (RFC 8446 §4.4.3), traffic-key installation, message encoding,
 * and the negotiated parameters.
 *
 * @since 0.1.0
 */
import { CipherSuite, encodeHandshake, SignatureScheme, type HandshakeMessage } from "@effect-tls/codec"
import { groupName, schemeName } from "../crypto/names.js"
import * as Result from "effect/Result"
import type { AeadAlgorithm, CryptoProvider, KeyShare, PrivateKey } from "../crypto/provider.js"
import { type Conn, epoch, setRead, setWrite, write, type Out } from "../machine/conn.js"
import { localFailure, misbehaved } from "../machine/errors.js"
import { abort } from "../machine/conn.js"
import { coalesce } from "../record/limits.js"
import { Tls13Schedule } from "../schedule/index.js"
import type { TrafficSecret } from "../schedule/tls13-secrets.js"
import { redact, reveal, type ScheduleHash, type Secret } from "../schedule/secret.js"
import * as Transcript from "../schedule/transcript.js"

/** A TLS 1.3 suite: its AEAD and hash (RFC 8446 §B.4). @since 0.1.0 @category models */
export interface Suite13 {
  readonly code: number
  readonly aead: AeadAlgorithm
  readonly hash: ScheduleHash
}

const suites13: ReadonlyMap<number, Suite13> = new Map([
  [CipherSuite.TLS_AES_128_GCM_SHA256, { code: CipherSuite.TLS_AES_128_GCM_SHA256, aead: "aes-128-gcm", hash: "sha256" }],
  [CipherSuite.TLS_AES_256_GCM_SHA384, { code: CipherSuite.TLS_AES_256_GCM_SHA384, aead: "aes-256-gcm", hash: "sha384" }],
  [CipherSuite.TLS_CHACHA20_POLY1305_SHA256, { code: CipherSuite.TLS_CHACHA20_POLY1305_SHA256, aead: "chacha20-poly1305", hash: "sha256" }]
])

/** The TLS 1.3 suite of a code point, if it is one we implement. @since 0.1.0 */
export const suite13 = (code: number): Suite13 | undefined => suites13.get(code)

export { groupName, schemeName } from "../crypto/names.js"

/**
 * Whether a key can sign with a scheme in TLS 1.3 (RFC 8446 §4.2.3: ECDSA binds the curve,
 * RSA uses PSS only, rsae needs an rsaEncryption key and pss an RSASSA-PSS key).
 *
 * @since 0.1.0
 */
export const keyFitsScheme13 = (key: { readonly type: string; readonly curve?: string | undefined }, code: number): boolean => {
  switch (code) {
    case SignatureScheme.values.ecdsa_secp256r1_sha256:
      return key.type === "ec" && key.curve === "secp256r1"
    case SignatureScheme.values.ecdsa_secp384r1_sha384:
      return key.type === "ec" && key.curve === "secp384r1"
    case SignatureScheme.values.ed25519:
      return key.type === "ed25519"
    case SignatureScheme.values.rsa_pss_rsae_sha256:
    case SignatureScheme.values.rsa_pss_rsae_sha384:
    case SignatureScheme.values.rsa_pss_rsae_sha512:
      return key.type === "rsa"
    case SignatureScheme.values.rsa_pss_pss_sha256:
    case SignatureScheme.values.rsa_pss_pss_sha384:
    case SignatureScheme.values.rsa_pss_pss_sha512:
      return key.type === "rsa-pss"
    default:
      return false
  }
}

/**
 * The scheme we sign with: the first of our preferences that the peer offered and our key
 * can make. Never a scheme the peer did not offer.
 *
 * @since 0.1.0
 */
export const chooseScheme = (ours: ReadonlyArray<number>, offered: ReadonlyArray<number>, key: PrivateKey): number | undefined =>
  ours.find((s) => offered.includes(s) && keyFitsScheme13(key, s) && schemeName(s) !== undefined)

const spaces = new Uint8Array(64).fill(0x20)
const encoder = new TextEncoder()

/**
 * The content a CertificateVerify signs: 64 spaces, the context string, a zero byte and
 * the transcript hash (RFC 8446 §4.4.3).
 *
 * @since 0.1.0
 */
export const certificateVerifyInput = (side: "server" | "client", transcriptHash: Uint8Array): Uint8Array => {
  const context = encoder.encode(`TLS 1.3, ${side} CertificateVerify`)
  const out = new Uint8Array(64 + context.length + 1 + transcriptHash.length)
  out.set(spaces)
  out.set(context, 64)
  out.set(transcriptHash, 64 + context.length + 1)
  return out
}

/** Encodes a message we build; a failure here is our bug (`internal_error`). @since 0.1.0 */
export const encodeMessage = (msg: HandshakeMessage): Uint8Array => {
  const r = encodeHandshake(msg)
  return Result.isSuccess(r) ? r.success : abort(localFailure(`cannot encode ${msg._tag}: ${r.failure.detail} at ${r.failure.at}`))
}

/** Sends handshake messages in as few records as the fragment limit allows. @since 0.1.0 */
export const sendHandshake = (crypto: CryptoProvider, out: Out, conn: Conn, messages: ReadonlyArray<Uint8Array>): Conn =>
  messages.length === 0 ? conn : write(crypto, out, conn, 22, coalesce(messages))

/** A key share held in a state: the private part redacted. @since 0.1.0 @category models */
export interface HeldShare {
  readonly group: number
  readonly publicKey: Uint8Array
  readonly privateKey: Secret
}

/** Wraps a provider key share. @since 0.1.0 */
export const holdShare = (group: number, share: KeyShare): HeldShare => ({
  group,
  publicKey: share.publicKey,
  privateKey: redact(share.privateKey, `${share.group}_private_key`)
})

/** The provider's view of a held share. @since 0.1.0 */
export const providerShare = (share: HeldShare): KeyShare => ({
  group: groupName(share.group)!,
  publicKey: share.publicKey,
  privateKey: reveal(share.privateKey)
})

/** Installs read or write keys from a traffic secret. @since 0.1.0 */
export const installRead = (crypto: CryptoProvider, conn: Conn, suite: Suite13, secret: TrafficSecret): Conn => {
  const k = Tls13Schedule.trafficKeys(crypto, secret, suite.aead)
  return setRead(conn, epoch(0x0304, suite.aead, k.key, k.iv))
}

/** @since 0.1.0 */
export const installWrite = (crypto: CryptoProvider, conn: Conn, suite: Suite13, secret: TrafficSecret): Conn => {
  const k = Tls13Schedule.trafficKeys(crypto, secret, suite.aead)
  return setWrite(conn, epoch(0x0304, suite.aead, k.key, k.iv))
}

/** Appends a message to a hashed transcript. @since 0.1.0 */
export const appendHashed = (crypto: CryptoProvider, t: Transcript.HashedTranscript, message: Uint8Array): Transcript.HashedTranscript =>
  Transcript.append(crypto, t, message)

/** RFC 8446 §4.1.3: the random of a 1.3-capable server negotiating 1.2 or below ends with a sentinel. @since 0.1.0 */
export const failIfDowngrade = (random: Uint8Array, sentinels: ReadonlyArray<Uint8Array>): void => {
  const tail = random.subarray(24)
  for (const s of sentinels) {
    if (tail.every((b, i) => b === s[i])) abort(misbehaved("illegal_parameter", "ServerHello random carries the downgrade sentinel"))
  }
}

/** A list of code points by name, for a failure's detail: `[x25519, secp256r1]`. @since 0.1.0 */
export const names = (codes: ReadonlyArray<number>, nameOf: (code: number) => string): string => `[${codes.map(nameOf).join(", ")}]`

/** Unique values in order. @since 0.1.0 */
export const uniq = <A>(xs: ReadonlyArray<A>): ReadonlyArray<A> => [...new Set(xs)]
