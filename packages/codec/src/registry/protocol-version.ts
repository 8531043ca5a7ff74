/**
 * Protocol versions (RFC 8446 §4.2.1, RFC 5246 App. E). Printed the way the seeds
 * speak of them: `TLS 1.0 (SSL 3.1)`, `TLS 1.3 (SSL 3.4)`; pre-RFC TLS 1.3 drafts as
 * `TLS 1.3 draft N`.
 *
 * @since 0.1.0
 */
import * as Registry from "./registry.js"

/** @since 0.1.0 @category registries */
export const ProtocolVersion = Registry.make("ProtocolVersion", 2, {
  SSL_2_0: 0x0002,
  SSL_3_0: 0x0300,
  TLS_1_0: 0x0301,
  TLS_1_1: 0x0302,
  TLS_1_2: 0x0303,
  TLS_1_3: 0x0304
})

const display: Record<number, string> = {
  0x0002: "SSL 2.0",
  0x0300: "SSL 3.0",
  0x0301: "TLS 1.0 (SSL 3.1)",
  0x0302: "TLS 1.1 (SSL 3.2)",
  0x0303: "TLS 1.2 (SSL 3.3)",
  0x0304: "TLS 1.3 (SSL 3.4)"
}

/**
 * A version for people: `TLS 1.2 (SSL 3.3)`, `TLS 1.3 draft 23`, `GREASE(0x7a7a)`.
 *
 * @since 0.1.0
 */
export const formatVersion = (v: number): string => {
  const known = display[v]
  if (known !== undefined) return known
  if (v >> 8 === 0x7f) return `TLS 1.3 draft ${v & 0xff}`
  if (v === 0x7e01) return "TLS 1.3 Google experiment 0x7e01"
  return ProtocolVersion.nameOf(v)
}
