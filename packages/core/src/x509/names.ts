/**
 * Distinguished names (RFC 5280 §4.1.2.4): OpenSSL's one-line printing, the canonical form
 * names are matched in (RFC 5280 §7.1), and the commonName values host name verification
 * may fall back to (RFC 9525 §6.4.4).
 *
 * @since 0.1.0
 */
import { AsnConvert } from "@peculiar/asn1-schema"
import { Name } from "@peculiar/asn1-x509"

const oidNames: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.4": "SN",
  "2.5.4.5": "serialNumber",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.9": "street",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.12": "title",
  "2.5.4.17": "postalCode",
  "2.5.4.42": "GN",
  "2.5.4.97": "organizationIdentifier",
  "1.2.840.113549.1.9.1": "emailAddress",
  "0.9.2342.19200300.100.1.1": "UID",
  "0.9.2342.19200300.100.1.25": "DC"
}

/** The OID of the commonName attribute (RFC 5280 §4.1.2.4, X.520). */
export const id_at_commonName = "2.5.4.3"

type AttributeValue = Name[number][number]["value"]

/** The text of an attribute value, whatever string type carries it. */
export const attributeText = (v: AttributeValue): string =>
  v.printableString ?? v.utf8String ?? v.ia5String ?? v.teletexString ?? v.universalString ?? v.bmpString ?? v.toString()

const hex2 = (n: number): string => `\\${n.toString(16).toUpperCase().padStart(2, "0")}`
const utf8 = new TextEncoder()

/**
 * A value as OpenSSL's one-line form prints it (`XN_FLAG_ONELINE`: ESC_2253 with ESC_QUOTE,
 * ESC_CTRL, ESC_MSB): a value holding `,+<>;`, or starting with a space or `#`, or ending
 * with a space, is put in double quotes; `"` and `\` are backslash-escaped; control bytes
 * and every byte of a non-ASCII character become `\XX`.
 */
const escapeOneline = (text: string): string => {
  let quote = false
  let out = ""
  const chars = [...text]
  chars.forEach((c, i) => {
    const code = c.codePointAt(0)!
    if (c === '"' || c === "\\") out += `\\${c}`
    else if (",+<>;".includes(c) || ((i === 0 && (c === " " || c === "#")) || (i === chars.length - 1 && c === " "))) {
      quote = true
      out += c
    } else if (code < 0x20 || code === 0x7f) out += hex2(code)
    else if (code >= 0x80) for (const b of utf8.encode(c)) out += hex2(b)
    else out += c
  })
  return quote ? `"${out}"` : out
}

/**
 * A distinguished name in OpenSSL's one-line form, `CN = a.test, O = Example` (RDNs in
 * encoded order, multi-valued RDNs joined by ` + `, values quoted and escaped as OpenSSL
 * does), as `openssl verify -show_chain`, `openssl x509 -subject` and `s_client` print them.
 *
 * @since 0.1.0
 */
export const formatName = (name: Name): string =>
  name
    .map((rdn) => rdn.map((atv) => `${oidNames[atv.type] ?? atv.type} = ${escapeOneline(attributeText(atv.value))}`).join(" + "))
    .join(", ")

/**
 * A Name in the canonical form used for matching: attribute types with values lowercased,
 * trimmed and with inner white space collapsed (RFC 5280 §7.1, as OpenSSL canonicalises).
 *
 * @since 0.1.0
 */
export const nameKey = (name: Name): string =>
  name
    .map((rdn) =>
      rdn
        .map((atv) => `${atv.type}=${attributeText(atv.value).trim().replace(/\s+/g, " ").toLowerCase()}`)
        .sort()
        .join("+")
    )
    .join(",")

/**
 * Parses a DER Name (a certificate_authorities entry, RFC 8446 §4.2.4) into its canonical
 * matching key; `undefined` when it does not parse.
 *
 * @since 0.1.0
 */
export const nameKeyOfDer = (der: Uint8Array): string | undefined => {
  try {
    return nameKey(AsnConvert.parse(der, Name))
  } catch {
    return undefined
  }
}

/** The values of the commonName attributes of a name, in order (RFC 9525 §6.4.4). @since 0.1.0 */
export const commonNames = (name: Name): ReadonlyArray<string> =>
  name.flatMap((rdn) => rdn.filter((atv) => atv.type === id_at_commonName).map((atv) => attributeText(atv.value)))

