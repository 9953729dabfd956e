import { glob } from 'node:fs/promises'
import { basename, matchesGlob } from 'node:path'

// Glob discovery: expands the `paths` patterns of every input (with `**`,
// braces and classes, via node:fs glob) and filters `exclude`. A pattern
// without a slash in `exclude` is matched against the file name, so
// `*.gz` means what an operator expects.

export class PathMatcher {
  readonly #paths: readonly string[]
  readonly #exclude: readonly string[]

  constructor(paths: readonly string[], exclude: readonly string[]) {
    this.#paths = paths
    this.#exclude = exclude
  }

  get patterns(): readonly string[] {
    return this.#paths
  }

  excluded(path: string): boolean {
    for (const x of this.#exclude) {
      if (x.includes('/') ? matchesGlob(path, x) : matchesGlob(basename(path), x)) return true
    }
    return false
  }

  matches(path: string): boolean {
    if (this.excluded(path)) return false
    for (const p of this.#paths) if (matchesGlob(path, p)) return true
    return false
  }

  /** Every existing path matching a pattern and no exclude (files and others; the caller stats them). */
  async scan(): Promise<string[]> {
    const out = new Set<string>()
    for (const pattern of this.#paths) {
      try {
        for await (const p of glob(pattern)) if (!this.excluded(p)) out.add(p)
      } catch {
        // An unreadable directory on the way: the rest of the scan goes on.
      }
    }
    return [...out]
  }
}

/** The directory part of a glob before its first wildcard segment. */
export function globBase(pattern: string): string {
  const parts = pattern.split('/')
  const fixed: string[] = []
  for (const part of parts.slice(0, -1)) {
    if (/[*?[\]{}]/.test(part)) break
    fixed.push(part)
  }
  const base = fixed.join('/')
  return base === '' ? '/' : base
}

/** How many directory levels below globBase a pattern can reach; undefined for `**`. */
export function globDepth(pattern: string): number | undefined {
  if (pattern.includes('**')) return undefined
  const base = globBase(pattern)
  const rest = pattern.slice(base === '/' ? 1 : base.length + 1)
  return rest.split('/').length - 1
}
