/**
 * The key schedules and the transcript hash: TLS 1.3 (RFC 8446 §7), TLS 1.2 (RFC 5246
 * §5–§8, RFC 7627, RFC 5705), and the incremental transcript with the HelloRetryRequest
 * substitution (RFC 8446 §4.4.1).
 *
 * Each part is a namespace, as Effect's modules are: `Tls13Schedule.masterSecret`,
 * `Tls12Schedule.masterSecret`, `Transcript.append`.
 *
 * @since 0.1.0
 */
export * as KeyLog from "./keylog.js"
export type {
  FinishedVerified,
  ScheduleHash,
  Secret,
  SecretInput,
  VerifiedSubject
} from "./secret.js"
export { hashLength } from "./secret.js"
export * as Tls12Schedule from "./tls12.js"
export * as Tls13Schedule from "./tls13-schedule.js"
export * as Transcript from "./transcript.js"
