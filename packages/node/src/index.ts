/**
 * `@effect-tls/node`: the live runtime of effect-tls. For now, the native crypto provider.
 *
 * @since 0.1.0
 */
export { NodeCrypto } from "./node-crypto.js"
export * as NodeTls from "./NodeTls.js"
export * as NodeTrust from "./trust.js"
