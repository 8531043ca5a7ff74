/**
 * Certificates and trust, the public face of `x509/` (export it from the package index as
 * `X509`): parsing and loading (RFC 5280 §4, RFC 7468), path building and validation
 * (RFC 5280 §6), host names (RFC 9525), revocation by CRL and stapled OCSP (RFC 5280 §6.3,
 * RFC 6960, RFC 6066 §8), trust anchors, and client-certificate selection (RFC 8446
 * §4.2.4, §4.3.2).
 *
 * @since 0.1.0
 */
export * from "./certificate.js"
export * from "./client-auth.js"
export { crlStatus, loadCrls, parseCrl, type ParsedCrl, serialHex, type StatusAnswer } from "./crl.js"
export * from "./errors.js"
export { type CertExtensions, type ConstraintBase, Eku, type KeyUsageName, type NameConstraintsInfo, type SubjectAltNames } from "./extensions.js"
export * from "./hostname.js"
export { parseIp } from "./ip.js"
export { dnsInSubtree } from "./name-constraints.js"
export { ocspStatus, type OcspFreshness, parseOcspResponse, type ParsedOcspResponse } from "./ocsp.js"
export * from "./pem.js"
export type { RevocationNote } from "./revocation.js"
export * from "./selector.js"
export { signatureMethod, type SignatureFailure, type SignatureMethod, type Signed, verifySigned } from "./signature.js"
export { anchorFor } from "./trust.js"
export * from "./verify.js"
