/**
 * The few LDAP PDUs the `ldap-style` example speaks (RFC 4511), in BER with definite
 * lengths only (§5.1): an `LDAPMessage` read off a byte stream, the StartTLS
 * ExtendedRequest and its ExtendedResponse (§4.14), a SASL BindRequest and its
 * BindResponse (§4.2), UnbindRequest (§4.3) and the Notice of Disconnection (§4.4.1). This
 * is LDAP framing for an example, not an LDAP library: anything else is reported as
 * "unsupported", never guessed at.
 */

/** The StartTLS extended operation's OID (RFC 4511 §4.14.1). */
export const startTlsOid = "1.3.6.1.4.1.1466.20037"
/** The Notice of Disconnection's OID (RFC 4511 §4.4.1). */
export const noticeOfDisconnectionOid = "1.3.6.1.4.1.1466.20036"

/** LDAP result codes used here (RFC 4511 Appendix A.1). */
export const ResultCode = {
  success: 0,
  operationsError: 1,
  protocolError: 2,
  authMethodNotSupported: 7,
  confidentialityRequired: 13,
  inappropriateAuthentication: 48,
  unwillingToPerform: 53
} as const

/** A BER element: its identifier octet and its contents. */
interface Tlv {
  readonly tag: number
  readonly content: Uint8Array
}

/** A message at most this long (the example's bound; a client sending more is refused). */
export const maxMessageLength = 65_536

/**
 * The length of the first complete BER element in `bytes`: a number, `undefined` when more
 * bytes are needed, or an error text (a multi-byte tag, the indefinite form, a length over
 * `maxMessageLength`).
 */
export const elementLength = (bytes: Uint8Array): number | undefined | string => {
  if (bytes.length < 2) return undefined
  if ((bytes[0]! & 0x1f) === 0x1f) return "a multi-byte BER tag"
  const first = bytes[1]!
  if (first < 0x80) return 2 + first
  const n = first & 0x7f
  if (n === 0) return "the indefinite length form (RFC 4511 §5.1 forbids it)"
  if (n > 3) return "a length over 2^24"
  if (bytes.length < 2 + n) return undefined
  let length = 0
  for (let i = 0; i < n; i++) length = length * 256 + bytes[2 + i]!
  if (length > maxMessageLength) return `a message of ${length} bytes (at most ${maxMessageLength})`
  return 2 + n + length
}

/** The elements inside `bytes`, in order; an error text when one does not fit. */
const children = (bytes: Uint8Array): ReadonlyArray<Tlv> | string => {
  const out: Array<Tlv> = []
  let rest = bytes
  while (rest.length > 0) {
    const length = elementLength(rest)
    if (typeof length === "string") return length
    if (length === undefined || length > rest.length) return "an element runs past its parent"
    const header = rest[1]! < 0x80 ? 2 : 2 + (rest[1]! & 0x7f)
    out.push({ tag: rest[0]!, content: rest.subarray(header, length) })
    rest = rest.subarray(length)
  }
  return out
}

const lengthOctets = (n: number): ReadonlyArray<number> =>
  n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]

/** One BER element with definite length. */
const tlv = (tag: number, ...parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const content = Buffer.concat(parts)
  return new Uint8Array(Buffer.concat([Uint8Array.of(tag, ...lengthOctets(content.length)), content]))
}

const integerOctets = (n: number): Uint8Array => {
  const out: Array<number> = []
  let v = n
  do {
    out.unshift(v & 0xff)
    v = Math.floor(v / 256)
  } while (v > 0)
  if (out[0]! & 0x80) out.unshift(0) // stay positive
  return Uint8Array.from(out)
}

const integerValue = (content: Uint8Array): number | undefined => {
  if (content.length === 0 || content.length > 4 || content[0]! & 0x80) return undefined
  return content.reduce((acc, b) => acc * 256 + b, 0)
}

const text = (b: Uint8Array): string => Buffer.from(b).toString("utf8")
const octets = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "utf8"))

/** A request the example understands, or what it could not read. */
export type Request =
  | { readonly _tag: "Extended"; readonly messageId: number; readonly name: string }
  | { readonly _tag: "Bind"; readonly messageId: number; readonly version: number; readonly name: string; readonly mechanism: string | undefined; readonly credentials: Uint8Array | undefined }
  | { readonly _tag: "Unbind"; readonly messageId: number }
  | { readonly _tag: "Unsupported"; readonly messageId: number; readonly operation: string }
  | { readonly _tag: "Malformed"; readonly detail: string }

/** The operation names of RFC 4511's protocolOp CHOICE, by APPLICATION tag number. */
const operations: Record<number, string> = {
  0: "BindRequest",
  2: "UnbindRequest",
  3: "SearchRequest",
  6: "ModifyRequest",
  8: "AddRequest",
  10: "DelRequest",
  12: "ModifyDNRequest",
  14: "CompareRequest",
  16: "AbandonRequest",
  23: "ExtendedRequest"
}

