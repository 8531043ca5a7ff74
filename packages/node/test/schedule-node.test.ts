/**
 * The key-schedule and transcript suites of `packages/core/test/schedule` with the
 * native provider: one test body, both providers (core runs it with `NobleCrypto`).
 * They live here because the core project cannot import `packages/node` sources
 * (tsc: TS6059/TS6307, outside its rootDir and file list).
 */
import { scheduleSuites } from "../../core/test/schedule/suites.js"
import { NodeCrypto } from "../src/node-crypto.js"

scheduleSuites(NodeCrypto)
