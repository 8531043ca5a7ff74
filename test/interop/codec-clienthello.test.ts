/**
 * Issue 9, acceptance 3 (clients): real TLS clients — `openssl s_client` (TLS 1.3 and
 * TLS 1.2), `gnutls-cli` and `node:tls` — connect to a local listener that cuts the
 * ClientHello out of the byte stream with `RecordDeframer` and `HandshakeReassembler`.
 * Each captured hello decodes, every extension the codec knows arrives in its typed form,
 * the values the client was configured with are seen, and the hello re-encodes byte-exact.
 * A few more runs switch on the options that make clients send the rarer extensions
 * (OCSP status, max_fragment_length, post-handshake auth, record_size_limit, padding, a
 * PSK with early data, certificate_authorities, and a cookie after a HelloRetryRequest
 * the codec builds). No installed client sends signature_algorithms_cert (OpenSSL 3.0
 * only parses it) or compress_certificate (OpenSSL 3.0 predates RFC 8879, this gnutls
 * is built without it, Node's OpenSSL does not offer it); the last test checks that
 * everything else was covered.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import {
  Ext,
  ExtensionType,
  HandshakeReassembler,
  HELLO_RETRY_REQUEST_RANDOM,
  NamedGroup,
  RecordDeframer,
  ContentType,
  decodeHandshake,
  encodeHandshake,
  encodeRecord,
  formatDecodeError,
  suiteByName,
  type ClientHelloExtension,
  type MessageOf,
  type RawHandshake
} from "@effect-tls/codec"
import * as Result from "effect/Result"
import * as fs from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import * as tls from "node:tls"
import { needs } from "@effect-tls/test-support/peers"
import { makePki, type Pki } from "@effect-tls/test-support/pki"
import { killAll, listenOnce, spawnPeer, startServer, waitUntil } from "@effect-tls/test-support/processes"

type ClientHello = MessageOf<"ClientHello">

/** The extensions acceptance 3 lists: each must decode to its typed form wherever it appears. */
const TYPED: ReadonlyArray<string> = [
  "server_name",
  "max_fragment_length",
  "supported_groups",
  "ec_point_formats",
  "signature_algorithms",
  "signature_algorithms_cert",
  "application_layer_protocol_negotiation",
  "status_request",
  "extended_master_secret",
  "encrypt_then_mac",
  "session_ticket",
  "renegotiation_info",
  "supported_versions",
  "key_share",
  "pre_shared_key",
  "psk_key_exchange_modes",
  "early_data",
  "cookie",
  "certificate_authorities",
  "post_handshake_auth",
  "record_size_limit",
  "compress_certificate",
  "padding"
]
const TYPED_CODES = new Map(TYPED.map((name) => [ExtensionType.codeOf(name)!, name]))

const CAPTURE_MS = 10_000
const MAX_HELLO_BYTES = 1 << 16

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex")
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s)

/**
 * The handshake messages in the handshake records of `bytes` (complete ones only),
 * skipping ChangeCipherSpec and stopping at the first other record (0-RTT data follows
 * a hello that offers early data).
 */
const handshakeMessages = (bytes: Uint8Array): ReadonlyArray<RawHandshake> => {
  const d = RecordDeframer.empty().push(bytes)
  if (d._tag !== "Ok") throw new Error(`record of ${d.length} bytes overflows`)
  let hs = HandshakeReassembler.empty()
  const out: Array<RawHandshake> = []
  for (const rec of d.records) {
    if (rec.contentType === ContentType.values.change_cipher_spec) continue
    if (rec.contentType !== ContentType.values.handshake) break
    const r = hs.push(rec.fragment)
    if (r._tag !== "Ok") throw new Error(`reassembly: ${r.why} ${r.detail}`)
    hs = r.next
    out.push(...r.messages)
  }
  return out
}

/** `until` for a listener: the stream holds `n` whole ClientHellos. */
const hasClientHellos = (n: number) => (bytes: Uint8Array): boolean => {
  try {
    return handshakeMessages(bytes).filter((m) => m.type === 1).length >= n
  } catch {
    return true // malformed: stop reading and let the test report it
  }
}

