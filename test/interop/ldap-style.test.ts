/**
 * The `ldap-style` example (issue 14, acceptance 4): `openssl s_client -starttls ldap`
 * completes StartTLS against it with a client certificate and without one, in TLS 1.3 and
 * TLS 1.2; the example reports the certificate's subject DN (RFC 4514, as `openssl x509
 * -nameopt RFC2253` prints it) or "anonymous"; and the tls-exporter channel binding it
 * prints equals the keying material `openssl s_client -keymatexport
 * EXPORTER-Channel-Binding -keymatexportlen 32` prints for the same connection. Run without
 * certificate files it makes its own and prints an `openssl` line that works as printed.
 * With `node:tls` as the client (its own exporter a third opinion): the StartTLS response
 * bytes, a SASL EXTERNAL bind accepted with a certificate and refused without one, and a
 * bind before StartTLS answered with a Notice of Disconnection.
 *
 * The example runs as `npm run --silent ldap-style` runs it (`tsx examples/ldap-style.ts`),
 * on a port from the OS (`-accept 0`), and stops after its connections (`-naccept`).
 */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import * as tls from "node:tls"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { needs } from "@effect-tls/test-support/peers"
import { type Issued, makePki, type Pki } from "@effect-tls/test-support/pki"
import { killAll, type Peer, spawnPeer } from "@effect-tls/test-support/processes"

const root = path.resolve(import.meta.dirname, "../..")
const tsx = path.join(root, "node_modules/.bin/tsx")
const startTlsOid = "1.3.6.1.4.1.1466.20037"

/** Starts the example on a port from the OS; its port once it listens. */
const startExample = async (args: ReadonlyArray<string>): Promise<{ readonly peer: Peer; readonly port: number }> => {
  const peer = spawnPeer(tsx, ["examples/ldap-style.ts", "-accept", "0", ...args], { cwd: root, name: "ldap-style" })
  const m = await peer.waitFor(/listening on 127\.0\.0\.1:(\d+)/, { timeoutMs: 20_000 })
  return { peer, port: Number(m[1]) }
}

/** Waits (at most 10 s) for a process to exit, else kills it; its exit code. */
const ended = async (p: Peer): Promise<number | null> => {
  const exited = await Promise.race([p.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))])
  if (!exited) await p.kill()
  return p.exit()?.code ?? null
}

/** The subject of a certificate file as an LDAP DN (RFC 4514 = OpenSSL's RFC2253 form). */
const dnOf = (certPath: string): string =>
  execFileSync("openssl", ["x509", "-in", certPath, "-noout", "-subject", "-nameopt", "RFC2253"], { encoding: "utf8", timeout: 10_000 })
    .trim()
    .replace(/^subject=\s*/, "")

/**
 * One `openssl s_client -starttls ldap` connection to the example: the keying material
 * OpenSSL exported, and the example's identity and channel-binding lines for it.
 */
const starttlsWithOpenssl = async (example: Peer, args: ReadonlyArray<string>) => {
  const client = spawnPeer("openssl", ["s_client", "-starttls", "ldap", ...args, "-keymatexport", "EXPORTER-Channel-Binding", "-keymatexportlen", "32"], { name: "openssl s_client" })
  const material = (await client.waitFor(/Keying material: ([0-9A-F]+)/, { stream: "stdout" }))[1]!
  const identity = (await example.waitFor(/^\[1\] identity: (.*)$/m, { stream: "stdout" }))[1]!
  const binding = (await example.waitFor(/^\[1\] tls-exporter: ([0-9a-f]+)$/m, { stream: "stdout" }))[1]!
  // End of stdin: s_client sends close_notify and exits; the example stops after -naccept 1.
  client.closeStdin()
  await ended(client)
  const exampleCode = await ended(example)
  return { material: material.toLowerCase(), identity, binding, opensslOut: client.stdout(), exampleOut: example.stdout(), exampleCode }
}

