/**
 * Shared pieces of the codec property tests: the codecs under test (every handshake
 * message framed with its header, every extension body of every message) and a deep
 * equality that compares byte fields by content.
 */
import * as fc from "fast-check"
import * as W from "../src/wire/codec.js"
import { framed, messages, type HandshakeTag, type HandshakeContext } from "../src/handshake/handshake.js"
import { tables } from "../src/extensions/tables.js"
import { ExtensionType } from "../src/registry/extension-type.js"

/** Every handshake message codec, framed with its 4-byte header, by tag. */
export const messageCodecs: ReadonlyArray<readonly [HandshakeTag, W.Codec<any>]> = (Object.keys(messages) as Array<HandshakeTag>).map(
  (tag) => [tag, framed(tag)] as const
)

/** Every extension body, per message: `[label, codec]`. */
export const extensionCodecs: ReadonlyArray<readonly [string, W.Codec<any>]> = Object.entries(tables).flatMap(([msg, rows]) =>
  rows.map(([type, codec]) => [`${msg}/${ExtensionType.nameOf(type)}`, codec as W.Codec<any>] as const)
)

/** The decoding context each message needs to be picked by `decodeHandshake`. */
export const contextFor = (tag: HandshakeTag): HandshakeContext => {
  if (tag.endsWith("13") || tag === "EncryptedExtensions" || tag === "KeyUpdate" || tag === "EndOfEarlyData") return { version: 0x0304 }
  if (tag.endsWith("10") || tag.endsWith("Legacy")) {
    return { version: 0x0301, keyExchange: tag.includes("Dhe") ? "DHE" : "ECDHE" }
  }
  if (tag.includes("Rsa")) return { version: 0x0303, keyExchange: "RSA" }
  if (tag.includes("Dhe")) return { version: 0x0303, keyExchange: "DHE" }
  return { version: 0x0303, keyExchange: "ECDHE" }
}

/** Structural equality with byte arrays compared by content. */
export const deepEqual = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (a instanceof Uint8Array && b instanceof Uint8Array) return W.bytesEqual(a, b)
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]))
  if (typeof a === "object" && typeof b === "object" && a !== null && b !== null) {
    const ka = Object.keys(a).filter((k) => (a as any)[k] !== undefined)
    const kb = Object.keys(b).filter((k) => (b as any)[k] !== undefined)
    return ka.length === kb.length && ka.every((k) => deepEqual((a as any)[k], (b as any)[k]))
  }
  return false
}

/** A valid encoded value of `codec`. */
export const encoded = (codec: W.Codec<any>): fc.Arbitrary<Uint8Array> =>
  codec.arbitrary(fc).map((v) => {
    const r = W.encode(codec, v)
    if (r._tag !== "Success") throw new Error(`arbitrary produced an unencodable ${codec.name}: ${r.failure.detail} at ${r.failure.at}`)
    return r.success.slice()
  })
