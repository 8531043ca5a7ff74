/**
 * `@effect-tls/node`: the live runtime of effect-tls — `NodeTls` (connect, serve, STARTTLS
 * upgrade, a `node:stream` Duplex for `https`/undici, key logging), the native crypto
 * provider `NodeCrypto`, and the system trust store `NodeTrust`.
 *
 * @since 0.1.0
 */
export { NodeCrypto } from "./node-crypto.js"
export * as NodeTls from "./NodeTls.js"
export * as NodeTrust from "./trust.js"
