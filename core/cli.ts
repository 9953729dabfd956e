import { readFileSync } from 'node:fs'
import { parseArgs as parseArgv, type ParseArgsOptionDescriptor } from 'node:util'
import { ExitCode, LogyardError, UsageError } from './errors.ts'
import { redactUrls } from './config/url.ts'
import { docRows, type Spec } from './config/schema.ts'

// The command-line preamble of every program (logyard-forwarder,
// logyard-aggregator, logyard-grok, logyard-dlq): node:util parseArgs in
// strict mode, --help (-h) and --version (-V) for all, -c for --config, and
// one rule for what is not an option: an argument the program does not take
// is refused (`unexpected argument "x"; did you mean --config x?`), never
// silently ignored. Usage errors exit 2 with `program: LY_USAGE: message`,
// like a bad config; runtime failures exit 1.

export interface CliFlag {
  /** The long name, without dashes. */
  name: string
  /** One-letter alias (`c` → -c). */
  short?: string
  /** Placeholder of the value in --help (FILE, URL, N); absent = a switch that takes none. */
  value?: string
  doc: string
}

export interface CliProgram {
  name: string
  /** What the program does, printed under the usage lines of --help. */
  summary: string
  /** Usage lines without the program name, e.g. `[--config FILE] [--check-config]`. */
  usage: readonly string[]
  /** The program's options; --help and --version are added. */
  flags: readonly CliFlag[]
  /** Arguments that are not options: absent = none. */
  operands?: {
    /** As in the usage line: `PATTERN [FILE]`, `[status]`. */
    name: string
    min: number
    max: number
    /** When given, the first operand must be one of these (a subcommand). */
    commands?: readonly string[]
  }
  /** The option a stray argument most likely meant (`config`): named in the error. */
  strayHint?: string
  /** The configuration schema, listed in --help. */
  spec?: Spec
}

export interface CliArgs {
  values: Readonly<Record<string, string | boolean | undefined>>
  operands: readonly string[]
  /** A string option's value, or undefined when it was not given. */
  string(name: string): string | undefined
  /** Whether a switch was given. */
  has(name: string): boolean
}

const builtinFlags: readonly CliFlag[] = [
  { name: 'version', short: 'V', doc: 'print the version and exit' },
  { name: 'help', short: 'h', doc: 'print this help and exit' },
]

function allFlags(program: CliProgram): CliFlag[] {
  return [...program.flags, ...builtinFlags.filter((b) => !program.flags.some((f) => f.name === b.name))]
}

