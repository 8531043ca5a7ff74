/**
 * The chain-validation corpus (issue 12, acceptance 1), generated with `openssl ca` at
 * fixed dates and judged at `NOW` (2030-06-15): each case says what the peer sends, what is
 * configured, what our verifier must answer (reason, alert, depth) and, where we
 * deliberately differ from `openssl verify`, what OpenSSL answers and why.
 */
import { caExt, day, type Ca, type Cert, type Forge, leafExt } from "./forge.js"

/** The validation time of the corpus. */
export const NOW = Date.UTC(2030, 5, 15)

const LONG = { start: day("2025-01-01"), end: day("2040-01-01") }
const EXPIRED = { start: day("2025-01-01"), end: day("2029-01-01") }
const FUTURE = { start: day("2031-01-01"), end: day("2035-01-01") }

/** What our verifier must answer. */
export type Expect = { readonly ok: true } | { readonly ok: false; readonly reason: string; readonly alert: string; readonly depth: number }

/** One case. */
export interface Case {
  readonly name: string
  /** The peer's chain, leaf first (DER), as sent. */
  readonly chain: ReadonlyArray<Uint8Array>
  /** The leaf as a file for openssl (PEM path). */
  readonly leafFile: string
  /** Untrusted certificates the peer sent after the leaf (for `-untrusted`, in order). */
  readonly served: ReadonlyArray<Cert>
  /** Intermediates from the configuration. */
  readonly intermediates: ReadonlyArray<Cert>
  readonly anchors: ReadonlyArray<Cert>
  readonly role: "server" | "client"
  readonly serverName?: string | undefined
  readonly crls?: ReadonlyArray<string>
  /** `leaf` = `-crl_check`, `chain` = `-crl_check_all`. */
  readonly crlScope?: "leaf" | "chain"
  readonly allowCommonNameFallback?: boolean
  readonly minRsaBits?: number
  readonly expect: Expect
  /** Where OpenSSL deliberately answers otherwise: its verdict and our reason for differing. */
  readonly opensslDiffers?: { readonly accepts: boolean; readonly why: string }
  /** `-auth_level` for openssl (default 2, which is what our defaults enforce). */
  readonly authLevel?: number
}

const reject = (reason: string, alert: string, depth: number): Expect => ({ ok: false, reason, alert, depth })
const ok: Expect = { ok: true }

