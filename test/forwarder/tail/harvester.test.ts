import t from 'tap'
import { silentLogger } from '../../../core/logger.ts'
import { EventEncoder } from '../../../forwarder/event-encoder.ts'
import { Batcher } from '../../../forwarder/ship/batcher.ts'
import { fingerprintOf } from '../../../forwarder/tail/fingerprint.ts'
import { Harvester } from '../../../forwarder/tail/harvester.ts'
import { config, MemoryPublisher } from '../helpers.ts'

// The harvester's life as a state machine (forwarder/tail/harvester.ts):
// the transitions the tailer uses, and every other one refused. The handle
// number is only carried (the tailer does the I/O), so any number will do.

const FD = 7
const agent = { name: 'test', id: 'test-agent', version: '0.0.0' }

function harvester(over: { recovered?: boolean; openPath?: string; multiline?: boolean } = {}): { h: Harvester; counters: { lines: number; events: number } } {
  const input = config({ inputs: [{ paths: ['/var/log/app/*.log'], ...(over.multiline ? { multiline: { pattern: '^\\S' } } : {}) }] }).inputs[0]!
  const counters = { lines: 0, events: 0 }
  const head = Buffer.from('first line\n')
  const h = new Harvester({
    key: '1:2',
    path: '/var/log/app/a.log',
    openPath: over.openPath,
    input,
    inputIndex: 0,
    fingerprint: fingerprintOf(head),
    offset: 0,
    size: 100,
    birthMs: 1234,
    recovered: over.recovered,
    encoder: new EventEncoder(agent, input, '/var/log/app/a.log', 'abcdef0123456789'),
    batcher: new Batcher(new MemoryPublisher(), { batchSize: 1000, batchBytes: 1 << 20, linger: 60_000, logger: silentLogger() }),
    counters,
    onAcked: () => {},
  })
  return { h, counters }
}

const ts = '2024-05-01T12:00:00.000Z'
const read = (h: Harvester, s: string): void => h.consume(Buffer.from(s), ts)

type State = Harvester['state']

// Each state as the tailer reaches it.
const reach: Record<State, (h: Harvester) => void> = {
  closed: () => {},
  reading: (h) => h.open(FD),
  eof: (h) => {
    h.open(FD)
    h.eof()
  },
  truncated: (h) => {
    h.open(FD)
    h.truncated()
  },
  forgotten: (h) => h.forget(),
}

// Each transition, and the state it leads to from every state it is allowed in.
const transitions: Record<string, { run: (h: Harvester) => void; to: Partial<Record<State, State>> }> = {
  open: { run: (h) => h.open(FD), to: { closed: 'reading' } },
  read: { run: (h) => read(h, 'x\n'), to: { reading: 'reading', eof: 'reading' } },
  eof: { run: (h) => h.eof(), to: { reading: 'eof', eof: 'eof' } },
  truncated: { run: (h) => h.truncated(), to: { reading: 'truncated', eof: 'truncated' } },
  registryWritten: { run: (h) => h.registryWritten(), to: { truncated: 'reading' } },
  close: { run: (h) => void h.close(), to: { reading: 'closed', eof: 'closed', truncated: 'closed' } },
  forget: { run: (h) => h.forget(), to: { closed: 'forgotten' } },
}

t.test('every transition from every state: the legal ones move, the others throw and change nothing', async (t) => {
  let legal = 0
  let illegal = 0
  for (const from of Object.keys(reach) as State[]) {
    for (const [name, tr] of Object.entries(transitions)) {
      const { h } = harvester()
      reach[from](h)
      t.equal(h.state, from, `reached ${from}`)
      const to = tr.to[from]
      if (to !== undefined) {
        tr.run(h)
        t.equal(h.state, to, `${from} --${name}--> ${to}`)
        legal++
      } else {
        const offset = h.readOffset
        t.throws(() => tr.run(h), new RegExp(`${name} in state ${from} \\(a tailer bug\\)`), `${name} refused in ${from}`)
        t.equal(h.state, from, `still ${from} after the refused ${name}`)
        t.equal(h.readOffset, offset, 'nothing consumed')
        illegal++
      }
    }
  }
  t.equal(legal, 12, 'twelve legal transitions')
  t.equal(illegal, 5 * 7 - 12, 'the rest refused')
})

t.test('a file read, at its end, closed with a partial line, reopened, forgotten', async (t) => {
  const { h, counters } = harvester()
  t.equal(h.state, 'closed', 'born without a handle')
  t.notOk(h.isOpen)
  t.equal(h.fd, -1)
  h.open(FD)
  t.ok(h.isOpen)
  t.equal(h.fd, FD)
  read(h, 'alpha\nbe')
  t.equal(counters.lines, 1, 'one whole line')
  t.equal(h.readOffset, 8)
  t.equal(h.resumeOffset, 6, 'the partial line starts at 6')
  h.eof()
  t.equal(h.state, 'eof')
  t.equal(h.close(), FD, 'the handle is handed back to be closed')
  t.equal(h.state, 'closed')
  t.equal(h.fd, -1)
  t.equal(h.readOffset, 6, 'reading resumes at the partial line')
  h.open(FD + 1)
  read(h, 'beta\n')
  t.equal(counters.lines, 2, 'the partial line is read whole after the reopen')
  t.equal(h.readOffset, 11)
  h.close()
  t.notOk(h.removed)
  h.forget()
  t.equal(h.state, 'forgotten')
  t.ok(h.removed, 'a forgotten file is removed')
})

