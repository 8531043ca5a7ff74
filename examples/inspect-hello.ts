/**
 * inspect-hello: decodes TLS handshake messages and prints them with their names.
 *
 *   npm run --silent inspect-hello -- 16030100c4010000c003...   # a record or a handshake message, in hex
 *   npm run --silent inspect-hello -- -accept 4433             # listen once on 127.0.0.1 and print the ClientHello a client sends
 *
 * Built on the public API of `@effect-tls/codec` only.
 */
import * as net from "node:net"
import * as Result from "effect/Result"
import {
  decodeHandshake,
  formatDecodeError,
  formatVersion,
  HandshakeReassembler,
  HandshakeType,
  NamedGroup,
  RecordDeframer,
  ExtensionType,
  SignatureScheme,
  suiteName,
  type HandshakeMessage
} from "@effect-tls/codec"

const hexOf = (b: Uint8Array) => Buffer.from(b).toString("hex")

/** A JSON-ish rendering with names for the code points people look up. */
const render = (msg: HandshakeMessage): string =>
  JSON.stringify(
    msg,
    function (key, value) {
      if (value instanceof Uint8Array) return value.length > 48 ? `${hexOf(value.subarray(0, 48))}… (${value.length} bytes)` : hexOf(value)
      if (typeof value === "number") {
        if (key === "cipherSuite") return suiteName(value)
        if (key === "legacyVersion" || key === "selectedVersion") return formatVersion(value)
        if (key === "group" || key === "selectedGroup" || key === "namedCurve") return NamedGroup.nameOf(value)
        if (key === "algorithm") return SignatureScheme.nameOf(value)
        if (key === "type" && this && (this as { _tag?: string })._tag === "Unknown") return ExtensionType.nameOf(value)
      }
      if (Array.isArray(value) && key === "cipherSuites") return value.map(suiteName)
      if (Array.isArray(value) && key === "namedGroupList") return value.map(NamedGroup.nameOf)
      if (Array.isArray(value) && key === "supportedSignatureAlgorithms") return value.map(SignatureScheme.nameOf)
      if (Array.isArray(value) && key === "versions") return value.map(formatVersion)
      return value
    },
    2
  )

const printMessages = (payloads: ReadonlyArray<Uint8Array>): number => {
  let asm = HandshakeReassembler.empty()
  let failures = 0
  for (const p of payloads) {
    const r = asm.push(p)
    if (r._tag !== "Ok") {
      console.error(`reassembly: ${r.detail}`)
      return 1
    }
    asm = r.next
    for (const m of r.messages) {
      const d = decodeHandshake(m.bytes)
      console.log(`--- ${HandshakeType.nameOf(m.type)} (${m.bytes.length} bytes)`)
      if (Result.isSuccess(d)) console.log(render(d.success))
      else {
        console.log(formatDecodeError(d.failure))
        failures++
      }
    }
  }
  return failures === 0 ? 0 : 1
}

const fromHex = (arg: string): number => {
  const bytes = Uint8Array.from(Buffer.from(arg.replace(/[^0-9a-fA-F]/g, ""), "hex"))
  if (bytes[0] === 22) {
    const d = RecordDeframer.empty().push(bytes)
    if (d._tag !== "Ok" || d.records.length === 0) {
      console.error("not a whole TLS record")
      return 1
    }
    return printMessages(d.records.filter((r) => r.contentType === 22).map((r) => r.fragment))
  }
  return printMessages([bytes])
}

const listen = (port: number): void => {
  const server = net.createServer((sock) => {
    let deframer = RecordDeframer.empty()
    let asm = HandshakeReassembler.empty()
    const timer = setTimeout(() => sock.destroy(), 10_000)
    sock.on("data", (chunk) => {
      const d = deframer.push(Uint8Array.from(chunk)) // a plain copy: Buffer views would print as {"type":"Buffer"}
      if (d._tag !== "Ok") return void sock.destroy()
      deframer = d.next
      for (const rec of d.records) {
        const r = asm.push(rec.fragment)
        if (r._tag !== "Ok") return void sock.destroy()
        asm = r.next
        if (r.messages.length > 0) {
          clearTimeout(timer)
          const code = printMessages([rec.fragment])
          sock.destroy()
          server.close()
          process.exitCode = code
          return
        }
      }
    })
  })
  server.listen(port, "127.0.0.1", () => console.error(`listening on 127.0.0.1:${(server.address() as net.AddressInfo).port}`))
}

const args = process.argv.slice(2)
if (args[0] === "--help" || args.length === 0) {
  console.log("usage: inspect-hello HEX | inspect-hello -accept PORT")
} else if (args[0] === "-accept") {
  listen(Number(args[1] ?? 0))
} else {
  process.exitCode = fromHex(args.join(""))
}
