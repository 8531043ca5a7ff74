/**
 * TLS 1.2 server (RFC 5246 §7.3): a ClientHello that does not offer TLS 1.3 (or a server
 * without it), the suite, curve or FFDHE group, certificate and signature scheme chosen by
 * our preference; ServerHello, Certificate, ServerKeyExchange (signed by the driver),
 * CertificateRequest, ServerHelloDone; then the client's Certificate, ClientKeyExchange
 * (RSA premaster decrypted with implicit rejection), CertificateVerify, ChangeCipherSpec and
 * Finished; our NewSessionTicket, ChangeCipherSpec and Finished.
 *
 * @since 0.1.0
 */
import { decodeHandshake, DOWNGRADE_TLS12, Ext, NamedGroup, SignatureScheme, suiteName, type ClientHello, type RawHandshake } from "@effect-tls/codec"
import * as Result from "effect/Result"
import { groupName, schemeName } from "../crypto/names.js"
import { keyShareSeedLength } from "../crypto/provider.js"
import { abort, setRead, setWrite, type Conn } from "../machine/conn.js"
import { incompatible, localFailure, misbehaved, rejected } from "../machine/errors.js"
import type { EventOf } from "../machine/events.js"
import { Tls12Schedule } from "../schedule/index.js"
import type { Tls12MasterSecret } from "../schedule/tls12.js"
import * as Transcript from "../schedule/transcript.js"
import { certificatePublicKey } from "../x509/certificate.js"
import { ffdheGroups } from "../crypto/ffdhe.js"
import { redact, reveal, type Secret } from "../schedule/secret.js"
import { openTicket, sealTicket } from "../tls13/session.js"
import { encodeMessage, holdShare, names, providerShare, sendHandshake, type HeldShare } from "../tls13/common.js"
import { trace, type Ctx } from "../tls13/context.js"
import type { ServerState } from "../tls13/state.js"
import { expect12 } from "./client.js"
import { timingSafeEqual } from "../crypto/constant-time.js"
import { authOf, sendCcs12, ecdheGroups, epochs, keyFitsScheme12, renegotiationInfo, signedParams, stripLeadingZeros, suite12, type Suite12 } from "./common.js"
import type { Handshake12, State12 } from "./state.js"
import { connected12 } from "./traffic.js"

type S<T extends State12["_tag"]> = Extract<State12, { _tag: T }>

/** Entropy a TLS 1.2 ClientHello's answer may need: randoms, a key-share seed, an RSA fallback premaster. @since 0.1.0 */
export const helloEntropy12 = 32 + 32 + 48 + 48

const append = (ctx: Ctx, hs: Handshake12, bytes: Uint8Array): Handshake12 => ({ ...hs, transcript: Transcript.append(ctx.deps.crypto, hs.transcript, bytes) })
const ffdhe = [0x100, 0x101, 0x102]

/**
 * A ClientHello answered with TLS 1.2.
 *
 * @since 0.1.0
 */
