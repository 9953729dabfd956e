import t from 'tap'
import { spawnSync } from 'node:child_process'
import { appendFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfigFile } from '../../core/config/load.ts'
import { forwarderSpec } from '../../forwarder/config.ts'
import { tmpDir } from './helpers.ts'
import { Receiver, lines, mainTs, nodeBin, repoRoot, spawnForwarder, until, writeConfig } from './process-helpers.ts'

t.test('--version, --help, --check-config (exit 0 / 2)', async (t) => {
  const dir = tmpDir(t)
  const run = (...args: string[]) => spawnSync(nodeBin, [mainTs, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 20_000 })
  const v = run('--version')
  t.equal(v.status, 0)
  t.match(v.stdout, /^logyard-forwarder \d+\.\d+\.\d+/)
  const h = run('--help')
  t.equal(h.status, 0)
  t.match(h.stdout, /inputs\[\]\.multiline\.pattern/)
  const good = writeConfig(dir, { data_dir: dir, inputs: [{ paths: ['/var/log/*.log'] }], output: { hosts: ['127.0.0.1:5044'] } })
  const ok = run('--config', good, '--check-config')
  t.equal(ok.status, 0, ok.stderr)
  const bad = writeConfig(dir, { data_dir: dir, inputs: [{ paths: ['/var/log/*.log'], read_fron: 'end' }], output: { hosts: ['127.0.0.1:5044'] } }, 'bad.yml')
  const b = run('--config', bad, '--check-config')
  t.equal(b.status, 2)
  t.match(b.stderr, /LY_CONFIG: inputs\[0\]\.read_fron: unknown key; did you mean "read_from"\?/)
  const bare = writeConfig(dir, { data_dir: dir, inputs: [{ paths: ['/var/log/*.log'] }], output: { hosts: ['127.0.0.1:5044'], timeout: 30 } }, 'bare.yml')
  const bd = run('--config', bare, '--check-config')
  t.equal(bd.status, 2, 'a duration without a unit is refused')
  t.match(bd.stderr, /LY_CONFIG: output\.timeout: needs a unit: write 30s for 30 seconds/)
  const rel = writeConfig(dir, { inputs: [{ paths: ['relative/*.log'] }], output: { hosts: ['x:1'] } }, 'rel.yml')
  t.equal(run('--config', rel, '--check-config').status, 2)
  t.equal(run('--config', join(dir, 'missing.yml')).status, 2)
})

t.test('the example config validates', async (t) => {
  const c = loadConfigFile(forwarderSpec, join(repoRoot, 'configs/forwarder.yml'), { LOGYARD_AGGREGATOR: 'agg:5044' })
  t.equal(c.output.hosts[0], 'agg:5044')
  t.equal(c.inputs[1]?.multiline?.pattern, '^\\s')
})

t.test('the systemd unit passes systemd-analyze verify', async (t) => {
  const dir = tmpDir(t)
  // verify checks that ExecStart exists: point it at this checkout's Node 24.
  const unit = readFileSync(join(repoRoot, 'configs/logyard-forwarder.service'), 'utf8')
    .replaceAll('/opt/logyard/node_modules/node/bin/node', process.execPath)
    .replaceAll('/opt/logyard/', repoRoot)
  t.match(unit, /^ProtectSystem=strict$/m)
  t.match(unit, /^ReadWritePaths=\/var\/lib\/logyard$/m)
  t.match(unit, /^CapabilityBoundingSet=$/m)
  t.match(unit, /^Restart=on-failure$/m)
  t.match(unit, /^RestartPreventExitStatus=2$/m, 'a bad configuration (exit 2) is not restarted')
  t.match(unit, /^User=logyard$/m)
  t.match(unit, /^Group=logyard$/m)
  t.match(unit, /^SupplementaryGroups=adm$/m, 'reads /var/log through group adm')
  const file = join(dir, 'logyard-forwarder.service')
  writeFileSync(file, unit)
  const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8', timeout: 30_000 })
  t.equal(r.status, 0, r.stderr)
  t.notMatch(r.stderr, /logyard-forwarder\.service/, 'no complaints about the unit')
})

