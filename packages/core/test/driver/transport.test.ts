/**
 * `fromSocket`: the driver over an Effect `Socket` (`effect/socket/Socket`) — here an
 * in-memory socket pair — with the TEST-ONLY toy machine: a handshake, data both ways, and
 * a clean close that ends the read streams (the socket's close is an end, not an error).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import * as Socket from "effect/socket/Socket"
import * as Stream from "effect/Stream"
import { NobleCrypto } from "../../src/crypto/noble.js"
import { connect } from "../../src/driver/Driver.js"
import { ChainVerifier, Entropy } from "../../src/driver/services.js"
import { fromSocket } from "../../src/driver/transport.js"
import { makeConfig } from "../../src/machine/config.js"
import type { Role } from "../../src/machine/machine.js"
import { serverConfig, text, utf8 } from "./fixtures.js"
import { ToyMachine } from "./toy-machine.js"

type Frame = Uint8Array | Socket.CloseEvent

/** Two connected in-memory sockets: what one writes, the other pulls; a CloseEvent closes. */
const socketPair = Effect.gen(function* () {
  const toA = yield* Queue.unbounded<Frame>()
  const toB = yield* Queue.unbounded<Frame>()
  const socket = (inbound: Queue.Queue<Frame>, outbound: Queue.Queue<Frame>) =>
    Socket.make({
      reader: Effect.succeed({
        pull: Effect.flatMap(Queue.take(inbound), (frame) =>
          frame instanceof Uint8Array
            ? Effect.succeed([frame] as const)
            : Effect.fail(new Socket.SocketError({ reason: new Socket.SocketCloseError({ code: frame.code }) }))
        ),
        upgrade: Socket.SocketUpgradeError.unsupported
      }),
      writer: Effect.succeed({
        write: (chunk: Uint8Array | string | Socket.CloseEvent) => Queue.offer(outbound, typeof chunk === "string" ? utf8(chunk) : chunk).pipe(Effect.asVoid),
        writeAll: (chunks: ReadonlyArray<Uint8Array | string>) =>
          Queue.offerAll(outbound, chunks.map((c) => (typeof c === "string" ? utf8(c) : c))).pipe(Effect.asVoid)
      })
    })
  return { a: socket(toA, toB), b: socket(toB, toA) }
})

describe("fromSocket", () => {
  it.effect("runs the driver over an Effect Socket: handshake, data both ways, clean close", () =>
    Effect.gen(function* () {
      const { a, b } = yield* socketPair
      const side = (role: Role, socket: Socket.Socket) =>
        Effect.flatMap(fromSocket(socket), (transport) =>
          connect(ToyMachine, role, { crypto: NobleCrypto, config: role === "server" ? serverConfig() : makeConfig() }, transport)
        ).pipe(Effect.provide(Layer.mergeAll(Entropy.seeded(3, role), ChainVerifier.insecureAcceptAnything)))
      const client = yield* side("client", a)
      const server = yield* side("server", b)
      yield* Effect.all([client.handshake, server.handshake])
      yield* client.write(utf8("over a socket"))
      yield* server.write(utf8("and back"))
      yield* client.close
      const got = yield* Stream.runCollect(server.read)
      yield* server.close
      const back = yield* Stream.runCollect(client.read)
      assert.strictEqual(got.map(text).join(""), "over a socket")
      assert.strictEqual(back.map(text).join(""), "and back")
      yield* client.closed
      yield* server.closed
    })
  )
})
