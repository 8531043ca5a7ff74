/**
 * TLS 1.3 client, the server's encrypted flight (RFC 8446 §4.3–§4.4): EncryptedExtensions,
 * CertificateRequest, Certificate (verified by the driver's verifier, a named wait),
 * CertificateVerify, Finished; then our own Certificate/CertificateVerify when asked, and
 * our Finished.
 *
 * @since 0.1.0
 */
import { Ext, type RawHandshake } from "@effect-tls/codec"
import * as Result from "effect/Result"
import { abort, type Conn } from "../../machine/conn.js"
import { localFailure, misbehaved, rejected } from "../../machine/errors.js"
import type { EventOf } from "../../machine/events.js"
import { Tls13Schedule } from "../../schedule/index.js"
import type { MasterSecret } from "../../schedule/tls13.js"
import * as Transcript from "../../schedule/transcript.js"
import { certificatePublicKey } from "../../x509/certificate.js"
import { chainMatchesCaNames } from "../../x509/client-auth.js"
import { certificateVerifyInput, chooseScheme, encodeMessage, installRead, installWrite, keyFitsScheme13, schemeName, sendHandshake } from "../common.js"
import { expect13, mustEndRecord, trace, type Ctx } from "../context.js"
import { appSecrets, connected } from "../traffic.js"
import type { AppSecrets, CertificateRequested, ClientState, Handshake13, SharedState } from "../state.js"
import { checkResponseExtensions, sendCompatCcs } from "./hello.js"

type S<T extends ClientState["_tag"]> = Extract<ClientState, { _tag: T }>

const append = (ctx: Ctx, hs: Handshake13, m: RawHandshake): Handshake13 => ({
  ...hs,
  transcript: Transcript.append(ctx.deps.crypto, hs.transcript, m.bytes)
})

/** EncryptedExtensions (RFC 8446 §4.3.1). @since 0.1.0 */
export const onEncryptedExtensions = (ctx: Ctx, state: S<"WaitEncryptedExtensions">, m: RawHandshake): ClientState => {
  const ee = expect13(m, "EncryptedExtensions")
  checkResponseExtensions(ee.extensions, "EE", state.hello)
  let alpn: string | undefined
  const a = Ext.find(ee.extensions, "application_layer_protocol_negotiation")
  if (a !== undefined) {
    const names = Ext.protocols(a)
    if (names.length !== 1 || !Ext.isWellFormed(a)) abort(misbehaved("decode_error", "ALPN in EncryptedExtensions must name one protocol"))
    if (!state.hello.alpn.includes(names[0]!)) abort(misbehaved("illegal_parameter", `server chose ALPN "${names[0]}" we did not offer`))
    alpn = names[0]
  }
  let conn = state.conn
  let hs = state.hs
  const offer = state.hello.offer
  if (offer?.earlySent === true) {
    // RFC 8446 §4.2.10: early_data in EncryptedExtensions accepts our 0-RTT data; otherwise it was dropped.
    const accepted = Ext.find(ee.extensions, "early_data") !== undefined && hs.resumed
    hs = { ...hs, earlyData: accepted ? "accepted" : "rejected" }
    if (!accepted) conn = installWrite(ctx.deps.crypto, conn, hs.suite, hs.clientSecret)
  } else if (Ext.find(ee.extensions, "early_data") !== undefined) {
    abort(misbehaved("illegal_parameter", "early_data accepted though we sent none"))
  }
  const rsl = Ext.find(ee.extensions, "record_size_limit")
  if (rsl !== undefined) {
    if (rsl.recordSizeLimit < 64) abort(misbehaved("illegal_parameter", "record_size_limit below 64"))
    conn = { ...conn, maxFragment: Math.min(16384, rsl.recordSizeLimit - 1) }
  }
  hs = { ...append(ctx, hs, m), alpn }
  if (hs.resumed) {
    trace(ctx, "WaitEncryptedExtensions", "WaitFinished", "read EncryptedExtensions")
    return { _tag: "WaitFinished", conn, hs, request: undefined }
  }
  trace(ctx, "WaitEncryptedExtensions", "WaitCertOrCertRequest", "read EncryptedExtensions")
  return { _tag: "WaitCertOrCertRequest", conn, hello: state.hello, hs }
}

