/**
 * Shared pieces of the TLS 1.3 interop tests (`test/interop/tls13-*.test.ts`,
 * `certs-*.test.ts`) that do not depend on effect-tls itself: a PKI forge on `openssl ca`
 * with dates relative to now (expired, not-yet-valid, revoked, RSA-PSS keys, several CAs);
 * the names each peer gives the code points (suites, groups, schemes); a parser for
 * OpenSSL's `-trace` / `enableTrace()` output and `s_client`'s summary; deterministic
 * payloads and SHA-256 digests; a hasher for a payload a peer prints to stdout after a
 * marker; and an inbox that drains an Effect byte stream with a bounded wait.
 *
 * **Gotchas**: the forge is synchronous (call it in `beforeAll`, `cleanup()` in
 * `afterAll`). Nothing here imports `@effect-tls/*`: this project is built before the
 * packages, so the Effect glue that needs their types lives in the test files.
 *
 * @since 0.1.0
 */
import { execFileSync } from "node:child_process"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import type { Readable } from "node:stream"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"

// ---------------------------------------------------------------------------------------
// Code points and the names peers give them
// ---------------------------------------------------------------------------------------

/** A TLS 1.3 cipher suite with its code point and each peer's name for it. */
export interface SuiteInfo {
  readonly code: number
  /** IANA / OpenSSL / node:tls name. */
  readonly name: string
  /** GnuTLS priority-string cipher name (`+AES-128-GCM`) and its printed `- Cipher:` value. */
  readonly gnutls: string
}

/** The three TLS 1.3 suites. */
export const suites: ReadonlyArray<SuiteInfo> = [
  { code: 0x1301, name: "TLS_AES_128_GCM_SHA256", gnutls: "AES-128-GCM" },
  { code: 0x1302, name: "TLS_AES_256_GCM_SHA384", gnutls: "AES-256-GCM" },
  { code: 0x1303, name: "TLS_CHACHA20_POLY1305_SHA256", gnutls: "CHACHA20-POLY1305" }
]

/** A key-exchange group with its code point and each peer's name for it. */
export interface GroupInfo {
  readonly code: number
  /** Our name (the IANA name). */
  readonly name: string
  /** `openssl -groups` / node `ecdhCurve` name. */
  readonly openssl: string
  /** GnuTLS priority name (`GROUP-X25519`) without the `+`; undefined when GnuTLS lacks it. */
  readonly gnutls: string | undefined
  /** What `openssl s_client` prints after `Server Temp Key:` (a prefix). */
  readonly tempKey: string
  /** What `gnutls-cli` / `gnutls-serv` print in `- Description:` for the key exchange. */
  readonly gnutlsKx: string | undefined
  /** What node's `getEphemeralKeyInfo()` answers on the client side. */
  readonly nodeEphemeral: { readonly type: string; readonly name?: string; readonly size?: number }
}

/** The groups the matrix covers. */
export const groups = {
  x25519: {
    code: 0x001d, name: "x25519", openssl: "X25519", gnutls: "GROUP-X25519", tempKey: "X25519, 253 bits", gnutlsKx: "ECDHE-X25519",
    nodeEphemeral: { type: "ECDH", name: "X25519", size: 253 }
  },
  secp256r1: {
    code: 0x0017, name: "secp256r1", openssl: "P-256", gnutls: "GROUP-SECP256R1", tempKey: "ECDH, prime256v1, 256 bits", gnutlsKx: "ECDHE-SECP256R1",
    nodeEphemeral: { type: "ECDH", name: "prime256v1", size: 256 }
  },
  secp384r1: {
    code: 0x0018, name: "secp384r1", openssl: "P-384", gnutls: "GROUP-SECP384R1", tempKey: "ECDH, secp384r1, 384 bits", gnutlsKx: "ECDHE-SECP384R1",
    nodeEphemeral: { type: "ECDH", name: "secp384r1", size: 384 }
  },
  ffdhe2048: {
    code: 0x0100, name: "ffdhe2048", openssl: "ffdhe2048", gnutls: "GROUP-FFDHE2048", tempKey: "DH, 2048 bits", gnutlsKx: "DHE-FFDHE2048",
    nodeEphemeral: { type: "DH", size: 2048 }
  },
  ffdhe3072: {
    code: 0x0101, name: "ffdhe3072", openssl: "ffdhe3072", gnutls: "GROUP-FFDHE3072", tempKey: "DH, 3072 bits", gnutlsKx: "DHE-FFDHE3072",
    nodeEphemeral: { type: "DH", size: 3072 }
  },
  // Neither OpenSSL 3.0 nor GnuTLS 3.7 implements it; node:tls (OpenSSL 3.5) does.
  X25519MLKEM768: {
    code: 0x11ec, name: "X25519MLKEM768", openssl: "X25519MLKEM768", gnutls: undefined, tempKey: "X25519MLKEM768", gnutlsKx: undefined,
    nodeEphemeral: { type: "TLSGroup", name: "X25519MLKEM768" }
  }
} as const satisfies Record<string, GroupInfo>