t.test('a truncation starts over at 0 and waits for the registry', async (t) => {
  const { h, counters } = harvester({ multiline: true })
  h.open(FD)
  read(h, 'one\n two\nthree\n')
  t.ok(h.multiline?.pending, 'an event held by multiline')
  h.acked(4)
  t.equal(h.ackedOffset, 4)
  h.fingerprintFromRead(Buffer.from('one\n'))
  t.ok(h.headBytes, 'short first bytes kept')
  h.truncated()
  t.equal(h.state, 'truncated')
  t.ok(h.isOpen, 'the handle stays open')
  t.equal(h.readOffset, 0)
  t.equal(h.ackedOffset, 0)
  t.equal(h.resumeOffset, 0)
  t.equal(h.fingerprint.length, 0, 'the new generation is fingerprinted as it is read')
  t.equal(h.headBytes, undefined)
  t.notOk(h.multiline?.pending, 'the held event of the old generation is dropped')
  h.registryWritten()
  t.equal(h.state, 'reading')
  const lines = counters.lines
  read(h, 'new\n')
  t.equal(counters.lines, lines + 1)
  t.equal(h.readOffset, 4)
})

t.test('removed is a mark, not a state: a recovered file starts removed', async (t) => {
  const { h } = harvester({ recovered: true })
  t.ok(h.recovered)
  t.ok(h.removed, 'read to its end, then forgotten')
  h.markPresent()
  t.notOk(h.removed, 'matched again')
  t.ok(h.recovered, 'still a recovered file')
  h.open(FD)
  h.markRemoved()
  t.ok(h.removed)
  t.equal(h.state, 'reading', 'a removed file is still read')
  const plain = harvester().h
  t.notOk(plain.recovered)
  t.notOk(plain.removed)
})

t.test('observations: size and mtime, first bytes, renames, late copies', async (t) => {
  const { h } = harvester({ openPath: '/srv/real/a.log' })
  t.equal(h.size, 100, 'size from the open')
  t.equal(h.birthMs, 1234)
  t.ok(h.statSeen(100, 5), 'mtime not seen before: changed')
  t.notOk(h.statSeen(100, 5), 'same size and mtime: unchanged')
  h.sizeSeen(3)
  t.equal(h.size, 3)
  t.notOk(h.statSeen(3, 5), 'sizeSeen took the size only')
  t.ok(h.statSeen(3, 6), 'a new mtime is a change')

  const head = Buffer.alloc(2000, 'a')
  h.fingerprintFromRead(head.subarray(0, 10))
  t.equal(h.fingerprint.length, 10)
  t.equal(h.headBytes?.length, 10, 'under 1 KiB: kept for the next read')
  h.fingerprintFromRead(head.subarray(0, 1024))
  t.equal(h.fingerprint.length, 1024)
  t.equal(h.headBytes, undefined, 'a full fingerprint needs no more bytes')
  h.fingerprintFromHead(head.subarray(0, 20))
  t.equal(h.fingerprint.length, 20)

  t.equal(h.openPath, '/srv/real/a.log')
  h.renamed('/var/log/app/a.log.1')
  t.equal(h.path, '/var/log/app/a.log.1')
  t.equal(h.openPath, undefined, 'known by a name that is no link')
  t.equal(h.encoder.encode(ts, 'm', 0, false, false).includes('"path":"/var/log/app/a.log.1"'), true, 'events carry the new path')

  t.equal(h.lateCopiesAfter, 0)
  const previous = fingerprintOf(Buffer.from('old'))
  h.expectLateCopies(5000, previous)
  t.equal(h.lateCopiesAfter, 5000)
  t.same(h.takeLateCopies(), { since: 5000, previous })
  t.equal(h.lateCopiesAfter, 0, 'taken once')
  t.same(h.takeLateCopies(), { since: 0, previous: undefined })
})

t.test('acknowledgements move the checkpoint and the caught-up time', async (t) => {
  const { h } = harvester()
  h.open(FD)
  read(h, 'a\nb\n')
  const before = h.caughtUpAt
  h.acked(2)
  t.equal(h.ackedOffset, 2)
  t.equal(h.caughtUpAt, before, 'not caught up: bytes read past 2 are unacknowledged')
  const realNow = Date.now
  Date.now = () => before + 60_000
  try {
    h.acked(4)
  } finally {
    Date.now = realNow
  }
  t.equal(h.ackedOffset, 4)
  t.equal(h.caughtUpAt, before + 60_000, 'caught up when 4 was acknowledged')
})
