/**
 * server_name (RFC 6066 §3): the ClientHello's ServerNameList and the empty body a server
 * echoes in ServerHello (TLS 1.2) or EncryptedExtensions (TLS 1.3).
 *
 * @since 0.1.0
 */
import * as W from "../wire/codec.js"

/**
 * `struct { NameType name_type; select (name_type) { case host_name: HostName; } }`.
 *
 * **Gotchas**: `HostName<1..2^16-1>` is read with a floor of 0 (a deployed client sends an
 * empty name, see the README's Decisions); a server acting on SNI refuses an empty name
 * with `decode_error` itself.
 */
export const ServerName = W.struct("ServerName", {
  nameType: W.uint8, // host_name(0)
  name: W.bytes(2, 0, 0xffff) // opaque HostName<1..2^16-1>
})

/** ClientHello form: `ServerName server_name_list<1..2^16-1>`. @since 0.1.0 @category codecs */
export const ServerNameList = W.tagged("server_name", {
  serverNameList: W.vector(2, 1, 0xffff, ServerName)
})

/** ServerHello / EncryptedExtensions form: an empty body (RFC 6066 §3). @since 0.1.0 @category codecs */
export const ServerNameAck = W.tagged("server_name", {})

const decoder = new TextDecoder()
const encoder = new TextEncoder()

/**
 * The first host_name of a ClientHello's server_name extension, as a string.
 *
 * @since 0.1.0
 */
export const hostName = (ext: W.Type<typeof ServerNameList>): string | undefined => {
  const entry = ext.serverNameList.find((n) => n.nameType === 0)
  return entry === undefined ? undefined : decoder.decode(entry.name)
}

/** A server_name extension naming one host. @since 0.1.0 @category constructors */
export const serverName = (host: string): W.Type<typeof ServerNameList> => ({
  _tag: "server_name",
  serverNameList: [{ nameType: 0, name: encoder.encode(host) }]
})
