/**
 * Key log lines in the NSS `SSLKEYLOGFILE` format, the one sanctioned way a secret
 * leaves the schedule in the clear: `LABEL <client_random hex> <secret hex>`.
 *
 * The KeyLog service (off by default) writes these lines; Wireshark and other tools
 * read them to decrypt a capture.
 *
 * @since 0.1.0
 */
import { reveal } from "./secret.js"
import type { Tls12MasterSecret } from "./tls12.js"
import type { ExporterSecret, TrafficSecret } from "./tls13-secrets.js"

const hex = (bytes: Uint8Array): string => {
  let out = ""
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0")
  return out
}

/**
 * The NSS key log label of a secret: `CLIENT_RANDOM` for a TLS 1.2 master secret;
 * `CLIENT_EARLY_TRAFFIC_SECRET`, `{CLIENT,SERVER}_HANDSHAKE_TRAFFIC_SECRET`,
 * `{CLIENT,SERVER}_TRAFFIC_SECRET_N`, `EARLY_EXPORTER_SECRET` and `EXPORTER_SECRET`
 * for TLS 1.3.
 *
 * @since 0.1.0
 */
export const keyLogLabel = (secret: TrafficSecret | ExporterSecret | Tls12MasterSecret): string => {
  switch (secret._tag) {
    case "Tls12MasterSecret":
      return "CLIENT_RANDOM"
    case "ExporterSecret":
      return secret.early ? "EARLY_EXPORTER_SECRET" : "EXPORTER_SECRET"
    case "TrafficSecret": {
      const side = secret.side.toUpperCase()
      if (secret.phase === "early") return `${side}_EARLY_TRAFFIC_SECRET`
      if (secret.phase === "handshake") return `${side}_HANDSHAKE_TRAFFIC_SECRET`
      return `${side}_TRAFFIC_SECRET_${secret.generation}`
    }
  }
}

/**
 * One key log line (without the newline) for a secret of the connection whose
 * ClientHello.random is `clientRandom`.
 *
 * **Gotchas**: the line contains the secret in the clear; hand it only to a KeyLog the
 * user switched on.
 *
 * @since 0.1.0
 */
export const keyLogLine = (
  clientRandom: Uint8Array,
  secret: TrafficSecret | ExporterSecret | Tls12MasterSecret
): string => `${keyLogLabel(secret)} ${hex(clientRandom)} ${hex(reveal(secret.secret))}`
