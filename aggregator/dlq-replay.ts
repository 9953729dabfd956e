import { readFile, unlink } from 'node:fs/promises'
import { validate } from '../core/config/schema.ts'
import { parseExact } from '../core/json.ts'
import { runProgram, type CliArgs, type CliProgram } from '../core/cli.ts'
import { UsageError } from '../core/errors.ts'
import type { LogEvent } from '../core/event.ts'
import { silentLogger } from '../core/logger.ts'
import { MetricsRegistry } from '../core/metrics.ts'
import { DeadLetterQueue, listDeadLetterFiles, MemoryDeadLetter, type DeadLetterRecord } from './outputs/dead-letter.ts'
import { elasticsearchOutputSpec } from './outputs/elasticsearch/es-config.ts'
import { ElasticsearchOutput } from './outputs/elasticsearch/es-sink.ts'

// logyard DLQ replay: print the dead-letter queue, or send it to
// Elasticsearch again after the cause was fixed (a mapping changed, an index
// created, a pipeline repaired).
//
//   logyard-dlq --dlq /var/lib/logyard/dlq --print        (or: node aggregator/dlq-replay.ts …)
//       one record per line on stdout ({"@timestamp","reason","status","index","output","event"}),
//       the counts on stderr
//   logyard-dlq --dlq /var/lib/logyard/dlq --es http://127.0.0.1:9200 \
//       [--index 'logs-%{[fields][service]}-%{+yyyy.MM.dd}'] [--username U --password P | --api-key K] \
//       [--ca ca.pem] [--insecure] [--delete]
//       replays every record (oldest file first) into the index it was refused by, or
//       into --index; prints {"files","records","indexed","duplicates","failed","unreadable","deleted_files"}.
//       Events keep their @metadata._id, so a second replay stores nothing twice (409 = duplicate).
//       With --delete, a replayed file is removed; records that failed again are first
//       written to a new dead-letter file in the same directory (with the new reason).
//   Exit: 0 when nothing failed, 1 when some records failed again or on a runtime error, 2 on usage errors.

export interface ReplayOptions {
  dlq: string
  /** Elasticsearch URL; undefined = print only. */
  es?: string | undefined
  index?: string | undefined
  username?: string | undefined
  password?: string | undefined
  apiKey?: string | undefined
  ca?: string | undefined
  insecure?: boolean | undefined
  delete?: boolean | undefined
  /** Called per record in print mode. */
  print?: ((record: DeadLetterRecord) => void) | undefined
}

export interface ReplayCounts {
  files: number
  records: number
  indexed: number
  duplicates: number
  failed: number
  unreadable: number
  deleted_files: number
}

const CHUNK = 1000

function parseRecords(text: string, counts: ReplayCounts): DeadLetterRecord[] {
  const out: DeadLetterRecord[] = []
  for (const l of text.split('\n')) {
    if (l.trim() === '') continue
    try {
      // exact: an integer beyond 2^53 or a `2.50` is replayed as it was refused
      const r = parseExact(l) as DeadLetterRecord
      if (r && typeof r === 'object' && r.event && typeof r.event === 'object') {
        out.push(r)
        continue
      }
    } catch {
      // counted below
    }
    counts.unreadable++
  }
  return out
}

/** For replay: route the event back to the index that refused it (unless an index template is given). */
function replayEvent(r: DeadLetterRecord, useRecordIndex: boolean): LogEvent {
  const meta = (r.event['@metadata'] ?? {}) as Record<string, unknown>
  const { raw_index: _old, ...rest } = meta
  const newMeta = useRecordIndex && r.index ? { ...rest, raw_index: r.index } : rest
  return { ...r.event, '@metadata': newMeta }
}

