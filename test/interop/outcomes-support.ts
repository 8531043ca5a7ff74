/**
 * What the outcome tests (issue 16) share: each records the case, OpenSSL's words and ours
 * after its assertions pass, and with `EFFECT_TLS_OUTCOMES_DIR` set the records are written
 * there as JSON for `scripts/outcomes-table.ts`, which makes the README's table from them.
 */
import { TlsError } from "@effect-tls/core"
import * as fs from "node:fs"
import * as path from "node:path"

/** One observed outcome: the case, OpenSSL's words, ours. */
export interface Outcome {
  readonly criterion: number
  readonly tls: string
  readonly case: string
  readonly openssl: string
  readonly ours: string
}

/** A file's records: `record` after a test's assertions, `save` after all (writes `name` when asked to). */
export const outcomeRecorder = (name: string) => {
  const outcomes: Array<Outcome> = []
  return {
    record: (o: Outcome): void => void outcomes.push(o),
    save: (): void => {
      const dir = process.env.EFFECT_TLS_OUTCOMES_DIR
      if (dir !== undefined && dir !== "") fs.writeFileSync(path.join(dir, name), JSON.stringify(outcomes, null, 2))
    }
  }
}

/** OpenSSL's reason for a failed handshake, from its error line (`tlsv1 alert protocol version`, `no shared cipher`). */
export const opensslWords = (output: string): string => {
  const m = /error:[0-9A-F]+:SSL routines:[^:]*:([^:\n]+):/.exec(output)
  if (m === null) throw new Error(`no OpenSSL error line in:\n${output.slice(-2000)}`)
  return m[1]!
}

/** Our side's failure as the table shows it: the reason, its alert, and its detail. */
export const ourWords = (e: unknown): string => {
  if (!(e instanceof TlsError)) return String(e)
  const r = e.reason
  if (r._tag === "AlertReceived") return `${r._tag} ${r.alert}${r.afterOurFinished ? ", after our Finished" : ""}${r.detail === undefined ? "" : `: ${r.detail}`}`
  return `${r._tag}${"alert" in r ? ` ${r.alert}` : ""}: ${r.detail}`
}

/** The alert of a `TlsError`'s reason, if it names one. */
export const alertOf = (e: unknown): string | undefined => (e instanceof TlsError && "alert" in e.reason ? String(e.reason.alert) : undefined)
