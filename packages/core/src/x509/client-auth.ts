/**
 * The client side of client authentication: choosing which configured certificate to
 * send when a server asks for one. The server names the CAs it accepts
 * (certificate_authorities, RFC 8446 §4.2.4; CertificateRequest.certificate_authorities,
 * RFC 5246 §7.4.4) and the signature schemes it accepts (RFC 8446 §4.3.2, RFC 5246
 * §7.4.4); the default choice is the first candidate whose chain has an issuer among
 * those names and whose key can sign with one of those schemes.
 *
 * @since 0.1.0
 */
import { SignatureScheme } from "@effect-tls/codec"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import { schemes } from "../crypto/schemes.js"
import type { SignatureAlgorithm } from "../crypto/provider.js"
import { parseCertificate } from "./certificate.js"
import { nameKeyOfDer } from "./names.js"

/**
 * A configured client certificate: its chain (DER, leaf first) and what its key is.
 * `Credential` from the configuration fits this shape.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClientCandidate {
  readonly chain: ReadonlyArray<Uint8Array>
  readonly key: { readonly type: "ec" | "ed25519" | "rsa" | "rsa-pss"; readonly curve?: "secp256r1" | "secp384r1" | undefined }
}

/**
 * What the server asked for: the DER distinguished names of the CAs it accepts (empty:
 * any) and the signature schemes (code points), and the protocol version — TLS 1.3 binds
 * the ECDSA curve to the scheme and signs with RSA only through PSS (RFC 8446 §4.2.3).
 *
 * @since 0.1.0
 * @category models
 */
export interface ClientCertificateCriteria {
  readonly caNames: ReadonlyArray<Uint8Array>
  readonly signatureSchemes: ReadonlyArray<number>
  readonly version?: "1.2" | "1.3" | undefined
}

/**
 * Whether a key of this type can sign with the scheme `code` in the given version (RFC 8446
 * §4.2.3; RFC 5246 §7.4.1.4.1 for TLS 1.2, where ECDSA names a hash only).
 *
 * @since 0.1.0
 */
export const keyFitsScheme = (key: ClientCandidate["key"], code: number, version: "1.2" | "1.3" = "1.3"): boolean => {
  const name = SignatureScheme.nameOf(code)
  if (!Object.prototype.hasOwnProperty.call(schemes, name)) return false
  const info = schemes[name as SignatureAlgorithm]
  if (info.family !== "ed25519" && info.hash === "sha1") return false // we never sign with SHA-1
  switch (info.family) {
    case "ed25519":
      return key.type === "ed25519"
    case "ecdsa":
      if (key.type !== "ec") return false
      if (version === "1.2") return true
      return (name === "ecdsa_secp256r1_sha256" && key.curve === "secp256r1") || (name === "ecdsa_secp384r1_sha384" && key.curve === "secp384r1")
    case "pss":
      return key.type === info.key
    case "pkcs1":
      return version === "1.2" && key.type === "rsa"
  }
}

/**
 * Whether a candidate's chain answers the CA names: some element's issuer is named
 * (RFC 8446 §4.2.4: "the certificate authorities which the endpoint supports"); an empty
 * list names every CA. Unparsable chain elements are skipped.
 *
 * @since 0.1.0
 */
export const chainMatchesCaNames = (chain: ReadonlyArray<Uint8Array>, caNames: ReadonlyArray<Uint8Array>): boolean => {
  if (caNames.length === 0) return true
  const wanted = new Set(caNames.flatMap((n) => nameKeyOfDer(n) ?? []))
  return chain.some((der) => {
    const cert = parseCertificate(der)
    return Result.isSuccess(cert) && wanted.has(cert.success.issuerKey)
  })
}

/**
 * The index of the first candidate whose chain matches the CA names and whose key fits one
 * of the signature schemes; `none` when no candidate does (the client then sends an empty
 * Certificate, RFC 8446 §4.4.2.4, RFC 5246 §7.4.6).
 *
 * @since 0.1.0
 */
export const selectClientCertificate = (candidates: ReadonlyArray<ClientCandidate>, criteria: ClientCertificateCriteria): Option.Option<number> => {
  const index = candidates.findIndex(
    (c) =>
      c.chain.length > 0 &&
      criteria.signatureSchemes.some((s) => keyFitsScheme(c.key, s, criteria.version)) &&
      chainMatchesCaNames(c.chain, criteria.caNames)
  )
  return index < 0 ? Option.none() : Option.some(index)
}
