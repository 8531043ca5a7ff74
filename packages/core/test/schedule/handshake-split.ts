/**
 * Splitting recorded TLS byte streams into records and handshake messages for the
 * vector tests, on the codec's own deframer and reassembler.
 */
import { HandshakeReassembler, RecordDeframer, type RawRecord as CodecRecord } from "@effect-tls/codec"

/** One record: type, legacy version, header (additional data) and fragment. */
export interface RawRecord {
  readonly type: number
  readonly version: number
  readonly fragment: Uint8Array
  readonly header: Uint8Array
}

const fromCodec = (r: CodecRecord): RawRecord => ({ type: r.contentType, version: r.version, header: r.header, fragment: r.fragment })

/** Records back to back, as on the wire (RFC 5246 §6.2.1, RFC 8446 §5.1). */
export const splitRecords = (stream: Uint8Array): ReadonlyArray<RawRecord> => {
  const r = RecordDeframer.empty().push(stream)
  if (r._tag !== "Ok" || r.next.buffered !== 0) throw new Error("stream does not end on a record boundary")
  return r.records.map(fromCodec)
}

/** Handshake messages (4-byte header included) from the payloads of handshake records. */
const reassemble = (payloads: ReadonlyArray<Uint8Array>): ReadonlyArray<Uint8Array> => {
  let asm = HandshakeReassembler.empty()
  const out: Array<Uint8Array> = []
  for (const p of payloads) {
    const r = asm.push(p)
    if (r._tag !== "Ok") throw new Error(r.detail)
    out.push(...r.messages.map((m) => m.bytes))
    asm = r.next
  }
  if (asm.hasPending) throw new Error("truncated handshake message")
  return out
}

/** Handshake messages from a byte string of whole messages. */
export const splitHandshakeMessages = (bytes: Uint8Array): ReadonlyArray<Uint8Array> => reassemble([bytes])

/** The plaintext handshake messages of one direction, before its ChangeCipherSpec. */
export const plaintextHandshake = (
  records: ReadonlyArray<RawRecord>
): { readonly messages: ReadonlyArray<Uint8Array>; readonly encrypted: ReadonlyArray<RawRecord> } => {
  const ccs = records.findIndex((record) => record.type === 20)
  const before = ccs === -1 ? records : records.slice(0, ccs)
  return {
    messages: reassemble(before.filter((record) => record.type === 22).map((record) => record.fragment)),
    encrypted: ccs === -1 ? [] : records.slice(ccs + 1)
  }
}

/** HandshakeType of a message. */
export const handshakeType = (message: Uint8Array): number => message[0]!
