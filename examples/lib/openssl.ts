/**
 * OpenSSL's vocabulary for what effect-tls negotiates: group names as `-groups` takes
 * them, suite names as `-ciphersuites`/`-cipher` take them, protocol names as OpenSSL
 * prints them, and the `-state` lines OpenSSL prints for each handshake step.
 */
import { AlertDescription, NamedGroup, suiteByName, suiteInfo, suiteName } from "@effect-tls/codec"

const groupAliases: Record<string, number> = {
  x25519: NamedGroup.values.x25519,
  "p-256": NamedGroup.values.secp256r1,
  prime256v1: NamedGroup.values.secp256r1,
  secp256r1: NamedGroup.values.secp256r1,
  "p-384": NamedGroup.values.secp384r1,
  secp384r1: NamedGroup.values.secp384r1,
  ffdhe2048: NamedGroup.values.ffdhe2048,
  ffdhe3072: NamedGroup.values.ffdhe3072,
  ffdhe4096: NamedGroup.values.ffdhe4096,
  x25519mlkem768: NamedGroup.values.X25519MLKEM768
}

/** `-groups X25519:P-256` → code points (unknown names are an error). */
export const parseGroups = (list: string): ReadonlyArray<number> | string => {
  const out: Array<number> = []
  for (const name of list.split(/[:,]/)) {
    const g = groupAliases[name.toLowerCase()]
    if (g === undefined) return `unknown group ${name}`
    out.push(g)
  }
  return out
}

/** A group's name as OpenSSL prints it (`X25519`, `P-256`). */
export const groupText = (code: number | undefined): string => {
  switch (code) {
    case undefined:
      return "none"
    case NamedGroup.values.x25519:
      return "X25519"
    case NamedGroup.values.secp256r1:
      return "P-256"
    case NamedGroup.values.secp384r1:
      return "P-384"
    case NamedGroup.values.X25519MLKEM768:
      return "X25519MLKEM768"
    default:
      return NamedGroup.nameOf(code)
  }
}

/** `-ciphersuites` / `-cipher` lists (IANA or OpenSSL names, `:`-separated) → code points. */
export const parseSuites = (list: string): ReadonlyArray<number> | string => {
  const out: Array<number> = []
  for (const name of list.split(":")) {
    const code = suiteByName(name)
    if (code === undefined) return `unknown cipher suite ${name}`
    out.push(code)
  }
  return out
}

/** The TLS 1.2 key exchanges a list of suites needs (ECDHE always allowed). */
export const kxOf = (suites: ReadonlyArray<number>): ReadonlyArray<"ECDHE" | "DHE" | "RSA"> => {
  const out = new Set<"ECDHE" | "DHE" | "RSA">(["ECDHE"])
  for (const s of suites) {
    const kx = suiteInfo(s)?.keyExchange
    if (kx === "DHE" || kx === "RSA") out.add(kx)
  }
  return [...out]
}

/** A suite as OpenSSL names it in `Cipher is ...` (IANA for TLS 1.3, OpenSSL's own for 1.2). */
export const suiteText = (code: number): string => {
  const info = suiteInfo(code)
  return info === undefined ? suiteName(code) : info.openssl
}

/** `TLSv1.3`, `TLSv1.2`. */
export const versionText = (v: number): string => (v === 0x0304 ? "TLSv1.3" : v === 0x0303 ? "TLSv1.2" : `0x${v.toString(16)}`)

/** An alert as OpenSSL's state callback prints it: `SSL3 alert read:warning:close notify`. */
export const alertLine = (direction: "read" | "write", level: number, description: number): string =>
  `SSL3 alert ${direction}:${level === 1 ? "warning" : "fatal"}:${AlertDescription.nameOf(description).replace(/_RESERVED$/, "").replace(/_/g, " ")}`

