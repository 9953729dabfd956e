import t from 'tap'
import { engineCaptureCount, scanCaptures } from '../../../../aggregator/stages/grok/capture-index.ts'

t.test('numbers groups, skipping escapes, classes, lookarounds and non-capturing groups', async (t) => {
  const src = String.raw`(?<g0>a)\((?:b)(c)[\(][[\(]x](?<=d)(?<!e)(?=f)(?<g1>g)`
  const scan = scanCaptures(src)
  t.equal(scan.count, 3)
  t.same([...scan.names], [['g0', 1], ['g1', 3]])
  t.equal(engineCaptureCount(new RegExp(src, 'v')), 3)
  const src2 = String.raw`(?<g0>a)\((?:b)(c)[\(](?=x)[[\(]x](?<=x)(?<g1>g)`
  const scan2 = scanCaptures(src2)
  const m = new RegExp(src2, 'v').exec('a(bc(xg')
  t.equal(m?.[scan2.names.get('g1')!], 'g')
  t.equal(m?.[scan2.names.get('g0')!], 'a')
})