export const onClientHello12 = (ctx: Ctx, state: Extract<ServerState, { _tag: "WaitClientHello" }>, ch: ClientHello, m: RawHandshake): State12 => {
  const { crypto, config } = ctx.deps
  const exts = ch.extensions ?? []
  if (ch.legacyVersion < 0x0303 || !config.versions.includes(0x0303)) {
    abort(incompatible("protocol_version", `client offers 0x${ch.legacyVersion.toString(16)}, we accept ${config.versions.map((v) => v.toString(16)).join(", ")}`))
  }
  if (!ch.legacyCompressionMethods.includes(0)) abort(misbehaved("illegal_parameter", "no null compression offered"))
  // RFC 7507: a client that fell back below our highest version is refused.
  if (ch.cipherSuites.includes(0x5600) && config.versions.includes(0x0304)) {
    abort(incompatible("inappropriate_fallback", "TLS_FALLBACK_SCSV while TLS 1.3 is available"))
  }
  // RFC 5746 §3.6 / our policy: secure renegotiation indication is required; §3.7: a
  // renegotiation carries the previous client Finished in renegotiation_info, never the SCSV.
  const ri = Ext.find(exts, "renegotiation_info")
  if (state.conn.renegotiation === undefined) {
    if (ri === undefined && !ch.cipherSuites.includes(0x00ff)) abort(incompatible("handshake_failure", "the client does not offer secure renegotiation (RFC 5746)"))
    if (ri !== undefined && ri.renegotiatedConnection.length !== 0) abort(incompatible("handshake_failure", "renegotiation_info not empty in an initial handshake"))
  } else {
    if (ch.cipherSuites.includes(0x00ff)) abort(incompatible("handshake_failure", "TLS_EMPTY_RENEGOTIATION_INFO_SCSV in a renegotiation"))
    if (ri === undefined) abort(incompatible("handshake_failure", "a renegotiation without renegotiation_info"))
    if (!timingSafeEqual(ri!.renegotiatedConnection, renegotiationInfo(state.conn, "client"))) abort(incompatible("handshake_failure", "renegotiation_info does not carry the previous client Finished"))
  }
  if (Ext.find(exts, "extended_master_secret") === undefined) abort(incompatible("handshake_failure", "the client does not offer the extended master secret (RFC 7627)"))
  // Resumption (RFC 5077 tickets, RFC 5246 session IDs): a ticket we can open, or a session ID to look up.
  const ticketExt = Ext.find(exts, "session_ticket")
  if (ticketExt !== undefined && ticketExt.ticket.length > 0 && config.ticketKeys.length > 0) {
    const t = openTicket(crypto, config.ticketKeys, ticketExt.ticket)
    if (t !== undefined && ctx.now - t.issuedAt <= t.lifetime * 1000) {
      const resumed = resume12(ctx, state.conn, ch, m.bytes, { cipherSuite: t.cipherSuite, masterSecret: redact(t.psk, "master_secret"), alpn: t.alpn, serverName: t.serverName })
      if (resumed !== undefined) return resumed
    }
  }
  if (ch.legacySessionId.length > 0) {
    ctx.out.emit({ _tag: "LookupSession", id: ch.legacySessionId })
    trace(ctx, "WaitClientHello", "Wait12SessionLookup", "read ClientHello")
    return { _tag: "Wait12SessionLookup", conn: state.conn, clientHello: m.bytes }
  }
  return full12(ctx, state.conn, ch, m.bytes)
}

/** The session cache's answer: resume what it kept, or a full handshake. @since 0.1.0 */
export const onSessionLookup = (ctx: Ctx, state: S<"Wait12SessionLookup">, e: EventOf<"SessionLookup">): State12 => {
  const decoded = decodeHandshake(state.clientHello, { version: 0x0303 })
  if (Result.isFailure(decoded) || decoded.success._tag !== "ClientHello") return abort(localFailure("the saved ClientHello does not decode"))
  const ch = decoded.success
  const cached = e.session as CachedSession12 | undefined
  if (cached !== undefined) {
    const resumed = resume12(ctx, state.conn, ch, state.clientHello, cached)
    if (resumed !== undefined) return resumed
  }
  return full12(ctx, state.conn, ch, state.clientHello)
}

/** What a TLS 1.2 server keeps to resume a session. @since 0.1.0 @category models */
export interface CachedSession12 {
  readonly cipherSuite: number
  readonly masterSecret: Secret
  readonly alpn?: string | undefined
  readonly serverName?: string | undefined
}

/**
 * The abbreviated handshake (RFC 5246 §7.3): ServerHello with the session's suite, then our
 * ChangeCipherSpec and Finished first. `undefined` when the session cannot serve this hello.
 */