/** A started client: how to stop it, and what it printed (for failure messages). */
interface Started {
  readonly stop: () => Promise<unknown>
  readonly output: () => string
}

/** Accepts one connection, lets `start` launch a client at it, and returns the first ClientHello. */
const capture = async (start: (port: number) => Started): Promise<RawHandshake> => {
  const listener = await listenOnce({ until: hasClientHellos(1), timeoutMs: CAPTURE_MS, maxBytes: MAX_HELLO_BYTES })
  let client: Started | undefined
  try {
    client = start(listener.port)
    const got = await listener.received
    const hello = handshakeMessages(got.bytes).find((m) => m.type === 1)
    if (hello === undefined) {
      throw new Error(`no ClientHello (${got.end}, ${got.bytes.length} bytes: ${hex(got.bytes.subarray(0, 64))}...)\n${client.output()}`)
    }
    return hello
  } finally {
    await listener.close()
    await client?.stop()
  }
}

/** Starts a command-line client. */
const runClient = (command: string, args: ReadonlyArray<string>): Started => {
  const peer = spawnPeer(command, args)
  return { stop: () => peer.kill(), output: () => peer.output() }
}

/** A `node:tls` client; the listener's hang-up is an expected error. */
const nodeClient = (options: tls.ConnectionOptions): Started => {
  const socket = tls.connect(options)
  let error = ""
  socket.on("error", (e) => (error = String(e)))
  return { stop: async () => socket.destroy(), output: () => error }
}

/** Decodes `raw` or fails with the codec's own words and the bytes. */
const decodeHello = (raw: RawHandshake): ClientHello => {
  const r = decodeHandshake(raw.bytes)
  if (Result.isFailure(r)) throw new Error(`ClientHello does not decode: ${formatDecodeError(r.failure)}\n${hex(raw.bytes)}`)
  if (r.success._tag !== "ClientHello") throw new Error(`decoded as ${r.success._tag}`)
  return r.success
}

const typeOf = (e: ClientHelloExtension): number => (e._tag === "Unknown" ? e.type : ExtensionType.codeOf(e._tag)!)

/** A short human description of one extension, for the summary line. */
const describeExt = (e: ClientHelloExtension): string => {
  switch (e._tag) {
    case "Unknown":
      return `Unknown(${ExtensionType.nameOf(e.type)}, ${e.data.length} B)`
    case "server_name":
      return `server_name(${Ext.hostName(e) ?? "?"})`
    case "supported_groups":
      return `supported_groups(${e.namedGroupList.map(NamedGroup.nameOf).join(",")})`
    case "key_share":
      return `key_share(${e.clientShares.map((s) => NamedGroup.nameOf(s.group)).join(",")})`
    case "application_layer_protocol_negotiation":
      return `alpn(${Ext.protocols(e).join(",")})`
    case "supported_versions":
      return `supported_versions(${e.versions.map((v) => v.toString(16)).join(",")})`
    case "signature_algorithms":
    case "signature_algorithms_cert":
      return `${e._tag}(${e.supportedSignatureAlgorithms.length})`
    case "pre_shared_key":
      return `pre_shared_key(${e.identities.length} id)`
    case "padding":
      return `padding(${e.padding.length} B)`
    case "cookie":
      return `cookie(${e.cookie.length} B)`
    case "record_size_limit":
      return `record_size_limit(${e.recordSizeLimit})`
    case "max_fragment_length":
      return `max_fragment_length(${e.maxFragmentLength})`
    default:
      return e._tag
  }
}

/** Extension type names seen across all runs, for the coverage line at the end. */
const seenTyped = new Set<string>()

interface Expected {
  readonly host: string
  /** The groups configured, in order, as supported_groups must list them (GREASE aside). */
  readonly groups: ReadonlyArray<number>
  readonly alpn?: ReadonlyArray<string>
  /** TLS 1.3 offered (supported_versions with 0x0304 and a key_share). */
  readonly tls13: boolean
  readonly suites?: ReadonlyArray<number>
}

