/**
 * Issue 9, acceptance 3 (servers): `openssl s_server -tls1_2` answers a ClientHello that
 * the codec built (one suite, TLS 1.2 only, supported_groups, ec_point_formats,
 * signature_algorithms, renegotiation_info, extended_master_secret), sent over a raw
 * socket. The flight up to ServerHelloDone is cut with `RecordDeframer` and
 * `HandshakeReassembler`, each message decodes with `{ version: 0x0303, cipherSuite }`
 * and re-encodes byte-exact, and the decoded values are checked against what the server
 * was given: the suite, the curve or the RFC 7919 ffdhe2048 prime, the certificate chain
 * (DER of the PEM files), and the ServerKeyExchange signature, verified with node:crypto
 * over the bytes the decoded lengths delimit.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import {
  ContentType,
  Ext,
  HandshakeReassembler,
  NamedGroup,
  RecordDeframer,
  SignatureScheme,
  decodeHandshake,
  encodeHandshake,
  encodeRecord,
  formatDecodeError,
  suiteByName,
  type HandshakeMessage,
  type MessageOf,
  type RawHandshake
} from "@effect-tls/codec"
import * as Result from "effect/Result"
import * as crypto from "node:crypto"
import { needs } from "@effect-tls/test-support/peers"
import { makePki, pemToDer, type Pki } from "@effect-tls/test-support/pki"
import { exchange, killAll, startServer } from "@effect-tls/test-support/processes"
import { execFileSync } from "node:child_process"

const TLS12 = 0x0303
const FLIGHT_MS = 10_000

/** RFC 7919 Appendix A.1: the ffdhe2048 prime p. */
const FFDHE2048_P = [
  "FFFFFFFF FFFFFFFF ADF85458 A2BB4A9A AFDC5620 273D3CF1",
  "D8B9C583 CE2D3695 A9E13641 146433FB CC939DCE 249B3EF9",
  "7D2FE363 630C75D8 F681B202 AEC4617A D3DF1ED5 D5FD6561",
  "2433F51F 5F066ED0 85636555 3DED1AF3 B557135E 7F57C935",
  "984F0C70 E0E68B77 E2A689DA F3EFE872 1DF158A1 36ADE735",
  "30ACCA4F 483A797A BC0AB182 B324FB61 D108A94B B2C8E3FB",
  "B96ADAB7 60D7F468 1D4F42A3 DE394DF4 AE56EDE7 6372BB19",
  "0B07A7C8 EE0A6D70 9E02FCE1 CDF7E2EC C03404CD 28342F61",
  "9172FE9C E98583FF 8E4F1232 EEF28183 C3FE3B1B 4C6FAD73",
  "3BB5FCBC 2EC22005 C58EF183 7D1683B2 C6F34A26 C1B2EFFA",
  "886B4238 61285C97 FFFFFFFF FFFFFFFF"
].join("").replace(/\s+/g, "").toLowerCase()

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex")

const { x25519, secp256r1 } = NamedGroup.values
const S = SignatureScheme.values
/** What the hello offers, in preference order: PSS first, as modern clients do. */
const OFFERED_SCHEMES = [S.rsa_pss_rsae_sha256, S.rsa_pkcs1_sha256, S.ecdsa_secp256r1_sha256, S.rsa_pss_rsae_sha384, S.rsa_pkcs1_sha384]

/** A TLS 1.2-only ClientHello offering one suite, built as a value. */
const clientHello = (suite: number, random: Uint8Array): MessageOf<"ClientHello"> => ({
  _tag: "ClientHello",
  legacyVersion: TLS12,
  random,
  legacySessionId: new Uint8Array(0),
  cipherSuites: [suite],
  legacyCompressionMethods: [0],
  extensions: [
    { _tag: "supported_groups", namedGroupList: [x25519, secp256r1] },
    { _tag: "ec_point_formats", ecPointFormatList: [0] },
    { _tag: "signature_algorithms", supportedSignatureAlgorithms: OFFERED_SCHEMES },
    { _tag: "renegotiation_info", renegotiatedConnection: new Uint8Array(0) },
    { _tag: "extended_master_secret" }
  ]
})

