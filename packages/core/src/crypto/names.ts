/**
 * IANA code points to the provider's names: named groups (RFC 8446 §4.2.7, RFC 7919,
 * draft-ietf-tls-ecdhe-mlkem) and signature schemes (RFC 8446 §4.2.3), for the groups and
 * schemes the providers implement.
 *
 * @since 0.1.0
 */
import { NamedGroup, SignatureScheme } from "@effect-tls/codec"
import type { KeyExchangeGroup, SignatureAlgorithm } from "./provider.js"
import { schemes } from "./schemes.js"

const groupNames: ReadonlyMap<number, KeyExchangeGroup> = new Map([
  [NamedGroup.values.x25519, "x25519"],
  [NamedGroup.values.secp256r1, "secp256r1"],
  [NamedGroup.values.secp384r1, "secp384r1"],
  [NamedGroup.values.ffdhe2048, "ffdhe2048"],
  [NamedGroup.values.ffdhe3072, "ffdhe3072"],
  [NamedGroup.values.ffdhe4096, "ffdhe4096"],
  [NamedGroup.values.X25519MLKEM768, "x25519mlkem768"]
])

/** The provider's name of a NamedGroup code point we implement. @since 0.1.0 */
export const groupName = (code: number): KeyExchangeGroup | undefined => groupNames.get(code)

/** The provider's name of a SignatureScheme code point we implement. @since 0.1.0 */
export const schemeName = (code: number): SignatureAlgorithm | undefined => {
  const name = SignatureScheme.nameOf(code)
  return Object.prototype.hasOwnProperty.call(schemes, name) ? (name as SignatureAlgorithm) : undefined
}
