import { readFileSync } from 'node:fs'
import { parseDocument } from 'yaml'
import { ConfigError } from '../errors.ts'
import { substituteTree } from './env.ts'
import { validate, type Infer, type Spec } from './schema.ts'

/** Parses YAML text, substitutes `${VAR}`, applies the options' environment overrides (`env`) and validates it against `spec`. Pure: touches no files. */
export function parseConfig<S extends Spec>(spec: S, text: string, source = 'config', env: NodeJS.ProcessEnv = process.env): Infer<S> {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true })
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!
    // The yaml package's first message line ends with "at line L, column C:"
    // and continues with a code excerpt; say where once and quote the line.
    const what = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?\s*$/, '')
    const pos = e.linePos?.[0]
    const line = pos ? text.split('\n')[pos.line - 1] : undefined
    const where = pos ? ` at line ${pos.line}, column ${pos.col}${line !== undefined && line.trim() !== '' ? ` (${JSON.stringify(line.length > 80 ? `${line.slice(0, 80)}…` : line)})` : ''}` : ''
    throw new ConfigError('', `${source}: YAML syntax error${where}: ${what}`)
  }
  const raw = doc.toJS() ?? {}
  return validate(spec, substituteTree(raw, '', env), '', { durationsNeedUnit: true, env })
}

/** Reads and validates a config file. Missing or unreadable files are ConfigErrors (exit 2). */
export function loadConfigFile<S extends Spec>(spec: S, file: string, env: NodeJS.ProcessEnv = process.env): Infer<S> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new ConfigError('', `cannot read config file ${file} (${code ?? String(err)}); pass --config with a readable YAML file`, { cause: err })
  }
  return parseConfig(spec, text, file, env)
}
