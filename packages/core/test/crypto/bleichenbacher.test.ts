/**
 * Bleichenbacher safety of `NobleCrypto.rsaDecryptPremaster` (see `bleichenbacher.ts`).
 *
 * @since 0.1.0
 */
import { fileURLToPath } from "node:url"
import { bleichenbacherSuite } from "./bleichenbacher.js"

bleichenbacherSuite(fileURLToPath(new URL("../../src/crypto/noble.ts", import.meta.url)), "NobleCrypto", "/crypto/noble-rsa.ts ")
