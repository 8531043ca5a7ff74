/**
 * Trust stores from the Node runtime for the core verifier (RFC 5280 §6.1.1 (d) trust
 * anchors): the Mozilla roots Node ships (`tls.rootCertificates`), the operating system's
 * store (`tls.getCACertificates("system")`, Node ≥ 22.15), and a PEM bundle file such as
 * `/etc/ssl/certs/ca-certificates.crt` or `$SSL_CERT_FILE`.
 *
 * **Gotchas**: bundles are read leniently — a certificate the core parser refuses (not
 * DER, an extension that does not decode) is skipped and counted, not fatal; a file with
 * no usable certificate at all is an error.
 *
 * @since 0.1.0
 */
import { X509 } from "@effect-tls/core"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as tls from "node:tls"

/**
 * A trust store that could not be loaded: the file is unreadable, or holds no certificate
 * the core parser accepts.
 *
 * @since 0.1.0
 * @category errors
 */
export class TrustStoreError extends Data.TaggedError("TrustStoreError")<{
  readonly reason: "Unreadable" | "NoCertificates"
  readonly source: string
  readonly message: string
}> {}

/** Trust anchors with what was left out of them. @since 0.1.0 @category models */
export interface LoadedTrust {
  readonly anchors: X509.TrustAnchors
  /** One line per certificate the core parser refused. */
  readonly skipped: ReadonlyArray<string>
}

const fromPems = (source: string, pems: ReadonlyArray<string>): Effect.Effect<LoadedTrust, TrustStoreError> =>
  Effect.suspend(() => {
    const loaded = X509.loadTrustAnchorsLenient(pems)
    return loaded.anchors.certificates.length === 0
      ? Effect.fail(new TrustStoreError({ reason: "NoCertificates", source, message: `${source}: no usable certificate${loaded.skipped.length > 0 ? ` (${loaded.skipped.length} refused)` : ""}` }))
      : Effect.succeed(loaded)
  })

let bundled: LoadedTrust | undefined

/**
 * The Mozilla root certificates compiled into Node (`tls.rootCertificates`), parsed once
 * and kept.
 *
 * @since 0.1.0
 * @category constructors
 */
export const nodeRootCertificates: Effect.Effect<LoadedTrust, TrustStoreError> = Effect.suspend(() =>
  bundled !== undefined
    ? Effect.succeed(bundled)
    : Effect.tap(fromPems("tls.rootCertificates", tls.rootCertificates), (loaded) => Effect.sync(() => void (bundled = loaded)))
)

/**
 * The operating system's trust store as Node reads it (`tls.getCACertificates("system")`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const systemCertificates: Effect.Effect<LoadedTrust, TrustStoreError> = Effect.suspend(() => fromPems("system trust store", tls.getCACertificates("system")))

/**
 * Trust anchors from a PEM bundle file (RFC 7468 "CERTIFICATE" blocks; OpenSSL's
 * "TRUSTED CERTIFICATE" blocks are read as plain certificates).
 *
 * @since 0.1.0
 * @category constructors
 */
export const loadTrustBundle = (path: string): Effect.Effect<LoadedTrust, TrustStoreError> =>
  Effect.flatMap(
    Effect.tryPromise({
      try: () => fs.promises.readFile(path, "utf8"),
      catch: (e) => new TrustStoreError({ reason: "Unreadable", source: path, message: `${path}: ${e instanceof Error ? e.message : String(e)}` })
    }),
    (text) => fromPems(path, [text])
  )

/** Where Linux distributions and OpenSSL keep the system bundle, `$SSL_CERT_FILE` first. @since 0.1.0 */
export const systemBundlePaths = (): ReadonlyArray<string> => [
  ...(process.env.SSL_CERT_FILE !== undefined && process.env.SSL_CERT_FILE !== "" ? [process.env.SSL_CERT_FILE] : []),
  "/etc/ssl/certs/ca-certificates.crt", // Debian, Ubuntu, Alpine
  "/etc/pki/tls/certs/ca-bundle.crt", // Fedora, RHEL
  "/etc/ssl/ca-bundle.pem", // openSUSE
  "/etc/ssl/cert.pem" // macOS, BSDs
]

/**
 * The first readable system bundle file among `systemBundlePaths()`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const loadSystemBundle: Effect.Effect<LoadedTrust, TrustStoreError> = Effect.suspend(() => {
  const path = systemBundlePaths().find((p) => fs.existsSync(p))
  return path === undefined
    ? Effect.fail(new TrustStoreError({ reason: "Unreadable", source: "system bundle", message: `no bundle at ${systemBundlePaths().join(", ")}` }))
    : loadTrustBundle(path)
})
