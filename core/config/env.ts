import { ConfigError } from '../errors.ts'

// `${VAR}` and `${VAR:default}` in string values, as Beats and Logstash do.
// `$${` escapes a literal `${`. Substitution happens on parsed scalars (not on
// the raw text), so a variable can never inject YAML structure.

const reference = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?\}/g

function substituteEnv(text: string, path: string, env: NodeJS.ProcessEnv): string {
  if (!text.includes('${')) return text
  return text.replace(reference, (whole, escape: string, name: string, fallback: string | undefined) => {
    if (escape) return whole.slice(1)
    const value = env[name]
    if (value !== undefined && value !== '') return value
    if (fallback !== undefined) return fallback
    throw new ConfigError(path, `environment variable ${name} is not set and \${${name}} has no default; set it or write \${${name}:default}`)
  })
}

/** Walks a parsed YAML tree and substitutes in every string scalar. */
export function substituteTree(value: unknown, path: string, env: NodeJS.ProcessEnv): unknown {
  if (typeof value === 'string') return substituteEnv(value, path, env)
  if (Array.isArray(value)) return value.map((v, i) => substituteTree(v, `${path}[${i}]`, env))
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = substituteTree(v, path ? `${path}.${k}` : k, env)
    return out
  }
  return value
}
