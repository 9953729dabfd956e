import { ConfigError } from '../../../core/errors.ts'

// A grok pattern file: one `NAME regex` per line, `#` starts a comment line,
// blank lines are ignored. Trailing whitespace (and a CR) is dropped, so a
// regex that must end in a space writes it as `[ ]` or `\s`.

export interface PatternEntry {
  name: string
  regex: string
  /** `file:line` for error messages. */
  origin: string
}

const kLine = /^([A-Za-z0-9_]+)[ \t]+(.*)$/

export function parsePatternFile(text: string, file: string): PatternEntry[] {
  const out: PatternEntry[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trimEnd()
    const trimmed = line.trimStart()
    if (trimmed === '' || trimmed.startsWith('#')) continue
    const m = kLine.exec(trimmed)
    if (m === null || m[2] === '') {
      throw new ConfigError(`${file}:${i + 1}`, `expected "NAME regex" (NAME of letters, digits and _), got ${JSON.stringify(trimmed.slice(0, 80))}`)
    }
    out.push({ name: m[1]!, regex: m[2]!, origin: `${file}:${i + 1}` })
  }
  return out
}
