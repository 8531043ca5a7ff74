/**
 * Key exchange for `NobleCrypto`: X25519 (RFC 7748), P-256 and P-384 ECDH (RFC 8446
 * §4.2.8.2, §7.4.2), the RFC 7919 FFDHE groups (via micro-rsa-dsa-dh) and the
 * X25519MLKEM768 hybrid (draft-ietf-tls-ecdhe-mlkem §3.1, ML-KEM-768 of FIPS 203 from
 * `@noble/post-quantum`). Key pairs come from the caller's seed (`keyShareSeedLength`).
 *
 * @since 0.1.0
 */
import { x25519 } from "@noble/curves/ed25519.js"
import { sha256, sha384 } from "@noble/hashes/sha2.js"
import { ml_kem768 } from "@noble/post-quantum/ml-kem.js"
import { DH } from "micro-rsa-dsa-dh/dh.js"
import { OS2IP } from "micro-rsa-dsa-dh/utils.js"
import { isZeroBit } from "./constant-time.js"
import { type FfdheGroup, ffdheGroups, isFfdheGroup, isValidFfdhePublic, padToPrime } from "./ffdhe.js"
import { hybrid } from "./hybrid.js"
import { nobleCurve } from "./key-material.js"
import { encapsulateEntropyLength, type KeyExchangeGroup, type KeyShare, keyShareSeedLength } from "./provider.js"

const checkLength = (what: string, bytes: Uint8Array, length: number) => {
  if (bytes.length !== length) throw new RangeError(`${what}: expected ${length} bytes, got ${bytes.length}`)
}

// The all-zero X25519 output check of RFC 8446 §7.4.2 ("MUST check whether the computed
// Diffie-Hellman shared secret is the all-zero value and abort if so"), done without a
// data-dependent branch before the single return.
const allZero = (bytes: Uint8Array): boolean => {
  let acc = 0
  for (let i = 0; i < bytes.length; i++) acc |= bytes[i]!
  return isZeroBit(acc) === 1
}

const x25519Agree = (privateKey: Uint8Array, peer: Uint8Array): Uint8Array | undefined => {
  if (peer.length !== 32) return undefined
  try {
    const shared = x25519.getSharedSecret(privateKey, peer) // throws on low-order points
    return allZero(shared) ? undefined : shared
  } catch {
    return undefined
  }
}

// ---- P-256 / P-384 -------------------------------------------------------------------

const ecScalar = (group: "secp256r1" | "secp384r1", seed: Uint8Array): Uint8Array => {
  const curve = nobleCurve(group)
  const rehash = group === "secp256r1" ? sha256 : sha384
  let scalar = seed
  while (!curve.utils.isValidSecretKey(scalar)) scalar = rehash(scalar) // see keyShareSeedLength
  return scalar
}

const ecAgree = (group: "secp256r1" | "secp384r1", scalar: Uint8Array, peer: Uint8Array): Uint8Array | undefined => {
  const curve = nobleCurve(group)
  // RFC 8446 §4.2.8.2: only the uncompressed form (0x04 ‖ X ‖ Y); this also refuses the
  // one-byte encoding of the point at infinity.
  if (peer.length !== curve.lengths.publicKeyUncompressed || peer[0] !== 0x04) return undefined
  try {
    return curve.getSharedSecret(scalar, peer, true).subarray(1) // validates the point; x only
  } catch {
    return undefined
  }
}

// ---- FFDHE ---------------------------------------------------------------------------

const dh = {
  ffdhe2048: DH({ p: OS2IP(ffdheGroups.ffdhe2048.p), g: 2n }),
  ffdhe3072: DH({ p: OS2IP(ffdheGroups.ffdhe3072.p), g: 2n }),
  ffdhe4096: DH({ p: OS2IP(ffdheGroups.ffdhe4096.p), g: 2n })
}

/** The FFDHE exponent of a seed: its bytes with the top bit set (see `keyShareSeedLength`). */
export const ffdheExponent = (seed: Uint8Array): Uint8Array => {
  const x = seed.slice()
  x[0] = x[0]! | 0x80
  return x
}

const ffdhePublic = (group: FfdheGroup, exponent: Uint8Array): Uint8Array =>
  padToPrime(group, dh[group].getPublicKey(padToPrime(group, exponent)!))!

const ffdheAgree = (group: FfdheGroup, exponent: Uint8Array, peer: Uint8Array): Uint8Array | undefined => {
  if (!isValidFfdhePublic(group, peer)) return undefined
  return padToPrime(group, dh[group].getSharedSecret(padToPrime(group, exponent)!, padToPrime(group, peer)!))
}

