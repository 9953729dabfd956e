import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

// ansible-core from PyPI in a venv under the cache dir (LOGYARD_CACHE, default
// ~/.cache/logyard); .ci/run installs it before the tests, so two test files
// never build it at the same time on a fresh machine.

export function ansiblePlaybook(): string {
  const cache = process.env.LOGYARD_CACHE ?? join(homedir(), '.cache', 'logyard')
  const venv = join(cache, 'ansible-venv')
  const playbook = join(venv, 'bin', 'ansible-playbook')
  if (!existsSync(playbook)) {
    mkdirSync(cache, { recursive: true })
    execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' })
    execFileSync(join(venv, 'bin', 'pip'), ['install', '-q', 'ansible-core'], { stdio: 'inherit' })
  }
  return playbook
}
