/**
 * `NobleCrypto` against the conformance suite.
 *
 * @since 0.1.0
 */
import { NobleCrypto } from "../../src/crypto/noble.js"
import { conformance } from "./conformance.js"

conformance(NobleCrypto)
