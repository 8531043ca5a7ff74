/**
 * A synchronous two-party harness for the state-machine unit tests: client and server
 * machines exchange their `Send` bytes directly, and the work they ask for (signing, key
 * agreement, chain verification) is done inline with a provider and a deterministic
 * entropy stream. The Effect driver and the simulator run the same machines for real.
 */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import { sha256 } from "@noble/hashes/sha2.js"
import { encapsulateEntropyLength, signEntropyLength, type CryptoProvider } from "../../src/crypto/provider.js"
import { loadPrivateKey } from "../../src/crypto/keys.js"
import type { Action } from "../../src/machine/actions.js"
import { makeConfig, type Credential, type TlsConfig } from "../../src/machine/config.js"
import type { Event } from "../../src/machine/events.js"
import type { Role } from "../../src/machine/machine.js"
import { groupName, machine, schemeName, type State13 } from "../../src/tls13/index.js"

/** A deterministic byte stream from a seed (SHA-256 in counter mode; test-only). */
export const entropyStream = (seed: string) => {
  let counter = 0
  return (n: number): Uint8Array => {
    const out = new Uint8Array(n)
    for (let at = 0; at < n; at += 32) {
      const block = sha256(new TextEncoder().encode(`${seed}/${counter++}`))
      out.set(block.subarray(0, Math.min(32, n - at)), at)
    }
    return out
  }
}

