// Turning a wall-clock time into an instant for a configured zone: UTC, a
// fixed offset (+02:00, -0500) or an IANA name (Europe/Paris). IANA offsets
// come from Intl and are memoised per local hour, so a stream of distinct
// timestamps costs one Intl call per hour of log time.

/** Converts wall-clock fields (encoded as if UTC, in ms) to the real instant in ms. */
export type WallToInstant = (wallMs: number) => number

const offsetRe = /^([+-])(\d{2}):?(\d{2})$/

/** Minutes east of UTC for `+02:00`, `-0500`, `Z`, `UTC`, `GMT`; undefined when not a fixed offset. */
export function parseFixedOffset(text: string): number | undefined {
  if (text === 'Z' || text === 'z' || text === 'UTC' || text === 'GMT' || text === 'Etc/UTC') return 0
  const m = offsetRe.exec(text)
  if (!m) return undefined
  const minutes = Number(m[2]) * 60 + Number(m[3])
  if (Number(m[2]) > 18 || Number(m[3]) > 59) return undefined
  return m[1] === '-' ? -minutes : minutes
}

const zoneCache = new Map<string, WallToInstant>()

/** A converter for `zone`; throws RangeError for a zone Intl does not know. */
export function zoneConverter(zone: string): WallToInstant {
  let hit = zoneCache.get(zone)
  if (hit) return hit
  const fixed = parseFixedOffset(zone)
  if (fixed !== undefined) {
    const shift = fixed * 60_000
    hit = (wall) => wall - shift
  } else {
    hit = ianaConverter(zone)
  }
  zoneCache.set(zone, hit)
  return hit
}

function ianaConverter(zone: string): WallToInstant {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  })
  /** Offset in ms of `zone` at the instant `t`. */
  const offsetAt = (t: number): number => {
    const p: Record<string, number> = {}
    for (const part of format.formatToParts(t)) if (part.type !== 'literal') p[part.type] = Number(part.value)
    const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour! % 24, p.minute!, p.second!)
    return wall - (t - (t % 1000 + 1000) % 1000)
  }
  const byHour = new Map<number, number>()
  return (wall) => {
    const hour = Math.floor(wall / 3_600_000)
    let instant = byHour.get(hour)
    if (instant === undefined) {
      const start = hour * 3_600_000
      const guess = start - offsetAt(start)
      instant = start - offsetAt(guess) // second pass settles DST edges
      if (byHour.size > 4096) byHour.clear()
      byHour.set(hour, instant)
    }
    return instant + (wall - hour * 3_600_000)
  }
}
