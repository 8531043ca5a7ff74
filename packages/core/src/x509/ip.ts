/**
 * IP addresses as text and bytes: the iPAddress form of GeneralName (RFC 5280 §4.2.1.6,
 * four or sixteen octets; in name constraints an address and a mask, §4.2.1.10) and the
 * IP reference identifiers of RFC 9525 §6.2.
 *
 * @since 0.1.0
 */

const v4 = (text: string): Uint8Array | undefined => {
  const parts = text.split(".")
  if (parts.length !== 4) return undefined
  const out = new Uint8Array(4)
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined
    const n = Number(p)
    if (n > 255) return undefined
    out[i] = n
  }
  return out
}

const v6 = (text: string): Uint8Array | undefined => {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined
  const halves = text.split("::")
  if (halves.length > 2) return undefined
  const groups = (s: string): Array<number> | undefined => {
    if (s === "") return []
    const out: Array<number> = []
    const parts = s.split(":")
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!
      if (i === parts.length - 1 && p.includes(".")) {
        const tail = v4(p)
        if (tail === undefined) return undefined
        out.push((tail[0]! << 8) | tail[1]!, (tail[2]! << 8) | tail[3]!)
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined
        out.push(parseInt(p, 16))
      }
    }
    return out
  }
  const head = groups(halves[0]!)
  const tail = halves.length === 2 ? groups(halves[1]!) : []
  if (head === undefined || tail === undefined) return undefined
  const missing = 8 - head.length - tail.length
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined
  const all = [...head, ...new Array<number>(halves.length === 1 ? 0 : missing).fill(0), ...tail]
  const out = new Uint8Array(16)
  all.forEach((g, i) => {
    out[2 * i] = g >> 8
    out[2 * i + 1] = g & 0xff
  })
  return out
}

/**
 * The octets of an IPv4 dotted quad or an IPv6 address (RFC 4291 §2.2 text forms, with
 * optional brackets); `undefined` when `text` is not an IP address.
 *
 * @since 0.1.0
 */
export const parseIp = (text: string): Uint8Array | undefined => {
  const t = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text
  return t.includes(":") ? v6(t) : v4(t)
}

/**
 * An iPAddress name-constraint subtree as the library prints it (`10.0.0.0/8`, `fd00::/8`):
 * the address and its mask (RFC 5280 §4.2.1.10); `undefined` when it does not parse.
 *
 * @since 0.1.0
 */
export const parseIpSubtree = (text: string): { readonly address: Uint8Array; readonly mask: Uint8Array } | undefined => {
  const slash = text.lastIndexOf("/")
  if (slash < 0) return undefined
  const address = parseIp(text.slice(0, slash))
  const prefix = text.slice(slash + 1)
  if (address === undefined || !/^[0-9]{1,3}$/.test(prefix)) return undefined
  const bits = Number(prefix)
  if (bits > address.length * 8) return undefined
  const mask = new Uint8Array(address.length)
  for (let i = 0; i < mask.length; i++) mask[i] = bits >= (i + 1) * 8 ? 0xff : bits > i * 8 ? (0xff << (8 - (bits - i * 8))) & 0xff : 0
  return { address, mask }
}

/** Whether `ip` lies in the subtree (same family, equal under the mask; RFC 5280 §4.2.1.10). @since 0.1.0 */
export const ipInSubtree = (ip: Uint8Array, subtree: { readonly address: Uint8Array; readonly mask: Uint8Array }): boolean => {
  if (ip.length !== subtree.address.length) return false
  for (let i = 0; i < ip.length; i++) if ((ip[i]! & subtree.mask[i]!) !== (subtree.address[i]! & subtree.mask[i]!)) return false
  return true
}
