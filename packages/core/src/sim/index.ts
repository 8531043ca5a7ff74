/**
 * The deterministic simulator: two endpoints over an in-memory pipe under a virtual
 * clock with seeded entropy, fault injection, a JSON trace recorder and a replayer.
 *
 * @since 0.1.0
 */
export * as Simulator from "./Simulator.js"
export * as SimPipe from "./pipe.js"
export { describeFault, type Fault, FaultState, type StreamEnd } from "./faults.js"
export { type Divergence, replay, type ReplayOptions, type ReplayReport } from "./replay.js"
export { type EventRecord, receivedBytes, sentBytes, type SideTrace, type SimTrace, type Transition, type WireChunk } from "./trace.js"
export { formatTrace, type FormatOptions } from "./format.js"
export { fromHex, fromJson, type Json, toHex, toJson } from "./json.js"
