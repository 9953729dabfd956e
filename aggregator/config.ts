import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import type { Infer, Spec } from '../core/config/schema.ts'
import { loadConfigFile, parseConfig } from '../core/config/load.ts'
import { loggingSpec } from '../core/logger.ts'
import { checkListenAddress } from '../core/net/address.ts'
import type { InputComponent, OutputComponent } from './component.ts'
import { inputComponents, inputsSpec } from './inputs/index.ts'
import { outputComponents, outputSpec } from './outputs/index.ts'
import { deadLetterSpec } from './outputs/dead-letter.ts'
import { validatePipeline, type StageDefinition } from './pipeline/pipeline.ts'
import { stageComponents } from './stages/index.ts'
import { ConfigError } from '../core/errors.ts'
import { checkWritableDir } from '../core/config/files.ts'

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
    inputs: inputsSpec,
    pipeline: { type: 'list', default: [], of: { type: 'any', doc: '{when?: condition, <stage type>: options}' }, doc: `ordered stages: ${Object.keys(stageComponents).join(', ')}; each item may have a when: condition` },
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

/** The validated configuration, typed from the table (components' sections from their own tables). */
export type AggregatorConfig = Infer<typeof aggregatorSpec>

export interface LoadedConfig {
  config: AggregatorConfig
  stages: StageDefinition<typeof stageComponents>[]
}

function withStages(config: AggregatorConfig): LoadedConfig {
  return { config, stages: validatePipeline(config.pipeline, stageComponents, 'pipeline') }
}

export function parseAggregatorConfig(text: string, source = 'config', env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  return withStages(parseConfig(aggregatorSpec, text, source, env))
}

export function loadAggregatorConfig(file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  return withStages(loadConfigFile(aggregatorSpec, file, env))
}

/** The number of worker processes: `auto` → one per core. */
export function resolveWorkers(workers: 'auto' | number): number {
  return workers === 'auto' ? availableParallelism() : workers
}

/**
 * `--check-config` beyond the schema and the pipeline: every file the
 * configuration names is readable and parseable (inputs.beats.tls cert/key as
 * a matching pair and client_ca, output.elasticsearch/opensearch.tls.ca, the
 * collectd auth_file and types_db) and every directory written is writable or
 * creatable (dead_letter.path, the static directory of output.file.path): each
 * configured component's checkFiles, then the dead-letter queue's.
 * Throws a ConfigError naming the full key (exit 2).
 */
export function checkAggregatorFiles(config: AggregatorConfig): void {
  checkComponentFiles(inputComponents, config.inputs, 'inputs')
  checkComponentFiles(outputComponents, config.output, 'output')
  if (config.dead_letter) checkWritableDir(config.dead_letter.path, 'dead_letter.path')
}

function checkComponentFiles(components: Readonly<Record<string, InputComponent<any> | OutputComponent<any>>>, section: Readonly<Record<string, unknown>>, key: string): void {
  for (const component of Object.values(components)) {
    const options = section[component.type]
    if (options !== undefined) component.checkFiles?.(options, `${key}.${component.type}`)
  }
}
