/** Record protection with the portable provider; packages/node runs the same suite with NodeCrypto. */
import { NobleCrypto } from "../../src/crypto/noble.js"
import { recordSuite } from "./record.suite.js"

recordSuite(NobleCrypto)
