/**
 * CertificateRequest (RFC 8446 §4.3.2, RFC 5246 §7.4.4; TLS 1.0/1.1 of RFC 4346 lacks the
 * signature algorithms).
 *
 * @since 0.1.0
 */
import { CertificateRequestExtensions } from "../extensions/tables.js"
import * as W from "../wire/codec.js"

/** `opaque DistinguishedName<1..2^16-1>`. */
const DistinguishedName = W.bytes(2, 1, 0xffff, "DistinguishedName")

/**
 * TLS 1.2: `ClientCertificateType certificate_types<1..2^8-1>; SignatureAndHashAlgorithm
 * supported_signature_algorithms<2..2^16-2>; DistinguishedName certificate_authorities<0..2^16-1>`.
 *
 * @since 0.1.0
 * @category codecs
 */
export const CertificateRequest12 = W.tagged("CertificateRequest12", {
  certificateTypes: W.vector(1, 1, 0xff, W.uint8),
  supportedSignatureAlgorithms: W.vector(2, 2, 0xfffe, W.uint16),
  certificateAuthorities: W.vector(2, 0, 0xffff, DistinguishedName)
})

/** @since 0.1.0 @category models */
export type CertificateRequest12 = W.Type<typeof CertificateRequest12>

/** TLS 1.0/1.1 layout, for reading old captures. @since 0.1.0 @category codecs */
export const CertificateRequest10 = W.tagged("CertificateRequest10", {
  certificateTypes: W.vector(1, 1, 0xff, W.uint8),
  certificateAuthorities: W.vector(2, 0, 0xffff, DistinguishedName)
})

/**
 * TLS 1.3: `opaque certificate_request_context<0..2^8-1>; Extension extensions<2..2^16-1>`.
 *
 * @since 0.1.0
 * @category codecs
 */
export const CertificateRequest13 = W.tagged("CertificateRequest13", {
  certificateRequestContext: W.bytes(1, 0, 0xff),
  extensions: CertificateRequestExtensions
})

/** @since 0.1.0 @category models */
export type CertificateRequest13 = W.Type<typeof CertificateRequest13>
