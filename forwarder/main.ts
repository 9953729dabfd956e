import { ConfigError, ConnectionError, ExitCode, UsageError } from '../core/errors.ts'
import { parseListen } from '../core/http-server.ts'
import { renderStatus, type ForwarderStatus } from './status.ts'
import { helpText, packageVersion, parseArgs, reportFatal, type CliFlag } from '../core/cli.ts'
import { loadConfigFile } from '../core/config/load.ts'
import { createLogger } from '../core/logger.ts'
import { ForwarderApp } from './app.ts'
import { forwarderSpec, type ForwarderConfig } from './config.ts'
import { createLumberjackPublisher } from './ship/lumberjack-publisher.ts'

// logyard-forwarder --config FILE [--check-config] | status [--config FILE] [--json] | --version | --help

const PROGRAM = 'logyard-forwarder'
const flags: CliFlag[] = [
  { name: 'config', takesValue: true, doc: 'YAML configuration file (default /etc/logyard/forwarder.yml)' },
  { name: 'check-config', takesValue: false, doc: 'validate the configuration and exit (0 ok, 2 invalid)' },
  { name: 'json', takesValue: false, doc: 'with `status`: print the JSON of GET /status instead of the table' },
  { name: 'version', takesValue: false, doc: 'print the version and exit' },
  { name: 'help', takesValue: false, doc: 'print this help and exit' },
]

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
  if (args.positional.length > 0 && args.positional[0] !== 'status') throw new UsageError(`unknown command ${JSON.stringify(args.positional[0])}: the only command is \`status\` (the configuration is --config FILE)`)
  const config = loadConfigFile<ForwarderConfig>(forwarderSpec, file)
  if (args.positional[0] === 'status') return printStatus(config, file, args.flags.json === true)
  if (args.flags['check-config']) {
    process.stdout.write(`${file}: configuration ok (${config.inputs.length} input(s), ${config.output.hosts.length} host(s))\n`)
    return ExitCode.ok
  }
  const logger = createLogger({ name: PROGRAM, level: config.logging.level })
  process.on('uncaughtException', (err) => {
    logger.fatal({ err: err.stack ?? String(err) }, 'uncaught exception')
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
        logger.error({ err: String(err) }, 'stop failed')
        process.exit(ExitCode.runtime)
      },
    )
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
  await app.start()
  return -1 // keep running
}

/** `logyard-forwarder status`: GET /status from the running forwarder's http.listen, as a table. */
async function printStatus(config: ForwarderConfig, file: string, json: boolean): Promise<number> {
  if (!config.http) throw new ConfigError('http.listen', `${file} has no http.listen: the status comes from the running forwarder's ops endpoint`)
  const { host, port } = parseListen(config.http.listen, '127.0.0.1')
  const target = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host
  const url = `http://${target.includes(':') ? `[${target}]` : target}:${port}/status`
  let body: string
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) })
    body = await res.text()
    if (!res.ok) throw new Error(`HTTP ${res.status}`)
  } catch (err) {
    throw new ConnectionError(`cannot read ${url}: ${(err as Error).message} (is the forwarder running with this configuration?)`, { endpoint: url })
  }
  process.stdout.write(json ? body : renderStatus(JSON.parse(body) as ForwarderStatus))
  return ExitCode.ok
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code)
  },
  (err: unknown) => process.exit(reportFatal(err, PROGRAM)),
)
