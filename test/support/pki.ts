/**
 * A throwaway PKI for interop tests, made with the `openssl` command at test time into a
 * temporary directory: one self-signed CA and leaf certificates it signs (RSA-2048 and
 * ECDSA P-256 by default), each with DNS SANs (`localhost`, `a.test`, `edited.test`
 * unless told otherwise) and `IP:127.0.0.1`. Files are PEM; the DER of every certificate
 * is at hand for comparing with what a peer sends.
 *
 * **Gotchas**: needs `openssl` on the PATH (guard the suite with `needs("openssl")`); call
 * `cleanup()` in `afterAll` (the directory holds private keys, even if test-only ones).
 *
 * @since 0.1.0
 */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

/** A key algorithm a certificate can be made with. */
export type KeyType = "rsa2048" | "rsa3072" | "ecdsa-p256" | "ecdsa-p384" | "ed25519"

/** A certificate and its key on disk, with the certificate's DER bytes. */
export interface Issued {
  /** A short name, also the file stem (`rsa`, `ecdsa`, `ca`, ...). */
  readonly name: string
  readonly keyType: KeyType
  readonly certPath: string
  readonly keyPath: string
  readonly certPem: string
  readonly keyPem: string
  /** The certificate as DER, as it travels in a Certificate message. */
  readonly certDer: Uint8Array
  /** The subject alternative names, as given to openssl (`DNS:a.test`, `IP:127.0.0.1`). */
  readonly sans: ReadonlyArray<string>
}

/** Options for one leaf. */
export interface LeafOptions {
  readonly name: string
  readonly keyType: KeyType
  /** DNS names; the first is also the subject CN. Defaults to the PKI's names. */
  readonly dnsNames?: ReadonlyArray<string>
  /** IP SANs; defaults to `127.0.0.1`. */
  readonly ips?: ReadonlyArray<string>
  /** Validity in days; defaults to 2. Negative values are not supported (use `-not_after` by hand). */
  readonly days?: number
  /** Extended key usage, e.g. `serverAuth` or `serverAuth,clientAuth` (the default). */
  readonly extendedKeyUsage?: string
}

/** A CA and the leaves it has issued, in one temporary directory. */
export interface Pki {
  readonly dir: string
  readonly ca: Issued
  /** The default RSA-2048 leaf (`rsa`). */
  readonly rsa: Issued
  /** The default ECDSA P-256 leaf (`ecdsa`). */
  readonly ecdsa: Issued
  /** Issues one more leaf from the same CA (synchronous; RSA takes ~0.1-1 s). */
  readonly issue: (options: LeafOptions) => Issued
  /** Writes an extra file into the directory (e.g. DH parameters) and returns its path. */
  readonly file: (name: string, contents: string | Uint8Array) => string
  /** Removes the directory. Idempotent. */
  readonly cleanup: () => void
}

/** Options for `makePki`. */
export interface PkiOptions {
  /** DNS names the default leaves carry; the first is the subject CN. */
  readonly dnsNames?: ReadonlyArray<string>
  /** Subject CN of the CA. */
  readonly caName?: string
  /** A prefix for the temporary directory's name. */
  readonly prefix?: string
}

/** The DNS names the default leaves carry. */
export const defaultNames: ReadonlyArray<string> = ["localhost", "a.test", "edited.test"]

const OPENSSL_TIMEOUT_MS = 30_000

const openssl = (args: ReadonlyArray<string>, cwd: string): void => {
  try {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "pipe", "pipe"], timeout: OPENSSL_TIMEOUT_MS })
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string }
    throw new Error(`openssl ${args.join(" ")} failed: ${err.stderr?.toString() ?? err.message}`)
  }
}

const keyArgs = (keyType: KeyType): ReadonlyArray<string> => {
  switch (keyType) {
    case "rsa2048":
      return ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]
    case "rsa3072":
      return ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"]
    case "ecdsa-p256":
      return ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]
    case "ecdsa-p384":
      return ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"]
    case "ed25519":
      return ["-algorithm", "ED25519"]
  }
}

/** The DER bytes of the first certificate in a PEM text. */
export const pemToDer = (pem: string): Uint8Array => {
  const m = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(pem)
  if (m === null) throw new Error("no PEM certificate found")
  return new Uint8Array(Buffer.from(m[1]!.replace(/\s+/g, ""), "base64"))
}

