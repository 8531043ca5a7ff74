/**
 * TLS 1.3 server, its flight and the client's answer (RFC 8446 §4.1.3, §4.3, §4.4):
 * ServerHello once the key agreement is done, then EncryptedExtensions, CertificateRequest,
 * Certificate, CertificateVerify (signed by the driver) and Finished in one flight; then the
 * client's Certificate, CertificateVerify and Finished.
 *
 * @since 0.1.0
 */
import { ExtensionType, type EncryptedExtension, type RawHandshake } from "@effect-tls/codec"
import * as Redacted from "effect/Redacted"
import { abort, type Conn } from "../../machine/conn.js"
import { incompatible, misbehaved, rejected } from "../../machine/errors.js"
import type { EventOf } from "../../machine/events.js"
import { Tls13Schedule } from "../../schedule/index.js"
import * as Transcript from "../../schedule/transcript.js"
import { checkCertificateVerify } from "../client/flight.js"
import { certificateVerifyInput, encodeMessage, installRead, installWrite, sendHandshake } from "../common.js"
import { expect13, logSecret, mustEndRecord, trace, type Ctx } from "../context.js"
import type { Handshake13, ServerPending, ServerState, SharedState } from "../state.js"
import { appSecrets, connected, negotiated } from "../traffic.js"

type S<T extends ServerState["_tag"]> = Extract<ServerState, { _tag: T }>
const encoder = new TextEncoder()

/** The key agreement is done: our flight. @since 0.1.0 */
export const onKeyAgreed = (ctx: Ctx, state: S<"WaitKeyAgreement">, e: EventOf<"KeyAgreed">): ServerState => {
  if (!e.ok) abort(misbehaved("illegal_parameter", "invalid client key share"))
  return serverFlight(ctx, state.conn, state.pending, { publicKey: e.publicKey, shared: Redacted.value(e.sharedSecret) })
}

/**
 * ServerHello, handshake keys, and our flight: with certificates, EncryptedExtensions,
 * CertificateRequest and Certificate now and the rest once the driver has signed; with a
 * PSK, EncryptedExtensions and Finished at once.
 *
 * @since 0.1.0
 */
