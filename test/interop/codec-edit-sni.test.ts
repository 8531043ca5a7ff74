/**
 * Issue 9, acceptance 5: a real ClientHello (`openssl s_client -servername original.test`,
 * captured on a local listener) is decoded, its server_name changed to `edited.test`, and
 * re-encoded with every enclosing length recomputed by the codec. Two independent parsers
 * then read the edited bytes: `openssl s_server -servername edited.test -servername_fatal`
 * answers with a ServerHello (prints the host name it parsed, and switches to its second
 * certificate), while the unedited hello gets the fatal unrecognized_name alert; and
 * `tshark` reads the new name from a pcap holding the edited record.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import {
  AlertDescription,
  ContentType,
  Ext,
  HandshakeReassembler,
  RecordDeframer,
  decodeHandshake,
  encodeHandshake,
  encodeRecord,
  formatDecodeError,
  type ClientHelloExtension,
  type MessageOf,
  type RawHandshake
} from "@effect-tls/codec"
import * as Result from "effect/Result"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { has, needs } from "@effect-tls/test-support/peers"
import { makePki, type Pki } from "@effect-tls/test-support/pki"
import { exchange, killAll, listenOnce, spawnPeer, startServer, type Peer } from "@effect-tls/test-support/processes"

type ClientHello = MessageOf<"ClientHello">

const WAIT_MS = 10_000
const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex")

/** Records and whole handshake messages of a byte stream, stopping at the first alert or non-handshake record. */
const parse = (bytes: Uint8Array): { readonly messages: ReadonlyArray<RawHandshake>; readonly alert?: Uint8Array } => {
  const d = RecordDeframer.empty().push(bytes)
  if (d._tag !== "Ok") throw new Error(`record of ${d.length} bytes overflows`)
  let hs = HandshakeReassembler.empty()
  const messages: Array<RawHandshake> = []
  for (const rec of d.records) {
    if (rec.contentType === ContentType.values.alert) return { messages, alert: rec.fragment }
    if (rec.contentType === ContentType.values.change_cipher_spec) continue
    if (rec.contentType !== ContentType.values.handshake) break
    const r = hs.push(rec.fragment)
    if (r._tag !== "Ok") throw new Error(`reassembly: ${r.why} ${r.detail}`)
    hs = r.next
    messages.push(...r.messages)
  }
  return { messages }
}

/** `until` for a read: an alert, or a handshake message of `type`. */
const sawAlertOr = (type: number) => (bytes: Uint8Array): boolean => {
  try {
    const p = parse(bytes)
    return p.alert !== undefined || p.messages.some((m) => m.type === type)
  } catch {
    return true
  }
}

/** Captures the first ClientHello `openssl s_client` sends with these flags. */
const captureOpenssl = async (flags: ReadonlyArray<string>): Promise<RawHandshake> => {
  const listener = await listenOnce({ until: sawAlertOr(1), timeoutMs: WAIT_MS, maxBytes: 1 << 16 })
  const client = spawnPeer("openssl", ["s_client", "-connect", `127.0.0.1:${listener.port}`, ...flags])
  try {
    const got = await listener.received
    const hello = parse(got.bytes).messages.find((m) => m.type === 1)
    if (hello === undefined) throw new Error(`no ClientHello (${got.end}): ${hex(got.bytes)}\n${client.output()}`)
    return hello
  } finally {
    await listener.close()
    await client.kill()
  }
}

const decodeHello = (bytes: Uint8Array): ClientHello => {
  const r = decodeHandshake(bytes)
  if (Result.isFailure(r)) throw new Error(`does not decode: ${formatDecodeError(r.failure)}\n${hex(bytes)}`)
  if (r.success._tag !== "ClientHello") throw new Error(r.success._tag)
  return r.success
}

const encode = (msg: ClientHello): Uint8Array => {
  const r = encodeHandshake(msg)
  if (Result.isFailure(r)) throw new Error(`does not encode: ${JSON.stringify(r.failure)}`)
  return r.success
}

