/**
 * Issue 16, acceptance 1–5: what the two sides agree on, judged by the machine's OpenSSL
 * (3.0) over loopback, for TLS 1.3 and TLS 1.2.
 *
 * 1. Old versions: `openssl s_client -tls1` / `-tls1_1` get `protocol_version` from our
 *    server; an SSL 2.0-format ClientHello gets protocol_version and no ServerHello; our client against
 *    `openssl s_server -tls1_1` fails with `protocol_version`.
 * 2. Preference: our server picks suites (and, with `retryForPreferredGroup`, the key share
 *    through a HelloRetryRequest) by its own order, or by the client's with
 *    `preferClientOrder`; OpenSSL's summary and trace say what was picked.
 * 3. No overlap in suites or groups: `handshake_failure` both ways, our reason naming both
 *    lists where we can know them (our server's).
 * 4. Names: every row of `openssl ciphers -V 'ALL:@SECLEVEL=0'` is in our registry with the
 *    same code point and names, and every suite of the registry is in that output.
 * 5. Signature schemes: `openssl s_client -sigalgs` with one scheme → our server signs with
 *    exactly that one; with one we cannot serve → `handshake_failure`.
 *
 * Each test also records what OpenSSL printed and what we reported; with
 * `EFFECT_TLS_OUTCOMES_DIR` set, the records are written there as JSON for
 * `scripts/outcomes-table.ts`, which makes the README's table from them.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { AlertDescription, CipherSuite, cipherSuites, NamedGroup, SignatureScheme, suiteName } from "@effect-tls/codec"
import { TlsError } from "@effect-tls/core"
import { needs } from "@effect-tls/test-support/peers"
import { exchange, killAll, type Peer, spawnPeer, startServer, waitUntil } from "@effect-tls/test-support/processes"
import { type Ca, type Cert, groups, leafExt, makeForge, type Forge, parseSClient, parseTrace } from "@effect-tls/test-support/tls"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Scope from "effect/Scope"
import { execFileSync } from "node:child_process"
import { alertOf, opensslWords, ourWords, outcomeRecorder } from "./outcomes-support.js"
import { credentialOf, harness, owned, wait, WAIT } from "./live.js"

const HAVE_OPENSSL = needs("openssl")

// ---- What the README table is made of ----

const { record, save } = outcomeRecorder("negotiation.json")

// ---- PKI and glue ----

interface World {
  readonly forge: Forge
  readonly ca: Ca
  readonly ecdsa: Cert
  readonly rsa: Cert
}
let w: World

const { run, connect, serve } = harness({
  anchors: () => [w.ca.pem],
  certificates: () => [credentialOf(w.ecdsa.der, w.ecdsa.keyPem), credentialOf(w.rsa.der, w.rsa.keyPem)]
})

/** `openssl s_client` to our server (unbuffered stdout), verifying it for `localhost`. */
const sClient = (port: number, args: ReadonlyArray<string>): Effect.Effect<Peer, never, Scope.Scope> =>
  owned(
    spawnPeer("stdbuf", ["-o0", "openssl", "s_client", "-connect", `127.0.0.1:${port}`, "-CAfile", w.ca.certPath, "-servername", "localhost", ...args], {
      name: "openssl s_client"
    })
  )

/** `openssl s_server` with the ECDSA certificate (unbuffered stdout). */
const sServer = (args: ReadonlyArray<string>, cert: Cert = w.ecdsa): Effect.Effect<{ readonly peer: Peer; readonly port: number }, never, Scope.Scope> =>
  Effect.gen(function* () {
    const started = yield* wait(() =>
      startServer("stdbuf", (p) => ["-o0", "openssl", "s_server", "-accept", `127.0.0.1:${p}`, "-cert", cert.certPath, "-key", cert.keyPath, ...args], {
        ready: /^ACCEPT$/m,
        name: "openssl s_server"
      })
    )
    yield* owned(started.peer)
    return started
  })

/** Waits for a successful handshake's summary on s_client's stdout. */
const handshook = (peer: Peer) => wait(() => peer.waitFor(/^New, TLSv1\.[23], Cipher is/m, { timeoutMs: WAIT, stream: "stdout" }))
/** Waits for OpenSSL's error line (a failed handshake). */
const failed = (peer: Peer) => wait(() => peer.waitFor(/error:[0-9A-F]+:SSL routines:[^:]*:[^:\n]+:/, { timeoutMs: WAIT }))
/** Waits until our server reported a failure. */
const serverFailed = (srv: { readonly errors: ReadonlyArray<unknown> }) =>
  wait(() => waitUntil("our server's error", () => srv.errors.length > 0, { timeoutMs: WAIT }))
