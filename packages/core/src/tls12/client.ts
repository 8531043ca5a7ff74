/**
 * TLS 1.2 client (RFC 5246 §7.3): from a ServerHello that negotiates TLS 1.2 through the
 * server's Certificate, ServerKeyExchange, CertificateRequest and ServerHelloDone, our
 * Certificate, ClientKeyExchange, CertificateVerify, ChangeCipherSpec and Finished, and the
 * server's NewSessionTicket, ChangeCipherSpec and Finished. Extended master secret (RFC
 * 7627) and secure renegotiation (RFC 5746) are required.
 *
 * @since 0.1.0
 */
import { DOWNGRADE_TLS11, DOWNGRADE_TLS12, Ext, decodeHandshake, type HandshakeMessage, type MessageOf, type HandshakeTag, type RawHandshake, type ServerHello } from "@effect-tls/codec"
import * as Result from "effect/Result"
import { groupName, schemeName } from "../crypto/names.js"
import { keyShareSeedLength, rsaEncryptEntropyLength } from "../crypto/provider.js"
import { abort, setRead, setWrite, type Conn } from "../machine/conn.js"
import { incompatible, localFailure, misbehaved, rejected } from "../machine/errors.js"
import type { EventOf } from "../machine/events.js"
import { Tls12Schedule } from "../schedule/index.js"
import type { Tls12MasterSecret } from "../schedule/tls12.js"
import * as Transcript from "../schedule/transcript.js"
import { certificatePublicKey } from "../x509/certificate.js"
import { encodeMessage, failIfDowngrade, sendHandshake } from "../tls13/common.js"
import { trace, type Ctx } from "../tls13/context.js"
import type { ClientHelloSent, ClientState } from "../tls13/state.js"
import { timingSafeEqual } from "../crypto/constant-time.js"
import { authOf, sendCcs12, ecdheGroups, epochs, ffdheCode, ffdheGroupOf, keyFitsScheme12, renegotiationInfo, signedParams, stripLeadingZeros, suite12 } from "./common.js"
import type { Handshake12, Request12, ServerParams, State12 } from "./state.js"
import { connected12 } from "./traffic.js"
import { chainMatchesCaNames } from "../x509/client-auth.js"

type S<T extends State12["_tag"]> = Extract<State12, { _tag: T }>

/** Entropy a TLS 1.2 client's ClientKeyExchange may need: a key-share seed or an RSA premaster and its padding. @since 0.1.0 */
export const keyExchangeEntropy = 48 + rsaEncryptEntropyLength(8192)

/** Decodes a TLS 1.2 handshake message under the negotiated suite. @since 0.1.0 */
export const decode12 = (m: RawHandshake, cipherSuite: number): HandshakeMessage => {
  const r = decodeHandshake(m.bytes, { version: 0x0303, cipherSuite })
  if (Result.isSuccess(r)) return r.success
  return abort({ _tag: "Decode", alert: r.failure.alert, detail: r.failure.detail, at: r.failure.at })
}

/** Decodes and checks the tag. @since 0.1.0 */
export const expect12 = <T extends HandshakeTag>(m: RawHandshake, cipherSuite: number, tag: T): MessageOf<T> => {
  const msg = decode12(m, cipherSuite)
  if (msg._tag !== tag) abort(misbehaved("unexpected_message", `expected ${tag}, got ${msg._tag}`))
  return msg as MessageOf<T>
}

const append = (ctx: Ctx, hs: Handshake12, bytes: Uint8Array): Handshake12 => ({ ...hs, transcript: Transcript.append(ctx.deps.crypto, hs.transcript, bytes) })

/**
 * A ServerHello that negotiates TLS 1.2, in `WaitServerHello`.
 *
 * @since 0.1.0
 */