/** Makes a certificate with openssl: `ec` (P-256), `p384`, `ed25519`, `rsa`, `rsa-pss`. */
export const makeCredential = (kind: "ec" | "p384" | "ed25519" | "rsa" | "rsa-pss", cn = "localhost"): Credential => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tls13-cred-"))
  const key = path.join(dir, "key.pem")
  const crt = path.join(dir, "crt.pem")
  const keyArgs: Record<string, ReadonlyArray<string>> = {
    ec: ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
    p384: ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"],
    ed25519: ["-newkey", "ed25519"],
    rsa: ["-newkey", "rsa:2048"],
    "rsa-pss": ["-newkey", "rsa-pss", "-pkeyopt", "rsa_keygen_bits:2048"]
  }
  execFileSync("openssl", ["req", "-x509", ...keyArgs[kind]!, "-nodes", "-keyout", key, "-out", crt, "-days", "30", "-subj", `/CN=${cn}`, "-addext", `subjectAltName=DNS:${cn}`], { stdio: "ignore" })
  const pem = fs.readFileSync(crt, "utf8")
  const der = Uint8Array.from(Buffer.from(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64"))
  const loaded = loadPrivateKey(fs.readFileSync(key, "utf8"))
  fs.rmSync(dir, { recursive: true, force: true })
  if (Result.isFailure(loaded)) throw new Error(loaded.failure.message)
  return { chain: [der], key: loaded.success }
}

export interface Party {
  readonly role: Role
  state: State13
  readonly config: TlsConfig
  readonly actions: Array<Action>
  readonly delivered: Array<Uint8Array>
  readonly entropy: (n: number) => Uint8Array
}

export interface Options {
  readonly crypto: CryptoProvider
  readonly client?: Partial<TlsConfig>
  readonly server?: Partial<TlsConfig>
  readonly seed?: string
  /** The server's TLS 1.2 session cache (shared across pairs to test resumption). */
  readonly sessionCache?: Map<string, unknown>
  /** The server's used-ticket store (shared across pairs to test single use). */
  readonly usedTickets?: Set<string>
  /** Verdict on chains; accepts everything by default (these are state-machine tests). */
  readonly verify?: (chain: ReadonlyArray<Uint8Array>, peer: "server" | "client") => Event
}

const defaultCache = new Map<string, unknown>()

/** Runs one party's step and handles the work it asks for inline; returns bytes it sent. */
const run = (o: Options, p: Party, event: Event): Uint8Array[] => {
  const sent: Array<Uint8Array> = []
  const queue: Array<Event> = [event]
  while (queue.length > 0) {
    const queued = queue.shift()!
    // answers to work carry the entropy the state asks for, as the driver does
    const e: Event =
      queued._tag === "ChainVerdict" || queued._tag === "Signed" || queued._tag === "KeyAgreed" || queued._tag === "TicketRedeemed" || queued._tag === "SessionLookup"
        ? { ...queued, entropy: p.entropy(machine.needsEntropy(p.state)) }
        : queued
    const r = machine.step({ crypto: o.crypto, config: p.config }, p.state, e)
    p.state = r.state
    for (const a of r.actions) {
      p.actions.push(a)
      switch (a._tag) {
        case "Send":
          sent.push(a.bytes)
          break
        case "Deliver":
          p.delivered.push(a.data)
          break
        case "Sign": {
          const cred = p.config.certificates[a.credential]!
          queue.push({ _tag: "Signed", signature: o.crypto.sign(schemeName(a.scheme)!, cred.key, a.data, p.entropy(signEntropyLength)) })
          break
        }
        case "KeyAgreement": {
          const g = groupName(a.group)!
          const r2 = o.crypto.encapsulate(g, a.peerPublic, p.entropy(encapsulateEntropyLength(g)))
          queue.push(
            r2 === undefined
              ? { _tag: "KeyAgreed", ok: false, publicKey: new Uint8Array(0), sharedSecret: Redacted.make(new Uint8Array(0)) }
              : { _tag: "KeyAgreed", ok: true, publicKey: r2.publicKey, sharedSecret: Redacted.make(r2.sharedSecret) }
          )
          break
        }
        case "VerifyChain":
          queue.push(o.verify ? o.verify(a.chain, a.peer) : { _tag: "ChainVerdict", accepted: true })
          break
        case "CacheSession":
          ;(o.sessionCache ?? defaultCache).set(Buffer.from(a.id).toString("hex"), a.session)
          break
        case "LookupSession":
          queue.push({ _tag: "SessionLookup", session: (o.sessionCache ?? defaultCache).get(Buffer.from(a.id).toString("hex")) })
          break
        case "RedeemTicket": {
          const id = Buffer.from(a.id).toString("hex")
          const store = o.usedTickets ?? new Set<string>()
          queue.push({ _tag: "TicketRedeemed", fresh: !store.has(id) })
          store.add(id)
          break
        }
      }
    }
  }
  return sent
}

/** Client and server, started; `pump` exchanges bytes until neither sends. */
export const pair = (o: Options) => {
  const seed = o.seed ?? "seed"
  const client: Party = { role: "client", state: machine.initial("client"), config: makeConfig(o.client), actions: [], delivered: [], entropy: entropyStream(`${seed}/c`) }
  const server: Party = { role: "server", state: machine.initial("server"), config: makeConfig(o.server), actions: [], delivered: [], entropy: entropyStream(`${seed}/s`) }
  const toServer: Array<Uint8Array> = []
  const toClient: Array<Uint8Array> = []
  const feed = (p: Party, e: Event) => (p === client ? toServer : toClient).push(...run(o, p, e))
  const pump = (limit = 100) => {
    for (let i = 0; i < limit && (toServer.length > 0 || toClient.length > 0); i++) {
      const s = toServer.splice(0)
      for (const bytes of s) feed(server, { _tag: "Received", bytes, now: 0, entropy: server.entropy(machine.needsEntropy(server.state)) })
      const c = toClient.splice(0)
      for (const bytes of c) feed(client, { _tag: "Received", bytes, now: 0, entropy: client.entropy(machine.needsEntropy(client.state)) })
    }
  }
  feed(server, { _tag: "Start", now: 0, entropy: new Uint8Array(0) })
  feed(client, { _tag: "Start", now: 0, entropy: client.entropy(machine.needsEntropy(client.state)) })
  return {
    client,
    server,
    pump,
    /** Feeds an application event to a party and pumps. */
    send: (p: Party, e: Event) => {
      feed(p, e)
      pump()
    },
    /** Feeds an event without pumping (the bytes wait in `toServer`/`toClient`). */
    feed,
    /** Raw access for tampering tests. */
    toServer,
    toClient
  }
}

export const tags = (p: Party, tag: Action["_tag"]) => p.actions.filter((a) => a._tag === tag)
