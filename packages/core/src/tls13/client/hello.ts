/**
 * TLS 1.3 client, first flight: building the ClientHello (RFC 8446 §4.1.2) from ordinary
 * configuration values, and processing the ServerHello or HelloRetryRequest (§4.1.3,
 * §4.1.4) into handshake keys.
 *
 * @since 0.1.0
 */
import {
  DOWNGRADE_TLS11,
  DOWNGRADE_TLS12,
  Ext,
  ExtensionType,
  isAllowedIn13,
  type ClientHelloExtension,
  type HelloRetryRequest,
  type RawHandshake,
  type ServerHello
} from "@effect-tls/codec"
import * as Redacted from "effect/Redacted"
import { keyShareSeedLength } from "../../crypto/provider.js"
import { abort, write } from "../../machine/conn.js"
import type { TlsConfig } from "../../machine/config.js"
import { incompatible, localFailure, misbehaved } from "../../machine/errors.js"
import { Tls13Schedule } from "../../schedule/index.js"
import * as Transcript from "../../schedule/transcript.js"
import {
  encodeMessage,
  failIfDowngrade,
  groupName,
  holdShare,
  installRead,
  installWrite,
  providerShare,
  sendHandshake,
  suite13,
  type HeldShare
} from "../common.js"
import { decode13, logSecret, mustEndRecord, trace, type Ctx } from "../context.js"
import { isFresh, isSession12, obfuscatedAge } from "../session.js"
import type { ClientHelloSent, ClientState } from "../state.js"
import { onServerHello12 } from "../../tls12/client.js"
import { suite12 } from "../../tls12/common.js"
import type { State12 } from "../../tls12/state.js"

const T = ExtensionType.values

/** Bytes of entropy `Start` must carry: random, session ID, one seed per guessed group. @since 0.1.0 */
export const startEntropy = (config: TlsConfig): number =>
  64 + guessedGroups(config).reduce((n, g) => n + keyShareSeedLength[groupName(g)!], 0)

/** The largest seed a HelloRetryRequest may ask for. @since 0.1.0 */
export const retryEntropy = (config: TlsConfig): number =>
  Math.max(0, ...config.groups.filter((g) => groupName(g) !== undefined).map((g) => keyShareSeedLength[groupName(g)!]))

const guessedGroups = (config: TlsConfig): ReadonlyArray<number> =>
  config.keyShareGroups.filter((g) => config.groups.includes(g) && groupName(g) !== undefined)

const isIp = (name: string): boolean => /^[0-9.]+$/.test(name) || name.includes(":")

/** The extension types in our default order. */
const defaultOrder: ReadonlyArray<number> = [
  T.server_name,
  T.ec_point_formats,
  T.supported_groups,
  T.key_share,
  T.supported_versions,
  T.signature_algorithms,
  T.psk_key_exchange_modes,
  T.record_size_limit,
  T.application_layer_protocol_negotiation,
  T.extended_master_secret,
  T.session_ticket,
  T.renegotiation_info,
  T.cookie
]

