/**
 * Loading certificates, chains, CRLs and OCSP responses from PEM (RFC 7468: "CERTIFICATE",
 * "X509 CRL"; OCSP responses have no standard label, so raw DER is the usual form) or DER
 * bytes, and writing certificates back as PEM.
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import { Base64 } from "effect/encoding"
import { decodePem } from "../crypto/keys.js"
import { type CertificateParseError, parseCertificate, type ParsedCertificate } from "./certificate.js"

/** PEM text (string or its bytes) or DER bytes. @since 0.1.0 @category models */
export type DerOrPem = string | Uint8Array

const pemPrefix = "-----BEGIN"

/** The PEM text of `input`, or `undefined` when it is DER. */
const asPemText = (input: DerOrPem): string | undefined => {
  if (typeof input === "string") return input
  let i = 0
  while (i < input.length && (input[i] === 0x20 || input[i] === 0x0a || input[i] === 0x0d || input[i] === 0x09)) i++
  for (let j = 0; j < pemPrefix.length; j++) if (input[i + j] !== pemPrefix.charCodeAt(j)) return undefined
  return new TextDecoder().decode(input)
}

const parseFailure = (detail: string): CertificateParseError => ({ _tag: "CertificateParseError", detail })

/**
 * The DER blocks with `label` in PEM text, or the input itself when it is DER.
 *
 * @since 0.1.0
 */
export const derBlocks = (input: DerOrPem, label: string): Result.Result<ReadonlyArray<Uint8Array>, CertificateParseError> => {
  const text = asPemText(input)
  if (text === undefined) return Result.succeed([input as Uint8Array])
  const blocks = decodePem(text)
  if (Result.isFailure(blocks)) return Result.fail(parseFailure(blocks.failure.message))
  const found = blocks.success.filter((b) => b.label === label || (label === "CERTIFICATE" && b.label === "TRUSTED CERTIFICATE"))
  return found.length === 0 ? Result.fail(parseFailure(`no ${label} PEM block`)) : Result.succeed(found.map((b) => b.der))
}

/**
 * Every certificate in a PEM bundle (in order), or the one certificate of a DER input
 * (RFC 5280 §4.1, RFC 7468 §5). The first one that does not parse fails the whole load.
 *
 * **Gotchas**: OpenSSL's "TRUSTED CERTIFICATE" blocks are read as plain certificates; their
 * trust settings are ignored.
 *
 * @since 0.1.0
 * @category constructors
 */
export const loadCertificates = (input: DerOrPem): Result.Result<ReadonlyArray<ParsedCertificate>, CertificateParseError> => {
  const ders = derBlocks(input, "CERTIFICATE")
  if (Result.isFailure(ders)) return Result.fail(ders.failure)
  const out: Array<ParsedCertificate> = []
  for (const [i, der] of ders.success.entries()) {
    const cert = parseCertificate(der)
    if (Result.isFailure(cert)) return Result.fail(parseFailure(`certificate ${i}: ${cert.failure.detail}`))
    out.push(cert.success)
  }
  return Result.succeed(out)
}

/**
 * The certificates' DER in order, for a Certificate message or `verifyChain`'s `chain`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const loadChain = (input: DerOrPem): Result.Result<ReadonlyArray<Uint8Array>, CertificateParseError> =>
  Result.map(loadCertificates(input), (certs) => certs.map((c) => c.der))

/**
 * A PEM "CERTIFICATE" block for DER bytes (RFC 7468 §5), 64 characters a line.
 *
 * @since 0.1.0
 */
export const toPem = (der: Uint8Array, label = "CERTIFICATE"): string => {
  const b64 = Base64.encode(der)
  const lines = b64.match(/.{1,64}/g) ?? []
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`
}
