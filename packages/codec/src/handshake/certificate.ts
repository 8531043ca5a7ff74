/**
 * Certificate (RFC 8446 §4.4.2 and RFC 5246 §7.4.2): two layouts, one per version.
 *
 * @since 0.1.0
 */
import { CertificateEntryExtensions } from "../extensions/tables.js"
import * as W from "../wire/codec.js"

/** `opaque ASN.1Cert<1..2^24-1>`. */
const Asn1Cert = W.bytes(3, 1, 0xffffff, "ASN.1Cert")

/**
 * TLS 1.2: `ASN.1Cert certificate_list<0..2^24-1>`, leaf first.
 *
 * @since 0.1.0
 * @category codecs
 */
export const Certificate12 = W.tagged("Certificate12", {
  certificateList: W.vector(3, 0, 0xffffff, Asn1Cert)
})

/** @since 0.1.0 @category models */
export type Certificate12 = W.Type<typeof Certificate12>

/** `struct { opaque cert_data<1..2^24-1>; Extension extensions<0..2^16-1>; } CertificateEntry`. @since 0.1.0 @category codecs */
export const CertificateEntry = W.struct("CertificateEntry", {
  certData: Asn1Cert,
  extensions: CertificateEntryExtensions
})

/**
 * TLS 1.3: `opaque certificate_request_context<0..2^8-1>; CertificateEntry certificate_list<0..2^24-1>`.
 *
 * @since 0.1.0
 * @category codecs
 */
export const Certificate13 = W.tagged("Certificate13", {
  certificateRequestContext: W.bytes(1, 0, 0xff),
  certificateList: W.vector(3, 0, 0xffffff, CertificateEntry)
})

/** @since 0.1.0 @category models */
export type Certificate13 = W.Type<typeof Certificate13>

/**
 * CompressedCertificate (RFC 8879 §4): `CertificateCompressionAlgorithm algorithm; uint24
 * uncompressed_length; opaque compressed_certificate_message<1..2^24-1>`.
 *
 * @since 0.1.0
 * @category codecs
 */
export const CompressedCertificate = W.tagged("CompressedCertificate", {
  algorithm: W.uint16,
  uncompressedLength: W.uint24,
  compressedCertificateMessage: W.bytes(3, 1, 0xffffff)
})

/**
 * CertificateStatus (RFC 6066 §8, TLS 1.2): `CertificateStatusType status_type; opaque
 * OCSPResponse<1..2^24-1>`.
 *
 * @since 0.1.0
 * @category codecs
 */
export const CertificateStatus = W.tagged("CertificateStatus", {
  statusType: W.uint8,
  ocspResponse: W.bytes(3, 1, 0xffffff)
})