const buildExtensions = (
  config: TlsConfig,
  shares: ReadonlyArray<HeldShare>,
  cookie: Uint8Array | undefined,
  offer: { readonly identity: Uint8Array; readonly age: number; readonly binderLength: number; readonly early: boolean } | undefined,
  ticket12?: Uint8Array | undefined,
  renegotiation?: Uint8Array | undefined
): ReadonlyArray<ClientHelloExtension> => {
  const exts: Array<ClientHelloExtension> = []
  const v13 = config.versions.includes(0x0304)
  const v12 = config.versions.includes(0x0303)
  if (config.serverName !== undefined && !isIp(config.serverName)) exts.push(Ext.serverName(config.serverName))
  exts.push({ _tag: "supported_groups", namedGroupList: config.advertise?.groups ?? config.groups })
  if (v13) {
    exts.push({ _tag: "key_share", clientShares: shares.map((s) => ({ group: s.group, keyExchange: s.publicKey })) })
    exts.push({ _tag: "supported_versions", versions: config.versions })
  }
  exts.push({ _tag: "signature_algorithms", supportedSignatureAlgorithms: config.advertise?.signatureSchemes ?? config.signatureSchemes })
  if (v13) exts.push({ _tag: "psk_key_exchange_modes", keModes: config.pskModes })
  if (v12) {
    // TLS 1.2: uncompressed points (RFC 8422 §5.1.2), the extended master secret (RFC 7627),
    // secure renegotiation (RFC 5746), and a ticket request (RFC 5077).
    exts.push({ _tag: "ec_point_formats", ecPointFormatList: [0] })
    exts.push({ _tag: "extended_master_secret" })
    exts.push({ _tag: "renegotiation_info", renegotiatedConnection: renegotiation ?? new Uint8Array(0) })
    // no ticket request in a renegotiation: its session is the one this connection already has
    if (renegotiation === undefined) exts.push({ _tag: "session_ticket", ticket: ticket12 ?? new Uint8Array(0) })
  }
  if (config.recordSizeLimit !== undefined) exts.push({ _tag: "record_size_limit", recordSizeLimit: config.recordSizeLimit })
  if (config.alpn.length > 0) exts.push(Ext.alpn(config.alpn))
  if (cookie !== undefined) exts.push({ _tag: "cookie", cookie })
  if (offer?.early === true) exts.push({ _tag: "early_data" })
  for (const e of config.advertise?.extensions ?? []) exts.push(e)
  const order = config.advertise?.extensionOrder ?? defaultOrder
  const rank = (e: ClientHelloExtension): number => {
    const type = e._tag === "Unknown" ? e.type : ExtensionType.codeOf(e._tag)!
    const i = order.indexOf(type)
    return i === -1 ? order.length + defaultOrder.indexOf(type) : i
  }
  const sorted = exts.map((e, i) => [e, i] as const).sort((a, b) => rank(a[0]) - rank(b[0]) || a[1] - b[1]).map(([e]) => e)
  // RFC 8446 §4.2.11: "The \"pre_shared_key\" extension MUST be the last extension in the ClientHello".
  if (offer !== undefined) {
    sorted.push({
      _tag: "pre_shared_key",
      identities: [{ identity: offer.identity, obfuscatedTicketAge: offer.age }],
      binders: [new Uint8Array(offer.binderLength)]
    })
  }
  return sorted
}

const typeOf = (e: { readonly _tag: string; readonly type?: number }): number =>
  e._tag === "Unknown" ? e.type! : ExtensionType.codeOf(e._tag)!

/**
 * Encodes a ClientHello from what we sent; the same builder for the first and the retried
 * hello. With a PSK offer the binder is computed over the truncated hello (RFC 8446
 * §4.2.11.2), `before` being the transcript before it (after a HelloRetryRequest).
 */
const clientHello = (
  ctx: Ctx,
  hello: ClientHelloSent,
  before: Transcript.HashedTranscript | undefined,
  early: boolean
): { readonly bytes: Uint8Array; readonly types: ReadonlyArray<number> } => {
  const { config, crypto } = ctx.deps
  const offer = hello.offer
  const binderLength = offer === undefined ? 0 : offer.psk.hash === "sha256" ? 32 : 48
  const extensions = buildExtensions(
    config,
    hello.shares,
    hello.cookie,
    offer === undefined ? undefined : { identity: offer.session.ticket, age: obfuscatedAge(offer.session, ctx.now), binderLength, early },
    hello.session12?.ticket,
    hello.renegotiation
  )
  const bytes = encodeMessage({
    _tag: "ClientHello",
    legacyVersion: 0x0303,
    random: hello.random,
    legacySessionId: hello.sessionId,
    cipherSuites: hello.cipherSuites,
    legacyCompressionMethods: [0],
    extensions
  })
  if (offer !== undefined) {
    const truncated = bytes.subarray(0, bytes.length - (2 + 1 + binderLength))
    const hash = before === undefined ? crypto.hash(offer.psk.hash, truncated) : Transcript.digestWith(crypto, before, truncated)
    const binderKey = Tls13Schedule.binderKey(crypto, Tls13Schedule.earlySecret(crypto, offer.psk))
    bytes.set(Tls13Schedule.pskBinder(crypto, binderKey, hash), bytes.length - binderLength)
  }
  return { bytes, types: extensions.map(typeOf) }
}