const resume12 = (ctx: Ctx, conn0: Conn, ch: ClientHello, chBytes: Uint8Array, cached: CachedSession12): State12 | undefined => {
  const { crypto, config } = ctx.deps
  const suite = suite12(cached.cipherSuite)
  if (suite === undefined || !ch.cipherSuites.includes(suite.code) || !config.cipherSuites.includes(suite.code)) return undefined
  const random = ctx.entropy.slice(0, 32)
  if (config.versions.includes(0x0304)) random.set(DOWNGRADE_TLS12, 24)
  const offeredAlpn = Ext.find(ch.extensions, "application_layer_protocol_negotiation")
  const alpn = cached.alpn !== undefined && offeredAlpn !== undefined && Ext.protocols(offeredAlpn).includes(cached.alpn) ? cached.alpn : undefined
  const sh = encodeMessage({
    _tag: "ServerHello",
    legacyVersion: 0x0303,
    random,
    legacySessionIdEcho: ch.legacySessionId,
    cipherSuite: suite.code,
    legacyCompressionMethod: 0,
    extensions: [
      { _tag: "renegotiation_info", renegotiatedConnection: renegotiationInfo(conn0, "server") },
      { _tag: "extended_master_secret" },
      ...(alpn === undefined ? [] : [{ _tag: "application_layer_protocol_negotiation" as const, protocolNameList: [new TextEncoder().encode(alpn)] }])
    ]
  })
  let hs: Handshake12 = {
    suite,
    transcript: Transcript.selectHash(crypto, Transcript.empty, suite.hash),
    clientRandom: ch.random,
    serverRandom: random,
    sessionId: ch.legacySessionId,
    alpn,
    serverName: cached.serverName,
    peerCertificates: [],
    clientVersion: ch.legacyVersion,
    ticketExpected: false,
    resumed: true
  }
  hs = append(ctx, append(ctx, hs, chBytes), sh)
  const master = Tls12Schedule.resumedMasterSecret(suite.hash, cached.masterSecret, true)
  let conn = sendHandshake(crypto, ctx.out, conn0, [sh])
  trace(ctx, "WaitClientHello", "Wait12ClientCcs", "read ClientHello (resumption)")
  trace(ctx, "Wait12ClientCcs", "Wait12ClientCcs", "write ServerHello")
  conn = sendCcs12(crypto, ctx.out, conn)
  trace(ctx, "Wait12ClientCcs", "Wait12ClientCcs", "write ChangeCipherSpec")
  const keys = epochs(crypto, master, hs.clientRandom, hs.serverRandom, suite)
  conn = setWrite(conn, keys.server)
  const verifyData = Tls12Schedule.finishedVerifyData(crypto, master, "server", Transcript.digest(crypto, hs.transcript))
  const fin = encodeMessage({ _tag: "Finished", verifyData })
  conn = sendHandshake(crypto, ctx.out, conn, [fin])
  trace(ctx, "Wait12ClientCcs", "Wait12ClientCcs", "write Finished")
  return { _tag: "Wait12ClientCcs", conn, hs: { ...append(ctx, hs, fin), serverVerifyData: verifyData }, master }
}

