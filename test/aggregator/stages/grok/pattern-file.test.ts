import t from 'tap'
import { parsePatternFile } from '../../../../aggregator/stages/grok/pattern-file.ts'

t.test('NAME regex lines, comments, blank lines, trailing whitespace', async (t) => {
  const entries = parsePatternFile('# head\n\nA  x y\r\n  B\t[ ]+  \n', 'f.grok')
  t.same(entries, [
    { name: 'A', regex: 'x y', origin: 'f.grok:3' },
    { name: 'B', regex: '[ ]+', origin: 'f.grok:4' },
  ])
  t.throws(() => parsePatternFile('OK x\nbad-name x\n', 'f.grok'), { code: 'LY_CONFIG', message: /f\.grok:2: expected "NAME regex"/ })
})
