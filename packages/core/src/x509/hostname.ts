/**
 * Server identity (RFC 9525): a reference identifier — the name the client connected to —
 * is matched against the certificate's subjectAltName. DNS names compare case-insensitively
 * (ASCII only: internationalised names must be given as A-labels and are compared as
 * given, §6.3); a wildcard is only the complete left-most label and stands for exactly one
 * label (§6.3); an IP address matches only iPAddress entries (§6.2); the subject's
 * commonName is never consulted unless the caller asks for the legacy fallback (§6.4.4
 * allows it only when there are no DNS-ID entries).
 *
 * @since 0.1.0
 */
import type { ParsedCertificate } from "./certificate.js"
import { sameBytes } from "./certificate.js"
import { parseIp } from "./ip.js"
import { commonNames } from "./names.js"

/** Options of host name verification. @since 0.1.0 @category models */
export interface HostnameOptions {
  /**
   * Fall back to the subject's last commonName when the certificate has no DNS
   * subjectAltName (RFC 9525 §6.4.4: "a client MUST NOT seek a match for a reference
   * identifier of CN-ID if the presented identifiers include a DNS-ID"). Off by default.
   */
  readonly allowCommonNameFallback?: boolean | undefined
}

// Lowercase ASCII only (RFC 9525 §6.3, RFC 4343); one trailing dot is the root label.
const canonical = (name: string): string | undefined => {
  const n = name.endsWith(".") ? name.slice(0, -1) : name
  if (n.length === 0 || n.length > 253 || !/^[\x21-\x7e]+$/.test(n)) return undefined
  const lower = n.toLowerCase()
  return lower.split(".").some((l) => l.length === 0 || l.length > 63) ? undefined : lower
}

/**
 * Whether a presented DNS-ID matches a reference DNS name (RFC 9525 §6.3): equal ignoring
 * ASCII case, or a presented `*.rest` whose wildcard is the whole left-most label matching
 * exactly one non-empty label of the reference, with at least two labels in `rest`.
 *
 * **Gotchas**: `*.a.test` matches `b.a.test` but neither `a.test` nor `c.b.a.test`; partial
 * wildcards (`b*.a.test`) never match; U-labels never match (convert them to A-labels first).
 *
 * @since 0.1.0
 */
export const matchDnsName = (presented: string, reference: string): boolean => {
  const p = canonical(presented)
  const r = canonical(reference)
  if (p === undefined || r === undefined) return false
  if (!p.includes("*")) return p === r
  // "the wildcard character ... is the complete left-most label"
  if (!p.startsWith("*.") || p.indexOf("*", 1) >= 0) return false
  const rest = p.slice(2)
  if (rest.split(".").length < 2) return false
  const dot = r.indexOf(".")
  return dot > 0 && r.slice(dot + 1) === rest
}

/**
 * Whether the certificate is valid for `serverName` (RFC 9525 §6): an IP address against
 * iPAddress entries, a DNS name against dNSName entries, optionally the commonName fallback.
 *
 * @since 0.1.0
 */
export const matchesServerName = (cert: ParsedCertificate, serverName: string, options: HostnameOptions = {}): boolean => {
  const san = cert.extensions.subjectAltName
  const ip = parseIp(serverName)
  if (ip !== undefined) {
    // RFC 9525 §6.2: an IP reference identifier matches only an iPAddress entry, octet for octet.
    return (san?.ip ?? []).some((entry) => {
      const bytes = parseIp(entry)
      return bytes !== undefined && sameBytes(bytes, ip)
    })
  }
  const dns = san?.dns ?? []
  if (dns.length > 0) return dns.some((d) => matchDnsName(d, serverName))
  if (options.allowCommonNameFallback !== true) return false
  const cns = commonNames(cert.cert.tbsCertificate.subject)
  const last = cns[cns.length - 1]
  return last !== undefined && matchDnsName(last, serverName)
}