/** A full TLS 1.2 handshake for a ClientHello (no session to resume). */
const full12 = (ctx: Ctx, conn0: Conn, ch: ClientHello, chBytes: Uint8Array): State12 => {
  const { crypto, config } = ctx.deps
  const exts = ch.extensions ?? []
  const sigs = Ext.find(exts, "signature_algorithms")?.supportedSignatureAlgorithms ?? []
  const clientGroups = Ext.find(exts, "supported_groups")?.namedGroupList
  const kxAllowed = config.tls12KeyExchanges
  // Our preference (or the client's) among suites we can serve with a certificate, a scheme and a group.
  const order = config.preferClientOrder ? ch.cipherSuites.filter((c) => config.cipherSuites.includes(c)) : config.cipherSuites.filter((c) => ch.cipherSuites.includes(c))
  let pick: { suite: Suite12; credential: number; scheme?: number | undefined; group?: number | undefined } | undefined
  // a group both list, by our order or (preferClientOrder) the client's
  const shared = (kind: ReadonlyArray<number>, theirs: ReadonlyArray<number> | undefined): number | undefined =>
    config.preferClientOrder && theirs !== undefined
      ? theirs.find((g) => kind.includes(g) && config.groups.includes(g))
      : config.groups.find((g) => kind.includes(g) && (theirs === undefined || theirs.includes(g)))
  /** Why each suite both offer could not serve, for the failure's detail. */
  const unserved: Array<string> = []
  for (const code of order) {
    const suite = suite12(code)
    if (suite === undefined || !kxAllowed.includes(suite.kx)) continue
    let group: number | undefined
    if (suite.kx === "ECDHE") {
      group = shared(ecdheGroups, clientGroups)
      if (group === undefined) {
        unserved.push(`${suiteName(code)}: no curve in common (ours ${names(config.groups, NamedGroup.nameOf)}, theirs ${names(clientGroups ?? [], NamedGroup.nameOf)})`)
        continue
      }
    } else if (suite.kx === "DHE") {
      // RFC 7919 §4: a group the client lists, or (it lists none) our first FFDHE group.
      const offered = clientGroups?.filter((g) => ffdhe.includes(g)) ?? []
      group = offered.length === 0 ? (config.groups.find((g) => ffdhe.includes(g)) ?? 0x100) : shared(ffdhe, offered)
      if (group === undefined) {
        unserved.push(`${suiteName(code)}: no FFDHE group in common (ours ${names(config.groups, NamedGroup.nameOf)}, theirs ${names(offered, NamedGroup.nameOf)})`)
        continue
      }
    }
    for (let i = 0; i < config.certificates.length && pick === undefined; i++) {
      const key = config.certificates[i]!.key
      if (authOf(key) !== suite.auth) continue
      // RFC 8422 §5.1: in TLS 1.2 the client's curves bound the ECDSA certificate's curve too
      if (key.type === "ec" && clientGroups !== undefined && !clientGroups.includes(key.curve === "secp384r1" ? 0x0018 : 0x0017)) continue
      if (suite.kx === "RSA") {
        if (key.type === "rsa") pick = { suite, credential: i, group }
        continue
      }
      // RFC 5246 §7.4.1.4.1: never a scheme the client did not offer.
      const scheme = config.signatureSchemes.find((s) => sigs.includes(s) && keyFitsScheme12(key, s) && schemeName(s) !== undefined)
      if (scheme !== undefined) pick = { suite, credential: i, scheme, group }
    }
    if (pick !== undefined) break
    unserved.push(`${suiteName(code)}: no ${suite.auth} certificate of ours that the client's curves and schemes ${names(sigs, SignatureScheme.nameOf)} allow`)
  }
  if (pick === undefined) {
    const ours = config.cipherSuites.filter((c) => suite12(c) !== undefined && kxAllowed.includes(suite12(c)!.kx))
    return abort(
      incompatible(
        "handshake_failure",
        unserved.length > 0
          ? `no TLS 1.2 cipher suite we both offer can be served: ${unserved.join("; ")}`
          : `no TLS 1.2 cipher suite in common: ours ${names(ours, suiteName)}, theirs ${names(ch.cipherSuites, suiteName)}`
      )
    )
  }
  let alpn: string | undefined
  const alpnExt = Ext.find(exts, "application_layer_protocol_negotiation")
  if (alpnExt !== undefined && config.alpn.length > 0) {
    const theirs = Ext.protocols(alpnExt)
    alpn = config.preferClientOrder ? theirs.find((p) => config.alpn.includes(p)) : config.alpn.find((p) => theirs.includes(p))
    if (alpn === undefined) abort(incompatible("no_application_protocol", `no ALPN protocol in common: [${theirs.join(", ")}]`))
  }
  const sni = Ext.find(exts, "server_name")
  const e = ctx.entropy
  // RFC 8446 §4.1.3: a TLS 1.3-capable server negotiating TLS 1.2 ends its random with the sentinel.
  const random = e.slice(0, 32)
  if (config.versions.includes(0x0304)) random.set(DOWNGRADE_TLS12, 24)
  const ticketExpected = Ext.find(exts, "session_ticket") !== undefined && config.tickets > 0 && config.ticketKeys.length > 0
  // RFC 5077 §3.4: a server issuing a ticket may leave the ID empty; the ticket alone resumes (as OpenSSL does)
  const sessionId = ticketExpected ? new Uint8Array(0) : e.slice(32, 64)
  const sh = encodeMessage({
    _tag: "ServerHello",
    legacyVersion: 0x0303,
    random,
    legacySessionIdEcho: sessionId,
    cipherSuite: pick.suite.code,
    legacyCompressionMethod: 0,
    // in OpenSSL's order, so that a captured OpenSSL ServerHello can be reproduced byte for byte
    extensions: [
      { _tag: "renegotiation_info", renegotiatedConnection: renegotiationInfo(conn0, "server") },
      ...(pick.suite.kx === "ECDHE" && Ext.find(exts, "ec_point_formats") !== undefined ? [{ _tag: "ec_point_formats" as const, ecPointFormatList: [0] }] : []),
      ...(ticketExpected ? [{ _tag: "session_ticket" as const, ticket: new Uint8Array(0) }] : []),
      ...(alpn === undefined ? [] : [{ _tag: "application_layer_protocol_negotiation" as const, protocolNameList: [new TextEncoder().encode(alpn)] }]),
      { _tag: "extended_master_secret" }
    ]
  })
  const certificate = encodeMessage({ _tag: "Certificate12", certificateList: config.certificates[pick.credential]!.chain })
  let hs: Handshake12 = {
    suite: pick.suite,
    transcript: Transcript.selectHash(crypto, Transcript.empty, pick.suite.hash),
    clientRandom: ch.random,
    serverRandom: random,
    sessionId,
    alpn,
    serverName: sni === undefined ? undefined : Ext.hostName(sni),
    group: pick.group,
    peerCertificates: [],
    signatureScheme: pick.scheme,
    clientVersion: ch.legacyVersion,
    ticketExpected,
    resumed: false
  }
  for (const msg of [chBytes, sh, certificate]) hs = append(ctx, hs, msg)
  const request = config.clientAuth !== "none"
  const tail: Array<Uint8Array> = []
  if (request) {
    tail.push(
      encodeMessage({
        _tag: "CertificateRequest12",
        certificateTypes: [1, 64], // rsa_sign, ecdsa_sign
        supportedSignatureAlgorithms: config.signatureSchemes,
        certificateAuthorities: config.certificateAuthorities
      })
    )
  }
  tail.push(encodeMessage({ _tag: "ServerHelloDone" }))
  trace(ctx, "WaitClientHello", "Wait12ServerSignature", "read ClientHello")
  if (pick.suite.kx === "RSA") {
    const conn = sendHandshake(crypto, ctx.out, conn0, [sh, certificate, ...tail])
    for (const msg of tail) hs = append(ctx, hs, msg)
    traceFlight(ctx, false, request)
    return { _tag: request ? "Wait12ClientCertificate" : "Wait12ClientKeyExchange", conn, hs }
  }
  // (EC)DHE: our key share from the event's entropy, the signed parameters.
  const name = groupName(pick.group!)!
  const share = holdShare(pick.group!, crypto.generateKeyShare(name, e.subarray(64, 64 + keyShareSeedLength[name])))
  const params =
    pick.suite.kx === "ECDHE"
      ? ({ kind: "ECDHE", value: { curveType: 3 as const, namedCurve: pick.group!, publicKey: share.publicKey } } as const)
      : ({ kind: "DHE", value: { p: ffdheP(name), g: new Uint8Array([2]), ys: share.publicKey } } as const)
  ctx.out.emit({ _tag: "Sign", scheme: pick.scheme!, data: signedParams(ch.random, random, params), credential: pick.credential })
  return { _tag: "Wait12ServerSignature", conn: conn0, hs, share, params, flight: [sh, certificate], tail, request }
}