/** Our client's handshake: the connection, or the error it failed with. */
const attempt = (port: number, config: Parameters<typeof connect>[1]) =>
  Effect.map(Effect.exit(connect(port, config)), (exit) => (Exit.isSuccess(exit) ? { ok: exit.value } : { error: Cause.squash(exit.cause) }))

const name = (code: number | undefined) => (code === undefined ? "none" : (cipherSuites.get(code)?.openssl ?? `0x${code.toString(16)}`))

describe.skipIf(!HAVE_OPENSSL)("negotiation outcomes judged by openssl (issue 16, acceptance 1-5)", () => {
  beforeAll(() => {
    const forge = makeForge("outcomes-negotiation-")
    try {
      const ca = forge.root("ca")
      const ecdsa = forge.issue(ca, "server-ecdsa", { key: "p256", subj: "/CN=localhost", ext: leafExt() })
      const rsa = forge.issue(ca, "server-rsa", { key: "rsa2048", subj: "/CN=localhost", ext: leafExt() })
      w = { forge, ca, ecdsa, rsa }
    } catch (e) {
      forge.cleanup()
      throw e
    }
  })
  afterAll(async () => {
    await killAll()
    w?.forge.cleanup()
    save()
  })

  describe("1. old versions are refused", () => {
    it.each([
      { flag: "-tls1", version: "1.0", offered: 0x0301 },
      { flag: "-tls1_1", version: "1.1", offered: 0x0302 }
    ])("openssl s_client $flag → our server answers protocol_version", (c) =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve()
          const peer = yield* sClient(srv.port, [c.flag, "-cipher", "DEFAULT@SECLEVEL=0"])
          yield* failed(peer)
          yield* serverFailed(srv)
          expect(peer.output()).toContain("alert protocol version")
          expect(peer.output()).toContain("SSL alert number 70")
          expect(alertOf(srv.errors[0])).toBe("protocol_version")
          expect((srv.errors[0] as TlsError).reason).toMatchObject({ _tag: "PeerIncompatible", detail: expect.stringContaining(`0x${c.offered.toString(16)}`) })
          expect(srv.conns).toHaveLength(0)
          record({ criterion: 1, tls: c.version, case: `\`openssl s_client ${c.flag} -cipher DEFAULT@SECLEVEL=0\` → our server`, openssl: opensslWords(peer.output()), ours: ourWords(srv.errors[0]) })
        })
      )
    )

    // RFC 5246 App. E.2: msg_length with the high bit set, CLIENT-HELLO (1), version, then
    // the cipher specs (3 bytes each), session id and challenge lengths and bodies.
    const ssl2ClientHello = (): Uint8Array => {
      const specs = [0x010080, 0x0700c0, 0x00009c, 0x00c02f, 0x00002f, 0x0000ff]
      const body = [1, 0x03, 0x03, 0, specs.length * 3, 0, 0, 0, 16, ...specs.flatMap((s) => [s >> 16, (s >> 8) & 0xff, s & 0xff]), ...Array.from({ length: 16 }, (_, i) => i)]
      return new Uint8Array([0x80 | (body.length >> 8), body.length & 0xff, ...body])
    }
    /** Whether `bytes` hold a handshake record (a ServerHello), and the alert of an alert record. */
    const answer = (bytes: Uint8Array) => ({
      handshake: bytes.length >= 6 && bytes[0] === 22,
      alert: bytes.length >= 7 && bytes[0] === 21 ? bytes[6] : undefined
    })

    it("an SSL 2.0-format ClientHello: our server answers protocol_version and closes without a ServerHello", () =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve({ handshakeTimeoutMs: 1_500 })
          const hello = ssl2ClientHello()
          const started = Date.now()
          const ours = yield* wait(() => exchange(srv.port, hello, { timeoutMs: 8_000 }))
          const elapsed = Date.now() - started
          yield* serverFailed(srv)
          expect(ours.end, "our server closed the connection").toBe("closed")
          expect(answer(ours.bytes).handshake, "no ServerHello from us").toBe(false)
          expect(srv.conns).toHaveLength(0)
          expect(srv.errors[0]).toBeInstanceOf(TlsError)
          // alerts.md: protocol_version, at once (not at the handshake timeout)
          expect(answer(ours.bytes).alert).toBe(AlertDescription.values.protocol_version)
          expect((srv.errors[0] as TlsError).reason).toMatchObject({ _tag: "PeerIncompatible", alert: "protocol_version" })
          expect(elapsed).toBeLessThan(1_400)
          // OpenSSL, the same bytes: it reads the SSL 2.0 format (RFC 5246 App. E.2 lets a server accept it)
          const { peer, port } = yield* sServer([], w.rsa)
          const theirs = yield* wait(() => exchange(port, hello, { timeoutMs: 8_000 }))
          yield* wait(() => peer.waitFor(/error:[0-9A-F]+:SSL routines/, { timeoutMs: WAIT }))
          expect(answer(theirs.bytes).handshake).toBe(false)
          const theirAlert = answer(theirs.bytes).alert
          const ourAlert = answer(ours.bytes).alert
          record({
            criterion: 1,
            tls: "SSL 2.0 format",
            case: "a hand-built SSL 2.0-format ClientHello (version 3.3) → the server",
            openssl: `no ServerHello; ${opensslWords(peer.output())}; ${theirAlert === undefined ? "no alert" : `alert ${AlertDescription.nameOf(theirAlert)}`}`,
            ours: `no ServerHello; ${ourAlert === undefined ? "no alert" : `alert ${AlertDescription.nameOf(ourAlert)}`}; closed after ${elapsed < 1_400 ? "<1.4 s" : "the 1.5 s handshake timeout"}: ${ourWords(srv.errors[0])}`
          })
        })
      )
    )

    it("our client against openssl s_server -tls1_1 -cipher DEFAULT@SECLEVEL=0 → a typed error with protocol_version", () =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* sServer(["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"])
          const r = yield* attempt(port, {})
          yield* failed(peer)
          expect(r.error).toBeInstanceOf(TlsError)
          expect(alertOf(r.error)).toBe("protocol_version")
          expect(peer.output()).toContain("unsupported protocol")
          record({ criterion: 1, tls: "1.1", case: "our client → `openssl s_server -tls1_1 -cipher DEFAULT@SECLEVEL=0`", openssl: opensslWords(peer.output()), ours: ourWords(r.error) })
        })
      )
    )
  })

  describe("2. preference: the server's order, or the client's with preferClientOrder", () => {
    const { TLS_CHACHA20_POLY1305_SHA256: CHACHA, TLS_AES_128_GCM_SHA256: AES128 } = CipherSuite
    const c12 = CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
    const a12 = CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    const cases: ReadonlyArray<{ readonly tls: string; readonly preferClient: boolean; readonly ours: ReadonlyArray<number>; readonly args: ReadonlyArray<string>; readonly picked: number }> = [
      { tls: "1.3", preferClient: false, ours: [CHACHA, AES128], args: ["-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256"], picked: CHACHA },
      { tls: "1.3", preferClient: true, ours: [CHACHA, AES128], args: ["-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256"], picked: AES128 },
      { tls: "1.2", preferClient: false, ours: [c12, a12], args: ["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305"], picked: c12 },
      { tls: "1.2", preferClient: true, ours: [c12, a12], args: ["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305"], picked: a12 }
    ]
    it.each(cases)("TLS $tls suites: ours [ChaCha20, AES-128-GCM], the client's [AES-128-GCM, ChaCha20], preferClientOrder $preferClient", (c) =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve({ cipherSuites: c.ours, preferClientOrder: c.preferClient })
          const peer = yield* sClient(srv.port, [...c.args, "-trace"])
          const side = yield* srv.next(0)
          yield* handshook(peer)
          const out = peer.stdout()
          // the client's offer, in its order, as its trace shows it
          const hello = parseTrace(out).messages.find((m) => m.dir === "sent" && m.type === "ClientHello")!.lines.join("\n")
          const offered = [...hello.matchAll(/\{0x([0-9A-F]{2}), 0x([0-9A-F]{2})\}/g)].map((m) => (parseInt(m[1]!, 16) << 8) | parseInt(m[2]!, 16)).filter((x) => c.ours.includes(x))
          expect(offered).toEqual([...c.ours].reverse())
          expect(parseSClient(out).cipher).toBe(name(c.picked))
          expect(parseTrace(out).suite).toBe(c.picked)
          expect(side.params.cipherSuite).toBe(c.picked)
          record({
            criterion: 2,
            tls: c.tls,
            case: `suites: ours [${c.ours.map(name).join(", ")}], \`s_client\` offers [${offered.map(name).join(", ")}]${c.preferClient ? ", `preferClientOrder`" : ""}`,
            openssl: `Cipher is ${parseSClient(out).cipher}`,
            ours: `picked ${name(side.params.cipherSuite)}`
          })
        })
      )
    )

    // OpenSSL 3.0's client sends one key share, for its first group.
    const groupCases = [
      { title: "a usable guess is kept", config: {}, hrr: false, group: groups.x25519 },
      { title: "retryForPreferredGroup: a HelloRetryRequest for our first group", config: { retryForPreferredGroup: true }, hrr: true, group: groups.secp256r1 },
      { title: "retryForPreferredGroup and preferClientOrder: the client's first group, no retry", config: { retryForPreferredGroup: true, preferClientOrder: true }, hrr: false, group: groups.x25519 }
    ]
    it.each(groupCases)("TLS 1.3 groups: ours [P-256, X25519], s_client -groups X25519:P-256 (a share for X25519): $title", (c) =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve({ groups: [groups.secp256r1.code, groups.x25519.code], ...c.config })
          const peer = yield* sClient(srv.port, ["-tls1_3", "-groups", "X25519:P-256", "-trace"])
          const side = yield* srv.next(0)
          yield* handshook(peer)
          const out = peer.stdout()
          const trace = parseTrace(out)
          expect(trace.count("sent", "ClientHello")).toBe(c.hrr ? 2 : 1)
          expect(trace.helloRetryRequest !== undefined).toBe(c.hrr)
          if (c.hrr) expect(trace.retryGroup).toBe(c.group.code)
          expect(trace.group).toBe(c.group.code)
          expect(parseSClient(out).tempKey).toBe(c.group.tempKey)
          expect(side.params).toMatchObject({ group: c.group.code, helloRetry: c.hrr })
          const flags = Object.keys(c.config).map((k) => `\`${k}\``)
          record({
            criterion: 2,
            tls: "1.3",
            case: `groups: ours [P-256, X25519], \`s_client -groups X25519:P-256\`${flags.length > 0 ? `, ${flags.join(" + ")}` : ""}`,
            openssl: `${trace.helloRetryRequest !== undefined ? "HelloRetryRequest received; " : ""}Server Temp Key: ${parseSClient(out).tempKey}`,
            ours: `${side.params.helloRetry ? "HelloRetryRequest, then " : ""}group ${NamedGroup.nameOf(side.params.group!)}`
          })
        })
      )
    )

    it.each([
      { preferClientOrder: false, picked: groups.secp384r1, title: "P-384 (the server's order)" },
      { preferClientOrder: true, picked: groups.x25519, title: "X25519 with preferClientOrder (the client's)" }
    ])("TLS 1.2 groups: ours [P-384, X25519], s_client -groups X25519:P-384 → $title", (c) =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve({ versions: [0x0303], groups: [groups.secp384r1.code, groups.x25519.code], preferClientOrder: c.preferClientOrder })
          const peer = yield* sClient(srv.port, ["-tls1_2", "-groups", "X25519:P-384:P-256"])
          const side = yield* srv.next(0)
          yield* handshook(peer)
          expect(parseSClient(peer.stdout()).tempKey).toBe(c.picked.tempKey)
          expect(side.params.group).toBe(c.picked.code)
          record({
            criterion: 2,
            tls: "1.2",
            case: `groups: ours [P-384, X25519]${c.preferClientOrder ? " with preferClientOrder" : ""}, \`s_client -groups X25519:P-384:P-256\``,
            openssl: `Server Temp Key: ${parseSClient(peer.stdout()).tempKey}`,
            ours: `group ${NamedGroup.nameOf(side.params.group!)}`
          })
        })
      )
    )
  })

  describe("3. no overlap: handshake_failure both ways", () => {
    const refusals = [
      {
        tls: "1.3",
        title: "s_client -ciphersuites TLS_CHACHA20_POLY1305_SHA256 against our AES-only server",
        config: { versions: [0x0304], cipherSuites: [CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_AES_256_GCM_SHA384] },
        args: ["-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"],
        names: ["TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256"]
      },
      {
        tls: "1.3",
        title: "s_client -groups X25519:P-256 against our P-384-only server",
        config: { groups: [groups.secp384r1.code] },
        args: ["-tls1_3", "-groups", "X25519:P-256"],
        names: ["secp384r1", "x25519", "secp256r1"]
      },
      {
        tls: "1.2",
        title: "s_client -cipher ECDHE-RSA-AES256-GCM-SHA384 against our ECDHE-ECDSA-AES128-GCM-only server",
        config: { versions: [0x0303], cipherSuites: [CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256] },
        args: ["-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384"],
        names: ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"]
      }
    ]
    it.each(refusals)("TLS $tls: $title → handshake_failure, our reason naming both lists", (c) =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve(c.config)
          const peer = yield* sClient(srv.port, c.args)
          yield* failed(peer)
          yield* serverFailed(srv)
          expect(peer.output()).toContain("alert handshake failure")
          expect(peer.output()).toContain("SSL alert number 40")
          expect(alertOf(srv.errors[0])).toBe("handshake_failure")
          const detail = (srv.errors[0] as TlsError).reason as { readonly detail: string }
          expect(detail.detail).toMatch(/ours \[.*\], theirs \[.*\]/)
          for (const n of c.names) expect(detail.detail).toContain(n)
          record({ criterion: 3, tls: c.tls, case: `\`openssl s_client ${c.args.join(" ")}\` → ${c.title.replace(/^.* against /, "")}`, openssl: opensslWords(peer.output()), ours: ourWords(srv.errors[0]) })
        })
      )
    )

    const clientRefusals = [
      {
        tls: "1.3",
        args: ["-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"],
        config: { versions: [0x0304], cipherSuites: [CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_AES_256_GCM_SHA384] }
      },
      {
        tls: "1.2",
        args: ["-tls1_2", "-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305"],
        config: { versions: [0x0303], cipherSuites: [CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384] }
      }
    ]
    it.each(clientRefusals)("TLS $tls: our AES-GCM-only client against openssl s_server with ChaCha20 only → a typed handshake_failure", (c) =>
      run(
        Effect.gen(function* () {
          const { peer, port } = yield* sServer(c.args)
          const r = yield* attempt(port, c.config)
          yield* failed(peer)
          expect(r.error).toBeInstanceOf(TlsError)
          expect((r.error as TlsError).reason).toMatchObject({ _tag: "AlertReceived", alert: "handshake_failure", afterOurFinished: false })
          // the server's list is not on the wire; ours is named, and OpenSSL's output names the refusal
          expect((r.error as TlsError).message).toContain(`the server refused our offer: versions [TLS ${c.tls}], suites [${c.config.cipherSuites.map(suiteName).join(", ")}]`)
          expect(peer.output()).toContain("no shared cipher")
          record({ criterion: 3, tls: c.tls, case: `our AES-GCM-only client → \`openssl s_server ${c.args.join(" ")}\``, openssl: opensslWords(peer.output()), ours: ourWords(r.error) })
        })
      )
    )
  })

  describe("4. names", () => {
    it("every suite of `openssl ciphers -V 'ALL:@SECLEVEL=0'` is in our registry with its code point, OpenSSL name and IANA name, and nothing else is", () => {
      const list = (args: ReadonlyArray<string>) =>
        execFileSync("openssl", ["ciphers", "-V", ...args, "ALL:@SECLEVEL=0"], { encoding: "utf8", timeout: 30_000 })
          .split("\n")
          .filter((l) => l.trim() !== "")
          .map((l) => {
            const m = /^\s*0x([0-9A-F]{2}),0x([0-9A-F]{2})\s+-\s+(\S+)\s+(?:-\s+(\S+)\s+)?(\S+)\s+Kx=/.exec(l)
            if (m === null) throw new Error(`unparsed line: ${l}`)
            return { code: (parseInt(m[1]!, 16) << 8) | parseInt(m[2]!, 16), first: m[3]!, second: m[4], protocol: m[5]! }
          })
      // the issue's command: code point and OpenSSL name
      const plain = list([])
      // -stdname adds the IANA name: `0x.. - IANA - OPENSSL PROTOCOL ...`
      const std = list(["-stdname"])
      expect(plain.length).toBeGreaterThan(50)
      expect(std.length).toBe(plain.length)
      const ours = [...cipherSuites.values()].map((s) => ({ code: s.code, openssl: s.openssl, iana: s.name, protocol: s.minProtocol })).sort((a, b) => a.code - b.code)
      const theirs = std.map((r) => ({ code: r.code, openssl: r.second!, iana: r.first, protocol: r.protocol })).sort((a, b) => a.code - b.code)
      expect(ours).toEqual(theirs)
      for (const r of plain) expect(cipherSuites.get(r.code)?.openssl, `0x${r.code.toString(16)}`).toBe(r.first)
      // the suites we implement carry the IANA names OpenSSL prints
      for (const [iana, code] of Object.entries(CipherSuite)) expect(theirs.find((t) => t.code === code)?.iana, iana).toBe(iana)
      record({
        criterion: 4,
        tls: "all",
        case: "`openssl ciphers -V [-stdname] 'ALL:@SECLEVEL=0'` against our registry",
        openssl: `${plain.length} suites listed`,
        ours: `${cipherSuites.size} suites in the registry, every code point, OpenSSL name and IANA name equal; the ${Object.keys(CipherSuite).length} we implement among them`
      })
    })
  })

  describe("5. signature schemes: s_client -sigalgs with one scheme", () => {
    const S = SignatureScheme.values
    const signs = [
      { tls: "1.3", sigalgs: "rsa_pss_rsae_sha384", scheme: S.rsa_pss_rsae_sha384, type: "RSA-PSS", digest: "SHA384" },
      { tls: "1.3", sigalgs: "ecdsa_secp256r1_sha256", scheme: S.ecdsa_secp256r1_sha256, type: "ECDSA", digest: "SHA256" },
      { tls: "1.2", sigalgs: "RSA+SHA384", scheme: S.rsa_pkcs1_sha384, type: "RSA", digest: "SHA384" },
      { tls: "1.2", sigalgs: "rsa_pss_rsae_sha512", scheme: S.rsa_pss_rsae_sha512, type: "RSA-PSS", digest: "SHA512" }
    ]
    it.each(signs)("TLS $tls, -sigalgs $sigalgs → our server signs with exactly that scheme", (c) =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve(c.tls === "1.2" ? { versions: [0x0303] } : {})
          const peer = yield* sClient(srv.port, [c.tls === "1.3" ? "-tls1_3" : "-tls1_2", "-sigalgs", c.sigalgs, "-trace"])
          const side = yield* srv.next(0)
          yield* handshook(peer)
          const out = peer.stdout()
          const summary = parseSClient(out)
          expect(summary).toMatchObject({ peerSignatureType: c.type, peerSigningDigest: c.digest })
          const hex = `0x${c.scheme.toString(16).padStart(4, "0")}`
          if (c.tls === "1.3") expect(parseTrace(out).certificateVerify).toEqual([{ dir: "received", scheme: c.scheme }])
          else expect(out).toMatch(new RegExp(`ServerKeyExchange[\\s\\S]*?Signature Algorithm: \\S+ \\(${hex}\\)`, "i"))
          expect(side.params.signatureScheme).toBe(c.scheme)
          record({
            criterion: 5,
            tls: c.tls,
            case: `\`s_client -sigalgs ${c.sigalgs}\``,
            openssl: `Peer signature type: ${summary.peerSignatureType}, digest ${summary.peerSigningDigest}`,
            ours: `signed ${c.tls === "1.3" ? "CertificateVerify" : "ServerKeyExchange"} with ${SignatureScheme.nameOf(side.params.signatureScheme!)}`
          })
        })
      )
    )

    const refused = [
      { tls: "1.3", sigalgs: "ed448", config: {} },
      { tls: "1.3", sigalgs: "ecdsa_secp384r1_sha384", config: {} },
      { tls: "1.2", sigalgs: "ed448", config: { versions: [0x0303] } }
    ]
    it.each(refused)("TLS $tls, -sigalgs $sigalgs (no certificate of ours signs it) → handshake_failure", (c) =>
      run(
        Effect.gen(function* () {
          const srv = yield* serve(c.config)
          const peer = yield* sClient(srv.port, [c.tls === "1.3" ? "-tls1_3" : "-tls1_2", "-sigalgs", c.sigalgs])
          yield* failed(peer)
          yield* serverFailed(srv)
          expect(peer.output()).toContain("alert handshake failure")
          expect(alertOf(srv.errors[0])).toBe("handshake_failure")
          if (c.tls === "1.3") expect(ourWords(srv.errors[0])).toContain(`theirs [${c.sigalgs}]`)
          record({ criterion: 5, tls: c.tls, case: `\`s_client -sigalgs ${c.sigalgs}\` (our keys: P-256, RSA-2048)`, openssl: opensslWords(peer.output()), ours: ourWords(srv.errors[0]) })
        })
      )
    )
  })
})