/** node:util's error for one bad option, in the words every other LY_USAGE message uses. */
function usageMessage(err: Error & { code?: string }): string {
  const option = /'(?:-\w, )?(--?[^' ]+)/.exec(err.message)?.[1] ?? 'an option'
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option}; see --help`
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/does not take an argument/.test(err.message)) return `option ${option} takes no value`
      if (/ambiguous/.test(err.message)) return `option ${option} needs a value, got another option after it (write ${option}=VALUE for a value that starts with "-")`
      return `option ${option} needs a value`
    default:
      return err.message
  }
}

/**
 * Parses `argv` (without node and the script): strict options, then the
 * operands checked against `program.operands`. Throws UsageError.
 */
export function parseCommandLine(program: CliProgram, argv: readonly string[]): CliArgs {
  const flags = allFlags(program)
  const options: Record<string, ParseArgsOptionDescriptor> = {}
  for (const f of flags) options[f.name] = f.short ? { type: f.value ? 'string' : 'boolean', short: f.short } : { type: f.value ? 'string' : 'boolean' }
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] }
  try {
    parsed = parseArgv({ args: [...argv], options, strict: true, allowPositionals: true }) as typeof parsed
  } catch (err) {
    if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) throw new UsageError(usageMessage(err as Error))
    throw err
  }
  const { values, positionals } = parsed
  for (const f of flags) if (f.value && values[f.name] === '') throw new UsageError(`option --${f.name} needs a value, got an empty one`)
  // --help and --version answer whatever else the line holds
  if (values.help !== true && values.version !== true) checkOperands(program, positionals)
  return {
    values,
    operands: positionals,
    string: (name) => (typeof values[name] === 'string' ? values[name] : undefined),
    has: (name) => values[name] === true,
  }
}

function checkOperands(program: CliProgram, operands: readonly string[]): void {
  const spec = program.operands
  const stray = (arg: string, why = ''): UsageError => {
    const hint = program.strayHint ? `did you mean --${program.strayHint} ${arg}?` : 'see --help'
    return new UsageError(`unexpected argument ${JSON.stringify(arg)}${why}; ${hint}`)
  }
  if (!spec) {
    if (operands.length > 0) throw stray(operands[0]!)
    return
  }
  if (spec.commands && operands.length > 0 && !spec.commands.includes(operands[0]!)) {
    throw stray(operands[0]!, ` (the only command${spec.commands.length > 1 ? 's are' : ' is'} ${spec.commands.join(', ')})`)
  }
  if (operands.length > spec.max && spec.commands) throw stray(operands[spec.max]!)
  if (operands.length < spec.min || operands.length > spec.max) {
    throw new UsageError(`expected ${spec.name}, got ${operands.length} argument(s); see --help`)
  }
}

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

export function helpText(program: CliProgram): string {
  const lines = [`${program.name} ${packageVersion()}`, '']
  program.usage.forEach((u, i) => lines.push(`${i === 0 ? 'Usage: ' : '       '}${program.name} ${u}`))
  lines.push('', program.summary, '', 'Options:')
  for (const f of allFlags(program)) {
    const name = `${f.short ? `-${f.short}, ` : '    '}--${f.name}${f.value ? ` ${f.value}` : ''}`
    lines.push(`  ${name}`.padEnd(30) + f.doc)
  }
  if (program.spec) {
    lines.push('', 'Configuration keys (YAML):')
    for (const r of docRows(program.spec)) lines.push(`  ${r.key}`.padEnd(44) + `${r.type}${r.default ? ` = ${r.default}` : ''}  ${r.doc}`)
  }
  lines.push('', 'Exit codes: 0 ok, 1 runtime failure, 2 bad config or usage.')
  return lines.join('\n') + '\n'
}

/** Prints a fatal error the way every CLI does and returns the exit code. */
export function reportFatal(err: unknown, program: string): number {
  if (LogyardError.is(err) && (err.code === 'LY_CONFIG' || err.code === 'LY_USAGE')) {
    process.stderr.write(`${program}: ${err.code}: ${err.message}\n`)
    return ExitCode.config
  }
  // A coded error is an expected failure (a port in use, a missing file): its
  // message says it all. Anything else is a bug: keep the stack.
  if (LogyardError.is(err)) {
    process.stderr.write(`${program}: ${err.code}: ${err.message}\n`)
    return ExitCode.runtime
  }
  const message = redactUrls(err instanceof Error ? (err.stack ?? err.message) : String(err))
  process.stderr.write(`${program}: ${message}\n`)
  return ExitCode.runtime
}

/** Exits with `code` once what was written to stdout and stderr is flushed. */
function exitAfterOutput(code: number): void {
  process.exitCode = code
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)))
}

/**
 * Runs a program: parses the command line, answers --help and --version,
 * then calls `run`. `run` resolves to the exit code, or to -1 for a program
 * that keeps running (a service: it exits from its signal handlers). A usage
 * or config error exits 2, any other error 1 (reportFatal).
 */
export function runProgram(program: CliProgram, run: (args: CliArgs) => Promise<number>, argv: readonly string[] = process.argv.slice(2)): void {
  const main = async (): Promise<number> => {
    const args = parseCommandLine(program, argv)
    if (args.has('help')) {
      process.stdout.write(helpText(program))
      return ExitCode.ok
    }
    if (args.has('version')) {
      process.stdout.write(`${program.name} ${packageVersion()}\n`)
      return ExitCode.ok
    }
    return run(args)
  }
  main().then(
    (code) => {
      if (code >= 0) exitAfterOutput(code)
    },
    (err: unknown) => exitAfterOutput(reportFatal(err, program.name)),
  )
}