/**
 * `Start`: key shares for the guessed groups from the event's entropy, then the
 * ClientHello in a plaintext record (legacy_record_version 0x0301, RFC 8446 §5.1).
 *
 * @since 0.1.0
 */
export const start = (ctx: Ctx, state: Extract<ClientState, { _tag: "ClientStart" }>): ClientState => {
  const { config, crypto } = ctx.deps
  if (!config.versions.includes(0x0304) && !config.versions.includes(0x0303)) abort(incompatible("protocol_version", "neither TLS 1.3 nor TLS 1.2 is enabled"))
  const e = ctx.entropy
  if (e.length < startEntropy(config)) abort({ _tag: "LocalFailure", alert: "internal_error", detail: "Start carries too little entropy" })
  const random = e.slice(0, 32)
  const sessionId = config.middleboxCompat ? e.slice(32, 64) : new Uint8Array(0)
  let at = 64
  const shares = (config.versions.includes(0x0304) ? guessedGroups(config) : []).map((g) => {
    const n = keyShareSeedLength[groupName(g)!]
    const share = holdShare(g, crypto.generateKeyShare(groupName(g)!, e.subarray(at, at + n)))
    at += n
    return share
  })
  const cipherSuites = config.cipherSuites.filter(
    (s) =>
      (config.versions.includes(0x0304) && suite13(s) !== undefined) ||
      (config.versions.includes(0x0303) && suite12(s) !== undefined && config.tls12KeyExchanges.includes(suite12(s)!.kx))
  )
  if (cipherSuites.length === 0) abort(incompatible("handshake_failure", "no cipher suite is enabled"))
  const saved = config.session
  const session12 = saved !== undefined && isSession12(saved) && isFresh(saved, ctx.now) && cipherSuites.includes(saved.cipherSuite) ? saved : undefined
  const session = saved !== undefined && !isSession12(saved) ? saved : undefined
  const sessionSuite = session === undefined ? undefined : suite13(session.cipherSuite)
  const offer =
    session !== undefined && sessionSuite !== undefined && isFresh(session, ctx.now) && cipherSuites.includes(session.cipherSuite)
      ? { session, psk: Tls13Schedule.savedResumptionPsk(Redacted.value(session.psk), sessionSuite.hash), earlySent: false }
      : undefined
  // RFC 8446 §4.2.10: 0-RTT only with the session's ALPN and within its max_early_data_size.
  const earlyData = config.earlyData
  const early =
    offer !== undefined &&
    earlyData !== undefined &&
    earlyData.length > 0 &&
    earlyData.length <= offer.session.maxEarlyData &&
    (config.alpn.length === 0 ? offer.session.alpn === undefined : config.alpn[0] === offer.session.alpn)
  // A TLS 1.2 session: its ID (RFC 5246 §7.4.1.2) and ticket (RFC 5077) go in the hello.
  const draft: ClientHelloSent = {
    random,
    // RFC 5077 §3.4: with a ticket and no ID, a fresh ID lets the echo tell a resumption apart
    sessionId: session12 === undefined ? sessionId : session12.sessionId.length > 0 ? session12.sessionId : e.slice(32, 64),
    cipherSuites,
    groups: config.groups,
    shares,
    alpn: config.alpn,
    extensionTypes: [],
    offer,
    session12
  }
  const ch = clientHello(ctx, draft, undefined, early)
  const hello = { ...draft, extensionTypes: ch.types, offer: offer === undefined ? undefined : { ...offer, earlySent: early } }
  let conn = sendHandshake(crypto, ctx.out, { ...state.conn, recordVersion: 0x0301 }, [ch.bytes])
  trace(ctx, "ClientStart", "WaitServerHello", "write ClientHello")
  if (early) {
    // RFC 8446 §2.3: early data under client_early_traffic_secret, right after the ClientHello.
    const es = Tls13Schedule.earlySecret(crypto, offer!.psk)
    const cets = Tls13Schedule.clientEarlyTrafficSecret(crypto, es, crypto.hash(sessionSuite!.hash, ch.bytes))
    logSecret(ctx, random, cets)
    sendCompatCcs(ctx, "WaitServerHello")
    conn = installWrite(crypto, conn, sessionSuite!, cets)
    conn = write(crypto, ctx.out, conn, 23, earlyData!)
    trace(ctx, "WaitServerHello", "WaitServerHello", `write early data (${earlyData!.length} bytes)`)
  }
  return {
    _tag: "WaitServerHello",
    conn: { ...conn, recordVersion: 0x0303 },
    hello,
    transcript: Transcript.append(crypto, Transcript.empty, ch.bytes),
    retried: false
  }
}

