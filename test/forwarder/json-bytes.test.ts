import t, { type Test } from 'tap'
import { writeDecimal, writeHex, writeJsonStringBody } from '../../forwarder/json-bytes.ts'
import { EventEncoder } from '../../forwarder/event-encoder.ts'

t.test('byte-level JSON string bodies parse back to the same text', async (t) => {
  const out = Buffer.alloc(4096)
  for (const [i, s] of ['plain', 'tab\there "q" back\\slash', 'ctl\x01\x1f\x7f end', 'crlf\r\n', 'é€😀 \u2028', ''].entries()) {
    const src = Buffer.from(`xx${s}yy`)
    const n = writeJsonStringBody(src, 2, src.length - 2, out, 3)
    t.equal(JSON.parse('"' + out.toString('utf8', 3, n) + '"'), s, `case ${i}`)
  }
  const n = writeJsonStringBody(Buffer.from('\x08'), 0, 1, out, 0)
  t.equal(out.toString('latin1', 0, n), '\\u0008', 'Beats-style lower-case \\u00XX, not \\b')
  t.equal(writeJsonStringBody(Buffer.from([0x61, 0xff, 0x62]), 0, 3, out, 0), -1, 'invalid UTF-8 → string path')
  t.equal(writeJsonStringBody(Buffer.from([0xe2, 0x82]), 0, 2, out, 0), -1, 'a cut multi-byte character is invalid too')
})

// What the byte path must write, from the string: JSON.stringify's escapes
// (`"` `\\` \n \r \t, other controls \u00xx in lower case; 0x7f and
// everything from U+0080 up as is), except that Beats writes \b and \f as
// \u0008 and \u000c. The regex takes escapes pairwise, so `\\b` stays.
function beatsBody(s: string): string {
  return JSON.stringify(s)
    .slice(1, -1)
    .replace(/\\([\s\S])/g, (m, c: string) => (c === 'b' ? '\\u0008' : c === 'f' ? '\\u000c' : m))
}

const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
function validUtf8(b: Uint8Array): boolean {
  try {
    fatal.decode(b)
    return true
  } catch {
    return false
  }
}

// Encodes `line` placed at `at` in a buffer of junk that itself needs
// escaping (so a read past either end would show), into `out` at `outAt`;
// checks the bytes against beatsBody (or -1 for invalid UTF-8) and that
// nothing outside the written range changed.
function check(t: Test, line: Uint8Array, at: number, outAt: number, what: string): boolean {
  const src = Buffer.alloc(at + line.length + 9, 0x22)
  src.fill(0x5c, at + line.length)
  src.set(line, at)
  const out = Buffer.alloc(outAt + line.length * 6 + 16, 0xee)
  const end = writeJsonStringBody(src, at, at + line.length, out, outAt)
  if (!validUtf8(line)) return end === -1 || t.fail(`${what}: invalid UTF-8 must give -1, got ${end}`)
  const want = Buffer.from(beatsBody(Buffer.from(line).toString('utf8')))
  if (end !== outAt + want.length || !out.subarray(outAt, end).equals(want)) return t.fail(`${what}: ${JSON.stringify(out.toString('latin1', outAt, Math.max(outAt, end)))} for ${JSON.stringify(want.toString('latin1'))}`)
  if (out.subarray(0, outAt).some((b) => b !== 0xee) || out.subarray(end).some((b) => b !== 0xee)) return t.fail(`${what}: wrote outside [${outAt}, ${end})`)
  return true
}