export const onServerHello12 = (
  ctx: Ctx,
  state: Extract<ClientState, { _tag: "WaitServerHello" }>,
  sh: ServerHello,
  m: RawHandshake
): State12 => {
  const { crypto, config } = ctx.deps
  const hello: ClientHelloSent = state.hello
  if (sh.legacyVersion !== 0x0303 || !config.versions.includes(0x0303)) {
    if (config.versions.includes(0x0304)) failIfDowngrade(sh.random, [DOWNGRADE_TLS12, DOWNGRADE_TLS11])
    return abort(incompatible("protocol_version", `server chose version 0x${sh.legacyVersion.toString(16)}, we accept ${config.versions.map((v) => v.toString(16)).join(", ")}`))
  }
  // RFC 8446 §4.1.3: "TLS 1.3 clients receiving a ServerHello indicating TLS 1.2 or below MUST check [...] the last 8 bytes"
  if (config.versions.includes(0x0304)) failIfDowngrade(sh.random, [DOWNGRADE_TLS12, DOWNGRADE_TLS11])
  if (state.retried) abort(misbehaved("illegal_parameter", "a TLS 1.2 ServerHello after a HelloRetryRequest"))
  const suite = suite12(sh.cipherSuite)
  if (suite === undefined || !hello.cipherSuites.includes(sh.cipherSuite)) {
    abort(misbehaved("illegal_parameter", `server chose cipher suite 0x${sh.cipherSuite.toString(16)} we did not offer`))
  }
  if (sh.legacyCompressionMethod !== 0) abort(misbehaved("illegal_parameter", "compression method other than null"))
  const exts = sh.extensions ?? []
  for (const e of exts) {
    const type = e._tag === "Unknown" ? e.type : undefined
    if (type !== undefined && !hello.extensionTypes.includes(type)) abort(misbehaved("unsupported_extension", `extension ${type} was not offered`))
  }
  // RFC 5746 §3.4: a server that supports secure renegotiation answers with an empty
  // renegotiation_info; §3.5: in a renegotiation, with both previous Finished values.
  const ri = Ext.find(exts, "renegotiation_info")
  if (ri === undefined) abort(incompatible("handshake_failure", "the server does not support secure renegotiation (RFC 5746)"))
  if (!timingSafeEqual(ri!.renegotiatedConnection, renegotiationInfo(state.conn, "server"))) {
    abort(incompatible("handshake_failure", state.conn.renegotiation === undefined ? "renegotiation_info not empty in an initial handshake" : "renegotiation_info does not carry the previous Finished values"))
  }
  // RFC 7627 §5.2: our policy requires the extended master secret.
  if (Ext.find(exts, "extended_master_secret") === undefined) abort(incompatible("handshake_failure", "the server does not support the extended master secret (RFC 7627)"))
  let alpn: string | undefined
  const a = Ext.find(exts, "application_layer_protocol_negotiation")
  if (a !== undefined) {
    const names = Ext.protocols(a)
    if (names.length !== 1 || !hello.alpn.includes(names[0]!)) abort(misbehaved("illegal_parameter", "server chose an ALPN protocol we did not offer"))
    alpn = names[0]
  }
  const transcript = Transcript.append(crypto, Transcript.selectHash(crypto, state.transcript as Transcript.PendingTranscript, suite!.hash), m.bytes)
  // RFC 5246 §7.4.1.3 / RFC 5077 §3.4: the server echoing the session ID we offered resumes it.
  const saved = hello.session12
  const echo = sh.legacySessionIdEcho
  if (saved !== undefined && echo.length > 0 && echo.length === hello.sessionId.length && echo.every((b, i) => b === hello.sessionId[i])) {
    if (sh.cipherSuite !== saved.cipherSuite) abort(misbehaved("illegal_parameter", "resumed session with another cipher suite"))
    const master = Tls12Schedule.resumedMasterSecret(suite!.hash, saved.masterSecret, true)
    const ticketExpected = Ext.find(exts, "session_ticket") !== undefined
    const next = ticketExpected ? "Wait12NewSessionTicket" : "Wait12ServerCcs"
    trace(ctx, "WaitServerHello", next, "read ServerHello")
    return {
      _tag: next,
      conn: state.conn,
      master,
      hs: {
        suite: suite!,
        transcript,
        clientRandom: hello.random,
        serverRandom: sh.random,
        sessionId: echo,
        alpn: alpn ?? saved.alpn,
        serverName: config.serverName,
        peerCertificates: [],
        clientVersion: 0x0303,
        ticketExpected,
        resumed: true
      }
    }
  }
  trace(ctx, "WaitServerHello", "Wait12ServerCertificate", "read ServerHello")
  return {
    _tag: "Wait12ServerCertificate",
    conn: state.conn,
    hs: {
      suite: suite!,
      transcript,
      clientRandom: hello.random,
      serverRandom: sh.random,
      sessionId: sh.legacySessionIdEcho,
      alpn,
      serverName: config.serverName,
      peerCertificates: [],
      clientVersion: 0x0303,
      ticketExpected: Ext.find(exts, "session_ticket") !== undefined,
      resumed: false
    }
  }
}

