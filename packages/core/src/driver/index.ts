/**
 * The Effect driver that runs a state machine over a transport, and the services it
 * runs on: `Entropy`, `TlsCrypto`, `ChainVerifier`, `SessionStore`, `KeyLogSink`,
 * `ClientCertificateSelection`.
 *
 * @since 0.1.0
 */
export * as Driver from "./Driver.js"
export type { Buffered, Connection, DriverOptions, JournalEntry } from "./Driver.js"
export { type LiveRecording, mergeDriverOptions, recordConnection } from "./record.js"
export { drbg, type Drbg, type EntropySource, fixedSource, liveSource, type Seed, seededSource } from "./entropy.js"
export {
  type ChainPolicy,
  type ChainRequest,
  ChainVerifier,
  ClientCertificateSelection,
  Entropy,
  insecureAcceptAnythingPolicy,
  KeyLogSink,
  type KeyLogEntry,
  keyLogLine,
  keyLogTo,
  type KeyLogWriter,
  memoryTicketStore,
  pinnedPolicy,
  SessionStore,
  sessionStoreMemory,
  type TicketStore,
  TlsCrypto,
  type Verdict
} from "./services.js"
export { fromSocket, type FromSocketOptions, type Transport } from "./transport.js"
export { trustPolicy, trusting, type TrustOptions } from "./trust-policy.js"
