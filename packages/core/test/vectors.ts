/**
 * Test-only loader for the shared vectors in `../shared/vectors/` (hex strings
 * throughout; see that folder's README).
 */
import { readFileSync } from "node:fs"

const root = new URL("../../../../shared/vectors/", import.meta.url)

/** The parsed JSON of one vector file, e.g. `loadVector("tls12-prf.json")`. */
export const loadVector = <A = Record<string, unknown>>(name: string): A =>
  JSON.parse(readFileSync(new URL(name, root), "utf8")) as A

/** Bytes from a hex string (whitespace ignored). */
export const fromHex = (hex: string): Uint8Array => {
  const clean = hex.replace(/\s+/g, "")
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new Error(`not hex: ${clean.slice(0, 16)}…`)
  const out = new Uint8Array(clean.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16)
  return out
}

/** Lowercase hex of bytes. */
export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex")

/** DER bytes of the first PEM block with the given label. */
export const pemToDer = (pem: string, label: string): Uint8Array => {
  const match = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`).exec(pem)
  if (match === null) throw new Error(`no ${label} block`)
  return new Uint8Array(Buffer.from(match[1]!.replace(/\s+/g, ""), "base64"))
}
