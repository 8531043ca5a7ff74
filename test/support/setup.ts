/** Per-worker setup: every fast-check property starts from the fixed seed unless it says otherwise. */
import * as fc from "fast-check"
import { seed } from "./tier.js"

fc.configureGlobal({ seed, verbose: 1 })
