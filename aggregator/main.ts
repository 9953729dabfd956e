import cluster from 'node:cluster'
import { codeOf, ExitCode, LogyardError } from '../core/errors.ts'
import { redactUrls } from '../core/config/url.ts'
import { runProgram, type CliArgs, type CliProgram } from '../core/cli.ts'
import { createLogger, silentLogger, type Logger } from '../core/logger.ts'
import { MetricsRegistry } from '../core/metrics.ts'
import { Aggregator } from './app.ts'
import { announceReady, attachWorkerIpc, ClusterPrimary, reportStartupFailure } from './cluster.ts'
import { aggregatorSpec, checkAggregatorFiles, loadAggregatorConfig, parseWorkers, resolveWorkers, type LoadedConfig } from './config.ts'
import { startAggregatorOps } from './ops.ts'
import { FailureSamples } from './pipeline/failures.ts'
import type { StageDefinition } from './pipeline/pipeline.ts'
import type { GrokOptions } from './stages/grok/grok.ts'
import type { stageComponents } from './stages/index.ts'
import { SENDERS_PER_WORKER, StatusBoard, type WorkerStatus } from './status.ts'
import { statusRoutes } from './status-routes.ts'
import { createOutputs } from './outputs/index.ts'
import { buildPipeline } from './pipeline/pipeline.ts'
import { configuredInputs } from './inputs/index.ts'

// logyard-aggregator --config FILE [--workers N] [--check-config] | --version | --help
//
// workers > 1: this process becomes the cluster primary and forks the
// workers (each re-runs this file and takes the worker branch). workers = 1:
// one process does everything, including the HTTP ops endpoint.

const program: CliProgram = {
  name: 'logyard-aggregator',
  summary: 'Receives Lumberjack v2 (logyard-forwarder, Filebeat) and collectd, runs the pipeline, indexes into Elasticsearch.',
  usage: ['[--config FILE] [--workers N] [--check-config]'],
  flags: [
    { name: 'config', short: 'c', value: 'FILE', doc: 'YAML configuration file (default /etc/logyard/aggregator.yml)' },
    { name: 'workers', value: 'N', doc: 'worker processes, overrides the file: auto or N' },
    { name: 'check-config', doc: 'validate, check the files it names (TLS, auth_file, types_db, writable dead_letter/file directories), compile the pipeline (every grok pattern) and exit: 0 ok, 2 invalid' },
  ],
  strayHint: 'config',
  spec: aggregatorSpec,
}
const PROGRAM = program.name

async function checkConfig(file: string, loaded: LoadedConfig): Promise<number> {
  checkAggregatorFiles(loaded.config)
  const pipeline = await buildPipeline(loaded.stages, { logger: silentLogger(), metrics: new MetricsRegistry(), patternsDir: loaded.config.patterns_dir })
  await pipeline.close()
  const inputs = Object.keys(loaded.config.inputs).join(', ')
  process.stdout.write(`${file}: configuration ok (inputs: ${inputs}; ${loaded.stages.length} pipeline stage(s): ${loaded.stages.map((s) => s.type).join(', ') || 'none'})\n`)
  return ExitCode.ok
}

function onSignals(stop: (signal: string) => void): void {
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
}

/** The configured grok stages, for the status page's debugger: id → options. */
function grokStages(stages: readonly StageDefinition<typeof stageComponents>[]): Record<string, GrokOptions> {
  return Object.fromEntries(stages.flatMap((s) => (s.type === 'grok' ? [[s.id, s.options]] : [])))
}

async function runPrimary(loaded: LoadedConfig, workers: number, logger: Logger): Promise<void> {
  let stopping = false
  const primary = new ClusterPrimary({
    workers,
    logger,
    http: loaded.config.http?.listen,
    shutdownTimeout: loaded.config.shutdown_timeout,
    drainDelay: loaded.config.drain_delay,
    status: { grokStages: grokStages(loaded.stages), patternsDir: loaded.config.patterns_dir },
    onFatal: (code) => {
      stopping = true
      process.exit(code)
    },
  })
  onSignals((signal) => {
    if (stopping) return
    stopping = true
    logger.info({ signal, workers }, 'stopping: draining workers')
    primary.stop().then(() => process.exit(ExitCode.ok), (err: unknown) => {
      logger.error({ code: 'LY_CLOSED', err: String(err) }, 'stop failed')
      process.exit(ExitCode.runtime)
    })
  })
  await primary.start()
  if (!primary.stopping) logger.info({ workers, pid: process.pid }, 'cluster primary started')
}

/** Exit code for an error that ends start-up: 2 for configuration (restarting cannot help), 1 otherwise. */
function startupExitCode(err: unknown): number {
  return LogyardError.is(err) && (err.code === 'LY_CONFIG' || err.code === 'LY_USAGE') ? ExitCode.config : ExitCode.runtime
}

