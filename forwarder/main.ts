import { codeOf, ConnectionError, ExitCode, UsageError } from '../core/errors.ts'
import { parseListen } from '../core/http-server.ts'
import { redactUrls } from '../core/config/url.ts'
import { helpText, packageVersion, parseArgs, reportFatal, type CliFlag } from '../core/cli.ts'
import { loadConfigFile } from '../core/config/load.ts'
import { createLogger } from '../core/logger.ts'
import { ForwarderApp } from './app.ts'
import { checkForwarderFiles, forwarderSpec } from './config.ts'
import { createLumberjackPublisher } from './ship/lumberjack-publisher.ts'
import { statusTable, type ForwarderStatus } from './status.ts'

// logyard-forwarder --config FILE [--check-config] | --version | --help
// logyard-forwarder status [--config FILE | --url http://host:port] [--json]

const PROGRAM = 'logyard-forwarder'
const flags: CliFlag[] = [
  { name: 'config', takesValue: true, doc: 'YAML configuration file (default /etc/logyard/forwarder.yml)' },
  { name: 'check-config', takesValue: false, doc: 'validate the configuration and the files it names (TLS, data_dir) and exit: 0 ok, 2 invalid' },
  { name: 'url', takesValue: true, doc: 'status: the ops endpoint to ask (default: http.listen of --config)' },
  { name: 'json', takesValue: false, doc: 'status: print the JSON instead of the table' },
  { name: 'version', takesValue: false, doc: 'print the version and exit' },
  { name: 'help', takesValue: false, doc: 'print this help and exit' },
]

/** `status`: GET /status from a running forwarder's ops endpoint and print it as a table. */
async function printStatus(url: unknown, file: string, json: boolean): Promise<number> {
  let base: string
  if (typeof url === 'string') base = url.replace(/\/+$/, '')
  else {
    const config = loadConfigFile(forwarderSpec, file)
    if (!config.http) throw new UsageError(`${file} has no http.listen: the forwarder serves no status; set http.listen or give --url`)
    const { host, port } = parseListen(config.http.listen, '127.0.0.1')
    if (port === 0) throw new UsageError(`${file}: http.listen ${config.http.listen} has port 0 (chosen at start): give --url`)
    base = `http://${host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host}:${port}`
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

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, flags)
  if (args.flags.help) {
    process.stdout.write(helpText(PROGRAM, 'Tails log files and ships them to logyard-aggregator (or Logstash) over Lumberjack v2.', flags, forwarderSpec))
    return ExitCode.ok
  }
  if (args.flags.version) {
    process.stdout.write(`${PROGRAM} ${packageVersion()}\n`)
    return ExitCode.ok
  }
  const file = typeof args.flags.config === 'string' ? args.flags.config : '/etc/logyard/forwarder.yml'
  if (args.positional[0] === 'status') return printStatus(args.flags.url, file, args.flags.json === true)
  if (args.positional.length > 0) throw new UsageError(`unknown command ${JSON.stringify(args.positional[0])}; the only command is status`)
  const config = loadConfigFile(forwarderSpec, file)
  if (args.flags['check-config']) {
    checkForwarderFiles(config)
    process.stdout.write(`${file}: configuration ok (${config.inputs.length} input(s), ${config.output.hosts.length} host(s))\n`)
    return ExitCode.ok
  }
  const logger = createLogger({ name: PROGRAM, level: config.logging.level })
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

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code)
  },
  (err: unknown) => process.exit(reportFatal(err, PROGRAM)),
)