/** The RFC 7919 prime of a group, from the provider's table. */
const ffdheP = (name: string): Uint8Array => (ffdheGroups as Record<string, { readonly p: Uint8Array }>)[name]!.p

const traceFlight = (ctx: Ctx, ske: boolean, request: boolean): void => {
  for (const name of ["ServerHello", "Certificate", ...(ske ? ["ServerKeyExchange"] : []), ...(request ? ["CertificateRequest"] : []), "ServerHelloDone"]) {
    trace(ctx, "Wait12ServerSignature", "Wait12ServerSignature", `write ${name}`)
  }
}

/** The ServerKeyExchange is signed: the whole flight goes out. @since 0.1.0 */
export const onServerSigned12 = (ctx: Ctx, state: S<"Wait12ServerSignature">, e: EventOf<"Signed">): State12 => {
  const params = state.params
  const ske = encodeMessage(
    params.kind === "ECDHE"
      ? { _tag: "ServerKeyExchangeEcdhe", params: params.value, signed: { algorithm: state.hs.signatureScheme!, signature: e.signature } }
      : { _tag: "ServerKeyExchangeDhe", params: params.value, signed: { algorithm: state.hs.signatureScheme!, signature: e.signature } }
  )
  let hs = append(ctx, state.hs, ske)
  for (const msg of state.tail) hs = append(ctx, hs, msg)
  const conn = sendHandshake(ctx.deps.crypto, ctx.out, state.conn, [...state.flight, ske, ...state.tail])
  traceFlight(ctx, true, state.request)
  const next = state.request ? "Wait12ClientCertificate" : "Wait12ClientKeyExchange"
  return { _tag: next, conn, hs, share: state.share }
}

