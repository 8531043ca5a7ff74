/**
 * Cryptography for effect-tls: the synchronous `CryptoProvider` interface (DESIGN principle
 * 4), its portable implementation `NobleCrypto`, and key loading from PEM/DER.
 *
 * @since 0.1.0
 */
export * from "./shared.js"
export { decodePem, type KeyInput, loadPrivateKey, loadPublicKey, type PemBlock, publicKeyOf } from "./keys.js"
export { KeyError, type KeyErrorReason } from "./key-material.js"
export { NobleCrypto } from "./noble.js"
