/**
 * status_request (RFC 6066 §8, RFC 8446 §4.4.2.1): the request in ClientHello and TLS 1.3
 * CertificateRequest, the empty acknowledgement in a TLS 1.2 ServerHello, and the OCSP
 * response inside a TLS 1.3 CertificateEntry.
 *
 * @since 0.1.0
 */
import * as W from "../wire/codec.js"

/** `struct { CertificateStatusType status_type; OCSPStatusRequest request; }`. @since 0.1.0 @category codecs */
export const StatusRequest = W.tagged("status_request", {
  statusType: W.uint8, // ocsp(1)
  responderIdList: W.vector(2, 0, 0xffff, W.bytes(2, 1, 0xffff)), // ResponderID responder_id_list<0..2^16-1>
  requestExtensions: W.bytes(2, 0, 0xffff) // Extensions request_extensions (DER)
})

/** TLS 1.2 ServerHello: an empty body. @since 0.1.0 @category codecs */
export const StatusRequestAck = W.tagged("status_request", {})

/** TLS 1.3 CertificateEntry: `struct { CertificateStatusType status_type; OCSPResponse response; }`. @since 0.1.0 @category codecs */
export const CertificateStatusBody = W.tagged("status_request", {
  statusType: W.uint8,
  ocspResponse: W.bytes(3, 1, 0xffffff) // opaque OCSPResponse<1..2^24-1>
})
