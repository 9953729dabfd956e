import { readFileSync } from 'node:fs'
import { ExitCode, LogyardError, UsageError } from './errors.ts'
import { redactUrls } from './config/url.ts'
import { docRows, type Spec } from './config/schema.ts'

// Shared command-line handling: `--config FILE`, `--check-config`,
// `--version`, `--help`, plus program-specific flags. Exit codes: 0 ok,
// 1 runtime failure, 2 bad config or usage.

export interface CliFlag {
  name: string // without dashes
  takesValue: boolean
  doc: string
}

interface ParsedArgs {
  flags: Record<string, string | true>
  positional: string[]
}

export function parseArgs(argv: string[], known: CliFlag[]): ParsedArgs {
  const flags: Record<string, string | true> = {}
  const positional: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--') {
      positional.push(...argv.slice(i + 1))
      break
    }
    if (arg.startsWith('-') && arg !== '-') {
      const [rawName, inline] = arg.replace(/^--?/, '').split(/=(.*)/s, 2) as [string, string | undefined]
      const name = rawName === 'c' ? 'config' : rawName === 'h' ? 'help' : rawName === 'V' ? 'version' : rawName
      const flag = known.find((f) => f.name === name)
      if (!flag) throw new UsageError(`unknown option ${arg}; see --help`)
      if (flag.takesValue) {
        const value = inline ?? argv[++i]
        if (value === undefined) throw new UsageError(`option --${name} needs a value`)
        flags[name] = value
      } else {
        flags[name] = true
      }
    } else {
      positional.push(arg)
    }
  }
  return { flags, positional }
}

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

export function helpText(program: string, summary: string, flags: CliFlag[], spec?: Spec): string {
  const lines = [`${program} ${packageVersion()}`, '', summary, '', 'Options:']
  for (const f of flags) lines.push(`  --${f.name}${f.takesValue ? ' VALUE' : ''}`.padEnd(28) + f.doc)
  if (spec) {
    lines.push('', 'Configuration keys (YAML):')
    for (const r of docRows(spec)) lines.push(`  ${r.key}`.padEnd(44) + `${r.type}${r.default ? ` = ${r.default}` : ''}  ${r.doc}`)
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
