/**
 * TEST-ONLY: "Toy", a tiny deterministic two-party protocol over the real `Event` and
 * `Action` types, for exercising the driver and the simulator until the TLS 1.3 machine
 * lands. It is not TLS and not secure in any sense; it only has TLS's shape:
 *
 *   client                                   server
 *   Hello(random ‖ x25519 share)  ──►        (KeyAgreement work)
 *                                 ◄──        ServerHello(random ‖ share), Certificate,
 *   (VerifyChain work)                       (Sign work) CertVerify, Finished
 *   Finished                      ──►
 *   Data(payload ‖ tag) ◄──►, Alert, KeyUpdate
 *
 * Frames are `type(1) ‖ length(2) ‖ body`; application data carries a 16-byte HMAC tag
 * over a sequence number, so a corrupted, injected or replayed frame is `bad_record_mac`.
 * It asks for entropy (64 bytes at the client's Start, 32 at the server's first bytes),
 * for every kind of work, and emits a Trace per transition.
 *
 * @since 0.1.0
 */
import { SignatureScheme } from "@effect-tls/codec"
import * as Redacted from "effect/Redacted"
import type { Action } from "../../src/machine/actions.js"
import type { TlsErrorReason } from "../../src/machine/errors.js"
import type { Event } from "../../src/machine/events.js"
import type { Deps, Machine, Role, StepResult } from "../../src/machine/machine.js"

/** Frame types. */
export const T = { hello: 1, serverHello: 2, certificate: 3, certVerify: 4, finished: 5, data: 23, alert: 21, keyUpdate: 24 } as const
const names: Record<number, string> = { 1: "Hello", 2: "ServerHello", 3: "Certificate", 4: "CertVerify", 5: "Finished", 23: "Data", 21: "Alert", 24: "KeyUpdate" }

/** The toy's state: a phase tag plus what it has learned. */
export interface ToyState {
  readonly _tag: string
  readonly role: Role
  readonly buf: Uint8Array
  readonly transcript: Uint8Array
  readonly cr?: Uint8Array
  readonly sr?: Uint8Array
  readonly share?: Uint8Array
  readonly secret?: Uint8Array
  readonly writeKey?: Uint8Array
  readonly readKey?: Uint8Array
  readonly writeSeq: number
  readonly readSeq: number
  readonly sentClose: boolean
  readonly readClosed: boolean
  readonly chain: ReadonlyArray<Uint8Array>
}

const enc = new TextEncoder()
const cat = (...parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) (out.set(p, at), (at += p.length))
  return out
}
/** A frame. */
export const frame = (type: number, body: Uint8Array): Uint8Array => cat(Uint8Array.of(type, body.length >> 8, body.length & 0xff), body)
const u32 = (n: number) => Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff)

const alertCodes: Record<string, number> = { close_notify: 0, unexpected_message: 10, bad_record_mac: 20, decode_error: 50, decrypt_error: 51, illegal_parameter: 47, unknown_ca: 48, bad_certificate: 42, internal_error: 80 }
const alertNames = Object.fromEntries(Object.entries(alertCodes).map(([k, v]) => [v, k]))

type Out = { state: ToyState; actions: Array<Action> }

const initial = (role: Role): ToyState => ({
  _tag: role === "client" ? "Idle" : "Listening",
  role,
  buf: new Uint8Array(0),
  transcript: new Uint8Array(0),
  writeSeq: 0,
  readSeq: 0,
  sentClose: false,
  readClosed: false,
  chain: []
})

const move = (o: Out, to: string, note: string, patch: Partial<ToyState> = {}): void => {
  o.actions.push({ _tag: "Trace", side: o.state.role, from: o.state._tag, to, note })
  o.state = { ...o.state, ...patch, _tag: to }
}

