/**
 * A recorded simulation as readable text, in the spirit of `openssl s_client -state`: one
 * line per transition of either side, in the order they happened, with the virtual time,
 * and optionally one line per chunk put on the wire.
 *
 *     [    25.000 ms] server  WaitClientHello -> WaitKeyAgreed    read ClientHello
 *
 * @since 0.1.0
 */
import type { Role } from "../machine/machine.js"
import type { SimTrace } from "./trace.js"

/** Formatting options: `wire` adds a line per write (`client >>> 517 bytes`). @since 0.1.0 @category models */
export interface FormatOptions {
  readonly wire?: boolean | undefined
}

const time = (at: number) => `[${at.toFixed(3).padStart(10)} ms]`
const who = (side: Role) => side.padEnd(6)

/**
 * The trace's lines, in the order things happened.
 *
 * @since 0.1.0
 */
export const formatTrace = (trace: SimTrace, options: FormatOptions = {}): ReadonlyArray<string> => {
  const lines: Array<{ seq: number; text: string }> = []
  const width = Math.max(0, ...[...trace.client.transitions, ...trace.server.transitions].map((t) => `${t.from} -> ${t.to}`.length))
  for (const side of ["client", "server"] as const) {
    for (const t of trace[side].transitions) {
      lines.push({ seq: t.seq, text: `${time(t.at)} ${who(side)}  ${`${t.from} -> ${t.to}`.padEnd(width)}  ${t.note}` })
    }
    if (options.wire) {
      for (const w of trace[side].sent) lines.push({ seq: w.seq, text: `${time(w.at)} ${who(side)}  >>> ${w.hex.length / 2} bytes` })
    }
  }
  return lines.sort((a, b) => a.seq - b.seq).map((l) => l.text)
}
