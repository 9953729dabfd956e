import t from 'tap'
import { LineSplitter } from '../../../forwarder/tail/line-splitter.ts'

interface Got { text: string; offset: number; end: number; truncated: boolean }

function collector(): { got: Got[]; sink: { line(b: Buffer, s: number, e: number, o: number, end: number, tr: boolean): void } } {
  const got: Got[] = []
  return { got, sink: { line: (b, start, stop, offset, end, truncated) => got.push({ text: b.toString('utf8', start, stop), offset, end, truncated }) } }
}

t.test('splits lines with exact offsets', async (t) => {
  const s = new LineSplitter(1024)
  const c = collector()
  s.push(Buffer.from('alpha\nbeta\ngam'), c.sink)
  t.same(c.got, [
    { text: 'alpha', offset: 0, end: 6, truncated: false },
    { text: 'beta', offset: 6, end: 11, truncated: false },
  ])
  t.equal(s.offset, 11, 'partial line held back')
  t.equal(s.pendingBytes, 3)
  s.push(Buffer.from('ma\n'), c.sink)
  t.same(c.got[2], { text: 'gamma', offset: 11, end: 17, truncated: false })
  t.equal(s.offset, 17)
  t.equal(s.pendingBytes, 0)
})

t.test('CRLF terminators are stripped, offsets count the CR', async (t) => {
  const s = new LineSplitter(1024, 100)
  const c = collector()
  s.push(Buffer.from('one\r\ntwo\r'), c.sink)
  s.push(Buffer.from('\nthree\r\n'), c.sink)
  t.same(c.got.map((g) => [g.text, g.offset, g.end]), [['one', 100, 105], ['two', 105, 110], ['three', 110, 117]])
})

t.test('a CR alone inside a line is kept', async (t) => {
  const s = new LineSplitter(1024)
  const c = collector()
  s.push(Buffer.from('a\rb\n'), c.sink)
  t.equal(c.got[0]!.text, 'a\rb')
})

t.test('empty lines are lines', async (t) => {
  const s = new LineSplitter(1024)
  const c = collector()
  s.push(Buffer.from('\n\nx\n'), c.sink)
  t.same(c.got.map((g) => [g.text, g.offset]), [['', 0], ['', 1], ['x', 2]])
})

t.test('overlong line in one chunk: cut at max bytes, rest skipped, next line exact', async (t) => {
  const s = new LineSplitter(16)
  const c = collector()
  s.push(Buffer.from('0123456789abcdefXYZ\nnext\n'), c.sink)
  t.same(c.got[0], { text: '0123456789abcdef', offset: 0, end: 20, truncated: true })
  t.same(c.got[1], { text: 'next', offset: 20, end: 25, truncated: false })
  t.equal(s.truncatedLines, 1)
  t.equal(s.skippedBytes, 3)
})

t.test('overlong line across many chunks keeps memory bounded and offsets exact', async (t) => {
  const s = new LineSplitter(16)
  const c = collector()
  s.push(Buffer.from('short\n0123456789'), c.sink)
  for (let i = 0; i < 1000; i++) s.push(Buffer.from('abcdefghij'), c.sink)
  t.ok(s.pendingBytes === 10 + 10000, 'skipped bytes counted as pending')
  s.push(Buffer.from('END\r\nafter\n'), c.sink)
  t.equal(c.got.length, 3)
  t.same(c.got[1], { text: '0123456789abcdef', offset: 6, end: 6 + 10 + 10000 + 5, truncated: true })
  t.same(c.got[2], { text: 'after', offset: 6 + 10 + 10000 + 5, end: 6 + 10 + 10000 + 5 + 6, truncated: false })
})

t.test('a line of exactly max bytes split across chunks is not truncated, CRLF included', async (t) => {
  const s = new LineSplitter(8)
  const c = collector()
  s.push(Buffer.from('1234'), c.sink)
  s.push(Buffer.from('5678\r'), c.sink)
  s.push(Buffer.from('\n'), c.sink)
  t.same(c.got[0], { text: '12345678', offset: 0, end: 10, truncated: false })
  s.push(Buffer.from('123456789\n'), c.sink)
  t.same(c.got[1], { text: '12345678', offset: 10, end: 20, truncated: true })
})

t.test('invalid UTF-8 becomes U+FFFD without moving offsets', async (t) => {
  const s = new LineSplitter(1024)
  const c = collector()
  s.push(Buffer.from([0x61, 0xff, 0x62, 0x0a, 0xe2, 0x82]), c.sink)
  s.push(Buffer.from([0xac, 0x0a, 0x7a, 0x0a]), c.sink)
  t.same(c.got.map((g) => [g.text, g.offset, g.end]), [['a\ufffdb', 0, 4], ['€', 4, 8], ['z', 8, 10]])
})

t.test('reset forgets a partial line', async (t) => {
  const s = new LineSplitter(1024, 50)
  const c = collector()
  s.push(Buffer.from('partial'), c.sink)
  s.reset(0)
  s.push(Buffer.from('new\n'), c.sink)
  t.same(c.got, [{ text: 'new', offset: 0, end: 4, truncated: false }])
})
