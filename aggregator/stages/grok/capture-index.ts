// Numbers the capturing groups of a JavaScript regex source and returns the
// index of each named group. Reading captures by index (m[7]) instead of
// through `m.groups` skips building a groups object per match, and it is
// robust to the unnamed helper captures oniguruma-to-es adds when it emulates
// atomic groups and possessive quantifiers (they shift the numbering, which
// the scan accounts for). The caller cross-checks the total count against
// the RegExp engine.

interface CaptureScan {
  /** Total capturing groups. */
  count: number
  /** Group name → 1-based capture index. */
  names: Map<string, number>
}

export function scanCaptures(source: string): CaptureScan {
  const names = new Map<string, number>()
  let count = 0
  let classDepth = 0
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i)
    if (c === 0x5c /* \ */) {
      i++ // the escaped character never opens a group or class
      continue
    }
    if (classDepth > 0) {
      // `v` flag classes nest: [a[b]]
      if (c === 0x5b /* [ */) classDepth++
      else if (c === 0x5d /* ] */) classDepth--
      continue
    }
    if (c === 0x5b) {
      classDepth = 1
      continue
    }
    if (c !== 0x28 /* ( */) continue
    if (source.charCodeAt(i + 1) !== 0x3f /* ? */) {
      count++
      continue
    }
    if (source.charCodeAt(i + 2) === 0x3c /* < */) {
      const next = source.charCodeAt(i + 3)
      if (next === 0x3d /* = */ || next === 0x21 /* ! */) continue // lookbehind
      const end = source.indexOf('>', i + 3)
      count++
      names.set(source.slice(i + 3, end), count)
    }
  }
  return { count, names }
}

/** The number of capturing groups the engine itself sees in `regex`. */
export function engineCaptureCount(regex: RegExp): number {
  const probe = new RegExp(`${regex.source}|`, regex.flags.replace(/[gy]/g, ''))
  return probe.exec('')!.length - 1
}
