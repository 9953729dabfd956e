import t from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { GrokLibrary } from '../../aggregator/stages/grok/library.ts'

// The families written to match logstash-patterns-core (their two modes differ
// in shape as Logstash's do, so families.test.ts does not cover them; their
// lines and fields are checked by grok-corpus.test.ts). Here: every name they
// define compiles in its mode without a backtracking warning, and a family
// file defines a name in ECS mode only where Logstash does (ZEEK_*).

const root = fileURLToPath(new URL('../../patterns/', import.meta.url))
const families = ['bro', 'nagios', 'shorewall', 'netscreen', 'junos', 'mcollective', 'citrixadc']
const ecsOnly = new Set(['ZEEK_HTTP', 'ZEEK_DNS', 'ZEEK_DNS_QUESTION', 'ZEEK_V', 'ZEEK_BOOL', 'BRO_F'])

const names = (mode: string, family: string): string[] =>
  readFileSync(`${root}${mode}/${family}.grok`, 'utf8').split('\n').flatMap((l) => /^([A-Za-z0-9_]+)[ \t]/.exec(l)?.[1] ?? [])

for (const [ecs, mode] of [['disabled', 'legacy'], ['v1', 'ecs-v1']] as const) {
  const lib = GrokLibrary.load({ ecs })
  t.test(`${mode}: every name compiles without a backtracking warning`, async (t) => {
    for (const family of families) {
      t.ok(existsSync(`${root}${mode}/${family}.grok`), `${mode}/${family}.grok exists`)
      for (const name of names(mode, family)) t.same(lib.compile(`%{${name}}`).warnings, [], `${mode} ${name}`)
    }
  })
}

t.test('both modes define the same top-level names, apart from the ECS-only Zeek layouts', async (t) => {
  for (const family of families) {
    const strip = (a: string[]): string[] => a.filter((n) => !ecsOnly.has(n)).sort()
    t.same(strip(names('ecs-v1', family)), strip(names('legacy', family)), family)
  }
})

t.test('ZEEK_DNS_QUESTION starts only at a field boundary', async (t) => {
  const lib = GrokLibrary.load({ ecs: 'v1' })
  const q = 'paypal.com\t1\tC_INTERNET\t48\tDNSKEY\t0\tNOERROR\tF\tF\tT\tT\t1\t-\t-\tF'
  t.same(lib.compile('%{ZEEK_DNS_QUESTION}').match(`x\t${q}`)?.dns, { question: { name: 'paypal.com', type: 'DNSKEY' }, response_code: 'NOERROR' })
  t.equal(lib.compile('%{ZEEK_DNS_QUESTION}').match('a'.repeat(5000)), null)
})
