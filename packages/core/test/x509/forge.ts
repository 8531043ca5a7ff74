/**
 * A PKI forge for the certificate tests, on `openssl ca` so that every date is explicit
 * (`-startdate` / `-enddate`), each CA keeps a database (revocation, `-gencrl` with fixed
 * `-crl_lastupdate` / `-crl_nextupdate`, and the `index.txt` `openssl ocsp -index` answers
 * from), and any certificate can be re-issued under another CA with the same subject and
 * key (cross-signing). Extends `@effect-tls/test-support/pki`, which makes one CA with
 * relative dates only.
 *
 * **Gotchas**: synchronous; call it in `beforeAll`, and `cleanup()` in `afterAll`.
 */
import { execFileSync, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

/** Key algorithms. */
export type Key = "p256" | "p384" | "ed25519" | "rsa1024" | "rsa2048"

/** A certificate and its key on disk. */
export interface Cert {
  readonly name: string
  readonly certPath: string
  readonly keyPath: string
  readonly pem: string
  readonly der: Uint8Array
}

/** A CA: a certificate with a database for issuing. */
export interface Ca extends Cert {
  readonly db: string
  readonly cnf: string
}

/** How to issue one certificate. */
export interface IssueOptions {
  readonly key?: Key
  /** Reuse the key of an existing certificate (cross-signing, re-issuing). */
  readonly keyOf?: Cert
  /** `-subj` form, `/CN=x/O=y`; defaults to `/CN=<name>`. */
  readonly subj?: string
  readonly start: string
  readonly end: string
  /** Extension lines for `-extfile`. */
  readonly ext: ReadonlyArray<string>
  readonly md?: "sha256" | "sha384" | "sha1" | "default"
  readonly sigopt?: ReadonlyArray<string>
}

const keyArgs: Record<Key, ReadonlyArray<string>> = {
  p256: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
  p384: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
  ed25519: ["-algorithm", "ED25519"],
  rsa1024: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"],
  rsa2048: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]
}

/** Extension lines of a CA. */
export const caExt = (extra: ReadonlyArray<string> = [], bc = "critical,CA:TRUE"): ReadonlyArray<string> => [
  `basicConstraints=${bc}`,
  "keyUsage=critical,keyCertSign,cRLSign",
  "subjectKeyIdentifier=hash",
  "authorityKeyIdentifier=keyid:always",
  ...extra
]

/** Extension lines of a TLS leaf with the given SANs (`DNS:a.test`, `IP:127.0.0.1`; none for CN-only). */
export const leafExt = (sans: ReadonlyArray<string>, eku = "serverAuth", extra: ReadonlyArray<string> = []): ReadonlyArray<string> => [
  "basicConstraints=critical,CA:FALSE",
  "keyUsage=critical,digitalSignature",
  `extendedKeyUsage=${eku}`,
  ...(sans.length > 0 ? [`subjectAltName=${sans.join(",")}`] : []),
  "subjectKeyIdentifier=hash",
  "authorityKeyIdentifier=keyid",
  ...extra
]

/** A date for `openssl ca` from an ISO day (`2030-06-15` → `300615000000Z`). */
export const day = (iso: string): string => `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}000000Z`

/** Runs openssl in `cwd`; throws with its stderr. */
export const openssl = (args: ReadonlyArray<string>, cwd: string, input?: string): string => {
  try {
    return execFileSync("openssl", args, { cwd, input, stdio: ["pipe", "pipe", "pipe"], timeout: 30_000 }).toString()
  } catch (e) {
    const err = e as { stderr?: Buffer; stdout?: Buffer; message: string }
    throw new Error(`openssl ${args.join(" ")} failed: ${err.stderr?.toString() ?? err.message}`)
  }
}

/** Like `openssl` but returns the exit status and both streams (stdout then stderr) instead of throwing. */
export const opensslStatus = (args: ReadonlyArray<string>, cwd: string): { readonly status: number; readonly out: string } => {
  const r = spawnSync("openssl", args, { cwd, stdio: ["ignore", "pipe", "pipe"], timeout: 30_000 })
  return { status: r.status ?? -1, out: `${r.stdout?.toString() ?? ""}${r.stderr?.toString() ?? ""}` }
}

