/**
 * The provider-neutral pieces of `crypto/`: the `CryptoProvider` interface and the data and
 * constant-flow code both providers share (RFC 7919 groups, the X25519MLKEM768 layout, the
 * signature-scheme table, the TLS 1.2 premaster encoding and decoding). Imports neither
 * `@noble/*` nor `node:*`, so `@effect-tls/node` can use it (as `@effect-tls/core/crypto/shared`)
 * and stay independent of the portable implementation.
 *
 * @since 0.1.0
 */
export * from "./constant-time.js"
export * from "./ffdhe.js"
export * from "./hybrid.js"
export * from "./premaster.js"
export * from "./provider.js"
export * from "./schemes.js"
