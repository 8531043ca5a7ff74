/**
 * The simulator's network: an in-memory duplex pipe between a client and a server
 * `Transport`, with a one-way delay measured on Effect's `Clock` (the simulator runs it
 * under `TestClock`, so no time passes for real) and a fault schedule per direction.
 * Deliveries keep their order, as TCP does; every write and every delivery is reported
 * with its virtual time for the recorder.
 *
 * @since 0.1.0
 */
import type * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { Transport } from "../driver/transport.js"
import type { Role } from "../machine/machine.js"
import { type Fault, FaultState, joinHeld, type StreamEnd } from "./faults.js"

/** The pipe's only failure: the connection was reset. @since 0.1.0 @category errors */
export class PipeReset extends Data.TaggedError("PipeReset")<{}> {}

/**
 * Pipe options: the one-way delay, the fault schedule, and hooks told of every write
 * (`onWrite`, the writer's original bytes) and delivery (`onDeliver`, what the reader
 * gets), with the clock's time.
 *
 * @since 0.1.0
 * @category models
 */
export interface PipeOptions {
  readonly delayMs: number
  readonly faults?: ReadonlyArray<Fault> | undefined
  readonly onWrite?: ((from: Role, at: number, bytes: Uint8Array) => void) | undefined
  readonly onDeliver?: ((to: Role, at: number, bytes: Uint8Array) => void) | undefined
}

/** Both ends of a pipe. @since 0.1.0 @category models */
export interface Pipe {
  readonly client: Transport<PipeReset>
  readonly server: Transport<PipeReset>
}

type Delivery = { readonly at: number; readonly chunks: ReadonlyArray<Uint8Array>; readonly end?: StreamEnd | undefined }
type Item = Uint8Array | PipeReset

const other = (r: Role): Role => (r === "client" ? "server" : "client")

/**
 * A pipe whose fibers live in the current scope. A side's `close` delivers EOF to the
 * peer one delay later; writes after a close, a truncation, silence or a reset vanish.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: PipeOptions): Effect.Effect<Pipe, never, Scope.Scope> =>
  Effect.gen(function* () {
    const faults = options.faults ?? []
    const D = Math.max(0, options.delayMs)
    const dir = (from: Role) => ({
      from,
      shape: new FaultState(faults, from),
      wire: Queue.unbounded<Delivery>(),
      held: [] as Array<Uint8Array>,
      holdSerial: 0,
      last: 0,
      closed: false
    })
    const scope = yield* Effect.scope
    const dirs = { client: dir("client"), server: dir("server") }
    const wires = { client: yield* dirs.client.wire, server: yield* dirs.server.wire }
    const inboxes = {
      client: yield* Queue.unbounded<Item, Cause.Done>(),
      server: yield* Queue.unbounded<Item, Cause.Done>()
    }

    const schedule = (from: Role, now: number, chunks: ReadonlyArray<Uint8Array>, extra: number, end?: StreamEnd) => {
      const d = dirs[from]
      const at = Math.max(now + D + extra, d.last)
      d.last = at
      return Queue.offer(wires[from], { at, chunks, end })
    }

    const flushHeld = (from: Role, serial: number) =>
      Effect.gen(function* () {
        const d = dirs[from]
        if (d.holdSerial !== serial || d.held.length === 0 || d.closed) return
        const held = d.held.splice(0)
        yield* schedule(from, yield* Clock.currentTimeMillis, joinHeld(held, []), 0)
      })

    const write = (from: Role) => (bytes: Uint8Array) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        options.onWrite?.(from, now, bytes)
        const d = dirs[from]
        if (d.closed) return
        const shaped = d.shape.push(bytes)
        if (shaped.hold !== undefined && shaped.end === undefined) {
          d.held.push(...shaped.chunks)
          const serial = ++d.holdSerial
          yield* Effect.forkIn(Effect.sleep(shaped.hold.holdMs ?? 2 * D).pipe(Effect.andThen(flushHeld(from, serial))), scope)
          return
        }
        d.holdSerial++
        const chunks = joinHeld(d.held.splice(0), shaped.chunks)
        switch (shaped.end) {
          case undefined:
            return yield* schedule(from, now, chunks, shaped.extraDelayMs)
          case "silent":
            d.closed = true
            return yield* schedule(from, now, chunks, shaped.extraDelayMs)
          case "eof":
            d.closed = true
            return yield* schedule(from, now, chunks, shaped.extraDelayMs, "eof")
          case "reset":
            d.closed = true
            dirs[other(from)].closed = true
            yield* schedule(from, now, chunks, shaped.extraDelayMs, "reset")
            return yield* schedule(other(from), now, [], 0, "reset")
        }
      })

    const close = (from: Role) =>
      Effect.gen(function* () {
        const d = dirs[from]
        if (d.closed) return
        d.closed = true
        const held = d.held.splice(0)
        yield* schedule(from, yield* Clock.currentTimeMillis, joinHeld(held, []), 0, "eof")
      })

    // One delivery fiber per direction: wait for the delivery time, hand the chunks over.
    const deliver = (from: Role) =>
      Effect.gen(function* () {
        const to = other(from)
        while (true) {
          const d = yield* Queue.take(wires[from])
          const now = yield* Clock.currentTimeMillis
          if (d.at > now) yield* Effect.sleep(d.at - now)
          for (const chunk of d.chunks) {
            if (chunk.length === 0) continue
            options.onDeliver?.(to, d.at, chunk)
            yield* Queue.offer(inboxes[to], chunk)
          }
          if (d.end === "eof") yield* Queue.end(inboxes[to])
          if (d.end === "reset") yield* Queue.offer(inboxes[to], new PipeReset()).pipe(Effect.andThen(Queue.end(inboxes[to])))
        }
      })
    yield* Effect.forkScoped(deliver("client"))
    yield* Effect.forkScoped(deliver("server"))

    const end = (side: Role): Transport<PipeReset> => ({
      read: Stream.fromQueue(inboxes[side]).pipe(
        Stream.mapEffect((item) => (item instanceof PipeReset ? Effect.fail(item) : Effect.succeed(item)))
      ),
      write: write(side),
      close: close(side)
    })
    return { client: end("client"), server: end("server") }
  })