/** The classical groups every peer here implements (X25519MLKEM768 only node:tls has). */
export const classicalGroups: ReadonlyArray<GroupInfo> = [groups.x25519, groups.secp256r1, groups.secp384r1, groups.ffdhe2048, groups.ffdhe3072]

/** Signature schemes by name (RFC 8446 §4.2.3). */
export const schemes = {
  ecdsa_secp256r1_sha256: 0x0403,
  ecdsa_secp384r1_sha384: 0x0503,
  rsa_pss_rsae_sha256: 0x0804,
  rsa_pss_rsae_sha384: 0x0805,
  ed25519: 0x0807,
  rsa_pss_pss_sha256: 0x0809,
  rsa_pss_pss_sha384: 0x080a
} as const

/** Alert descriptions (RFC 8446 §6). */
export const alerts = {
  close_notify: 0,
  unexpected_message: 10,
  bad_record_mac: 20,
  handshake_failure: 40,
  bad_certificate: 42,
  unsupported_certificate: 43,
  certificate_revoked: 44,
  certificate_expired: 45,
  certificate_unknown: 46,
  illegal_parameter: 47,
  unknown_ca: 48,
  decode_error: 50,
  decrypt_error: 51,
  certificate_required: 116,
  no_application_protocol: 120
} as const

/** An alert name from `alerts`. */
export type AlertName = keyof typeof alerts

// ---------------------------------------------------------------------------------------
// The PKI forge
// ---------------------------------------------------------------------------------------

/** Key algorithms the forge makes. `rsa-pss` is an RSASSA-PSS key (id-RSASSA-PSS SPKI). */
export type KeyKind = "p256" | "p384" | "ed25519" | "rsa2048" | "rsa-pss" | "rsa1024"

/** A certificate and its key on disk. */
export interface Cert {
  readonly name: string
  readonly certPath: string
  readonly keyPath: string
  readonly pem: string
  readonly keyPem: string
  readonly der: Uint8Array
}

/** A CA: a certificate with a database for issuing. */
export interface Ca extends Cert {
  readonly cnf: string
}

/** How to issue one certificate; days are relative to now (negative: in the past). */
export interface IssueOptions {
  readonly key?: KeyKind
  /** `-subj` form, `/CN=x/O=y`; defaults to `/CN=<name>`. */
  readonly subj?: string
  /** notBefore, in days from now (default -1). */
  readonly from?: number
  /** notAfter, in days from now (default 30). */
  readonly to?: number
  /** Extension lines for `-extfile`. */
  readonly ext: ReadonlyArray<string>
}

const keyArgs: Record<KeyKind, ReadonlyArray<string>> = {
  p256: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
  p384: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
  ed25519: ["-algorithm", "ED25519"],
  rsa2048: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
  "rsa-pss": ["-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048"],
  rsa1024: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"]
}

/** Extension lines of a CA. */
export const caExt = (): ReadonlyArray<string> => [
  "basicConstraints=critical,CA:TRUE",
  "keyUsage=critical,keyCertSign,cRLSign",
  "subjectKeyIdentifier=hash",
  "authorityKeyIdentifier=keyid:always"
]

/** The SANs the interop leaves carry: `localhost` and `127.0.0.1`. */
export const loopbackSans: ReadonlyArray<string> = ["DNS:localhost", "IP:127.0.0.1"]

/** Extension lines of a TLS leaf (`eku` e.g. `serverAuth`, `clientAuth`, `serverAuth,clientAuth`). */
export const leafExt = (sans: ReadonlyArray<string> = loopbackSans, eku = "serverAuth,clientAuth"): ReadonlyArray<string> => [
  "basicConstraints=critical,CA:FALSE",
  "keyUsage=critical,digitalSignature",
  `extendedKeyUsage=${eku}`,
  ...(sans.length > 0 ? [`subjectAltName=${sans.join(",")}`] : []),
  "subjectKeyIdentifier=hash",
  "authorityKeyIdentifier=keyid"
]

/** A time for `openssl ca -startdate/-enddate`, `days` from now (UTCTime, YYMMDDHHMMSSZ). */
export const opensslDate = (days: number): string => {
  const d = new Date(Date.now() + days * 86_400_000)
  const p = (n: number) => String(n).padStart(2, "0")
  return `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`
}

