import t from 'tap'
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { ansiblePlaybook } from '../helpers/ansible.ts'

// The deployment files in configs/ are checked by the real tools that read
// them: haproxy -c for the load-balancer config, ansible-playbook
// --syntax-check for the playbook (ansible-core is installed from PyPI into
// a cached virtualenv when missing).

const root = join(import.meta.dirname, '..', '..')

function haproxyBin(): string {
  for (const p of ['/usr/sbin/haproxy', '/usr/bin/haproxy']) if (existsSync(p)) return p
  throw new Error('haproxy is not installed (apt-get install haproxy; .ci/run does it)')
}

t.test('configs/haproxy.cfg is valid for the real haproxy, with and without environment', async (t) => {
  const file = join(root, 'configs', 'haproxy.cfg')
  const plain = spawnSync(haproxyBin(), ['-c', '-f', file], { encoding: 'utf8' })
  t.equal(plain.status, 0, plain.stderr)
  const env = { ...process.env, LB_BIND: '127.0.0.1', LB_PORT: '15044', AGG1_HOST: '127.0.0.1', AGG1_PORT: '15045', AGG1_OPS_PORT: '15046', AGG2_HOST: '127.0.0.1', AGG2_PORT: '15047', AGG2_OPS_PORT: '15048' }
  const filled = spawnSync(haproxyBin(), ['-c', '-f', file], { encoding: 'utf8', env })
  t.equal(filled.status, 0, filled.stderr)
  const broken = spawnSync(haproxyBin(), ['-c', '-f', file], { encoding: 'utf8', env: { ...env, AGG1_PORT: 'notaport' } })
  t.not(broken.status, 0, 'a bad port from the environment is rejected')
})

t.test('configs/ansible/site.yml passes ansible-playbook --syntax-check', { timeout: 600_000 }, async (t) => {
  const playbook = ansiblePlaybook()
  const dir = join(root, 'configs', 'ansible')
  const res = spawnSync(playbook, ['-i', 'inventory.example.ini', 'site.yml', '--syntax-check'], { cwd: dir, encoding: 'utf8', env: { ...process.env, ANSIBLE_NOCOLOR: '1' } })
  t.equal(res.status, 0, res.stderr + res.stdout)
  t.match(res.stdout, /playbook: site\.yml/)
})