/** The client's Certificate (possibly empty). @since 0.1.0 */
export const onClientCertificate12 = (ctx: Ctx, state: S<"Wait12ClientCertificate">, m: RawHandshake): State12 => {
  const cert = expect12(m, state.hs.suite.code, "Certificate12")
  const hs = append(ctx, state.hs, m.bytes)
  if (cert.certificateList.length === 0) {
    // RFC 5246 §7.4.6: a server that requires one "MAY respond with a fatal handshake_failure alert".
    if (ctx.deps.config.clientAuth === "required") abort(incompatible("handshake_failure", "the client sent no certificate"))
    trace(ctx, "Wait12ClientCertificate", "Wait12ClientKeyExchange", "read Certificate (empty)")
    return { _tag: "Wait12ClientKeyExchange", conn: state.conn, hs, share: state.share }
  }
  ctx.out.emit({ _tag: "VerifyChain", chain: cert.certificateList, peer: "client", now: ctx.now })
  trace(ctx, "Wait12ClientCertificate", "Wait12ClientChainVerdict", "read Certificate")
  return { _tag: "Wait12ClientChainVerdict", conn: state.conn, hs: { ...hs, peerCertificates: cert.certificateList }, share: state.share }
}

/** @since 0.1.0 */
export const onClientChainVerdict12 = (ctx: Ctx, state: S<"Wait12ClientChainVerdict">, v: EventOf<"ChainVerdict">): State12 => {
  if (!v.accepted) abort(rejected((v.alert as never) ?? "bad_certificate", v.detail ?? "client certificate rejected", v.depth, v.subject))
  trace(ctx, "Wait12ClientChainVerdict", "Wait12ClientKeyExchange", "client chain accepted")
  return { _tag: "Wait12ClientKeyExchange", conn: state.conn, hs: state.hs, share: state.share }
}

/**
 * ClientKeyExchange: the premaster (RSA decrypted with implicit rejection: a bad padding
 * or version yields a random premaster and the client's Finished then fails to decrypt,
 * RFC 5246 §7.4.7.1), the extended master secret.
 *
 * @since 0.1.0
 */