/** Runs openssl in `cwd`; throws with its stderr. */
export const openssl = (args: ReadonlyArray<string>, cwd: string): string => {
  try {
    return execFileSync("openssl", args, { cwd, stdio: ["ignore", "pipe", "pipe"], timeout: 30_000 }).toString()
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string }
    throw new Error(`openssl ${args.join(" ")} failed: ${err.stderr?.toString() ?? err.message}`)
  }
}

/** The DER of every certificate in a PEM text. */
export const pemDers = (pem: string): ReadonlyArray<Uint8Array> =>
  [...pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map((m) => new Uint8Array(Buffer.from(m[1]!.replace(/\s+/g, ""), "base64")))

/** A forge: CAs with databases in one temporary directory. */
export interface Forge {
  readonly dir: string
  readonly root: (name: string, options?: Partial<IssueOptions>) => Ca
  readonly issue: (ca: Ca, name: string, options: IssueOptions) => Cert
  /** Gives an issued certificate a database so that it can issue in turn. */
  readonly asCa: (cert: Cert) => Ca
  readonly revoke: (ca: Ca, cert: Cert) => void
  /** A CRL (PEM) from the CA's database, valid from yesterday for a week; returns its path. */
  readonly crl: (ca: Ca, name: string) => string
  /** Writes a file into the directory; returns its path. */
  readonly file: (name: string, contents: string | Uint8Array) => string
  readonly cleanup: () => void
}

/** Makes a forge in a fresh temporary directory. */
export const makeForge = (prefix = "effect-tls-interop-"): Forge => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  let serial = 0x2000

  const database = (name: string, certPath: string, keyPath: string): string => {
    const db = path.join(dir, `${name}.db`)
    fs.mkdirSync(path.join(db, "new"), { recursive: true })
    fs.writeFileSync(path.join(db, "index.txt"), "")
    fs.writeFileSync(path.join(db, "crlnumber"), "01\n")
    const cnf = path.join(db, "ca.cnf")
    fs.writeFileSync(
      cnf,
      [
        "[ca]",
        "default_ca = CA_default",
        "[CA_default]",
        `database = ${path.join(db, "index.txt")}`,
        `new_certs_dir = ${path.join(db, "new")}`,
        `serial = ${path.join(db, "serial")}`,
        `crlnumber = ${path.join(db, "crlnumber")}`,
        `certificate = ${certPath}`,
        `private_key = ${keyPath}`,
        "default_md = sha256",
        "policy = pol",
        "unique_subject = no",
        "copy_extensions = none",
        "email_in_dn = no",
        "default_days = 30",
        "default_crl_days = 7",
        "[pol]",
        "commonName = optional",
        "organizationName = optional",
        "[req]",
        "distinguished_name = dn",
        "prompt = no",
        "[dn]",
        "CN = unused",
        ""
      ].join("\n")
    )
    return cnf
  }

  const read = (name: string, certPath: string, keyPath: string): Cert => {
    const pem = fs.readFileSync(certPath, "utf8")
    return { name, certPath, keyPath, pem, keyPem: fs.readFileSync(keyPath, "utf8"), der: pemDers(pem)[0]! }
  }

  const sign = (caCnf: string, name: string, o: IssueOptions, selfsign: boolean, caKey?: string, caCert?: string): Cert => {
    if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`bad name ${name}`)
    const keyPath = path.join(dir, `${name}.key`)
    openssl(["genpkey", ...keyArgs[o.key ?? "p256"], "-out", keyPath], dir)
    const csr = path.join(dir, `${name}.csr`)
    openssl(["req", "-config", caCnf, "-new", "-key", keyPath, "-subj", o.subj ?? `/CN=${name}`, "-out", csr], dir)
    const ext = path.join(dir, `${name}.ext`)
    fs.writeFileSync(ext, `${o.ext.join("\n")}\n`)
    const certPath = path.join(dir, `${name}.crt`)
    fs.writeFileSync(path.join(path.dirname(caCnf), "serial"), `${(++serial).toString(16).toUpperCase()}\n`)
    openssl(
      [
        "ca", "-batch", "-notext", "-config", caCnf, "-in", csr, "-out", certPath, "-preserveDN",
        "-startdate", opensslDate(o.from ?? -1), "-enddate", opensslDate(o.to ?? 30), "-extfile", ext,
        ...(selfsign ? ["-selfsign", "-keyfile", keyPath] : ["-keyfile", caKey!, "-cert", caCert!])
      ],
      dir
    )
    return read(name, certPath, keyPath)
  }

  const root = (name: string, o: Partial<IssueOptions> = {}): Ca => {
    const keyPath = path.join(dir, `${name}.key`)
    const certPath = path.join(dir, `${name}.crt`)
    const cnf = database(name, certPath, keyPath)
    const cert = sign(cnf, name, { ext: caExt(), subj: `/CN=${name}/O=effect-tls interop`, ...o }, true)
    return { ...cert, cnf }
  }

  return {
    dir,
    root,
    issue: (ca, name, o) => sign(ca.cnf, name, o, false, ca.keyPath, ca.certPath),
    asCa: (cert) => ({ ...cert, cnf: database(cert.name, cert.certPath, cert.keyPath) }),
    revoke: (ca, cert) => void openssl(["ca", "-config", ca.cnf, "-keyfile", ca.keyPath, "-cert", ca.certPath, "-revoke", cert.certPath, "-crl_reason", "keyCompromise"], dir),
    crl: (ca, name) => {
      const out = path.join(dir, `${name}.crl.pem`)
      openssl(["ca", "-config", ca.cnf, "-keyfile", ca.keyPath, "-cert", ca.certPath, "-gencrl", "-crl_lastupdate", opensslDate(-1), "-crl_nextupdate", opensslDate(7), "-out", out], dir)
      return out
    },
    file: (name, contents) => {
      const p = path.join(dir, path.basename(name))
      fs.writeFileSync(p, contents)
      return p
    },
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true })
  }
}

