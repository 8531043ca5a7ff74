/**
 * The handshake message union and its framing: `struct { HandshakeType msg_type; uint24
 * length; select (msg_type) { ... } }` (RFC 8446 §4, RFC 5246 §7.4). The bytes alone do
 * not fix every layout: Certificate, CertificateRequest, CertificateVerify and
 * NewSessionTicket differ by version, ServerKeyExchange and ClientKeyExchange by key
 * exchange. The state knows both and passes a `HandshakeContext`; the codec stays
 * stateless.
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import { keyExchangeOf, type KeyExchange } from "../registry/cipher-suite.js"
import { HandshakeType } from "../registry/handshake-type.js"
import * as W from "../wire/codec.js"
import type { DecodeError, EncodeError } from "../wire/errors.js"
import { Reader } from "../wire/reader.js"
import { withWriter, type Writer } from "../wire/writer.js"
import { Certificate12, Certificate13, CertificateStatus, CompressedCertificate } from "./certificate.js"
import { CertificateRequest10, CertificateRequest12, CertificateRequest13 } from "./certificate-request.js"
import { ClientHello } from "./client-hello.js"
import * as KX from "./key-exchange.js"
import { HelloRetryRequest, isHelloRetryRequestBody, ServerHello } from "./server-hello.js"
import * as S from "./simple.js"

/** Every message codec, by the `_tag` of its values, with its handshake type. @since 0.1.0 */
export const messages = {
  HelloRequest: [0, S.HelloRequest],
  ClientHello: [1, ClientHello],
  ServerHello: [2, ServerHello],
  HelloRetryRequest: [2, HelloRetryRequest],
  NewSessionTicket12: [4, S.NewSessionTicket12],
  NewSessionTicket13: [4, S.NewSessionTicket13],
  EndOfEarlyData: [5, S.EndOfEarlyData],
  EncryptedExtensions: [8, S.EncryptedExtensions],
  Certificate12: [11, Certificate12],
  Certificate13: [11, Certificate13],
  ServerKeyExchangeEcdhe: [12, KX.ServerKeyExchangeEcdhe],
  ServerKeyExchangeDhe: [12, KX.ServerKeyExchangeDhe],
  ServerKeyExchangeEcdheLegacy: [12, KX.ServerKeyExchangeEcdheLegacy],
  ServerKeyExchangeDheLegacy: [12, KX.ServerKeyExchangeDheLegacy],
  CertificateRequest10: [13, CertificateRequest10],
  CertificateRequest12: [13, CertificateRequest12],
  CertificateRequest13: [13, CertificateRequest13],
  ServerHelloDone: [14, S.ServerHelloDone],
  CertificateVerify: [15, S.CertificateVerify],
  CertificateVerifyLegacy: [15, S.CertificateVerifyLegacy],
  ClientKeyExchangeRsa: [16, KX.ClientKeyExchangeRsa],
  ClientKeyExchangeDhe: [16, KX.ClientKeyExchangeDhe],
  ClientKeyExchangeEcdhe: [16, KX.ClientKeyExchangeEcdhe],
  Finished: [20, S.Finished],
  CertificateStatus: [22, CertificateStatus],
  KeyUpdate: [24, S.KeyUpdate],
  CompressedCertificate: [25, CompressedCertificate],
  MessageHash: [254, S.MessageHash]
} as const

type Messages = typeof messages

/** Any handshake message, tagged by its layout. @since 0.1.0 @category models */
export type HandshakeMessage = { [K in keyof Messages]: W.Type<Messages[K][1]> }[keyof Messages]

/** The `_tag`s of handshake messages. @since 0.1.0 @category models */
export type HandshakeTag = HandshakeMessage["_tag"]

/** A message by tag. @since 0.1.0 @category models */
export type MessageOf<T extends HandshakeTag> = Extract<HandshakeMessage, { readonly _tag: T }>

/**
 * What the bytes do not say: the negotiated version (wire value; TLS 1.3 = 0x0304) and the
 * TLS 1.2 key exchange (or a cipher suite to take it from).
 *
 * @since 0.1.0
 * @category models
 */
export interface HandshakeContext {
  readonly version?: number | undefined
  readonly keyExchange?: KeyExchange | undefined
  readonly cipherSuite?: number | undefined
}

const TLS13 = 0x0304
const TLS12 = 0x0303

