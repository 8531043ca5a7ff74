/**
 * Crypto provider benchmark (issue 10, acceptance 6), a script, not a test:
 *
 *   npx tsx packages/core/bench/crypto.bench.ts [--quick]
 *
 * Prints, for `NobleCrypto` and `NodeCrypto`: AEAD seal and open throughput on 16 KiB
 * records, ECDHE (key pair + agreement) operations per second for every group, sign and
 * verify operations per second for every scheme, and the cost of our wrapper against the
 * raw library call it makes (@noble / node:crypto), as a percentage (target: under 5 %).
 * `--quick` shortens every measurement (for a smoke run).
 *
 * @since 0.1.0
 */
import * as crypto from "node:crypto"
import { gcm } from "@noble/ciphers/aes.js"
import { chacha20poly1305 } from "@noble/ciphers/chacha.js"
import { ed25519, x25519 } from "@noble/curves/ed25519.js"
import { p256 } from "@noble/curves/nist.js"
import { sha256 } from "@noble/hashes/sha2.js"
import { Result } from "effect"
import { loadPrivateKey, loadPublicKey } from "../src/crypto/keys.js"
import { NobleCrypto } from "../src/crypto/noble.js"
import {
  type AeadAlgorithm,
  type CryptoProvider,
  encapsulateEntropyLength,
  type KeyExchangeGroup,
  keyShareSeedLength,
  type SignatureAlgorithm
} from "../src/crypto/provider.js"
import * as F from "../test/crypto/fixtures.js"

// A bench may cross packages; the path is computed so that tsc's project graph stays acyclic.
const nodeEntry = new URL("../../node/src/index.ts", import.meta.url).href
const { NodeCrypto } = (await import(nodeEntry)) as { NodeCrypto: CryptoProvider }

const quick = process.argv.includes("--quick")
const budgetMs = quick ? 60 : 400

/** Operations per second of `fn`, over about `budgetMs` after a short warm-up. */
const opsPerSecond = (fn: () => unknown, budget = budgetMs): number => {
  const warmEnd = performance.now() + budget / 4
  while (performance.now() < warmEnd) fn()
  let ops = 0
  const start = performance.now()
  let now = start
  while (now - start < budget) {
    fn()
    ops++
    now = performance.now()
  }
  return (ops * 1000) / (now - start)
}

/** Milliseconds per call of `fn`, over a batch of `n` calls. */
const perCall = (fn: () => unknown, n: number): number => {
  const start = performance.now()
  for (let i = 0; i < n; i++) fn()
  return (performance.now() - start) / n
}

/**
 * The wrapper's cost against the raw call, in percent: the median, over many rounds, of
 * the ratio between adjacent batches of each (alternating which goes first), so that both
 * sides of a ratio meet the same GC and CPU conditions.
 */
const overhead = (raw: () => unknown, wrapped: () => unknown): number => {
  const rounds = quick ? 5 : 25
  const n = Math.max(1, Math.round(opsPerSecond(raw, budgetMs / 4) * (budgetMs / rounds / 1000)))
  const ratios: Array<number> = []
  for (let i = 0; i < rounds; i++) {
    let r: number
    let w: number
    if (i % 2 === 0) {
      r = perCall(raw, n)
      w = perCall(wrapped, n)
    } else {
      w = perCall(wrapped, n)
      r = perCall(raw, n)
    }
    ratios.push(w / r)
  }
  ratios.sort((a, b) => a - b)
  return (ratios[Math.floor(rounds / 2)]! - 1) * 100
}

const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
const providers = [NobleCrypto, NodeCrypto] as const
const rows: Array<Record<string, string>> = []
const row = (what: string, unit: string, values: ReadonlyArray<number>, digits = 0) => {
  rows.push({ measure: what, unit, [providers[0].name]: fmt(values[0]!, digits), [providers[1].name]: fmt(values[1]!, digits) })
  process.stderr.write(".")
}