t.test('lines with many quotes, backslashes, control bytes and UTF-8, at every alignment, match the Beats rules', async (t) => {
  const ua = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
  const lines = [
    `81.50.86.27 - - [22/Nov/2026:04:00:01 +0000] "GET /api/v1/orders?page=20&q=a+b HTTP/1.1" 200 37495 "https://www.google.com/search?q=shop" "${ua}"`,
    `10.0.0.1 - - [22/Nov/2026:04:00:01 +0000] "GET / HTTP/1.1" 400 0 "-" "Mozilla/5.0 \\x22scanner\\x22"`,
    '{"level":"info","msg":"a \\"quoted\\" word","path":"C:\\\\temp","tags":["a","b","c"],"n":1}',
    '"'.repeat(40),
    '\\'.repeat(70),
    Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join('x'),
    'tab\there\r\n\x7f\x08\x0c end',
    'a'.repeat(31) + '"' + 'b'.repeat(32) + '"' + 'c'.repeat(33) + '\\' + 'd'.repeat(17) + '\x01' + 'e'.repeat(16) + '"',
    'Заказ ' + 'оформлен '.repeat(8) + '«Иван» — 100 ₽ "ok" café 😀 \u2028 \u2029 end',
    'plain ASCII, no escapes at all, long enough for the word scan and a bulk copy of the run',
    '',
    '"',
    'é',
  ]
  let ok = 0
  for (const [k, line] of lines.entries()) {
    const bytes = Buffer.from(line)
    for (let at = 0; at < 8; at++) for (const outAt of [0, 1, 3]) if (check(t, bytes, at, outAt, `case ${k} at ${at}/${outAt}`)) ok++
  }
  t.equal(ok, lines.length * 8 * 3, 'every case byte-exact')
})

t.test('random lines (deterministic) match the Beats rules; invalid UTF-8 gives -1', async (t) => {
  let seed = 19
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
    return (seed >>> 8) % n
  }
  // Mostly plain ASCII, runs long and short between the bytes that matter;
  // the last six pieces are invalid UTF-8 (stray continuation, cut or
  // overlong sequences, an encoded surrogate).
  const pieces: (number[] | string)[] = ['abcdefghijklmnop', 'GET /x?y=1 HTTP/1.1', ' ', '"', '"', '\\', '\n', '\t', '\x00', '\x1f', '\x7f', 'é', '€', '😀', '\u2028', [0xff], [0xc3], [0xe2, 0x82], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0x80]]
  let ok = 0
  let invalid = 0
  const N = 3000
  for (let n = 0; n < N; n++) {
    const parts: Buffer[] = []
    const count = rnd(40)
    const broken = n % 10 === 0 // one line in ten may carry an invalid sequence
    for (let k = 0; k < count; k++) {
      let p = pieces[rnd(broken ? pieces.length : pieces.length - 6)]!
      if (typeof p === 'string' && rnd(3) === 0) p = p.repeat(1 + rnd(6))
      parts.push(Buffer.from(p as string))
    }
    const line = Buffer.concat(parts)
    if (!validUtf8(line)) invalid++
    if (check(t, line, rnd(8), rnd(4), `random line ${n} ${JSON.stringify(line.toString('latin1'))}`)) ok++
  }
  t.equal(ok, N, 'every random line byte-exact')
  t.ok(invalid > 50, `invalid lines were among them (${invalid})`)
})

t.test('integers', async (t) => {
  const out = Buffer.alloc(64)
  for (const v of [0, 7, 10, 255, 4096, 123456789, 2 ** 45 + 3]) {
    t.equal(out.toString('latin1', 0, writeDecimal(v, out, 0)), String(v))
    t.equal(out.toString('latin1', 0, writeHex(v, out, 0)), v.toString(16))
  }
})

t.test('the byte path and the string path encode the same event', async (t) => {
  const enc = new EventEncoder({ name: 'h', id: 'agent-1', version: '0.1.0' }, { fields: { a: 1 }, tags: ['x'] }, '/var/log/a "b".log', '0123456789abcdef')
  const ts = '2026-11-22T04:00:00.123Z'
  for (const [line, truncated] of [['GET /x "ok"\tdone', false], ['naïve ☃', true]] as const) {
    const src = Buffer.from(line)
    const out = Buffer.alloc(enc.bound(src.length))
    const end = enc.encodeLine(out, 0, ts, src, 0, src.length, 123456, truncated)
    const bytes = out.toString('utf8', 0, end)
    t.same(JSON.parse(bytes), JSON.parse(enc.encode(ts, line, 123456, false, truncated)))
    t.match(JSON.parse(bytes), { '@timestamp': ts, message: line, log: { offset: 123456, file: { path: '/var/log/a "b".log' } }, '@metadata': { _id: '0123456789abcdef-1e240' } })
    t.ok(bytes.startsWith('{"@timestamp":"2026-11-22T04:00:00.123Z","@metadata":{'), '@timestamp first, @metadata second')
  }
})