export const serverFlight = (
  ctx: Ctx,
  conn0: Conn,
  p: ServerPending,
  kx: { readonly publicKey: Uint8Array; readonly shared: Uint8Array } | undefined
): ServerState => {
  const { crypto, config } = ctx.deps
  const psk = p.psk
  const sh = encodeMessage({
    _tag: "ServerHello",
    legacyVersion: 0x0303,
    random: p.entropy,
    legacySessionIdEcho: p.sessionId,
    cipherSuite: p.suite.code,
    legacyCompressionMethod: 0,
    extensions: [
      ...(kx === undefined ? [] : [{ _tag: "key_share" as const, serverShare: { group: p.group!, keyExchange: kx.publicKey } }]),
      ...(psk === undefined ? [] : [{ _tag: "pre_shared_key" as const, selectedIdentity: 0 }]),
      { _tag: "supported_versions" as const, selectedVersion: 0x0304 }
    ]
  })
  let conn = sendHandshake(crypto, ctx.out, conn0, [sh])
  const from = kx === undefined ? "WaitClientHello" : "WaitKeyAgreement"
  trace(ctx, from, "WaitServerSignature", "write ServerHello")
  // RFC 8446 App. D.4: the compatibility ChangeCipherSpec right after our first flight's ServerHello.
  if (config.middleboxCompat && p.sessionId.length > 0 && !p.helloRetry) {
    ctx.out.send(new Uint8Array([20, 3, 3, 0, 1, 1]))
    trace(ctx, "WaitServerSignature", "WaitServerSignature", "write ChangeCipherSpec")
  }
  const clientHelloHash = Transcript.digest(crypto, p.transcript)
  let transcript = Transcript.append(crypto, p.transcript, sh)
  const early =
    psk === undefined ? Tls13Schedule.earlySecret(crypto, p.suite.hash) : Tls13Schedule.earlySecret(crypto, Tls13Schedule.savedResumptionPsk(psk.ticket.psk, p.suite.hash))
  const hsSecret = Tls13Schedule.handshakeSecret(crypto, early, kx?.shared)
  const secrets = Tls13Schedule.handshakeTrafficSecrets(crypto, hsSecret, Transcript.digest(crypto, transcript))
  logSecret(ctx, p.clientRandom, secrets.client)
  logSecret(ctx, p.clientRandom, secrets.server)
  conn = installWrite(crypto, conn, p.suite, secrets.server)
  let earlyData: "none" | "accepted" | "rejected" = p.skipEarly > 0 ? "rejected" : "none"
  if (psk?.early === true && early.psk !== "none") {
    // RFC 8446 §4.2.10: accepted 0-RTT is read under client_early_traffic_secret until EndOfEarlyData.
    const cets = Tls13Schedule.clientEarlyTrafficSecret(crypto, early, clientHelloHash)
    logSecret(ctx, p.clientRandom, cets)
    conn = installRead(crypto, conn, p.suite, cets)
    earlyData = "accepted"
  } else {
    conn = installRead(crypto, conn, p.suite, secrets.client)
    if (p.skipEarly > 0) conn = { ...conn, skipEarlyData: p.skipEarly }
  }
  if (p.clientRecordSizeLimit !== undefined) conn = { ...conn, maxFragment: Math.min(16384, p.clientRecordSizeLimit - 1) }
  if (config.recordSizeLimit !== undefined && p.clientRecordSizeLimit !== undefined) conn = { ...conn, maxInner: config.recordSizeLimit }

  const ee: Array<EncryptedExtension> = [{ _tag: "supported_groups", namedGroupList: config.advertise?.groups ?? config.groups }]
  if (config.recordSizeLimit !== undefined && p.clientRecordSizeLimit !== undefined) ee.push({ _tag: "record_size_limit", recordSizeLimit: config.recordSizeLimit })
  if (p.serverName !== undefined) ee.push({ _tag: "server_name" })
  if (p.alpn !== undefined) ee.push({ _tag: "application_layer_protocol_negotiation", protocolNameList: [encoder.encode(p.alpn)] })
  if (earlyData === "accepted") ee.push({ _tag: "early_data" })
  const flight = [encodeMessage({ _tag: "EncryptedExtensions", extensions: ee.filter((x) => p.clientExtensions.includes(typeOf(x)) || x._tag === "supported_groups") })]
  const hs: Handshake13 = {
    suite: p.suite,
    group: p.group,
    transcript,
    handshakeSecret: hsSecret,
    clientSecret: secrets.client,
    serverSecret: secrets.server,
    clientRandom: p.clientRandom,
    serverRandom: p.entropy,
    helloRetry: p.helloRetry,
    alpn: p.alpn,
    serverName: p.serverName,
    peerCertificates: [],
    signatureScheme: psk === undefined ? p.scheme : undefined,
    resumed: psk !== undefined,
    earlyData
  }
  if (psk !== undefined) {
    // RFC 8446 §4.3.2: "Servers which are authenticating with a PSK MUST NOT send the CertificateRequest message in the main handshake".
    return finishFlight(ctx, { conn, hs: { ...hs, transcript }, flight, request: false })
  }
  const request = config.clientAuth !== "none"
  if (request) {
    flight.push(
      encodeMessage({
        _tag: "CertificateRequest13",
        certificateRequestContext: new Uint8Array(0),
        extensions: [
          { _tag: "signature_algorithms", supportedSignatureAlgorithms: config.signatureSchemes },
          ...(config.certificateAuthorities.length === 0 ? [] : [{ _tag: "certificate_authorities" as const, authorities: config.certificateAuthorities }])
        ]
      })
    )
  }
  const chain = config.certificates[p.credential]!.chain
  flight.push(encodeMessage({ _tag: "Certificate13", certificateRequestContext: new Uint8Array(0), certificateList: chain.map((certData) => ({ certData, extensions: [] })) }))
  for (const msg of flight) transcript = Transcript.append(crypto, transcript, msg)
  ctx.out.emit({ _tag: "Sign", scheme: p.scheme, data: certificateVerifyInput("server", Transcript.digest(crypto, transcript)), credential: p.credential })
  return { _tag: "WaitServerSignature", conn, hs: { ...hs, transcript }, scheme: p.scheme, request, flight }
}

const typeOf = (e: EncryptedExtension): number => (e._tag === "Unknown" ? e.type : ExtensionType.codeOf(e._tag)!)

/** Our CertificateVerify is signed: the rest of the flight and our Finished. @since 0.1.0 */
export const onServerSigned = (ctx: Ctx, state: S<"WaitServerSignature">, e: EventOf<"Signed">): ServerState => {
  const cv = encodeMessage({ _tag: "CertificateVerify", algorithm: state.scheme, signature: e.signature })
  const hs = { ...state.hs, transcript: Transcript.append(ctx.deps.crypto, state.hs.transcript, cv) }
  return finishFlight(ctx, { conn: state.conn, hs, flight: [...state.flight, cv], request: state.request })
}

/** Our Finished after the flight's other messages (already in the transcript), sent together. */
const finishFlight = (
  ctx: Ctx,
  s: { readonly conn: Conn; readonly hs: Handshake13; readonly flight: ReadonlyArray<Uint8Array>; readonly request: boolean }
): ServerState => {
  const { crypto } = ctx.deps
  let hs = s.hs
  if (hs.resumed) for (const msg of s.flight) hs = { ...hs, transcript: Transcript.append(crypto, hs.transcript, msg) }
  const verifyData = Tls13Schedule.finishedVerifyData(crypto, Tls13Schedule.finishedKey(crypto, hs.serverSecret), Transcript.digest(crypto, hs.transcript))
  const fin = encodeMessage({ _tag: "Finished", verifyData })
  hs = { ...hs, transcript: Transcript.append(crypto, hs.transcript, fin) }
  let conn = sendHandshake(crypto, ctx.out, s.conn, [...s.flight, fin])
  const master = Tls13Schedule.masterSecret(crypto, hs.handshakeSecret)
  const app = appSecrets(ctx, hs, master)
  conn = installWrite(crypto, conn, hs.suite, app.server)
  const names = hs.resumed ? ["EncryptedExtensions"] : ["EncryptedExtensions", ...(s.request ? ["CertificateRequest"] : []), "Certificate", "CertificateVerify"]
  for (const name of [...names, "Finished"]) trace(ctx, "WaitServerSignature", "WaitServerSignature", `write ${name}`)
  const next = hs.earlyData === "accepted" ? "WaitEndOfEarlyData" : s.request ? "WaitClientCertificate" : "WaitClientFinished"
  trace(ctx, "WaitServerSignature", next, "flight sent")
  // RFC 8446 §2: the server is done for its part (and could send data); the client may still refuse
  ctx.out.emit({ _tag: "ServerFinished", params: negotiated(hs, app) })
  return { _tag: next, conn, hs, master, app }
}