/** A server certificate kind of the matrix, with the scheme TLS 1.3 signs with for it. */
export interface ServerCertKind {
  readonly kind: "ecdsa-p256" | "ecdsa-p384" | "rsa-rsae" | "rsa-pss" | "ed25519"
  readonly key: KeyKind
  /** The CertificateVerify scheme a peer preferring SHA-256 picks for this key. */
  readonly scheme: number
  /** What `openssl s_client` prints after `Peer signature type:`. */
  readonly opensslType: string
  /** What GnuTLS prints after `- Server Signature:`. */
  readonly gnutlsSig: string
}

/** The five server certificate kinds. */
export const serverCertKinds: ReadonlyArray<ServerCertKind> = [
  { kind: "ecdsa-p256", key: "p256", scheme: schemes.ecdsa_secp256r1_sha256, opensslType: "ECDSA", gnutlsSig: "ECDSA-SECP256R1-SHA256" },
  { kind: "ecdsa-p384", key: "p384", scheme: schemes.ecdsa_secp384r1_sha384, opensslType: "ECDSA", gnutlsSig: "ECDSA-SECP384R1-SHA384" },
  { kind: "rsa-rsae", key: "rsa2048", scheme: schemes.rsa_pss_rsae_sha256, opensslType: "RSA-PSS", gnutlsSig: "RSA-PSS-RSAE-SHA256" },
  { kind: "rsa-pss", key: "rsa-pss", scheme: schemes.rsa_pss_pss_sha256, opensslType: "RSA-PSS", gnutlsSig: "RSA-PSS-SHA256" },
  { kind: "ed25519", key: "ed25519", scheme: schemes.ed25519, opensslType: "ed25519", gnutlsSig: "EdDSA-Ed25519" }
]

/** The PKI the interop matrix uses: one CA, a leaf of every server kind, client leaves. */
export interface InteropPki {
  readonly forge: Forge
  readonly ca: Ca
  /** Server leaves by kind (SANs `localhost`, `127.0.0.1`; EKU serverAuth+clientAuth). */
  readonly server: Record<ServerCertKind["kind"], Cert>
  /** A client leaf (ECDSA P-256, EKU clientAuth) and an RSA one. */
  readonly client: Cert
  readonly clientRsa: Cert
  readonly cleanup: () => void
}

/** Makes the interop PKI (two RSA key generations; about a second). */
export const makeInteropPki = (prefix: string): InteropPki => {
  const forge = makeForge(prefix)
  try {
    const ca = forge.root("ca")
    const server = Object.fromEntries(serverCertKinds.map((k) => [k.kind, forge.issue(ca, `server-${k.kind}`, { key: k.key, subj: "/CN=localhost", ext: leafExt() })])) as Record<
      ServerCertKind["kind"],
      Cert
    >
    const client = forge.issue(ca, "client", { key: "p256", subj: "/CN=interop client", ext: leafExt(["DNS:client.test"], "clientAuth") })
    const clientRsa = forge.issue(ca, "client-rsa", { key: "rsa2048", subj: "/CN=interop rsa client", ext: leafExt(["DNS:client.test"], "clientAuth") })
    return { forge, ca, server, client, clientRsa, cleanup: forge.cleanup }
  } catch (e) {
    forge.cleanup()
    throw e
  }
}