// ---- AEAD -------------------------------------------------------------------------------
const record = new Uint8Array(16 * 1024).fill(0x61)
const nonce = new Uint8Array(12).fill(1)
const aad = Uint8Array.of(23, 3, 3, 0x40, 0x11)
const aeadKeys: Record<AeadAlgorithm, Uint8Array> = {
  "aes-128-gcm": new Uint8Array(16).fill(7),
  "aes-256-gcm": new Uint8Array(32).fill(7),
  "chacha20-poly1305": new Uint8Array(32).fill(7)
}
for (const algorithm of Object.keys(aeadKeys) as Array<AeadAlgorithm>) {
  const keys = providers.map((p) => p.aead(algorithm, aeadKeys[algorithm]))
  const sealed = keys[0]!.seal(nonce, aad, record)
  const mbps = (ops: number) => (ops * record.length) / 1e6
  row(`${algorithm} seal, 16 KiB records`, "MB/s", keys.map((k) => mbps(opsPerSecond(() => k.seal(nonce, aad, record)))), 1)
  row(`${algorithm} open, 16 KiB records`, "MB/s", keys.map((k) => mbps(opsPerSecond(() => k.open(nonce, aad, sealed)))), 1)
}

// ---- ECDHE ------------------------------------------------------------------------------
for (const group of Object.keys(keyShareSeedLength) as Array<KeyExchangeGroup>) {
  const peer = NobleCrypto.generateKeyShare(group, new Uint8Array(keyShareSeedLength[group]).fill(9))
  const seed = new Uint8Array(keyShareSeedLength[group]).fill(3)
  const entropy = new Uint8Array(encapsulateEntropyLength(group)).fill(4)
  const budget = group.startsWith("ffdhe") && !quick ? budgetMs * 2 : budgetMs
  row(
    `${group} client: key pair + agreement`,
    "ops/s",
    providers.map((p) => {
      const server = p.encapsulate(group, p.generateKeyShare(group, seed).publicKey, entropy)!
      const peerValue = group === "x25519mlkem768" ? server.publicKey : peer.publicKey
      return opsPerSecond(() => p.agree(p.generateKeyShare(group, seed), peerValue), budget)
    })
  )
  row(
    `${group} server: encapsulate (key pair + agreement)`,
    "ops/s",
    providers.map((p) => opsPerSecond(() => p.encapsulate(group, peer.publicKey, entropy), budget))
  )
}

// ---- signatures -------------------------------------------------------------------------
const key = (pem: string) => Result.getOrThrow(loadPrivateKey(pem))
const pub = (pem: string) => Result.getOrThrow(loadPublicKey(pem))
const signing: ReadonlyArray<readonly [SignatureAlgorithm, string, string]> = [
  ["ecdsa_secp256r1_sha256", F.p256, F.p256Public],
  ["ecdsa_secp384r1_sha384", F.p384, F.p384Public],
  ["ed25519", F.ed25519, F.ed25519Public],
  ["rsa_pss_rsae_sha256", F.rsa2048, F.rsa2048Public],
  ["rsa_pss_pss_sha256", F.rsaPss2048, F.rsaPss2048Public],
  ["rsa_pkcs1_sha256", F.rsa2048, F.rsa2048Public]
]
const message = new Uint8Array(130).fill(0x20) // a TLS 1.3 CertificateVerify input is ~130 bytes
const entropy = new Uint8Array(64).fill(5)
for (const [scheme, priv, pubPem] of signing) {
  const k = key(priv)
  const p = pub(pubPem)
  const signature = NobleCrypto.sign(scheme, k, message, entropy)
  row(`${scheme} sign (${k.bits ?? k.curve ?? k.type})`, "ops/s", providers.map((c) => opsPerSecond(() => c.sign(scheme, k, message, entropy))))
  row(`${scheme} verify`, "ops/s", providers.map((c) => opsPerSecond(() => c.verify(scheme, p, message, signature))))
}

