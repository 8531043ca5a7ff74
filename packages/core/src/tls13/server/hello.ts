/**
 * TLS 1.3 server, the ClientHello (RFC 8446 §4.1.2, §4.2): version, suite, group, key
 * share, signature scheme and ALPN negotiation by the server's preference (or the
 * client's, by option), a HelloRetryRequest when the client's guess is not usable (or not
 * preferred, by option), and the key agreement the driver performs.
 *
 * @since 0.1.0
 */
import { Ext, ExtensionType, HELLO_RETRY_REQUEST_RANDOM, isAllowedIn13, NamedGroup, SignatureScheme, suiteName, type ClientHello, type RawHandshake } from "@effect-tls/codec"
import { abort, type Conn } from "../../machine/conn.js"
import type { EventOf } from "../../machine/events.js"
import { incompatible, misbehaved } from "../../machine/errors.js"
import * as Transcript from "../../schedule/transcript.js"
import { chooseScheme, encodeMessage, groupName, names, sendHandshake, suite13, type Suite13 } from "../common.js"
import { decode13, mustEndRecord, trace, type Ctx } from "../context.js"
import type { ServerPending, ServerState } from "../state.js"
import { serverFlight } from "./flight.js"
import * as Psk from "./psk.js"
import { onClientHello12 } from "../../tls12/server.js"
import type { State12 } from "../../tls12/state.js"

type S<T extends ServerState["_tag"]> = Extract<ServerState, { _tag: T }>

/** Entropy a ClientHello's answer consumes: the server random and an HRR cookie. @since 0.1.0 */
export const helloEntropy = 64

const pick = (ours: ReadonlyArray<number>, theirs: ReadonlyArray<number>, preferClient: boolean): ReadonlyArray<number> =>
  preferClient ? theirs.filter((x) => ours.includes(x)) : ours.filter((x) => theirs.includes(x))

const checkClientHello = (ch: ClientHello): void => {
  // RFC 8446 §4.1.2: "For every TLS 1.3 ClientHello, this vector MUST contain exactly one byte, set to zero".
  if (ch.legacyCompressionMethods.length !== 1 || ch.legacyCompressionMethods[0] !== 0) {
    abort(misbehaved("illegal_parameter", "legacy_compression_methods is not exactly [null]"))
  }
  const exts = ch.extensions ?? []
  for (const e of exts) {
    const type = e._tag === "Unknown" ? e.type : ExtensionType.codeOf(e._tag)!
    // RFC 8446 §4.2: a recognised extension where the table does not allow it is illegal_parameter.
    if (!isAllowedIn13(type, "CH")) abort(misbehaved("illegal_parameter", `${ExtensionType.nameOf(type)} is not allowed in ClientHello`))
  }
  const psk = exts.findIndex((e) => e._tag === "pre_shared_key")
  // RFC 8446 §4.2.11: "The \"pre_shared_key\" extension MUST be the last extension in the ClientHello".
  if (psk !== -1 && psk !== exts.length - 1) abort(misbehaved("illegal_parameter", "pre_shared_key is not the last extension"))
  const ks = Ext.find(exts, "key_share")
  const groups = Ext.find(exts, "supported_groups")
  if (ks !== undefined) {
    const seen = new Set<number>()
    for (const s of ks.clientShares) {
      if (seen.has(s.group)) abort(misbehaved("illegal_parameter", "two key shares for one group"))
      seen.add(s.group)
      if (groups !== undefined && !groups.namedGroupList.includes(s.group)) abort(misbehaved("illegal_parameter", "a key share for a group not in supported_groups"))
    }
  }
}

/**
 * A ClientHello (first or retried).
 *
 * @since 0.1.0
 */
