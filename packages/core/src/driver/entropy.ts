/**
 * Sources of random bytes behind the `Entropy` service (services.ts): the platform CSPRNG
 * (`crypto.getRandomValues`, the only place core reads it), a deterministic generator for
 * the simulator and replay — ChaCha20's keystream (RFC 8439) under a key hashed from the
 * seed with SHA-256 — and fixed bytes for test vectors.
 *
 * **Gotchas**: a seeded generator is predictable by design; never give one to a live
 * connection. Nothing here uses `Math.random` or Effect's `effect/Random`.
 *
 * @since 0.1.0
 */
import { chacha20 } from "@noble/ciphers/chacha.js"
import { sha256 } from "@noble/hashes/sha2.js"
import * as Effect from "effect/Effect"

/**
 * A source of random bytes.
 *
 * @since 0.1.0
 * @category services
 */
export interface EntropySource {
  /** `n` fresh random bytes (a new array each call). */
  readonly bytes: (n: number) => Effect.Effect<Uint8Array>
}

/** A seed: a number, a string (UTF-8) or raw bytes. @since 0.1.0 @category models */
export type Seed = number | bigint | string | Uint8Array

const MAX_CHUNK = 65_536 // getRandomValues refuses more than 64 KiB per call

/**
 * The platform CSPRNG (`globalThis.crypto.getRandomValues`): Web Crypto in browsers,
 * Deno and Bun, `node:crypto`'s generator in Node.
 *
 * @since 0.1.0
 * @category constructors
 */
export const liveSource: EntropySource = {
  bytes: (n) =>
    Effect.sync(() => {
      const out = new Uint8Array(n)
      for (let at = 0; at < n; at += MAX_CHUNK) globalThis.crypto.getRandomValues(out.subarray(at, Math.min(n, at + MAX_CHUNK)))
      return out
    })
}

const seedBytes = (seed: Seed): Uint8Array => {
  if (seed instanceof Uint8Array) return seed
  const text = typeof seed === "string" ? `s:${seed}` : `n:${seed.toString()}`
  return new TextEncoder().encode(text)
}

const BLOCK = 64
const BATCH = 16 * BLOCK

/**
 * A deterministic byte generator: synchronous, for code that is not an Effect (the
 * replayer, fixtures). `next(n)` continues the stream where the previous call stopped.
 *
 * @since 0.1.0
 * @category models
 */
export interface Drbg {
  readonly next: (n: number) => Uint8Array
  /** How many bytes were drawn so far. */
  readonly drawn: () => number
}

/**
 * The deterministic generator behind `seeded`: the ChaCha20 keystream (RFC 8439 §2.4,
 * zero nonce, block counter from 0) under `SHA-256("effect-tls seeded entropy" ‖ label ‖
 * seed)`. The same seed and label give the same bytes, however the draws are split.
 *
 * @since 0.1.0
 * @category constructors
 */
export const drbg = (seed: Seed, label = ""): Drbg => {
  const prefix = new TextEncoder().encode(`effect-tls seeded entropy\u0000${label}\u0000`)
  const s = seedBytes(seed)
  const input = new Uint8Array(prefix.length + s.length)
  input.set(prefix)
  input.set(s, prefix.length)
  let key = sha256(input)
  let nonce = new Uint8Array(12)
  let counter = 0
  let buffer = new Uint8Array(0)
  let offset = 0
  let total = 0
  const refill = () => {
    if (counter + BATCH / BLOCK >= 0xffff_ffff) {
      // 2^32 blocks (256 GiB) under one nonce: move to the next nonce.
      const view = new DataView(nonce.buffer)
      nonce = nonce.slice()
      new DataView(nonce.buffer).setUint32(8, view.getUint32(8) + 1)
      counter = 0
    }
    buffer = chacha20(key, nonce, new Uint8Array(BATCH), undefined, counter)
    counter += BATCH / BLOCK
    offset = 0
  }
  return {
    next: (n) => {
      const out = new Uint8Array(n)
      let filled = 0
      while (filled < n) {
        if (offset === buffer.length) refill()
        const take = Math.min(n - filled, buffer.length - offset)
        out.set(buffer.subarray(offset, offset + take), filled)
        offset += take
        filled += take
      }
      total += n
      return out
    },
    drawn: () => total
  }
}

/**
 * A deterministic source (see `drbg`): for the simulator, tests and replays only.
 *
 * @since 0.1.0
 * @category constructors
 */
export const seededSource = (seed: Seed, label = ""): EntropySource => {
  const d = drbg(seed, label)
  return { bytes: (n) => Effect.sync(() => d.next(n)) }
}

/**
 * Entropy from fixed bytes, in order, then failure (a defect) when they run out: for test
 * vectors that supply a known random and key share (RFC 8448).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fixedSource = (chunks: ReadonlyArray<Uint8Array>): EntropySource => {
  const queue = chunks.map((c) => c.slice())
  let current = new Uint8Array(0)
  return {
    bytes: (n) =>
      Effect.sync(() => {
        const out = new Uint8Array(n)
        let filled = 0
        while (filled < n) {
          if (current.length === 0) {
            const nextChunk = queue.shift()
            if (nextChunk === undefined) throw new Error(`fixed entropy exhausted: ${n - filled} more bytes wanted`)
            current = nextChunk
          }
          const take = Math.min(n - filled, current.length)
          out.set(current.subarray(0, take), filled)
          current = current.subarray(take)
          filled += take
        }
        return out
      })
  }
}