/** The common assertions, and the summary line. Returns the decoded hello. */
const check = (label: string, raw: RawHandshake, want: Expected): ClientHello => {
  const ch = decodeHello(raw)
  const exts = ch.extensions ?? []
  const line = exts.map(describeExt).join(" ")
  console.log(`[${label}] ClientHello ${raw.bytes.length} B, ${ch.cipherSuites.length} suites, ${exts.length} extensions: ${line}`)

  // Every listed extension decodes to its typed form.
  const untyped = exts.filter((e) => e._tag === "Unknown" && TYPED_CODES.has(e.type))
  expect(untyped.map((e) => TYPED_CODES.get(typeOf(e)))).toEqual([])
  for (const e of exts) if (e._tag !== "Unknown") seenTyped.add(e._tag)

  // The configured values.
  expect(Ext.hostName(Ext.find(exts, "server_name")!)).toBe(want.host)
  const groups = Ext.find(exts, "supported_groups")!.namedGroupList.filter((g) => !isGreaseGroup(g))
  expect(groups.map(NamedGroup.nameOf)).toEqual(want.groups.map(NamedGroup.nameOf))
  if (want.alpn !== undefined) expect(Ext.protocols(Ext.find(exts, "application_layer_protocol_negotiation")!)).toEqual(want.alpn)
  else expect(Ext.find(exts, "application_layer_protocol_negotiation")).toBeUndefined()
  const versions = Ext.find(exts, "supported_versions")?.versions ?? []
  if (want.tls13) {
    expect(versions).toContain(0x0304)
    const shares = Ext.find(exts, "key_share")!.clientShares
    expect(shares.length).toBeGreaterThan(0)
    for (const s of shares) if (!isGreaseGroup(s.group)) expect(want.groups).toContain(s.group)
  } else {
    expect(versions).not.toContain(0x0304)
    expect(Ext.find(exts, "key_share")).toBeUndefined()
  }
  for (const s of want.suites ?? []) expect(ch.cipherSuites).toContain(s)

  // Byte-exact re-encoding.
  const again = encodeHandshake(ch)
  if (Result.isFailure(again)) throw new Error(`re-encode failed: ${JSON.stringify(again.failure)}`)
  expect(hex(again.success)).toBe(hex(raw.bytes))
  return ch
}

const isGreaseGroup = (g: number): boolean => (g & 0x0f0f) === 0x0a0a && g >> 8 === (g & 0xff)

const { x25519, secp256r1, secp384r1 } = NamedGroup.values
const OPENSSL_GROUPS = [x25519, secp256r1, secp384r1]
const opensslClient = (port: number, extra: ReadonlyArray<string>): ReadonlyArray<string> => [
  "s_client", "-connect", `127.0.0.1:${port}`, "-servername", "a.test", "-groups", "X25519:P-256:P-384", "-alpn", "h2,http/1.1", ...extra
]

afterAll(() => killAll())

