/**
 * application_layer_protocol_negotiation (RFC 7301 §3.1): the same body in ClientHello,
 * ServerHello (TLS 1.2) and EncryptedExtensions (where it names exactly one protocol).
 *
 * @since 0.1.0
 */
import * as W from "../wire/codec.js"

/**
 * `ProtocolName protocol_name_list<2..2^16-1>` with `opaque ProtocolName<1..2^8-1>`.
 *
 * **Gotchas**: the codec reads the list with floors of 0 (deployed clients send empty
 * lists and empty names, see the README's Decisions); a server acting on ALPN checks the
 * RFC 7301 floors itself and answers `decode_error` (use `isWellFormed`).
 *
 * @since 0.1.0
 * @category codecs
 */
export const Alpn = W.tagged("application_layer_protocol_negotiation", {
  protocolNameList: W.vector(2, 0, 0xffff, W.bytes(1, 0, 0xff))
})

/** Whether the list meets RFC 7301 §3.1's floors (non-empty list, non-empty names). @since 0.1.0 */
export const isWellFormed = (ext: W.Type<typeof Alpn>): boolean =>
  ext.protocolNameList.length > 0 && ext.protocolNameList.every((p) => p.length > 0)

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** An ALPN extension offering these protocols. @since 0.1.0 @category constructors */
export const alpn = (protocols: ReadonlyArray<string>): W.Type<typeof Alpn> => ({
  _tag: "application_layer_protocol_negotiation",
  protocolNameList: protocols.map((p) => encoder.encode(p))
})

/** The protocol names as strings. @since 0.1.0 */
export const protocols = (ext: W.Type<typeof Alpn>): ReadonlyArray<string> => ext.protocolNameList.map((p) => decoder.decode(p))
