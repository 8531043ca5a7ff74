/**
 * Name constraints (RFC 5280 §4.2.1.10, processed as §6.1.3 (b)–(c) and §6.1.4 (g)): a
 * CA's permitted and excluded subtrees apply to every certificate below it in the path.
 * Implemented forms: dNSName, iPAddress and directoryName (the subject and directoryName
 * SANs). A constrained form we do not implement (rfc822Name, URI, ...) that a certificate
 * below actually uses is a violation, as §4.2.1.10 allows ("the application MUST either
 * process the constraint or reject the certificate"). Like OpenSSL and Chromium, a leaf
 * without DNS subjectAltName has a host-name-like commonName checked as a dNSName.
 *
 * @since 0.1.0
 */
import type { ParsedCertificate } from "./certificate.js"
import type { ConstraintBase, NameConstraintsInfo } from "./extensions.js"
import { ipInSubtree, parseIp, parseIpSubtree } from "./ip.js"
import { commonNames } from "./names.js"

const dnsLower = (s: string): string => (s.endsWith(".") ? s.slice(0, -1) : s).toLowerCase()

/**
 * Whether a DNS name lies in a dNSName subtree (RFC 5280 §4.2.1.10: "any DNS name that
 * can be constructed by simply adding zero or more labels to the left-hand side"); a
 * constraint with a leading dot admits subdomains only (OpenSSL's reading); an empty
 * constraint admits every name.
 *
 * @since 0.1.0
 */
export const dnsInSubtree = (name: string, constraint: string): boolean => {
  const n = dnsLower(name)
  const c = dnsLower(constraint)
  if (c === "") return true
  if (c.startsWith(".")) return n.endsWith(c)
  return n === c || n.endsWith(`.${c}`)
}

// A wildcard name `*.rest` could stand for a name inside the excluded subtree.
const wildcardMayHit = (name: string, constraint: string): boolean => {
  const n = dnsLower(name)
  if (!n.startsWith("*.")) return false
  const c = dnsLower(constraint).replace(/^\./, "")
  const rest = n.slice(2)
  return c === rest || c.endsWith(`.${rest}`) || dnsInSubtree(rest, c)
}

const dnInSubtree = (name: string, constraint: string): boolean => name === constraint || name.startsWith(`${constraint},`)

interface Names {
  readonly dns: ReadonlyArray<string>
  readonly ip: ReadonlyArray<Uint8Array>
  readonly dn: ReadonlyArray<string>
  readonly otherKinds: ReadonlySet<string>
}

const hostLike = /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+\.?$/

const namesOf = (cert: ParsedCertificate, isLeaf: boolean): Names => {
  const san = cert.extensions.subjectAltName
  const sanDns = san?.dns ?? []
  const cnAsDns = isLeaf && sanDns.length === 0 ? commonNames(cert.cert.tbsCertificate.subject).filter((cn) => hostLike.test(cn)) : []
  return {
    dns: [...sanDns, ...cnAsDns],
    ip: (san?.ip ?? []).map((t) => parseIp(t) ?? new Uint8Array(0)),
    dn: [...(cert.cert.tbsCertificate.subject.length > 0 ? [cert.subjectKey] : []), ...(san?.dn ?? [])],
    otherKinds: new Set((san?.other ?? []).map((o) => o.kind))
  }
}

const within = (kind: "dns" | "ip" | "dn", name: string | Uint8Array, base: ConstraintBase): boolean => {
  if (base.kind !== kind) return false
  switch (kind) {
    case "dns":
      return dnsInSubtree(name as string, base.value)
    case "ip": {
      const subtree = parseIpSubtree(base.value)
      return subtree !== undefined && ipInSubtree(name as Uint8Array, subtree)
    }
    case "dn":
      return dnInSubtree(name as string, base.value)
  }
}

const show = (name: string | Uint8Array): string => (typeof name === "string" ? name : name.length === 4 ? name.join(".") : "IPv6 address")

/**
 * The first violation of one CA's constraints by one certificate below it, as a sentence,
 * or `undefined` when the certificate's names all comply.
 *
 * @since 0.1.0
 */
export const violation = (constraints: NameConstraintsInfo, cert: ParsedCertificate, isLeaf: boolean): string | undefined => {
  const names = namesOf(cert, isLeaf)
  for (const kind of ["dns", "ip", "dn"] as const) {
    const permitted = constraints.permitted.filter((b) => b.kind === kind)
    for (const name of names[kind]) {
      if (permitted.length > 0 && !permitted.some((b) => within(kind, name, b))) return `${kind} name ${show(name)} is outside the permitted subtrees`
      const excluded = constraints.excluded.find((b) => within(kind, name, b) || (kind === "dns" && b.kind === "dns" && wildcardMayHit(name as string, b.value)))
      if (excluded !== undefined) return `${kind} name ${show(name)} is in the excluded subtree ${excluded.value}`
    }
  }
  const unsupported = [...constraints.permitted, ...constraints.excluded].find((b) => b.kind === "other" && names.otherKinds.has(b.value))
  if (unsupported !== undefined) return `constraints on ${unsupported.value} names are not supported and the certificate has one`
  return undefined
}
