/**
 * The certificate extensions path validation reads (RFC 5280 §4.2), decoded through
 * `@peculiar/asn1-x509`: basicConstraints, keyUsage, extendedKeyUsage, subjectAltName,
 * nameConstraints and the key identifiers. Every other extension is remembered by OID with
 * its criticality, so that an unknown critical one can be refused (§4.2: "A certificate-
 * using system MUST reject the certificate if it encounters a critical extension it does
 * not recognize").
 *
 * @since 0.1.0
 */
import { AsnConvert } from "@peculiar/asn1-schema"
import {
  AuthorityKeyIdentifier,
  BasicConstraints,
  ExtendedKeyUsage,
  type Extension,
  type GeneralName,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_nameConstraints,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  NameConstraints,
  SubjectAlternativeName,
  SubjectKeyIdentifier
} from "@peculiar/asn1-x509"
import * as Result from "effect/Result"
import { nameKey } from "./names.js"

/** A name constraint subtree's base (RFC 5280 §4.2.1.10); other forms are kept as their kind. @since 0.1.0 @category models */
export type ConstraintBase =
  | { readonly kind: "dns"; readonly value: string }
  | { readonly kind: "ip"; readonly value: string }
  | { readonly kind: "dn"; readonly value: string }
  | { readonly kind: "other"; readonly value: string }

/** Decoded nameConstraints (RFC 5280 §4.2.1.10). @since 0.1.0 @category models */
export interface NameConstraintsInfo {
  readonly permitted: ReadonlyArray<ConstraintBase>
  readonly excluded: ReadonlyArray<ConstraintBase>
}

/** The extensions of one certificate, decoded (RFC 5280 §4.2). @since 0.1.0 @category models */
export interface CertExtensions {
  /** basicConstraints (§4.2.1.9); `undefined` when absent. */
  readonly basicConstraints?: { readonly ca: boolean; readonly pathLen?: number | undefined; readonly critical: boolean } | undefined
  /** keyUsage bits by name (§4.2.1.3); `undefined` when absent. */
  readonly keyUsage?: ReadonlySet<KeyUsageName> | undefined
  /** extendedKeyUsage purposes as OIDs (§4.2.1.12); `undefined` when absent. */
  readonly extendedKeyUsage?: ReadonlyArray<string> | undefined
  /** subjectAltName (§4.2.1.6); `undefined` when absent. */
  readonly subjectAltName?: SubjectAltNames | undefined
  readonly nameConstraints?: NameConstraintsInfo | undefined
  readonly subjectKeyId?: Uint8Array | undefined
  readonly authorityKeyId?: Uint8Array | undefined
  /** Critical extensions this module does not interpret (§4.2). */
  readonly unknownCritical: ReadonlyArray<string>
}

/** subjectAltName entries by form (RFC 5280 §4.2.1.6). @since 0.1.0 @category models */
export interface SubjectAltNames {
  readonly dns: ReadonlyArray<string>
  /** iPAddress entries as the library prints them (`127.0.0.1`, `::1`). */
  readonly ip: ReadonlyArray<string>
  /** directoryName entries in canonical form (see `nameKey`). */
  readonly dn: ReadonlyArray<string>
  /** rfc822Name and URI entries, and other forms, by kind. */
  readonly other: ReadonlyArray<{ readonly kind: string; readonly value: string }>
}

/** keyUsage bit names (RFC 5280 §4.2.1.3). @since 0.1.0 @category models */
export type KeyUsageName =
  | "digitalSignature"
  | "nonRepudiation"
  | "keyEncipherment"
  | "dataEncipherment"
  | "keyAgreement"
  | "keyCertSign"
  | "cRLSign"
  | "encipherOnly"
  | "decipherOnly"

/** id-kp-serverAuth, id-kp-clientAuth, id-kp-OCSPSigning, anyExtendedKeyUsage (RFC 5280 §4.2.1.12, RFC 6960 §4.2.2.2). @since 0.1.0 */
export const Eku = {
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
  ocspSigning: "1.3.6.1.5.5.7.3.9",
  any: "2.5.29.37.0"
} as const

/**
 * Extensions recognised but not interpreted: policies (we validate under any-policy, as
 * browsers do, RFC 5280 §6.1.1 (c)), information-access and CRL pointers, issuerAltName,
 * the TLS feature (RFC 7633), SCTs (RFC 6962) and the OCSP no-check marker (RFC 6960 §4.2.2.2.1).
 */
const recognised = new Set([
  "2.5.29.32", // certificatePolicies
  "2.5.29.33", // policyMappings
  "2.5.29.36", // policyConstraints
  "2.5.29.54", // inhibitAnyPolicy
  "2.5.29.18", // issuerAltName
  "2.5.29.31", // cRLDistributionPoints
  "2.5.29.46", // freshestCRL
  "1.3.6.1.5.5.7.1.1", // authorityInfoAccess
  "1.3.6.1.5.5.7.1.11", // subjectInfoAccess
  "1.3.6.1.5.5.7.1.24", // TLS feature
  "1.3.6.1.4.1.11129.2.4.2", // SCT list
  "1.3.6.1.5.5.7.48.1.5" // id-pkix-ocsp-nocheck
])

