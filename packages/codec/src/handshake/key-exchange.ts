/**
 * ServerKeyExchange and ClientKeyExchange (RFC 5246 §7.4.3, §7.4.7; RFC 8422 §5.4, §5.7):
 * the layout follows the suite's key exchange, which the codec is told, never guesses.
 *
 * @since 0.1.0
 */
import * as W from "../wire/codec.js"

/** `struct { SignatureAndHashAlgorithm algorithm; opaque signature<0..2^16-1>; } DigitallySigned` (TLS 1.2). @since 0.1.0 @category codecs */
export const DigitallySigned = W.struct("DigitallySigned", {
  algorithm: W.uint16,
  signature: W.bytes(2, 0, 0xffff)
})

/** TLS 1.0/1.1: the signature alone. @since 0.1.0 @category codecs */
export const LegacySigned = W.struct("Signature", { signature: W.bytes(2, 0, 0xffff) })

/**
 * `ServerECDHParams`: `ECParameters curve_params` (only named_curve(3): RFC 8422 §5.4
 * removed the explicit forms, so any other curve_type is `illegal_parameter`) and
 * `ECPoint public` (`opaque point<1..2^8-1>`).
 *
 * @since 0.1.0
 * @category codecs
 */
export const EcdheParams = W.struct("ServerECDHParams", {
  curveType: W.oneOf(W.uint8, [3] as const, "ECCurveType"),
  namedCurve: W.uint16,
  publicKey: W.bytes(1, 1, 0xff)
})

/** `ServerDHParams { opaque dh_p<1..2^16-1>; opaque dh_g<1..2^16-1>; opaque dh_Ys<1..2^16-1>; }`. @since 0.1.0 @category codecs */
export const DheParams = W.struct("ServerDHParams", {
  p: W.bytes(2, 1, 0xffff),
  g: W.bytes(2, 1, 0xffff),
  ys: W.bytes(2, 1, 0xffff)
})

/** ECDHE ServerKeyExchange, TLS 1.2. @since 0.1.0 @category codecs */
export const ServerKeyExchangeEcdhe = W.tagged("ServerKeyExchangeEcdhe", { params: EcdheParams, signed: DigitallySigned })
/** DHE ServerKeyExchange, TLS 1.2. @since 0.1.0 @category codecs */
export const ServerKeyExchangeDhe = W.tagged("ServerKeyExchangeDhe", { params: DheParams, signed: DigitallySigned })
/** ECDHE ServerKeyExchange, TLS 1.0/1.1 (read-only use: old captures). @since 0.1.0 @category codecs */
export const ServerKeyExchangeEcdheLegacy = W.tagged("ServerKeyExchangeEcdheLegacy", { params: EcdheParams, signed: LegacySigned })
/** DHE ServerKeyExchange, TLS 1.0/1.1. @since 0.1.0 @category codecs */
export const ServerKeyExchangeDheLegacy = W.tagged("ServerKeyExchangeDheLegacy", { params: DheParams, signed: LegacySigned })

/** @since 0.1.0 @category models */
export type ServerKeyExchangeEcdhe = W.Type<typeof ServerKeyExchangeEcdhe>
/** @since 0.1.0 @category models */
export type ServerKeyExchangeDhe = W.Type<typeof ServerKeyExchangeDhe>

/** RSA key transport: `opaque encrypted_pre_master_secret<0..2^16-1>` (TLS 1.0+). @since 0.1.0 @category codecs */
export const ClientKeyExchangeRsa = W.tagged("ClientKeyExchangeRsa", { encryptedPreMasterSecret: W.bytes(2, 0, 0xffff) })
/** DHE: `opaque dh_Yc<1..2^16-1>`. @since 0.1.0 @category codecs */
export const ClientKeyExchangeDhe = W.tagged("ClientKeyExchangeDhe", { dhYc: W.bytes(2, 1, 0xffff) })
/** ECDHE: `ECPoint ecdh_Yc` (`opaque point<1..2^8-1>`). @since 0.1.0 @category codecs */
export const ClientKeyExchangeEcdhe = W.tagged("ClientKeyExchangeEcdhe", { ecdhYc: W.bytes(1, 1, 0xff) })