/** The server's Certificate: the driver verifies the chain. @since 0.1.0 */
export const onServerCertificate = (ctx: Ctx, state: S<"Wait12ServerCertificate">, m: RawHandshake): State12 => {
  const cert = expect12(m, state.hs.suite.code, "Certificate12")
  if (cert.certificateList.length === 0) abort(misbehaved("decode_error", "the server sent an empty Certificate"))
  ctx.out.emit({ _tag: "VerifyChain", chain: cert.certificateList, peer: "server", serverName: ctx.deps.config.serverName, now: ctx.now })
  trace(ctx, "Wait12ServerCertificate", "Wait12ChainVerdict", "read Certificate")
  return { _tag: "Wait12ChainVerdict", conn: state.conn, hs: { ...append(ctx, state.hs, m.bytes), peerCertificates: cert.certificateList } }
}

/** @since 0.1.0 */
export const onChainVerdict12 = (ctx: Ctx, state: S<"Wait12ChainVerdict">, v: EventOf<"ChainVerdict">): State12 => {
  if (!v.accepted) abort(rejected((v.alert as never) ?? "bad_certificate", v.detail ?? "certificate rejected", v.depth, v.subject))
  const next = state.hs.suite.kx === "RSA" ? "Wait12CertificateRequestOrDone" : "Wait12ServerKeyExchange"
  trace(ctx, "Wait12ChainVerdict", next, "chain accepted")
  return next === "Wait12ServerKeyExchange"
    ? { _tag: next, conn: state.conn, hs: state.hs }
    : { _tag: next, conn: state.conn, hs: state.hs, params: { kind: "RSA" } }
}

/**
 * ServerKeyExchange (RFC 5246 §7.4.3, RFC 8422 §5.4): a curve we offered, or an RFC 7919
 * group; a scheme we offered that fits the certificate; a signature that verifies.
 *
 * @since 0.1.0
 */
export const onServerKeyExchange = (ctx: Ctx, state: S<"Wait12ServerKeyExchange">, m: RawHandshake): State12 => {
  const { crypto, config } = ctx.deps
  const hs = state.hs
  const ske = decode12(m, hs.suite.code)
  let params: ServerParams
  let signed: { readonly algorithm: number; readonly signature: Uint8Array }
  let input: Uint8Array
  if (ske._tag === "ServerKeyExchangeEcdhe") {
    const g = ske.params.namedCurve
    if (!config.groups.includes(g) || !ecdheGroups.includes(g)) abort(misbehaved("illegal_parameter", `ServerKeyExchange on curve 0x${g.toString(16)} we did not offer`))
    params = { kind: "ECDHE", group: g, publicKey: ske.params.publicKey }
    signed = ske.signed
    input = signedParams(hs.clientRandom, hs.serverRandom, { kind: "ECDHE", value: ske.params })
  } else if (ske._tag === "ServerKeyExchangeDhe") {
    const name = ffdheGroupOf(ske.params.p, ske.params.g)
    // RFC 7919 §3 / alerts.md: a prime under 2048 bits or one we cannot check is insufficient_security.
    if (name === undefined) abort(incompatible("insufficient_security", `DHE prime of ${ske.params.p.length * 8} bits is not an RFC 7919 group`))
    params = { kind: "DHE", group: ffdheCode(name!), publicKey: ske.params.ys }
    signed = ske.signed
    input = signedParams(hs.clientRandom, hs.serverRandom, { kind: "DHE", value: ske.params })
  } else {
    return abort(misbehaved("unexpected_message", `expected ServerKeyExchange, got ${ske._tag}`))
  }
  if (!config.signatureSchemes.includes(signed.algorithm) || schemeName(signed.algorithm) === undefined) {
    abort(misbehaved("illegal_parameter", `ServerKeyExchange signed with scheme 0x${signed.algorithm.toString(16)} we did not offer`))
  }
  const key = certificatePublicKey(hs.peerCertificates[0]!)
  if (Result.isFailure(key)) return abort(rejected("bad_certificate", key.failure.detail, 0))
  if (!keyFitsScheme12(key.success, signed.algorithm) || authOf(key.success) !== hs.suite.auth) {
    abort(misbehaved("illegal_parameter", "ServerKeyExchange scheme does not fit the certificate"))
  }
  if (!crypto.verify(schemeName(signed.algorithm)!, key.success, input, signed.signature)) {
    abort(misbehaved("decrypt_error", "ServerKeyExchange signature does not verify"))
  }
  trace(ctx, "Wait12ServerKeyExchange", "Wait12CertificateRequestOrDone", "read ServerKeyExchange")
  return { _tag: "Wait12CertificateRequestOrDone", conn: state.conn, hs: { ...append(ctx, hs, m.bytes), group: params.group, peerSignatureScheme: signed.algorithm }, params }
}