// ---------------------------------------------------------------------------------------
// OpenSSL trace (`-trace`, node's `enableTrace()`) and s_client summaries
// ---------------------------------------------------------------------------------------

/** One message of an OpenSSL trace. */
export interface TraceMessage {
  readonly dir: "sent" | "received"
  /** Handshake message name (`ServerHello`, `KeyUpdate`, ...) or `Alert`. */
  readonly type: string
  readonly lines: ReadonlyArray<string>
}

/** What an OpenSSL trace says happened. */
export interface Trace {
  readonly messages: ReadonlyArray<TraceMessage>
  /** ServerHellos (sent or received) that are not HelloRetryRequests. */
  readonly serverHello: TraceMessage | undefined
  readonly helloRetryRequest: TraceMessage | undefined
  /** The cipher suite code of the ServerHello. */
  readonly suite: number | undefined
  /** The key_share group code of the ServerHello. */
  readonly group: number | undefined
  /** The group the HelloRetryRequest asked for. */
  readonly retryGroup: number | undefined
  /** CertificateVerify schemes seen, by direction. */
  readonly certificateVerify: ReadonlyArray<{ readonly dir: "sent" | "received"; readonly scheme: number }>
  /** Alerts seen, by direction. */
  readonly alerts: ReadonlyArray<{ readonly dir: "sent" | "received"; readonly level: number; readonly description: number }>
  readonly count: (dir: "sent" | "received", type: string) => number
}

// The HelloRetryRequest random (RFC 8446 §4.1.3), as OpenSSL's trace prints it.
const HRR_RANDOM = /gmt_unix_time=0xCF21AD74[\s\S]*?random_bytes \(len=28\): E59A6111BE1D8C021E65B891C2A211167ABB8C5E079E09E2C8A8339C/

/** Parses OpenSSL's `SSL_trace` output (s_server/s_client `-trace`, node `enableTrace()`). */
export const parseTrace = (text: string): Trace => {
  const messages: Array<{ dir: "sent" | "received"; type: string; lines: Array<string> }> = []
  let dir: "sent" | "received" | undefined
  let current: { dir: "sent" | "received"; type: string; lines: Array<string> } | undefined
  for (const line of text.split("\n")) {
    if (/^Sent (Record|TLS Record)/.test(line)) {
      dir = "sent"
      current = undefined
      continue
    }
    if (/^Received (Record|TLS Record)/.test(line)) {
      dir = "received"
      current = undefined
      continue
    }
    if (dir === undefined) continue
    const hs = /^ {4}(\w+), Length=\d+\s*$/.exec(line)
    if (hs !== null) {
      current = { dir, type: hs[1]!, lines: [] }
      messages.push(current)
      continue
    }
    const alert = /^ {4}Level=\w+\((\d+)\), description=.*\((\d+)\)\s*$/.exec(line)
    if (alert !== null) {
      messages.push({ dir, type: "Alert", lines: [line, alert[1]!, alert[2]!] })
      current = undefined
      continue
    }
    if (current !== undefined && /^ {5,}/.test(line)) current.lines.push(line)
    else if (!/^ /.test(line)) current = undefined
  }
  const isHrr = (m: TraceMessage) => (m.type === "ServerHello" && HRR_RANDOM.test(m.lines.join("\n"))) || m.type === "HelloRetryRequest"
  const helloRetryRequest = messages.find(isHrr)
  const serverHello = messages.find((m) => m.type === "ServerHello" && !isHrr(m))
  const suiteOf = (m: TraceMessage | undefined) => {
    const s = m?.lines.map((l) => /cipher_suite \{0x([0-9A-Fa-f]{2}), 0x([0-9A-Fa-f]{2})\}/.exec(l)).find((x) => x !== null)
    return s ? (parseInt(s[1]!, 16) << 8) | parseInt(s[2]!, 16) : undefined
  }
  const groupOf = (m: TraceMessage | undefined) => {
    const g = m?.lines.map((l) => /NamedGroup: .*\((\d+)\)\s*$/.exec(l)).find((x) => x !== null)
    return g ? Number(g[1]) : undefined
  }
  const certificateVerify = messages
    .filter((m) => m.type === "CertificateVerify")
    .flatMap((m) => {
      const s = m.lines.map((l) => /Signature Algorithm: .*\(0x([0-9a-fA-F]{4})\)/.exec(l)).find((x) => x !== null)
      return s ? [{ dir: m.dir, scheme: parseInt(s[1]!, 16) }] : []
    })
  return {
    messages,
    serverHello,
    helloRetryRequest,
    suite: suiteOf(serverHello),
    group: groupOf(serverHello),
    retryGroup: groupOf(helloRetryRequest),
    certificateVerify,
    alerts: messages.filter((m) => m.type === "Alert").map((m) => ({ dir: m.dir, level: Number(m.lines[1]), description: Number(m.lines[2]) })),
    count: (d, type) => messages.filter((m) => m.dir === d && m.type === type).length
  }
}

