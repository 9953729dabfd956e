// Human units in configs: sizes like `10mb`, `512KiB`, `1g`; durations like
// `250ms`, `5s`, `5m`, `1h`, `1h30m`. Plain numbers are bytes; as durations
// they are milliseconds for programmatic callers only: in a config file a bare
// non-zero number is refused (see ValidateOptions.durationsNeedUnit in schema.ts).

const sizeUnits: Record<string, number> = {
  '': 1, b: 1,
  k: 1024, kb: 1024, kib: 1024,
  m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2,
  g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3,
}

/** Parses a size to bytes; returns undefined when it is not a size. Units are binary (1kb = 1024). */
export function parseSize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined
  if (typeof value !== 'string') return undefined
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value)
  if (!m) return undefined
  const unit = sizeUnits[m[2]!.toLowerCase()]
  if (unit === undefined) return undefined
  return Math.floor(Number(m[1]) * unit)
}

const durationUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** Parses a duration to milliseconds; returns undefined when it is not a duration. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined
  if (typeof value !== 'string') return undefined
  const text = value.trim()
  if (/^\d+(?:\.\d+)?$/.test(text)) return Number(text)
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y
  let total = 0
  let pos = 0
  while (pos < text.length) {
    re.lastIndex = pos
    const m = re.exec(text)
    if (!m) return undefined
    total += Number(m[1]) * durationUnits[m[2]!]!
    pos = re.lastIndex
  }
  return pos === 0 ? undefined : total
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3 && n % 1024 ** 3 === 0) return `${n / 1024 ** 3}gb`
  if (n >= 1024 ** 2 && n % 1024 ** 2 === 0) return `${n / 1024 ** 2}mb`
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024}kb`
  return String(n)
}

export function formatDuration(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000}s`
  return `${ms}ms`
}
