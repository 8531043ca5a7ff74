/**
 * The finite-field Diffie-Hellman groups of RFC 7919 Appendix A (ffdhe2048, ffdhe3072,
 * ffdhe4096): the primes, the generator 2, and the peer-value check of RFC 7919 §5.1.
 *
 * Shared by both providers so that they use the same groups; a test checks the primes
 * against the RFC text and against OpenSSL's built-in groups.
 *
 * @since 0.1.0
 */

/** The FFDHE groups this project supports. */
export type FfdheGroup = "ffdhe2048" | "ffdhe3072" | "ffdhe4096"

/** One RFC 7919 group: the prime `p` (big-endian, `p.length` bytes) and the generator. */
export interface FfdheParameters {
  readonly name: FfdheGroup
  readonly p: Uint8Array
  readonly generator: 2
}

const fromHex = (hex: string): Uint8Array => {
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return out
}

// RFC 7919 Appendix A.1, A.2, A.3: "The hexadecimal representation of p".
const p2048 =
  "FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695" +
  "A9E13641146433FBCC939DCE249B3EF97D2FE363630C75D8F681B202AEC4617A" +
  "D3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935" +
  "984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797A" +
  "BC0AB182B324FB61D108A94BB2C8E3FBB96ADAB760D7F4681D4F42A3DE394DF4" +
  "AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F61" +
  "9172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005" +
  "C58EF1837D1683B2C6F34A26C1B2EFFA886B423861285C97FFFFFFFFFFFFFFFF"

const p3072 =
  "FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695" +
  "A9E13641146433FBCC939DCE249B3EF97D2FE363630C75D8F681B202AEC4617A" +
  "D3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935" +
  "984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797A" +
  "BC0AB182B324FB61D108A94BB2C8E3FBB96ADAB760D7F4681D4F42A3DE394DF4" +
  "AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F61" +
  "9172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005" +
  "C58EF1837D1683B2C6F34A26C1B2EFFA886B4238611FCFDCDE355B3B6519035B" +
  "BC34F4DEF99C023861B46FC9D6E6C9077AD91D2691F7F7EE598CB0FAC186D91C" +
  "AEFE130985139270B4130C93BC437944F4FD4452E2D74DD364F2E21E71F54BFF" +
  "5CAE82AB9C9DF69EE86D2BC522363A0DABC521979B0DEADA1DBF9A42D5C4484E" +
  "0ABCD06BFA53DDEF3C1B20EE3FD59D7C25E41D2B66C62E37FFFFFFFFFFFFFFFF"

const p4096 =
  "FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695" +
  "A9E13641146433FBCC939DCE249B3EF97D2FE363630C75D8F681B202AEC4617A" +
  "D3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935" +
  "984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797A" +
  "BC0AB182B324FB61D108A94BB2C8E3FBB96ADAB760D7F4681D4F42A3DE394DF4" +
  "AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F61" +
  "9172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005" +
  "C58EF1837D1683B2C6F34A26C1B2EFFA886B4238611FCFDCDE355B3B6519035B" +
  "BC34F4DEF99C023861B46FC9D6E6C9077AD91D2691F7F7EE598CB0FAC186D91C" +
  "AEFE130985139270B4130C93BC437944F4FD4452E2D74DD364F2E21E71F54BFF" +
  "5CAE82AB9C9DF69EE86D2BC522363A0DABC521979B0DEADA1DBF9A42D5C4484E" +
  "0ABCD06BFA53DDEF3C1B20EE3FD59D7C25E41D2B669E1EF16E6F52C3164DF4FB" +
  "7930E9E4E58857B6AC7D5F42D69F6D187763CF1D5503400487F55BA57E31CC7A" +
  "7135C886EFB4318AED6A1E012D9E6832A907600A918130C46DC778F971AD0038" +
  "092999A333CB8B7A1A1DB93D7140003C2A4ECEA9F98D0ACC0A8291CDCEC97DCF" +
  "8EC9B55A7F88A46B4DB5A851F44182E1C68A007E5E655F6AFFFFFFFFFFFFFFFF"

/**
 * The RFC 7919 Appendix A groups by name.
 *
 * @since 0.1.0
 * @category constants
 */
export const ffdheGroups: Readonly<Record<FfdheGroup, FfdheParameters>> = {
  ffdhe2048: { name: "ffdhe2048", p: fromHex(p2048), generator: 2 },
  ffdhe3072: { name: "ffdhe3072", p: fromHex(p3072), generator: 2 },
  ffdhe4096: { name: "ffdhe4096", p: fromHex(p4096), generator: 2 }
}

/** Whether `group` is one of the RFC 7919 groups. */
export const isFfdheGroup = (group: string): group is FfdheGroup => group in ffdheGroups

/**
 * The peer-value check of RFC 7919 §5.1 ("peers SHOULD validate each other's public key Y
 * by ensuring that 1 < Y < p-1"), on a big-endian Y of any length. Public values only: it
 * branches on the data.
 *
 * @since 0.1.0
 */
export const isValidFfdhePublic = (group: FfdheGroup, y: Uint8Array): boolean => {
  const p = ffdheGroups[group].p
  let start = 0
  while (start < y.length && y[start] === 0) start++
  const len = y.length - start
  if (len > p.length || len === 0) return false
  if (len === 1 && y[start]! <= 1) return false // Y ∈ {0, 1}
  if (len < p.length) return true
  // Same length as p: compare Y with p - 1, whose last byte is p's last byte minus one
  // (every RFC 7919 prime ends in 0xff), so Y < p - 1 is a byte-wise comparison.
  for (let i = 0; i < p.length; i++) {
    const pm1 = i === p.length - 1 ? p[i]! - 1 : p[i]!
    const b = y[start + i]!
    if (b !== pm1) return b < pm1
  }
  return false // Y = p - 1
}

/**
 * Left-pads a big-endian value to the size of the group's prime, as TLS 1.3 sends Y and
 * derives Z (RFC 8446 §4.2.8.1, §7.4.1). `undefined` when the value is longer than p even
 * after dropping leading zeros.
 */
export const padToPrime = (group: FfdheGroup, value: Uint8Array): Uint8Array | undefined => {
  const size = ffdheGroups[group].p.length
  let start = 0
  while (start < value.length && value[start] === 0) start++
  if (value.length - start > size) return undefined
  const out = new Uint8Array(size)
  out.set(value.subarray(start), size - (value.length - start))
  return out
}