/** The hello with its server_name replaced, everything else (order included) kept. */
const withServerName = (ch: ClientHello, host: string): ClientHello => ({
  ...ch,
  extensions: (ch.extensions ?? []).map((e): ClientHelloExtension => (e._tag === "server_name" ? Ext.serverName(host) : e))
})

/** Lengths the edit must have recomputed, read straight from the bytes (not via the codec). */
const lengthsOf = (hello: Uint8Array) => {
  const body = (hello[1]! << 16) | (hello[2]! << 8) | hello[3]!
  let pos = 4 + 2 + 32
  pos += 1 + hello[pos]! // session id
  pos += 2 + ((hello[pos]! << 8) | hello[pos + 1]!) // suites
  pos += 1 + hello[pos]! // compression methods
  const extensions = (hello[pos]! << 8) | hello[pos + 1]!
  return { body, extensions, extensionsEnd: pos + 2 + extensions }
}

/** Sends one hello in a record to `port`; returns the first answer. */
const sendHello = async (port: number, hello: Uint8Array) => {
  const got = await exchange(port, encodeRecord(ContentType.values.handshake, 0x0301, hello), {
    until: sawAlertOr(2),
    timeoutMs: WAIT_MS,
    maxBytes: 1 << 16
  })
  return parse(got.bytes)
}

/** Sends one hello and reads the TLS 1.2 flight up to ServerHelloDone (or an alert). */
const sendHello12 = async (port: number, hello: Uint8Array) => {
  const got = await exchange(port, encodeRecord(ContentType.values.handshake, 0x0301, hello), {
    until: sawAlertOr(14),
    timeoutMs: WAIT_MS,
    maxBytes: 1 << 16
  })
  return parse(got.bytes)
}

const unrecognizedName = AlertDescription.values.unrecognized_name
/** Whether s_server's stdout can be made line-buffered (coreutils stdbuf). */
const lineBuffered = has("stdbuf")

afterAll(() => killAll())

