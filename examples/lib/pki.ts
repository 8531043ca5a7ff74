/**
 * A throwaway PKI for the examples, made in-process: a self-signed CA, a server
 * certificate for `localhost` / `127.0.0.1` and a client certificate, each with an ECDSA
 * P-256 key from `node:crypto`, the certificates built with `@peculiar/asn1-x509` (the
 * ASN.1/X.509 library effect-tls itself reads certificates with) and signed with
 * ecdsa-with-SHA256. Nothing here needs the `openssl` command.
 *
 * **Gotchas**: the keys are for trying things out on loopback; `writePki` writes them
 * unencrypted (mode 0600).
 */
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { AsnConvert, OctetString } from "@peculiar/asn1-schema"
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  GeneralName,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  id_kp_clientAuth,
  id_kp_serverAuth,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version
} from "@peculiar/asn1-x509"

/** A certificate and its private key, as PEM, with the certificate's DER. */
export interface Issued {
  readonly certPem: string
  readonly keyPem: string
  readonly certDer: Uint8Array
}

/** The example PKI: a CA, a server leaf and a client leaf. */
export interface ExamplePki {
  readonly ca: Issued
  readonly server: Issued
  readonly client: Issued
}

const ecdsaWithSha256 = "1.2.840.10045.4.3.2"
const attributeOids: Record<string, string> = { CN: "2.5.4.3", O: "2.5.4.10", OU: "2.5.4.11", C: "2.5.4.6" }

/** A Name from `[["O", "effect-tls example"], ["CN", "alice"]]`, RDNs in that order. */
const nameOf = (rdns: ReadonlyArray<readonly [string, string]>): Name =>
  new Name(
    rdns.map(
      ([type, value]) =>
        new RelativeDistinguishedName([
          new AttributeTypeAndValue({
            type: attributeOids[type]!,
            value: type === "C" ? new AttributeValue({ printableString: value }) : new AttributeValue({ utf8String: value })
          })
        ])
    )
  )

const extension = (extnID: string, critical: boolean, value: unknown): Extension =>
  new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) })

interface Subject {
  readonly name: Name
  readonly keys: crypto.KeyPairKeyObjectResult
  readonly spki: SubjectPublicKeyInfo
  /** SHA-1 of the subject public key (RFC 5280 §4.2.1.2, method 1). */
  readonly keyId: ArrayBuffer
}

const subjectOf = (rdns: ReadonlyArray<readonly [string, string]>): Subject => {
  const keys = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" })
  const spki = AsnConvert.parse(keys.publicKey.export({ type: "spki", format: "der" }), SubjectPublicKeyInfo)
  const keyId = new Uint8Array(crypto.createHash("sha1").update(new Uint8Array(spki.subjectPublicKey)).digest()).buffer
  return { name: nameOf(rdns), keys, spki, keyId }
}

const toPem = (der: Uint8Array, label: string): string =>
  `-----BEGIN ${label}-----\n${Buffer.from(der).toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "")}\n-----END ${label}-----\n`

/** Builds a certificate for `subject` signed by `issuer` (the same for the self-signed CA). */
const sign = (subject: Subject, issuer: Subject, days: number, extensions: ReadonlyArray<Extension>): Issued => {
  const now = Date.now()
  const serial = crypto.randomBytes(16)
  serial[0]! &= 0x7f // a positive INTEGER (RFC 5280 §4.1.2.2)
  serial[0]! |= 0x01
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: new Uint8Array(serial).buffer,
    signature: new AlgorithmIdentifier({ algorithm: ecdsaWithSha256 }),
    issuer: issuer.name,
    // an hour of slack for clocks that run behind
    validity: new Validity({ notBefore: new Date(now - 3_600_000), notAfter: new Date(now + days * 86_400_000) }),
    subject: subject.name,
    subjectPublicKeyInfo: subject.spki,
    extensions: new Extensions([
      ...extensions,
      extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(subject.keyId)),
      extension(id_ce_authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(issuer.keyId) }))
    ])
  })
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs))
  const signature = crypto.sign("sha256", tbsDer, issuer.keys.privateKey) // DER ECDSA-Sig-Value
  const cert = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: new AlgorithmIdentifier({ algorithm: ecdsaWithSha256 }),
    signatureValue: new Uint8Array(signature).buffer
  })
  const certDer = new Uint8Array(AsnConvert.serialize(cert))
  return {
    certPem: toPem(certDer, "CERTIFICATE"),
    keyPem: subject.keys.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    certDer
  }
}

const usage = (flags: number): KeyUsage => new KeyUsage(flags)

/**
 * Makes a CA (`O = effect-tls example, CN = effect-tls example CA`, 30 days), a server
 * certificate (`CN = localhost`, SANs `DNS:localhost` and `IP:127.0.0.1`, serverAuth) and a
 * client certificate (`CN = client`, or `clientName`; clientAuth), both signed by the CA
 * and valid for `days` (default 30).
 */
export const makePki = (options: { readonly clientName?: string; readonly days?: number } = {}): ExamplePki => {
  const days = options.days ?? 30
  const org = ["O", "effect-tls example"] as const
  const ca = subjectOf([org, ["CN", "effect-tls example CA"]])
  const server = subjectOf([org, ["CN", "localhost"]])
  const client = subjectOf([org, ["CN", options.clientName ?? "client"]])
  const leaf = (eku: string, sans: ReadonlyArray<GeneralName>) => [
    extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: false })),
    extension(id_ce_keyUsage, true, usage(KeyUsageFlags.digitalSignature)),
    extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage([eku])),
    ...(sans.length > 0 ? [extension(id_ce_subjectAltName, false, new SubjectAlternativeName([...sans]))] : [])
  ]
  return {
    ca: sign(ca, ca, days, [
      extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: true })),
      extension(id_ce_keyUsage, true, usage(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign))
    ]),
    server: sign(server, ca, days, leaf(id_kp_serverAuth, [new GeneralName({ dNSName: "localhost" }), new GeneralName({ iPAddress: "127.0.0.1" })])),
    client: sign(client, ca, days, leaf(id_kp_clientAuth, []))
  }
}

/** The files `writePki` writes, by role. */
export interface PkiFiles {
  readonly dir: string
  readonly ca: string
  readonly serverCert: string
  readonly serverKey: string
  readonly clientCert: string
  readonly clientKey: string
}

/**
 * Writes a PKI into `dir` (made if missing): `ca.pem`, `server.pem` + `server.key`,
 * `client.pem` + `client.key` (keys PKCS #8, mode 0600). Existing files are replaced.
 */
export const writePki = (dir: string, pki: ExamplePki): PkiFiles => {
  fs.mkdirSync(dir, { recursive: true })
  const files: PkiFiles = {
    dir,
    ca: path.join(dir, "ca.pem"),
    serverCert: path.join(dir, "server.pem"),
    serverKey: path.join(dir, "server.key"),
    clientCert: path.join(dir, "client.pem"),
    clientKey: path.join(dir, "client.key")
  }
  fs.writeFileSync(files.ca, pki.ca.certPem)
  fs.writeFileSync(files.serverCert, pki.server.certPem)
  fs.writeFileSync(files.clientCert, pki.client.certPem)
  for (const [file, pem] of [
    [files.serverKey, pki.server.keyPem],
    [files.clientKey, pki.client.keyPem]
  ] as const) {
    fs.rmSync(file, { force: true })
    fs.writeFileSync(file, pem, { mode: 0o600 })
  }
  return files
}