/** Reads one complete `LDAPMessage` (RFC 4511 §4.1.1) as a request. */
export const decodeRequest = (message: Uint8Array): Request => {
  const outer = children(message)
  if (typeof outer === "string") return { _tag: "Malformed", detail: outer }
  if (outer.length !== 1 || outer[0]!.tag !== 0x30) return { _tag: "Malformed", detail: "not an LDAPMessage SEQUENCE" }
  const fields = children(outer[0]!.content)
  if (typeof fields === "string") return { _tag: "Malformed", detail: fields }
  const [id, op] = fields
  const messageId = id?.tag === 0x02 ? integerValue(id.content) : undefined
  if (messageId === undefined || op === undefined) return { _tag: "Malformed", detail: "no messageID and protocolOp" }
  const opNumber = op.tag & 0x1f
  const operation = (op.tag & 0xc0) === 0x40 ? (operations[opNumber] ?? `[APPLICATION ${opNumber}]`) : `tag 0x${op.tag.toString(16)}`
  if (op.tag === 0x42) return { _tag: "Unbind", messageId }
  if (op.tag === 0x77) {
    // ExtendedRequest ::= [APPLICATION 23] SEQUENCE { requestName [0] LDAPOID, requestValue [1] OCTET STRING OPTIONAL }
    const parts = children(op.content)
    if (typeof parts === "string" || parts[0]?.tag !== 0x80) return { _tag: "Malformed", detail: "ExtendedRequest without requestName" }
    return { _tag: "Extended", messageId, name: text(parts[0].content) }
  }
  if (op.tag === 0x60) {
    // BindRequest ::= [APPLICATION 0] SEQUENCE { version INTEGER, name LDAPDN, authentication CHOICE { simple [0], sasl [3] SaslCredentials } }
    const parts = children(op.content)
    if (typeof parts === "string" || parts.length !== 3 || parts[0]!.tag !== 0x02 || parts[1]!.tag !== 0x04) return { _tag: "Malformed", detail: "BindRequest fields" }
    const version = integerValue(parts[0]!.content) ?? 0
    const auth = parts[2]!
    if (auth.tag !== 0xa3) return { _tag: "Bind", messageId, version, name: text(parts[1]!.content), mechanism: undefined, credentials: undefined }
    const sasl = children(auth.content)
    if (typeof sasl === "string" || sasl[0]?.tag !== 0x04) return { _tag: "Malformed", detail: "SaslCredentials without mechanism" }
    return { _tag: "Bind", messageId, version, name: text(parts[1]!.content), mechanism: text(sasl[0].content), credentials: sasl[1]?.tag === 0x04 ? sasl[1].content : undefined }
  }
  return { _tag: "Unsupported", messageId, operation }
}

const ldapResult = (code: number, matchedDn: string, diagnostic: string): ReadonlyArray<Uint8Array> => [
  tlv(0x0a, Uint8Array.of(code)), // resultCode ENUMERATED
  tlv(0x04, octets(matchedDn)), // matchedDN LDAPDN
  tlv(0x04, octets(diagnostic)) // diagnosticMessage LDAPString
]

const message = (messageId: number, op: Uint8Array): Uint8Array => tlv(0x30, tlv(0x02, integerOctets(messageId)), op)

/**
 * An ExtendedResponse (RFC 4511 §4.12): `[APPLICATION 24] { LDAPResult, responseName [10] }`.
 * The StartTLS answer is `extendedResponse(id, success, startTlsOid)`.
 */
export const extendedResponse = (messageId: number, code: number, responseName: string | undefined, diagnostic = ""): Uint8Array =>
  message(messageId, tlv(0x78, ...ldapResult(code, "", diagnostic), ...(responseName === undefined ? [] : [tlv(0x8a, octets(responseName))])))

/** A BindResponse (RFC 4511 §4.2.2): `[APPLICATION 1] LDAPResult`. */
export const bindResponse = (messageId: number, code: number, diagnostic: string): Uint8Array => message(messageId, tlv(0x61, ...ldapResult(code, "", diagnostic)))

/** The unsolicited Notice of Disconnection (RFC 4511 §4.4.1): message ID 0, then the server closes. */
export const noticeOfDisconnection = (code: number, diagnostic: string): Uint8Array => extendedResponse(0, code, noticeOfDisconnectionOid, diagnostic)

/** A byte buffer that hands out whole LDAP messages as the bytes arrive. */
export const messageBuffer = () => {
  let buffered: Uint8Array = new Uint8Array(0)
  return {
    /** Appends bytes read off the stream. */
    push: (chunk: Uint8Array): void => {
      buffered = buffered.length === 0 ? chunk : new Uint8Array(Buffer.concat([buffered, chunk]))
    },
    /** The next whole message, `undefined` when more bytes are needed, or an error text. */
    next: (): Uint8Array | undefined | string => {
      const length = elementLength(buffered)
      if (typeof length !== "number" || length > buffered.length) return length === undefined || typeof length === "number" ? undefined : length
      const msg = buffered.subarray(0, length)
      buffered = buffered.subarray(length)
      return msg
    },
    /** What was read past the last message handed out (e.g. a ClientHello right behind StartTLS). */
    rest: (): Uint8Array => buffered
  }
}
