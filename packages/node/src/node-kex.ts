/**
 * Key exchange for `NodeCrypto` on `node:crypto`: X25519 (RFC 7748) and the RFC 7919 FFDHE
 * groups through `KeyObject`s and `crypto.diffieHellman`, P-256 / P-384 through `ECDH`,
 * ML-KEM-768 through `crypto.encapsulate` / `decapsulate` (Node 24, OpenSSL 3.5) for the
 * X25519MLKEM768 hybrid (draft-ietf-tls-ecdhe-mlkem §3.1). Key pairs come from the caller's
 * seed exactly as `NobleCrypto` makes them (`keyShareSeedLength`).
 *
 * @since 0.1.0
 */
import * as crypto from "node:crypto"
import {
  encapsulateEntropyLength,
  type FfdheGroup,
  ffdheGroups,
  hybrid,
  isFfdheGroup,
  isValidFfdhePublic,
  type KeyExchangeGroup,
  type KeyShare,
  keyShareSeedLength,
  padToPrime
} from "@effect-tls/core/crypto/shared"
import { buf, bytes } from "./bytes.js"
import { dhAlgorithm, dhPrivateKeyInfo, dhSubjectPublicKeyInfo } from "./der.js"


const checkLength = (what: string, b: Uint8Array, length: number) => {
  if (b.length !== length) throw new RangeError(`${what}: expected ${length} bytes, got ${b.length}`)
}

const isAllZero = (b: Uint8Array): boolean => {
  let acc = 0
  for (let i = 0; i < b.length; i++) acc |= b[i]!
  return acc === 0
}

// ---- X25519 ----------------------------------------------------------------------------

const x25519Private = (key: Uint8Array) =>
  crypto.createPrivateKey({ key: buf(key), format: "raw-private", asymmetricKeyType: "x25519" })

const rawPublic = (privateKey: crypto.KeyObject): Uint8Array =>
  bytes(crypto.createPublicKey(privateKey).export({ format: "raw-public" }))

const x25519Agree = (privateKey: crypto.KeyObject, peer: Uint8Array): Uint8Array | undefined => {
  if (peer.length !== 32) return undefined
  try {
    const publicKey = crypto.createPublicKey({ key: buf(peer), format: "raw-public", asymmetricKeyType: "x25519" })
    const shared = bytes(crypto.diffieHellman({ privateKey, publicKey }))
    return isAllZero(shared) ? undefined : shared // RFC 8446 §7.4.2 (OpenSSL also refuses it)
  } catch {
    return undefined
  }
}

// ---- P-256 / P-384 ---------------------------------------------------------------------

const ecCurve = { secp256r1: "prime256v1", secp384r1: "secp384r1" } as const
const ecRehash = { secp256r1: "sha256", secp384r1: "sha384" } as const

const ecdhFromSeed = (group: "secp256r1" | "secp384r1", seed: Uint8Array): { ecdh: crypto.ECDH; scalar: Uint8Array } => {
  const ecdh = crypto.createECDH(ecCurve[group])
  let scalar = seed
  for (;;) {
    try {
      ecdh.setPrivateKey(scalar) // throws when the scalar is 0 or ≥ n
      return { ecdh, scalar }
    } catch {
      scalar = bytes(crypto.createHash(ecRehash[group]).update(scalar).digest()) // see keyShareSeedLength
    }
  }
}

const ecAgree = (ecdh: crypto.ECDH, group: "secp256r1" | "secp384r1", peer: Uint8Array): Uint8Array | undefined => {
  // RFC 8446 §4.2.8.2: uncompressed points only; Node would also take compressed ones.
  if (peer.length !== (group === "secp256r1" ? 65 : 97) || peer[0] !== 0x04) return undefined
  try {
    return bytes(ecdh.computeSecret(peer)) // validates the point; returns x
  } catch {
    return undefined
  }
}

// ---- FFDHE -----------------------------------------------------------------------------