describe.skipIf(!needs("openssl"))("ClientHello from openssl s_client", () => {
  it("TLS 1.3: decodes typed, a.test, X25519:P-256:P-384, h2,http/1.1, re-encodes byte-exact", async () => {
    const raw = await capture((port) => runClient("openssl", opensslClient(port, ["-tls1_3"])))
    const ch = check("openssl s_client -tls1_3", raw, { host: "a.test", groups: OPENSSL_GROUPS, alpn: ["h2", "http/1.1"], tls13: true })
    expect(Ext.find(ch.extensions, "supported_versions")!.versions).toEqual([0x0304])
    expect(Ext.find(ch.extensions, "key_share")!.clientShares.map((s) => s.group)).toEqual([x25519])
    expect(Ext.find(ch.extensions, "key_share")!.clientShares[0]!.keyExchange.length).toBe(32)
    expect(Ext.find(ch.extensions, "psk_key_exchange_modes")!.keModes).toEqual([1])
  })

  it("TLS 1.2 with -cipher ECDHE-RSA-AES128-GCM-SHA256: decodes typed, configured values, re-encodes byte-exact", async () => {
    const raw = await capture((port) => runClient("openssl", opensslClient(port, ["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"])))
    const suite = suiteByName("ECDHE-RSA-AES128-GCM-SHA256")!
    const ch = check("openssl s_client -tls1_2", raw, { host: "a.test", groups: OPENSSL_GROUPS, alpn: ["h2", "http/1.1"], tls13: false, suites: [suite] })
    // The one suite asked for, and the renegotiation SCSV (RFC 5746 §3.3).
    expect(ch.cipherSuites).toEqual([suite, 0x00ff])
    expect(ch.legacyVersion).toBe(0x0303)
    expect(Ext.find(ch.extensions, "ec_point_formats")!.ecPointFormatList).toEqual([0, 1, 2]) // uncompressed, ansiX962_compressed_prime, _char2
    expect(Ext.find(ch.extensions, "extended_master_secret")).toEqual({ _tag: "extended_master_secret" })
  })

  it("TLS 1.3 with -status -maxfraglen 1024 -enable_pha: status_request, max_fragment_length, post_handshake_auth typed", async () => {
    const raw = await capture((port) => runClient("openssl", opensslClient(port, ["-tls1_3", "-status", "-maxfraglen", "1024", "-enable_pha"])))
    const ch = check("openssl s_client -status -maxfraglen -enable_pha", raw, { host: "a.test", groups: OPENSSL_GROUPS, alpn: ["h2", "http/1.1"], tls13: true })
    expect(Ext.find(ch.extensions, "max_fragment_length")!.maxFragmentLength).toBe(2) // 2^10
    expect(Ext.find(ch.extensions, "status_request")!.statusType).toBe(1) // ocsp
    expect(Ext.find(ch.extensions, "post_handshake_auth")).toEqual({ _tag: "post_handshake_auth" })
  })

  it("TLS 1.3 with -bugs (SSL_OP_TLSEXT_PADDING): padding typed, hello padded to 512 bytes", async () => {
    const raw = await capture((port) => runClient("openssl", opensslClient(port, ["-bugs"])))
    const ch = check("openssl s_client -bugs", raw, { host: "a.test", groups: OPENSSL_GROUPS, alpn: ["h2", "http/1.1"], tls13: true })
    expect(raw.bytes.length).toBe(512)
    expect(Ext.find(ch.extensions, "padding")!.padding.every((b) => b === 0)).toBe(true)
  })
})

describe.skipIf(!needs("gnutls-cli"))("ClientHello from gnutls-cli", () => {
  const priority = "NORMAL:-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1"
  const gnutls = (port: number, extra: ReadonlyArray<string>, morePriority = "") => [
    "--no-ca-verification", "--sni-hostname=a.test", "--alpn=h2", "--alpn=http/1.1", `--priority=${priority}${morePriority}`, "-p", String(port), ...extra, "127.0.0.1"
  ]

  it("TLS 1.3 and 1.2: decodes typed, a.test, X25519:P-256:P-384, h2,http/1.1, re-encodes byte-exact", async () => {
    const raw = await capture((port) => runClient("gnutls-cli", gnutls(port, [])))
    const ch = check("gnutls-cli", raw, { host: "a.test", groups: OPENSSL_GROUPS, alpn: ["h2", "http/1.1"], tls13: true })
    expect(Ext.find(ch.extensions, "supported_versions")!.versions).toContain(0x0303)
  })

  it("with %DUMBFW --recordsize=4096 --post-handshake-auth: padding, record_size_limit, max_fragment_length, post_handshake_auth typed", async () => {
    // %DUMBFW pads a hello of 256..511 bytes to 512 (RFC 7685).
    const raw = await capture((port) => runClient("gnutls-cli", gnutls(port, ["--recordsize=4096", "--post-handshake-auth"], ":%DUMBFW")))
    const ch = check("gnutls-cli %DUMBFW --recordsize=4096 --post-handshake-auth", raw, { host: "a.test", groups: OPENSSL_GROUPS, alpn: ["h2", "http/1.1"], tls13: true })
    expect(raw.bytes.length).toBe(512)
    expect(Ext.find(ch.extensions, "padding")!.padding.every((b) => b === 0)).toBe(true)
    // RFC 8449 §4: a TLS 1.3 limit counts the inner content type, hence 4096 + 1.
    expect(Ext.find(ch.extensions, "record_size_limit")!.recordSizeLimit).toBe(4097)
    expect(Ext.find(ch.extensions, "max_fragment_length")!.maxFragmentLength).toBe(4) // 2^12, for TLS 1.2 servers
    expect(Ext.find(ch.extensions, "post_handshake_auth")).toEqual({ _tag: "post_handshake_auth" })
  })
})

