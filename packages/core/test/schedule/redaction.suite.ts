/**
 * Printing any schedule value (String, JSON.stringify, util.inspect, template strings)
 * shows labels, never secret bytes (STYLE.md, "Secrets, safe by construction").
 */
import { Redacted } from "effect"
import { inspect } from "node:util"
import { describe, expect, it } from "vitest"
import type { CryptoProvider } from "../../src/crypto/provider.js"
import * as KeyLog from "../../src/schedule/keylog.js"
import * as Tls12 from "../../src/schedule/tls12.js"
import * as Tls13 from "../../src/schedule/tls13-schedule.js"
import { fromHex, loadVector, toHex } from "../vectors.js"
import { runRfc8448 } from "./tls13.suite.js"

/** Every way the secret could show up in text: hex, decimal list, base64. */
const renderings = (bytes: Uint8Array): ReadonlyArray<string> => [
  toHex(bytes),
  toHex(bytes).toUpperCase(),
  Array.from(bytes.subarray(0, 6)).join(","),
  Array.from(bytes.subarray(0, 6)).join(", "),
  Buffer.from(bytes).toString("base64").slice(0, 12)
]

const printings = (value: unknown): ReadonlyArray<string> => [
  String(value),
  `${JSON.stringify(value)}`,
  inspect(value, { depth: Infinity, showHidden: true }),
  inspect(value, { depth: Infinity, getters: true }),
  inspect([value])
]

export const redactionSuite = (crypto: CryptoProvider): void => {
  describe(`Redaction of schedule values (${crypto.name})`, () => {
    const r = runRfc8448(crypto)
    const hsKeys = Tls13.trafficKeys(crypto, r.handshakeTraffic.server, "aes-128-gcm")
    const early = Tls13.earlySecret(crypto, r.psk)
    const capture = loadVector<{ master_secret: string; client_random: string; server_random: string }>(
      "tls12-ecdhe-rsa-aes128gcm.json"
    )
    const master12 = Tls12.resumedMasterSecret("sha256", fromHex(capture.master_secret), true)
    const keyBlock = Tls12.keyBlock(
      crypto,
      master12,
      fromHex(capture.client_random),
      fromHex(capture.server_random),
      "aes-128-gcm"
    )

    const values: ReadonlyArray<readonly [string, unknown, ReadonlyArray<Redacted.Redacted<Uint8Array>>]> = [
      ["EarlySecret", r.early, [r.early.secret]],
      ["HandshakeSecret", r.handshake, [r.handshake.secret]],
      ["MasterSecret", r.master, [r.master.secret]],
      ["handshake TrafficSecrets", r.handshakeTraffic, [r.handshakeTraffic.client.secret, r.handshakeTraffic.server.secret]],
      [
        "application TrafficSecrets",
        r.applicationTraffic,
        [r.applicationTraffic.client.secret, r.applicationTraffic.server.secret]
      ],
      ["TrafficKeys", hsKeys, [hsKeys.key, hsKeys.iv]],
      ["ExporterSecret", r.exporter, [r.exporter.secret]],
      ["ResumptionMasterSecret", r.resumption, [r.resumption.secret]],
      ["Psk", r.psk, [r.psk.secret]],
      ["BinderKey", Tls13.binderKey(crypto, early), [Tls13.binderKey(crypto, early).secret]],
      ["FinishedKey", Tls13.finishedKey(crypto, r.handshakeTraffic.client), [
        Tls13.finishedKey(crypto, r.handshakeTraffic.client).secret
      ]],
      ["Tls12MasterSecret", master12, [master12.secret]],
      ["Tls12KeyBlock", keyBlock, [keyBlock.clientWriteKey, keyBlock.serverWriteKey, keyBlock.clientWriteIv, keyBlock.serverWriteIv]],
      ["a state holding several", { _tag: "Connected", keys: hsKeys, master: r.master, next: r.applicationTraffic }, [
        hsKeys.key,
        r.master.secret,
        r.applicationTraffic.client.secret
      ]]
    ]

    it("would notice a leak (the detector itself)", () => {
      const bytes = Redacted.value(r.master.secret)
      const leaky = { _tag: "Leaky", secret: bytes, hex: toHex(bytes) }
      // String() of a plain object is "[object Object]"; the other four must all see it
      for (const text of printings(leaky).slice(1)) {
        expect(renderings(bytes).some((leak) => text.includes(leak))).toBe(true)
      }
    })

    for (const [name, value, secrets] of values) {
      it(`never prints the bytes of a ${name}`, () => {
        for (const text of printings(value)) {
          for (const secret of secrets) {
            for (const leak of renderings(Redacted.value(secret))) expect(text).not.toContain(leak)
          }
        }
      })
    }

    it("shows each secret's label", () => {
      expect(String(r.handshakeTraffic.server.secret)).toBe("<redacted:server_handshake_traffic_secret>")
      expect(JSON.stringify(r.master)).toBe('{"_tag":"MasterSecret","hash":"sha256","secret":"<redacted:master_secret>"}')
      expect(inspect(r.applicationTraffic.client)).toContain("<redacted:client_application_traffic_secret_0>")
      expect(inspect(hsKeys)).toContain("<redacted:server_handshake_write_key>")
      expect(inspect(hsKeys)).toContain("<redacted:server_handshake_write_iv>")
      expect(JSON.stringify(keyBlock)).toContain('"<redacted:client_write_key>"')
      expect(String(r.resumption.secret)).toBe("<redacted:resumption_master_secret>")
      expect(String(r.psk.secret)).toBe("<redacted:resumption_psk>")
    })

    it("discloses a secret only through an explicit key log line (NSS format)", () => {
      const random = fromHex(capture.client_random)
      expect(KeyLog.keyLogLine(random, master12)).toBe(`CLIENT_RANDOM ${capture.client_random} ${capture.master_secret}`)
      expect(KeyLog.keyLogLine(random, r.handshakeTraffic.server)).toBe(
        `SERVER_HANDSHAKE_TRAFFIC_SECRET ${capture.client_random} ${toHex(Redacted.value(r.handshakeTraffic.server.secret))}`
      )
      expect(KeyLog.keyLogLabel(r.applicationTraffic.client)).toBe("CLIENT_TRAFFIC_SECRET_0")
      expect(KeyLog.keyLogLabel(Tls13.nextApplicationTrafficSecret(crypto, r.applicationTraffic.server))).toBe(
        "SERVER_TRAFFIC_SECRET_1"
      )
      expect(KeyLog.keyLogLabel(r.exporter)).toBe("EXPORTER_SECRET")
      expect(KeyLog.keyLogLabel(Tls13.clientEarlyTrafficSecret(crypto, early, new Uint8Array(32)))).toBe(
        "CLIENT_EARLY_TRAFFIC_SECRET"
      )
      expect(KeyLog.keyLogLabel(Tls13.earlyExporterMasterSecret(crypto, early, new Uint8Array(32)))).toBe(
        "EARLY_EXPORTER_SECRET"
      )
    })
  })
}
