/**
 * The signature schemes of RFC 8446 §4.2.3 decoded into what a provider needs: the family,
 * the hash, and the key type the scheme requires (rsae: an rsaEncryption key; pss: an
 * RSASSA-PSS key, RFC 8446 §4.2.3). Shared by both providers.
 *
 * @since 0.1.0
 */
import type { HashAlgorithm, SignatureAlgorithm } from "./provider.js"

/** How a scheme signs: its family, hash, and the key type it needs (RFC 8446 §4.2.3). */
export type SchemeInfo =
  | { readonly family: "ecdsa"; readonly hash: HashAlgorithm; readonly key: "ec" }
  | { readonly family: "ed25519"; readonly key: "ed25519" }
  | { readonly family: "pss"; readonly hash: Exclude<HashAlgorithm, "sha1">; readonly key: "rsa" | "rsa-pss" }
  | { readonly family: "pkcs1"; readonly hash: HashAlgorithm; readonly key: "rsa" }

/**
 * Every signature scheme, decoded. ECDSA schemes take the curve from the key: in TLS 1.2 the
 * scheme names a hash only, and binding the curve in TLS 1.3 is the handshake's check.
 *
 * @since 0.1.0
 */
export const schemes: Readonly<Record<SignatureAlgorithm, SchemeInfo>> = {
  ecdsa_secp256r1_sha256: { family: "ecdsa", hash: "sha256", key: "ec" },
  ecdsa_secp384r1_sha384: { family: "ecdsa", hash: "sha384", key: "ec" },
  ecdsa_sha1: { family: "ecdsa", hash: "sha1", key: "ec" },
  ed25519: { family: "ed25519", key: "ed25519" },
  rsa_pss_rsae_sha256: { family: "pss", hash: "sha256", key: "rsa" },
  rsa_pss_rsae_sha384: { family: "pss", hash: "sha384", key: "rsa" },
  rsa_pss_rsae_sha512: { family: "pss", hash: "sha512", key: "rsa" },
  rsa_pss_pss_sha256: { family: "pss", hash: "sha256", key: "rsa-pss" },
  rsa_pss_pss_sha384: { family: "pss", hash: "sha384", key: "rsa-pss" },
  rsa_pss_pss_sha512: { family: "pss", hash: "sha512", key: "rsa-pss" },
  rsa_pkcs1_sha256: { family: "pkcs1", hash: "sha256", key: "rsa" },
  rsa_pkcs1_sha384: { family: "pkcs1", hash: "sha384", key: "rsa" },
  rsa_pkcs1_sha512: { family: "pkcs1", hash: "sha512", key: "rsa" },
  rsa_pkcs1_sha1: { family: "pkcs1", hash: "sha1", key: "rsa" }
}