/** The DER of every certificate in a PEM text. */
export const pemDers = (pem: string): ReadonlyArray<Uint8Array> =>
  [...pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map((m) => new Uint8Array(Buffer.from(m[1]!.replace(/\s+/g, ""), "base64")))

/** The forge: one temporary directory. */
export interface Forge {
  readonly dir: string
  readonly root: (name: string, options: IssueOptions) => Ca
  readonly issue: (ca: Ca, name: string, options: IssueOptions) => Cert
  /** Gives an issued certificate (by `issue`) a database so that it can issue in turn. */
  readonly asCa: (cert: Cert) => Ca
  readonly revoke: (ca: Ca, cert: Cert) => void
  /** A CRL from the CA's database, with fixed dates; returns its path. */
  readonly crl: (ca: Ca, name: string, last: string, next: string) => string
  /** Writes a file (PEM bundle, DER) into the directory; returns its path. */
  readonly file: (name: string, contents: string | Uint8Array) => string
  readonly cleanup: () => void
}

/** Makes a forge in a fresh temporary directory. */
export const makeForge = (prefix = "effect-tls-x509-"): Forge => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  let serial = 0x1000

  const database = (name: string, certPath: string, keyPath: string): Ca["db"] => {
    const db = path.join(dir, `${name}.db`)
    fs.mkdirSync(path.join(db, "new"), { recursive: true })
    fs.writeFileSync(path.join(db, "index.txt"), "")
    fs.writeFileSync(path.join(db, "crlnumber"), "01\n")
    fs.writeFileSync(
      path.join(db, "ca.cnf"),
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
        "default_days = 365",
        "default_crl_days = 30",
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
    return db
  }

  const read = (name: string, certPath: string, keyPath: string): Cert => {
    const pem = fs.readFileSync(certPath, "utf8")
    const der = pemDers(pem)[0]!
    return { name, certPath, keyPath, pem, der }
  }

  const sign = (caCnf: string, name: string, o: IssueOptions, selfsign: boolean, caKey?: string, caCert?: string): Cert => {
    if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`bad name ${name}`)
    const keyPath = o.keyOf?.keyPath ?? path.join(dir, `${name}.key`)
    if (o.keyOf === undefined) openssl(["genpkey", ...keyArgs[o.key ?? "p256"], "-out", keyPath], dir)
    const csr = path.join(dir, `${name}.csr`)
    openssl(["req", "-config", caCnf, "-new", "-key", keyPath, "-subj", o.subj ?? `/CN=${name}`, "-out", csr], dir)
    const ext = path.join(dir, `${name}.ext`)
    fs.writeFileSync(ext, `${o.ext.join("\n")}\n`)
    const certPath = path.join(dir, `${name}.crt`)
    const serialFile = path.join(path.dirname(caCnf), "serial")
    fs.writeFileSync(serialFile, `${(++serial).toString(16).toUpperCase()}\n`)
    openssl(
      [
        "ca", "-batch", "-notext", "-config", caCnf, "-in", csr, "-out", certPath, "-preserveDN",
        "-startdate", o.start, "-enddate", o.end, "-extfile", ext, "-md", o.md ?? "sha256",
        ...(selfsign ? ["-selfsign", "-keyfile", keyPath] : ["-keyfile", caKey!, "-cert", caCert!]),
        ...(o.sigopt ?? []).flatMap((s) => ["-sigopt", s])
      ],
      dir
    )
    return read(name, certPath, keyPath)
  }

  const root = (name: string, o: IssueOptions): Ca => {
    const keyPath = o.keyOf?.keyPath ?? path.join(dir, `${name}.key`)
    const certPath = path.join(dir, `${name}.crt`)
    const db = database(name, certPath, keyPath)
    const cert = sign(path.join(db, "ca.cnf"), name, o, true)
    return { ...cert, db, cnf: path.join(db, "ca.cnf") }
  }

  const asCa = (cert: Cert): Ca => {
    const db = database(cert.name, cert.certPath, cert.keyPath)
    return { ...cert, db, cnf: path.join(db, "ca.cnf") }
  }

  return {
    dir,
    root,
    issue: (ca, name, o) => sign(ca.cnf, name, o, false, ca.keyPath, ca.certPath),
    asCa,
    revoke: (ca, cert) => void openssl(["ca", "-config", ca.cnf, "-keyfile", ca.keyPath, "-cert", ca.certPath, "-revoke", cert.certPath, "-crl_reason", "keyCompromise"], dir),
    crl: (ca, name, last, next) => {
      const out = path.join(dir, `${name}.crl.pem`)
      openssl(["ca", "-config", ca.cnf, "-keyfile", ca.keyPath, "-cert", ca.certPath, "-gencrl", "-crl_lastupdate", last, "-crl_nextupdate", next, "-out", out], dir)
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

/**
 * A forge that runs nothing: certificates are empty placeholders. Enough to list a
 * corpus's case names when tests are collected, before `beforeAll` makes the real one.
 */
export const makeDryForge = (): Forge => {
  const cert = (name: string): Cert => ({ name, certPath: name, keyPath: name, pem: "", der: new Uint8Array(0) })
  const ca = (c: Cert): Ca => ({ ...c, db: "", cnf: "" })
  return {
    dir: "",
    root: (name) => ca(cert(name)),
    issue: (_ca, name) => cert(name),
    asCa: ca,
    revoke: () => undefined,
    crl: (_ca, name) => name,
    file: (name) => name,
    cleanup: () => undefined
  }
}
