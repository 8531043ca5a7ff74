/**
 * make-certs: writes certificates to try the tools with — a CA, a server certificate for
 * `localhost` and `127.0.0.1`, and a client certificate it signed (ECDSA P-256, valid 30
 * days), made in-process (no `openssl` needed).
 *
 *   npm run --silent make-certs                 # into certs/ (ca.pem, server.pem, server.key, client.pem, client.key)
 *   npm run --silent make-certs -- -out DIR -days 7
 *
 * Files already there are replaced. The keys are unencrypted and for loopback trials only.
 * Built on Node's crypto and `@peculiar/asn1-x509` (see `lib/pki.ts`).
 */
import { startTool, type Flag } from "./lib/cli.js"
import { makePki, writePki } from "./lib/pki.js"

const flags: ReadonlyArray<Flag> = [
  { name: "out", value: "dir", help: "where to write the files (default certs)" },
  { name: "days", value: "n", help: "validity of every certificate in days (default 30)" },
  { name: "help", help: "this text" }
]

const { a, out, fail } = startTool("make-certs", "Writes a CA, a server certificate (localhost, 127.0.0.1) and a client certificate.", flags)
const days = a.values.days === undefined ? 30 : Number(a.values.days)
if (!Number.isInteger(days) || days < 1) fail(`bad -days ${a.values.days}`)

const files = writePki(a.values.out ?? "certs", makePki({ days }))
out(`CA:                 ${files.ca}`)
out(`server certificate: ${files.serverCert} (key ${files.serverKey}; localhost, 127.0.0.1)`)
out(`client certificate: ${files.clientCert} (key ${files.clientKey})`)
out(`valid ${days} days; try: npm run --silent s-server -- -accept 4433 -cert ${files.serverCert} -key ${files.serverKey} -www`)