describe.skipIf(!needs("openssl"))("edit a real ClientHello's server_name and re-encode", () => {
  let pki: Pki
  let server: Peer
  let port: number
  let original13: RawHandshake
  let original12: RawHandshake

  beforeAll(async () => {
    pki = makePki()
    // -cert for any other name, -cert2 (ECDSA) for edited.test; a mismatch is fatal.
    // s_server prints the host name it parsed on stdout, block-buffered on a pipe unless
    // stdbuf makes it line-buffered.
    const [command, prefix] = lineBuffered ? ["stdbuf", ["-oL", "openssl"]] : ["openssl", []]
    const started = await startServer(
      command,
      (p) => [...prefix, "s_server", "-accept", `127.0.0.1:${p}`, "-servername", "edited.test", "-servername_fatal",
        "-cert", pki.rsa.certPath, "-key", pki.rsa.keyPath, "-cert2", pki.ecdsa.certPath, "-key2", pki.ecdsa.keyPath],
      { ready: /^ACCEPT$/m, name: "s_server -servername edited.test" }
    )
    server = started.peer
    port = started.port
    original13 = await captureOpenssl(["-servername", "original.test"])
    original12 = await captureOpenssl(["-servername", "original.test", "-tls1_2"])
  })
  afterAll(async () => {
    await server?.kill()
    pki?.cleanup()
  })

  it("the edit changes only server_name, and the codec recomputes every enclosing length", () => {
    const ch = decodeHello(original13.bytes)
    expect(Ext.hostName(Ext.find(ch.extensions, "server_name")!)).toBe("original.test")
    const edited = encode(withServerName(ch, "edited.test"))
    const shrink = "original.test".length - "edited.test".length
    expect(edited.length).toBe(original13.bytes.length - shrink)
    const before = lengthsOf(original13.bytes)
    const after = lengthsOf(edited)
    expect(after.body).toBe(before.body - shrink)
    expect(after.body).toBe(edited.length - 4)
    expect(after.extensions).toBe(before.extensions - shrink)
    expect(after.extensionsEnd).toBe(edited.length)
    // The edited bytes decode to the new name; every other extension is byte-identical.
    const again = decodeHello(edited)
    expect(Ext.hostName(Ext.find(again.extensions, "server_name")!)).toBe("edited.test")
    const others = (c: ClientHello) => encode({ ...c, extensions: (c.extensions ?? []).filter((e) => e._tag !== "server_name") })
    expect(hex(others(again))).toBe(hex(others(ch)))
    expect(hex(encode(ch))).toBe(hex(original13.bytes)) // and the unedited value still re-encodes byte-exact
  })

  it("control: the unedited hello (SNI original.test) gets a fatal unrecognized_name alert", async () => {
    const answer = await sendHello(port, original13.bytes)
    expect(answer.messages).toEqual([])
    expect([...answer.alert!]).toEqual([2, unrecognizedName])
  })

  it("TLS 1.3: the edited hello (SNI edited.test) gets a ServerHello, and s_server reports the name it parsed", async () => {
    const edited = encode(withServerName(decodeHello(original13.bytes), "edited.test"))
    const answer = await sendHello(port, edited)
    if (answer.alert !== undefined) throw new Error(`alert ${hex(answer.alert)}:\n${server.output()}`)
    const sh = decodeHandshake(answer.messages[0]!.bytes, { version: 0x0304 })
    if (Result.isFailure(sh) || sh.success._tag !== "ServerHello") throw new Error(`not a ServerHello: ${hex(answer.messages[0]!.bytes)}`)
    expect(Ext.find(sh.success.extensions, "supported_versions")!.selectedVersion).toBe(0x0304)
    if (lineBuffered) {
      await server.waitFor(/Hostname in TLS extension: "edited\.test"/, { timeoutMs: WAIT_MS })
      await server.waitFor(/Switching server context/, { timeoutMs: WAIT_MS })
    }
  })

  it("TLS 1.2: the edited hello gets the flight with the -cert2 (edited.test) certificate; the unedited one an alert", async () => {
    const control = await sendHello12(port, original12.bytes)
    expect([...control.alert!]).toEqual([2, unrecognizedName])

    const ch = decodeHello(original12.bytes)
    const edited = encode(withServerName(ch, "edited.test"))
    const answer = await sendHello12(port, edited)
    if (answer.alert !== undefined) throw new Error(`alert ${hex(answer.alert)}:\n${server.output()}`)
    expect(answer.messages.map((m) => m.type)).toEqual([2, 11, 12, 14])
    const sh = decodeHandshake(answer.messages[0]!.bytes, { version: 0x0303 })
    if (Result.isFailure(sh) || sh.success._tag !== "ServerHello") throw new Error("not a ServerHello")
    const cert = decodeHandshake(answer.messages[1]!.bytes, { version: 0x0303, cipherSuite: sh.success.cipherSuite })
    if (Result.isFailure(cert) || cert.success._tag !== "Certificate12") throw new Error("not a Certificate12")
    expect(hex(cert.success.certificateList[0]!)).toBe(hex(pki.ecdsa.certDer))
  })

  it.skipIf(!needs("tshark"))("tshark reads server_name edited.test from a pcap of the edited record, without malformed-packet errors", () => {
    const edited = encode(withServerName(decodeHello(original13.bytes), "edited.test"))
    const fields = ["tls.handshake.type", "tls.handshake.extensions_server_name", "tls.handshake.length", "tls.handshake.extensions_length", "_ws.malformed", "_ws.expert.severity"]
    const dissect = (name: string, hello: Uint8Array): ReadonlyArray<string> => {
      const pcap = path.join(pki.dir, `${name}.pcap`)
      fs.writeFileSync(pcap, pcapOf(encodeRecord(ContentType.values.handshake, 0x0301, hello)))
      const out = execFileSync("tshark", ["-n", "-r", pcap, "-d", "tcp.port==4433,tls", "-T", "fields", "-E", "separator=|", ...fields.flatMap((f) => ["-e", f])], {
        encoding: "utf8",
        timeout: 30_000,
        stdio: ["ignore", "pipe", "pipe"]
      }).trim()
      console.log(`[tshark ${name}] ${fields.join("|")} = ${out}`)
      return out.split("|")
    }
    const [type, name, hsLength, extLength, malformed, severity] = dissect("edited", edited)
    expect(type).toBe("1")
    expect(name).toBe("edited.test")
    expect(Number(hsLength)).toBe(edited.length - 4)
    expect(Number(extLength)).toBe(lengthsOf(edited).extensions)
    expect(malformed).toBe("")
    expect(severity).toBe("")

    // Control: the name swapped in without recomputing the lengths: the handshake length
    // now claims 2 bytes the record does not hold, so tshark waits for more and reads no name.
    const naive = Buffer.from(original13.bytes)
    const at = naive.indexOf("original.test")
    const spliced = new Uint8Array(Buffer.concat([naive.subarray(0, at), Buffer.from("edited.test"), naive.subarray(at + "original.test".length)]))
    const bad = dissect("naive", spliced)
    expect(bad[1]).not.toBe("edited.test")
  })
})

