/**
 * Zero-copy conversions between the `Uint8Array`s of the provider interface and the
 * `Buffer`s of `node:crypto`.
 *
 * @since 0.1.0
 */

/** A `Uint8Array` view of a Buffer (no copy). */
export const bytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength)

/** A Buffer view of bytes (no copy), for `node:crypto` inputs typed as Buffer. */
export const buf = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength)