export async function replayDeadLetters(o: ReplayOptions): Promise<ReplayCounts> {
  const counts: ReplayCounts = { files: 0, records: 0, indexed: 0, duplicates: 0, failed: 0, unreadable: 0, deleted_files: 0 }
  const files = await listDeadLetterFiles(o.dlq)
  let sink: ElasticsearchOutput | undefined
  let failures: MemoryDeadLetter | undefined
  if (o.es) {
    const config = validate(elasticsearchOutputSpec, {
      hosts: [o.es],
      index: o.index ?? 'logyard-replay',
      auth: o.apiKey ? { api_key: o.apiKey } : o.username ? { username: o.username, password: o.password ?? '' } : {},
      tls: { ca: o.ca, verify: !o.insecure },
      template: { enabled: false },
      retry_max: '5s',
    })
    failures = new MemoryDeadLetter()
    sink = await ElasticsearchOutput.create(config, { logger: silentLogger(), metrics: new MetricsRegistry(), deadLetter: failures, name: 'replay' })
  }
  try {
    for (const f of files) {
      counts.files++
      const records = parseRecords(await readFile(f.path, 'utf8'), counts)
      counts.records += records.length
      if (!sink || !failures) {
        for (const r of records) o.print?.(r)
        continue
      }
      const failedBefore = failures.records.length
      for (let i = 0; i < records.length; i += CHUNK) {
        await sink.write(records.slice(i, i + CHUNK).map((r) => replayEvent(r, o.index === undefined)))
      }
      const failedHere = failures.records.slice(failedBefore)
      if (o.delete) {
        if (failedHere.length > 0) {
          const q = await DeadLetterQueue.open({ path: o.dlq, max_bytes: Number.MAX_SAFE_INTEGER, max_file_bytes: Number.MAX_SAFE_INTEGER, when_full: 'block' }, { logger: silentLogger(), metrics: new MetricsRegistry() })
          await q.write(failedHere)
          await q.close()
        }
        await unlink(f.path)
        counts.deleted_files++
      }
    }
  } finally {
    if (sink) {
      counts.indexed = sink.stats.indexed
      counts.duplicates = sink.stats.duplicates
      counts.failed = sink.stats.deadLettered
      await sink.close(10_000)
    }
  }
  return counts
}

const program: CliProgram = {
  name: 'logyard-dlq',
  summary: 'Print or replay the dead-letter queue into Elasticsearch.',
  usage: ['--dlq DIR --print', '--dlq DIR --es URL [--index TEMPLATE] [--username U --password P | --api-key K] [--ca FILE] [--insecure] [--delete]'],
  flags: [
    { name: 'dlq', value: 'DIR', doc: 'Dead-letter directory (dead_letter.path)' },
    { name: 'print', doc: 'Print the records as NDJSON instead of replaying' },
    { name: 'es', value: 'URL', doc: 'Elasticsearch URL to replay into' },
    { name: 'index', value: 'TEMPLATE', doc: 'Index template to replay into (default: the index each record was refused by)' },
    { name: 'username', value: 'USER', doc: 'Basic auth user' },
    { name: 'password', value: 'PASSWORD', doc: 'Basic auth password' },
    { name: 'api-key', value: 'KEY', doc: 'API key (encoded form)' },
    { name: 'ca', value: 'FILE', doc: 'CA PEM file for https' },
    { name: 'insecure', doc: 'Do not verify the TLS certificate' },
    { name: 'delete', doc: 'Delete each replayed file (records that fail again go to a new file)' },
  ],
  strayHint: 'dlq',
}

async function main(args: CliArgs): Promise<number> {
  const dlq = args.string('dlq')
  if (!dlq) throw new UsageError('--dlq DIR is required; see --help')
  const es = args.string('es')
  const print = args.has('print')
  if (!es && !print) throw new UsageError('give --es URL to replay, or --print; see --help')
  const counts = await replayDeadLetters({
    dlq,
    es: print ? undefined : es,
    index: args.string('index'),
    username: args.string('username'),
    password: args.string('password'),
    apiKey: args.string('api-key'),
    ca: args.string('ca'),
    insecure: args.has('insecure'),
    delete: args.has('delete'),
    print: (r) => process.stdout.write(JSON.stringify(r) + '\n'),
  })
  if (print) process.stderr.write(JSON.stringify(counts) + '\n')
  else process.stdout.write(JSON.stringify(counts) + '\n')
  return counts.failed > 0 ? 1 : 0
}

// Run directly (`node aggregator/dlq-replay.ts`) or through the `logyard-dlq` bin (bin/logyard-dlq.js imports this file).
if (import.meta.main || /logyard-dlq(?:\.js)?$/.test(process.argv[1] ?? '')) runProgram(program, main)
