/**
 * The secrets derived from the TLS 1.3 schedule's stages (RFC 8446 §7.1): PSK binder
 * keys, client_early_traffic_secret and early_exporter_master_secret from the Early
 * Secret; the handshake traffic secrets from the Handshake Secret; the application
 * traffic secrets, exporter_master_secret and resumption_master_secret from the Master
 * Secret; then the ticket PSK (§4.6.1) and KeyUpdate's next secret (§7.2).
 *
 * @since 0.1.0
 */
import type { CryptoProvider } from "../crypto/provider.js"
import { hashLength, redact, type ScheduleHash, type Secret, type SecretInput } from "./secret.js"
import {
  deriveSecret,
  emptyHash,
  type HandshakeSecret,
  hkdfExpandLabel,
  type MasterSecret,
  type Psk,
  type PskEarlySecret,
  type PskKind
} from "./tls13.js"

/**
 * Which peer sends under a traffic secret.
 *
 * @since 0.1.0
 * @category models
 */
export type Side = "client" | "server"

/**
 * The three kinds of traffic secret (RFC 8446 §7.1, §7.2).
 *
 * @since 0.1.0
 * @category models
 */
export type TrafficPhase = "early" | "handshake" | "application"

/**
 * A traffic secret of phase `P`; use `TrafficSecret<P>`, which distributes over phases.
 *
 * @since 0.1.0
 * @category models
 */
export interface TrafficSecretOf<P extends TrafficPhase> {
  readonly _tag: "TrafficSecret"
  readonly hash: ScheduleHash
  readonly side: Side
  readonly phase: P
  /** N of application_traffic_secret_N (§7.2); 0 for early and handshake secrets. */
  readonly generation: number
  readonly secret: Secret
}

/**
 * A traffic secret: client_early_traffic_secret, [sender]_handshake_traffic_secret or
 * [sender]_application_traffic_secret_N (RFC 8446 §7.1, §7.2). Traffic keys come from
 * it (§7.3).
 *
 * @since 0.1.0
 * @category models
 */
export type TrafficSecret<P extends TrafficPhase = TrafficPhase> = P extends TrafficPhase ? TrafficSecretOf<P>
  : never

const trafficLabel = (side: Side, phase: TrafficPhase, generation: number): string =>
  phase === "application" ? `${side}_application_traffic_secret_${generation}` : `${side}_${phase}_traffic_secret`

const trafficSecret = <P extends TrafficPhase>(
  hash: ScheduleHash,
  side: Side,
  phase: P,
  generation: number,
  bytes: Uint8Array
): TrafficSecret<P> =>
  ({
    _tag: "TrafficSecret",
    hash,
    side,
    phase,
    generation,
    secret: redact(bytes, trafficLabel(side, phase, generation))
  }) as TrafficSecretOf<P> as TrafficSecret<P>

/** Both sides' first traffic secrets of a phase: `Derive-Secret(from, "c <tag> traffic" | "s <tag> traffic", transcriptHash)`. */
const trafficPair = <P extends TrafficPhase>(
  crypto: CryptoProvider,
  from: { readonly hash: ScheduleHash; readonly secret: SecretInput },
  phase: P,
  tag: "hs" | "ap",
  transcriptHash: Uint8Array
): { readonly client: TrafficSecret<P>; readonly server: TrafficSecret<P> } => ({
  client: trafficSecret(from.hash, "client", phase, 0, deriveSecret(crypto, from.hash, from.secret, `c ${tag} traffic`, transcriptHash)),
  server: trafficSecret(from.hash, "server", phase, 0, deriveSecret(crypto, from.hash, from.secret, `s ${tag} traffic`, transcriptHash))
})

/**
 * A PSK binder key: `Derive-Secret(Early Secret, "ext binder" | "res binder", "")`
 * (RFC 8446 §7.1); its finished key computes the binder (§4.2.11.2).
 *
 * @since 0.1.0
 * @category models
 */
export interface BinderKey {
  readonly _tag: "BinderKey"
  readonly hash: ScheduleHash
  readonly kind: PskKind
  readonly secret: Secret
}

/**
 * An exporter secret: early_exporter_master_secret or exporter_master_secret (RFC 8446
 * §7.1), the `Secret` of the TLS-Exporter (§7.5).
 *
 * @since 0.1.0
 * @category models
 */
export interface ExporterSecret {
  readonly _tag: "ExporterSecret"
  readonly hash: ScheduleHash
  readonly early: boolean
  readonly secret: Secret
}

/**
 * The resumption_master_secret (RFC 8446 §7.1), from which each ticket's PSK is made
 * (§4.6.1).
 *
 * @since 0.1.0
 * @category models
 */
export interface ResumptionMasterSecret {
  readonly _tag: "ResumptionMasterSecret"
  readonly hash: ScheduleHash
  readonly secret: Secret
}

/**
 * The PSK binder key for the early secret's PSK: "ext binder" for external PSKs, "res
 * binder" for resumption ones (RFC 8446 §7.1).
 *
 * @since 0.1.0
 * @category constructors
 */
export const binderKey = (crypto: CryptoProvider, early: PskEarlySecret): BinderKey => {
  const label = early.psk === "resumption" ? "res binder" : "ext binder"
  const bytes = deriveSecret(crypto, early.hash, early.secret, label, emptyHash(crypto, early.hash))
  return {
    _tag: "BinderKey",
    hash: early.hash,
    kind: early.psk,
    secret: redact(bytes, early.psk === "resumption" ? "res_binder_key" : "ext_binder_key")
  }
}