/**
 * A TLS 1.2 renegotiation's ClientHello (RFC 5746 §3.5), after a HelloRequest or at the
 * application's request: TLS 1.2 only, a fresh random (32 bytes of the event's entropy), no
 * session to resume, renegotiation_info carrying the previous client Finished; sent under
 * the current keys, which stay until the new ChangeCipherSpec.
 *
 * @since 0.1.0
 */
export const renegotiate = (ctx: Ctx, connected: Extract<State12, { _tag: "Connected12" }>): ClientState => {
  const conn = connected.conn
  const previous = conn.renegotiation!.clientVerifyData
  const { config, crypto } = ctx.deps
  if (ctx.entropy.length < renegotiationEntropy) abort(localFailure("a renegotiation needs 32 bytes of entropy"))
  const cipherSuites = config.cipherSuites.filter((s) => suite12(s) !== undefined && config.tls12KeyExchanges.includes(suite12(s)!.kx))
  if (cipherSuites.length === 0) abort(incompatible("handshake_failure", "no TLS 1.2 cipher suite is enabled"))
  const draft: ClientHelloSent = {
    random: ctx.entropy.slice(0, 32),
    sessionId: new Uint8Array(0),
    cipherSuites,
    groups: config.groups,
    shares: [],
    alpn: config.alpn,
    extensionTypes: [],
    renegotiation: previous
  }
  // the step's configuration is already TLS 1.2 only (`renegotiationView`)
  const ch = clientHello(ctx, draft, undefined, false)
  const sent = sendHandshake(crypto, ctx.out, conn, [ch.bytes])
  trace(ctx, "Connected12", "WaitServerHello", "write ClientHello")
  return {
    _tag: "WaitServerHello",
    conn: sent,
    hello: { ...draft, extensionTypes: ch.types },
    transcript: Transcript.append(crypto, Transcript.empty, ch.bytes),
    retried: false,
    renegotiating: connected
  }
}

/** Entropy a renegotiation's ClientHello takes: its random. @since 0.1.0 */
export const renegotiationEntropy = 32

/** The middlebox-compatibility ChangeCipherSpec (RFC 8446 App. D.4), always in plaintext. @since 0.1.0 */
export const sendCompatCcs = (ctx: Ctx, from = "WaitFinished"): void => {
  if (!ctx.deps.config.middleboxCompat) return
  ctx.out.send(new Uint8Array([20, 3, 3, 0, 1, 1]))
  trace(ctx, from, from, "write ChangeCipherSpec")
}

/**
 * A ServerHello or HelloRetryRequest in `WaitServerHello`.
 *
 * @since 0.1.0
 */
