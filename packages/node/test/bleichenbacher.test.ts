/**
 * Bleichenbacher safety of `NodeCrypto.rsaDecryptPremaster`, with the suite of
 * `@effect-tls/core` (see `packages/core/test/crypto/bleichenbacher.ts`).
 *
 * @since 0.1.0
 */
import { fileURLToPath } from "node:url"
import { bleichenbacherSuite } from "../../core/test/crypto/bleichenbacher.js"

bleichenbacherSuite(fileURLToPath(new URL("../src/node-crypto.ts", import.meta.url)), "NodeCrypto", "/node/src/node-sign.ts ")
