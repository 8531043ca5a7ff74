/**
 * Extensions with small fixed bodies: max_fragment_length (RFC 6066 §4), ec_point_formats
 * (RFC 8422 §5.1.2), record_size_limit (RFC 8449), renegotiation_info (RFC 5746 §3.2),
 * session_ticket (RFC 5077 §3.2), padding (RFC 7685), cookie (RFC 8446 §4.2.2), and the
 * empty-bodied extended_master_secret (RFC 7627), encrypt_then_mac (RFC 7366) and
 * post_handshake_auth (RFC 8446 §4.2.6).
 *
 * @since 0.1.0
 */
import * as W from "../wire/codec.js"

/** `enum { 2^9(1), 2^10(2), 2^11(3), 2^12(4), (255) } MaxFragmentLength`. @since 0.1.0 @category codecs */
export const MaxFragmentLength = W.tagged("max_fragment_length", { maxFragmentLength: W.uint8 })

/** `ECPointFormat ec_point_format_list<1..2^8-1>`. @since 0.1.0 @category codecs */
export const EcPointFormats = W.tagged("ec_point_formats", { ecPointFormatList: W.vector(1, 1, 0xff, W.uint8) })

/** `uint16 RecordSizeLimit`. @since 0.1.0 @category codecs */
export const RecordSizeLimit = W.tagged("record_size_limit", { recordSizeLimit: W.uint16 })

/** `opaque renegotiated_connection<0..255>`. @since 0.1.0 @category codecs */
export const RenegotiationInfo = W.tagged("renegotiation_info", { renegotiatedConnection: W.bytes(1, 0, 0xff) })

/** The ticket (empty to ask for one, or in a ServerHello). @since 0.1.0 @category codecs */
export const SessionTicket = W.tagged("session_ticket", { ticket: W.rest(0, 0xffff) })

/** Padding bytes, kept as sent (normally zeros). @since 0.1.0 @category codecs */
export const Padding = W.tagged("padding", { padding: W.rest(0, 0xffff) })

/** `opaque cookie<1..2^16-1>`. @since 0.1.0 @category codecs */
export const Cookie = W.tagged("cookie", { cookie: W.bytes(2, 1, 0xffff) })

/** Empty body. @since 0.1.0 @category codecs */
export const ExtendedMasterSecret = W.tagged("extended_master_secret", {})

/** Empty body. @since 0.1.0 @category codecs */
export const EncryptThenMac = W.tagged("encrypt_then_mac", {})

/** Empty body. @since 0.1.0 @category codecs */
export const PostHandshakeAuth = W.tagged("post_handshake_auth", {})
