import t from 'tap'
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { tlsMaterial } from '../helpers/tls.ts'
import { ansiblePlaybook } from '../helpers/ansible.ts'

// One install story, true end to end (issue 20 item 5): the Ansible role in
// configs/ansible is run for real (ansible-playbook on localhost, its file
// tasks: directories, TLS material, configuration with `validate:` running
// --check-config) into a scratch root; the rendered configs then pass both
// programs' --check-config, which reads the TLS files the role installed. The
// units pass systemd-analyze verify, and README, example configs, role and
// units agree on the group, the TLS file names and directory, the tarball
// layout and the inventory file name.

const root = join(import.meta.dirname, '..', '..')
const readme = readFileSync(join(root, 'README.md'), 'utf8')
const tlsNames = ['ca.pem', 'aggregator.pem', 'aggregator.key', 'forwarder.pem', 'forwarder.key']

t.test('the Ansible role lays down configs and TLS files that pass --check-config', { timeout: 600_000 }, async (t) => {
  const scratch = mkdtempSync(join(tmpdir(), 'logyard-role-'))
  t.teardown(() => rmSync(scratch, { recursive: true, force: true }))
  // The control machine's TLS directory, with the README's names.
  const m = tlsMaterial()
  const ctl = join(scratch, 'ctl-tls')
  mkdirSync(ctl)
  copyFileSync(m.caFile, join(ctl, 'ca.pem'))
  copyFileSync(m.serverCertFile, join(ctl, 'aggregator.pem'))
  copyFileSync(m.serverKeyFile, join(ctl, 'aggregator.key'))
  copyFileSync(m.clientCertFile, join(ctl, 'forwarder.pem'))
  copyFileSync(m.clientKeyFile, join(ctl, 'forwarder.key'))
  // An "installed release": the programs this checkout holds, under a scratch install dir.
  const install = join(scratch, 'opt', 'logyard')
  mkdirSync(install, { recursive: true })
  for (const entry of ['node_modules', 'forwarder', 'aggregator', 'core', 'patterns', 'package.json']) symlinkSync(join(root, entry), join(install, entry))
  const etc = join(scratch, 'etc', 'logyard')
  const data = join(scratch, 'var', 'lib', 'logyard')
  const playbook = join(scratch, 'play.yml')
  writeFileSync(playbook, [
    '- hosts: localhost',
    '  connection: local',
    '  gather_facts: false',
    '  roles:',
    '    - role: logyard',
    '      logyard_component: "{{ component }}"',
    '',
  ].join('\n'))
  const user = process.getuid?.() === 0 ? 'root' : String(process.getuid?.())
  for (const component of ['forwarder', 'aggregator']) {
    const vars = {
      component,
      logyard_install_dir: install,
      logyard_config_dir: etc,
      logyard_data_dir: data,
      logyard_tls_dir: ctl,
      logyard_user: user,
      logyard_group: user,
      logyard_manage_service: false,
      logyard_aggregator_address: '127.0.0.1:5044',
      logyard_elasticsearch_url: 'http://127.0.0.1:9200',
      ansible_python_interpreter: '/usr/bin/python3',
    }
    const r = spawnSync(ansiblePlaybook(), ['-i', 'localhost,', playbook, '--tags', 'logyard_files', '-e', JSON.stringify(vars)], {
      encoding: 'utf8',
      timeout: 300_000,
      env: { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_ROLES_PATH: join(root, 'configs', 'ansible', 'roles'), ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_INVENTORY_UNPARSED_WARNING: 'false' },
    })
    if (r.status !== 0) t.comment(r.stdout.slice(-3000) + r.stderr.slice(-2000))
    t.equal(r.status, 0, `${component}: the role ran (its validate: ran --check-config)`)
    t.match(r.stdout, /failed=0/)
    const config = join(etc, `${component}.yml`)
    t.ok(existsSync(config), `${component}.yml rendered`)
    for (const name of [`${component}.pem`, `${component}.key`, 'ca.pem']) {
      const st = statSync(join(etc, 'tls', name))
      t.equal(st.mode & 0o777, 0o640, `tls/${name}: mode 0640 as in the README`)
    }
    const text = readFileSync(config, 'utf8')
    for (const name of [`${component}.pem`, `${component}.key`, 'ca.pem']) t.match(text, `${etc}/tls/${name}`, `${component}.yml names tls/${name}`)
    // The rendered file, checked again by the real CLI (the same command as the unit's ExecStartPre).
    const check = spawnSync(process.execPath, [join(root, 'bin', `logyard-${component}.js`), '--config', config, '--check-config'], { encoding: 'utf8', timeout: 60_000 })
    t.equal(check.status, 0, `${component} --check-config: ${check.stderr}`)
    t.match(check.stdout, /configuration ok/)
  }
  // The same role output with a broken key is refused by --check-config (exit 2, naming the key).
  writeFileSync(join(etc, 'tls', 'forwarder.key'), 'not a key\n')
  const broken = spawnSync(process.execPath, [join(root, 'bin', 'logyard-forwarder.js'), '--config', join(etc, 'forwarder.yml'), '--check-config'], { encoding: 'utf8', timeout: 60_000 })
  t.equal(broken.status, 2)
  t.match(broken.stderr, /LY_CONFIG: output\.tls\.key: /)
})