/** CertificateRequest or ServerHelloDone. @since 0.1.0 */
export const onRequestOrDone = (ctx: Ctx, state: S<"Wait12CertificateRequestOrDone">, m: RawHandshake): State12 => {
  if (m.type === 14) return onServerHelloDone(ctx, { ...state, _tag: "Wait12ServerHelloDone", request: undefined as never }, m, undefined)
  const cr = expect12(m, state.hs.suite.code, "CertificateRequest12")
  const request: Request12 = { certificateTypes: cr.certificateTypes, signatureSchemes: cr.supportedSignatureAlgorithms, authorities: cr.certificateAuthorities }
  trace(ctx, "Wait12CertificateRequestOrDone", "Wait12ServerHelloDone", "read CertificateRequest")
  return { _tag: "Wait12ServerHelloDone", conn: state.conn, hs: append(ctx, state.hs, m.bytes), params: state.params, request }
}

/**
 * ServerHelloDone: our Certificate (if asked), ClientKeyExchange, the master secret, and
 * CertificateVerify (signed by the driver) or straight to ChangeCipherSpec and Finished.
 *
 * @since 0.1.0
 */
export const onServerHelloDone = (ctx: Ctx, state: S<"Wait12ServerHelloDone">, m: RawHandshake, request = state.request): State12 => {
  const { config } = ctx.deps
  expect12(m, state.hs.suite.code, "ServerHelloDone")
  const hs = append(ctx, state.hs, m.bytes)
  if (request !== undefined && config.clientCertificateSelection === "selector") {
    // the application chooses (RFC 5246 §7.4.4): the driver runs its selector on the server's criteria
    ctx.out.emit({ _tag: "SelectClientCertificate", caNames: request.authorities, signatureSchemes: request.signatureSchemes, version: "1.2" })
    trace(ctx, "Wait12ServerHelloDone", "Wait12ClientCertificateChoice", "read ServerHelloDone")
    return { _tag: "Wait12ClientCertificateChoice", conn: state.conn, hs, params: state.params, request }
  }
  // Our certificate: the first whose chain answers the server's CA names (none listed: any,
  // RFC 5246 §7.4.4) and whose key can sign a scheme the server accepts.
  let choice: Choice | undefined
  if (request !== undefined) {
    for (let i = 0; i < config.certificates.length && choice === undefined; i++) {
      if (!chainMatchesCaNames(config.certificates[i]!.chain, request.authorities)) continue
      const scheme = schemeFor(config, request, i)
      if (scheme !== undefined) choice = { i, scheme }
    }
  }
  trace(ctx, "Wait12ServerHelloDone", "Wait12ServerHelloDone", "read ServerHelloDone")
  return clientFlight(ctx, state.conn, hs, state.params, request, choice)
}

type Choice = { readonly i: number; readonly scheme: number }

/** The scheme credential `i` signs our CertificateVerify with: ours, accepted by the server, fitting its key. */
const schemeFor = (config: Ctx["deps"]["config"], request: Request12, i: number): number | undefined => {
  const key = config.certificates[i]!.key
  return config.signatureSchemes.find((s) => request.signatureSchemes.includes(s) && keyFitsScheme12(key, s) && schemeName(s) !== undefined)
}

/**
 * The application's choice of client certificate arrived: the index of a configured
 * certificate (its key must fit a scheme the server accepts), or none (an empty Certificate).
 *
 * @since 0.1.0
 */
export const onClientCertificateChosen12 = (ctx: Ctx, state: S<"Wait12ClientCertificateChoice">, e: EventOf<"ClientCertificateChosen">): State12 => {
  const { config } = ctx.deps
  let choice: Choice | undefined
  if (e.index !== undefined) {
    if (config.certificates[e.index] === undefined) return abort(localFailure(`the certificate selector chose #${e.index} of ${config.certificates.length} certificates`))
    const scheme = schemeFor(config, state.request, e.index)
    if (scheme === undefined) return abort(localFailure(`the certificate selector chose #${e.index}, whose key signs none of the server's schemes`))
    choice = { i: e.index, scheme }
  }
  trace(ctx, "Wait12ClientCertificateChoice", "Wait12ServerHelloDone", "ClientCertificateChosen")
  return clientFlight(ctx, state.conn, state.hs, state.params, state.request, choice)
}