const fail = (o: Out, reason: TlsErrorReason, alert?: string): void => {
  if (alert !== undefined && o.state._tag !== "Closed") {
    o.actions.push({ _tag: "Send", bytes: frame(T.alert, Uint8Array.of(2, alertCodes[alert] ?? 80)) })
    o.actions.push({ _tag: "AlertSent", level: 2, description: alertCodes[alert] ?? 80 })
  }
  move(o, "Closed", `error ${reason._tag}`)
  o.actions.push({ _tag: "Closed", error: reason })
}

const send = (o: Out, type: number, body: Uint8Array): void => {
  const f = frame(type, body)
  if (type !== T.data && type !== T.alert && type !== T.keyUpdate) o.state = { ...o.state, transcript: cat(o.state.transcript, f) }
  o.actions.push({ _tag: "Send", bytes: f })
}

const mac = (deps: Deps, key: Uint8Array, data: Uint8Array) => deps.crypto.hmac("sha256", key, data)
const keys = (deps: Deps, s: ToyState, secret: Uint8Array) => {
  const c = mac(deps, secret, cat(enc.encode("c"), s.cr!, s.sr!))
  const sv = mac(deps, secret, cat(enc.encode("s"), s.cr!, s.sr!))
  return s.role === "client" ? { writeKey: c, readKey: sv } : { writeKey: sv, readKey: c }
}
const finishedMac = (deps: Deps, s: ToyState, sender: Role) =>
  mac(deps, s.secret!, cat(enc.encode(`finished ${sender}`), deps.crypto.hash("sha256", s.transcript)))

const params = (s: ToyState) => ({
  version: 0x7f01,
  cipherSuite: 0,
  peerCertificates: s.chain,
  resumed: false,
  earlyData: "none" as const,
  helloRetry: false,
  clientRandom: s.cr!,
  serverRandom: s.sr!,
  exporterSecret: Redacted.make(new Uint8Array(32)),
  hash: "sha256" as const
})

const complete = (o: Out) => {
  move(o, "Open", "handshake complete")
  o.actions.push({ _tag: "HandshakeComplete", params: params(o.state) })
}

