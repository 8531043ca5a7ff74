/**
 * @effect-tls/core — the pure core of effect-tls: the crypto provider interface and its
 * portable implementation, key schedules, record protection, the TLS state machines, and
 * certificate handling.
 *
 * @since 0.1.0
 */
export * from "./crypto/index.js"
export type * from "./crypto/provider.js"
export { keyShareSeedLength, encapsulateEntropyLength, signEntropyLength } from "./crypto/provider.js"
export * from "./schedule/index.js"
export * as Record from "./record/index.js"
export * from "./machine/errors.js"
export * from "./machine/config.js"
export * as Events from "./machine/events.js"
export * as Actions from "./machine/actions.js"
export type { Event, EventTag } from "./machine/events.js"
export type { Action, NegotiatedParameters } from "./machine/actions.js"
export type { Deps, Machine, Role, StepResult } from "./machine/machine.js"
export { channelBinding, channelBindingLabel, exportKeyingMaterial } from "./machine/exporter.js"
export * as Tls13 from "./tls13/index.js"
export * as X509 from "./x509/X509.js"
export * from "./driver/index.js"
export * from "./sim/index.js"