/** 0-RTT data, then EndOfEarlyData: the client's handshake keys from here on (RFC 8446 §4.5). @since 0.1.0 */
export const onEndOfEarlyData = (ctx: Ctx, state: S<"WaitEndOfEarlyData">, m: RawHandshake): ServerState => {
  mustEndRecord(m)
  expect13(m, "EndOfEarlyData")
  const { crypto } = ctx.deps
  const hs = { ...state.hs, transcript: Transcript.append(crypto, state.hs.transcript, m.bytes) }
  const conn = installRead(crypto, state.conn, hs.suite, hs.clientSecret)
  trace(ctx, "WaitEndOfEarlyData", "WaitClientFinished", "read EndOfEarlyData")
  return { _tag: "WaitClientFinished", conn, hs, master: state.master, app: state.app }
}

/** The client's Certificate (possibly empty). @since 0.1.0 */
export const onClientCertificate = (ctx: Ctx, state: S<"WaitClientCertificate">, m: RawHandshake): ServerState => {
  const cert = expect13(m, "Certificate13")
  if (cert.certificateRequestContext.length !== 0) abort(misbehaved("illegal_parameter", "client Certificate context differs from the request's"))
  const hs = { ...state.hs, transcript: Transcript.append(ctx.deps.crypto, state.hs.transcript, m.bytes) }
  if (cert.certificateList.length === 0) {
    // RFC 8446 §4.4.2.4: a server that requires one "MAY abort the handshake with a \"certificate_required\" alert".
    if (ctx.deps.config.clientAuth === "required") abort(incompatible("certificate_required", "the client sent no certificate"))
    trace(ctx, "WaitClientCertificate", "WaitClientFinished", "read Certificate (empty)")
    return { _tag: "WaitClientFinished", conn: state.conn, hs, master: state.master, app: state.app }
  }
  const chain = cert.certificateList.map((e) => e.certData)
  ctx.out.emit({ _tag: "VerifyChain", chain, peer: "client", now: ctx.now })
  trace(ctx, "WaitClientCertificate", "WaitClientChainVerdict", "read Certificate")
  return { _tag: "WaitClientChainVerdict", conn: state.conn, hs: { ...hs, peerCertificates: chain }, master: state.master, app: state.app }
}

/** @since 0.1.0 */
export const onClientChainVerdict = (ctx: Ctx, state: S<"WaitClientChainVerdict">, v: EventOf<"ChainVerdict">): ServerState => {
  if (!v.accepted) abort(rejected((v.alert as never) ?? "bad_certificate", v.detail ?? "client certificate rejected", v.depth, v.subject))
  trace(ctx, "WaitClientChainVerdict", "WaitClientCertificateVerify", "client chain accepted")
  return { ...state, _tag: "WaitClientCertificateVerify" }
}

/** @since 0.1.0 */
export const onClientCertificateVerify = (ctx: Ctx, state: S<"WaitClientCertificateVerify">, m: RawHandshake): ServerState => {
  const hs = checkCertificateVerify(ctx, state.hs, m, "client")
  trace(ctx, "WaitClientCertificateVerify", "WaitClientFinished", "read CertificateVerify")
  return { ...state, _tag: "WaitClientFinished", hs }
}

/** The client's Finished: the handshake is complete on our side too. @since 0.1.0 */
export const onClientFinished = (ctx: Ctx, state: S<"WaitClientFinished">, m: RawHandshake): SharedState => {
  mustEndRecord(m)
  const { crypto } = ctx.deps
  const fin = expect13(m, "Finished")
  const hs = state.hs
  const ok = Tls13Schedule.verifyFinished(crypto, Tls13Schedule.finishedKey(crypto, hs.clientSecret), Transcript.digest(crypto, hs.transcript), fin.verifyData)
  if (ok === undefined) abort(misbehaved("decrypt_error", "client Finished does not verify"))
  const transcript = Transcript.append(crypto, hs.transcript, m.bytes)
  const conn = installRead(crypto, state.conn, hs.suite, state.app.client)
  trace(ctx, "WaitClientFinished", "Connected", "read Finished")
  return connected(ctx, conn, { ...hs, transcript }, state.master, state.app)
}

