/**
 * Real peer programs (openssl, gnutls-cli, tshark) for the interop tests. Under `CI=true`
 * a missing program fails the test that needs it; elsewhere the test is skipped and a
 * loud line names the Debian package to install.
 *
 * @since 0.1.0
 */
import { execFileSync } from "node:child_process"

const packages: Record<string, string> = {
  openssl: "openssl",
  "gnutls-cli": "gnutls-bin",
  "gnutls-serv": "gnutls-bin",
  tshark: "tshark"
}

/** Whether `program` is on the PATH. */
export const has = (program: string): boolean => {
  try {
    execFileSync("sh", ["-c", `command -v ${program}`], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
}

/**
 * Decides whether a test needing `programs` runs. Returns true to run it. In CI a missing
 * program throws (the test fails); locally it prints a loud notice and returns false.
 */
export const needs = (...programs: ReadonlyArray<string>): boolean => {
  const missing = programs.filter((p) => !has(p))
  if (missing.length === 0) return true
  const pkgs = [...new Set(missing.map((p) => packages[p] ?? p))].join(" ")
  const line = `!!! missing peer program(s) ${missing.join(", ")}: apt-get install ${pkgs}`
  if (process.env.CI === "true") throw new Error(`${line} (CI=true: a missing peer fails the run)`)
  process.stderr.write(`\n${line} — skipping the tests that need them\n`)
  return false
}