export const onServerHello = (ctx: Ctx, state: Extract<ClientState, { _tag: "WaitServerHello" }>, m: RawHandshake): ClientState | State12 => {
  const msg = decode13(m)
  if (msg._tag === "HelloRetryRequest") return onRetry(ctx, state, msg, m)
  if (msg._tag !== "ServerHello") return abort(misbehaved("unexpected_message", `expected ServerHello, got ${msg._tag}`))
  const { crypto, config } = ctx.deps
  const hello = state.hello
  const selected = Ext.find(msg.extensions, "supported_versions")
  if (selected === undefined && config.versions.includes(0x0303)) return onServerHello12(ctx, state, msg, m)
  mustEndRecord(m)
  if (selected === undefined) {
    // A TLS 1.2 (or older) ServerHello: RFC 8446 §4.1.3 downgrade protection, then refuse.
    failIfDowngrade(msg.random, [DOWNGRADE_TLS12, DOWNGRADE_TLS11])
    return abort(incompatible("protocol_version", `server chose ${msg.legacyVersion.toString(16)}, we offer TLS 1.3 only`))
  }
  if (selected.selectedVersion !== 0x0304 || !config.versions.includes(0x0304)) {
    abort(misbehaved("illegal_parameter", `server selected version ${selected.selectedVersion.toString(16)} we did not offer`))
  }
  if (msg.legacyVersion !== 0x0303) abort(misbehaved("illegal_parameter", "ServerHello legacy_version is not 0x0303"))
  checkEcho(msg, hello)
  const suite = suite13(msg.cipherSuite)
  if (suite === undefined || !hello.cipherSuites.includes(msg.cipherSuite)) {
    abort(misbehaved("illegal_parameter", `server chose cipher suite 0x${msg.cipherSuite.toString(16)} we did not offer`))
  }
  if (state.transcript._tag === "HashedTranscript" && state.transcript.hash !== suite!.hash) {
    abort(misbehaved("illegal_parameter", "ServerHello suite differs from the HelloRetryRequest's"))
  }
  checkResponseExtensions(msg.extensions ?? [], "SH", hello)
  const pskExt = Ext.find(msg.extensions, "pre_shared_key")
  const offer = hello.offer
  if (pskExt !== undefined) {
    // RFC 8446 §4.2.11: the selected identity must be one we offered, with the suite's hash.
    if (offer === undefined || pskExt.selectedIdentity !== 0) abort(misbehaved("illegal_parameter", "server selected a PSK we did not offer"))
    if (offer!.psk.hash !== suite!.hash) abort(misbehaved("illegal_parameter", "server's suite does not fit the selected PSK"))
  }
  const ks = Ext.find(msg.extensions, "key_share")
  if (ks === undefined && (pskExt === undefined || !ctx.deps.config.pskModes.includes(0))) {
    return abort(misbehaved("missing_extension", "ServerHello without key_share"))
  }
  let shared: Uint8Array | undefined
  let group: number | undefined
  if (ks !== undefined) {
    const share = hello.shares.find((s) => s.group === ks.serverShare.group)
    if (share === undefined) abort(misbehaved("illegal_parameter", `server key share for group 0x${ks.serverShare.group.toString(16)} we did not send`))
    shared = crypto.agree(providerShare(share!), ks.serverShare.keyExchange)
    if (shared === undefined) abort(misbehaved("illegal_parameter", "invalid server key share"))
    group = share!.group
  }
  const transcript = Transcript.append(
    crypto,
    state.transcript._tag === "HashedTranscript" ? state.transcript : Transcript.selectHash(crypto, state.transcript, suite!.hash),
    m.bytes
  )
  const early = pskExt !== undefined ? Tls13Schedule.earlySecret(crypto, offer!.psk) : Tls13Schedule.earlySecret(crypto, suite!.hash)
  const hsSecret = Tls13Schedule.handshakeSecret(crypto, early, shared)
  const secrets = Tls13Schedule.handshakeTrafficSecrets(crypto, hsSecret, Transcript.digest(crypto, transcript))
  logSecret(ctx, hello.random, secrets.client)
  logSecret(ctx, hello.random, secrets.server)
  let conn = installRead(crypto, state.conn, suite!, secrets.server)
  // With 0-RTT in flight, our writes stay under the early keys until EncryptedExtensions says whether it was accepted.
  if (offer?.earlySent !== true || pskExt === undefined) conn = installWrite(crypto, conn, suite!, secrets.client)
  trace(ctx, "WaitServerHello", "WaitEncryptedExtensions", "read ServerHello")
  return {
    _tag: "WaitEncryptedExtensions",
    conn,
    hello,
    hs: {
      suite: suite!,
      group,
      transcript,
      handshakeSecret: hsSecret,
      clientSecret: secrets.client,
      serverSecret: secrets.server,
      clientRandom: hello.random,
      serverRandom: msg.random,
      helloRetry: state.retried,
      serverName: config.serverName,
      peerCertificates: [],
      resumed: pskExt !== undefined,
      earlyData: offer?.earlySent === true ? "rejected" : "none"
    }
  }
}

const checkEcho = (msg: ServerHello | HelloRetryRequest, hello: ClientHelloSent): void => {
  const echo = msg.legacySessionIdEcho
  if (echo.length !== hello.sessionId.length || echo.some((b, i) => b !== hello.sessionId[i])) {
    abort(misbehaved("illegal_parameter", "legacy_session_id_echo differs from our session ID"))
  }
  if (msg.legacyCompressionMethod !== 0) abort(misbehaved("illegal_parameter", "compression method other than null"))
}