// ---- X25519MLKEM768 ------------------------------------------------------------------

const hybridAgree = (seed: Uint8Array, serverShare: Uint8Array): Uint8Array | undefined => {
  // draft-ietf-tls-ecdhe-mlkem §3.1.2: "the client MUST check if the ciphertext length
  // matches the selected group".
  if (serverShare.length !== hybrid.serverShareLength) return undefined
  const { secretKey } = ml_kem768.keygen(seed.subarray(0, hybrid.mlkemSeedLength))
  const ecdh = x25519Agree(seed.subarray(hybrid.mlkemSeedLength), serverShare.subarray(hybrid.ciphertextLength))
  if (ecdh === undefined) return undefined
  const mlkem = ml_kem768.decapsulate(serverShare.subarray(0, hybrid.ciphertextLength), secretKey)
  return hybrid.sharedSecret(mlkem, ecdh)
}

const hybridEncapsulate = (clientShare: Uint8Array, entropy: Uint8Array) => {
  if (clientShare.length !== hybrid.clientShareLength) return undefined
  const encapsulationKey = clientShare.subarray(0, hybrid.encapsulationKeyLength)
  const x25519Private = entropy.subarray(hybrid.messageLength)
  const ecdh = x25519Agree(x25519Private, clientShare.subarray(hybrid.encapsulationKeyLength))
  if (ecdh === undefined) return undefined
  let encapsulated: { cipherText: Uint8Array; sharedSecret: Uint8Array }
  try {
    // Throws when the FIPS 203 §7.2 encapsulation key (modulus) check fails.
    encapsulated = ml_kem768.encapsulate(encapsulationKey, entropy.subarray(0, hybrid.messageLength))
  } catch {
    return undefined
  }
  return {
    publicKey: hybrid.serverShare(encapsulated.cipherText, x25519.getPublicKey(x25519Private)),
    sharedSecret: hybrid.sharedSecret(encapsulated.sharedSecret, ecdh)
  }
}

// ---- the provider's three operations --------------------------------------------------

/** `CryptoProvider.generateKeyShare` (see `keyShareSeedLength`). */
export const generateKeyShare = (group: KeyExchangeGroup, seed: Uint8Array): KeyShare => {
  checkLength(`generateKeyShare(${group}) seed`, seed, keyShareSeedLength[group])
  switch (group) {
    case "x25519":
      return { group, publicKey: x25519.getPublicKey(seed), privateKey: seed.slice() }
    case "secp256r1":
    case "secp384r1": {
      const scalar = ecScalar(group, seed)
      return { group, publicKey: nobleCurve(group).getPublicKey(scalar, false), privateKey: scalar.slice() }
    }
    case "x25519mlkem768": {
      const { publicKey } = ml_kem768.keygen(seed.subarray(0, hybrid.mlkemSeedLength))
      const share = hybrid.clientShare(publicKey, x25519.getPublicKey(seed.subarray(hybrid.mlkemSeedLength)))
      return { group, publicKey: share, privateKey: seed.slice() }
    }
    default: {
      const exponent = ffdheExponent(seed)
      return { group, publicKey: ffdhePublic(group, exponent), privateKey: exponent }
    }
  }
}

/** `CryptoProvider.agree`. */
export const agree = (share: KeyShare, peerPublic: Uint8Array): Uint8Array | undefined => {
  const { group, privateKey } = share
  switch (group) {
    case "x25519":
      return x25519Agree(privateKey, peerPublic)
    case "secp256r1":
    case "secp384r1":
      return ecAgree(group, privateKey, peerPublic)
    case "x25519mlkem768":
      return hybridAgree(privateKey, peerPublic)
    default:
      if (!isFfdheGroup(group)) throw new RangeError(`unknown group ${group}`)
      return ffdheAgree(group, privateKey, peerPublic)
  }
}

/** `CryptoProvider.encapsulate`: the server's share and the shared secret. */
export const encapsulate = (group: KeyExchangeGroup, peerPublic: Uint8Array, entropy: Uint8Array) => {
  checkLength(`encapsulate(${group}) entropy`, entropy, encapsulateEntropyLength(group))
  if (group === "x25519mlkem768") return hybridEncapsulate(peerPublic, entropy)
  const share = generateKeyShare(group, entropy)
  const sharedSecret = agree(share, peerPublic)
  return sharedSecret === undefined ? undefined : { publicKey: share.publicKey, sharedSecret }
}
