// Turning a wall-clock time into an instant for a zone: UTC, a fixed offset
// (+02:00, -0500) or an IANA name (Europe/Paris). IANA offsets come from Intl
// and are memoised per local hour: a stream of distinct timestamps costs one
// lookup per hour of log time. Hours within a day of an offset change take the
// exact path, which resolves them as java.time (and Joda, which Logstash's date
// filter uses) do:
//   - a local time inside a spring-forward gap does not exist: NaN (the date
//     stage counts it as a parse failure, as Logstash does);
//   - a local time inside an autumn overlap happened twice: the earlier
//     instant (the offset in force before the change) wins.

/** Converts wall-clock fields (encoded as if UTC, in ms) to the real instant in ms; NaN when that local time does not exist. */
export type WallToInstant = (wallMs: number) => number

const offsetRe = /^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$/

/** Minutes east of UTC for `+02:00`, `-0500`, `+01`, `UTC+2`, `Z`, `UTC`, `GMT`; undefined when not a fixed offset. */
export function parseFixedOffset(text: string): number | undefined {
  if (text === 'Z' || text === 'z' || text === 'UTC' || text === 'GMT' || text === 'Etc/UTC' || text === 'UT') return 0
  const m = offsetRe.exec(text)
  if (!m) return undefined
  const h = Number(m[2])
  const mi = m[3] === undefined ? 0 : Number(m[3])
  if (h > 18 || mi > 59) return undefined
  const minutes = h * 60 + mi
  return m[1] === '-' ? -minutes : minutes
}

const HOUR = 3_600_000
const DAY = 86_400_000
const MAX_ZONES = 2048
const zoneCache = new Map<string, WallToInstant>()
const badZones = new Set<string>()

/** A converter for `zone`; throws RangeError for a zone Intl does not know. */
export function zoneConverter(zone: string): WallToInstant {
  const hit = zoneCache.get(zone)
  if (hit) return hit
  const conv = tryZone(zone)
  if (conv === undefined) throw new RangeError(`unknown time zone ${JSON.stringify(zone)}`)
  return conv
}

/**
 * A converter for `zone`, or undefined when it is not a zone. For names that
 * come from events (`timezone: "%{tz}"`): nothing is thrown, and the caches
 * are bounded so a stream of made-up names cannot grow them without end.
 */
export function tryZone(zone: string): WallToInstant | undefined {
  let conv = zoneCache.get(zone)
  if (conv !== undefined) return conv
  if (badZones.has(zone)) return undefined
  const fixed = parseFixedOffset(zone)
  if (fixed !== undefined) {
    const shift = fixed * 60_000
    conv = (wall) => wall - shift
  } else {
    try {
      conv = ianaConverter(zone)
    } catch {
      if (badZones.size >= 1024) badZones.clear()
      badZones.add(zone)
      return undefined
    }
  }
  if (zoneCache.size >= MAX_ZONES) zoneCache.clear()
  zoneCache.set(zone, conv)
  return conv
}

function ianaConverter(zone: string): WallToInstant {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: zone, hourCycle: 'h23', era: 'short', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  })
  /** Offset in ms of `zone` at the instant `t` (whole seconds: local mean times have odd ones). */
  const offsetAt = (t: number): number => {
    let y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, bc = false
    for (const part of format.formatToParts(t)) {
      switch (part.type) {
        case 'year': y = Number(part.value); break
        case 'month': mo = Number(part.value); break
        case 'day': d = Number(part.value); break
        case 'hour': h = Number(part.value) % 24; break
        case 'minute': mi = Number(part.value); break
        case 'second': s = Number(part.value); break
        case 'era': bc = part.value.startsWith('B'); break
        default: break // literals and parts not asked for
      }
    }
    const year = bc ? 1 - y : y
    let wall = Date.UTC(year, mo - 1, d, h, mi, s)
    if (year >= 0 && year < 100) wall = new Date(wall).setUTCFullYear(year) // Date.UTC maps 0..99 to 1900..1999
    return wall - (t - (((t % 1000) + 1000) % 1000))
  }
  /** Exact resolution: the offsets before and after any change near `wall`, kept when they really map there. */
  const exact = (wall: number): number => {
    const before = offsetAt(wall - DAY)
    const after = offsetAt(wall + DAY)
    let best = NaN
    for (const o of before === after ? [before, offsetAt(wall - before)] : [before, after]) {
      // Several changes within two days are unheard of; a candidate counts only when it is the offset at its own instant.
      if (offsetAt(wall - o) === o && !(best >= o)) best = o
    }
    return Number.isNaN(best) ? NaN : wall - best // the largest valid offset is the earlier instant
  }
  const byHour = new Map<number, number>()
  return (wall) => {
    const hour = Math.floor(wall / HOUR)
    let off = byHour.get(hour)
    if (off === undefined) {
      const start = hour * HOUR
      // The offset holds for every instant this local hour can map to (within ±18 h) when it is the same a day either side.
      const a = offsetAt(start - DAY)
      off = a === offsetAt(start + DAY + HOUR) ? a : NaN
      if (byHour.size >= 4096) byHour.clear()
      byHour.set(hour, off)
    }
    return off === off ? wall - off : exact(wall)
  }
}
