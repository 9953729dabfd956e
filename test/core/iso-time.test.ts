import t from 'tap'
import { isoString } from '../../core/iso-time.ts'

// isoString must write exactly what Date#toISOString writes, for every time value.

const viaDate = (ms: number): string => new Date(ms).toISOString()

t.test('edges: epoch, day and leap-day boundaries, the last instant of year 9999, fractions', async (t) => {
  const edges = [0, 0.999, 1, 999, 1000, 59_999, 86_399_999, 86_400_000, 951_782_400_000 /* 2000-02-29 */, 951_868_799_999, 4_107_542_400_000 /* 2100-03-01 */, 1_700_000_000_123.7, 253_402_300_799_999]
  for (const ms of edges) t.equal(isoString(ms), viaDate(ms), String(ms))
})

t.test('outside 1970..9999 it is Date itself: negative times, extended years, RangeError for NaN', async (t) => {
  for (const ms of [-1, -86_400_000, -62_198_755_200_000, 253_402_300_800_000, 8.64e15, -8.64e15]) t.equal(isoString(ms), viaDate(ms), String(ms))
  for (const ms of [Number.NaN, Infinity, -Infinity, 8.64e15 + 1]) t.throws(() => isoString(ms), RangeError, String(ms))
})

// The Gregorian calendar repeats every 400 years (146,097 days), so a whole
// cycle from 1970 and the last whole cycle before 10000, every day at its first
// and last millisecond, plus random instants over the whole range, cover every
// calendar case without walking all 2.9 M days (which took 8 s).
t.test('every day of the first and the last 400-year cycle at its first and last millisecond, and random instants', async (t) => {
  let mismatches = 0
  let first = ''
  const check = (ms: number): void => {
    const a = isoString(ms)
    const b = viaDate(ms)
    if (a !== b && mismatches++ === 0) first = `${ms}: ${a} vs ${b}`
  }
  const cycle = 146_097
  const lastDay = 2_932_896 // 9999-12-31
  for (const [from, to] of [[0, cycle], [lastDay - cycle, lastDay + 1]] as const) {
    for (let day = from; day < to; day++) {
      check(day * 86_400_000)
      check(day * 86_400_000 + 86_399_999)
    }
  }
  let seed = 12345
  const next = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31
  for (let i = 0; i < 200_000; i++) {
    const base = Math.floor(next() * 253_402_300_800_000)
    check(base)
    check(base + 1) // same second mostly: the remembered prefix
    check(base + 1000)
  }
  t.equal(mismatches, 0, first || 'no mismatch')
})
