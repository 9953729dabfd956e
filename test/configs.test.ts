import t from 'tap'
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseConfig } from '../core/config/load.ts'
import { forwarderSpec } from '../forwarder/config.ts'
import { parseAggregatorConfig } from '../aggregator/config.ts'
import { buildPipeline } from '../aggregator/pipeline/pipeline.ts'
import { silentLogger } from '../core/logger.ts'
import { MetricsRegistry } from '../core/metrics.ts'

// Every example in configs/ must stay valid: forwarder files against the
// forwarder's table, aggregator files against the aggregator's (including
// compiling the pipeline, every grok pattern), systemd units through
// `systemd-analyze verify`. The environment is empty so ${VAR:default}
// defaults are what gets checked.

const dir = join(import.meta.dirname, '..', 'configs')
const ymls = readdirSync(dir).filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'))
const units = readdirSync(dir).filter((f) => f.endsWith('.service'))

t.test('there are example configs for both programs', async (t) => {
  t.ok(ymls.some((f) => f.startsWith('forwarder')), 'a forwarder example')
  t.ok(ymls.some((f) => f.startsWith('aggregator')), 'an aggregator example')
})

t.test('every configs/*.yml validates with its program\'s spec', async (t) => {
  for (const f of ymls) {
    const text = readFileSync(join(dir, f), 'utf8')
    if (f.startsWith('forwarder')) {
      const cfg = parseConfig(forwarderSpec, text, f, {})
      t.ok(cfg.inputs.length > 0, `${f}: forwarder config with inputs`)
    } else if (f.startsWith('aggregator')) {
      const { config, stages } = parseAggregatorConfig(text, f, {})
      t.ok(config.inputs.beats, `${f}: beats input configured`)
      t.ok(stages.length > 0, `${f}: has a pipeline`)
      const pipeline = await buildPipeline(stages, { logger: silentLogger(), metrics: new MetricsRegistry(), patternsDir: config.patterns_dir })
      await pipeline.close()
      t.pass(`${f}: pipeline compiles`)
    } else {
      t.fail(`${f}: name it forwarder*.yml or aggregator*.yml so this test knows its spec`)
    }
  }
})

t.test('systemd units pass systemd-analyze verify', async (t) => {
  t.ok(units.length > 0, 'units present')
  for (const u of units) {
    // verify also checks that Exec* binaries exist on this host; a program
    // under the install prefix /opt/logyard cannot exist on a build machine,
    // so exactly that complaint is set aside — every other finding fails.
    let stderr = ''
    let status = 0
    try {
      execFileSync('systemd-analyze', ['verify', join(dir, u)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    } catch (err) {
      const e = err as { stderr?: string; status?: number }
      stderr = e.stderr ?? ''
      status = e.status ?? 1
    }
    const findings = stderr.split('\n').filter((l) => l.trim() !== '' && !/^\S+: Command \/opt\/logyard\/\S+ is not executable: No such file or directory$/.test(l.trim()))
    t.same(findings, [], `${u}: systemd-analyze verify (exit ${status}) reports nothing else`)
    const text = readFileSync(join(dir, u), 'utf8')
    t.match(text, /^Restart=on-failure$/m, `${u}: restarts on failure`)
    t.match(text, /^User=(?!root)\w+/m, `${u}: runs as a dedicated user`)
    t.match(text, /^ReadWritePaths=\/var\/lib\/logyard/m, `${u}: writes only its state dir`)
  }
  for (const u of units) {
    const text = readFileSync(join(dir, u), 'utf8')
    t.match(text, /^ExecStart=\/opt\/logyard\/node_modules\/node\/bin\/node /m, `${u}: runs the pinned Node 24 from the install`)
    t.match(text, /^ExecStartPre=.* --check-config$/m, `${u}: checks the config before starting`)
  }
})