/** Handshake messages and any alert in `bytes` (whole records only). */
const parseFlight = (bytes: Uint8Array): { readonly messages: ReadonlyArray<RawHandshake>; readonly alert?: Uint8Array } => {
  const d = RecordDeframer.empty().push(bytes)
  if (d._tag !== "Ok") throw new Error(`record of ${d.length} bytes overflows`)
  let hs = HandshakeReassembler.empty()
  const messages: Array<RawHandshake> = []
  for (const rec of d.records) {
    if (rec.contentType === ContentType.values.alert) return { messages, alert: rec.fragment }
    if (rec.contentType !== ContentType.values.handshake) throw new Error(`unexpected ${ContentType.nameOf(rec.contentType)} record`)
    expect(rec.version).toBe(TLS12)
    const r = hs.push(rec.fragment)
    if (r._tag !== "Ok") throw new Error(`reassembly: ${r.why} ${r.detail}`)
    hs = r.next
    messages.push(...r.messages)
  }
  return { messages }
}

const flightDone = (bytes: Uint8Array): boolean => {
  try {
    const f = parseFlight(bytes)
    return f.alert !== undefined || f.messages.some((m) => m.type === 14)
  } catch {
    return true
  }
}

/** Decodes with the TLS 1.2 context, checks the byte-exact re-encoding, and returns the value. */
const decodeExact = (raw: RawHandshake, cipherSuite: number): HandshakeMessage => {
  const r = decodeHandshake(raw.bytes, { version: TLS12, cipherSuite })
  if (Result.isFailure(r)) throw new Error(`type ${raw.type} does not decode: ${formatDecodeError(r.failure)}\n${hex(raw.bytes)}`)
  const again = encodeHandshake(r.success)
  if (Result.isFailure(again)) throw new Error(`${r.success._tag} does not re-encode: ${JSON.stringify(again.failure)}`)
  expect(hex(again.success), `${r.success._tag} re-encodes byte-exact`).toBe(hex(raw.bytes))
  return r.success
}

/** Verifies a TLS 1.2 ServerKeyExchange signature (RFC 5246 §7.4.3) with the leaf's key. */
const verifySke = (scheme: number, leafDer: Uint8Array, signed: Uint8Array, signature: Uint8Array): boolean => {
  const key = new crypto.X509Certificate(leafDer).publicKey
  const hash = { 0x04: "sha256", 0x05: "sha384", 0x06: "sha512" }[scheme >> 8] ?? ""
  switch (scheme) {
    case S.rsa_pss_rsae_sha256:
    case S.rsa_pss_rsae_sha384:
      return crypto.verify(scheme === S.rsa_pss_rsae_sha256 ? "sha256" : "sha384", signed, {
        key,
        padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
        saltLength: scheme === S.rsa_pss_rsae_sha256 ? 32 : 48
      }, signature)
    case S.rsa_pkcs1_sha256:
    case S.rsa_pkcs1_sha384:
      return crypto.verify(hash, signed, { key, padding: crypto.constants.RSA_PKCS1_PADDING }, signature)
    case S.ecdsa_secp256r1_sha256:
      return crypto.verify("sha256", signed, key, signature)
    default:
      throw new Error(`scheme ${SignatureScheme.nameOf(scheme)} not handled by the test`)
  }
}

const concat = (...parts: ReadonlyArray<Uint8Array>): Uint8Array => new Uint8Array(Buffer.concat(parts))

afterAll(() => killAll())