/** The summary `openssl s_client` prints after a handshake. */
export interface SClientSummary {
  readonly protocol: string | undefined
  readonly cipher: string | undefined
  readonly reused: boolean
  readonly tempKey: string | undefined
  readonly peerSignatureType: string | undefined
  readonly peerSigningDigest: string | undefined
  readonly alpn: string | undefined
  readonly verify: string | undefined
}

/** Parses `openssl s_client`'s summary (the first one printed). */
export const parseSClient = (text: string): SClientSummary => {
  const m = /^(New|Reused), (TLSv[\d.]+|\(NONE\)), Cipher is (\S+)/m.exec(text)
  const get = (re: RegExp) => re.exec(text)?.[1]?.trim()
  return {
    protocol: m?.[2],
    cipher: m?.[3],
    reused: m?.[1] === "Reused",
    tempKey: get(/^Server Temp Key: (.*)$/m),
    peerSignatureType: get(/^Peer signature type: (.*)$/m),
    peerSigningDigest: get(/^Peer signing digest: (.*)$/m),
    alpn: get(/^ALPN protocol: (.*)$/m),
    verify: get(/^Verify return code: (.*)$/m)
  }
}

/** The `- Description:` line GnuTLS prints, split: version, kx, signature, cipher. */
export const parseGnutlsDescription = (text: string): { readonly version: string; readonly kx: string; readonly sig: string; readonly cipher: string } | undefined => {
  const m = /- Description: \((TLS[\d.]+)-[^)]*\)-\(([^)]*)\)-\(([^)]*)\)-\(([^)]*)\)/.exec(text)
  return m ? { version: m[1]!, kx: m[2]!, sig: m[3]!, cipher: m[4]! } : undefined
}

// ---------------------------------------------------------------------------------------
// Payloads, digests, and reading
// ---------------------------------------------------------------------------------------

/** The SHA-256 of bytes (or of several chunks), as lowercase hex. */
export const sha256 = (data: Uint8Array | ReadonlyArray<Uint8Array>): string => {
  const h = createHash("sha256")
  for (const c of data instanceof Uint8Array ? [data] : data) h.update(c)
  return h.digest("hex")
}

const HEX = Buffer.from("0123456789abcdef")

/**
 * `length` deterministic pseudo-random bytes from `seed`. With `text`, only the characters
 * `0-9a-f`: no newline and none of the command letters `openssl s_server`/`s_client` and
 * `gnutls-cli` act on, so a peer that reads stdin or prints to stdout passes it unchanged.
 * With `lineEvery`, every that many bytes (and the last byte) is a newline: lines for a
 * line-based echo server (`gnutls-serv --echo` answers each NUL-free line).
 */
export const payload = (length: number, seed: number, options: { readonly text?: boolean; readonly lineEvery?: number } = {}): Uint8Array => {
  const out = new Uint8Array(length)
  let x = (seed ^ 0x9e3779b9) >>> 0 || 1
  for (let i = 0; i < length; i += 4) {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    for (let j = 0; j < 4 && i + j < length; j++) {
      const b = (x >>> (8 * j)) & 0xff
      out[i + j] = options.text === true ? HEX[b & 15]! : b
    }
  }
  const every = options.lineEvery
  if (every !== undefined && length > 0) {
    for (let i = every - 1; i < length; i += every) out[i] = 0x0a
    out[length - 1] = 0x0a
  }
  return out
}

/** One MiB. */
export const MiB = 1 << 20

/**
 * Hashes what a peer prints to `stream` after `marker`: the next `length` bytes. The stream
 * may already be decoded as UTF-8 (spawnPeer does that); the payload must then be ASCII.
 */
