import { readFileSync } from 'node:fs'
import { ConfigError } from '../errors.ts'

// TLS options take either a file path or inline PEM text (handy for tests and
// for secrets injected through ${VAR}). Read once, when the server or client is
// built, never during config validation.

export function readPem(value: string, path: string): string {
  if (value.trimStart().startsWith('-----BEGIN')) return value
  try {
    return readFileSync(value, 'utf8')
  } catch (err) {
    throw new ConfigError(path, `cannot read ${JSON.stringify(value)}: ${(err as Error).message}`, { cause: err })
  }
}

export function readPemList(value: string | readonly string[] | undefined, path: string): string[] | undefined {
  if (value === undefined) return undefined
  const list = typeof value === 'string' ? [value] : value
  return list.map((v, i) => readPem(v, typeof value === 'string' ? path : `${path}[${i}]`))
}
