/**
 * Configuration: what a side offers and accepts, from ordinary documented values. Every
 * field has a secure default (DESIGN principle 6): TLS 1.3, AEAD suites, x25519 then the
 * NIST curves, the modern signature schemes.
 *
 * @since 0.1.0
 */
import { CipherSuite, NamedGroup, SignatureScheme, type UnknownExtension } from "@effect-tls/codec"
import type * as Redacted from "effect/Redacted"
import type { PrivateKey } from "../crypto/provider.js"
import type { Session } from "../tls13/session.js"

/**
 * A certificate chain (DER, leaf first) with its private key.
 *
 * @since 0.1.0
 * @category models
 */
export interface Credential {
  readonly chain: ReadonlyArray<Uint8Array>
  readonly key: PrivateKey
}

/**
 * Client-certificate policy of a server: `none` sends no CertificateRequest, `optional`
 * asks and continues without one (as LDAP servers do for SASL EXTERNAL), `required`
 * refuses a connection without one (`certificate_required` in TLS 1.3).
 *
 * @since 0.1.0
 * @category models
 */
export type ClientAuth = "none" | "optional" | "required"

/**
 * Extra code points a client advertises verbatim, beyond what it implements — for
 * reproducing a foreign ClientHello byte for byte (RFC 8448's offers secp521r1, FFDHE
 * 4096–8192, SHA-1 and DSA schemes). Never needed for interoperability.
 *
 * - `groups`, `signatureSchemes`: the whole advertised lists, in order (must include
 *   what the configuration implements);
 * - `extensions`: extra extensions with their bodies;
 * - `extensionOrder`: the order of extension types in the ClientHello.
 *
 * @since 0.1.0
 * @category models
 */
export interface Advertise {
  readonly groups?: ReadonlyArray<number> | undefined
  readonly signatureSchemes?: ReadonlyArray<number> | undefined
  readonly extensions?: ReadonlyArray<UnknownExtension> | undefined
  readonly extensionOrder?: ReadonlyArray<number> | undefined
}

/**
 * Everything a side offers and accepts.
 *
 * @since 0.1.0
 * @category models
 */
export interface TlsConfig {
  /** Versions, most preferred first. */
  readonly versions: ReadonlyArray<number>
  /** TLS 1.3 and TLS 1.2 suites, in preference order. */
  readonly cipherSuites: ReadonlyArray<number>
  /**
   * TLS 1.2 key exchanges allowed: ECDHE by default; DHE (RFC 7919 groups) and RSA key
   * transport (no forward secrecy) are opt-in. A suite of another key exchange is not offered.
   */
  readonly tls12KeyExchanges: ReadonlyArray<"ECDHE" | "DHE" | "RSA">
  /** Supported groups, in preference order. */
  readonly groups: ReadonlyArray<number>
  /** Client: the groups it sends a key share for in its first ClientHello (its guess). */
  readonly keyShareGroups: ReadonlyArray<number>
  /** Signature schemes accepted from the peer and used by us, in preference order. */
  readonly signatureSchemes: ReadonlyArray<number>
  /** ALPN protocols, in preference order (empty: no ALPN). */
  readonly alpn: ReadonlyArray<string>
  /** Client: the server name sent as SNI and checked against the certificate. */
  readonly serverName?: string | undefined
  /** Our certificates (server: candidates by signature scheme; client: for client authentication). */
  readonly certificates: ReadonlyArray<Credential>
  /**
   * Client: how to answer a CertificateRequest. `first-match` (the default) sends the first
   * certificate whose chain answers the server's CA names and whose key fits an offered
   * scheme; `selector` asks the driver (`SelectClientCertificate`), which runs the
   * `ClientCertificateSelection` service — the application's own Effect, given the CA
   * names, the schemes and the candidates.
   */
  readonly clientCertificateSelection: "first-match" | "selector"
  /**
   * TLS 1.2 renegotiation (RFC 5746). `refuse` (the default) answers a HelloRequest or a
   * ClientHello after the handshake with a `no_renegotiation` warning and goes on;
   * `accept` renegotiates — only securely, bound to the previous Finished messages — and
   * lets `Connection.renegotiate` start one (a client's ClientHello, a server's HelloRequest).
   * Its cost: a connected TLS 1.2 side draws the entropy a new hello needs with each input
   * (32 bytes for a client, 160 for a server), since any input may start one.
   */
  readonly renegotiation: "refuse" | "accept"
  /** Server: the most client-initiated renegotiations accepted per `renegotiationWindowMs`; more get a `no_renegotiation` warning. */
  readonly renegotiationLimit: number
  readonly renegotiationWindowMs: number
  /** Server: whether to ask for a client certificate. */
  readonly clientAuth: ClientAuth
  /** Server: DER distinguished names sent in certificate_authorities. */
  readonly certificateAuthorities: ReadonlyArray<Uint8Array>
  /** Server: pick suites and groups by the client's order instead of ours. */
  readonly preferClientOrder: boolean
  /** Server: send a HelloRetryRequest when the client's key share is not our preferred shared group. */
  readonly retryForPreferredGroup: boolean
  /** Server: send a cookie in every HelloRetryRequest and require it back. */
  readonly retryCookie: boolean
  /** Our record_size_limit (RFC 8449), advertised when set. */
  readonly recordSizeLimit?: number | undefined
  /** Send the middlebox-compatibility session ID and ChangeCipherSpec (RFC 8446 App. D.4). */
  readonly middleboxCompat: boolean
  /** Server: NewSessionTicket messages sent after the handshake (0: no resumption; needs `ticketKeys`). */
  readonly tickets: number
  /** Server: ticket lifetime in seconds (at most 7 days, RFC 8446 §4.6.1). */
  readonly ticketLifetime: number
  /** Server: 32-byte keys that seal tickets; the first issues, all open (rotation). */
  readonly ticketKeys: ReadonlyArray<Redacted.Redacted<Uint8Array>>
  /** Server: a ticket may be used once (the driver's session store remembers used ones). */
  readonly singleUseTickets: boolean
  /** Server: largest 0-RTT data accepted on a ticket (0: refuse 0-RTT). */
  readonly maxEarlyData: number
  /** Server: how far the client's ticket age may differ from ours for 0-RTT (RFC 8446 §8.3), in ms. */
  readonly earlyDataWindowMs: number
  /** PSK key-exchange modes: 1 = psk_dhe_ke (forward secret), 0 = psk_ke (opt-in). */
  readonly pskModes: ReadonlyArray<number>
  /** Client: a session to resume (from a `SessionTicket` action of an earlier connection), TLS 1.3 or 1.2. */
  readonly session?: Session | undefined
  /** Client: application data to send as 0-RTT early data with a resumed session. */
  readonly earlyData?: Uint8Array | undefined
  /** Handshake timeout in milliseconds (the driver enforces it). */
  readonly handshakeTimeoutMs: number
  /** Extra code points advertised verbatim (see `Advertise`). */
  readonly advertise?: Advertise | undefined
}

