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
import { abort } from "../../machine/conn.js"
import { incompatible, misbehaved, rejected } from "../../machine/errors.js"
import type { EventOf } from "../../machine/events.js"
import { Tls13Schedule } from "../../schedule/index.js"
import * as Transcript from "../../schedule/transcript.js"
import { checkCertificateVerify } from "../client/flight.js"
import { certificateVerifyInput, encodeMessage, installRead, installWrite, sendHandshake } from "../common.js"
import { expect13, logSecret, mustEndRecord, trace, type Ctx } from "../context.js"
import type { Handshake13, ServerState, SharedState } from "../state.js"
import { appSecrets, connected } from "../traffic.js"

type S<T extends ServerState["_tag"]> = Extract<ServerState, { _tag: T }>
const T = ExtensionType.values
const encoder = new TextEncoder()

/** The key agreement is done: ServerHello, handshake keys, and the flight up to Certificate. @since 0.1.0 */
export const onKeyAgreed = (ctx: Ctx, state: S<"WaitKeyAgreement">, e: EventOf<"KeyAgreed">): ServerState => {
  const { crypto, config } = ctx.deps
  const p = state.pending
  if (!e.ok) abort(misbehaved("illegal_parameter", "invalid client key share"))
  const sh = encodeMessage({
    _tag: "ServerHello",
    legacyVersion: 0x0303,
    random: p.entropy,
    legacySessionIdEcho: p.sessionId,
    cipherSuite: p.suite.code,
    legacyCompressionMethod: 0,
    extensions: [
      { _tag: "key_share", serverShare: { group: p.group, keyExchange: e.publicKey } },
      { _tag: "supported_versions", selectedVersion: 0x0304 }
    ]
  })
  let conn = sendHandshake(crypto, ctx.out, state.conn, [sh])
  // RFC 8446 App. D.4: the compatibility ChangeCipherSpec right after our first flight's ServerHello.
  if (config.middleboxCompat && p.sessionId.length > 0 && !p.helloRetry) ctx.out.send(new Uint8Array([20, 3, 3, 0, 1, 1]))
  let transcript = Transcript.append(crypto, p.transcript, sh)
  const hsSecret = Tls13Schedule.handshakeSecret(crypto, Tls13Schedule.earlySecret(crypto, p.suite.hash), Redacted.value(e.sharedSecret))
  const secrets = Tls13Schedule.handshakeTrafficSecrets(crypto, hsSecret, Transcript.digest(crypto, transcript))
  logSecret(ctx, p.clientRandom, secrets.client)
  logSecret(ctx, p.clientRandom, secrets.server)
  conn = installWrite(crypto, conn, p.suite, secrets.server)
  conn = installRead(crypto, conn, p.suite, secrets.client)
  if (p.clientRecordSizeLimit !== undefined) conn = { ...conn, maxFragment: Math.min(16384, p.clientRecordSizeLimit - 1) }
  if (config.recordSizeLimit !== undefined && p.clientRecordSizeLimit !== undefined) conn = { ...conn, maxInner: config.recordSizeLimit }

  const ee: Array<EncryptedExtension> = [{ _tag: "supported_groups", namedGroupList: config.advertise?.groups ?? config.groups }]
  if (config.recordSizeLimit !== undefined && p.clientRecordSizeLimit !== undefined) ee.push({ _tag: "record_size_limit", recordSizeLimit: config.recordSizeLimit })
  if (p.serverName !== undefined) ee.push({ _tag: "server_name" })
  if (p.alpn !== undefined) ee.push({ _tag: "application_layer_protocol_negotiation", protocolNameList: [encoder.encode(p.alpn)] })
  const flight = [encodeMessage({ _tag: "EncryptedExtensions", extensions: ee.filter((x) => p.clientExtensions.includes(typeOf(x)) || x._tag === "supported_groups") })]
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
    signatureScheme: p.scheme
  }
  trace(ctx, "WaitKeyAgreement", "WaitServerSignature", "write ServerHello")
  return { _tag: "WaitServerSignature", conn, hs, scheme: p.scheme, request, flight }
}

const typeOf = (e: EncryptedExtension): number => (e._tag === "Unknown" ? e.type : ExtensionType.codeOf(e._tag)!)

/** Our CertificateVerify is signed: the rest of the flight and our Finished. @since 0.1.0 */
export const onServerSigned = (ctx: Ctx, state: S<"WaitServerSignature">, e: EventOf<"Signed">): ServerState => {
  const { crypto } = ctx.deps
  let hs = state.hs
  const cv = encodeMessage({ _tag: "CertificateVerify", algorithm: state.scheme, signature: e.signature })
  hs = { ...hs, transcript: Transcript.append(crypto, hs.transcript, cv) }
  const verifyData = Tls13Schedule.finishedVerifyData(crypto, Tls13Schedule.finishedKey(crypto, hs.serverSecret), Transcript.digest(crypto, hs.transcript))
  const fin = encodeMessage({ _tag: "Finished", verifyData })
  hs = { ...hs, transcript: Transcript.append(crypto, hs.transcript, fin) }
  let conn = sendHandshake(crypto, ctx.out, state.conn, [...state.flight, cv, fin])
  const master = Tls13Schedule.masterSecret(crypto, hs.handshakeSecret)
  const app = appSecrets(ctx, hs, master)
  conn = installWrite(crypto, conn, hs.suite, app.server)
  for (const name of ["EncryptedExtensions", ...(state.request ? ["CertificateRequest"] : []), "Certificate", "CertificateVerify", "Finished"]) {
    trace(ctx, "WaitServerSignature", "WaitServerSignature", `write ${name}`)
  }
  const next = state.request ? "WaitClientCertificate" : "WaitClientFinished"
  trace(ctx, "WaitServerSignature", next, "flight sent")
  return { _tag: next, conn, hs, master, app }
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

void T