/**
 * A one-packet pcap (LINKTYPE_ETHERNET) carrying `payload` from 127.0.0.1:50000 to
 * 127.0.0.1:4433 in one TCP segment with correct IPv4 and TCP checksums.
 */
const pcapOf = (payload: Uint8Array): Uint8Array => {
  const tcp = Buffer.alloc(20)
  tcp.writeUInt16BE(50_000, 0)
  tcp.writeUInt16BE(4433, 2)
  tcp.writeUInt32BE(1, 4) // seq
  tcp.writeUInt32BE(1, 8) // ack
  tcp[12] = 5 << 4 // data offset
  tcp[13] = 0x18 // PSH, ACK
  tcp.writeUInt16BE(0xffff, 14) // window
  const ip = Buffer.alloc(20)
  ip[0] = 0x45
  ip.writeUInt16BE(20 + 20 + payload.length, 2)
  ip[8] = 64 // ttl
  ip[9] = 6 // tcp
  Buffer.from([127, 0, 0, 1]).copy(ip, 12)
  Buffer.from([127, 0, 0, 1]).copy(ip, 16)
  ip.writeUInt16BE(checksum(ip), 10)
  const pseudo = Buffer.concat([ip.subarray(12, 20), Buffer.from([0, 6, (20 + payload.length) >> 8, (20 + payload.length) & 0xff])])
  tcp.writeUInt16BE(checksum(Buffer.concat([pseudo, tcp, payload])), 16)
  const eth = Buffer.from([0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x08, 0x00])
  const frame = Buffer.concat([eth, ip, tcp, payload])
  const header = Buffer.alloc(24)
  header.writeUInt32LE(0xa1b2c3d4, 0)
  header.writeUInt16LE(2, 4)
  header.writeUInt16LE(4, 6)
  header.writeUInt32LE(0xffff, 16) // snaplen
  header.writeUInt32LE(1, 20) // ethernet
  const rec = Buffer.alloc(16)
  rec.writeUInt32LE(1_700_000_000, 0)
  rec.writeUInt32LE(frame.length, 8)
  rec.writeUInt32LE(frame.length, 12)
  return new Uint8Array(Buffer.concat([header, rec, frame]))
}

/** The Internet checksum (RFC 1071). */
const checksum = (b: Uint8Array): number => {
  let sum = 0
  for (let i = 0; i < b.length; i += 2) sum += (b[i]! << 8) | (i + 1 < b.length ? b[i + 1]! : 0)
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16)
  return ~sum & 0xffff
}