export const onClientHello = (ctx: Ctx, state: S<"WaitClientHello">, m: RawHandshake): ServerState | State12 => {
  mustEndRecord(m)
  const { crypto, config } = ctx.deps
  const ch = decode13(m)
  if (ch._tag !== "ClientHello") return abort(misbehaved("unexpected_message", `expected ClientHello, got ${ch._tag}`))
  const exts = ch.extensions ?? []
  const versions = Ext.find(exts, "supported_versions")
  if (versions === undefined || !versions.versions.includes(0x0304) || !config.versions.includes(0x0304)) {
    // The highest version both support is TLS 1.2 (or there is none: protocol_version).
    if (state.retry === undefined && config.versions.includes(0x0303) && (versions === undefined || versions.versions.includes(0x0303))) {
      return onClientHello12(ctx, state, ch, m)
    }
    abort(incompatible("protocol_version", "no protocol version in common"))
  }
  checkClientHello(ch)
  const retry = state.retry
  const suites = pick(config.cipherSuites, ch.cipherSuites, config.preferClientOrder).filter((s) => suite13(s) !== undefined)
  if (suites.length === 0) {
    abort(incompatible("handshake_failure", `no TLS 1.3 cipher suite in common: ours ${names(config.cipherSuites.filter((s) => suite13(s) !== undefined), suiteName)}, theirs ${names(ch.cipherSuites, suiteName)}`))
  }
  const groupsExt = Ext.find(exts, "supported_groups")
  const ks = Ext.find(exts, "key_share")
  const sigs = Ext.find(exts, "signature_algorithms")
  const alpn = chooseAlpn(ctx, Ext.find(exts, "application_layer_protocol_negotiation"))
  const sni = Ext.find(exts, "server_name")
  const serverName = sni === undefined ? undefined : Ext.hostName(sni)
  if (sni !== undefined && (serverName === undefined || serverName.length === 0)) abort(misbehaved("decode_error", "empty server name"))
  const rsl = Ext.find(exts, "record_size_limit")
  if (rsl !== undefined && rsl.recordSizeLimit < 64) abort(misbehaved("illegal_parameter", "record_size_limit below 64"))

  // RFC 8446 §4.2.11: a PSK we issued, checked by its binder, fixes the suite (§4.2.11: "the server MUST ensure that it selects a compatible PSK").
  const before = retry?.transcript
  const psk = Psk.accept(ctx, ch, m.bytes, before, alpn, retry !== undefined)
  const suite: Suite13 = retry?.suite ?? (psk !== undefined ? suite13(psk.ticket.cipherSuite)! : suite13(suites[0]!)!)
  if (retry !== undefined && !ch.cipherSuites.includes(suite.code)) abort(misbehaved("illegal_parameter", "retried ClientHello drops the chosen suite"))
  if (psk === undefined || psk.mode === 1) {
    if (groupsExt === undefined || ks === undefined) abort(misbehaved("missing_extension", "ClientHello without supported_groups and key_share"))
  }
  if (psk === undefined && sigs === undefined) abort(misbehaved("missing_extension", "ClientHello without signature_algorithms"))
  const shared = pick(config.groups, groupsExt?.namedGroupList ?? [], config.preferClientOrder).filter((g) => groupName(g) !== undefined)
  if (shared.length === 0 && (psk === undefined || psk.mode === 1)) {
    abort(incompatible("handshake_failure", `no group in common: ours ${names(config.groups, NamedGroup.nameOf)}, theirs ${names(groupsExt?.namedGroupList ?? [], NamedGroup.nameOf)}`))
  }
  // Which group: our preference (or the client's); the client's share for it, or a HelloRetryRequest.
  const shares = ks?.clientShares ?? []
  const withShare = shared.filter((g) => shares.some((s) => s.group === g))
  let group: number | undefined
  if (retry !== undefined) {
    if (shares.length !== 1 || shares[0]!.group !== retry.group) abort(misbehaved("illegal_parameter", "retried ClientHello without the one requested key share"))
    const cookie = Ext.find(exts, "cookie")
    if (retry.cookie !== undefined && (cookie === undefined || !equal(cookie.cookie, retry.cookie))) {
      abort(misbehaved("illegal_parameter", "retried ClientHello does not echo the cookie"))
    }
    group = retry.group
  } else if (withShare.length > 0 && !(config.retryForPreferredGroup && withShare[0] !== shared[0])) {
    group = withShare[0]
  }
  const transcript =
    retry !== undefined ? Transcript.append(crypto, retry.transcript, m.bytes) : Transcript.selectHash(crypto, Transcript.append(crypto, Transcript.empty, m.bytes), suite.hash)
  const keyed = psk !== undefined && psk.mode === 0
  if (group === undefined && !keyed) return helloRetry(ctx, state, ch, suite, shared[0]!, transcript)
  let credential: { readonly i: number; readonly scheme: number | undefined } | undefined
  if (psk === undefined) {
    credential = config.certificates
      .map((c, i) => ({ i, scheme: chooseScheme(config.signatureSchemes, sigs!.supportedSignatureAlgorithms, c.key) }))
      .find((c) => c.scheme !== undefined)
    if (credential === undefined) {
      const keys = config.certificates.map((c) => (c.key.curve === undefined ? c.key.type : `${c.key.type} ${c.key.curve}`))
      abort(
        incompatible(
          "handshake_failure",
          `no certificate of ours can sign a scheme the client offers: theirs ${names(sigs!.supportedSignatureAlgorithms, SignatureScheme.nameOf)}, ours ${names(config.signatureSchemes, SignatureScheme.nameOf)} with keys [${keys.join(", ")}]`
        )
      )
    }
  }
  const pending: ServerPending = {
    suite,
    group: keyed ? undefined : group,
    transcript,
    clientRandom: ch.random,
    sessionId: ch.legacySessionId,
    helloRetry: retry !== undefined,
    alpn,
    serverName,
    clientSignatureSchemes: sigs?.supportedSignatureAlgorithms,
    credential: credential?.i ?? -1,
    scheme: credential?.scheme ?? 0,
    clientRecordSizeLimit: rsl?.recordSizeLimit,
    clientExtensions: exts.map((e) => (e._tag === "Unknown" ? e.type : ExtensionType.codeOf(e._tag)!)),
    entropy: ctx.entropy.slice(0, 32),
    psk,
    clientShare: group === undefined ? undefined : shares.find((s) => s.group === group)?.keyExchange,
    skipEarly: Ext.find(exts, "early_data") === undefined ? 0 : Math.max(psk?.ticket.maxEarlyData ?? 0, 16384 + 256)
  }
  if (psk !== undefined && config.singleUseTickets) {
    ctx.out.emit({ _tag: "RedeemTicket", id: crypto.hash("sha256", Psk.identity(ch)!).subarray(0, 16), expiresAt: psk.ticket.issuedAt + psk.ticket.lifetime * 1000 })
    trace(ctx, "WaitClientHello", "WaitTicketRedemption", "read ClientHello")
    return { _tag: "WaitTicketRedemption", conn: state.conn, pending, fallbackGroup: group }
  }
  trace(ctx, "WaitClientHello", keyed ? "WaitClientFinished" : "WaitKeyAgreement", "read ClientHello")
  return proceed(ctx, state.conn, pending)
}

