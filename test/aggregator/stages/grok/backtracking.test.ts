import t from 'tap'
import { analyzeBacktracking } from '../../../../aggregator/stages/grok/backtracking.ts'

t.test('obviously exponential nesting is an error', async (t) => {
  t.match(analyzeBacktracking('^(a+)+$').errors, [/nested unbounded repetition/])
  t.match(analyzeBacktracking('((?:\\w*))*x').errors, [/nested unbounded repetition/])
  t.match(analyzeBacktracking('(?<g0>(?:\\d+){2,})').errors, [/nested unbounded/])
})

t.test('ambiguous repetitions are warnings', async (t) => {
  const w = analyzeBacktracking('^(?:\\w+\\s*)+$')
  t.same(w.errors, [])
  t.match(w.warnings, [/without a mandatory separator/])
  t.match(analyzeBacktracking('(?:.*,)+').warnings, [/wide unbounded repetition/])
})

t.test('safe shapes are clean', async (t) => {
  for (const p of ['(?:[a-z]+\\.)+', '(?:/[A-Za-z0-9_.-]*)+', '(?:\\.[0-9A-Za-z][0-9A-Za-z-]{0,62})*', '(?:[^,]+,)+', '^(?>a+)+$', '^(a++)+$', '"(?:[^"\\\\]|\\\\.)*"', 'a{2,}b+c*', '(?#comment)(?i)x+', '\\x{41}+(?:\\p{L}+-)+']) {
    t.same(analyzeBacktracking(p), { errors: [], warnings: [] }, p)
  }
})