const clientSteps: Record<string, ReadonlyArray<string>> = {
  "write ClientHello": ["SSLv3/TLS write client hello", "SSLv3/TLS write client hello"],
  "read HelloRetryRequest, write ClientHello": ["SSLv3/TLS read server hello", "SSLv3/TLS write client hello"],
  "read ServerHello": ["SSLv3/TLS read server hello"],
  "read EncryptedExtensions": ["TLSv1.3 read encrypted extensions"],
  "read CertificateRequest": ["SSLv3/TLS read server certificate request"],
  "read Certificate": ["SSLv3/TLS read server certificate"],
  "read CertificateVerify": ["TLSv1.3 read server certificate verify"],
  "read Finished": ["SSLv3/TLS read finished"],
  "write ChangeCipherSpec": ["SSLv3/TLS write change cipher spec"],
  "write EndOfEarlyData": ["SSLv3/TLS write end of early data"],
  "write Certificate": ["SSLv3/TLS write client certificate"],
  "write CertificateVerify": ["SSLv3/TLS write certificate verify"],
  "write Finished": ["SSLv3/TLS write finished"],
  "read NewSessionTicket": ["SSLv3/TLS read server session ticket"]
}

const serverSteps: Record<string, ReadonlyArray<string>> = {
  listen: ["before SSL initialization", "before SSL initialization"],
  "read ClientHello": ["SSLv3/TLS read client hello"],
  "read ClientHello, write HelloRetryRequest": ["SSLv3/TLS read client hello", "SSLv3/TLS write hello retry request"],
  "write ServerHello": ["SSLv3/TLS write server hello"],
  "write ChangeCipherSpec": ["SSLv3/TLS write change cipher spec"],
  "write EncryptedExtensions": ["TLSv1.3 write encrypted extensions"],
  "write CertificateRequest": ["SSLv3/TLS write certificate request"],
  "write Certificate": ["SSLv3/TLS write certificate"],
  "write CertificateVerify": ["TLSv1.3 write server certificate verify"],
  "write Finished": ["SSLv3/TLS write finished"],
  "flight sent": ["TLSv1.3 early data", "TLSv1.3 early data"],
  "read EndOfEarlyData": ["SSLv3/TLS read end of early data"],
  "read Certificate": ["SSLv3/TLS read client certificate"],
  "read Certificate (empty)": ["SSLv3/TLS read client certificate"],
  "read CertificateVerify": ["SSLv3/TLS read certificate verify"],
  "read Finished": ["SSLv3/TLS read finished"],
  "write NewSessionTicket": ["SSLv3/TLS write session ticket"]
}

/** Where TLS 1.2 says it differently. */
const client12Steps: Record<string, ReadonlyArray<string>> = {
  "read ServerKeyExchange": ["SSLv3/TLS read server key exchange"],
  "read ServerHelloDone": ["SSLv3/TLS read server done"],
  "write ClientKeyExchange": ["SSLv3/TLS write client key exchange"],
  "write Finished": ["SSLv3/TLS write finished", "SSLv3/TLS write finished"],
  "read ChangeCipherSpec": ["SSLv3/TLS read change cipher spec"]
}
const server12Steps: Record<string, ReadonlyArray<string>> = {
  "write ServerKeyExchange": ["SSLv3/TLS write key exchange"],
  "write ServerHelloDone": ["SSLv3/TLS write server done", "SSLv3/TLS write server done"],
  "read ClientKeyExchange": ["SSLv3/TLS read client key exchange"],
  "read ChangeCipherSpec": ["SSLv3/TLS read change cipher spec"],
  "write NewSessionTicket": ["SSLv3/TLS write session ticket"]
}

/**
 * The `-state` lines for one of our trace entries, with OpenSSL's prefix
 * (`SSL_connect:` for a client, `SSL_accept:` for a server); a TLS 1.2 state (`Wait12…`)
 * takes TLS 1.2's wording. KeyUpdate and alerts are printed elsewhere; notes OpenSSL has no
 * line for print none.
 */
export const stateLines = (role: "client" | "server", note: string, from = "", to = ""): ReadonlyArray<string> => {
  const tls12 = /^(Wait12|Connected12)/.test(from) || /^(Wait12|Connected12)/.test(to)
  const steps = (tls12 ? (role === "client" ? client12Steps : server12Steps)[note] : undefined) ?? (role === "client" ? clientSteps : serverSteps)[note] ?? []
  return steps.map((s) => `${role === "client" ? "SSL_connect" : "SSL_accept"}:${s}`)
}

/** The line OpenSSL prints when a handshake completes. */
export const finishedLine = (role: "client" | "server"): string =>
  `${role === "client" ? "SSL_connect" : "SSL_accept"}:SSL negotiation finished successfully`
