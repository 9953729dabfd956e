import t from 'tap'
import { OpenFileBudget } from '../../../forwarder/tail/open-file-budget.ts'

t.test('counts handles against max_open_files and reports every change', async (t) => {
  const seen: number[] = []
  const b = new OpenFileBudget(2, (open) => seen.push(open))
  t.equal(b.open, 0)
  t.notOk(b.full)
  b.opened()
  t.notOk(b.full, 'one of two')
  b.opened()
  t.ok(b.full, 'two of two')
  b.closed()
  t.notOk(b.full, 'a handle is free again')
  t.equal(b.open, 1)
  t.same(seen, [1, 2, 1], 'the gauge follows each change')
})

t.test('a handle opened past the limit (a rotated file) is counted and keeps the budget full', async (t) => {
  const b = new OpenFileBudget(1)
  b.opened()
  b.opened()
  t.equal(b.open, 2)
  b.closed()
  t.ok(b.full, 'still at the limit after one of the two closed')
  b.closed()
  t.notOk(b.full)
})

t.test('closing a handle that was never counted is a bug and throws', async (t) => {
  const b = new OpenFileBudget(4)
  t.throws(() => b.closed(), /never counted/)
  t.equal(b.open, 0, 'the count does not go below zero')
  b.opened()
  b.closed()
  t.throws(() => b.closed(), /never counted/)
})

t.test('waiting paths come back longest waiting first, each once', async (t) => {
  const b = new OpenFileBudget(0)
  t.ok(b.full, 'max 0: every file waits')
  t.equal(b.next(), undefined, 'nothing waits yet')
  t.ok(b.wait('/a', true), 'new')
  t.ok(b.wait('/b', false), 'new')
  t.ok(b.wait('/c', true), 'new')
  t.equal(b.waiting, 3)
  t.same([...b.waitingPaths()], ['/a', '/b', '/c'])
  t.same(b.next(), { path: '/a', initial: true })
  t.same(b.next(), { path: '/b', initial: false })
  t.equal(b.waiting, 1)
  t.same([...b.waitingPaths()], ['/c'])
  t.same(b.next(), { path: '/c', initial: true })
  t.equal(b.next(), undefined, 'the list is empty')
  t.equal(b.waiting, 0)
})

t.test('a path that waits again keeps its place and takes the newer flag', async (t) => {
  const b = new OpenFileBudget(0)
  b.wait('/a', true)
  b.wait('/b', true)
  t.notOk(b.wait('/a', false), 'already waiting: not new (logged once)')
  t.equal(b.waiting, 2, 'no duplicate')
  t.same(b.next(), { path: '/a', initial: false }, 'first place kept, flag updated')
  t.same(b.next(), { path: '/b', initial: true })
})
