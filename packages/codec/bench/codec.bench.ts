/**
 * Codec throughput: decode and encode operations per second for a typical ClientHello
 * (Chrome's, from the corpus) and a Certificate message with a 3-certificate chain, on the
 * fast path and on the Schema path. A script, not a test: `npm run bench`.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { decodeHandshake, encodeHandshake, framed, toSchema, type HandshakeContext } from "../src/index.js"

const corpus = path.resolve(import.meta.dirname, "../../../../shared/corpus")
const load = (f: string) => JSON.parse(fs.readFileSync(path.join(corpus, f), "utf8"))
const hex = (s: string) => Uint8Array.from(Buffer.from(s, "hex"))

const pickClientHello = (): Uint8Array => {
  const t = load("pcap-ja4.json").transcripts.find((t: any) => /chrom/i.test(t.client ?? "") && t.messages[0]?.type === 1)
  return hex(t.messages[0].hex)
}

const pickCertificate = (): { bytes: Uint8Array; ctx: HandshakeContext } => {
  for (const f of ["go-crypto-tls-go1.19.8.json", "pcap-ja4.json", "pcap-zeek.json"]) {
    for (const t of load(f).transcripts) {
      for (const m of t.messages) {
        if (m.type !== 11 || !m.hex || !String(m.strict_check).startsWith("ok")) continue
        const bytes = hex(m.hex)
        const r = decodeHandshake(bytes, { version: 0x0303 })
        if (Result.isSuccess(r) && r.success._tag === "Certificate12" && r.success.certificateList.length === 3) {
          return { bytes, ctx: { version: 0x0303 } }
        }
      }
    }
  }
  throw new Error("no 3-certificate chain in the corpus")
}

const measure = (label: string, bytesLen: number, fn: () => unknown): void => {
  for (let i = 0; i < 2000; i++) fn() // warm-up
  let n = 0
  const start = process.hrtime.bigint()
  let elapsed = 0n
  while (elapsed < 1_000_000_000n) {
    for (let i = 0; i < 500; i++) fn()
    n += 500
    elapsed = process.hrtime.bigint() - start
  }
  const perSec = (n * 1e9) / Number(elapsed)
  console.log(`${label.padEnd(44)} ${Math.round(perSec).toLocaleString("en-US").padStart(12)} ops/s  ${((perSec * bytesLen) / 1e6).toFixed(1).padStart(8)} MB/s`)
}

const ch = pickClientHello()
const cert = pickCertificate()
const chValue = Result.getOrThrow(decodeHandshake(ch))
const certValue = Result.getOrThrow(decodeHandshake(cert.bytes, cert.ctx))

console.log(`ClientHello: ${ch.length} bytes; Certificate: ${cert.bytes.length} bytes, 3 certificates\n`)
measure("ClientHello decode (fast path)", ch.length, () => decodeHandshake(ch))
measure("ClientHello encode (fast path)", ch.length, () => encodeHandshake(chValue))
measure("Certificate (3-chain) decode (fast path)", cert.bytes.length, () => decodeHandshake(cert.bytes, cert.ctx))
measure("Certificate (3-chain) encode (fast path)", cert.bytes.length, () => encodeHandshake(certValue))

const chSchema = toSchema(framed("ClientHello"))
const decodeCh = Schema.decodeUnknownResult(chSchema)
const encodeCh = Schema.encodeResult(chSchema)
measure("ClientHello decode (Schema path)", ch.length, () => decodeCh(ch))
measure("ClientHello encode (Schema path)", ch.length, () => encodeCh(chValue as never))
