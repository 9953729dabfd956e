import t from 'tap'
import { Multiline } from '../../../forwarder/tail/multiline.ts'
import type { MultilineConfig } from '../../../forwarder/config.ts'

interface Ev { message: string; offset: number; end: number; lines: number; truncated: boolean }

function run(config: Partial<MultilineConfig> & { pattern: string }, lines: string[]): { events: Ev[]; ml: Multiline } {
  const ml = new Multiline({ negate: false, match: 'after', max_lines: 500, max_bytes: 1 << 20, timeout: 5000, ...config })
  const events: Ev[] = []
  const sink = { event: (message: string, offset: number, end: number, n: number, truncated: boolean) => events.push({ message, offset, end, lines: n, truncated }) }
  let off = 0
  for (const l of lines) {
    const len = Buffer.byteLength(l)
    ml.push(l, len, off, off + len + 1, false, sink, 0)
    off += len + 1
  }
  return { events, ml: Object.assign(ml, { sink }) }
}

const trace = [
  '2024-05-01 12:00:00 ERROR boom',
  'java.lang.IllegalStateException: bad',
  '\tat com.example.A.run(A.java:10)',
  '\tat com.example.B.main(B.java:5)',
  '2024-05-01 12:00:01 INFO next',
]

t.test('a Java stack trace is one event (negate + after, pattern = start of event)', async (t) => {
  const { events, ml } = run({ pattern: '^\\d{4}-\\d{2}-\\d{2} ', negate: true, match: 'after' }, trace)
  t.equal(events.length, 1)
  t.equal(events[0]!.message, trace.slice(0, 4).join('\n'))
  t.equal(events[0]!.offset, 0)
  t.equal(events[0]!.lines, 4)
  const firstFour = trace.slice(0, 4).reduce((n, l) => n + Buffer.byteLength(l) + 1, 0)
  t.equal(events[0]!.end, firstFour)
  t.ok(ml.pending, 'last event held until its successor or the timeout')
  t.equal(ml.pendingOffset, firstFour)
  ml.flush((ml as unknown as { sink: { event(): void } }).sink as never)
  t.equal(events.length, 2)
  t.equal(events[1]!.message, trace[4])
})

t.test('continuation lines matching ^\\s join the previous line', async (t) => {
  const { events } = run({ pattern: '^\\s', match: 'after' }, ['a', ' b', ' c', 'd', 'e'])
  t.same(events.map((e) => e.message), ['a\n b\n c', 'd'])
})

t.test('match: before joins a line ending in \\ with the next', async (t) => {
  const { events } = run({ pattern: '\\\\$', match: 'before' }, ['one \\', 'two \\', 'three', 'four'])
  t.same(events.map((e) => e.message), ['one \\\ntwo \\\nthree', 'four'])
})

t.test('max_lines caps the message, not the offsets', async (t) => {
  const { events } = run({ pattern: '^\\s', max_lines: 2 }, ['a', ' 1', ' 2', ' 3', 'b'])
  t.equal(events[0]!.message, 'a\n 1')
  t.equal(events[0]!.lines, 4)
  t.equal(events[0]!.truncated, true)
  t.equal(events[0]!.end, 2 + 3 + 3 + 3)
})

t.test('max_bytes cuts the joined message on bytes', async (t) => {
  const { events } = run({ pattern: '^\\s', max_bytes: 6 }, ['abcd', ' efgh', 'x'])
  t.equal(events[0]!.message, 'abcd\n ')
  t.equal(Buffer.byteLength(events[0]!.message), 6)
  t.equal(events[0]!.truncated, true)
})
