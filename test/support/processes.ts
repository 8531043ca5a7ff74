/**
 * Peer processes and raw sockets for interop tests. `spawnPeer` starts a program in its
 * own process group, keeps its stdout and stderr, waits for a line with a deadline, and
 * kills the whole group on cleanup; `startServer` picks a free port and retries when it
 * was taken meanwhile; `listenOnce` and `exchange` are one-connection TCP helpers on
 * 127.0.0.1. Every wait here has a deadline and every loop a bound.
 *
 * **Gotchas**: call `killAll()` (or each `kill()`) in `afterAll`/`finally`; a process
 * that outlives its test file is also sent SIGKILL when the worker exits, as a last
 * resort only.
 *
 * @since 0.1.0
 */
import { spawn, type ChildProcess } from "node:child_process"
import * as net from "node:net"

/** How a process ended. */
export interface Exit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

/** A running peer program. */
export interface Peer {
  readonly name: string
  readonly pid: number
  readonly child: ChildProcess
  /** Everything written to stdout so far. */
  readonly stdout: () => string
  /** Everything written to stderr so far. */
  readonly stderr: () => string
  /** Both streams, in arrival order, for failure messages. */
  readonly output: () => string
  /**
   * Resolves with the first match of `pattern` in the stream's text so far (searched from
   * the start, so a line printed before the call counts). Rejects on timeout or when the
   * process exits without printing it; the error carries the output.
   */
  readonly waitFor: (pattern: RegExp, options?: { readonly timeoutMs?: number; readonly stream?: "stdout" | "stderr" | "both" }) => Promise<RegExpExecArray>
  /** Settles when the process has exited. */
  readonly exited: Promise<Exit>
  readonly exit: () => Exit | undefined
  /** Writes to stdin (when spawned with `stdin: "pipe"`). */
  readonly write: (data: string | Uint8Array) => void
  readonly closeStdin: () => void
  /** SIGTERM to the process group, SIGKILL after `graceMs` (default 2 s). Idempotent. */
  readonly kill: (graceMs?: number) => Promise<Exit>
}

/** Options for `spawnPeer`. */
export interface SpawnOptions {
  readonly name?: string
  readonly cwd?: string
  readonly env?: NodeJS.ProcessEnv
  /** `pipe` (default) keeps stdin open, which clients such as `openssl s_client` need. */
  readonly stdin?: "pipe" | "ignore"
  /** Output kept per stream is capped at this many characters (default 1 MiB). */
  readonly maxOutput?: number
}

const live = new Set<Peer>()

const DEFAULT_WAIT_MS = 10_000

const killGroup = (pid: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(-pid, signal)
  } catch {
    // the group is gone already
  }
}

let exitHookInstalled = false
const installExitHook = () => {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once("exit", () => {
    for (const p of live) killGroup(p.pid, "SIGKILL")
  })
}

/**
 * Starts `command args` in a new process group (so a kill reaches its children too) and
 * tracks it until it exits.
 */
