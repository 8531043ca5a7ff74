/**
 * The TLS 1.2 key schedule: the PRF (RFC 5246 §5) with SHA-256 and SHA-384, the master
 * secret (§8.1) and the extended master secret (RFC 7627 §4), the key block of the AEAD
 * suites (§6.3, RFC 5288 §3, RFC 7905 §2), Finished verify_data (§7.4.9) and the keying
 * material exporter (RFC 5705 §4).
 *
 * The master secret is a labelled `Redacted` value inside a `Tls12MasterSecret`; the
 * key block's keys and IVs are redacted too. Everything here is a pure function of its
 * inputs and the synchronous provider.
 *
 * @since 0.1.0
 */
import type { AeadAlgorithm, CryptoProvider } from "../crypto/provider.js"
import {
  checkHashLength,
  checkVerifyData,
  concat,
  type FinishedVerified,
  labelBytes,
  redact,
  reveal,
  type ScheduleHash,
  type Secret,
  type SecretInput
} from "./secret.js"

/**
 * `PRF(secret, label, seed) = P_<hash>(secret, label + seed)` (RFC 5246 §5), where
 * `P_hash` chains `A(i) = HMAC_hash(secret, A(i-1))` and outputs
 * `HMAC_hash(secret, A(i) + seed)` until `length` bytes are produced.
 *
 * **Gotchas**: returns bare bytes; the typed functions below keep their output redacted.
 *
 * @since 0.1.0
 */
export const prf = (
  crypto: CryptoProvider,
  hash: ScheduleHash,
  secret: SecretInput,
  label: string,
  seed: Uint8Array,
  length: number
): Uint8Array => {
  const key = reveal(secret)
  const labelledSeed = concat(labelBytes(label), seed)
  const out = new Uint8Array(length)
  let a = labelledSeed
  let at = 0
  while (at < length) {
    a = crypto.hmac(hash, key, a) // A(i) = HMAC_hash(secret, A(i-1))
    const block = crypto.hmac(hash, key, concat(a, labelledSeed))
    out.set(block.subarray(0, Math.min(block.length, length - at)), at)
    at += block.length
  }
  return out
}

/**
 * The TLS 1.2 master secret (48 bytes), labelled `<redacted:master_secret>`, with the
 * PRF hash of the suite and whether it is the extended one (RFC 7627).
 *
 * @since 0.1.0
 * @category models
 */
export interface Tls12MasterSecret {
  readonly _tag: "Tls12MasterSecret"
  readonly hash: ScheduleHash
  readonly extended: boolean
  readonly secret: Secret
}

const masterSecretLength = 48

/**
 * `master_secret = PRF(pre_master_secret, "master secret", ClientHello.random +
 * ServerHello.random)[0..47]` (RFC 5246 §8.1).
 *
 * **Gotchas**: without extended master secret a session is open to the triple
 * handshake attack (RFC 7627 §1); use only when the peer did not negotiate EMS and
 * policy allows it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const masterSecret = (
  crypto: CryptoProvider,
  hash: ScheduleHash,
  premaster: SecretInput,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array
): Tls12MasterSecret => ({
  _tag: "Tls12MasterSecret",
  hash,
  extended: false,
  secret: redact(
    prf(crypto, hash, premaster, "master secret", concat(clientRandom, serverRandom), masterSecretLength),
    "master_secret"
  )
})

/**
 * `master_secret = PRF(pre_master_secret, "extended master secret",
 * session_hash)[0..47]` (RFC 7627 §4), where session_hash is the hash of the handshake
 * messages from ClientHello up to and including ClientKeyExchange (§3).
 *
 * @since 0.1.0
 * @category constructors
 */
export const extendedMasterSecret = (
  crypto: CryptoProvider,
  hash: ScheduleHash,
  premaster: SecretInput,
  sessionHash: Uint8Array
): Tls12MasterSecret => {
  checkHashLength(hash, sessionHash, "extended master secret")
  return {
    _tag: "Tls12MasterSecret",
    hash,
    extended: true,
    secret: redact(
      prf(crypto, hash, premaster, "extended master secret", sessionHash, masterSecretLength),
      "master_secret"
    )
  }
}

/**
 * The master secret of a session being resumed (RFC 5246 §7.3, abbreviated handshake;
 * RFC 5077 tickets), restored from the session cache or a ticket, with the PRF hash and
 * EMS flag recorded alongside it.
 *
 * **Gotchas**: RFC 7627 §5.3 forbids an abbreviated handshake when the session's use
 * of extended master secret differs from the new hello's; check `extended` first.
 *
 * @since 0.1.0
 * @category constructors
 */
export const resumedMasterSecret = (
  hash: ScheduleHash,
  secret: SecretInput,
  extended: boolean
): Tls12MasterSecret => {
  const bytes = reveal(secret)
  if (bytes.length !== masterSecretLength) throw new RangeError(`TLS 1.2 master secret of ${bytes.length} bytes`)
  return { _tag: "Tls12MasterSecret", hash, extended, secret: redact(bytes.slice(), "master_secret") }
}

