/**
 * Test tiers. `npm test` is the CI tier; `npm run test:full` sets
 * `TLS_TEST_TIER=full` for the larger property counts and the long transfers.
 *
 * @since 0.1.0
 */
/** The tier this run is in. */
export declare const tier: "ci" | "full";
/** Picks the count for the current tier. */
export declare const runs: (counts: {
    readonly ci: number;
    readonly full: number;
}) => number;
/**
 * The fast-check seed every property uses: fixed, so a failure reproduces;
 * `FC_SEED=n` overrides it. fast-check prints the seed and path of a failure.
 */
export declare const seed: number;
/** Options for `fc.assert`: the tier's count, the fixed seed. */
export declare const fcOptions: (counts: {
    readonly ci: number;
    readonly full: number;
}) => {
    numRuns: number;
    seed: number;
};
/** A test title that says how many cases it runs, e.g. `"round trip [2000 cases]"`. */
export declare const titled: (title: string, counts: {
    readonly ci: number;
    readonly full: number;
}) => string;
//# sourceMappingURL=tier.d.ts.map