describe("ClientHello from node:tls", () => {
  it("decodes typed, a.test, X25519:P-256, h2,http/1.1, re-encodes byte-exact", async () => {
    const raw = await capture((port) =>
      nodeClient({ host: "127.0.0.1", port, servername: "a.test", ALPNProtocols: ["h2", "http/1.1"], ecdhCurve: "X25519:P-256", rejectUnauthorized: false })
    )
    check(`node:tls (${process.version}, OpenSSL ${process.versions.openssl})`, raw, { host: "a.test", groups: [x25519, secp256r1], alpn: ["h2", "http/1.1"], tls13: true })
  })
})

describe.skipIf(!needs("openssl"))("ClientHello from openssl s_client with a PKI, a session, or a scripted server", () => {
  let pki: Pki
  beforeAll(() => {
    pki = makePki()
  })
  afterAll(() => pki?.cleanup())

  it("resumption with early data: pre_shared_key (last), early_data, psk_key_exchange_modes typed; re-encodes byte-exact", async () => {
    // A real TLS 1.3 session with a ticket that allows early data, from openssl s_server.
    const { peer: server, port } = await startServer(
      "openssl",
      (port) => ["s_server", "-accept", `127.0.0.1:${port}`, "-cert", pki.rsa.certPath, "-key", pki.rsa.keyPath, "-tls1_3", "-early_data", "-naccept", "1"],
      { ready: /^ACCEPT$/m, name: "s_server" }
    )
    try {
      const sess = path.join(pki.dir, "session.pem")
      const first = spawnPeer("openssl", ["s_client", "-connect", `127.0.0.1:${port}`, "-servername", "a.test", "-groups", "X25519:P-256:P-384", "-tls1_3", "-sess_out", sess])
      // The tickets arrive after the handshake; s_client writes each to -sess_out as it
      // comes (its stdout is block-buffered on a pipe, so the file is what to watch).
      await waitUntil("a session ticket in -sess_out", () => fs.existsSync(sess) && fs.statSync(sess).size > 0)
      await first.waitFor(/Verify return code/, { timeoutMs: CAPTURE_MS })
      await new Promise((r) => setTimeout(r, 200)) // let the second ticket land too; either will do
      first.write("Q\n")
      await Promise.race([first.exited, new Promise((r) => setTimeout(r, 3_000))])
      await first.kill()
      expect(fs.statSync(sess).size).toBeGreaterThan(0)
      const early = pki.file("early.txt", "GET / HTTP/1.0\r\n\r\n")

      const raw = await capture((p) =>
        runClient("openssl", ["s_client", "-connect", `127.0.0.1:${p}`, "-servername", "a.test", "-groups", "X25519:P-256:P-384", "-tls1_3", "-sess_in", sess, "-early_data", early])
      )
      const ch = check("openssl s_client -sess_in -early_data", raw, { host: "a.test", groups: OPENSSL_GROUPS, tls13: true })
      const exts = ch.extensions!
      expect(exts[exts.length - 1]!._tag).toBe("pre_shared_key") // RFC 8446 §4.2.11: MUST be last
      const psk = Ext.find(exts, "pre_shared_key")!
      expect(psk.identities).toHaveLength(1)
      // The binder is as long as the session's suite hash: 32 for SHA-256, 48 for SHA-384.
      expect([32, 48]).toContain(psk.binders[0]!.length)
      expect(Ext.find(exts, "early_data")).toEqual({ _tag: "early_data" })
      expect(Ext.find(exts, "psk_key_exchange_modes")!.keModes).toContain(1)
    } finally {
      await server.kill()
    }
  })

  it("TLS 1.3 with -requestCAfile: certificate_authorities typed, naming the CA's subject", async () => {
    const raw = await capture((port) => runClient("openssl", opensslClient(port, ["-tls1_3", "-requestCAfile", pki.ca.certPath])))
    const ch = check("openssl s_client -requestCAfile", raw, { host: "a.test", groups: OPENSSL_GROUPS, alpn: ["h2", "http/1.1"], tls13: true })
    const names = Ext.find(ch.extensions, "certificate_authorities")!.authorities
    expect(names).toHaveLength(1)
    // The DER Name is the subject inside the CA certificate (which is also its issuer).
    expect(names[0]![0]).toBe(0x30)
    expect(Buffer.from(pki.ca.certDer).indexOf(Buffer.from(names[0]!))).toBeGreaterThan(0)
    expect(Buffer.from(names[0]!).toString("latin1")).toContain("effect-tls test CA")
  })

  it("after a HelloRetryRequest built by the codec: the second hello carries the cookie and a P-256 share, re-encodes byte-exact", async () => {
    const cookie = ascii("effect-tls cookie: 0123456789abcdef")
    const hellos: Array<RawHandshake> = []
    let firstHello: ClientHello | undefined
    const sockets = new Set<net.Socket>()
    const srv = net.createServer()
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no second ClientHello in time")), CAPTURE_MS)
      srv.on("connection", (socket) => {
        sockets.add(socket)
        let buf = new Uint8Array(0)
        socket.on("error", () => {})
        socket.on("data", (chunk: Buffer) => {
          const joined = new Uint8Array(buf.length + chunk.length)
          joined.set(buf)
          joined.set(chunk, buf.length)
          buf = joined
          if (buf.length > MAX_HELLO_BYTES) return reject(new Error("too many bytes"))
          let msgs: ReadonlyArray<RawHandshake>
          try {
            msgs = handshakeMessages(buf).filter((m) => m.type === 1)
          } catch (e) {
            return reject(e as Error)
          }
          if (msgs.length === 1 && hellos.length === 0) {
            hellos.push(msgs[0]!)
            firstHello = decodeHello(msgs[0]!)
            const hrr = encodeHandshake({
              _tag: "HelloRetryRequest",
              legacyVersion: 0x0303,
              random: HELLO_RETRY_REQUEST_RANDOM,
              legacySessionIdEcho: firstHello.legacySessionId,
              cipherSuite: 0x1301,
              legacyCompressionMethod: 0,
              extensions: [
                { _tag: "supported_versions", selectedVersion: 0x0304 },
                { _tag: "key_share", selectedGroup: secp256r1 },
                { _tag: "cookie", cookie }
              ]
            })
            if (Result.isFailure(hrr)) return reject(new Error(JSON.stringify(hrr.failure)))
            socket.write(encodeRecord(ContentType.values.handshake, 0x0303, hrr.success))
          } else if (msgs.length >= 2) {
            hellos.push(msgs[1]!)
            clearTimeout(timer)
            socket.destroy()
            resolve()
          }
        })
      })
    })
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r))
    const port = (srv.address() as net.AddressInfo).port
    const client = spawnPeer("openssl", opensslClient(port, ["-tls1_3"]))
    try {
      await done
    } finally {
      for (const s of sockets) s.destroy()
      srv.close()
      await client.kill()
    }
    const ch = check("openssl s_client after HelloRetryRequest", hellos[1]!, { host: "a.test", groups: OPENSSL_GROUPS, alpn: ["h2", "http/1.1"], tls13: true })
    expect(hex(Ext.find(ch.extensions, "cookie")!.cookie)).toBe(hex(cookie))
    expect(Ext.find(ch.extensions, "key_share")!.clientShares.map((s) => s.group)).toEqual([secp256r1])
    expect(Ext.find(ch.extensions, "key_share")!.clientShares[0]!.keyExchange.length).toBe(65)
    expect(hex(ch.random)).toBe(hex(firstHello!.random)) // RFC 8446 §4.1.2: the same hello, amended
  })
})

/** Listed extensions no installed client sends in a ClientHello (see the module comment). */
const NO_PEER_SENDS = ["signature_algorithms_cert", "compress_certificate"]

describe.skipIf(!needs("openssl", "gnutls-cli"))("coverage across the runs", () => {
  it("every listed extension but signature_algorithms_cert and compress_certificate was seen typed", () => {
    const missing = TYPED.filter((n) => !seenTyped.has(n))
    console.log(`typed extensions seen: ${[...seenTyped].sort().join(", ")}\nlisted but sent by no peer here: ${missing.join(", ") || "none"}`)
    expect(missing.filter((n) => !NO_PEER_SENDS.includes(n))).toEqual([])
  })
})
