/**
 * The wire layout of the X25519MLKEM768 hybrid group (draft-ietf-tls-ecdhe-mlkem §3.1):
 * unlike the other hybrids, the ML-KEM part comes first in the client share, the server
 * share and the shared secret. Shared by both providers; no cryptography here.
 *
 * @since 0.1.0
 */

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

/**
 * Sizes and concatenations of X25519MLKEM768.
 *
 * @since 0.1.0
 * @category constants
 */
export const hybrid = {
  /** ML-KEM-768 seed d ‖ z (FIPS 203 §7.1), the first part of the key-share seed. */
  mlkemSeedLength: 64,
  /** ML-KEM encapsulation randomness m (FIPS 203 §7.2), the first part of the entropy. */
  messageLength: 32,
  encapsulationKeyLength: 1184,
  ciphertextLength: 1088,
  x25519Length: 32,
  /** §3.1.1: "1216 bytes (1184 bytes for the ML-KEM part and 32 bytes for X25519)". */
  clientShareLength: 1216,
  /** §3.1.2: "1120 bytes (1088 bytes for the ML-KEM part and 32 bytes for X25519)". */
  serverShareLength: 1120,
  /** §3.1.1: the client's ML-KEM-768 encapsulation key, then its X25519 share. */
  clientShare: (encapsulationKey: Uint8Array, x25519Public: Uint8Array): Uint8Array =>
    concat(encapsulationKey, x25519Public),
  /** §3.1.2: the ML-KEM ciphertext, then the server's X25519 share. */
  serverShare: (ciphertext: Uint8Array, x25519Public: Uint8Array): Uint8Array => concat(ciphertext, x25519Public),
  /** §3.1.3: "the concatenation of the ML-KEM shared secret and the X25519 shared secret". */
  sharedSecret: (mlkem: Uint8Array, x25519: Uint8Array): Uint8Array => concat(mlkem, x25519)
} as const