describe.skipIf(!needs("openssl"))("TLS 1.2 server flight from openssl s_server", () => {
  let pki: Pki
  let dhparam: string
  beforeAll(() => {
    pki = makePki()
    dhparam = pki.file("ffdhe2048.pem", "")
    execFileSync("openssl", ["genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt", "group:ffdhe2048", "-out", dhparam], { stdio: "pipe", timeout: 30_000 })
  })
  afterAll(() => pki?.cleanup())

  /** Starts s_server with `cipher`, sends the codec-built hello, returns the flight and the hello's random. */
  const flight = async (cipher: string, extra: ReadonlyArray<string>) => {
    const suite = suiteByName(cipher)!
    const { peer, port } = await startServer(
      "openssl",
      (p) => ["s_server", "-accept", `127.0.0.1:${p}`, "-tls1_2", "-cipher", cipher, "-cert", pki.rsa.certPath, "-key", pki.rsa.keyPath,
        "-cert_chain", pki.ca.certPath, ...extra],
      { ready: /^ACCEPT$/m, name: `s_server ${cipher}` }
    )
    try {
      const random = new Uint8Array(crypto.randomBytes(32))
      const hello = encodeHandshake(clientHello(suite, random))
      if (Result.isFailure(hello)) throw new Error(JSON.stringify(hello.failure))
      // RFC 5246 App. E.1: a TLS 1.2-only client may put 0x0303 in the record header too.
      const got = await exchange(port, encodeRecord(ContentType.values.handshake, 0x0301, hello.success), {
        until: flightDone,
        timeoutMs: FLIGHT_MS,
        maxBytes: 1 << 16
      })
      const f = parseFlight(got.bytes)
      if (f.alert !== undefined) throw new Error(`s_server sent alert ${hex(f.alert)}:\n${peer.output()}`)
      expect(got.end).toBe("until")
      expect(f.messages.map((m) => m.type)).toEqual([2, 11, 12, 14])
      return { suite, random, messages: f.messages }
    } finally {
      await peer.kill()
    }
  }

  /** The checks both flights share; returns the ServerHello random and the leaf. */
  const common = (suite: number, messages: ReadonlyArray<RawHandshake>) => {
    const [sh, cert, ske, done] = messages.map((m) => decodeExact(m, suite))
    if (sh!._tag !== "ServerHello" || cert!._tag !== "Certificate12" || done!._tag !== "ServerHelloDone") {
      throw new Error(`tags: ${[sh, cert, ske, done].map((m) => m!._tag).join(", ")}`)
    }
    expect(sh.legacyVersion).toBe(TLS12)
    expect(sh.cipherSuite).toBe(suite)
    expect(sh.legacyCompressionMethod).toBe(0)
    expect(Ext.find(sh.extensions, "renegotiation_info")!.renegotiatedConnection.length).toBe(0)
    expect(Ext.find(sh.extensions, "extended_master_secret")).toEqual({ _tag: "extended_master_secret" })
    expect((sh.extensions ?? []).filter((e) => e._tag === "Unknown")).toEqual([])
    // The chain is the PEM files openssl was given, as DER, leaf first.
    expect(cert.certificateList.map(hex)).toEqual([hex(pemToDer(pki.rsa.certPem)), hex(pki.ca.certDer)])
    return { serverRandom: sh.random, leaf: cert.certificateList[0]!, ske: ske!, sh }
  }

  it("ECDHE-RSA-AES128-GCM-SHA256: ServerHello, Certificate12, ServerKeyExchangeEcdhe (x25519), ServerHelloDone decode and re-encode byte-exact", async () => {
    const { suite, random, messages } = await flight("ECDHE-RSA-AES128-GCM-SHA256", [])
    const { serverRandom, leaf, ske, sh } = common(suite, messages)
    expect(Ext.find(sh.extensions, "ec_point_formats")!.ecPointFormatList).toContain(0)
    if (ske._tag !== "ServerKeyExchangeEcdhe") throw new Error(ske._tag)
    expect(ske.params.curveType).toBe(3)
    expect(NamedGroup.nameOf(ske.params.namedCurve)).toBe("x25519") // the first group offered
    expect(ske.params.publicKey.length).toBe(32)
    expect(OFFERED_SCHEMES).toContain(ske.signed.algorithm)
    // The signed bytes are ServerECDHParams exactly as sent: 1 + 2 + 1 + point.
    const paramsLen = 4 + ske.params.publicKey.length
    const params = messages[2]!.bytes.subarray(4, 4 + paramsLen)
    expect(verifySke(ske.signed.algorithm, leaf, concat(random, serverRandom, params), ske.signed.signature)).toBe(true)
    console.log(`[s_server ECDHE] ${SignatureScheme.nameOf(ske.signed.algorithm)} signature over x25519 params verified; flight ${messages.map((m) => m.bytes.length).join("+")} B`)
  })

  it("DHE-RSA-AES128-GCM-SHA256 with ffdhe2048: ServerKeyExchangeDhe carries the 256-byte RFC 7919 prime, g = 2; all re-encode byte-exact", async () => {
    const { suite, random, messages } = await flight("DHE-RSA-AES128-GCM-SHA256", ["-dhparam", dhparam])
    const { serverRandom, leaf, ske } = common(suite, messages)
    if (ske._tag !== "ServerKeyExchangeDhe") throw new Error(ske._tag)
    expect(ske.params.p.length).toBe(256)
    expect(hex(ske.params.p)).toBe(FFDHE2048_P)
    expect([...ske.params.g]).toEqual([2])
    expect(ske.params.ys.length).toBeGreaterThan(0)
    expect(ske.params.ys.length).toBeLessThanOrEqual(256)
    expect(OFFERED_SCHEMES).toContain(ske.signed.algorithm)
    const paramsLen = 6 + ske.params.p.length + ske.params.g.length + ske.params.ys.length
    const params = messages[2]!.bytes.subarray(4, 4 + paramsLen)
    expect(verifySke(ske.signed.algorithm, leaf, concat(random, serverRandom, params), ske.signed.signature)).toBe(true)
    console.log(`[s_server DHE] ${SignatureScheme.nameOf(ske.signed.algorithm)} signature over ffdhe2048 params verified; flight ${messages.map((m) => m.bytes.length).join("+")} B`)
  })
})