export const hashAfterMarker = (
  stream: Readable,
  marker: string,
  length: number
): { readonly done: (timeoutMs: number) => Promise<{ readonly sha256: string; readonly length: number }>; readonly received: () => number } => {
  const h = createHash("sha256")
  let pending = ""
  let found = false
  let got = 0
  let settle: (() => void) | undefined
  const onData = (chunk: string | Buffer) => {
    let s = typeof chunk === "string" ? chunk : chunk.toString("latin1")
    if (!found) {
      pending += s
      const i = pending.indexOf(marker)
      if (i < 0) {
        pending = pending.slice(-marker.length)
        return
      }
      found = true
      s = pending.slice(i + marker.length)
      pending = ""
    }
    const take = s.slice(0, length - got)
    h.update(take, "latin1")
    got += take.length
    if (got >= length) {
      stream.off("data", onData)
      settle?.()
    }
  }
  stream.on("data", onData)
  return {
    received: () => got,
    done: (timeoutMs) =>
      new Promise((resolve, reject) => {
        const finish = () => {
          clearTimeout(timer)
          resolve({ sha256: h.digest("hex"), length: got })
        }
        const timer = setTimeout(() => {
          stream.off("data", onData)
          reject(new Error(`timed out after ${timeoutMs} ms: ${got} of ${length} bytes after the marker ${found ? "(marker seen)" : "(marker not seen)"}`))
        }, timeoutMs)
        if (got >= length) finish()
        else settle = finish
      })
  }
}

/** An Effect byte stream drained into a digest, with bounded waits for an amount or the end. */
export interface Inbox {
  /** Bytes received so far. */
  readonly total: () => number
  /** The SHA-256 of everything received so far (or of what `hashFrom` skipped past). */
  readonly sha256: () => string
  /** The first `keep` bytes received, as text (for short messages). */
  readonly text: () => string
  /** How the stream ended: undefined while open, `{}` for a clean end, `{ error }` for a failure. */
  readonly ended: () => { readonly error?: unknown } | undefined
  /** Waits until `n` bytes arrived (or `predicate(text)` holds); rejects on end or timeout. */
  readonly waitFor: (n: number | ((text: string) => boolean), timeoutMs: number) => Promise<void>
  /** Waits for the end of the stream; resolves with how it ended, rejects on timeout. */
  readonly waitEnd: (timeoutMs: number) => Promise<{ readonly error?: unknown }>
}

/**
 * Forks a fiber (in the current scope) that drains `read` into an `Inbox`. `keep` bytes are
 * kept as text (default 64 KiB); everything is hashed.
 */