const onFrame = (deps: Deps, o: Out, type: number, body: Uint8Array, raw: Uint8Array, now: number): void => {
  const s = o.state
  const note = `read ${names[type] ?? `frame ${type}`}`
  const absorb = () => (o.state = { ...o.state, transcript: cat(o.state.transcript, raw) })
  if (type === T.alert) {
    const desc = body[1] ?? 80
    o.actions.push({ _tag: "AlertReceived", level: body[0] ?? 2, description: desc })
    if (desc === 0) {
      o.actions.push({ _tag: "ReadClosed" })
      if (s.sentClose) return (move(o, "Closed", "read close_notify"), void o.actions.push({ _tag: "Closed" }))
      return move(o, s._tag, "read close_notify", { readClosed: true })
    }
    return fail(o, { _tag: "AlertReceived", alert: (alertNames[desc] ?? `unknown(${desc})`) as never, afterOurFinished: false })
  }
  switch (`${s._tag}/${type}`) {
    case `WaitHello/${T.hello}`: {
      if (body.length !== 64) return fail(o, { _tag: "Decode", alert: "decode_error", detail: "Hello" }, "decode_error")
      absorb()
      o.actions.push({ _tag: "KeyAgreement", group: 0x001d, peerPublic: body.subarray(32) })
      return move(o, "WaitKeyAgreed", note, { cr: body.slice(0, 32) })
    }
    case `WaitServerHello/${T.serverHello}`: {
      absorb()
      const secret = deps.crypto.agree({ group: "x25519", publicKey: new Uint8Array(0), privateKey: s.share! }, body.subarray(32))
      if (secret === undefined) return fail(o, { _tag: "PeerMisbehaved", alert: "illegal_parameter", detail: "share" }, "illegal_parameter")
      const next = { ...o.state, sr: body.slice(0, 32), secret }
      o.actions.push({ _tag: "KeyLog", label: "TOY_SECRET", clientRandom: s.cr!, secret: Redacted.make(secret) })
      return move(o, "WaitCertificate", note, { sr: next.sr, secret, ...keys(deps, next, secret) })
    }
    case `WaitCertificate/${T.certificate}`:
      absorb()
      if (body.length === 0) return move(o, "WaitFinished", note)
      o.actions.push({ _tag: "VerifyChain", chain: [body.slice()], peer: "server", now })
      return move(o, "WaitChainVerdict", note, { chain: [body.slice()] })
    case `WaitCertVerify/${T.certVerify}`:
      absorb()
      return move(o, "WaitFinished", note)
    case `WaitFinished/${T.finished}`:
    case `WaitClientFinished/${T.finished}`: {
      const expected = finishedMac(deps, s, s.role === "client" ? "server" : "client")
      if (!deps.crypto.timingSafeEqual(expected, body)) return fail(o, { _tag: "PeerMisbehaved", alert: "decrypt_error", detail: "Finished" }, "decrypt_error")
      absorb()
      if (s.role === "client") send(o, T.finished, finishedMac(deps, o.state, "client"))
      return complete(o)
    }
    case `Open/${T.data}`: {
      if (s.readClosed || body.length < 16) return fail(o, { _tag: "PeerMisbehaved", alert: "unexpected_message", detail: "data" }, "unexpected_message")
      const payload = body.subarray(0, body.length - 16)
      const tag = mac(deps, s.readKey!, cat(u32(s.readSeq), payload)).subarray(0, 16)
      if (!deps.crypto.timingSafeEqual(tag, body.subarray(body.length - 16))) {
        return fail(o, { _tag: "PeerMisbehaved", alert: "bad_record_mac", detail: "data" }, "bad_record_mac")
      }
      o.state = { ...s, readSeq: s.readSeq + 1 }
      return void o.actions.push({ _tag: "Deliver", data: payload.slice() })
    }
    case `Open/${T.keyUpdate}`: {
      const readKey = mac(deps, s.readKey!, enc.encode("update"))
      move(o, "Open", "read KeyUpdate", { readKey, readSeq: 0 })
      return body[0] === 1 ? keyUpdate(deps, o, false) : undefined
    }
    default:
      return fail(o, { _tag: "PeerMisbehaved", alert: "unexpected_message", detail: `${note} in ${s._tag}` }, "unexpected_message")
  }
}

const keyUpdate = (deps: Deps, o: Out, updatePeer: boolean) => {
  send(o, T.keyUpdate, Uint8Array.of(updatePeer ? 1 : 0))
  move(o, "Open", "write KeyUpdate", { writeKey: mac(deps, o.state.writeKey!, enc.encode("update")), writeSeq: 0 })
}

const serverFlight = (deps: Deps, o: Out) => {
  send(o, T.finished, finishedMac(deps, o.state, "server"))
  move(o, "WaitClientFinished", "write Finished")
}