/**
 * client_early_traffic_secret = `Derive-Secret(Early Secret, "c e traffic",
 * ClientHello)` (RFC 8446 §7.1), protecting 0-RTT data.
 *
 * **Gotchas**: the ClientHello hash includes the binders (the whole ClientHello).
 *
 * @since 0.1.0
 * @category constructors
 */
export const clientEarlyTrafficSecret = (
  crypto: CryptoProvider,
  early: PskEarlySecret,
  clientHelloHash: Uint8Array
): TrafficSecret<"early"> =>
  trafficSecret(
    early.hash,
    "client",
    "early",
    0,
    deriveSecret(crypto, early.hash, early.secret, "c e traffic", clientHelloHash)
  )

/**
 * early_exporter_master_secret = `Derive-Secret(Early Secret, "e exp master",
 * ClientHello)` (RFC 8446 §7.1).
 *
 * @since 0.1.0
 * @category constructors
 */
export const earlyExporterMasterSecret = (
  crypto: CryptoProvider,
  early: PskEarlySecret,
  clientHelloHash: Uint8Array
): ExporterSecret => ({
  _tag: "ExporterSecret",
  hash: early.hash,
  early: true,
  secret: redact(
    deriveSecret(crypto, early.hash, early.secret, "e exp master", clientHelloHash),
    "early_exporter_master_secret"
  )
})

/**
 * client_handshake_traffic_secret and server_handshake_traffic_secret =
 * `Derive-Secret(Handshake Secret, "c hs traffic" | "s hs traffic",
 * ClientHello...ServerHello)` (RFC 8446 §7.1).
 *
 * @since 0.1.0
 * @category constructors
 */
export const handshakeTrafficSecrets = (
  crypto: CryptoProvider,
  handshake: HandshakeSecret,
  helloHash: Uint8Array
): { readonly client: TrafficSecret<"handshake">; readonly server: TrafficSecret<"handshake"> } =>
  trafficPair(crypto, handshake, "handshake", "hs", helloHash)

/**
 * client_application_traffic_secret_0 and server_application_traffic_secret_0 =
 * `Derive-Secret(Master Secret, "c ap traffic" | "s ap traffic", ClientHello...server
 * Finished)` (RFC 8446 §7.1).
 *
 * @since 0.1.0
 * @category constructors
 */
export const applicationTrafficSecrets = (
  crypto: CryptoProvider,
  master: MasterSecret,
  serverFinishedHash: Uint8Array
): { readonly client: TrafficSecret<"application">; readonly server: TrafficSecret<"application"> } =>
  trafficPair(crypto, master, "application", "ap", serverFinishedHash)

/**
 * exporter_master_secret = `Derive-Secret(Master Secret, "exp master",
 * ClientHello...server Finished)` (RFC 8446 §7.1).
 *
 * @since 0.1.0
 * @category constructors
 */
export const exporterMasterSecret = (
  crypto: CryptoProvider,
  master: MasterSecret,
  serverFinishedHash: Uint8Array
): ExporterSecret => ({
  _tag: "ExporterSecret",
  hash: master.hash,
  early: false,
  secret: redact(
    deriveSecret(crypto, master.hash, master.secret, "exp master", serverFinishedHash),
    "exporter_master_secret"
  )
})

/**
 * resumption_master_secret = `Derive-Secret(Master Secret, "res master",
 * ClientHello...client Finished)` (RFC 8446 §7.1).
 *
 * **Gotchas**: the transcript runs through the client Finished (and any client
 * Certificate/CertificateVerify), later than the application secrets'.
 *
 * @since 0.1.0
 * @category constructors
 */
export const resumptionMasterSecret = (
  crypto: CryptoProvider,
  master: MasterSecret,
  clientFinishedHash: Uint8Array
): ResumptionMasterSecret => ({
  _tag: "ResumptionMasterSecret",
  hash: master.hash,
  secret: redact(
    deriveSecret(crypto, master.hash, master.secret, "res master", clientFinishedHash),
    "resumption_master_secret"
  )
})

/**
 * The PSK of one ticket: `HKDF-Expand-Label(resumption_master_secret, "resumption",
 * ticket_nonce, Hash.length)` (RFC 8446 §4.6.1).
 *
 * @since 0.1.0
 * @category constructors
 */
export const resumptionPsk = (
  crypto: CryptoProvider,
  resumption: ResumptionMasterSecret,
  ticketNonce: Uint8Array
): Psk<"resumption"> => ({
  _tag: "Psk",
  kind: "resumption",
  hash: resumption.hash,
  secret: redact(
    hkdfExpandLabel(crypto, resumption.hash, resumption.secret, "resumption", ticketNonce, hashLength(resumption.hash)),
    "resumption_psk"
  )
})

/**
 * KeyUpdate's next secret: `application_traffic_secret_N+1 =
 * HKDF-Expand-Label(application_traffic_secret_N, "traffic upd", "", Hash.length)`
 * (RFC 8446 §7.2).
 *
 * @since 0.1.0
 * @category constructors
 */
export const nextApplicationTrafficSecret = (
  crypto: CryptoProvider,
  current: TrafficSecret<"application">
): TrafficSecret<"application"> =>
  trafficSecret(
    current.hash,
    current.side,
    "application",
    current.generation + 1,
    hkdfExpandLabel(crypto, current.hash, current.secret, "traffic upd", new Uint8Array(0), hashLength(current.hash))
  )
