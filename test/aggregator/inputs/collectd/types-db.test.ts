import { test } from 'tap'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defaultTypesDbPath, loadTypesDb, parseTypesDb } from '../../../../aggregator/inputs/collectd/types-db.ts'
import { LogyardError } from '../../../../core/errors.ts'

test('parses names and kinds, trailing commas, tabs and comments', async (t) => {
  const { db, problems } = parseTypesDb('# comment\n\nload\tshortterm:GAUGE:0:5000, midterm:GAUGE:0:5000, longterm:GAUGE:0:5000\nif_octets rx:DERIVE:0:U, tx:derive:0:U\n')
  t.same(problems, [])
  t.same(db.get('load'), { type: 'load', names: ['shortterm', 'midterm', 'longterm'], kinds: ['GAUGE', 'GAUGE', 'GAUGE'] })
  t.same(db.get('if_octets')?.kinds, ['DERIVE', 'DERIVE'])
})

test('bad lines are reported and skipped', async (t) => {
  const { db, problems } = parseTypesDb('lonely\nbad value:GAUGE:0\nworse value:FLOAT:0:U\nok value:GAUGE:U:U\n')
  t.same([...db.keys()], ['ok'])
  t.same(problems.map((p) => p.line), [1, 2, 3])
})

test('later files override earlier ones', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'typesdb-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'a.db'), 'thing value:GAUGE:0:U\nother value:GAUGE:0:U\n')
  writeFileSync(join(dir, 'b.db'), 'thing in:DERIVE:0:U, out:DERIVE:0:U\n')
  const { db } = loadTypesDb([join(dir, 'a.db'), join(dir, 'b.db')])
  t.same(db.get('thing')?.names, ['in', 'out'])
  t.ok(db.has('other'))
  let caught: unknown
  try {
    loadTypesDb([join(dir, 'missing.db')])
  } catch (err) {
    caught = err
  }
  t.ok(LogyardError.is(caught) && caught.code === 'LY_CONFIG' && /missing\.db/.test(caught.message), 'a missing file is a config error naming the file')
})

test("the system's types.db (collectd-core) loads cleanly", async (t) => {
  t.ok(existsSync(defaultTypesDbPath), 'collectd-core is installed (apt-get install -y collectd-core)')
  const { db, problems } = loadTypesDb([defaultTypesDbPath])
  t.same(problems, [])
  t.ok(db.size > 300)
  t.same(db.get('if_octets')?.names, ['rx', 'tx'])
  t.same(db.get('load')?.names, ['shortterm', 'midterm', 'longterm'])
})