const usageNames: ReadonlyArray<readonly [KeyUsageName, number]> = [
  ["digitalSignature", KeyUsageFlags.digitalSignature],
  ["nonRepudiation", KeyUsageFlags.nonRepudiation],
  ["keyEncipherment", KeyUsageFlags.keyEncipherment],
  ["dataEncipherment", KeyUsageFlags.dataEncipherment],
  ["keyAgreement", KeyUsageFlags.keyAgreement],
  ["keyCertSign", KeyUsageFlags.keyCertSign],
  ["cRLSign", KeyUsageFlags.cRLSign],
  ["encipherOnly", KeyUsageFlags.encipherOnly],
  ["decipherOnly", KeyUsageFlags.decipherOnly]
]

/** The kind and value of a GeneralName as constraints and SANs see it (RFC 5280 §4.2.1.6). */
export const generalName = (g: GeneralName): ConstraintBase | { readonly kind: string; readonly value: string } => {
  if (g.dNSName !== undefined) return { kind: "dns", value: g.dNSName }
  if (g.iPAddress !== undefined) return { kind: "ip", value: g.iPAddress }
  if (g.directoryName !== undefined) return { kind: "dn", value: nameKey(g.directoryName) }
  if (g.rfc822Name !== undefined) return { kind: "email", value: g.rfc822Name }
  if (g.uniformResourceIdentifier !== undefined) return { kind: "uri", value: g.uniformResourceIdentifier }
  if (g.registeredID !== undefined) return { kind: "rid", value: g.registeredID }
  if (g.otherName !== undefined) return { kind: "otherName", value: g.otherName.typeId }
  return { kind: "x400-or-edi", value: "" }
}

const subtrees = (list: NameConstraints["permittedSubtrees"]): ReadonlyArray<ConstraintBase> =>
  (list ?? []).map((s) => {
    const g = generalName(s.base)
    return g.kind === "dns" || g.kind === "ip" || g.kind === "dn" ? (g as ConstraintBase) : { kind: "other", value: g.kind }
  })

/**
 * Decodes the extensions of a TBSCertificate. Fails (as a string) when one of the
 * interpreted extensions does not decode or when an extension appears twice (RFC 5280 §4.2:
 * "A certificate MUST NOT include more than one instance of a particular extension").
 *
 * @since 0.1.0
 */
export const decodeExtensions = (list: ReadonlyArray<Extension>): Result.Result<CertExtensions, string> => {
  const seen = new Set<string>()
  const out: {
    -readonly [K in keyof CertExtensions]: CertExtensions[K]
  } = { unknownCritical: [] }
  const unknownCritical: Array<string> = []
  for (const ext of list) {
    if (seen.has(ext.extnID)) return Result.fail(`extension ${ext.extnID} appears twice`)
    seen.add(ext.extnID)
    const value = ext.extnValue.buffer
    try {
      switch (ext.extnID) {
        case id_ce_basicConstraints: {
          const bc = AsnConvert.parse(value, BasicConstraints)
          out.basicConstraints = { ca: bc.cA, pathLen: bc.pathLenConstraint, critical: ext.critical }
          break
        }
        case id_ce_keyUsage: {
          const ku = AsnConvert.parse(value, KeyUsage)
          const bits = ku.toNumber()
          out.keyUsage = new Set(usageNames.filter(([, flag]) => (bits & flag) !== 0).map(([n]) => n))
          break
        }
        case id_ce_extKeyUsage:
          out.extendedKeyUsage = [...AsnConvert.parse(value, ExtendedKeyUsage)]
          break
        case id_ce_subjectAltName: {
          const names = [...AsnConvert.parse(value, SubjectAlternativeName)].map((g) => generalName(g))
          out.subjectAltName = {
            dns: names.filter((n) => n.kind === "dns").map((n) => n.value),
            ip: names.filter((n) => n.kind === "ip").map((n) => n.value),
            dn: names.filter((n) => n.kind === "dn").map((n) => n.value),
            other: names.filter((n) => n.kind !== "dns" && n.kind !== "ip" && n.kind !== "dn")
          }
          break
        }
        case id_ce_nameConstraints: {
          const nc = AsnConvert.parse(value, NameConstraints)
          out.nameConstraints = { permitted: subtrees(nc.permittedSubtrees), excluded: subtrees(nc.excludedSubtrees) }
          break
        }
        case id_ce_subjectKeyIdentifier:
          out.subjectKeyId = new Uint8Array(AsnConvert.parse(value, SubjectKeyIdentifier).buffer)
          break
        case id_ce_authorityKeyIdentifier: {
          const id = AsnConvert.parse(value, AuthorityKeyIdentifier).keyIdentifier
          if (id !== undefined) out.authorityKeyId = new Uint8Array(id.buffer)
          break
        }
        default:
          if (ext.critical && !recognised.has(ext.extnID)) unknownCritical.push(ext.extnID)
      }
    } catch (e) {
      return Result.fail(`extension ${ext.extnID} does not decode: ${e instanceof Error ? e.message : String(e)}`)
    }
  }
  out.unknownCritical = unknownCritical
  return Result.succeed(out)
}
