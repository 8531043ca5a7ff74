/**
 * Every extension body, and the extension lists of each message.
 *
 * @since 0.1.0
 */
export * from "./alpn.js"
export * from "./extension-list.js"
export * from "./groups-and-schemes.js"
export * from "./server-name.js"
export * from "./simple.js"
export * from "./status-request.js"
export * from "./tables.js"
export * from "./versions-and-shares.js"