/**
 * The write keys and fixed IVs of one TLS 1.2 AEAD connection (RFC 5246 §6.3). The MAC
 * keys of AEAD suites are empty and omitted.
 *
 * @since 0.1.0
 * @category models
 */
export interface Tls12KeyBlock {
  readonly _tag: "Tls12KeyBlock"
  readonly aead: AeadAlgorithm
  readonly clientWriteKey: Secret
  readonly serverWriteKey: Secret
  /** The implicit nonce part: 4-byte salt for GCM (RFC 5288 §3), 12-byte IV for ChaCha20 (RFC 7905 §2). */
  readonly clientWriteIv: Secret
  readonly serverWriteIv: Secret
}

/**
 * `fixed_iv_length` of a TLS 1.2 AEAD suite: 4 for AES-GCM (RFC 5288 §3), 12 for
 * ChaCha20-Poly1305 (RFC 7905 §2).
 *
 * @since 0.1.0
 */
export const fixedIvLength = (aead: AeadAlgorithm): number => (aead === "chacha20-poly1305" ? 12 : 4)

const keyLength = (aead: AeadAlgorithm): number => (aead === "aes-128-gcm" ? 16 : 32)

/**
 * `key_block = PRF(master_secret, "key expansion", server_random + client_random)`,
 * partitioned into client_write_key, server_write_key, client_write_IV,
 * server_write_IV (RFC 5246 §6.3; the MAC keys have length 0 for AEAD suites).
 *
 * **Gotchas**: the seed puts the server random first, unlike the master secret's.
 *
 * @since 0.1.0
 * @category constructors
 */
export const keyBlock = (
  crypto: CryptoProvider,
  master: Tls12MasterSecret,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  aead: AeadAlgorithm
): Tls12KeyBlock => {
  const k = keyLength(aead)
  const iv = fixedIvLength(aead)
  const seed = concat(serverRandom, clientRandom)
  const block = prf(crypto, master.hash, master.secret, "key expansion", seed, 2 * k + 2 * iv)
  return {
    _tag: "Tls12KeyBlock",
    aead,
    clientWriteKey: redact(block.slice(0, k), "client_write_key"),
    serverWriteKey: redact(block.slice(k, 2 * k), "server_write_key"),
    clientWriteIv: redact(block.slice(2 * k, 2 * k + iv), "client_write_iv"),
    serverWriteIv: redact(block.slice(2 * k + iv, 2 * k + 2 * iv), "server_write_iv")
  }
}

/**
 * `verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))[0..11]`,
 * finished_label "client finished" or "server finished" (RFC 5246 §7.4.9). Public: it
 * is sent in the Finished message.
 *
 * **Gotchas**: handshake_messages are all handshake messages before this Finished, so
 * the server's covers the client's Finished (and a NewSessionTicket sent before it).
 *
 * @since 0.1.0
 */
export const finishedVerifyData = (
  crypto: CryptoProvider,
  master: Tls12MasterSecret,
  sender: "client" | "server",
  handshakeHash: Uint8Array
): Uint8Array => {
  checkHashLength(master.hash, handshakeHash, "TLS 1.2 Finished")
  return prf(crypto, master.hash, master.secret, `${sender} finished`, handshakeHash, 12)
}

/**
 * Checks a received Finished in constant time and returns the proof the next state
 * requires, or `undefined`: "Recipients of Finished messages MUST verify that the
 * contents are correct." (RFC 5246 §7.4.9; the alert is decrypt_error, §7.2.2).
 *
 * @since 0.1.0
 */
export const verifyFinished = (
  crypto: CryptoProvider,
  master: Tls12MasterSecret,
  sender: "client" | "server",
  handshakeHash: Uint8Array,
  received: Uint8Array
): FinishedVerified | undefined =>
  checkVerifyData(
    crypto,
    sender === "client" ? "tls12_client_finished" : "tls12_server_finished",
    finishedVerifyData(crypto, master, sender, handshakeHash),
    received
  )

/**
 * The TLS 1.2 keying material exporter (RFC 5705 §4): `PRF(master_secret, label,
 * client_random + server_random)` without a context, and `PRF(master_secret, label,
 * client_random + server_random + context_value_length + context_value)` with one.
 *
 * **Gotchas**: unlike TLS 1.3, no context and an empty context give different output.
 * Throws `RangeError` for a context over 65535 bytes. Labels SHOULD begin with
 * "EXPORTER" so they cannot collide with the PRF's own labels (RFC 5705 §4).
 *
 * @since 0.1.0
 */
export const exportKeyingMaterial = (
  crypto: CryptoProvider,
  master: Tls12MasterSecret,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  label: string,
  context: Uint8Array | undefined,
  length: number
): Secret => {
  let seed = concat(clientRandom, serverRandom)
  if (context !== undefined) {
    if (context.length > 0xffff) throw new RangeError(`RFC 5705 exporter: context of ${context.length} bytes`)
    seed = concat(seed, Uint8Array.of(context.length >> 8, context.length & 0xff), context)
  }
  return redact(prf(crypto, master.hash, master.secret, label, seed, length), `exported:${label}`)
}
