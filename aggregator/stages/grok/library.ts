import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ConfigError } from '../../../core/errors.ts'
import { analyzeBacktracking } from './backtracking.ts'
import { expandGrok } from './expand.ts'
import { CompiledGrok } from './matcher.ts'
import type { GrokMatcher } from './matcher.ts'
import { parsePatternFile } from './pattern-file.ts'
import type { PatternEntry } from './pattern-file.ts'


// The grok pattern library: named regexes loaded from plain-text files.
//   <patternsDir>/core/*.grok     naming-neutral building blocks (no captures)
//   <patternsDir>/legacy/*.grok   families with Logstash's legacy field names
//   <patternsDir>/ecs-v1/*.grok   the same names with ECS field names
// ecs 'disabled' → core + legacy; 'v1' and 'v8' → core + ecs-v1.
// Later definitions replace earlier ones: bundled files (sorted by name), then
// each of `extraDirs` (every regular file in it, sorted), then `definitions`.

export const ecsCompatibilities = ['disabled', 'v1', 'v8'] as const
export type EcsCompatibility = (typeof ecsCompatibilities)[number]

export const defaultPatternsDir: string = fileURLToPath(new URL('../../../patterns', import.meta.url))

export interface GrokLoadOptions {
  /** Bundled library root; default `<repo>/patterns`. */
  patternsDir?: string
  /** Default 'v8'. */
  ecs?: EcsCompatibility
  /** Extra pattern directories (Logstash `patterns_dir`). */
  extraDirs?: string[]
  /** Inline definitions (Logstash `pattern_definitions`). */
  definitions?: Record<string, string>
}

export interface GrokCompileOptions {
  /** Only %{NAME:field} and (?<name>…) capture (default true); false also captures bare %{NAME} as NAME. */
  namedCapturesOnly?: boolean
  /** Keep captures that matched the empty string (default false). */
  keepEmptyCaptures?: boolean
}

function familyDir(ecs: EcsCompatibility): string {
  return ecs === 'disabled' ? 'legacy' : 'ecs-v1'
}

function listFiles(dir: string, suffix: string): string[] {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch (err) {
    throw new ConfigError(dir, `cannot read pattern directory: ${(err as Error).message}`)
  }
  return names
    .filter((n) => !n.startsWith('.') && n.endsWith(suffix) && statSync(join(dir, n)).isFile())
    .sort()
    .map((n) => join(dir, n))
}

function readEntries(file: string): PatternEntry[] {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new ConfigError(file, `cannot read pattern file: ${(err as Error).message}`)
  }
  return parsePatternFile(text, file)
}

// Bundled files parsed once per process and directory.
const bundledCache = new Map<string, PatternEntry[]>()

function bundled(patternsDir: string, ecs: EcsCompatibility): PatternEntry[] {
  const key = `${patternsDir}\0${familyDir(ecs)}`
  let entries = bundledCache.get(key)
  if (entries === undefined) {
    entries = []
    for (const sub of ['core', familyDir(ecs)]) {
      const dir = join(patternsDir, sub)
      let exists = false
      try {
        exists = statSync(dir).isDirectory()
      } catch {
        exists = false
      }
      if (!exists) continue
      for (const file of listFiles(dir, '.grok')) entries.push(...readEntries(file))
    }
    bundledCache.set(key, entries)
  }
  return entries
}

export class GrokLibrary {
  readonly ecs: EcsCompatibility
  readonly #defs = new Map<string, PatternEntry>()
  readonly #cache = new Map<string, CompiledGrok>()

  private constructor(ecs: EcsCompatibility) {
    this.ecs = ecs
  }

  static load(options: GrokLoadOptions = {}): GrokLibrary {
    const ecs = options.ecs ?? 'v8'
    if (!(ecsCompatibilities as readonly string[]).includes(ecs)) {
      throw new ConfigError('ecs_compatibility', `must be one of ${ecsCompatibilities.join(', ')}, got ${JSON.stringify(ecs)}`)
    }
    const lib = new GrokLibrary(ecs)
    for (const e of bundled(options.patternsDir ?? defaultPatternsDir, ecs)) lib.#defs.set(e.name, e)
    for (const dir of options.extraDirs ?? []) {
      for (const file of listFiles(dir, '')) for (const e of readEntries(file)) lib.#defs.set(e.name, e)
    }
    for (const [name, regex] of Object.entries(options.definitions ?? {})) {
      if (!/^[A-Za-z0-9_]+$/.test(name)) throw new ConfigError(`pattern_definitions.${name}`, 'a pattern name is letters, digits and _')
      lib.#defs.set(name, { name, regex, origin: 'pattern_definitions' })
    }
    return lib
  }

  has(name: string): boolean {
    return this.#defs.has(name)
  }

  names(): string[] {
    return [...this.#defs.keys()].sort()
  }

  /** The raw regex text of a named pattern and where it was defined. */
  definition(name: string): PatternEntry | undefined {
    return this.#defs.get(name)
  }

  /**
   * Compiles a grok expression to one RegExp (cached by pattern text and options).
   * Throws ConfigError (LY_CONFIG) naming the pattern for unknown or recursive
   * names, bad regex syntax and patterns that backtrack exponentially.
   */
  compile(pattern: string, options: GrokCompileOptions = {}): GrokMatcher {
    const namedCapturesOnly = options.namedCapturesOnly ?? true
    const keepEmptyCaptures = options.keepEmptyCaptures ?? false
    const key = `${namedCapturesOnly ? 1 : 0}${keepEmptyCaptures ? 1 : 0}${pattern}`
    let hit = this.#cache.get(key)
    if (hit === undefined) {
      const expansion = expandGrok(pattern, (name) => this.#defs.get(name)?.regex, { namedCapturesOnly })
      const report = analyzeBacktracking(expansion.source)
      if (report.errors.length > 0) {
        throw new ConfigError('grok', `pattern ${JSON.stringify(pattern)} can backtrack exponentially: ${report.errors[0]}; make the inner repetition possessive (x++) or atomic ((?>…)), or bound it`)
      }
      hit = new CompiledGrok(pattern, expansion, report.warnings, { keepEmptyCaptures })
      this.#cache.set(key, hit)
    }
    return hit
  }
}
