/**
 * The `@noble/hashes` functions behind `HashAlgorithm` names (FIPS 180-4), shared by the
 * `NobleCrypto` modules.
 *
 * @since 0.1.0
 */
import { sha1 } from "@noble/hashes/legacy.js"
import { sha256, sha384, sha512 } from "@noble/hashes/sha2.js"

/** The noble hash for each algorithm name; SHA-1 only verifies TLS 1.2 peers' signatures. */
export const nobleHash = { sha1, sha256, sha384, sha512 } as const