/** CertificateRequest or Certificate. @since 0.1.0 */
export const onCertOrRequest = (ctx: Ctx, state: S<"WaitCertOrCertRequest">, m: RawHandshake): ClientState => {
  if (m.type === 11) return onCertificate(ctx, { _tag: "WaitCertificate", conn: state.conn, hs: state.hs, request: undefined as never }, m, undefined, "WaitCertOrCertRequest")
  const cr = expect13(m, "CertificateRequest13")
  checkResponseExtensions(cr.extensions, "CR", state.hello)
  if (cr.certificateRequestContext.length !== 0) abort(misbehaved("illegal_parameter", "CertificateRequest context must be empty in the handshake"))
  const sa = Ext.find(cr.extensions, "signature_algorithms")
  if (sa === undefined) abort(misbehaved("missing_extension", "CertificateRequest without signature_algorithms"))
  const request: CertificateRequested = {
    context: cr.certificateRequestContext,
    signatureSchemes: sa!.supportedSignatureAlgorithms,
    authorities: Ext.find(cr.extensions, "certificate_authorities")?.authorities ?? []
  }
  trace(ctx, "WaitCertOrCertRequest", "WaitCertificate", "read CertificateRequest")
  return { _tag: "WaitCertificate", conn: state.conn, hs: append(ctx, state.hs, m), request }
}

/** The server's Certificate: asks the driver to verify the chain. @since 0.1.0 */
export const onCertificate = (
  ctx: Ctx,
  state: S<"WaitCertificate">,
  m: RawHandshake,
  request = state.request,
  from: string = state._tag
): ClientState => {
  const cert = expect13(m, "Certificate13")
  if (cert.certificateRequestContext.length !== 0) abort(misbehaved("illegal_parameter", "server Certificate with a request context"))
  // RFC 8446 §4.4.2.4: "If the server supplies an empty Certificate message, the client MUST abort the handshake with a \"decode_error\" alert."
  if (cert.certificateList.length === 0) abort(misbehaved("decode_error", "the server sent an empty Certificate"))
  const chain = cert.certificateList.map((e) => e.certData)
  ctx.out.emit({ _tag: "VerifyChain", chain, peer: "server", serverName: ctx.deps.config.serverName, now: ctx.now })
  trace(ctx, from, "WaitChainVerdict", "read Certificate")
  return { _tag: "WaitChainVerdict", conn: state.conn, hs: { ...append(ctx, state.hs, m), peerCertificates: chain }, request }
}

/** The verifier's answer. @since 0.1.0 */
export const onChainVerdict = (ctx: Ctx, state: S<"WaitChainVerdict">, v: EventOf<"ChainVerdict">): ClientState => {
  if (!v.accepted) abort(rejected((v.alert as never) ?? "bad_certificate", v.detail ?? "certificate rejected", v.depth, v.subject))
  trace(ctx, "WaitChainVerdict", "WaitCertificateVerify", "chain accepted")
  return { _tag: "WaitCertificateVerify", conn: state.conn, hs: state.hs, request: state.request }
}

/**
 * Checks a peer's CertificateVerify (RFC 8446 §4.4.3): the scheme must be one we offered
 * (`illegal_parameter`) and fit the leaf's key; the signature must verify (`decrypt_error`).
 *
 * @since 0.1.0
 */
