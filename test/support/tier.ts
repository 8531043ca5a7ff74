/**
 * Test tiers. `npm test` is the CI tier; `npm run test:full` sets
 * `TLS_TEST_TIER=full` for the larger property counts and the long transfers.
 *
 * @since 0.1.0
 */

/** The tier this run is in. */
export const tier: "ci" | "full" = process.env.TLS_TEST_TIER === "full" ? "full" : "ci"

/** Picks the count for the current tier. */
export const runs = (counts: { readonly ci: number; readonly full: number }): number =>
  tier === "full" ? counts.full : counts.ci

/**
 * The fast-check seed every property uses: fixed, so a failure reproduces;
 * `FC_SEED=n` overrides it. fast-check prints the seed and path of a failure.
 */
export const seed: number = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : 0x7e15

/** Options for `fc.assert`: the tier's count, the fixed seed. */
export const fcOptions = (counts: { readonly ci: number; readonly full: number }) => ({
  numRuns: runs(counts),
  seed
})

/** A test title that says how many cases it runs, e.g. `"round trip [2000 cases]"`. */
export const titled = (title: string, counts: { readonly ci: number; readonly full: number }): string =>
  `${title} [${runs(counts)} cases, seed ${seed}]`
