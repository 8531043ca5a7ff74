/**
 * Command-line parsing for the OpenSSL-style tools: single-dash flags, some with a value
 * (`-connect host:port`), some boolean (`-state`), as `openssl s_client`/`s_server` take them.
 */

/** A flag: its name, whether it takes a value, and its help line. */
export interface Flag {
  readonly name: string
  readonly value?: string | undefined
  readonly help: string
}

/** Parsed flags: `values[name]` for valued flags, `set.has(name)` for boolean ones. */
export interface Parsed {
  readonly values: Readonly<Record<string, string>>
  readonly set: ReadonlySet<string>
}

/** Parses `argv` against `flags`; unknown flags and missing values are errors. */
export const parse = (argv: ReadonlyArray<string>, flags: ReadonlyArray<Flag>): Parsed | string => {
  const byName = new Map(flags.map((f) => [f.name, f]))
  const values: Record<string, string> = {}
  const set = new Set<string>()
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const flag = byName.get(arg.replace(/^-+/, ""))
    if (flag === undefined || !arg.startsWith("-")) return `unknown option ${arg} (try --help)`
    if (flag.value !== undefined) {
      const v = argv[++i]
      if (v === undefined) return `${arg} needs a value: ${flag.value}`
      values[flag.name] = v
    }
    set.add(flag.name)
  }
  return { values, set }
}

/** The --help text. */
export const usage = (tool: string, summary: string, flags: ReadonlyArray<Flag>): string =>
  [
    `usage: npm run --silent ${tool} -- [options]`,
    summary,
    "",
    ...flags.map((f) => `  -${(f.value === undefined ? f.name : `${f.name} ${f.value}`).padEnd(26)} ${f.help}`)
  ].join("\n")

/** A tool's start: its output helpers, and its flags parsed (a parse error exits 1, `-help` prints the usage and exits 0). */
export const startTool = (tool: string, summary: string, flags: ReadonlyArray<Flag>) => {
  const out = (line: string) => void process.stdout.write(`${line}\n`)
  const err = (line: string) => void process.stderr.write(`${line}\n`)
  const fail = (message: string): never => {
    err(`${tool}: ${message}`)
    process.exit(1)
  }
  const parsed = parse(process.argv.slice(2), flags)
  const a = typeof parsed === "string" ? fail(parsed) : parsed
  if (a.set.has("help")) {
    out(usage(tool, summary, flags))
    process.exit(0)
  }
  return { a, out, err, fail }
}
