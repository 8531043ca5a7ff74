/**
 * Network faults for the simulator, as data: a schedule is a list of `Fault`s, each
 * aimed at one direction (the side that writes) and placed by a byte offset in that
 * side's original byte stream or by the index of one of its writes — so fast-check can
 * generate schedules, shrink them, and a trace can record them.
 *
 * `FaultState` applies a schedule to one direction, write by write: it cuts, joins,
 * corrupts, drops, inserts and replaces bytes, and says when the stream ends (EOF,
 * silence, reset) and how late a write arrives.
 *
 * @since 0.1.0
 */
import type { Role } from "../machine/machine.js"

/**
 * One fault.
 *
 * - `Split`: a chunk boundary just before byte `at` (the receiver steps twice).
 * - `Coalesce`: write number `write` is held back and arrives joined to the next write
 *   (or alone after `holdMs`, by default twice the one-way delay).
 * - `Delay`: write number `write` arrives `ms` later (and everything after it too:
 *   the pipe never reorders).
 * - `Corrupt`: byte `at` is XORed with `xor` (1–255).
 * - `Truncate`: bytes from `at` on are dropped and the receiver sees EOF.
 * - `Inject`: `bytes` are inserted just before byte `at`.
 * - `Replace`: the `length` bytes from `at` are replaced by `bytes` (a record, a message).
 * - `Reset`: when the stream reaches byte `at`, the connection is reset both ways.
 * - `Silent`: bytes from `at` on vanish; no EOF (the peer waits until it times out).
 *
 * @since 0.1.0
 * @category models
 */
export type Fault =
  | { readonly _tag: "Split"; readonly from: Role; readonly at: number }
  | { readonly _tag: "Coalesce"; readonly from: Role; readonly write: number; readonly holdMs?: number | undefined }
  | { readonly _tag: "Delay"; readonly from: Role; readonly write: number; readonly ms: number }
  | { readonly _tag: "Corrupt"; readonly from: Role; readonly at: number; readonly xor: number }
  | { readonly _tag: "Truncate"; readonly from: Role; readonly at: number }
  | { readonly _tag: "Inject"; readonly from: Role; readonly at: number; readonly bytes: Uint8Array }
  | { readonly _tag: "Replace"; readonly from: Role; readonly at: number; readonly length: number; readonly bytes: Uint8Array }
  | { readonly _tag: "Reset"; readonly from: Role; readonly at: number }
  | { readonly _tag: "Silent"; readonly from: Role; readonly at: number }

/** How a direction ends. @since 0.1.0 @category models */
export type StreamEnd = "eof" | "silent" | "reset"

/**
 * What one write becomes: the chunks to deliver (each its own `Received` at the peer),
 * extra delay, whether to hold it for the next write, and whether the stream ends here.
 *
 * @since 0.1.0
 * @category models
 */
export interface Shaped {
  readonly chunks: ReadonlyArray<Uint8Array>
  readonly extraDelayMs: number
  readonly hold: { readonly holdMs?: number | undefined } | undefined
  readonly end: StreamEnd | undefined
}

type Positioned = Extract<Fault, { readonly at: number }>

const concat = (parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  let n = 0
  for (const p of parts) n += p.length
  const out = new Uint8Array(n)
  let at = 0
  for (const p of parts) (out.set(p, at), (at += p.length))
  return out
}

/**
 * The fault schedule of one direction, applied write by write.
 *
 * @since 0.1.0
 * @category models
 */
export class FaultState {
  private offset = 0
  private writes = 0
  private skipUntil = 0
  private ended: StreamEnd | undefined
  private readonly byOffset = new Map<number, Array<Positioned>>()
  private readonly byWrite = new Map<number, Array<Extract<Fault, { readonly write: number }>>>()
  private readonly lastOffset: number

  constructor(faults: ReadonlyArray<Fault>, from: Role) {
    let last = -1
    for (const f of faults) {
      if (f.from !== from) continue
      if ("at" in f) {
        const list = this.byOffset.get(f.at) ?? []
        list.push(f)
        this.byOffset.set(f.at, list)
        last = Math.max(last, f.at)
      } else {
        const list = this.byWrite.get(f.write) ?? []
        list.push(f)
        this.byWrite.set(f.write, list)
      }
    }
    this.lastOffset = last
  }

  /** Whether the direction has ended (EOF, silence or reset). */
  get end(): StreamEnd | undefined {
    return this.ended
  }

  /** Shapes the next write. After the stream ended, everything is dropped. */
  push(bytes: Uint8Array): Shaped {
    const index = this.writes++
    let extraDelayMs = 0
    let hold: Shaped["hold"]
    for (const f of this.byWrite.get(index) ?? []) {
      if (f._tag === "Delay") extraDelayMs += Math.max(0, f.ms)
      else hold = { holdMs: f.holdMs }
    }
    if (this.ended !== undefined) return { chunks: [], extraDelayMs, hold: undefined, end: undefined }
    const start = this.offset
    this.offset += bytes.length
    if (this.lastOffset < start && this.skipUntil <= start) return { chunks: [bytes], extraDelayMs, hold, end: undefined }
    const chunks: Array<Uint8Array> = []
    let current: Array<number> = []
    const cut = () => {
      if (current.length > 0) chunks.push(Uint8Array.from(current))
      current = []
    }
    let end: StreamEnd | undefined
    scan: for (let i = 0; i < bytes.length; i++) {
      const at = start + i
      let xor = 0
      for (const f of this.byOffset.get(at) ?? []) {
        switch (f._tag) {
          case "Split":
            cut()
            break
          case "Inject":
            for (const b of f.bytes) current.push(b)
            break
          case "Replace":
            for (const b of f.bytes) current.push(b)
            this.skipUntil = Math.max(this.skipUntil, at + f.length)
            break
          case "Corrupt":
            xor ^= f.xor & 0xff
            break
          case "Truncate":
            end = "eof"
            break scan
          case "Silent":
            end = "silent"
            break scan
          case "Reset":
            end = "reset"
            break scan
        }
      }
      if (at < this.skipUntil) continue
      current.push(bytes[i]! ^ xor)
    }
    cut()
    this.ended = end
    return { chunks: chunks.length > 0 ? chunks : [], extraDelayMs, hold, end }
  }
}

/** Joins held chunks into the first chunk of the next write (a coalesced delivery). @since 0.1.0 */
export const joinHeld = (held: ReadonlyArray<Uint8Array>, chunks: ReadonlyArray<Uint8Array>): ReadonlyArray<Uint8Array> => {
  if (held.length === 0) return chunks
  if (chunks.length === 0) return [concat(held)]
  return [concat([...held, chunks[0]!]), ...chunks.slice(1)]
}

/** A short description of a fault, for traces and test names. @since 0.1.0 */
export const describeFault = (f: Fault): string => {
  switch (f._tag) {
    case "Coalesce":
      return `${f.from} write #${f.write}: coalesce with the next`
    case "Delay":
      return `${f.from} write #${f.write}: +${f.ms} ms`
    case "Corrupt":
      return `${f.from} byte ${f.at}: xor 0x${f.xor.toString(16)}`
    case "Inject":
      return `${f.from} byte ${f.at}: inject ${f.bytes.length} bytes`
    case "Replace":
      return `${f.from} bytes ${f.at}..${f.at + f.length}: replace with ${f.bytes.length} bytes`
    default:
      return `${f.from} byte ${f.at}: ${f._tag.toLowerCase()}`
  }
}