export const checkCertificateVerify = (ctx: Ctx, hs: Handshake13, m: RawHandshake, side: "server" | "client"): Handshake13 => {
  const cv = expect13(m, "CertificateVerify")
  const { crypto, config } = ctx.deps
  if (!config.signatureSchemes.includes(cv.algorithm) || schemeName(cv.algorithm) === undefined) {
    abort(misbehaved("illegal_parameter", `CertificateVerify with scheme 0x${cv.algorithm.toString(16)} we did not offer`))
  }
  const key = certificatePublicKey(hs.peerCertificates[0]!)
  if (Result.isFailure(key)) return abort(rejected("bad_certificate", `leaf certificate: ${key.failure.detail}`, 0))
  if (!keyFitsScheme13(key.success, cv.algorithm)) abort(misbehaved("illegal_parameter", "CertificateVerify scheme does not fit the certificate key"))
  const input = certificateVerifyInput(side, Transcript.digest(crypto, hs.transcript))
  if (!crypto.verify(schemeName(cv.algorithm)!, key.success, input, cv.signature)) {
    abort(misbehaved("decrypt_error", `${side} CertificateVerify signature does not verify`))
  }
  return { ...append(ctx, hs, m), peerSignatureScheme: cv.algorithm }
}

/** @since 0.1.0 */
export const onCertificateVerify = (ctx: Ctx, state: S<"WaitCertificateVerify">, m: RawHandshake): ClientState => {
  const hs = checkCertificateVerify(ctx, state.hs, m, "server")
  trace(ctx, "WaitCertificateVerify", "WaitFinished", "read CertificateVerify")
  return { _tag: "WaitFinished", conn: state.conn, hs, request: state.request }
}

/** The server's Finished, then our flight. @since 0.1.0 */
export const onFinished = (ctx: Ctx, state: S<"WaitFinished">, m: RawHandshake): ClientState | SharedState => {
  mustEndRecord(m)
  const { crypto, config } = ctx.deps
  const fin = expect13(m, "Finished")
  let hs = state.hs
  const ok = Tls13Schedule.verifyFinished(crypto, Tls13Schedule.finishedKey(crypto, hs.serverSecret), Transcript.digest(crypto, hs.transcript), fin.verifyData)
  if (ok === undefined) abort(misbehaved("decrypt_error", "server Finished does not verify"))
  hs = append(ctx, hs, m)
  const master = Tls13Schedule.masterSecret(crypto, hs.handshakeSecret)
  const app = appSecrets(ctx, hs, master)
  let conn = installRead(crypto, state.conn, hs.suite, app.server)
  const request = state.request
  const ask = request !== undefined && config.clientCertificateSelection === "selector"
  trace(ctx, "WaitFinished", request === undefined ? "Connected" : ask ? "WaitClientCertificateChoice" : "WaitClientSignature", "read Finished")
  if (hs.earlyData === "accepted") {
    // RFC 8446 §4.5: EndOfEarlyData under the early keys, then our handshake keys.
    const eoed = encodeMessage({ _tag: "EndOfEarlyData" })
    conn = sendHandshake(crypto, ctx.out, conn, [eoed])
    hs = { ...hs, transcript: Transcript.append(crypto, hs.transcript, eoed) }
    conn = installWrite(crypto, conn, hs.suite, hs.clientSecret)
    trace(ctx, "WaitFinished", "WaitFinished", "write EndOfEarlyData")
  }
  if (!hs.helloRetry && hs.earlyData === "none") sendCompatCcs(ctx)
  if (request === undefined) return finish(ctx, conn, hs, master, app)
  if (ask) {
    // the application chooses (RFC 8446 §4.3.2): the driver runs its selector on the server's criteria
    ctx.out.emit({ _tag: "SelectClientCertificate", caNames: request.authorities, signatureSchemes: request.signatureSchemes, version: "1.3" })
    return { _tag: "WaitClientCertificateChoice", conn, hs, master, app, request }
  }
  // Client authentication (RFC 8446 §4.4.2, §4.2.4): the first credential whose chain answers the
  // server's CA names (none listed: any) and whose key can sign a scheme the server offered.
  const choice = config.certificates
    .map((c, i) => ({ i, scheme: chooseScheme(config.signatureSchemes, request.signatureSchemes, c.key) }))
    .find((c) => c.scheme !== undefined && chainMatchesCaNames(config.certificates[c.i]!.chain, request.authorities))
  return sendCertificate(ctx, conn, hs, master, app, request, choice as { i: number; scheme: number } | undefined)
}

