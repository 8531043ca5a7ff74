/**
 * Handshake reassembly (RFC 8446 §5.1, RFC 5246 §6.2.1): handshake messages may span
 * several records and one record may hold several messages. The reassembler takes record
 * payloads in order and yields whole messages with their raw bytes (the transcript hashes
 * what was received, never a re-encoding) and whether each message ended its record
 * (a key-changing message that does not is `unexpected_message` in TLS 1.3).
 *
 * @since 0.1.0
 */

/** A whole handshake message as received. @since 0.1.0 @category models */
export interface RawHandshake {
  readonly type: number
  /** Header and body. */
  readonly bytes: Uint8Array
  /** Whether this message ended exactly at the end of the record that completed it. */
  readonly endsRecord: boolean
}

/**
 * Reassembles handshake messages from record payloads. Immutable: `push` returns the next
 * reassembler and the messages completed, so a state can hold one safely.
 *
 * @since 0.1.0
 * @category models
 */
export class HandshakeReassembler {
  private constructor(
    /** Bytes of an incomplete message carried over from earlier records. */
    readonly pending: Uint8Array,
    /** The largest message accepted (a policy bound; 2^24-1 by default). */
    readonly maxMessage: number
  ) {}

  static empty(maxMessage = 0xffffff): HandshakeReassembler {
    return new HandshakeReassembler(new Uint8Array(0), maxMessage)
  }

  /** A reassembler holding `pending` bytes (for restoring a saved state). */
  static restore(pending: Uint8Array, maxMessage: number): HandshakeReassembler {
    return new HandshakeReassembler(pending, maxMessage)
  }

  /** Whether part of a message is waiting for more records. */
  get hasPending(): boolean {
    return this.pending.length > 0
  }

  /**
   * Adds one record's payload. Fails with `decode_error` on an empty handshake record
   * (RFC 8446 §5.1: "Implementations MUST NOT send zero-length fragments of Handshake
   * types") and with `unexpected_message`-free `TooLarge` when a message exceeds the bound.
   */
  push(
    payload: Uint8Array
  ):
    | { readonly _tag: "Ok"; readonly next: HandshakeReassembler; readonly messages: ReadonlyArray<RawHandshake> }
    | { readonly _tag: "Error"; readonly why: "EmptyRecord" | "TooLarge"; readonly detail: string } {
    if (payload.length === 0) return { _tag: "Error", why: "EmptyRecord", detail: "zero-length handshake record" }
    let buf: Uint8Array
    if (this.pending.length === 0) buf = payload
    else {
      buf = new Uint8Array(this.pending.length + payload.length)
      buf.set(this.pending)
      buf.set(payload, this.pending.length)
    }
    const out: Array<RawHandshake> = []
    let pos = 0
    while (buf.length - pos >= 4) {
      const len = (buf[pos + 1]! << 16) | (buf[pos + 2]! << 8) | buf[pos + 3]!
      if (len > this.maxMessage) {
        return { _tag: "Error", why: "TooLarge", detail: `handshake message of ${len} bytes exceeds ${this.maxMessage}` }
      }
      if (buf.length - pos < 4 + len) break
      const end = pos + 4 + len
      out.push({ type: buf[pos]!, bytes: buf.subarray(pos, end), endsRecord: end === buf.length })
      pos = end
    }
    const rest = pos === buf.length ? EMPTY : buf.slice(pos)
    return { _tag: "Ok", next: new HandshakeReassembler(rest, this.maxMessage), messages: out }
  }
}

const EMPTY = new Uint8Array(0)