/** The TLS 1.3 suites, AES-128-GCM first, then the TLS 1.2 AEAD suites (ECDHE first; DHE and RSA are used only when enabled). @since 0.1.0 */
export const defaultCipherSuites: ReadonlyArray<number> = [
  CipherSuite.TLS_AES_128_GCM_SHA256,
  CipherSuite.TLS_AES_256_GCM_SHA384,
  CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
  CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
  CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
  CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
  CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
  CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
  CipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
  CipherSuite.TLS_DHE_RSA_WITH_AES_128_GCM_SHA256,
  CipherSuite.TLS_DHE_RSA_WITH_AES_256_GCM_SHA384,
  CipherSuite.TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
  CipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256,
  CipherSuite.TLS_RSA_WITH_AES_256_GCM_SHA384
]

/** x25519, the hybrid post-quantum group, the NIST curves, then FFDHE. @since 0.1.0 */
export const defaultGroups: ReadonlyArray<number> = [
  NamedGroup.values.x25519,
  NamedGroup.values.X25519MLKEM768,
  NamedGroup.values.secp256r1,
  NamedGroup.values.secp384r1,
  NamedGroup.values.ffdhe2048,
  NamedGroup.values.ffdhe3072
]

/** The schemes both providers implement, strongest-cheapest first. @since 0.1.0 */
export const defaultSignatureSchemes: ReadonlyArray<number> = [
  SignatureScheme.values.ecdsa_secp256r1_sha256,
  SignatureScheme.values.ed25519,
  SignatureScheme.values.ecdsa_secp384r1_sha384,
  SignatureScheme.values.rsa_pss_rsae_sha256,
  SignatureScheme.values.rsa_pss_rsae_sha384,
  SignatureScheme.values.rsa_pss_rsae_sha512,
  SignatureScheme.values.rsa_pss_pss_sha256,
  SignatureScheme.values.rsa_pss_pss_sha384,
  SignatureScheme.values.rsa_pss_pss_sha512,
  SignatureScheme.values.rsa_pkcs1_sha256,
  SignatureScheme.values.rsa_pkcs1_sha384,
  SignatureScheme.values.rsa_pkcs1_sha512
]

/** The defaults. @since 0.1.0 */
export const defaultConfig: TlsConfig = {
  versions: [0x0304, 0x0303],
  cipherSuites: defaultCipherSuites,
  tls12KeyExchanges: ["ECDHE"],
  groups: defaultGroups,
  keyShareGroups: [NamedGroup.values.x25519],
  signatureSchemes: defaultSignatureSchemes,
  alpn: [],
  certificates: [],
  clientCertificateSelection: "first-match",
  clientAuth: "none",
  renegotiation: "refuse",
  renegotiationLimit: 3,
  renegotiationWindowMs: 60_000,
  certificateAuthorities: [],
  preferClientOrder: false,
  retryForPreferredGroup: false,
  retryCookie: false,
  middleboxCompat: true,
  tickets: 1,
  ticketLifetime: 7200,
  ticketKeys: [],
  singleUseTickets: true,
  maxEarlyData: 0,
  earlyDataWindowMs: 10_000,
  pskModes: [1],
  handshakeTimeoutMs: 10_000
}

/** A configuration with defaults for what `options` leaves out. @since 0.1.0 @category constructors */
export const makeConfig = (options: Partial<TlsConfig> = {}): TlsConfig => {
  const out: Record<string, unknown> = { ...defaultConfig }
  for (const [k, v] of Object.entries(options)) if (v !== undefined) out[k] = v
  return out as unknown as TlsConfig
}