async function runAggregator(loaded: LoadedConfig, logger: Logger): Promise<void> {
  const { config, stages } = loaded
  // Signals and the primary's stop are handled from the first moment: a stop
  // that arrives while the pipeline is still being built (grok compiling,
  // outputs connecting) ends the process at once instead of being lost.
  let app: Aggregator | undefined
  let started = false
  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    if (!app || !started) {
      logger.info({ signal }, 'stopping during start-up: nothing accepted yet')
      process.exit(ExitCode.ok)
    }
    logger.info({ signal }, 'stopping')
    app.stop().then(() => process.exit(ExitCode.ok), (err: unknown) => {
      logger.error({ code: 'LY_CLOSED', err: String(err) }, 'stop failed')
      process.exit(ExitCode.runtime)
    })
  }
  onSignals(stop)
  const metrics = new MetricsRegistry()
  const failures = new FailureSamples()
  const status = (): WorkerStatus => ({ senders: app?.peers(SENDERS_PER_WORKER) ?? [], failures: failures.snapshot() })
  if (cluster.isWorker) {
    attachWorkerIpc({ report: () => ({ health: app?.health() ?? { ok: false, status: 'starting' }, snapshot: metrics.snapshot(), status: status() }), stop: () => stop('primary') })
  }
  const pipeline = await buildPipeline(stages, { logger: logger.child({ component: 'pipeline' }), metrics, patternsDir: config.patterns_dir, failures })
  // Each output (and the dead-letter queue) names its own component.
  const output = await createOutputs(config.output, { logger, metrics, deadLetter: config.dead_letter })
  const inputs = configuredInputs(config.inputs, { logger, metrics })
  app = new Aggregator({ logger, metrics, pipeline, output, inputs, maxInflightBatches: config.max_inflight_batches, shutdownTimeout: config.shutdown_timeout, drainDelay: cluster.isWorker ? 0 : config.drain_delay })
  const listening = await app.start()
  started = true
  if (!cluster.isWorker && config.http) {
    // one process: sample its own metrics for the status page every second
    const board = new StatusBoard()
    const sample = (): void => board.sample(metrics.snapshot(), [{ worker: 0, snapshot: {}, status: status() }])
    sample()
    setInterval(sample, 1000).unref()
    const routes = statusRoutes({ status: () => board.build(app.health(), 1), grokStages: grokStages(stages), patternsDir: config.patterns_dir })
    await startAggregatorOps(config.http.listen, { health: () => app.health(), metrics: () => metrics.render() }, logger, routes)
  }
  logger.info({ listening }, 'aggregator started')
  if (cluster.isWorker) announceReady(listening)
}

async function main(args: CliArgs): Promise<number> {
  const file = args.string('config') ?? '/etc/logyard/aggregator.yml'
  const loaded = loadAggregatorConfig(file)
  const workers = resolveWorkers(args.string('workers') === undefined ? loaded.config.workers : parseWorkers(args.string('workers'), '--workers'))
  if (args.has('check-config')) return checkConfig(file, loaded)
  const worker = cluster.isWorker ? Number(process.env.LOGYARD_WORKER_ID ?? 0) : undefined
  const logger = createLogger({ name: PROGRAM, level: loaded.config.logging.level })
  const log = worker === undefined ? logger : logger.child({ worker })
  process.on('uncaughtException', (err) => {
    log.fatal({ code: codeOf(err, 'LY_IO'), err: redactUrls(err.stack ?? String(err)) }, 'uncaught exception')
    process.exit(ExitCode.runtime)
  })
  try {
    if (workers > 1 && cluster.isPrimary) await runPrimary(loaded, workers, log)
    else await runAggregator(loaded, log)
  } catch (err) {
    // Start-up failed (a tls.cert that cannot be read, a port in use): one
    // coded line, then exit 2 (configuration) or 1. A cluster worker tells the
    // primary first, which then stops the whole aggregator with that code.
    const exitCode = startupExitCode(err)
    const code = LogyardError.is(err) ? err.code : (err as NodeJS.ErrnoException)?.code === 'EADDRINUSE' ? 'LY_CONNECTION' : 'LY_IO'
    const message = redactUrls(err instanceof Error ? err.message : String(err))
    log.fatal({ code, err: message, exit_code: exitCode }, 'start-up failed')
    if (!cluster.isWorker) process.stderr.write(`${PROGRAM}: ${code}: ${message}\n`)
    if (cluster.isWorker) await reportStartupFailure(exitCode, code, message)
    return exitCode
  }
  return -1 // keep running until a signal
}

runProgram(program, main)
