/**
 * RSA ClientKeyExchange ciphertexts for the Bleichenbacher test (issue 10, acceptance 4):
 * one well-formed, three with bad PKCS#1 v1.5 padding, one with the wrong version. Each is a
 * hand-built encoded message put through raw RSA (`RSA_NO_PADDING`) with the fixture key, so
 * the padding is exactly what the test says it is. Also `naiveDecrypt`, the decoder with
 * early exits that the coverage method must catch.
 *
 * @since 0.1.0
 */
import * as crypto from "node:crypto"

/** One named ciphertext, and whether a correct server recovers the premaster from it. */
export interface PremasterInput {
  readonly name: string
  readonly ciphertext: Uint8Array
  readonly valid: boolean
}

/** The premaster every well-formed input carries, for client version 0x0303. */
export const premaster = Uint8Array.from({ length: 48 }, (_, i) => (i < 2 ? 3 : 0x30 + i))

/** The inputs, for an RSA public key given as PEM (2048-bit: k = 256). */
export const premasterInputs = (publicKeyPem: string): ReadonlyArray<PremasterInput> => {
  const k = 256
  const encode = (edit: (em: Uint8Array) => void): Uint8Array => {
    const em = new Uint8Array(k)
    em[1] = 0x02
    for (let i = 2; i < k - 49; i++) em[i] = 1 + ((i * 37) % 255) // non-zero padding
    em.set(premaster, k - 48)
    edit(em)
    return new Uint8Array(crypto.publicEncrypt({ key: publicKeyPem, padding: crypto.constants.RSA_NO_PADDING }, em))
  }
  return [
    { name: "well-formed", ciphertext: encode(() => {}), valid: true },
    { name: "bad padding: block type 1", ciphertext: encode((em) => void (em[1] = 0x01)), valid: false },
    { name: "bad padding: no zero separator", ciphertext: encode((em) => void (em[k - 49] = 0x55)), valid: false },
    { name: "bad padding: zero inside the padding string", ciphertext: encode((em) => void (em[5] = 0)), valid: false },
    { name: "wrong version", ciphertext: encode((em) => void em.set([3, 1], k - 48)), valid: false }
  ]
}

/** A decoder written the obvious way, with early exits: what the coverage test must reject. */
export const naiveDecrypt = (em: Uint8Array, clientVersion: number, fallback: Uint8Array): Uint8Array => {
  if (em[0] !== 0 || em[1] !== 2) return fallback
  const separator = em.indexOf(0, 2)
  if (separator < 10 || em.length - separator - 1 !== 48) return fallback
  if (em[separator + 1] !== clientVersion >> 8 || em[separator + 2] !== (clientVersion & 0xff)) return fallback
  return em.subarray(separator + 1)
}