/**
 * The application's choice of client certificate arrived: the index of a configured
 * certificate (its key must fit a scheme the server offered), or none.
 *
 * @since 0.1.0
 */
export const onClientCertificateChosen = (ctx: Ctx, state: S<"WaitClientCertificateChoice">, e: EventOf<"ClientCertificateChosen">): ClientState | SharedState => {
  const { config } = ctx.deps
  trace(ctx, "WaitClientCertificateChoice", "WaitFinished", "ClientCertificateChosen")
  if (e.index === undefined) return sendCertificate(ctx, state.conn, state.hs, state.master, state.app, state.request, undefined)
  const credential = config.certificates[e.index]
  if (credential === undefined) return abort(localFailure(`the certificate selector chose #${e.index} of ${config.certificates.length} certificates`))
  const scheme = chooseScheme(config.signatureSchemes, state.request.signatureSchemes, credential.key)
  if (scheme === undefined) return abort(localFailure(`the certificate selector chose #${e.index}, whose key signs none of the server's schemes`))
  return sendCertificate(ctx, state.conn, state.hs, state.master, state.app, state.request, { i: e.index, scheme })
}

/** Our Certificate (empty without a choice), then CertificateVerify (signed by the driver) or straight to Finished. */
const sendCertificate = (
  ctx: Ctx,
  conn: Conn,
  hs: Handshake13,
  master: MasterSecret,
  app: AppSecrets,
  request: CertificateRequested,
  choice: { readonly i: number; readonly scheme: number } | undefined
): ClientState | SharedState => {
  const { crypto, config } = ctx.deps
  const chain = choice === undefined ? [] : config.certificates[choice.i]!.chain
  const certMsg = encodeMessage({
    _tag: "Certificate13",
    certificateRequestContext: request.context,
    certificateList: chain.map((certData) => ({ certData, extensions: [] }))
  })
  const conn2 = sendHandshake(crypto, ctx.out, conn, [certMsg])
  hs = { ...hs, transcript: Transcript.append(crypto, hs.transcript, certMsg) }
  trace(ctx, "WaitFinished", "WaitFinished", "write Certificate")
  if (choice === undefined) return finish(ctx, conn2, hs, master, app)
  ctx.out.emit({
    _tag: "Sign",
    scheme: choice.scheme,
    data: certificateVerifyInput("client", Transcript.digest(crypto, hs.transcript)),
    credential: choice.i
  })
  return { _tag: "WaitClientSignature", conn: conn2, hs: { ...hs, signatureScheme: choice.scheme }, master, app, scheme: choice.scheme }
}

/** Our CertificateVerify signature arrived. @since 0.1.0 */
export const onClientSigned = (ctx: Ctx, state: S<"WaitClientSignature">, e: EventOf<"Signed">): SharedState => {
  const cv = encodeMessage({ _tag: "CertificateVerify", algorithm: state.scheme, signature: e.signature })
  const conn = sendHandshake(ctx.deps.crypto, ctx.out, state.conn, [cv])
  const hs = { ...state.hs, transcript: Transcript.append(ctx.deps.crypto, state.hs.transcript, cv) }
  trace(ctx, "WaitClientSignature", "Connected", "write CertificateVerify")
  return finish(ctx, conn, hs, state.master, state.app)
}

/** Our Finished, application keys, and completion. */
const finish = (ctx: Ctx, conn: Conn, hs: Handshake13, master: MasterSecret, app: AppSecrets): SharedState => {
  const { crypto } = ctx.deps
  const verifyData = Tls13Schedule.finishedVerifyData(crypto, Tls13Schedule.finishedKey(crypto, hs.clientSecret), Transcript.digest(crypto, hs.transcript))
  const fin = encodeMessage({ _tag: "Finished", verifyData })
  let c = sendHandshake(crypto, ctx.out, conn, [fin])
  const transcript = Transcript.append(crypto, hs.transcript, fin)
  c = installWrite(crypto, c, hs.suite, app.client)
  trace(ctx, "WaitFinished", "Connected", "write Finished")
  return connected(ctx, c, { ...hs, transcript }, master, app)
}

