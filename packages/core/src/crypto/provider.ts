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
 * honour supplied randomness (node:crypto picks its own ECDSA nonce, PSS salt and ML-KEM
 * encapsulation seed) lists the operation in `drawsOwnRandomness`;
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
  /**
   * The private key derived from the seed (see `keyShareSeedLength`): the X25519 key, the
   * EC scalar, the FFDHE exponent, or the hybrid's 96-byte seed. Portable: either provider
   * agrees with a share the other made.
   */
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

/**
 * The seed `generateKeyShare` takes, in bytes, and how it becomes the private key:
 * - `x25519`: the 32-byte private key itself (RFC 7748 §5 clamps it).
 * - `secp256r1` / `secp384r1`: the scalar itself when it is in [1, n-1]; otherwise it is
 *   replaced by its SHA-256 / SHA-384 hash until it is (probability below 2^-32).
 * - `ffdhe*`: the private exponent, big-endian, with its top bit set so that it has
 *   exactly the length chosen here (at least the sizes RFC 7919 Appendix A suggests:
 *   225, 275 and 325 bits).
 * - `x25519mlkem768`: the 64-byte ML-KEM-768 seed (d ‖ z, FIPS 203 §7.1) then the
 *   32-byte X25519 private key.
 *
 * @since 0.1.0
 */
export const keyShareSeedLength: Readonly<Record<KeyExchangeGroup, number>> = {
  x25519: 32,
  secp256r1: 32,
  secp384r1: 48,
  ffdhe2048: 32,
  ffdhe3072: 40,
  ffdhe4096: 48,
  x25519mlkem768: 96
}

/**
 * The `entropy` `encapsulate` takes, in bytes: 32 of ML-KEM randomness (FIPS 203 §7.2 `m`)
 * then a 32-byte X25519 private key for the hybrid; a key-share seed for (EC)DH groups.
 *
 * @since 0.1.0
 */
export const encapsulateEntropyLength = (group: KeyExchangeGroup): number =>
  group === "x25519mlkem768" ? 64 : keyShareSeedLength[group]

/** The `entropy` `sign` takes, in bytes: enough for a SHA-512 PSS salt. @since 0.1.0 */
export const signEntropyLength = 64

/**
 * The `entropy` `rsaEncrypt` takes for a key of `bits` bits: twice the modulus length,
 * so that it holds enough non-zero bytes for the padding string.
 *
 * @since 0.1.0
 */
export const rsaEncryptEntropyLength = (bits: number): number => 2 * Math.ceil(bits / 8)

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
   * A key pair made deterministically from `seed` of exactly `keyShareSeedLength[group]`
   * bytes. Same seed, same key pair, in both providers (see `keyShareSeedLength` for how
   * each group turns the seed into a private key).
   */
  generateKeyShare(group: KeyExchangeGroup, seed: Uint8Array): KeyShare
  /**
   * The shared secret with a peer's public value, or `undefined` when the value is invalid
   * (not on the curve, not the uncompressed encoding, out of range, an all-zero X25519
   * result): `illegal_parameter`. EC groups give the x-coordinate (RFC 8446 §7.4.2);
   * FFDHE gives Z left-padded to the size of p (RFC 8446 §7.4.1); x25519mlkem768 (client
   * side, `peerPublic` = the server's 1120-byte share) gives the 64-byte ML-KEM ‖ X25519
   * secret (draft-ietf-tls-ecdhe-mlkem §3.1.3).
   *
   * **Gotchas**: TLS 1.2 strips the leading zero bytes of an FFDHE Z before using it as the
   * premaster secret (RFC 5246 §8.1.2); that is the caller's job.
   */
  agree(share: KeyShare, peerPublic: Uint8Array): Uint8Array | undefined
  /**
   * Server side of a key exchange: from the client's share, the value to send and the shared
   * secret; `undefined` when the client's share is invalid. For x25519mlkem768 `entropy` is
   * 32 bytes of ML-KEM encapsulation randomness followed by a 32-byte X25519 seed
   * (`encapsulateEntropyLength`); for (EC)DH groups it is a key-share seed and this is
   * `generateKeyShare` + `agree`.
   */
  encapsulate(
    group: KeyExchangeGroup,
    peerPublic: Uint8Array,
    entropy: Uint8Array
  ): { readonly publicKey: Uint8Array; readonly sharedSecret: Uint8Array } | undefined

  /**
   * Signs `data` (the message, not its hash) with the scheme's hash (RFC 8446 §4.2.3).
   * `entropy` (`signEntropyLength` bytes) is the PSS salt (its first hash-length bytes) or
   * the RFC 6979 §3.6 extra input hedging the ECDSA nonce; Ed25519 and PKCS#1 v1.5 ignore it.
   * ECDSA signatures are DER-encoded. Throws on programmer error: a key of the wrong type for
   * the scheme, or a SHA-1 scheme (verification only).
   */
  sign(algorithm: SignatureAlgorithm, key: PrivateKey, data: Uint8Array, entropy: Uint8Array): Uint8Array
  /** `false` for a bad signature, a malformed encoding, or a key of the wrong type for the scheme. */
  verify(algorithm: SignatureAlgorithm, key: PublicKey, data: Uint8Array, signature: Uint8Array): boolean

  /**
   * RSA PKCS#1 v1.5 encryption (RFC 8017 §7.2.1) of the TLS 1.2 premaster secret
   * (RFC 5246 §7.4.7.1). The padding string is the non-zero bytes of `entropy`, in order:
   * supply `rsaEncryptEntropyLength(key.bits)` bytes. Throws when `data` is too long for
   * the key, or (with negligible probability) `entropy` holds too few non-zero bytes.
   */
  rsaEncrypt(key: PublicKey, data: Uint8Array, entropy: Uint8Array): Uint8Array
  /**
   * RFC 5246 §7.4.7.1 server side with implicit rejection: always returns 48 bytes — the
   * premaster when the padding is right and its first two bytes equal `clientVersion`,
   * otherwise `fallback` (48 random bytes the caller drew) — in constant control flow.
   * A ciphertext of the wrong length or not below the modulus also yields `fallback`.
   * Throws only on programmer error (a non-RSA key, a `fallback` that is not 48 bytes).
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
