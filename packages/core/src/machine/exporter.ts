/**
 * Keying material exporters of a completed connection, for either version: TLS 1.3's
 * TLS-Exporter (RFC 8446 §7.5) on the exporter_master_secret, TLS 1.2's (RFC 5705 §4) on
 * the master secret; and the `tls-exporter` channel binding built on them (RFC 9266).
 * `NegotiatedParameters` carries what both need (version, hash, exporter secret, randoms).
 *
 * @since 0.1.0
 */
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import type { CryptoProvider } from "../crypto/provider.js"
import { Tls12Schedule } from "../schedule/index.js"
import { exportKeyingMaterial as export13 } from "../tls13/index.js"
import type { NegotiatedParameters } from "./actions.js"

/**
 * Keying material for `label` and `context` from a completed connection, by its version:
 * RFC 8446 §7.5 for TLS 1.3, RFC 5705 §4 for TLS 1.2. An error names a bad label or length,
 * or a version with no exporter.
 *
 * **Gotchas**: in TLS 1.2 no context (`undefined`) and an empty context give different
 * output; in TLS 1.3 they are the same. A TLS 1.2 exporter is safe to use for channel
 * binding only with the extended master secret (RFC 7627), which effect-tls always
 * requires.
 *
 * @since 0.1.0
 */
export const exportKeyingMaterial = (
  crypto: CryptoProvider,
  params: NegotiatedParameters,
  label: string,
  context: Uint8Array | undefined,
  length: number
): Result.Result<Uint8Array, string> => {
  if (!Number.isInteger(length) || length < 1) return Result.fail(`exporter length must be a positive integer, not ${length}`)
  if (params.version === 0x0304) return export13(crypto, params, label, context, length)
  if (params.version !== 0x0303) return Result.fail(`no keying material exporter for version 0x${params.version.toString(16)}`)
  if (label.length === 0) return Result.fail("RFC 5705 exporter: the label is empty")
  try {
    // RFC 5705 §4: PRF(master_secret, label, client_random + server_random [+ context]).
    const master = { _tag: "Tls12MasterSecret", hash: params.hash, extended: true, secret: params.exporterSecret } as const
    const out = Tls12Schedule.exportKeyingMaterial(crypto, master, params.clientRandom, params.serverRandom, label, context, length)
    return Result.succeed(Redacted.value(out))
  } catch (e) {
    return Result.fail(e instanceof Error ? e.message : String(e))
  }
}

/**
 * The label of the `tls-exporter` channel binding (RFC 9266 §2).
 *
 * @since 0.1.0
 */
export const channelBindingLabel = "EXPORTER-Channel-Binding"

/**
 * The `tls-exporter` channel binding of a completed connection (RFC 9266 §2): 32 bytes
 * exported with the label "EXPORTER-Channel-Binding" and no context — what SASL
 * mechanisms such as SCRAM-*-PLUS bind to. Both ends of one connection get the same bytes;
 * `openssl s_client -keymatexport EXPORTER-Channel-Binding -keymatexportlen 32` prints them.
 *
 * @since 0.1.0
 */
export const channelBinding = (crypto: CryptoProvider, params: NegotiatedParameters): Result.Result<Uint8Array, string> =>
  exportKeyingMaterial(crypto, params, channelBindingLabel, undefined, 32)