// `crypto.createDiffieHellman(p)` runs a primality check taking seconds for 4096-bit primes,
// so DH keys are imported as KeyObjects instead.
const dhAlgorithms = {
  ffdhe2048: dhAlgorithm(ffdheGroups.ffdhe2048.p),
  ffdhe3072: dhAlgorithm(ffdheGroups.ffdhe3072.p),
  ffdhe4096: dhAlgorithm(ffdheGroups.ffdhe4096.p)
}
const dhPublic = (group: FfdheGroup, y: Uint8Array) =>
  crypto.createPublicKey({ key: buf(dhSubjectPublicKeyInfo(dhAlgorithms[group], y)), format: "der", type: "spki" })
const generatorKeys = {
  ffdhe2048: dhPublic("ffdhe2048", Uint8Array.of(2)),
  ffdhe3072: dhPublic("ffdhe3072", Uint8Array.of(2)),
  ffdhe4096: dhPublic("ffdhe4096", Uint8Array.of(2))
}

const dhPrivate = (group: FfdheGroup, exponent: Uint8Array) =>
  crypto.createPrivateKey({ key: buf(dhPrivateKeyInfo(dhAlgorithms[group], exponent)), format: "der", type: "pkcs8" })

/** Y = g^x mod p, computed as the DH of x with the "public value" g. */
const ffdhePublic = (group: FfdheGroup, privateKey: crypto.KeyObject): Uint8Array =>
  padToPrime(group, bytes(crypto.diffieHellman({ privateKey, publicKey: generatorKeys[group] })))!

const ffdheAgree = (group: FfdheGroup, privateKey: crypto.KeyObject, peer: Uint8Array): Uint8Array | undefined => {
  if (!isValidFfdhePublic(group, peer)) return undefined // RFC 7919 §5.1: 1 < Y < p-1
  try {
    return padToPrime(group, bytes(crypto.diffieHellman({ privateKey, publicKey: dhPublic(group, peer) })))
  } catch {
    return undefined
  }
}

// ---- X25519MLKEM768 --------------------------------------------------------------------

/** An ML-KEM-768 decapsulation key from its 64-byte seed d ‖ z (FIPS 203 §7.1). */
const mlkemPrivate = (seed: Uint8Array) =>
  crypto.createPrivateKey({ key: buf(seed), format: "raw-seed", asymmetricKeyType: "ml-kem-768" })

// ---- the provider's operations -----------------------------------------------------------

/** Native keys made for a share, so that `agree` need not import them again. */
type NativeKeys =
  | { readonly kind: "key"; readonly key: crypto.KeyObject }
  | { readonly kind: "ecdh"; readonly ecdh: crypto.ECDH }
  | { readonly kind: "hybrid"; readonly mlkem: crypto.KeyObject; readonly x25519: crypto.KeyObject }

const nativeKeys = new WeakMap<KeyShare, NativeKeys>()

const nativeOf = (share: KeyShare): NativeKeys => {
  const cached = nativeKeys.get(share)
  if (cached !== undefined) return cached
  const { group, privateKey } = share
  const native: NativeKeys =
    group === "x25519"
      ? { kind: "key", key: x25519Private(privateKey) }
      : group === "secp256r1" || group === "secp384r1"
        ? { kind: "ecdh", ecdh: ecdhFromSeed(group, privateKey).ecdh }
        : group === "x25519mlkem768"
          ? {
              kind: "hybrid",
              mlkem: mlkemPrivate(privateKey.subarray(0, hybrid.mlkemSeedLength)),
              x25519: x25519Private(privateKey.subarray(hybrid.mlkemSeedLength))
            }
          : { kind: "key", key: dhPrivate(group, privateKey) }
  nativeKeys.set(share, native)
  return native
}