const step = (deps: Deps, state: ToyState, event: Event): StepResult<ToyState> => {
  const o: Out = { state, actions: [] }
  if (state._tag === "Closed") return o
  switch (event._tag) {
    case "Start":
      if (state.role === "server") return (move(o, "WaitHello", "start"), o)
      send(o, T.hello, cat(event.entropy.subarray(0, 32), deps.crypto.generateKeyShare("x25519", event.entropy.subarray(32, 64)).publicKey))
      move(o, "WaitServerHello", "write Hello", {
        cr: event.entropy.slice(0, 32),
        share: deps.crypto.generateKeyShare("x25519", event.entropy.subarray(32, 64)).privateKey
      })
      return o
    case "Received": {
      if (state._tag === "WaitHello" && event.entropy.length === 32) o.state = { ...o.state, sr: event.entropy.slice() }
      let buf = cat(o.state.buf, event.bytes)
      while (buf.length >= 3 && o.state._tag !== "Closed" && !["WaitKeyAgreed", "WaitChainVerdict", "WaitSigned"].includes(o.state._tag)) {
        const len = (buf[1]! << 8) | buf[2]!
        if (len > 16_384) return (fail(o, { _tag: "Decode", alert: "decode_error", detail: "length" }, "decode_error"), o)
        if (buf.length < 3 + len) break
        const raw = buf.slice(0, 3 + len)
        buf = buf.subarray(3 + len)
        onFrame(deps, o, raw[0]!, raw.subarray(3), raw, event.now)
      }
      if (o.state._tag !== "Closed") o.state = { ...o.state, buf: buf.slice() }
      return o
    }
    case "KeyAgreed": {
      if (state._tag !== "WaitKeyAgreed") break
      if (!event.ok) return (fail(o, { _tag: "PeerMisbehaved", alert: "illegal_parameter", detail: "share" }, "illegal_parameter"), o)
      const secret = Redacted.value(event.sharedSecret)
      send(o, T.serverHello, cat(state.sr!, event.publicKey))
      const credential = deps.config.certificates[0]
      send(o, T.certificate, credential?.chain[0] ?? new Uint8Array(0))
      move(o, credential ? "WaitSigned" : "WaitClientFinished", "write ServerHello", { secret, ...keys(deps, o.state, secret) })
      if (credential) o.actions.push({ _tag: "Sign", scheme: SignatureScheme.values.ecdsa_secp256r1_sha256, data: deps.crypto.hash("sha256", o.state.transcript), credential: 0 })
      else serverFlight(deps, o)
      return resume(deps, o)
    }
    case "Signed":
      if (state._tag !== "WaitSigned") break
      send(o, T.certVerify, event.signature)
      serverFlight(deps, o)
      return resume(deps, o)
    case "ChainVerdict":
      if (state._tag !== "WaitChainVerdict") break
      if (!event.accepted) return (fail(o, { _tag: "CertificateRejected", alert: (event.alert ?? "bad_certificate") as never, detail: event.detail ?? "" }, event.alert ?? "bad_certificate"), o)
      move(o, "WaitCertVerify", "chain accepted")
      return resume(deps, o)
    case "Write":
      if (state._tag !== "Open" || state.sentClose) return (fail(o, { _tag: "LocalFailure", alert: "internal_error", detail: "write" }), o)
      send(o, T.data, cat(event.data, mac(deps, state.writeKey!, cat(u32(state.writeSeq), event.data)).subarray(0, 16)))
      o.state = { ...o.state, writeSeq: state.writeSeq + 1 }
      return o
    case "Close":
      if (state.sentClose) return o
      send(o, T.alert, Uint8Array.of(1, 0))
      o.actions.push({ _tag: "AlertSent", level: 1, description: 0 })
      if (state.readClosed) return (move(o, "Closed", "write close_notify"), o.actions.push({ _tag: "Closed" }), o)
      move(o, state._tag, "write close_notify", { sentClose: true })
      return o
    case "RequestKeyUpdate":
      if (state._tag === "Open") keyUpdate(deps, o, event.updatePeer)
      return o
    case "TransportClosed":
      if (!state.readClosed) fail(o, { _tag: "Truncated", detail: "eof" })
      return o
    case "TimeAdvanced":
      return o
  }
  fail(o, { _tag: "PeerMisbehaved", alert: "unexpected_message", detail: `${event._tag} in ${state._tag}` }, "unexpected_message")
  return o
}

/** Frames buffered while waiting on work are processed once the work is done. */
const resume = (deps: Deps, o: Out): StepResult<ToyState> => {
  if (o.state.buf.length === 0 || o.state._tag === "Closed") return o
  const buf = o.state.buf
  const r = step(deps, { ...o.state, buf: new Uint8Array(0) }, { _tag: "Received", bytes: buf, now: 0, entropy: new Uint8Array(0) })
  return { state: r.state, actions: [...o.actions, ...r.actions] }
}

/** TEST-ONLY toy machine (see the module comment). */
export const ToyMachine: Machine<ToyState> = {
  initial,
  step,
  needsEntropy: (s) => (s._tag === "Idle" ? 64 : s._tag === "WaitHello" && s.sr === undefined ? 32 : 0),
  phase: (s) => (s._tag === "Closed" ? "closed" : s._tag === "Open" ? "open" : "handshake")
}