describe.skipIf(!needs("openssl"))("ldap-style: StartTLS, client certificate optional, tls-exporter", () => {
  let pki: Pki
  let alice: Issued
  beforeAll(() => {
    pki = makePki({ prefix: "ldap-style" })
    alice = pki.issue({ name: "alice", keyType: "ecdsa-p256", dnsNames: ["alice.example"], extendedKeyUsage: "clientAuth" })
  })
  afterAll(async () => {
    await killAll()
    pki.cleanup()
  })

  const serverFiles = () => ["-cert", pki.ecdsa.certPath, "-key", pki.ecdsa.keyPath, "-CAfile", pki.ca.certPath]

  for (const version of ["-tls1_3", "-tls1_2"] as const) {
    const name = version === "-tls1_3" ? "TLSv1.3" : "TLSv1.2"
    it(`${name}: openssl s_client -starttls ldap with a client certificate: the subject DN, and openssl's keying material`, async () => {
      const { peer, port } = await startExample([...serverFiles(), "-naccept", "1"])
      const r = await starttlsWithOpenssl(peer, ["-connect", `127.0.0.1:${port}`, version, "-CAfile", pki.ca.certPath, "-verify_return_error", "-cert", alice.certPath, "-key", alice.keyPath])
      expect(r.opensslOut).toContain(`New, ${name}, Cipher is`)
      expect(r.opensslOut).toContain("Verify return code: 0 (ok)")
      expect(r.exampleOut).toContain(`[1] StartTLS (messageID 1): success`)
      expect(r.exampleOut).toMatch(new RegExp(`^\\[1\\] ${name.replace(".", "\\.")} .*, client certificate: CN = alice\\.example$`, "m"))
      expect(r.identity).toBe(dnOf(alice.certPath))
      expect(r.identity).toBe("CN=alice.example")
      expect(r.binding).toMatch(/^[0-9a-f]{64}$/)
      expect(r.binding).toBe(r.material)
      expect(r.exampleCode).toBe(0)
    })

    it(`${name}: openssl s_client -starttls ldap without a certificate: "anonymous", and openssl's keying material`, async () => {
      const { peer, port } = await startExample([...serverFiles(), "-naccept", "1"])
      const r = await starttlsWithOpenssl(peer, ["-connect", `127.0.0.1:${port}`, version, "-CAfile", pki.ca.certPath, "-verify_return_error"])
      expect(r.opensslOut).toContain(`New, ${name}, Cipher is`)
      expect(r.exampleOut).toMatch(new RegExp(`^\\[1\\] ${name.replace(".", "\\.")} .*, client certificate: none$`, "m"))
      expect(r.identity).toBe("anonymous")
      expect(r.binding).toMatch(/^[0-9a-f]{64}$/)
      expect(r.binding).toBe(r.material)
      expect(r.exampleCode).toBe(0)
    })
  }

  it("without certificate files: makes its own, and the openssl line it prints works as printed", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ldap-style-certs-"))
    try {
      const { peer } = await startExample(["-certs", dir, "-naccept", "1"])
      const line = (await peer.waitFor(/^connect: openssl (s_client -starttls ldap .*)$/m, { stream: "stdout" }))[1]!
      const args = line.split(" ").slice(3, -4) // starttlsWithOpenssl adds "-starttls ldap" and the exporter flags
      expect(line).toContain(`-cert ${path.join(dir, "client.pem")} -key ${path.join(dir, "client.key")}`)
      expect(line.endsWith("-keymatexport EXPORTER-Channel-Binding -keymatexportlen 32")).toBe(true)
      const r = await starttlsWithOpenssl(peer, [...args, "-verify_return_error"])
      expect(r.opensslOut).toContain("Verify return code: 0 (ok)")
      expect(r.identity).toBe(dnOf(path.join(dir, "client.pem")))
      expect(r.identity).toBe("CN=client,O=effect-tls example")
      expect(r.binding).toBe(r.material)
      expect(r.exampleCode).toBe(0)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  /** Reads from a socket until `enough` holds (bounded: 10 s); what arrived, and whether the peer ended. */
  const readUntil = (socket: net.Socket | tls.TLSSocket, enough: (b: Buffer) => boolean): Promise<{ readonly bytes: Buffer; readonly ended: boolean }> =>
    new Promise((resolve, reject) => {
      let got = Buffer.alloc(0)
      const done = (ended: boolean) => {
        clearTimeout(timer)
        socket.off("data", onData)
        socket.off("end", onEnd)
        resolve({ bytes: got, ended })
      }
      const onData = (b: Buffer) => {
        got = Buffer.concat([got, b])
        if (enough(got)) done(false)
      }
      const onEnd = () => done(true)
      const timer = setTimeout(() => reject(new Error(`no answer within 10 s (got ${got.toString("hex")})`)), 10_000)
      socket.on("data", onData)
      socket.once("end", onEnd)
    })
  /** A whole BER element (short or one/two-byte long length) is in `b`. */
  const whole = (b: Buffer): boolean => b.length >= 2 && b.length >= (b[1]! < 0x80 ? 2 + b[1]! : b[1] === 0x81 ? 3 + (b[2] ?? 0) : 4 + (b.readUInt16BE(2) || 0))

  const oid = Buffer.from(startTlsOid, "latin1")
  // LDAPMessage { messageID 1, [APPLICATION 23] ExtendedRequest { requestName [0] 1.3.6.1.4.1.1466.20037 } } (RFC 4511 §4.14.1)
  const startTlsRequest = Buffer.concat([Buffer.from([0x30, 0x1d, 0x02, 0x01, 0x01, 0x77, 0x18, 0x80, 0x16]), oid])
  // LDAPMessage { messageID 1, [APPLICATION 24] ExtendedResponse { success, "", "", responseName [10] the same OID } }
  const startTlsSuccess = Buffer.concat([Buffer.from([0x30, 0x24, 0x02, 0x01, 0x01, 0x78, 0x1f, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00, 0x8a, 0x16]), oid])
  // LDAPMessage { messageID 2, [APPLICATION 0] BindRequest { version 3, name "", sasl [3] { mechanism "EXTERNAL" } } } (RFC 4513 §5.2.3)
  const externalBind = Buffer.concat([Buffer.from([0x30, 0x16, 0x02, 0x01, 0x02, 0x60, 0x11, 0x02, 0x01, 0x03, 0x04, 0x00, 0xa3, 0x0a, 0x04, 0x08]), Buffer.from("EXTERNAL")])
  // LDAPMessage { messageID 3, [APPLICATION 2] UnbindRequest NULL }
  const unbind = Buffer.from([0x30, 0x05, 0x02, 0x01, 0x03, 0x42, 0x00])

  /** A BindResponse's messageID and resultCode (both fit one byte here). */
  const bindResult = (b: Buffer) => {
    expect(b[0]).toBe(0x30)
    expect(b[5]).toBe(0x61) // [APPLICATION 1] BindResponse
    expect(b[7]).toBe(0x0a) // resultCode ENUMERATED
    return { messageId: b[4], code: b[9] }
  }

  /** StartTLS by hand, then node:tls over the same socket: a SASL EXTERNAL bind and an unbind. */
  const bindOverNodeTls = async (port: number, credentials: { readonly cert?: string; readonly key?: string }) => {
    const raw = net.connect({ host: "127.0.0.1", port })
    raw.on("error", () => {})
    await new Promise<void>((resolve, reject) => {
      raw.once("connect", resolve)
      raw.once("error", reject)
    })
    raw.write(startTlsRequest)
    const response = await readUntil(raw, whole)
    const secure = tls.connect({ socket: raw, servername: "localhost", ca: pki.ca.certPem, ...credentials })
    secure.on("error", () => {})
    await new Promise<void>((resolve, reject) => {
      secure.once("secureConnect", resolve)
      secure.once("error", reject)
    })
    // No context, as RFC 9266 asks: Node passes none when `context` is undefined (its typings insist on a Buffer).
    const material = secure.exportKeyingMaterial(32, "EXPORTER-Channel-Binding", undefined as unknown as Buffer).toString("hex")
    secure.write(externalBind)
    const bound = await readUntil(secure, whole)
    secure.write(unbind)
    const closed = await readUntil(secure, () => false)
    secure.destroy()
    return { response: response.bytes, material, bind: bindResult(bound.bytes), closedByServer: closed.ended }
  }

  it("node:tls: SASL EXTERNAL with a certificate is bound to its DN; the channel binding equals node's exporter", async () => {
    const { peer, port } = await startExample([...serverFiles(), "-naccept", "1"])
    const r = await bindOverNodeTls(port, { cert: alice.certPem, key: alice.keyPem })
    expect(r.response.equals(startTlsSuccess)).toBe(true)
    expect(r.bind).toEqual({ messageId: 2, code: 0 }) // success
    expect(r.closedByServer).toBe(true)
    expect(await ended(peer)).toBe(0)
    const out = peer.stdout()
    expect(out).toContain("[1] identity: CN=alice.example")
    expect(out).toContain(`[1] tls-exporter: ${r.material}`)
    expect(out).toContain("[1] bind (messageID 2): SASL EXTERNAL success, authzid dn:CN=alice.example")
    expect(out).toContain("[1] unbind (messageID 3)")
  })

  it("node:tls: SASL EXTERNAL without a certificate is refused with inappropriateAuthentication", async () => {
    const { peer, port } = await startExample([...serverFiles(), "-naccept", "1"])
    const r = await bindOverNodeTls(port, {})
    expect(r.response.equals(startTlsSuccess)).toBe(true)
    expect(r.bind).toEqual({ messageId: 2, code: 48 }) // inappropriateAuthentication (RFC 4511 Appendix A.1)
    expect(await ended(peer)).toBe(0)
    const out = peer.stdout()
    expect(out).toContain("[1] identity: anonymous")
    expect(out).toContain(`[1] tls-exporter: ${r.material}`)
    expect(out).toContain("[1] bind (messageID 2): SASL EXTERNAL refused: inappropriateAuthentication (no client certificate)")
  })

  it("a bind before StartTLS gets a Notice of Disconnection (confidentialityRequired) and the connection ends", async () => {
    const { peer, port } = await startExample([...serverFiles(), "-naccept", "1"])
    const raw = net.connect({ host: "127.0.0.1", port })
    raw.on("error", () => {})
    raw.write(externalBind)
    const answer = await readUntil(raw, () => false)
    raw.destroy()
    expect(answer.ended).toBe(true)
    const b = answer.bytes
    expect([b[0], b[4], b[5], b[7], b[9]]).toEqual([0x30, 0x00, 0x78, 0x0a, 13]) // messageID 0, ExtendedResponse, confidentialityRequired
    expect(b.toString("latin1")).toContain("1.3.6.1.4.1.1466.20036") // the Notice of Disconnection's OID (RFC 4511 §4.4.1)
    expect(await ended(peer)).toBe(0)
    expect(peer.stdout()).toContain("[1] BindRequest before StartTLS: confidentialityRequired, disconnecting")
  })
})