t.test('ships over TLS to the real Lumberjack server; SIGTERM drains, writes the registry, exits 0; ops endpoint', async (t) => {
  const dir = tmpDir(t)
  const rx = new Receiver(true)
  await rx.start(0)
  t.teardown(() => rx.stop())
  const f = join(dir, 'app.log')
  writeFileSync(f, lines('hello', 0, 500))
  const data = join(dir, 'data')
  const cfg = writeConfig(dir, {
    data_dir: data,
    name: 'fwd-test',
    inputs: [{ paths: [join(dir, '*.log')], read_from: 'beginning' }],
    output: rx.output({ batch_size: 100 }),
    http: { listen: '127.0.0.1:0' },
  })
  const fw = spawnForwarder(['--config', cfg])
  t.teardown(() => fw.child.kill('SIGKILL'))
  await until(() => rx.events.length >= 500, 20_000, '500 events')
  appendFileSync(f, lines('hello', 500, 600))
  await until(() => rx.events.length >= 600, 20_000, '600 events')
  t.same(rx.messages(), Array.from({ length: 600 }, (_, i) => `hello ${i}`), 'in order, exactly once')
  t.equal(rx.events[1]!.offset, 8)
  t.equal(rx.events[0]!.path, f)
  const listening = fw.logs().find((l) => l.msg === 'http ops endpoint listening')
  t.ok(listening, 'ops endpoint logged')
  const base = `http://${listening!.listen}`
  const health = await fetch(`${base}/healthz`)
  t.equal(health.status, 200)
  const metrics = await (await fetch(`${base}/metrics`)).text()
  t.match(metrics, /logyard_forwarder_events_acked_total 600/)
  t.match(metrics, /logyard_forwarder_lines_read_total 600/)
  t.match(metrics, /logyard_forwarder_files_open 1/)
  t.match(metrics, /logyard_forwarder_registry_writes_total \d+/)
  t.match(metrics, /logyard_forwarder_errors_total\{code="LY_IO"\} 0/)
  fw.child.kill('SIGTERM')
  t.equal(await fw.exited, 0, 'exit 0 after SIGTERM')
  const reg = JSON.parse(readFileSync(join(data, 'registry.json'), 'utf8'))
  t.equal(reg.files.length, 1)
  t.equal(reg.files[0].offset, statSync(f).size)
  t.equal(reg.files[0].path, f)
  t.ok(fw.logs().some((l) => l.msg === 'forwarder stopped' && l.drained === true))
  const agent = JSON.parse(readFileSync(join(data, 'agent.json'), 'utf8'))
  t.match(agent.id, /^[0-9a-f-]{36}$/)
})

t.test('a corrupt registry is kept aside, logged, and reading starts from read_from', async (t) => {
  const dir = tmpDir(t)
  const rx = new Receiver(false)
  await rx.start(0)
  t.teardown(() => rx.stop())
  const data = join(dir, 'data')
  mkdirSync(data)
  writeFileSync(join(data, 'registry.json'), '{"version":1,"files":[{"key":')
  const f = join(dir, 'x.log')
  writeFileSync(f, lines('c', 0, 10))
  const cfg = writeConfig(dir, { data_dir: data, inputs: [{ paths: [f], read_from: 'beginning' }], output: rx.output() })
  const fw = spawnForwarder(['--config', cfg])
  t.teardown(() => fw.child.kill('SIGKILL'))
  await until(() => rx.events.length >= 10, 20_000, 'events despite corrupt registry')
  const logged = fw.logs().find((l) => l.msg === 'registry corrupt')
  t.equal(logged?.code, 'LY_CHECKPOINT')
  t.ok(readdirSync(data).some((n) => /^registry\.json\.corrupt-/.test(n)), 'corrupt file kept aside')
  fw.child.kill('SIGTERM')
  t.equal(await fw.exited, 0)
  t.ok(existsSync(join(data, 'registry.json')))
  t.equal(JSON.parse(readFileSync(join(data, 'registry.json'), 'utf8')).files[0].offset, statSync(f).size)
})

t.test('LOGYARD_LOG_LEVEL overrides logging.level: debug lines with =debug; =bogus exits 2 naming the variable', async (t) => {
  const dir = tmpDir(t)
  const rx = new Receiver(false)
  await rx.start(0)
  t.teardown(() => rx.stop())
  for (const name of ['a.log', 'b.log']) writeFileSync(join(dir, name), lines(name, 0, 5))
  // The file says error; only the variable can bring out debug and info lines.
  // max_open_files: 1 with two files makes the tailer log its debug line
  // "max_open_files reached; file waits".
  const cfg = writeConfig(dir, { data_dir: join(dir, 'data'), max_open_files: 1, inputs: [{ paths: [join(dir, '*.log')], read_from: 'beginning' }], output: rx.output(), logging: { level: 'error' } })
  const fw = spawnForwarder(['--config', cfg], { env: { LOGYARD_LOG_LEVEL: 'debug' } })
  t.teardown(() => fw.child.kill('SIGKILL'))
  const waits = await until(() => fw.logs().find((l) => l.msg === 'max_open_files reached; file waits'), 30_000, 'the debug line')
  t.equal(waits.level, 'debug')
  t.ok(fw.logs().some((l) => l.level === 'info'), 'info lines too')
  fw.child.kill('SIGTERM')
  t.equal(await fw.exited, 0)

  const run = (env: NodeJS.ProcessEnv, ...args: string[]) => spawnSync(nodeBin, [mainTs, '--config', cfg, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 20_000, env: { ...process.env, ...env } })
  for (const args of [['--check-config'], []]) {
    const bad = run({ LOGYARD_LOG_LEVEL: 'bogus' }, ...args)
    t.equal(bad.status, 2, `exit 2 (${args.join(' ') || 'start'})`)
    t.match(bad.stderr, /LY_CONFIG: LOGYARD_LOG_LEVEL \(overrides logging\.level\): must be one of "trace", "debug", "info", "warn", "error", "fatal", "silent", got string "bogus"/)
  }
  t.equal(run({ LOGYARD_LOG_LEVEL: 'warn' }, '--check-config').status, 0, 'a valid level passes --check-config')
})