/** After the ClientHello is settled: the key agreement the driver performs, or (psk_ke) straight to our flight. */
const proceed = (ctx: Ctx, conn: Conn, pending: ServerPending): ServerState => {
  if (pending.group === undefined) return serverFlight(ctx, conn, pending, undefined)
  ctx.out.emit({ _tag: "KeyAgreement", group: pending.group, peerPublic: pending.clientShare! })
  return { _tag: "WaitKeyAgreement", conn, pending }
}

/**
 * The session store's answer: a used ticket is not resumed (single use; RFC 8446 §8.1's
 * anti-replay for 0-RTT) — the handshake falls back to a full one.
 *
 * @since 0.1.0
 */
export const onTicketRedeemed = (ctx: Ctx, state: S<"WaitTicketRedemption">, e: EventOf<"TicketRedeemed">): ServerState => {
  const p = state.pending
  if (e.fresh) {
    trace(ctx, "WaitTicketRedemption", p.group === undefined ? "WaitClientFinished" : "WaitKeyAgreement", "ticket fresh")
    return proceed(ctx, state.conn, p)
  }
  const { config } = ctx.deps
  // A replayed ticket: a full handshake with certificates, if the client made that possible.
  const credential = config.certificates
    .map((c, i) => ({ i, scheme: chooseScheme(config.signatureSchemes, p.clientSignatureSchemes ?? [], c.key) }))
    .find((c) => c.scheme !== undefined)
  if (credential === undefined || state.fallbackGroup === undefined) {
    return abort(incompatible("handshake_failure", "a reused ticket, and no full handshake possible without a retry"))
  }
  trace(ctx, "WaitTicketRedemption", "WaitKeyAgreement", "ticket already used: full handshake")
  return proceed(ctx, state.conn, { ...p, psk: undefined, group: state.fallbackGroup, credential: credential.i, scheme: credential.scheme! })
}

