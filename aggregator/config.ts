import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import type { Infer, Spec } from '../core/config/schema.ts'
import { loadConfigFile, parseConfig } from '../core/config/load.ts'
import { loggingSpec } from '../core/logger.ts'
import { checkListenAddress } from '../core/net/address.ts'
import { collectdInputSpec, type CollectdInputOptions } from './receive/collectd-input.ts'
import { beatsInputSpec, type BeatsInputOptions } from './receive/beats-input.ts'
import { deadLetterSpec, outputSpec, type DeadLetterConfig, type OutputConfig } from './output/index.ts'
import { validatePipeline, type StageDefinition } from './pipeline/pipeline.ts'
import { stageModules } from './stages/index.ts'
import { ConfigError } from '../core/errors.ts'
import { checkCertificates, checkKeyPair, checkReadableFile, checkWritableDir } from '../core/config/files.ts'
import { parseAuthFile } from './parse/collectd/auth-file.ts'
import { loadTypesDb } from './parse/collectd/types-db.ts'
import { dirname } from 'node:path'

// logyard-aggregator's option table. Validation is pure: no sockets, no
// files beyond the config itself (grok compiles in buildPipeline, which
// --check-config also runs).

export const defaultPatternsDir = fileURLToPath(new URL('../patterns', import.meta.url))

/**
 * `workers` (and `--workers`): auto or a whole number 1-256, also written as a
 * string (`"4"`, `${WORKERS}`, the command line). The one check of the value.
 */
export function parseWorkers(value: unknown, path: string): 'auto' | number {
  if (value === 'auto') return 'auto'
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN
  if (Number.isInteger(n) && n >= 1 && n <= 256) return n
  throw new ConfigError(path, `must be auto or a whole number 1-256, got ${JSON.stringify(value)}`)
}

export const aggregatorSpec = {
  type: 'object',
  doc: 'logyard-aggregator configuration',
  fields: {
    workers: { type: 'any', default: 'auto', doc: 'worker processes: auto (one per core) or a number; 1 runs without a cluster primary', parse: parseWorkers },
    inputs: {
      type: 'object',
      doc: 'where events come from (at least one)',
      fields: {
        beats: { ...beatsInputSpec, optional: true },
        collectd: collectdInputSpec,
      },
      check: (v: { beats?: unknown; collectd?: unknown }) => (v.beats === undefined && v.collectd === undefined ? 'configure at least one input: beats or collectd' : undefined),
    },
    pipeline: { type: 'list', default: [], of: { type: 'any', doc: '{when?: condition, <stage type>: options}' }, doc: 'ordered stages: json, date, mutate, drop, grok; each item may have a when: condition' },
    output: outputSpec,
    dead_letter: deadLetterSpec,
    http: {
      type: 'object',
      optional: true,
      doc: 'HTTP ops endpoint: /healthz (503 while draining or the output is unhealthy), /metrics, the status page / with /status (JSON) and the grok debugger /grok',
      fields: { listen: { type: 'string', default: '127.0.0.1:9600', doc: 'host:port', check: checkListenAddress } },
    },
    max_inflight_batches: { type: 'int', default: 32, min: 1, max: 100_000, doc: 'batches in the pipeline and output at once per worker; beyond it the inputs pause' },
    shutdown_timeout: { type: 'duration', default: '30s', min: 0, doc: 'on SIGTERM, how long in-flight batches get to finish' },
    drain_delay: { type: 'duration', default: '0s', min: 0, max: 600_000, doc: 'on SIGTERM, how long /healthz answers 503 while still accepting, so a load balancer moves new connections away first (set it above the balancer\'s check interval × fall count)' },
    patterns_dir: { type: 'string', default: defaultPatternsDir, shownDefault: '<install dir>/patterns', doc: 'the bundled grok pattern library' },
    logging: loggingSpec,
  },
} as const satisfies Spec

/**
 * The validated configuration. The top-level options' types come from the
 * table; the component sections keep their hand-written types until their
 * specs (receive/, output/) are declared `as const` too, when this becomes
 * plain `Infer<typeof aggregatorSpec>` and asComponents() goes away.
 */
export type AggregatorConfig = Omit<Infer<typeof aggregatorSpec>, 'inputs' | 'output' | 'dead_letter'> & {
  readonly inputs: { readonly beats?: BeatsInputOptions; readonly collectd?: CollectdInputOptions }
  readonly output: OutputConfig
  readonly dead_letter: DeadLetterConfig | undefined
}

function asComponents(config: Infer<typeof aggregatorSpec>): AggregatorConfig {
  return config as AggregatorConfig
}

export interface LoadedConfig {
  config: AggregatorConfig
  stages: StageDefinition[]
}

function withStages(config: AggregatorConfig): LoadedConfig {
  return { config, stages: validatePipeline(config.pipeline, stageModules, 'pipeline') }
}

export function parseAggregatorConfig(text: string, source = 'config', env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  return withStages(asComponents(parseConfig(aggregatorSpec, text, source, env)))
}

export function loadAggregatorConfig(file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  return withStages(asComponents(loadConfigFile(aggregatorSpec, file, env)))
}

/** The number of worker processes: `auto` → one per core. */
export function resolveWorkers(workers: 'auto' | number): number {
  return workers === 'auto' ? availableParallelism() : workers
}

/**
 * `--check-config` beyond the schema and the pipeline: every file the
 * configuration names is readable and parseable (inputs.beats.tls cert/key as
 * a matching pair and client_ca, output.elasticsearch.tls.ca, the collectd
 * auth_file and types_db) and every directory written is writable or
 * creatable (dead_letter.path, the static directory of output.file.path).
 * Throws a ConfigError naming the full key (exit 2).
 */
export function checkAggregatorFiles(config: AggregatorConfig): void {
  const t = config.inputs.beats?.tls
  if (t) {
    checkKeyPair(t.cert, t.key, 'inputs.beats.tls.cert', 'inputs.beats.tls.key')
    checkCertificates(t.client_ca, 'inputs.beats.tls.client_ca')
  }
  const collectd = config.inputs.collectd
  if (collectd) {
    loadTypesDb(collectd.types_db) // the same read (and error) as at start-up
    if (collectd.auth_file !== undefined) {
      const users = parseAuthFile(checkReadableFile(collectd.auth_file, 'inputs.collectd.auth_file'))
      if (users.size === 0) throw new ConfigError('inputs.collectd.auth_file', `${JSON.stringify(collectd.auth_file)} holds no 'user: password' line`)
    }
  }
  const es = config.output.elasticsearch
  if (es?.tls.ca !== undefined) checkCertificates(es.tls.ca, 'output.elasticsearch.tls.ca')
  const file = config.output.file
  if (file) {
    // The directory part before the first %{…} reference is fixed; it must be writable or creatable.
    const fixed = file.path.split('%{')[0]!
    checkWritableDir(fixed.endsWith('/') ? fixed : dirname(fixed), 'output.file.path')
  }
  if (config.dead_letter) checkWritableDir(config.dead_letter.path, 'dead_letter.path')
}
