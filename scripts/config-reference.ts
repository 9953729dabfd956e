// Generates the README's configuration reference from the programs' option
// tables (the same tables that validate configs and print --help).
//
//   node scripts/config-reference.ts           rewrite README.md in place
//   node scripts/config-reference.ts --check   exit 1 if README.md is stale

import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { docMarkdown } from '../core/config/schema.ts'
import { forwarderSpec } from '../forwarder/config.ts'
import { aggregatorSpec } from '../aggregator/config.ts'
import { stageComponents } from '../aggregator/stages/index.ts'

const begin = '<!-- config-reference:begin -->'
const end = '<!-- config-reference:end -->'

export function configReference(): string {
  const parts = [
    '### logyard-forwarder (`forwarder.yml`)',
    '',
    docMarkdown(forwarderSpec),
    '',
    '### logyard-aggregator (`aggregator.yml`)',
    '',
    docMarkdown(aggregatorSpec),
    '',
    '### Pipeline stages',
    '',
    'Each item of `pipeline` is `{when: <condition>, <stage>: <options>}`; the options per stage:',
  ]
  for (const stage of Object.values(stageComponents)) {
    parts.push('', `#### \`${stage.type}\``, '', docMarkdown(stage.spec))
  }
  return parts.join('\n')
}

export function readmeWithReference(readme: string): string {
  const block = `${begin}\n${configReference()}\n${end}`
  if (!readme.includes(begin)) throw new Error(`README.md has no ${begin} marker`)
  return readme.replace(new RegExp(`${begin}[\\s\\S]*?${end}`), () => block)
}

if (import.meta.main) {
  const file = join(import.meta.dirname, '..', 'README.md')
  const current = readFileSync(file, 'utf8')
  const next = readmeWithReference(current)
  if (process.argv.includes('--check')) {
    if (next !== current) {
      process.stderr.write('README.md configuration reference is stale: run node scripts/config-reference.ts\n')
      process.exit(1)
    }
  } else {
    writeFileSync(file, next)
  }
}