export const onClientKeyExchange = (ctx: Ctx, state: S<"Wait12ClientKeyExchange">, m: RawHandshake): State12 => {
  const { crypto, config } = ctx.deps
  const hs0 = state.hs
  const cke = expect12(m, hs0.suite.code, hs0.suite.kx === "RSA" ? "ClientKeyExchangeRsa" : hs0.suite.kx === "DHE" ? "ClientKeyExchangeDhe" : "ClientKeyExchangeEcdhe")
  let premaster: Uint8Array
  if (cke._tag === "ClientKeyExchangeRsa") {
    const credential = config.certificates.findIndex((c) => c.chain[0] !== undefined && c.key.type === "rsa")
    premaster = crypto.rsaDecryptPremaster(config.certificates[credential]!.key, cke.encryptedPreMasterSecret, hs0.clientVersion, ctx.entropy.slice(0, 48))
    // (the ticket nonce, drawn later in the same event, comes from entropy[48..60])
  } else {
    const peer = cke._tag === "ClientKeyExchangeEcdhe" ? cke.ecdhYc : cke.dhYc
    const shared = crypto.agree(providerShare(state.share as HeldShare), peer)
    if (shared === undefined) return abort(misbehaved("illegal_parameter", "invalid client key-exchange value"))
    premaster = cke._tag === "ClientKeyExchangeDhe" ? stripLeadingZeros(shared) : shared
  }
  const hs = append(ctx, hs0, m.bytes)
  const master = Tls12Schedule.extendedMasterSecret(crypto, hs.suite.hash, premaster, Transcript.digest(crypto, hs.transcript))
  ctx.out.emit({ _tag: "KeyLog", label: "CLIENT_RANDOM", clientRandom: hs.clientRandom, secret: master.secret })
  const next = hs.peerCertificates.length > 0 ? "Wait12ClientCertificateVerify" : "Wait12ClientCcs"
  trace(ctx, "Wait12ClientKeyExchange", next, "read ClientKeyExchange")
  return { _tag: next, conn: state.conn, hs, master }
}

/** The client's CertificateVerify over every message so far (RFC 5246 §7.4.8). @since 0.1.0 */
export const onClientCertificateVerify12 = (ctx: Ctx, state: S<"Wait12ClientCertificateVerify">, m: RawHandshake): State12 => {
  const { crypto, config } = ctx.deps
  const cv = expect12(m, state.hs.suite.code, "CertificateVerify")
  if (!config.signatureSchemes.includes(cv.algorithm) || schemeName(cv.algorithm) === undefined) {
    abort(misbehaved("illegal_parameter", `CertificateVerify with scheme 0x${cv.algorithm.toString(16)} we did not offer`))
  }
  const key = certificatePublicKey(state.hs.peerCertificates[0]!)
  if (Result.isFailure(key)) return abort(rejected("bad_certificate", key.failure.detail, 0))
  if (!keyFitsScheme12(key.success, cv.algorithm)) abort(misbehaved("illegal_parameter", "CertificateVerify scheme does not fit the certificate"))
  if (!crypto.verify(schemeName(cv.algorithm)!, key.success, Transcript.bytes(state.hs.transcript), cv.signature)) {
    abort(misbehaved("decrypt_error", "client CertificateVerify signature does not verify"))
  }
  trace(ctx, "Wait12ClientCertificateVerify", "Wait12ClientCcs", "read CertificateVerify")
  return { _tag: "Wait12ClientCcs", conn: state.conn, hs: { ...append(ctx, state.hs, m.bytes), peerSignatureScheme: cv.algorithm }, master: state.master }
}

/** The client's ChangeCipherSpec. @since 0.1.0 */
export const onClientCcs = (ctx: Ctx, state: S<"Wait12ClientCcs">): State12 => {
  const keys = epochs(ctx.deps.crypto, state.master, state.hs.clientRandom, state.hs.serverRandom, state.hs.suite)
  trace(ctx, "Wait12ClientCcs", "Wait12ClientFinished", "read ChangeCipherSpec")
  return { _tag: "Wait12ClientFinished", conn: setRead(state.conn, keys.client), hs: state.hs, master: state.master }
}

