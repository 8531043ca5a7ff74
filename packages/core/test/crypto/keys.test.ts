/**
 * Key loading: every supported PEM and DER form loads to the same key, and bad input is a
 * typed `KeyError` with the right reason, never a throw.
 *
 * @since 0.1.0
 */
import { ECParameters, ECPrivateKey } from "@peculiar/asn1-ecc"
import { AsnConvert, OctetString } from "@peculiar/asn1-schema"
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { decodePem, loadPrivateKey, loadPublicKey, publicKeyOf } from "../../src/crypto/keys.js"
import type { KeyErrorReason } from "../../src/crypto/key-material.js"
import * as F from "./fixtures.js"
import { ascii, concat, flip, hex, privateKey, publicKey, toHex } from "./util.js"

const der = (pem: string) => Result.getOrThrow(decodePem(pem))[0]!.der
const reason = (r: Result.Result<unknown, { readonly reason: KeyErrorReason }>) =>
  Result.isFailure(r) ? r.failure.reason : "loaded"

describe("loadPrivateKey", () => {
  it("loads PKCS#8 RSA, RSASSA-PSS, EC and Ed25519 keys with their type, curve and size", () => {
    expect(privateKey(F.rsa2048)).toMatchObject({ _tag: "PrivateKey", type: "rsa", bits: 2048 })
    expect(privateKey(F.rsaPss2048)).toMatchObject({ type: "rsa-pss", bits: 2048 })
    expect(privateKey(F.rsa1097)).toMatchObject({ type: "rsa", bits: 1097 })
    expect(privateKey(F.p256)).toMatchObject({ type: "ec", curve: "secp256r1" })
    expect(privateKey(F.p384)).toMatchObject({ type: "ec", curve: "secp384r1" })
    expect(privateKey(F.ed25519)).toMatchObject({ type: "ed25519" })
  })

  it("PEM text, PEM bytes and DER give the same PKCS#8", () => {
    const fromText = privateKey(F.p256).pkcs8
    expect(toHex(privateKey(ascii(F.p256)).pkcs8)).toBe(toHex(fromText))
    expect(toHex(privateKey(der(F.p256)).pkcs8)).toBe(toHex(fromText))
    expect(toHex(fromText)).toBe(toHex(der(F.p256)))
  })

  it("SEC1 (EC PRIVATE KEY) and PKCS#1 (RSA PRIVATE KEY) become the same key in PKCS#8", () => {
    expect(toHex(privateKey(F.rsa2048Pkcs1).pkcs8)).toBe(toHex(privateKey(F.rsa2048).pkcs8))
    expect(toHex(privateKey(der(F.rsa2048Pkcs1)).pkcs8)).toBe(toHex(privateKey(F.rsa2048).pkcs8))
    const sec1 = privateKey(F.p256Sec1)
    expect(sec1).toMatchObject({ type: "ec", curve: "secp256r1" })
    expect(toHex(Result.getOrThrow(publicKeyOf(sec1)).spki)).toBe(toHex(publicKey(F.p256Public).spki))
    expect(privateKey(der(F.p256Sec1))).toMatchObject({ type: "ec", curve: "secp256r1" })
  })

  it("skips other PEM blocks such as EC PARAMETERS", () => {
    const params = "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
    expect(privateKey(params + F.p256Sec1)).toMatchObject({ type: "ec" })
  })

  it("bad input is a KeyError with a reason, never a throw", () => {
    expect(reason(loadPrivateKey("not a key"))).toBe("InvalidPem")
    expect(reason(loadPrivateKey("-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----"))).toBe("InvalidPem")
    expect(reason(loadPrivateKey(F.p256Public))).toBe("InvalidPem")
    expect(reason(loadPrivateKey(hex("300302010")))).toBe("InvalidDer")
    expect(reason(loadPrivateKey(new Uint8Array(0)))).toBe("InvalidDer")
    expect(reason(loadPrivateKey(concat(der(F.p256), hex("00"))))).toBe("InvalidDer") // trailing byte
    expect(reason(loadPrivateKey(der(F.p256).subarray(0, 40)))).toBe("InvalidDer")
    const encrypted = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----"
    expect(reason(loadPrivateKey(encrypted))).toBe("EncryptedKey")
    const legacy = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nMAA=\n-----END RSA PRIVATE KEY-----"
    expect(reason(loadPrivateKey(legacy))).toBe("EncryptedKey")
    // An X25519 PKCS#8 key (RFC 8410) is not a signing key.
    const x25519 = concat(hex("302e020100300506032b656e04220420"), new Uint8Array(32).fill(1))
    expect(reason(loadPrivateKey(x25519))).toBe("UnsupportedKeyType")
    // A SEC1 key on secp256k1 (1.3.132.0.10).
    const secp256k1 = new ECPrivateKey({
      version: 1,
      privateKey: new OctetString(new Uint8Array(32).fill(1)),
      parameters: new ECParameters({ namedCurve: "1.3.132.0.10" })
    })
    expect(reason(loadPrivateKey(new Uint8Array(AsnConvert.serialize(secp256k1))))).toBe("UnsupportedCurve")
  })
})

describe("loadPublicKey", () => {
  it("loads SPKI for every key type, and the subject key of a certificate", () => {
    expect(publicKey(F.rsa2048Public)).toMatchObject({ _tag: "PublicKey", type: "rsa", bits: 2048 })
    expect(publicKey(F.rsaPss2048Public)).toMatchObject({ type: "rsa-pss", bits: 2048 })
    expect(publicKey(F.p256Public)).toMatchObject({ type: "ec", curve: "secp256r1" })
    expect(publicKey(F.p384Public)).toMatchObject({ type: "ec", curve: "secp384r1" })
    expect(publicKey(F.ed25519Public)).toMatchObject({ type: "ed25519" })
    expect(toHex(publicKey(F.p256Certificate).spki)).toBe(toHex(publicKey(F.p256Public).spki))
    expect(toHex(publicKey(der(F.p256Certificate)).spki)).toBe(toHex(publicKey(F.p256Public).spki))
    expect(toHex(publicKey(der(F.ed25519Public)).spki)).toBe(toHex(der(F.ed25519Public)))
  })

  it("publicKeyOf gives the SPKI OpenSSL derives, for every key type", () => {
    for (const [priv, pub] of [
      [F.rsa2048, F.rsa2048Public],
      [F.rsaPss2048, F.rsaPss2048Public],
      [F.p256, F.p256Public],
      [F.p384, F.p384Public],
      [F.ed25519, F.ed25519Public]
    ] as const) {
      expect(toHex(Result.getOrThrow(publicKeyOf(privateKey(priv))).spki)).toBe(toHex(der(pub)))
    }
  })

  it("rejects an EC point off the curve and malformed input with a reason", () => {
    const spki = der(F.p256Public)
    expect(reason(loadPublicKey(flip(spki, spki.length - 1)))).toBe("InvalidKey")
    expect(reason(loadPublicKey(spki.subarray(0, 30)))).toBe("InvalidDer")
    expect(reason(loadPublicKey(F.p256))).toBe("InvalidPem")
    expect(reason(loadPublicKey(hex("0500")))).toBe("InvalidDer")
  })
})
