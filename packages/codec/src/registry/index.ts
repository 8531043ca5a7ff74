/**
 * Named code points: versions, suites, groups, schemes, alerts, extension, handshake and
 * content types.
 *
 * @since 0.1.0
 */
export * from "./alert.js"
export * from "./cipher-suite.js"
export * from "./content-type.js"
export * from "./extension-type.js"
export * from "./handshake-type.js"
export * from "./named-group.js"
export * from "./protocol-version.js"
export * from "./signature-scheme.js"
export { isGrease, type Registry } from "./registry.js"