/** Generates every certificate and returns the cases. About 60 openssl calls. */
export const buildCorpus = (f: Forge): ReadonlyArray<Case> => {
  const rootA = f.root("rootA", { ...LONG, subj: "/CN=Root A/O=effect-tls", ext: caExt() })
  const intA = f.asCa(f.issue(rootA, "intA", { ...LONG, subj: "/CN=Intermediate A/O=effect-tls", ext: caExt() }))
  const leaf = (ca: Ca, name: string, sans: ReadonlyArray<string>, extra: Partial<Parameters<Forge["issue"]>[2]> = {}) =>
    f.issue(ca, name, { ...LONG, ext: leafExt(sans), ...extra })

  const good = leaf(intA, "good", ["DNS:good.test"])
  const bad = f.file("malformed.der", good.der.slice(0, good.der.length - 7))
  const flipped = good.der.slice()
  flipped[flipped.length - 1] ^= 0x01
  const flippedFile = f.file("flipped.pem", `-----BEGIN CERTIFICATE-----\n${(Buffer.from(flipped).toString("base64").match(/.{1,64}/g) ?? []).join("\n")}\n-----END CERTIFICATE-----\n`)

  // Two intermediates under rootA: rootA → mid → sub → leaf, served out of order.
  const mid = f.asCa(f.issue(rootA, "mid", { ...LONG, ext: caExt() }))
  const sub = f.asCa(f.issue(mid, "sub", { ...LONG, ext: caExt() }))
  const deep = leaf(sub, "deep", ["DNS:deep.test"])

  const expiredLeaf = f.issue(intA, "expiredLeaf", { ...EXPIRED, ext: leafExt(["DNS:good.test"]) })
  const futureLeaf = f.issue(intA, "futureLeaf", { ...FUTURE, ext: leafExt(["DNS:good.test"]) })
  const intExpired = f.asCa(f.issue(rootA, "intExpired", { ...EXPIRED, ext: caExt() }))
  const underExpired = leaf(intExpired, "underExpired", ["DNS:good.test"])
  const wildcard = leaf(intA, "wildcard", ["DNS:*.a.test"])
  const ipLeaf = leaf(intA, "ipLeaf", ["IP:127.0.0.1", "IP:::1"])
  const cnOnly = f.issue(intA, "cnOnly", { ...LONG, subj: "/CN=cn.test", ext: leafExt([]) })
  const pl0 = f.asCa(f.issue(rootA, "pl0", { ...LONG, ext: caExt([], "critical,CA:TRUE,pathlen:0") }))
  const plSub = f.asCa(f.issue(pl0, "plSub", { ...LONG, ext: caExt() }))
  const plLeaf = leaf(plSub, "plLeaf", ["DNS:good.test"])
  const notCa = f.asCa(
    f.issue(rootA, "notCa", { ...LONG, ext: ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature,keyCertSign", "subjectKeyIdentifier=hash", "authorityKeyIdentifier=keyid"] })
  )
  const underNotCa = leaf(notCa, "underNotCa", ["DNS:good.test"])
  const clientOnly = f.issue(intA, "clientOnly", { ...LONG, ext: leafExt(["DNS:good.test"], "clientAuth") })
  const ncInt = f.asCa(f.issue(rootA, "ncInt", { ...LONG, ext: caExt(["nameConstraints=critical,permitted;DNS:allowed.test"]) }))
  const ncGood = leaf(ncInt, "ncGood", ["DNS:x.allowed.test"])
  const ncBad = leaf(ncInt, "ncBad", ["DNS:x.other.test"])
  const critical = f.issue(intA, "critical", { ...LONG, ext: leafExt(["DNS:good.test"], "serverAuth", ["1.2.3.4.5=critical,ASN1:NULL"]) })
  const rsa1024 = f.issue(intA, "rsa1024", { ...LONG, key: "rsa1024", ext: [...leafExt(["DNS:good.test"]).filter((l) => !l.startsWith("keyUsage")), "keyUsage=critical,digitalSignature,keyEncipherment"] })

  // A self-signed root the store does not hold.
  const rootX = f.root("rootX", { ...LONG, subj: "/CN=Root X", ext: caExt() })
  const intX = f.asCa(f.issue(rootX, "intX", { ...LONG, ext: caExt() }))
  const leafX = leaf(intX, "leafX", ["DNS:good.test"])

  // Cross-signing, as Let's Encrypt did: rootNew is in the store and so is the expired
  // rootOld; the peer serves rootNew cross-signed by rootOld after the intermediate.
  const rootOld = f.root("rootOld", { ...EXPIRED, subj: "/CN=Root Old", ext: caExt() })
  const rootNew = f.root("rootNew", { ...LONG, subj: "/CN=Root New", ext: caExt() })
  const crossNew = f.issue(rootOld, "crossNew", { ...LONG, keyOf: rootNew, subj: "/CN=Root New", ext: caExt() })
  const intN = f.asCa(f.issue(rootNew, "intN", { ...LONG, ext: caExt() }))
  const leafN = leaf(intN, "leafN", ["DNS:good.test"])
  // The intermediate itself issued twice: under rootOld (served) and rootNew (configured).
  const intTwinOld = f.asCa(f.issue(rootOld, "intTwinOld", { ...LONG, subj: "/CN=Twin", ext: caExt() }))
  const intTwinNew = f.issue(rootNew, "intTwinNew", { ...LONG, keyOf: intTwinOld, subj: "/CN=Twin", ext: caExt() })
  const leafTwin = leaf(intTwinOld, "leafTwin", ["DNS:good.test"])

  // Two candidate paths for one intermediate, the served one revoked by its root's CRL.
  const rootB = f.root("rootB", { ...LONG, subj: "/CN=Root B", ext: caExt() })
  const dualA = f.asCa(f.issue(rootA, "dualA", { ...LONG, subj: "/CN=Dual", ext: caExt() }))
  const dualB = f.issue(rootB, "dualB", { ...LONG, keyOf: dualA, subj: "/CN=Dual", ext: caExt() })
  const leafDual = leaf(dualA, "leafDual", ["DNS:good.test"])
  f.revoke(rootA, dualA)

  // Revoked by CRL.
  const revoked = leaf(intA, "revoked", ["DNS:good.test"])
  f.revoke(intA, revoked)
  const crlTimes = [day("2030-06-01"), day("2030-07-01")] as const
  const crlRootA = f.crl(rootA, "rootA", ...crlTimes)
  const crlRootB = f.crl(rootB, "rootB", ...crlTimes)
  const crlIntA = f.crl(intA, "intA", ...crlTimes)
  const crlDual = f.crl(dualA, "dual", ...crlTimes)

  // The signature algorithms the map covers: RSASSA-PSS, sha1 on a root only, SHA-384, Ed25519, P-384.
  const rootRsa = f.root("rootRsa", { ...LONG, key: "rsa2048", subj: "/CN=Root RSA", ext: caExt() })
  const pssLeaf = f.issue(rootRsa, "pssLeaf", { ...LONG, ext: leafExt(["DNS:good.test"]), sigopt: ["rsa_padding_mode:pss", "rsa_pss_saltlen:digest"] })
  const sha1Leaf = f.issue(rootRsa, "sha1Leaf", { ...LONG, ext: leafExt(["DNS:good.test"]), md: "sha1" })
  const rootSha1 = f.root("rootSha1", { ...LONG, subj: "/CN=Root SHA-1", ext: caExt(), md: "sha1" })
  const underSha1Root = f.issue(rootSha1, "underSha1Root", { ...LONG, key: "p384", ext: leafExt(["DNS:good.test"]), md: "sha384" })
  const rootEd = f.root("rootEd", { ...LONG, key: "ed25519", subj: "/CN=Root Ed25519", ext: caExt(), md: "default" })
  const edLeaf = f.issue(rootEd, "edLeaf", { ...LONG, key: "ed25519", ext: leafExt(["DNS:good.test"]), md: "default" })

  const base = (name: string, leafCert: Cert, rest: ReadonlyArray<Cert>, expect: Expect, more: Partial<Case> = {}): Case => ({
    name,
    chain: [leafCert.der, ...rest.map((c) => c.der)],
    leafFile: leafCert.certPath,
    served: rest,
    intermediates: [],
    anchors: [rootA],
    role: "server",
    serverName: "good.test",
    expect,
    ...more
  })

  return [
    base("valid chain", good, [intA], ok),
    base("chain out of order", deep, [mid, sub], ok, { serverName: "deep.test" }),
    base("missing intermediate supplied by configuration", good, [], ok, { intermediates: [intA] }),
    base("missing intermediate, none configured", good, [], reject("UnknownIssuer", "unknown_ca", 0)),
    base("expired leaf", expiredLeaf, [intA], reject("Expired", "certificate_expired", 0)),
    base("not-yet-valid leaf", futureLeaf, [intA], reject("NotYetValid", "certificate_expired", 0)),
    base("expired intermediate", underExpired, [intExpired], reject("Expired", "certificate_expired", 1)),
    base("wrong host", good, [intA], reject("HostnameMismatch", "bad_certificate", 0), { serverName: "other.test" }),
    base("wildcard *.a.test matches b.a.test", wildcard, [intA], ok, { serverName: "b.a.test" }),
    base("wildcard *.a.test does not match a.test", wildcard, [intA], reject("HostnameMismatch", "bad_certificate", 0), { serverName: "a.test" }),
    base("wildcard *.a.test does not match c.b.a.test", wildcard, [intA], reject("HostnameMismatch", "bad_certificate", 0), { serverName: "c.b.a.test" }),
    base("IP SAN 127.0.0.1", ipLeaf, [intA], ok, { serverName: "127.0.0.1" }),
    base("IP SAN ::1", ipLeaf, [intA], ok, { serverName: "::1" }),
    base("IP SAN, other address", ipLeaf, [intA], reject("HostnameMismatch", "bad_certificate", 0), { serverName: "127.0.0.2" }),
    base("CN-only certificate (no CN fallback)", cnOnly, [intA], reject("HostnameMismatch", "bad_certificate", 0), {
      serverName: "cn.test",
      opensslDiffers: { accepts: true, why: "OpenSSL falls back to the subject CN when there is no DNS SAN; RFC 9525 §6.4.4 and we do not by default" }
    }),
    base("CN-only certificate with allowCommonNameFallback", cnOnly, [intA], ok, { serverName: "cn.test", allowCommonNameFallback: true }),
    base("pathLen violated", plLeaf, [plSub, pl0], reject("PathLength", "bad_certificate", 2)),
    base("CA:false intermediate", underNotCa, [notCa], reject("NotCA", "unknown_ca", 1)),
    base("EKU clientAuth-only used as server", clientOnly, [intA], reject("ExtendedKeyUsage", "unsupported_certificate", 0)),
    base("EKU clientAuth-only used as client", clientOnly, [intA], ok, { role: "client", serverName: undefined }),
    base("name constraints satisfied", ncGood, [ncInt], ok, { serverName: "x.allowed.test" }),
    base("name constraints violated", ncBad, [ncInt], reject("NameConstraints", "bad_certificate", 0), { serverName: "x.other.test" }),
    base("unknown critical extension", critical, [intA], reject("UnknownCriticalExtension", "unsupported_certificate", 0)),
    { ...base("malformed DER leaf", good, [intA], reject("Malformed", "bad_certificate", 0)), chain: [new Uint8Array(good.der.slice(0, good.der.length - 7)), intA.der], leafFile: bad },
    { ...base("bad signature on the leaf", good, [intA], reject("BadSignature", "bad_certificate", 0)), chain: [flipped, intA.der], leafFile: flippedFile },
    base("self-signed root not in the store", leafX, [intX, rootX], reject("UntrustedRoot", "unknown_ca", 2)),
    base("cross-signed by an expired old root, valid via the new root", leafN, [intN, crossNew], ok, { anchors: [rootA, rootNew, rootOld] }),
    base("intermediate issued under an expired root (served) and a valid root (configured)", leafTwin, [intTwinOld], ok, {
      anchors: [rootNew, rootOld],
      intermediates: [intTwinNew],
      opensslDiffers: { accepts: false, why: "OpenSSL builds one path (through the served, time-valid intermediate) and reports the expired root; we try the other candidate" }
    }),
    base("two candidate paths, the served one revoked", leafDual, [dualA], ok, {
      anchors: [rootA, rootB],
      intermediates: [dualB],
      crls: [crlRootA, crlRootB, crlDual],
      crlScope: "chain",
      opensslDiffers: { accepts: false, why: "OpenSSL does not look for another path after a revocation; we do" }
    }),
    base("valid chain with CRL check", good, [intA], ok, { crls: [crlIntA], crlScope: "leaf" }),
    base("revoked by CRL", revoked, [intA], reject("Revoked", "certificate_revoked", 0), { crls: [crlIntA], crlScope: "leaf" }),
    base("RSA-1024 leaf", rsa1024, [intA], reject("WeakKey", "unsupported_certificate", 0)),
    base("RSA-1024 leaf with minRsaBits 1024", rsa1024, [intA], ok, { minRsaBits: 1024, authLevel: 1 }),
    base("RSASSA-PSS signature under an RSA-2048 root", pssLeaf, [], ok, { anchors: [rootRsa] }),
    base("SHA-1 signature on a leaf", sha1Leaf, [], reject("WeakSignature", "unsupported_certificate", 0), { anchors: [rootRsa] }),
    base("SHA-1 self-signature on the root only, P-384 leaf signed with SHA-384", underSha1Root, [], ok, { anchors: [rootSha1] }),
    base("Ed25519 root and leaf", edLeaf, [], ok, { anchors: [rootEd] })
  ]
}
