/**
 * The fixed-shape DER structures `NodeCrypto` hands to `node:crypto` to import finite-field
 * DH keys, which have neither a JWK nor a raw import form: PKCS#3 `DHParameter` inside
 * PKCS#8 and SPKI, as OpenSSL writes them (RFC 3279 §2.3.3 names the algorithm).
 *
 * An encoder only, for structures whose shape is fixed here; OpenSSL parses and validates
 * what it receives. Nothing in this package parses DER.
 *
 * @since 0.1.0
 */

const concat = (...parts: ReadonlyArray<Uint8Array | ReadonlyArray<number>>): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** A DER TLV with a definite length (X.690 §8.1.3), up to 65,535 content bytes. */
const tlv = (tag: number, content: Uint8Array): Uint8Array => {
  const n = content.length
  if (n > 0xffff) throw new RangeError("DER: content too long")
  const header = n < 0x80 ? [tag, n] : n < 0x100 ? [tag, 0x81, n] : [tag, 0x82, n >>> 8, n & 0xff]
  return concat(header, content)
}

/** A non-negative INTEGER from big-endian bytes: minimal, with a 0x00 when the top bit is set. */
const integer = (value: Uint8Array): Uint8Array => {
  let start = 0
  while (start < value.length - 1 && value[start] === 0) start++
  const v = value.length === 0 ? Uint8Array.of(0) : value.subarray(start)
  return tlv(0x02, v[0]! & 0x80 ? concat([0], v) : v)
}

const sequence = (...items: ReadonlyArray<Uint8Array>): Uint8Array => tlv(0x30, concat(...items))

/** OID 1.2.840.113549.1.3.1, dhKeyAgreement (PKCS #3). */
const dhKeyAgreement = Uint8Array.of(0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x03, 0x01)

/** The AlgorithmIdentifier of a DH key over prime `p` with generator 2. */
export const dhAlgorithm = (p: Uint8Array): Uint8Array =>
  sequence(dhKeyAgreement, sequence(integer(p), integer(Uint8Array.of(2))))

/** PKCS#8 PrivateKeyInfo of a DH private value `x` (RFC 5208 §5). */
export const dhPrivateKeyInfo = (algorithm: Uint8Array, x: Uint8Array): Uint8Array =>
  sequence(integer(Uint8Array.of(0)), algorithm, tlv(0x04, integer(x)))

/** SubjectPublicKeyInfo of a DH public value `y` (RFC 5280 §4.1.2.7, RFC 3279 §2.3.3). */
export const dhSubjectPublicKeyInfo = (algorithm: Uint8Array, y: Uint8Array): Uint8Array =>
  sequence(algorithm, tlv(0x03, concat([0], integer(y))))