/** Our Certificate (if asked), ClientKeyExchange, the master secret, then CertificateVerify or ChangeCipherSpec and Finished. */
const clientFlight = (ctx: Ctx, conn0: Conn, hs0: Handshake12, params: ServerParams, request: Request12 | undefined, choice: Choice | undefined): State12 => {
  const { crypto, config } = ctx.deps
  let hs = hs0
  const flight: Array<Uint8Array> = []
  if (request !== undefined) flight.push(encodeMessage({ _tag: "Certificate12", certificateList: choice === undefined ? [] : config.certificates[choice.i]!.chain }))
  // ClientKeyExchange and the premaster secret (RFC 5246 §7.4.7, RFC 8422 §5.7).
  const e = ctx.entropy
  let premaster: Uint8Array
  if (params.kind === "RSA") {
    const key = certificatePublicKey(hs.peerCertificates[0]!)
    if (Result.isFailure(key) || key.success.type !== "rsa") return abort(rejected("unsupported_certificate", "RSA key transport needs an RSA certificate", 0))
    premaster = new Uint8Array(48)
    premaster[0] = 3
    premaster[1] = 3
    premaster.set(e.subarray(0, 46), 2)
    const encrypted = crypto.rsaEncrypt(key.success, premaster, e.subarray(48, 48 + rsaEncryptEntropyLength(key.success.bits ?? 2048)))
    flight.push(encodeMessage({ _tag: "ClientKeyExchangeRsa", encryptedPreMasterSecret: encrypted }))
  } else {
    const name = groupName(params.group)!
    const share = crypto.generateKeyShare(name, e.subarray(0, keyShareSeedLength[name]))
    const shared = crypto.agree(share, params.publicKey)
    if (shared === undefined) return abort(misbehaved("illegal_parameter", "invalid server key-exchange value"))
    premaster = params.kind === "DHE" ? stripLeadingZeros(shared) : shared
    flight.push(
      encodeMessage(params.kind === "ECDHE" ? { _tag: "ClientKeyExchangeEcdhe", ecdhYc: share.publicKey } : { _tag: "ClientKeyExchangeDhe", dhYc: share.publicKey })
    )
  }
  for (const msg of flight) hs = append(ctx, hs, msg)
  // RFC 7627 §4: the session hash covers everything through the ClientKeyExchange.
  const master = Tls12Schedule.extendedMasterSecret(crypto, hs.suite.hash, premaster, Transcript.digest(crypto, hs.transcript))
  ctx.out.emit({ _tag: "KeyLog", label: "CLIENT_RANDOM", clientRandom: hs.clientRandom, secret: master.secret })
  const conn = sendHandshake(crypto, ctx.out, conn0, flight)
  if (request !== undefined) trace(ctx, "Wait12ServerHelloDone", "Wait12ServerHelloDone", "write Certificate")
  trace(ctx, "Wait12ServerHelloDone", "Wait12ServerHelloDone", "write ClientKeyExchange")
  if (choice !== undefined) {
    ctx.out.emit({ _tag: "Sign", scheme: choice.scheme, data: Transcript.bytes(hs.transcript), credential: choice.i })
    return { _tag: "Wait12ClientSignature", conn, hs: { ...hs, signatureScheme: choice.scheme }, master, scheme: choice.scheme }
  }
  return finishClientFlight(ctx, conn, hs, master)
}

/** Our CertificateVerify was signed. @since 0.1.0 */
export const onClientSigned12 = (ctx: Ctx, state: S<"Wait12ClientSignature">, e: EventOf<"Signed">): State12 => {
  const cv = encodeMessage({ _tag: "CertificateVerify", algorithm: state.scheme, signature: e.signature })
  const conn = sendHandshake(ctx.deps.crypto, ctx.out, state.conn, [cv])
  trace(ctx, "Wait12ClientSignature", "Wait12ClientSignature", "write CertificateVerify")
  return finishClientFlight(ctx, conn, append(ctx, state.hs, cv), state.master)
}