/** `CryptoProvider.generateKeyShare` (see `keyShareSeedLength`). */
export const generateKeyShare = (group: KeyExchangeGroup, seed: Uint8Array): KeyShare => {
  checkLength(`generateKeyShare(${group}) seed`, seed, keyShareSeedLength[group])
  let share: KeyShare
  let native: NativeKeys
  if (group === "x25519") {
    const key = x25519Private(seed)
    native = { kind: "key", key }
    share = { group, publicKey: rawPublic(key), privateKey: seed.slice() }
  } else if (group === "secp256r1" || group === "secp384r1") {
    const { ecdh, scalar } = ecdhFromSeed(group, seed)
    native = { kind: "ecdh", ecdh }
    share = { group, publicKey: bytes(ecdh.getPublicKey()), privateKey: scalar.slice() }
  } else if (group === "x25519mlkem768") {
    const mlkem = mlkemPrivate(seed.subarray(0, hybrid.mlkemSeedLength))
    const x25519 = x25519Private(seed.subarray(hybrid.mlkemSeedLength))
    native = { kind: "hybrid", mlkem, x25519 }
    share = { group, publicKey: hybrid.clientShare(rawPublic(mlkem), rawPublic(x25519)), privateKey: seed.slice() }
  } else {
    const exponent = seed.slice()
    exponent[0] = exponent[0]! | 0x80 // see keyShareSeedLength
    const key = dhPrivate(group, exponent)
    native = { kind: "key", key }
    share = { group, publicKey: ffdhePublic(group, key), privateKey: exponent }
  }
  nativeKeys.set(share, native)
  return share
}

/** `CryptoProvider.agree`. */
export const agree = (share: KeyShare, peerPublic: Uint8Array): Uint8Array | undefined => {
  const native = nativeOf(share)
  const group = share.group
  if (native.kind === "ecdh") return ecAgree(native.ecdh, group as "secp256r1" | "secp384r1", peerPublic)
  if (native.kind === "hybrid") {
    // draft-ietf-tls-ecdhe-mlkem §3.1.2: the ciphertext length must match the group.
    if (peerPublic.length !== hybrid.serverShareLength) return undefined
    const ecdh = x25519Agree(native.x25519, peerPublic.subarray(hybrid.ciphertextLength))
    if (ecdh === undefined) return undefined
    const mlkem = bytes(crypto.decapsulate(native.mlkem, peerPublic.subarray(0, hybrid.ciphertextLength)))
    return hybrid.sharedSecret(mlkem, ecdh)
  }
  if (group === "x25519") return x25519Agree(native.key, peerPublic)
  if (!isFfdheGroup(group)) throw new RangeError(`unknown group ${group}`)
  return ffdheAgree(group, native.key, peerPublic)
}

/**
 * `CryptoProvider.encapsulate`. For x25519mlkem768 OpenSSL draws the ML-KEM randomness
 * itself: the first 32 bytes of `entropy` are ignored (`drawsOwnRandomness` has
 * "encapsulate"); the X25519 part uses the last 32.
 */
export const encapsulate = (group: KeyExchangeGroup, peerPublic: Uint8Array, entropy: Uint8Array) => {
  checkLength(`encapsulate(${group}) entropy`, entropy, encapsulateEntropyLength(group))
  if (group !== "x25519mlkem768") {
    const share = generateKeyShare(group, entropy)
    const sharedSecret = agree(share, peerPublic)
    return sharedSecret === undefined ? undefined : { publicKey: share.publicKey, sharedSecret }
  }
  if (peerPublic.length !== hybrid.clientShareLength) return undefined
  const x25519 = x25519Private(entropy.subarray(hybrid.messageLength))
  const ecdh = x25519Agree(x25519, peerPublic.subarray(hybrid.encapsulationKeyLength))
  if (ecdh === undefined) return undefined
  let encapsulationKey: crypto.KeyObject
  try {
    // The import performs the FIPS 203 §7.2 encapsulation key (modulus) check.
    const key = buf(peerPublic.subarray(0, hybrid.encapsulationKeyLength))
    encapsulationKey = crypto.createPublicKey({ key, format: "raw-public", asymmetricKeyType: "ml-kem-768" })
  } catch {
    return undefined
  }
  const { ciphertext, sharedKey } = crypto.encapsulate(encapsulationKey)
  return {
    publicKey: hybrid.serverShare(bytes(ciphertext), rawPublic(x25519)),
    sharedSecret: hybrid.sharedSecret(bytes(sharedKey), ecdh)
  }
}