/** The client's Finished; our NewSessionTicket, ChangeCipherSpec and Finished. @since 0.1.0 */
export const onClientFinished12 = (ctx: Ctx, state: S<"Wait12ClientFinished">, m: RawHandshake): State12 => {
  const { crypto } = ctx.deps
  const fin = expect12(m, state.hs.suite.code, "Finished")
  const ok = Tls12Schedule.verifyFinished(crypto, state.master, "client", Transcript.digest(crypto, state.hs.transcript), fin.verifyData)
  if (ok === undefined) abort(misbehaved("decrypt_error", "client Finished does not verify"))
  trace(ctx, "Wait12ClientFinished", "Connected12", "read Finished")
  let hs: Handshake12 = { ...append(ctx, state.hs, m.bytes), clientVerifyData: fin.verifyData }
  // an abbreviated handshake ends here: our Finished went first
  if (hs.resumed) return connected12(ctx, state.conn, hs, state.master)
  // RFC 5246 §7.4.1.2: keep the session under its ID for a later abbreviated handshake
  const session: CachedSession12 = { cipherSuite: hs.suite.code, masterSecret: state.master.secret, alpn: hs.alpn, serverName: hs.serverName }
  if (hs.sessionId.length > 0) ctx.out.emit({ _tag: "CacheSession", id: hs.sessionId, session, expiresAt: ctx.now + Math.min(ctx.deps.config.ticketLifetime, 604800) * 1000 })
  let conn = state.conn
  if (hs.ticketExpected) {
    const nst = issueTicket12(ctx, hs, state.master)
    conn = sendHandshake(crypto, ctx.out, conn, [nst])
    hs = append(ctx, hs, nst)
    trace(ctx, "Wait12ClientFinished", "Wait12ClientFinished", "write NewSessionTicket")
  }
  return serverFinish(ctx, conn, hs, state.master)
}

const serverFinish = (ctx: Ctx, conn0: Conn, hs: Handshake12, master: Tls12MasterSecret): State12 => {
  const { crypto } = ctx.deps
  const afterCcs = sendCcs12(crypto, ctx.out, conn0)
  trace(ctx, "Wait12ClientFinished", "Wait12ClientFinished", "write ChangeCipherSpec")
  const keys = epochs(crypto, master, hs.clientRandom, hs.serverRandom, hs.suite)
  let conn = setWrite(afterCcs, keys.server)
  const verifyData = Tls12Schedule.finishedVerifyData(crypto, master, "server", Transcript.digest(crypto, hs.transcript))
  const fin = encodeMessage({ _tag: "Finished", verifyData })
  conn = sendHandshake(crypto, ctx.out, conn, [fin])
  trace(ctx, "Wait12ClientFinished", "Connected12", "write Finished")
  return connected12(ctx, conn, { ...append(ctx, hs, fin), serverVerifyData: verifyData }, master)
}

/** A stateless RFC 5077 ticket: the session sealed under our ticket key. */
const issueTicket12 = (ctx: Ctx, hs: Handshake12, master: Tls12MasterSecret): Uint8Array => {
  const { crypto, config } = ctx.deps
  const lifetime = Math.min(config.ticketLifetime, 604800)
  const ticket = sealTicket(crypto, config.ticketKeys[0]!, ctx.entropy.slice(48, 60), {
    cipherSuite: hs.suite.code,
    psk: reveal(master.secret),
    ageAdd: 0,
    issuedAt: ctx.now,
    lifetime,
    maxEarlyData: 0,
    alpn: hs.alpn,
    serverName: hs.serverName
  })
  return encodeMessage({ _tag: "NewSessionTicket12", ticketLifetimeHint: lifetime, ticket })
}

