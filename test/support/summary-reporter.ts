/**
 * Prints one closing line in the plain form CI reads, `tests: N passed, N failed, N skipped`,
 * plus the tier, after vitest's own summary.
 */
import type { Reporter, TestModule } from "vitest/node"
import { tier } from "./tier.js"

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0
    let failed = 0
    let skipped = 0
    for (const m of modules) {
      for (const t of m.children.allTests()) {
        const s = t.result().state
        if (s === "passed") passed++
        else if (s === "failed") failed++
        else skipped++
      }
      if (m.state() === "failed" && [...m.children.allTests()].length === 0) failed++
    }
    process.stdout.write(`\ntier: ${tier}\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`)
  }
}
