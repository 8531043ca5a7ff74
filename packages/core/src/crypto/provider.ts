/**
 * The synchronous crypto provider the reducers receive as an argument (DESIGN principle 4).
 *
 * Two implementations exist: `NobleCrypto` (portable, `@noble/*` plus one maintained
 * RSA/finite-field-DH library) in this package and `NodeCrypto` (`node:crypto`) in
 * `@effect-tls/node`. Both pass one conformance suite and a differential test keeps
 * them equal.
 *
 * Entropy is never drawn inside the provider: every operation that needs randomness
 * takes it as an input (`entropy` / `seed` parameters). An implementation that cannot
 * honour supplied randomness (node:crypto picks its own ECDSA nonce, PSS salt, PKCS#1
 * padding and ML-KEM encapsulation seed) lists the operation in `drawsOwnRandomness`;
 * the core always performs such operations as work it asks the driver for (an action
 * answered by an event), so a live run can still be recorded and replayed byte for byte.
 *
 * **Gotchas**: every method is synchronous and may throw only on programmer error (an
 * unknown algorithm name); expected failures (bad tag, bad point, bad signature) are
 * returned as `undefined` / `false`.
 *
 * @since 0.1.0
 */

/** Hash functions the handshakes use. `sha1` only for verifying TLS 1.2 peers' signatures. */
export type HashAlgorithm = "sha1" | "sha256" | "sha384" | "sha512"

/** AEAD ciphers of the TLS 1.3 suites and the TLS 1.2 AEAD suites. */
export type AeadAlgorithm = "aes-128-gcm" | "aes-256-gcm" | "chacha20-poly1305"

/** Key-exchange groups (RFC 8446 §4.2.7, RFC 7919, draft-ietf-tls-ecdhe-mlkem). */
export type KeyExchangeGroup =
  | "x25519"
  | "secp256r1"
  | "secp384r1"
  | "ffdhe2048"
  | "ffdhe3072"
  | "ffdhe4096"
  | "x25519mlkem768"

/**
 * Signature schemes by their RFC 8446 §4.2.3 names. The `rsa_pkcs1_sha1` / `ecdsa_sha1`
 * schemes exist for verification of TLS 1.2 peers only.
 */
export type SignatureAlgorithm =
  | "ecdsa_secp256r1_sha256"
  | "ecdsa_secp384r1_sha384"
  | "ed25519"
  | "rsa_pss_rsae_sha256"
  | "rsa_pss_rsae_sha384"
  | "rsa_pss_rsae_sha512"
  | "rsa_pss_pss_sha256"
  | "rsa_pss_pss_sha384"
  | "rsa_pss_pss_sha512"
  | "rsa_pkcs1_sha256"
  | "rsa_pkcs1_sha384"
  | "rsa_pkcs1_sha512"
  | "rsa_pkcs1_sha1"
  | "ecdsa_sha1"

/** A running hash over the transcript; `digest` does not end it, `clone` forks it. */
export interface IncrementalHash {
  update(data: Uint8Array): void
  /** The hash of everything so far; the hash can still be updated afterwards. */
  digest(): Uint8Array
  clone(): IncrementalHash
}

