import { readFileSync } from 'node:fs'
import { ConfigError } from '../../../core/errors.ts'

// collectd's types.db: one data set per line, `<type> <ds> [<ds> …]`, each ds
// `name:TYPE:min:max` (a trailing `,` is allowed). The wire carries only type
// codes and values, so the receiver takes the data-source names from here.
// Several files may be given; later definitions of a name win.

const dsTypes = ['COUNTER', 'GAUGE', 'DERIVE', 'ABSOLUTE'] as const
type DsType = (typeof dsTypes)[number]

export interface DataSet {
  type: string
  names: readonly string[]
  kinds: readonly DsType[]
}

export type TypesDb = ReadonlyMap<string, DataSet>

export const defaultTypesDbPath = '/usr/share/collectd/types.db'

interface TypesDbProblem {
  line: number
  message: string
}

/** Parses one types.db text into `into`; bad lines are returned as problems (collectd skips them too). */
export function parseTypesDb(text: string, into: Map<string, DataSet> = new Map()): { db: Map<string, DataSet>; problems: TypesDbProblem[] } {
  const problems: TypesDbProblem[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim()
    if (line === '' || line.startsWith('#')) continue
    const fields = line.split(/[ \t]+/)
    const type = fields[0] ?? ''
    if (fields.length < 2) {
      problems.push({ line: i + 1, message: `type "${type}" has no data sources` })
      continue
    }
    const names: string[] = []
    const kinds: DsType[] = []
    let bad: string | undefined
    for (let f = 1; f < fields.length; f++) {
      let spec = fields[f] ?? ''
      if (spec.endsWith(',')) spec = spec.slice(0, -1)
      if (spec === '') continue
      const parts = spec.split(':')
      const kind = (parts[1] ?? '').toUpperCase() as DsType
      if (parts.length !== 4 || parts[0] === '' || !dsTypes.includes(kind)) {
        bad = `data source "${spec}" of type "${type}" is not name:GAUGE|COUNTER|DERIVE|ABSOLUTE:min:max`
        break
      }
      names.push(parts[0] as string)
      kinds.push(kind)
    }
    if (bad !== undefined || names.length === 0) {
      problems.push({ line: i + 1, message: bad ?? `type "${type}" has no data sources` })
      continue
    }
    into.set(type, { type, names, kinds })
  }
  return { db: into, problems }
}

/** Loads and merges types.db files in order (later wins). A missing or unreadable file is a ConfigError. */
export function loadTypesDb(paths: readonly string[], configPath = 'inputs.collectd.types_db'): { db: TypesDb; problems: (TypesDbProblem & { file: string })[] } {
  const db = new Map<string, DataSet>()
  const problems: (TypesDbProblem & { file: string })[] = []
  for (const file of paths) {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (err) {
      throw new ConfigError(configPath, `cannot read types.db file ${file}: ${(err as Error).message}; install collectd-core or point types_db at a copy`, { cause: err })
    }
    for (const p of parseTypesDb(text, db).problems) problems.push({ ...p, file })
  }
  return { db, problems }
}
