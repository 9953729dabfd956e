import { createReadStream, openSync } from 'node:fs'
import type { Readable } from 'node:stream'
import { ExitCode, IoError, UsageError } from '../core/errors.ts'
import { helpText, packageVersion, parseArgs, reportFatal, type CliFlag } from '../core/cli.ts'
import { GrokLibrary } from './stages/grok/library.ts'
import type { EcsCompatibility } from './stages/grok/library.ts'
import { debugOptions, debugStage, matchLines } from './grok-debug.ts'

// logyard-grok PATTERN [FILE]: the grok debugger. Reads lines (stdin by
// default), runs them through the same grok stage the aggregator runs
// (worker thread + watchdog included) and prints one JSON object per line:
// the event after grok, with `message`, the captures, and `tags` holding
// _grokparsefailure (or _groktimeout) when nothing matched. At the end it
// prints the match rate and the mean cost per line on stderr.

const program = 'logyard-grok'

const flags: CliFlag[] = [
  { name: 'patterns-dir', takesValue: true, doc: 'extra directory of pattern files (NAME regex per line)' },
  { name: 'ecs-compatibility', takesValue: true, doc: 'disabled (legacy field names) | v1 | v8 (ECS names, default)' },
  { name: 'timeout-millis', takesValue: true, doc: 'budget of one regex attempt (default 1000; 0 = inline, no watchdog)' },
  { name: 'help', takesValue: false, doc: 'print this help' },
  { name: 'version', takesValue: false, doc: 'print the version' },
]

const summary = `Usage: ${program} PATTERN [FILE]

Matches each line of FILE (or standard input) against the grok PATTERN,
e.g. '%{COMBINEDAPACHELOG}', and prints the resulting event as one JSON line.
Statistics (match rate, mean cost per line) go to standard error.`

/** Splits a byte stream into lines; each chunk's complete lines form one batch. */
async function* lineBatches(input: Readable): AsyncGenerator<string[]> {
  let carry = ''
  for await (const chunk of input) {
    const text = carry + (typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8'))
    const parts = text.split('\n')
    carry = parts.pop()!
    if (parts.length > 0) yield parts.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
  }
  if (carry !== '') yield [carry.endsWith('\r') ? carry.slice(0, -1) : carry]
}

function write(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (process.stdout.write(text)) resolve()
    else {
      process.stdout.once('drain', resolve)
      process.stdout.once('error', reject)
    }
  })
}

export async function main(argv: string[]): Promise<number> {
  const { flags: f, positional } = parseArgs(argv, flags)
  if (f.help) {
    process.stdout.write(helpText(program, summary, flags))
    return ExitCode.ok
  }
  if (f.version) {
    process.stdout.write(`${program} ${packageVersion()}\n`)
    return ExitCode.ok
  }
  if (positional.length < 1 || positional.length > 2) throw new UsageError(`expected PATTERN [FILE], got ${positional.length} argument(s); see --help`)
  const [pattern, file] = positional as [string, string | undefined]
  const timeout = f['timeout-millis'] === undefined ? 1000 : Number(f['timeout-millis'])
  const options = debugOptions(pattern, {
    ecs: typeof f['ecs-compatibility'] === 'string' ? f['ecs-compatibility'] : undefined,
    patternsDir: typeof f['patterns-dir'] === 'string' ? [f['patterns-dir']] : [],
    timeoutMillis: timeout,
  })

  // Compile once up front to show static-analysis warnings.
  const library = GrokLibrary.load({ ecs: options.ecs_compatibility as EcsCompatibility, extraDirs: [...options.patterns_dir] })
  const matcher = library.compile(pattern)
  for (const w of matcher.warnings) process.stderr.write(`${program}: warning: ${w}\n`)

  let input: Readable = process.stdin
  if (file !== undefined && file !== '-') {
    let fd: number
    try {
      fd = openSync(file, 'r')
    } catch (err) {
      throw new IoError(`cannot read ${file}: ${(err as Error).message}`, { cause: err })
    }
    input = createReadStream('', { fd })
  }
  const stage = debugStage(options)
  let lines = 0
  let failed = 0
  let timedOut = 0
  let busyNs = 0n
  try {
    await stage.ready()
    for await (const batch of lineBatches(input)) {
      const t0 = process.hrtime.bigint()
      const out = await matchLines(stage, options, batch)
      busyNs += process.hrtime.bigint() - t0
      let text = ''
      for (const r of out) {
        lines++
        if (r.timedOut) timedOut++
        else if (!r.matched) failed++
        text += `${JSON.stringify(r.event)}\n`
      }
      await write(text)
    }
  } catch (err) {
    if (typeof (err as NodeJS.ErrnoException).syscall === 'string') {
      throw new IoError(`cannot read ${file ?? 'standard input'}: ${(err as Error).message}`, { cause: err })
    }
    throw err
  } finally {
    await stage.close()
  }
  const matched = lines - failed - timedOut
  const rate = lines === 0 ? 0 : (100 * matched) / lines
  const meanUs = lines === 0 ? 0 : Number(busyNs) / 1000 / lines
  process.stderr.write(`${program}: ${lines} lines, ${matched} matched (${rate.toFixed(1)}%), ${failed} failed, ${timedOut} timed out; mean cost ${meanUs.toFixed(2)} µs/line\n`)
  return ExitCode.ok
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    process.exitCode = reportFatal(err, program)
  },
)