/**
 * Makes a CA and the two default leaves (RSA-2048 `rsa`, ECDSA P-256 `ecdsa`) in a fresh
 * temporary directory. Synchronous: call it in `beforeAll`.
 */
export const makePki = (options: PkiOptions = {}): Pki => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), options.prefix ?? "effect-tls-pki-"))
  const names = options.dnsNames ?? defaultNames
  let removed = false
  const cleanup = () => {
    if (removed) return
    removed = true
    fs.rmSync(dir, { recursive: true, force: true })
  }
  try {
    const read = (name: string, keyType: KeyType, sans: ReadonlyArray<string>): Issued => {
      const certPath = path.join(dir, `${name}.crt`)
      const keyPath = path.join(dir, `${name}.key`)
      const certPem = fs.readFileSync(certPath, "utf8")
      return { name, keyType, certPath, keyPath, certPem, keyPem: fs.readFileSync(keyPath, "utf8"), certDer: pemToDer(certPem), sans }
    }

    // The CA: self-signed, basicConstraints critical CA:TRUE. A config of our own keeps
    // the system's openssl.cnf out of it.
    fs.writeFileSync(
      path.join(dir, "req.cnf"),
      [
        "[req]",
        "distinguished_name = dn",
        "x509_extensions = v3_ca",
        "prompt = no",
        "[dn]",
        `CN = ${options.caName ?? "effect-tls test CA"}`,
        "[v3_ca]",
        "basicConstraints = critical,CA:TRUE",
        "keyUsage = critical,keyCertSign,cRLSign",
        "subjectKeyIdentifier = hash",
        "authorityKeyIdentifier = keyid:always",
        ""
      ].join("\n")
    )
    openssl(["genpkey", ...keyArgs("ecdsa-p256"), "-out", "ca.key"], dir)
    openssl(["req", "-config", "req.cnf", "-new", "-x509", "-key", "ca.key", "-out", "ca.crt", "-days", "3", "-sha256"], dir)
    const ca = read("ca", "ecdsa-p256", [])

    let serial = 1
    const issue = (o: LeafOptions): Issued => {
      if (!/^[A-Za-z0-9_-]+$/.test(o.name)) throw new Error(`leaf name ${o.name} must be a plain file stem`)
      const dns = o.dnsNames ?? names
      const sans = [...dns.map((n) => `DNS:${n}`), ...(o.ips ?? ["127.0.0.1"]).map((ip) => `IP:${ip}`)]
      const ku = o.keyType.startsWith("rsa") ? "critical,digitalSignature,keyEncipherment" : "critical,digitalSignature"
      fs.writeFileSync(
        path.join(dir, `${o.name}.ext`),
        [
          "basicConstraints=critical,CA:FALSE",
          `keyUsage=${ku}`,
          `extendedKeyUsage=${o.extendedKeyUsage ?? "serverAuth,clientAuth"}`,
          `subjectAltName=${sans.join(",")}`,
          "authorityKeyIdentifier=keyid",
          "subjectKeyIdentifier=hash",
          ""
        ].join("\n")
      )
      openssl(["genpkey", ...keyArgs(o.keyType), "-out", `${o.name}.key`], dir)
      openssl(["req", "-config", "req.cnf", "-new", "-key", `${o.name}.key`, "-out", `${o.name}.csr`, "-subj", `/CN=${dns[0] ?? o.name}`], dir)
      openssl(
        ["x509", "-req", "-in", `${o.name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-set_serial", String(++serial),
          "-days", String(o.days ?? 2), "-sha256", "-extfile", `${o.name}.ext`, "-out", `${o.name}.crt`],
        dir
      )
      return read(o.name, o.keyType, sans)
    }

    const rsa = issue({ name: "rsa", keyType: "rsa2048" })
    const ecdsa = issue({ name: "ecdsa", keyType: "ecdsa-p256" })
    const file = (name: string, contents: string | Uint8Array): string => {
      const p = path.join(dir, path.basename(name))
      fs.writeFileSync(p, contents)
      return p
    }
    return { dir, ca, rsa, ecdsa, issue, file, cleanup }
  } catch (e) {
    cleanup()
    throw e
  }
}
