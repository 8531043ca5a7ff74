/**
 * Every key-schedule and transcript test, as one function of the provider: the core
 * runs it with `NobleCrypto`, `packages/node` with `NodeCrypto` (one body, both
 * providers — issue 10's acceptance criteria 1 and 2).
 */
import type { CryptoProvider } from "../../src/crypto/provider.js"
import { redactionSuite } from "./redaction.suite.js"
import { tls12Suite } from "./tls12.suite.js"
import { tls13Suite } from "./tls13.suite.js"
import { transcriptSuite } from "./transcript.suite.js"

export const scheduleSuites = (crypto: CryptoProvider): void => {
  tls13Suite(crypto)
  tls12Suite(crypto)
  transcriptSuite(crypto)
  redactionSuite(crypto)
}