/** The codec for a message body of `type` under `ctx`, or a reason it cannot be chosen. */
const bodyCodec = (type: number, body: Uint8Array, ctx: HandshakeContext): W.Codec<HandshakeMessage> | string => {
  const v = ctx.version
  const kx = ctx.keyExchange ?? (ctx.cipherSuite !== undefined ? keyExchangeOf(ctx.cipherSuite) : undefined)
  const pick = (c: W.Codec<any>) => c as W.Codec<HandshakeMessage>
  switch (type) {
    case 0:
      return pick(S.HelloRequest)
    case 1:
      return pick(ClientHello)
    case 2:
      return pick(isHelloRetryRequestBody(body) ? HelloRetryRequest : ServerHello)
    case 4:
      return pick(v === TLS13 ? S.NewSessionTicket13 : S.NewSessionTicket12)
    case 5:
      return pick(S.EndOfEarlyData)
    case 8:
      return pick(S.EncryptedExtensions)
    case 11:
      return pick(v === TLS13 ? Certificate13 : Certificate12)
    case 12: {
      const legacy = v !== undefined && v < TLS12
      if (kx === "ECDHE") return pick(legacy ? KX.ServerKeyExchangeEcdheLegacy : KX.ServerKeyExchangeEcdhe)
      if (kx === "DHE") return pick(legacy ? KX.ServerKeyExchangeDheLegacy : KX.ServerKeyExchangeDhe)
      return `ServerKeyExchange needs an ECDHE or DHE key exchange, got ${kx ?? "none"}`
    }
    case 13:
      return pick(v === TLS13 ? CertificateRequest13 : v !== undefined && v < TLS12 ? CertificateRequest10 : CertificateRequest12)
    case 14:
      return pick(S.ServerHelloDone)
    case 15:
      return pick(v !== undefined && v < TLS12 ? S.CertificateVerifyLegacy : S.CertificateVerify)
    case 16:
      if (kx === "RSA") return pick(KX.ClientKeyExchangeRsa)
      if (kx === "DHE" || kx === "DH") return pick(KX.ClientKeyExchangeDhe)
      if (kx === "ECDHE" || kx === "ECDH") return pick(KX.ClientKeyExchangeEcdhe)
      return `ClientKeyExchange needs an RSA, DHE or ECDHE key exchange, got ${kx ?? "none"}`
    case 20:
      return pick(S.Finished)
    case 22:
      return pick(CertificateStatus)
    case 24:
      return pick(S.KeyUpdate)
    case 25:
      return pick(CompressedCertificate)
    case 254:
      return pick(S.MessageHash)
    default:
      return `unknown handshake type ${type}`
  }
}

/**
 * Decodes one whole handshake message (4-byte header and body). A length that disagrees
 * with the bytes is `decode_error`; an unknown type is `unexpected_message`.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeHandshake = (bytes: Uint8Array, ctx: HandshakeContext = {}): Result.Result<HandshakeMessage, DecodeError> => {
  const r = new Reader(bytes)
  const type = r.u8()
  r.path.push(HandshakeType.nameOf(type))
  const saved = r.enter(3, 0, 0xffffff)
  if (saved < 0) return Result.fail(r.error!)
  const codec = bodyCodec(type, bytes.subarray(r.pos, r.end), ctx)
  if (typeof codec === "string") {
    r.fail("IllegalValue", "unexpected_message", codec, 0)
    return Result.fail(r.error!)
  }
  r.path.pop()
  const msg = codec.read(r)
  r.leave(saved)
  if (r.error === undefined && r.pos !== bytes.length) {
    r.fail("TrailingBytes", "decode_error", `${bytes.length - r.pos} byte(s) after the handshake message`)
  }
  return r.error === undefined ? Result.succeed(msg) : Result.fail(r.error)
}

/** The handshake type number of a message. @since 0.1.0 */
export const handshakeTypeOf = (msg: HandshakeMessage): number => messages[msg._tag][0]

/**
 * Writes one handshake message with its header into `w` (for coalescing several messages).
 *
 * @since 0.1.0
 * @category encoding
 */
export const writeHandshake = (w: Writer, msg: HandshakeMessage): void => {
  const [type, codec] = messages[msg._tag] as readonly [number, W.Codec<HandshakeMessage>]
  w.uint(1, type)
  const at = w.open(3)
  codec.write(w, msg)
  w.close(at, 3, 0, 0xffffff)
}

/**
 * Encodes one handshake message with its header.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeHandshake = (msg: HandshakeMessage): Result.Result<Uint8Array, EncodeError> =>
  withWriter(
    (w) => writeHandshake(w, msg),
    (w) => (w.error === undefined ? Result.succeed(w.buf.slice(0, w.pos)) : Result.fail(w.error))
  )

/**
 * The codec of a whole handshake message (header + body) for one tag, e.g. for property
 * tests and for `toSchema`.
 *
 * @since 0.1.0
 * @category codecs
 */
export const framed = <T extends HandshakeTag>(tag: T): W.Codec<MessageOf<T>> => {
  const [type, codec] = messages[tag] as unknown as readonly [number, W.Codec<MessageOf<T>>]
  return W.make({
    name: tag,
    read: (r) => {
      const at = r.pos
      const t = r.u8()
      if (r.error === undefined && t !== type) r.fail("IllegalValue", "unexpected_message", `expected ${tag}, got type ${t}`, at)
      const saved = r.enter(3, 0, 0xffffff)
      if (saved < 0) return undefined as unknown as MessageOf<T>
      const v = codec.read(r)
      r.leave(saved)
      return v
    },
    write: (w, v) => {
      w.uint(1, type)
      const at = w.open(3)
      codec.write(w, v)
      w.close(at, 3, 0, 0xffffff)
    },
    minSize: 4 + codec.minSize,
    maxSize: 4 + Math.min(codec.maxSize, 0xffffff),
    schema: () => codec.schema,
    arbitrary: codec.arbitrary
  })
}