const chooseAlpn = (ctx: Ctx, alpnExt: Parameters<typeof Ext.protocols>[0] | undefined): string | undefined => {
  const { config } = ctx.deps
  if (alpnExt === undefined || config.alpn.length === 0) return undefined
  if (!Ext.isWellFormed(alpnExt)) abort(misbehaved("decode_error", "empty ALPN list or protocol name"))
  const theirs = Ext.protocols(alpnExt)
  const alpn = config.preferClientOrder ? theirs.find((p) => config.alpn.includes(p)) : config.alpn.find((p) => theirs.includes(p))
  if (alpn === undefined) abort(incompatible("no_application_protocol", `no ALPN protocol in common: [${theirs.join(", ")}]`))
  return alpn
}

const helloRetry = (ctx: Ctx, state: S<"WaitClientHello">, ch: ClientHello, suite: Suite13, group: number, ch1: Transcript.HashedTranscript): ServerState => {
  const { crypto, config } = ctx.deps
  if (state.retry !== undefined) return abort(misbehaved("illegal_parameter", "the retried ClientHello is still not usable"))
  const cookie = config.retryCookie ? ctx.entropy.slice(32, 64) : undefined
  const hrr = encodeMessage({
    _tag: "HelloRetryRequest",
    legacyVersion: 0x0303,
    random: HELLO_RETRY_REQUEST_RANDOM,
    legacySessionIdEcho: ch.legacySessionId,
    cipherSuite: suite.code,
    legacyCompressionMethod: 0,
    extensions: [
      { _tag: "supported_versions", selectedVersion: 0x0304 },
      { _tag: "key_share", selectedGroup: group },
      ...(cookie === undefined ? [] : [{ _tag: "cookie" as const, cookie }])
    ]
  })
  let conn = sendHandshake(crypto, ctx.out, state.conn, [hrr])
  if (config.middleboxCompat && ch.legacySessionId.length > 0) {
    ctx.out.send(new Uint8Array([20, 3, 3, 0, 1, 1]))
    trace(ctx, "WaitClientHello", "WaitClientHello", "write ChangeCipherSpec")
  }
  const transcript = Transcript.append(crypto, Transcript.restartForRetry(crypto, ch1), hrr)
  // RFC 8446 §4.2.10: early data sent with the first ClientHello is skipped after a HelloRetryRequest.
  if (Ext.find(ch.extensions, "early_data") !== undefined) conn = { ...conn, skipEarlyData: 65536 }
  trace(ctx, "WaitClientHello", "WaitClientHello", "read ClientHello, write HelloRetryRequest")
  return { _tag: "WaitClientHello", conn, retry: { transcript, suite, group, cookie, sessionId: ch.legacySessionId } }
}


const equal = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i])

