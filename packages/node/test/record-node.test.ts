/** The record-protection suite of packages/core/test/record with the native provider. */
import { recordSuite } from "../../core/test/record/record.suite.js"
import { NodeCrypto } from "../src/node-crypto.js"

recordSuite(NodeCrypto)
