/**
 * The whole TLS 1.3 key schedule as one namespace (`Tls13Schedule` in the package
 * index): the primitives and stages of `tls13.ts` (RFC 8446 §7.1), the secrets derived
 * from them in `tls13-secrets.ts` (§7.1, §7.2, §4.6.1), and the traffic keys, Finished,
 * binders and exporter of `tls13-keys.ts` (§7.3, §4.4.4, §4.2.11.2, §7.5).
 *
 * @since 0.1.0
 */
export * from "./tls13-keys.js"
export * from "./tls13-secrets.js"
export * from "./tls13.js"