export const drain = <E>(read: Stream.Stream<Uint8Array, E>, keep = 64 * 1024): Effect.Effect<Inbox, never, Scope.Scope> =>
  Effect.gen(function* () {
    const h = createHash("sha256")
    let total = 0
    let kept = ""
    let end: { error?: unknown } | undefined
    let digest: string | undefined
    const listeners = new Set<() => void>()
    const notify = () => {
      for (const l of [...listeners]) l()
    }
    yield* Effect.forkScoped(
      Stream.runForEach(read, (chunk) =>
        Effect.sync(() => {
          h.update(chunk)
          total += chunk.length
          if (kept.length < keep) kept += Buffer.from(chunk.subarray(0, keep - kept.length)).toString("latin1")
          notify()
        })
      ).pipe(
        Effect.exit,
        Effect.flatMap((exit) =>
          Effect.sync(() => {
            end = exit._tag === "Success" ? {} : { error: exit.cause }
            notify()
          })
        )
      )
    )
    const wait = <A>(check: () => A | undefined, what: () => string, timeoutMs: number): Promise<A> =>
      new Promise((resolve, reject) => {
        const tick = () => {
          let a: A | undefined
          try {
            a = check()
          } catch (e) {
            listeners.delete(tick)
            clearTimeout(timer)
            reject(e instanceof Error ? e : new Error(String(e)))
            return
          }
          if (a !== undefined) {
            listeners.delete(tick)
            clearTimeout(timer)
            resolve(a)
          }
        }
        const timer = setTimeout(() => {
          listeners.delete(tick)
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`))
        }, timeoutMs)
        listeners.add(tick)
        tick()
      })
    return {
      total: () => total,
      sha256: () => (digest ??= h.digest("hex")),
      text: () => kept,
      ended: () => end,
      waitFor: (n, timeoutMs) =>
        wait(
          () => {
            if (typeof n === "number" ? total >= n : n(kept)) return true
            if (end !== undefined) throw new Error(`the stream ended (${end.error === undefined ? "cleanly" : String(end.error)}) after ${total} bytes`)
            return undefined
          },
          () => `${typeof n === "number" ? `${n} bytes` : "the expected text"} (have ${total}: ${JSON.stringify(kept.slice(0, 200))})`,
          timeoutMs
        ).then(() => undefined),
      waitEnd: (timeoutMs) => wait(() => end, () => `the end of the stream (have ${total} bytes)`, timeoutMs)
    }
  })

/** Forks a fiber collecting every element of `events` into an array (for `conn.events`). */
export const collect = <A>(events: Stream.Stream<A>): Effect.Effect<ReadonlyArray<A>, never, Scope.Scope> =>
  Effect.gen(function* () {
    const out: Array<A> = []
    yield* Effect.forkScoped(Stream.runForEach(events, (a) => Effect.sync(() => void out.push(a))))
    return out
  })

/** Writes `data` through `write` in chunks of `chunk` bytes. */
export const writeAll = <E, R>(write: (b: Uint8Array) => Effect.Effect<void, E, R>, data: Uint8Array, chunk = 256 * 1024): Effect.Effect<void, E, R> =>
  Effect.gen(function* () {
    for (let i = 0; i < data.length; i += chunk) yield* write(data.subarray(i, Math.min(data.length, i + chunk)))
  })

/** The node:tls peer script (run with the current Node: `process.execPath`, which strips types). */
export const nodePeerScript: string = path.join(path.dirname(new URL(import.meta.url).pathname), "node-tls-peer.ts")

/** What GnuTLS's debug log (`-d 5`) and its session summary say happened. */
export interface GnutlsLog {
  /** `- Description:` of the (last) session, split. */
  readonly description: ReturnType<typeof parseGnutlsDescription>
  /** `Selected group NAME`, GnuTLS's name (`SECP384R1`, `X25519`, `FFDHE2048`). */
  readonly groups: ReadonlyArray<string>
  /** `Selected cipher suite: GNUTLS_…`. */
  readonly suites: ReadonlyArray<string>
  readonly helloRetrySent: boolean
  readonly helloRetryReceived: boolean
  /** Key updates: `sent 1` / `received 0` (the request_update value). */
  readonly keyUpdates: ReadonlyArray<string>
  /** Alerts as `sent level|description` / `received level|description`. */
  readonly alerts: ReadonlyArray<string>
  /** The scheme GnuTLS signed its CertificateVerify with, and the one it verified. */
  readonly signed: ReadonlyArray<string>
  readonly verified: ReadonlyArray<string>
  readonly resumed: boolean
  readonly alpn: string | undefined
}

/** Parses GnuTLS's output at debug level 4 or more (`gnutls-cli -d 5`, `gnutls-serv -d 5`). */
export const parseGnutlsLog = (text: string): GnutlsLog => {
  const all = (re: RegExp) => [...text.matchAll(re)]
  const descriptions = all(/- Description: .*$/gm).map((m) => m[0])
  return {
    description: descriptions.length > 0 ? parseGnutlsDescription(descriptions[descriptions.length - 1]!) : undefined,
    groups: all(/Selected group (\S+) \(\d+\)/g).map((m) => m[1]!),
    suites: all(/Selected cipher suite: GNUTLS_(\S+)/g).map((m) => m[1]!),
    helloRetrySent: /HELLO RETRY REQUEST was queued/.test(text),
    helloRetryReceived: /HELLO RETRY REQUEST \(\d+\) was received/.test(text),
    keyUpdates: all(/(sending key update|received TLS 1\.3 key update) \((\d)\)/g).map((m) => `${m[1]!.startsWith("sending") ? "sent" : "received"} ${m[2]}`),
    alerts: all(/(Sending Alert|Alert)\[(\d+)\|(\d+)\] - [^\n]*?(was received)?$/gm).map((m) => `${m[1] === "Sending Alert" ? "sent" : "received"} ${m[2]}|${m[3]}`),
    signed: all(/signing TLS 1\.3 handshake data: using (\S+)/g).map((m) => m[1]!),
    verified: all(/verifying TLS 1\.3 handshake data using (\S+)/g).map((m) => m[1]!),
    resumed: /\*\*\* This is a resumed session/.test(text),
    alpn: /^- Application protocol: (.*)$/m.exec(text)?.[1]?.trim()
  }
}

/** A GnuTLS priority string for TLS 1.3 with only the given suites and groups. */
export const gnutlsPriority = (o: { readonly suites?: ReadonlyArray<SuiteInfo>; readonly groups?: ReadonlyArray<GroupInfo> } = {}): string =>
  [
    "NORMAL:-VERS-ALL:+VERS-TLS1.3",
    ...(o.suites !== undefined ? ["-CIPHER-ALL", ...o.suites.map((s) => `+${s.gnutls}`)] : []),
    ...(o.groups !== undefined ? ["-GROUP-ALL", ...o.groups.map((g) => `+${g.gnutls}`)] : [])
  ].join(":")