t.test('both units pass systemd-analyze verify, run as user and group logyard', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'logyard-units-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  for (const component of ['forwarder', 'aggregator']) {
    const text = readFileSync(join(root, 'configs', `logyard-${component}.service`), 'utf8')
    t.match(text, /^User=logyard$/m)
    t.match(text, /^Group=logyard$/m, `${component}: Group=logyard, the group the README creates`)
    t.match(text, /^RestartPreventExitStatus=2$/m, `${component}: a bad config is not restarted`)
    // verify checks that ExecStart exists: point it at this checkout's Node 24.
    const unit = text.replaceAll('/opt/logyard/node_modules/node/bin/node', process.execPath).replaceAll('/opt/logyard/', `${root}/`)
    const file = join(dir, `logyard-${component}.service`)
    writeFileSync(file, unit)
    const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8', timeout: 30_000 })
    t.equal(r.status, 0, r.stderr)
    t.notMatch(r.stderr, new RegExp(`logyard-${component}\\.service`), 'no complaints about the unit')
  }
  t.match(readFileSync(join(root, 'configs', 'logyard-forwarder.service'), 'utf8'), /^SupplementaryGroups=adm$/m)
  t.match(readFileSync(join(root, 'configs', 'logyard-aggregator.service'), 'utf8'), /^CapabilityBoundingSet=CAP_NET_BIND_SERVICE$/m)
})

t.test('README, example configs, role and units tell one install story', async (t) => {
  // Group and user.
  t.match(readme, /groupadd --system logyard/, 'the README creates group logyard')
  t.match(readme, /useradd --system --gid logyard /, 'the user is in it')
  t.notMatch(readme, /--gid adm/, 'not the old adm-only user')
  // TLS: one directory, one set of names, everywhere.
  const tlsPaths = (text: string): string[] => [...text.matchAll(/\/etc\/logyard\/([\w./-]+\.(?:pem|key))/g)].map((x) => x[1]!)
  const sources: Record<string, string> = {
    'configs/forwarder.yml': readFileSync(join(root, 'configs', 'forwarder.yml'), 'utf8'),
    'configs/aggregator.yml': readFileSync(join(root, 'configs', 'aggregator.yml'), 'utf8'),
    'README.md': readme,
  }
  for (const [name, text] of Object.entries(sources)) {
    const paths = tlsPaths(text)
    t.ok(paths.length > 0, `${name} names TLS files`)
    for (const p of paths) t.ok(p.startsWith('tls/') && tlsNames.includes(p.slice(4)), `${name}: /etc/logyard/${p} is one of /etc/logyard/tls/{${tlsNames.join(',')}}`)
  }
  const role = join(root, 'configs', 'ansible', 'roles', 'logyard')
  for (const tpl of ['forwarder.yml.j2', 'aggregator.yml.j2']) {
    const text = readFileSync(join(role, 'templates', tpl), 'utf8')
    const names = [...text.matchAll(/\{\{ logyard_config_dir \}\}\/([\w./-]+\.(?:pem|key))/g)].map((x) => x[1]!)
    t.ok(names.length >= 3, `${tpl} names its TLS files`)
    for (const n of names) t.ok(n.startsWith('tls/') && tlsNames.includes(n.slice(4)), `${tpl}: ${n}`)
  }
  t.match(readme, /"TLS with openssl"|TLS with openssl/)
  for (const n of tlsNames) t.match(readme, n, `README names ${n}`)
  // The tarball: the README makes it without a prefix directory; the role strips nothing.
  const tasks = readFileSync(join(role, 'tasks', 'main.yml'), 'utf8')
  t.notMatch(tasks, /strip-components/, 'the role unpacks the documented tarball as it is')
  t.match(readme, /git archive --format=tar\.gz -o logyard\.tar\.gz HEAD/)
  t.notMatch(readme, /git archive[^\n]*--prefix/)
  // The inventory file the README runs exists, or is made from the example first.
  t.ok(existsSync(join(root, 'configs', 'ansible', 'inventory.example.ini')))
  t.match(readme, /cp inventory\.example\.ini inventory\.ini/, 'the README makes inventory.ini before -i inventory.ini')
  // No "no capabilities" claim for the aggregator, which has CAP_NET_BIND_SERVICE.
  t.notMatch(readme, /hardening \([^)]*no capabilities/)
})
