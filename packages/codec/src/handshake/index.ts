/**
 * Every handshake message, the union, and reassembly.
 *
 * @since 0.1.0
 */
export * from "./certificate.js"
export * from "./certificate-request.js"
export * from "./client-hello.js"
export * from "./framing.js"
export * from "./handshake.js"
export * from "./key-exchange.js"
export * from "./server-hello.js"
export * from "./simple.js"
