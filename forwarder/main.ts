import { codeOf, ConnectionError, ExitCode, UsageError } from '../core/errors.ts'
import { formatAddress, parseListenAddress } from '../core/net/address.ts'
import { redactUrls } from '../core/config/url.ts'
import { runProgram, type CliArgs, type CliProgram } from '../core/cli.ts'
import { loadConfigFile } from '../core/config/load.ts'
import { createLogger } from '../core/logger.ts'
import { ForwarderApp } from './app.ts'
import { checkForwarderFiles, forwarderSpec } from './config.ts'
import { createLumberjackPublisher } from './ship/lumberjack-publisher.ts'
import { statusTable, type ForwarderStatus } from './status.ts'

// logyard-forwarder --config FILE [--check-config] | --version | --help
// logyard-forwarder status [--config FILE | --url http://host:port] [--json]

const program: CliProgram = {
  name: 'logyard-forwarder',
  summary: 'Tails log files and ships them to logyard-aggregator (or Logstash) over Lumberjack v2.',
  usage: ['[--config FILE] [--check-config]', 'status [--config FILE | --url URL] [--json]'],
  flags: [
    { name: 'config', short: 'c', value: 'FILE', doc: 'YAML configuration file (default /etc/logyard/forwarder.yml)' },
    { name: 'check-config', doc: 'validate the configuration and the files it names (TLS, data_dir) and exit: 0 ok, 2 invalid' },
    { name: 'url', value: 'URL', doc: 'status: the ops endpoint to ask (default: http.listen of --config)' },
    { name: 'json', doc: 'status: print the JSON instead of the table' },
  ],
  operands: { name: '[status]', min: 0, max: 1, commands: ['status'] },
  strayHint: 'config',
  spec: forwarderSpec,
}

/** `status`: GET /status from a running forwarder's ops endpoint and print it as a table. */
async function printStatus(url: string | undefined, file: string, json: boolean): Promise<number> {
  let base: string
  if (typeof url === 'string') base = url.replace(/\/+$/, '')
  else {
    const config = loadConfigFile(forwarderSpec, file)
    if (!config.http) throw new UsageError(`${file} has no http.listen: the forwarder serves no status; set http.listen or give --url`)
    const { host, port } = parseListenAddress(config.http.listen, '127.0.0.1')
    if (port === 0) throw new UsageError(`${file}: http.listen ${config.http.listen} has port 0 (chosen at start): give --url`)
    base = `http://${formatAddress({ host: host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host, port })}`
  }
  let res: Response
  try {
    res = await fetch(`${base}/status`, { signal: AbortSignal.timeout(10_000) })
  } catch (err) {
    throw new ConnectionError(`cannot reach the forwarder at ${base}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`, { endpoint: base })
  }
  if (!res.ok) throw new ConnectionError(`${base}/status answered ${res.status}`, { endpoint: base })
  const status = (await res.json()) as ForwarderStatus
  process.stdout.write(json ? JSON.stringify(status, null, 2) + '\n' : statusTable(status))
  return ExitCode.ok
}

async function main(args: CliArgs): Promise<number> {
  const file = args.string('config') ?? '/etc/logyard/forwarder.yml'
  if (args.operands[0] === 'status') return printStatus(args.string('url'), file, args.has('json'))
  const config = loadConfigFile(forwarderSpec, file)
  if (args.has('check-config')) {
    checkForwarderFiles(config)
    process.stdout.write(`${file}: configuration ok (${config.inputs.length} input(s), ${config.output.hosts.length} host(s))\n`)
    return ExitCode.ok
  }
  const logger = createLogger({ name: program.name, level: config.logging.level })
  process.on('uncaughtException', (err) => {
    logger.fatal({ code: codeOf(err, 'LY_IO'), err: redactUrls(err.stack ?? String(err)) }, 'uncaught exception')
    process.exit(ExitCode.runtime)
  })
  const app = new ForwarderApp({ config, logger, publisher: (metrics) => createLumberjackPublisher(config.output, logger.child({ component: 'output' }), metrics) })
  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'stopping')
    app.stop().then(
      () => process.exit(ExitCode.ok),
      (err: unknown) => {
        logger.error({ code: codeOf(err, 'LY_CLOSED'), err: String(err) }, 'stop failed')
        process.exit(ExitCode.runtime)
      },
    )
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
  await app.start()
  return -1 // keep running
}

runProgram(program, main)
