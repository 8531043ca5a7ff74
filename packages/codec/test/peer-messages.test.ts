/**
 * Messages real peers send that the RFC vectors and the corpus do not cover: GnuTLS's
 * TLS 1.3 CertificateRequest carries an empty status_request (RFC 8446 §4.4.2.1: how a
 * server asks for the client's OCSP response), which must decode and re-encode as it came.
 */
import * as Result from "effect/Result"
import { describe, expect, it } from "@effect/vitest"
import { decodeHandshake, encodeHandshake } from "../src/handshake/handshake.js"
import { hex, toHex } from "./helpers.js"

describe("messages from real peers", () => {
  it("a TLS 1.3 CertificateRequest with an empty status_request (GnuTLS)", () => {
    // context <0>, extensions: status_request {}, signature_algorithms [ecdsa_secp256r1_sha256]
    const bytes = hex("0d00000f00000c00050000000d000400020403")
    const m = Result.getOrThrow(decodeHandshake(bytes, { version: 0x0304 }))
    expect(m._tag).toBe("CertificateRequest13")
    if (m._tag !== "CertificateRequest13") return
    expect(m.extensions.map((e) => e._tag)).toEqual(["status_request", "signature_algorithms"])
    expect(toHex(Result.getOrThrow(encodeHandshake(m)))).toBe(toHex(bytes))
  })
})