/** ChangeCipherSpec, our write keys, and Finished. */
const finishClientFlight = (ctx: Ctx, conn0: Conn, hs0: Handshake12, master: Tls12MasterSecret): State12 => {
  const { crypto } = ctx.deps
  const afterCcs = sendCcs12(crypto, ctx.out, conn0)
  trace(ctx, "Wait12ServerHelloDone", "Wait12ServerHelloDone", "write ChangeCipherSpec")
  const keys = epochs(crypto, master, hs0.clientRandom, hs0.serverRandom, hs0.suite)
  let conn = setWrite(afterCcs, keys.client)
  const verifyData = Tls12Schedule.finishedVerifyData(crypto, master, "client", Transcript.digest(crypto, hs0.transcript))
  const fin = encodeMessage({ _tag: "Finished", verifyData })
  conn = sendHandshake(crypto, ctx.out, conn, [fin])
  const hs = { ...append(ctx, hs0, fin), clientVerifyData: verifyData }
  const next = hs.ticketExpected ? "Wait12NewSessionTicket" : "Wait12ServerCcs"
  trace(ctx, "Wait12ServerHelloDone", next, "write Finished")
  return { _tag: next, conn, hs, master }
}

/** The server's NewSessionTicket (RFC 5077 §3.3), before its ChangeCipherSpec. @since 0.1.0 */
export const onNewSessionTicket12 = (ctx: Ctx, state: S<"Wait12NewSessionTicket">, m: RawHandshake): State12 => {
  const nst = expect12(m, state.hs.suite.code, "NewSessionTicket12")
  trace(ctx, "Wait12NewSessionTicket", "Wait12ServerCcs", "read NewSessionTicket")
  return {
    _tag: "Wait12ServerCcs",
    conn: state.conn,
    hs: { ...append(ctx, state.hs, m.bytes), ticket: nst.ticket.length > 0 ? nst.ticket : undefined, ticketLifetime: nst.ticketLifetimeHint },
    master: state.master
  }
}

/** The session the client keeps from a completed handshake (its ID and/or ticket), as a `SessionTicket` action. */
const keepSession = (ctx: Ctx, hs: Handshake12, master: Tls12MasterSecret): void => {
  if (hs.sessionId.length === 0 && hs.ticket === undefined) return
  ctx.out.emit({
    _tag: "SessionTicket",
    session: {
      version: 0x0303,
      sessionId: hs.sessionId,
      ticket: hs.ticket,
      lifetime: hs.ticketLifetime ?? 7200,
      receivedAt: ctx.now,
      cipherSuite: hs.suite.code,
      alpn: hs.alpn,
      serverName: hs.serverName,
      masterSecret: master.secret
    }
  })
}

/** The server's ChangeCipherSpec: its write keys become our read keys. @since 0.1.0 */
export const onServerCcs = (ctx: Ctx, state: S<"Wait12ServerCcs">): State12 => {
  const keys = epochs(ctx.deps.crypto, state.master, state.hs.clientRandom, state.hs.serverRandom, state.hs.suite)
  trace(ctx, "Wait12ServerCcs", "Wait12ServerFinished", "read ChangeCipherSpec")
  return { _tag: "Wait12ServerFinished", conn: setRead(state.conn, keys.server), hs: state.hs, master: state.master }
}

/** The server's Finished: the handshake is complete. @since 0.1.0 */
export const onServerFinished12 = (ctx: Ctx, state: S<"Wait12ServerFinished">, m: RawHandshake): State12 => {
  const fin = expect12(m, state.hs.suite.code, "Finished")
  const { crypto } = ctx.deps
  const ok = Tls12Schedule.verifyFinished(crypto, state.master, "server", Transcript.digest(crypto, state.hs.transcript), fin.verifyData)
  if (ok === undefined) abort(misbehaved("decrypt_error", "server Finished does not verify"))
  trace(ctx, "Wait12ServerFinished", "Connected12", "read Finished")
  let hs: Handshake12 = { ...append(ctx, state.hs, m.bytes), serverVerifyData: fin.verifyData }
  let conn = state.conn
  if (hs.resumed) {
    // the abbreviated handshake: our ChangeCipherSpec and Finished answer the server's
    conn = sendCcs12(crypto, ctx.out, conn)
    trace(ctx, "Wait12ServerFinished", "Wait12ServerFinished", "write ChangeCipherSpec")
    const keys = epochs(crypto, state.master, hs.clientRandom, hs.serverRandom, hs.suite)
    conn = setWrite(conn, keys.client)
    const verifyData = Tls12Schedule.finishedVerifyData(crypto, state.master, "client", Transcript.digest(crypto, hs.transcript))
    const mine = encodeMessage({ _tag: "Finished", verifyData })
    conn = sendHandshake(crypto, ctx.out, conn, [mine])
    hs = { ...append(ctx, hs, mine), clientVerifyData: verifyData }
    trace(ctx, "Wait12ServerFinished", "Connected12", "write Finished")
  }
  keepSession(ctx, hs, state.master)
  return connected12(ctx, conn, hs, state.master)
}