// ---- wrapper cost against the raw library call ---------------------------------------------
const overheadRows: Array<Record<string, string>> = []
const compare = (what: string, noble: readonly [() => unknown, () => unknown], node: readonly [() => unknown, () => unknown]) => {
  overheadRows.push({ operation: what, noble: `${fmt(overhead(...noble), 1)} %`, node: `${fmt(overhead(...node), 1)} %` })
  process.stderr.write(".")
}
for (const algorithm of Object.keys(aeadKeys) as Array<AeadAlgorithm>) {
  const k = aeadKeys[algorithm]
  const nobleCipher = algorithm === "chacha20-poly1305" ? chacha20poly1305 : gcm
  const nobleKey = NobleCrypto.aead(algorithm, k)
  const nodeKey = NodeCrypto.aead(algorithm, k)
  const secret = crypto.createSecretKey(k)
  const nodeRaw = () => {
    const c = crypto.createCipheriv(algorithm as "aes-128-gcm", secret, nonce, { authTagLength: 16 })
    c.setAAD(aad, { plaintextLength: record.length })
    return Buffer.concat([c.update(record), c.final(), c.getAuthTag()])
  }
  compare(`${algorithm} seal 16 KiB`, [() => nobleCipher(k, nonce, aad).encrypt(record), () => nobleKey.seal(nonce, aad, record)], [nodeRaw, () => nodeKey.seal(nonce, aad, record)])
}
{
  const seed = new Uint8Array(32).fill(3)
  const peer = x25519.getPublicKey(new Uint8Array(32).fill(9))
  const peerObject = () => crypto.createPublicKey({ key: Buffer.from(peer), format: "raw-public", asymmetricKeyType: "x25519" })
  compare(
    "x25519 key pair + agreement",
    [() => (x25519.getPublicKey(seed), x25519.getSharedSecret(seed, peer)), () => NobleCrypto.agree(NobleCrypto.generateKeyShare("x25519", seed), peer)],
    [
      () => {
        const privateKey = crypto.createPrivateKey({ key: Buffer.from(seed), format: "raw-private", asymmetricKeyType: "x25519" })
        crypto.createPublicKey(privateKey).export({ format: "raw-public" })
        return crypto.diffieHellman({ privateKey, publicKey: peerObject() })
      },
      () => NodeCrypto.agree(NodeCrypto.generateKeyShare("x25519", seed), peer)
    ]
  )
  const scalar = new Uint8Array(32).fill(3)
  const peer256 = p256.getPublicKey(new Uint8Array(32).fill(9), false)
  compare(
    "secp256r1 key pair + agreement",
    [
      () => (p256.getPublicKey(scalar, false), p256.getSharedSecret(scalar, peer256).subarray(1)),
      () => NobleCrypto.agree(NobleCrypto.generateKeyShare("secp256r1", scalar), peer256)
    ],
    [
      () => {
        const ecdh = crypto.createECDH("prime256v1")
        ecdh.setPrivateKey(scalar)
        ecdh.getPublicKey()
        return ecdh.computeSecret(peer256)
      },
      () => NodeCrypto.agree(NodeCrypto.generateKeyShare("secp256r1", scalar), peer256)
    ]
  )
}
{
  const k = key(F.p256)
  const d = Result.getOrThrow(loadPrivateKey(F.p256))
  const object = crypto.createPrivateKey(F.p256)
  const scalarOf = crypto.createPrivateKey(F.p256).export({ format: "jwk" }).d!
  const raw = new Uint8Array(Buffer.from(scalarOf, "base64url"))
  compare(
    "ecdsa_secp256r1_sha256 sign",
    [
      () => p256.sign(sha256(message), raw, { prehash: false, lowS: false, format: "der", extraEntropy: entropy.subarray(0, 32) }),
      () => NobleCrypto.sign("ecdsa_secp256r1_sha256", k, message, entropy)
    ],
    [() => crypto.sign("sha256", message, { key: object, dsaEncoding: "der" }), () => NodeCrypto.sign("ecdsa_secp256r1_sha256", d, message, entropy)]
  )
  const e = key(F.ed25519)
  const edObject = crypto.createPrivateKey(F.ed25519)
  const seed = new Uint8Array(Buffer.from(edObject.export({ format: "jwk" }).d!, "base64url"))
  compare(
    "ed25519 sign",
    [() => ed25519.sign(message, seed), () => NobleCrypto.sign("ed25519", e, message, entropy)],
    [() => crypto.sign(null, message, edObject), () => NodeCrypto.sign("ed25519", e, message, entropy)]
  )
}

process.stderr.write("\n")
console.log(`effect-tls crypto bench (Node ${process.versions.node}, OpenSSL ${process.versions.openssl}${quick ? ", --quick" : ""})`)
console.table(rows)
console.log("Wrapper cost against the raw library call (positive: the wrapper is slower):")
console.table(overheadRows)