export const spawnPeer = (command: string, args: ReadonlyArray<string>, options: SpawnOptions = {}): Peer => {
  installExitHook()
  const name = options.name ?? command
  const max = options.maxOutput ?? 1 << 20
  const child = spawn(command, [...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: [options.stdin ?? "pipe", "pipe", "pipe"],
    detached: true
  })
  let out = ""
  let err = ""
  let both = ""
  let exit: Exit | undefined
  const listeners = new Set<() => void>()
  const notify = () => {
    for (const l of [...listeners]) l()
  }
  child.stdout!.setEncoding("utf8")
  child.stderr!.setEncoding("utf8")
  child.stdout!.on("data", (s: string) => {
    if (out.length < max) out += s
    if (both.length < 2 * max) both += s
    notify()
  })
  child.stderr!.on("data", (s: string) => {
    if (err.length < max) err += s
    if (both.length < 2 * max) both += s
    notify()
  })
  child.stdin?.on("error", () => {
    // EPIPE when the peer has gone: the exit is reported through `exited`
  })
  let spawnError: Error | undefined
  const exited = new Promise<Exit>((resolve) => {
    child.once("error", (e) => {
      spawnError = e
      exit = { code: null, signal: null }
      live.delete(peer)
      notify()
      resolve(exit)
    })
    child.once("close", (code, signal) => {
      exit = { code, signal }
      live.delete(peer)
      notify()
      resolve(exit)
    })
  })
  const describe = () =>
    `${name} (pid ${child.pid ?? "?"}${exit !== undefined ? `, exited ${exit.code ?? exit.signal}` : ""}${spawnError !== undefined ? `, ${spawnError.message}` : ""})\n--- output ---\n${both.slice(-4000)}`

  const waitFor: Peer["waitFor"] = (pattern, o = {}) => {
    const timeoutMs = o.timeoutMs ?? DEFAULT_WAIT_MS
    const text = () => (o.stream === "stdout" ? out : o.stream === "stderr" ? err : both)
    const flags = pattern.flags.replace(/[gy]/g, "")
    const re = new RegExp(pattern.source, flags)
    return new Promise<RegExpExecArray>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined
      const done = () => {
        listeners.delete(check)
        if (timer !== undefined) clearTimeout(timer)
      }
      const check = () => {
        const m = re.exec(text())
        if (m !== null) {
          done()
          resolve(m)
        } else if (exit !== undefined) {
          done()
          reject(new Error(`${name} exited before printing ${pattern}: ${describe()}`))
        }
      }
      timer = setTimeout(() => {
        done()
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${pattern} from ${describe()}`))
      }, timeoutMs)
      listeners.add(check)
      check()
    })
  }

  let killing: Promise<Exit> | undefined
  const kill = (graceMs = 2_000): Promise<Exit> => {
    if (exit !== undefined) return Promise.resolve(exit)
    if (killing !== undefined) return killing
    const pid = child.pid
    if (pid === undefined) return exited
    killGroup(pid, "SIGTERM")
    const timer = setTimeout(() => killGroup(pid, "SIGKILL"), graceMs)
    killing = exited.finally(() => clearTimeout(timer))
    return killing
  }

  const peer: Peer = {
    name,
    pid: child.pid ?? -1,
    child,
    stdout: () => out,
    stderr: () => err,
    output: () => both,
    waitFor,
    exited,
    exit: () => exit,
    write: (data) => {
      if (child.stdin !== null && !child.stdin.destroyed) child.stdin.write(data)
    },
    closeStdin: () => {
      child.stdin?.end()
    },
    kill
  }
  if (child.pid !== undefined) live.add(peer)
  return peer
}

/** Kills every peer still running. For `afterAll`. */
export const killAll = async (graceMs?: number): Promise<void> => {
  await Promise.all([...live].map((p) => p.kill(graceMs)))
}

/**
 * A TCP port on 127.0.0.1 that was free a moment ago: the OS picks it for a listener that
 * is closed at once. Someone may take it before it is used; `startServer` retries.
 */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once("error", reject)
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port
      srv.close(() => resolve(port))
    })
  })

/** Options for `startServer`. */
export interface ServerOptions extends SpawnOptions {
  /** Printed when the server listens (for `openssl s_server`: `/^ACCEPT$/m`). */
  readonly ready: RegExp
  /** How long to wait for `ready` per attempt (default 10 s). */
  readonly timeoutMs?: number
  /** Attempts when the port was taken (default 5). */
  readonly attempts?: number
}

const ADDRESS_IN_USE = /address already in use|EADDRINUSE|bind.*failed|unable to bind/i

/**
 * Starts a server program on a free port: `args(port)` builds its command line. Retries
 * with a new port (bounded) when the program reports the address in use.
 */
export const startServer = async (
  command: string,
  args: (port: number) => ReadonlyArray<string>,
  options: ServerOptions
): Promise<{ readonly peer: Peer; readonly port: number }> => {
  const attempts = options.attempts ?? 5
  let last: unknown
  for (let i = 0; i < attempts; i++) {
    const port = await freePort()
    const peer = spawnPeer(command, args(port), options)
    try {
      await peer.waitFor(options.ready, { timeoutMs: options.timeoutMs ?? DEFAULT_WAIT_MS })
      return { peer, port }
    } catch (e) {
      last = e
      await peer.kill()
      if (!ADDRESS_IN_USE.test(peer.output())) throw e
    }
  }
  throw new Error(`${command}: no free port after ${attempts} attempts: ${String(last)}`)
}

/** How a one-connection read ended. */
export type ReadEnd = "until" | "closed" | "max" | "timeout"

/** Options for reading from one connection. */
export interface ReadOptions {
  /** Stop once this says the bytes so far are enough. */
  readonly until?: (received: Uint8Array) => boolean
  /** Give up after this long (default 10 s). */
  readonly timeoutMs?: number
  /** Stop after this many bytes (default 1 MiB). */
  readonly maxBytes?: number
}

const collect = (
  socket: net.Socket,
  o: ReadOptions,
  finish: (r: { readonly bytes: Uint8Array; readonly end: ReadEnd }) => void
): void => {
  const chunks: Array<Buffer> = []
  let total = 0
  let settled = false
  const timer = setTimeout(() => settle("timeout"), o.timeoutMs ?? DEFAULT_WAIT_MS)
  const bytes = () => new Uint8Array(Buffer.concat(chunks, total))
  function settle(end: ReadEnd) {
    if (settled) return
    settled = true
    clearTimeout(timer)
    socket.destroy()
    finish({ bytes: bytes(), end })
  }
  socket.on("data", (b: Buffer) => {
    chunks.push(b)
    total += b.length
    if (total >= (o.maxBytes ?? 1 << 20)) settle("max")
    else if (o.until !== undefined && o.until(bytes())) settle("until")
  })
  socket.on("end", () => settle("closed"))
  socket.on("close", () => settle("closed"))
  socket.on("error", () => settle("closed"))
}

/** A listener for exactly one connection. */
export interface OneShotListener {
  readonly port: number
  /** The bytes the first client sent, and why reading stopped. Never rejects. */
  readonly received: Promise<{ readonly bytes: Uint8Array; readonly end: ReadEnd }>
  /** Closes the listener (and the connection, if still open). Idempotent. */
  readonly close: () => Promise<void>
}

/**
 * Listens on 127.0.0.1 on a port the OS picks, accepts one connection, reads until
 * `until` holds (or the client closes, the cap or the deadline is hit — the deadline
 * counts from the call), then closes the connection and the listener.
 */
export const listenOnce = (o: ReadOptions = {}): Promise<OneShotListener> =>
  new Promise((resolveListener, rejectListener) => {
    let resolveReceived!: (r: { readonly bytes: Uint8Array; readonly end: ReadEnd }) => void
    const received = new Promise<{ readonly bytes: Uint8Array; readonly end: ReadEnd }>((r) => (resolveReceived = r))
    const sockets = new Set<net.Socket>()
    const srv = net.createServer()
    const timeoutMs = o.timeoutMs ?? DEFAULT_WAIT_MS
    const idle = setTimeout(() => {
      srv.close()
      resolveReceived({ bytes: new Uint8Array(0), end: "timeout" })
    }, timeoutMs)
    srv.once("connection", (socket) => {
      clearTimeout(idle)
      sockets.add(socket)
      srv.close() // no second client
      collect(socket, { ...o, timeoutMs }, resolveReceived)
    })
    srv.once("error", rejectListener)
    srv.listen(0, "127.0.0.1", () => {
      const close = () =>
        new Promise<void>((r) => {
          clearTimeout(idle)
          for (const s of sockets) s.destroy()
          if (srv.listening) srv.close(() => r())
          else r()
        })
      resolveListener({ port: (srv.address() as net.AddressInfo).port, received, close })
    })
  })

/**
 * Connects to 127.0.0.1:`port`, writes `data`, and reads the answer until `until` holds,
 * the server closes, the cap or the deadline is hit. Rejects only when the connection
 * cannot be made.
 */
export const exchange = (
  port: number,
  data: Uint8Array,
  o: ReadOptions = {}
): Promise<{ readonly bytes: Uint8Array; readonly end: ReadEnd }> =>
  new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port })
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`connect to 127.0.0.1:${port} timed out`))
    }, o.timeoutMs ?? DEFAULT_WAIT_MS)
    socket.once("error", (e) => {
      clearTimeout(timer)
      reject(e)
    })
    socket.once("connect", () => {
      clearTimeout(timer)
      socket.removeAllListeners("error")
      collect(socket, o, resolve)
      socket.write(data)
    })
  })

/**
 * Polls `check` every `intervalMs` (default 50) until it returns true; rejects after
 * `timeoutMs` (default 10 s) with `what` in the message.
 */
export const waitUntil = async (
  what: string,
  check: () => boolean,
  options: { readonly timeoutMs?: number; readonly intervalMs?: number } = {}
): Promise<void> => {
  const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS
  const interval = options.intervalMs ?? 50
  const rounds = Math.max(1, Math.ceil(timeoutMs / interval))
  for (let i = 0; i < rounds; i++) {
    if (check()) return
    await new Promise((r) => setTimeout(r, interval))
  }
  if (check()) return
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
}
