/**
 * The record layer: ciphers from traffic keys, TLS 1.3 and TLS 1.2 AEAD protection,
 * fragmentation and usage limits.
 *
 * @since 0.1.0
 */
export * from "./cipher.js"
export * from "./errors.js"
export * from "./limits.js"
export * as Record12 from "./tls12.js"
export * as Record13 from "./tls13.js"
