/**
 * `NodeCrypto` against the conformance suite of `@effect-tls/core`.
 *
 * @since 0.1.0
 */
import { describe, expect, it } from "vitest"
import { conformance } from "../../core/test/crypto/conformance.js"
import { NodeCrypto } from "../src/node-crypto.js"

conformance(NodeCrypto)

describe("NodeCrypto", () => {
  it("runs on Node 24 or later (raw key import, ML-KEM-768); run tests with npx vitest or npm test", () => {
    expect(Number(process.versions.node.split(".")[0]), `Node ${process.versions.node}`).toBeGreaterThanOrEqual(24)
  })
  it("says which operations draw their own randomness: sign and encapsulate", () => {
    expect([...NodeCrypto.drawsOwnRandomness].sort()).toEqual(["encapsulate", "sign"])
  })
})
