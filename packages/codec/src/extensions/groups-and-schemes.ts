/**
 * Lists of code points: supported_groups (RFC 8446 §4.2.7), signature_algorithms and
 * signature_algorithms_cert (RFC 8446 §4.2.3), compress_certificate (RFC 8879 §3),
 * psk_key_exchange_modes (RFC 8446 §4.2.9).
 *
 * @since 0.1.0
 */
import * as W from "../wire/codec.js"

/** `NamedGroup named_group_list<2..2^16-1>`. @since 0.1.0 @category codecs */
export const SupportedGroups = W.tagged("supported_groups", { namedGroupList: W.vector(2, 2, 0xffff, W.uint16) })

/** `SignatureScheme supported_signature_algorithms<2..2^16-2>`. @since 0.1.0 @category codecs */
export const SignatureAlgorithms = W.tagged("signature_algorithms", {
  supportedSignatureAlgorithms: W.vector(2, 2, 0xfffe, W.uint16)
})

/** Same body as signature_algorithms, for certificates. @since 0.1.0 @category codecs */
export const SignatureAlgorithmsCert = W.tagged("signature_algorithms_cert", {
  supportedSignatureAlgorithms: W.vector(2, 2, 0xfffe, W.uint16)
})

/** `CertificateCompressionAlgorithm algorithms<2..2^8-2>`. @since 0.1.0 @category codecs */
export const CompressCertificate = W.tagged("compress_certificate", { algorithms: W.vector(1, 2, 0xfe, W.uint16) })

/** `PskKeyExchangeMode ke_modes<1..255>`: psk_ke(0), psk_dhe_ke(1). @since 0.1.0 @category codecs */
export const PskKeyExchangeModes = W.tagged("psk_key_exchange_modes", { keModes: W.vector(1, 1, 0xff, W.uint8) })