/**
 * RFC 8446 §4.2: an extension the client did not offer is `unsupported_extension`; one the
 * message may not carry is `illegal_parameter`.
 *
 * @since 0.1.0
 */
export const checkResponseExtensions = (
  exts: ReadonlyArray<{ readonly _tag: string; readonly type?: number }>,
  where: "SH" | "HRR" | "EE" | "CR" | "CT" | "NST",
  hello: ClientHelloSent
): void => {
  for (const e of exts) {
    const type = typeOf(e)
    if (where !== "CR" && where !== "NST" && where !== "CT" && !hello.extensionTypes.includes(type) && type !== T.cookie) {
      abort(misbehaved("unsupported_extension", `${ExtensionType.nameOf(type)} in ${where} was not offered`))
    }
    if (!isAllowedIn13(type, where)) abort(misbehaved("illegal_parameter", `${ExtensionType.nameOf(type)} is not allowed in ${where}`))
  }
}

const onRetry = (ctx: Ctx, state: Extract<ClientState, { _tag: "WaitServerHello" }>, msg: HelloRetryRequest, m: RawHandshake): ClientState => {
  const { crypto } = ctx.deps
  if (state.retried) abort(misbehaved("unexpected_message", "a second HelloRetryRequest"))
  mustEndRecord(m)
  const hello = state.hello
  checkEcho(msg, hello)
  const selected = Ext.find(msg.extensions, "supported_versions")
  if (selected === undefined || selected.selectedVersion !== 0x0304) abort(misbehaved("illegal_parameter", "HelloRetryRequest without TLS 1.3"))
  const suite = suite13(msg.cipherSuite)
  if (suite === undefined || !hello.cipherSuites.includes(msg.cipherSuite)) abort(misbehaved("illegal_parameter", "HelloRetryRequest suite not offered"))
  checkResponseExtensions(msg.extensions, "HRR", hello)
  const ks = Ext.find(msg.extensions, "key_share")
  const cookie = Ext.find(msg.extensions, "cookie")
  if (ks === undefined && cookie === undefined) abort(misbehaved("illegal_parameter", "HelloRetryRequest would not change the ClientHello"))
  let shares = hello.shares
  if (ks !== undefined) {
    const g = ks.selectedGroup
    if (!hello.groups.includes(g) || groupName(g) === undefined || hello.shares.some((s) => s.group === g)) {
      abort(misbehaved("illegal_parameter", `HelloRetryRequest selects group 0x${g.toString(16)}`))
    }
    const n = keyShareSeedLength[groupName(g)!]
    if (ctx.entropy.length < n) abort({ _tag: "LocalFailure", alert: "internal_error", detail: "no entropy for the retried key share" })
    shares = [holdShare(g, crypto.generateKeyShare(groupName(g)!, ctx.entropy.subarray(0, n)))]
  }
  const ch1 = Transcript.selectHash(crypto, state.transcript as Transcript.PendingTranscript, suite!.hash)
  let transcript = Transcript.append(crypto, Transcript.restartForRetry(crypto, ch1), m.bytes)
  // RFC 8446 §4.1.2: the retried hello keeps a PSK only if its hash fits the chosen suite; no early data.
  const offer = hello.offer !== undefined && hello.offer.psk.hash === suite!.hash ? { ...hello.offer, earlySent: false } : undefined
  const draft: ClientHelloSent = { ...hello, shares, cookie: cookie?.cookie, offer }
  const ch = clientHello(ctx, draft, transcript, false)
  if (hello.offer?.earlySent !== true) sendCompatCcs(ctx, "WaitServerHello")
  // early data keys (if any) are dropped: the retried hello and what follows are plaintext until ServerHello
  const conn = sendHandshake(crypto, ctx.out, { ...state.conn, write: undefined }, [ch.bytes])
  transcript = Transcript.append(crypto, transcript, ch.bytes)
  trace(ctx, "WaitServerHello", "WaitServerHello", "read HelloRetryRequest, write ClientHello")
  return { _tag: "WaitServerHello", conn, hello: { ...draft, extensionTypes: ch.types }, transcript, retried: true }
}

