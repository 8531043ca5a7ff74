/**
 * Small helpers for the crypto tests: hex, concatenation, and loading the fixture keys.
 *
 * @since 0.1.0
 */
import { Result } from "effect"
import { loadPrivateKey, loadPublicKey } from "../../src/crypto/keys.js"
import type { PrivateKey, PublicKey } from "../../src/crypto/provider.js"

/** Bytes from hex (whitespace ignored). */
export const hex = (s: string): Uint8Array => {
  const clean = s.replace(/\s+/g, "")
  return Uint8Array.from(clean.match(/../g) ?? [], (h) => parseInt(h, 16))
}

/** Hex from bytes. */
export const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("")

/** ASCII bytes. */
export const ascii = (s: string): Uint8Array => new TextEncoder().encode(s)

/** `n` bytes of value `v`. */
export const filled = (n: number, v: number): Uint8Array => new Uint8Array(n).fill(v)

/** Concatenation. */
export const concat = (...parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** A copy of `b` with bit `bit` of byte `index` flipped. */
export const flip = (b: Uint8Array, index: number, bit = 0): Uint8Array => {
  const out = b.slice()
  out[index] = out[index]! ^ (1 << bit)
  return out
}

/** A private key from PEM or DER that must load. */
export const privateKey = (input: string | Uint8Array): PrivateKey => Result.getOrThrow(loadPrivateKey(input))

/** A public key from PEM or DER that must load. */
export const publicKey = (input: string | Uint8Array): PublicKey => Result.getOrThrow(loadPublicKey(input))