/** An AEAD key prepared once and used for every record under it. */
export interface AeadKey {
  readonly algorithm: AeadAlgorithm
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array
  /** `undefined` when the tag does not verify (the caller sends `bad_record_mac`). */
  open(nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array | undefined
}

/** A key pair for one key exchange; `privateKey` is opaque to everyone but its provider. */
export interface KeyShare {
  readonly group: KeyExchangeGroup
  /** The bytes sent on the wire (KeyShareEntry.key_exchange, ECPoint, dh_Y). */
  readonly publicKey: Uint8Array
  /** Encoded private material, portable between providers (scalar / seed bytes). */
  readonly privateKey: Uint8Array
}

/** A loaded private key (PKCS#8, SEC1 EC, PKCS#1 RSA or Ed25519, from PEM or DER). */
export interface PrivateKey {
  readonly _tag: "PrivateKey"
  readonly type: "ec" | "ed25519" | "rsa" | "rsa-pss"
  /** For EC keys. */
  readonly curve?: "secp256r1" | "secp384r1"
  /** Modulus size for RSA keys, in bits. */
  readonly bits?: number
  /** PKCS#8 DER; the portable form both providers accept. */
  readonly pkcs8: Uint8Array
}

/** A loaded public key (SPKI DER). */
export interface PublicKey {
  readonly _tag: "PublicKey"
  readonly type: "ec" | "ed25519" | "rsa" | "rsa-pss"
  readonly curve?: "secp256r1" | "secp384r1"
  readonly bits?: number
  /** SubjectPublicKeyInfo DER. */
  readonly spki: Uint8Array
}

/** The operations whose randomness an implementation may draw itself. */
export type RandomizedOperation = "sign" | "rsaEncrypt" | "encapsulate"

/** The synchronous crypto provider. */
export interface CryptoProvider {
  readonly name: string
  /** Operations whose `entropy` argument this implementation ignores. */
  readonly drawsOwnRandomness: ReadonlySet<RandomizedOperation>

  hash(algorithm: HashAlgorithm, data: Uint8Array): Uint8Array
  hashInit(algorithm: HashAlgorithm): IncrementalHash
  hmac(algorithm: HashAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array
  hkdfExtract(algorithm: HashAlgorithm, salt: Uint8Array, ikm: Uint8Array): Uint8Array
  hkdfExpand(algorithm: HashAlgorithm, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array

  aead(algorithm: AeadAlgorithm, key: Uint8Array): AeadKey

  /**
   * A key pair made deterministically from `seed` (32 bytes for x25519 and the EC curves,
   * the FFDHE groups' private exponent size, 64 bytes of ML-KEM seed plus 32 of X25519
   * for the hybrid). Same seed, same key pair, in both providers.
   */
  generateKeyShare(group: KeyExchangeGroup, seed: Uint8Array): KeyShare
  /**
   * The shared secret with a peer's public value, or `undefined` when the value is invalid
   * (not on the curve, out of range, an all-zero X25519 result): `illegal_parameter`.
   */
  agree(share: KeyShare, peerPublic: Uint8Array): Uint8Array | undefined
  /**
   * Server side of a KEM group (x25519mlkem768): from the client's share, the ciphertext to
   * send and the shared secret; `undefined` when the client's share is invalid. For plain
   * (EC)DH groups this is `generateKeyShare` + `agree`.
   */
  encapsulate(
    group: KeyExchangeGroup,
    peerPublic: Uint8Array,
    entropy: Uint8Array
  ): { readonly publicKey: Uint8Array; readonly sharedSecret: Uint8Array } | undefined

  sign(algorithm: SignatureAlgorithm, key: PrivateKey, data: Uint8Array, entropy: Uint8Array): Uint8Array
  verify(algorithm: SignatureAlgorithm, key: PublicKey, data: Uint8Array, signature: Uint8Array): boolean

  /** RSA PKCS#1 v1.5 encryption of the TLS 1.2 premaster secret (RFC 5246 §7.4.7.1). */
  rsaEncrypt(key: PublicKey, data: Uint8Array, entropy: Uint8Array): Uint8Array
  /**
   * RFC 5246 §7.4.7.1 server side with implicit rejection: always returns 48 bytes — the
   * premaster when the padding is right and its first two bytes equal `clientVersion`,
   * otherwise `fallback` (48 random bytes the caller drew) — in constant control flow.
   */
  rsaDecryptPremaster(
    key: PrivateKey,
    ciphertext: Uint8Array,
    clientVersion: number,
    fallback: Uint8Array
  ): Uint8Array

  /** Constant-time equality (false for different lengths). */
  timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean
}
