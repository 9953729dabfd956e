import { createReadStream, openSync } from 'node:fs'
import type { Readable } from 'node:stream'
import { ExitCode, IoError } from '../core/errors.ts'
import { runProgram, type CliArgs, type CliProgram } from '../core/cli.ts'
import { GrokLibrary } from './stages/grok/library.ts'
import type { EcsCompatibility } from './stages/grok/library.ts'
import { debugOptions, debugStage, matchLines } from './grok-debug.ts'

// logyard-grok PATTERN [FILE]: the grok debugger. Reads lines (stdin by
// default), runs them through the same grok stage the aggregator runs
// (worker thread + watchdog included) and prints one JSON object per line:
// the event after grok, with `message`, the captures, and `tags` holding
// _grokparsefailure (or _groktimeout) when nothing matched. At the end it
// prints the match rate and the mean cost per line on stderr.

const program: CliProgram = {
  name: 'logyard-grok',
  summary: `Matches each line of FILE (or standard input; FILE - is standard input too)
against the grok PATTERN, e.g. '%{COMBINEDAPACHELOG}', and prints the resulting
event as one JSON line. Statistics (match rate, mean cost per line) go to
standard error.`,
  usage: ['PATTERN [FILE]'],
  flags: [
    { name: 'patterns-dir', value: 'DIR', doc: 'extra directory of pattern files (NAME regex per line)' },
    { name: 'ecs-compatibility', value: 'MODE', doc: 'disabled (legacy field names) | v1 | v8 (ECS names, default)' },
    { name: 'timeout-millis', value: 'MS', doc: 'budget of one regex attempt (default 1000; 0 = inline, no watchdog)' },
  ],
  operands: { name: 'PATTERN [FILE]', min: 1, max: 2 },
}

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

async function main(args: CliArgs): Promise<number> {
  const [pattern, file] = args.operands as [string, string | undefined]
  const timeoutText = args.string('timeout-millis')
  const timeout = timeoutText === undefined ? 1000 : Number(timeoutText)
  const options = debugOptions(pattern, {
    ecs: args.string('ecs-compatibility'),
    patternsDir: [args.string('patterns-dir')].filter((d) => d !== undefined),
    timeoutMillis: timeout,
  })

  // Compile once up front to show static-analysis warnings.
  const library = GrokLibrary.load({ ecs: options.ecs_compatibility as EcsCompatibility, extraDirs: [...options.patterns_dir] })
  const matcher = library.compile(pattern)
  for (const w of matcher.warnings) process.stderr.write(`${program.name}: warning: ${w}\n`)

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
  process.stderr.write(`${program.name}: ${lines} lines, ${matched} matched (${rate.toFixed(1)}%), ${failed} failed, ${timedOut} timed out; mean cost ${meanUs.toFixed(2)} µs/line\n`)
  return ExitCode.ok
}

runProgram(program, main)
