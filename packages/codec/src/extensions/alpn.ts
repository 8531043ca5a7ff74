/**
 * application_layer_protocol_negotiation (RFC 7301 §3.1): the same body in ClientHello,
 * ServerHello (TLS 1.2) and EncryptedExtensions (where it names exactly one protocol).
 *
 * @since 0.1.0
 */
import * as W from "../wire/codec.js"

/** `ProtocolName protocol_name_list<2..2^16-1>` with `opaque ProtocolName<1..2^8-1>`. @since 0.1.0 @category codecs */
export const Alpn = W.tagged("application_layer_protocol_negotiation", {
  protocolNameList: W.vector(2, 2, 0xffff, W.bytes(1, 1, 0xff))
})

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** An ALPN extension offering these protocols. @since 0.1.0 @category constructors */
export const alpn = (protocols: ReadonlyArray<string>): W.Type<typeof Alpn> => ({
  _tag: "application_layer_protocol_negotiation",
  protocolNameList: protocols.map((p) => encoder.encode(p))
})

/** The protocol names as strings. @since 0.1.0 */
export const protocols = (ext: W.Type<typeof Alpn>): ReadonlyArray<string> => ext.protocolNameList.map((p) => decoder.decode(p))
