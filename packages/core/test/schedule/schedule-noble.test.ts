/**
 * The key schedules and the transcript with the portable provider. The same suites run
 * with `NodeCrypto` in `packages/node/test/schedule-node.test.ts`.
 */
import { NobleCrypto } from "../../src/crypto/noble.js"
import { scheduleSuites } from "./suites.js"

scheduleSuites(NobleCrypto)
