/**
 * supported_versions (RFC 8446 §4.2.1), key_share (§4.2.8), pre_shared_key (§4.2.11),
 * early_data (§4.2.10), certificate_authorities (§4.2.4): the TLS 1.3 extensions whose
 * body depends on the message that carries them.
 *
 * @since 0.1.0
 */
import * as W from "../wire/codec.js"

/** ClientHello: `ProtocolVersion versions<2..254>`. @since 0.1.0 @category codecs */
export const SupportedVersionsClient = W.tagged("supported_versions", { versions: W.vector(1, 2, 0xfe, W.uint16) })

/** ServerHello / HelloRetryRequest: `ProtocolVersion selected_version`. @since 0.1.0 @category codecs */
export const SupportedVersionsServer = W.tagged("supported_versions", { selectedVersion: W.uint16 })

/** `struct { NamedGroup group; opaque key_exchange<1..2^16-1>; } KeyShareEntry`. @since 0.1.0 @category codecs */
export const KeyShareEntry = W.struct("KeyShareEntry", {
  group: W.uint16,
  keyExchange: W.bytes(2, 1, 0xffff)
})

/** ClientHello: `KeyShareEntry client_shares<0..2^16-1>`. @since 0.1.0 @category codecs */
export const KeyShareClient = W.tagged("key_share", { clientShares: W.vector(2, 0, 0xffff, KeyShareEntry) })

/** ServerHello: `KeyShareEntry server_share`. @since 0.1.0 @category codecs */
export const KeyShareServer = W.tagged("key_share", { serverShare: KeyShareEntry })

/** HelloRetryRequest: `NamedGroup selected_group`. @since 0.1.0 @category codecs */
export const KeyShareRetry = W.tagged("key_share", { selectedGroup: W.uint16 })

/** `struct { opaque identity<1..2^16-1>; uint32 obfuscated_ticket_age; } PskIdentity`. @since 0.1.0 @category codecs */
export const PskIdentity = W.struct("PskIdentity", {
  identity: W.bytes(2, 1, 0xffff),
  obfuscatedTicketAge: W.uint32
})

/** ClientHello: `OfferedPsks { identities<7..2^16-1>; binders<33..2^16-1> }`. @since 0.1.0 @category codecs */
export const PreSharedKeyClient = W.tagged("pre_shared_key", {
  identities: W.vector(2, 7, 0xffff, PskIdentity),
  binders: W.vector(2, 33, 0xffff, W.bytes(1, 32, 0xff)) // opaque PskBinderEntry<32..255>
})

/** ServerHello: `uint16 selected_identity`. @since 0.1.0 @category codecs */
export const PreSharedKeyServer = W.tagged("pre_shared_key", { selectedIdentity: W.uint16 })

/** ClientHello / EncryptedExtensions: an empty body. @since 0.1.0 @category codecs */
export const EarlyDataIndication = W.tagged("early_data", {})

/** NewSessionTicket: `uint32 max_early_data_size`. @since 0.1.0 @category codecs */
export const EarlyDataTicket = W.tagged("early_data", { maxEarlyDataSize: W.uint32 })

/** `DistinguishedName authorities<3..2^16-1>` with `opaque DistinguishedName<1..2^16-1>`. @since 0.1.0 @category codecs */
export const CertificateAuthorities = W.tagged("certificate_authorities", {
  authorities: W.vector(2, 3, 0xffff, W.bytes(2, 1, 0xffff))
})
