import { codeOf, ExitCode } from '../core/errors.ts'
import { helpText, packageVersion, parseArgs, reportFatal, type CliFlag } from '../core/cli.ts'
import { loadConfigFile } from '../core/config/load.ts'
import { createLogger } from '../core/logger.ts'
import { ForwarderApp } from './app.ts'
import { checkForwarderFiles, forwarderSpec, type ForwarderConfig } from './config.ts'
import { createLumberjackPublisher } from './ship/lumberjack-publisher.ts'

// logyard-forwarder --config FILE [--check-config] | --version | --help

const PROGRAM = 'logyard-forwarder'
const flags: CliFlag[] = [
  { name: 'config', takesValue: true, doc: 'YAML configuration file (default /etc/logyard/forwarder.yml)' },
  { name: 'check-config', takesValue: false, doc: 'validate the configuration and the files it names (TLS, data_dir) and exit: 0 ok, 2 invalid' },
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
  const config = loadConfigFile<ForwarderConfig>(forwarderSpec, file)
  if (args.flags['check-config']) {
    checkForwarderFiles(config)
    process.stdout.write(`${file}: configuration ok (${config.inputs.length} input(s), ${config.output.hosts.length} host(s))\n`)
    return ExitCode.ok
  }
  const logger = createLogger({ name: PROGRAM, level: config.logging.level })
  process.on('uncaughtException', (err) => {
    logger.fatal({ code: codeOf(err, 'LY_IO'), err: err.stack ?? String(err) }, 'uncaught exception')
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
