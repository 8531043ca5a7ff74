/**
 * @effect-tls/codec — every TLS 1.2 and 1.3 record, handshake message, extension and
 * alert as a declared codec: typed values, fast readers and writers on `Uint8Array`
 * views, `effect/Schema` schemas over bytes, typed decode errors carrying their alert.
 *
 * @since 0.1.0
 */
export * as W from "./wire/codec.js"
export type { Codec, Type } from "./wire/codec.js"
export { decode, encode, toSchema } from "./wire/codec.js"
export * from "./wire/errors.js"
export { Reader } from "./wire/reader.js"
export { Writer } from "./wire/writer.js"
export * from "./registry/index.js"
export * as Ext from "./extensions/index.js"
export type * from "./extensions/tables.js"
export type { UnknownExtension } from "./extensions/extension-list.js"
export * from "./handshake/index.js"
export * from "./record.js"
