import t from 'tap'
import { GrokLibrary } from '../../aggregator/stages/grok/library.ts'

// bind family: BIND 9 query log lines.
// Each case asserts the exact captures in both naming modes: legacy field names
// (ecs_compatibility disabled) and ECS field names (v1).

const legacy = GrokLibrary.load({ ecs: 'disabled' })
const ecs = GrokLibrary.load({ ecs: 'v1' })

t.test('BIND9: 9.11+ line with category, severity and client object id', (t) => {
  const line = '22-Nov-2026 04:00:00.123 queries: info: client @0x7f3a2c001234 192.0.2.10#53211 (www.example.com): query: www.example.com IN A +E(0)K (192.0.2.53)'
  t.strictSame(legacy.compile('%{BIND9}').match(line), {
    timestamp: '22-Nov-2026 04:00:00.123',
    category: 'queries',
    loglevel: 'info',
    clientip: '192.0.2.10',
    clientport: '53211',
    query: ['www.example.com', 'www.example.com'],
    query_class: 'IN',
    querytype: 'A +E(0)K',
    dns: '192.0.2.53',
  })
  t.strictSame(ecs.compile('%{BIND9}').match(line), {
    timestamp: '22-Nov-2026 04:00:00.123',
    bind: {
      log: {
        category: 'queries',
        question: {
          name: 'www.example.com',
          flags: '+E(0)K',
        },
      },
    },
    log: {
      level: 'info',
    },
    client: {
      ip: '192.0.2.10',
      port: 53211,
    },
    dns: {
      question: {
        name: 'www.example.com',
        class: 'IN',
        type: 'A',
      },
    },
    server: {
      ip: '192.0.2.53',
    },
  })
  t.end()
})

t.test('BIND9_QUERYLOG: 9.9 line without category/severity, IPv6, view', (t) => {
  const line = '22-Nov-2026 04:00:01.456 client 2001:db8::10#40123 (example.org): view internal: query: example.org IN AAAA +ED (2001:db8::53)'
  t.strictSame(legacy.compile('%{BIND9_QUERYLOG}').match(line), {
    timestamp: '22-Nov-2026 04:00:01.456',
    clientip: '2001:db8::10',
    clientport: '40123',
    view: 'internal',
    query: ['example.org', 'example.org'],
    query_class: 'IN',
    querytype: 'AAAA +ED',
    dns: '2001:db8::53',
  })
  t.strictSame(ecs.compile('%{BIND9_QUERYLOG}').match(line), {
    timestamp: '22-Nov-2026 04:00:01.456',
    client: {
      ip: '2001:db8::10',
      port: 40123,
    },
    bind: {
      log: {
        question: {
          name: 'example.org',
          flags: '+ED',
        },
        view: 'internal',
      },
    },
    dns: {
      question: {
        name: 'example.org',
        class: 'IN',
        type: 'AAAA',
      },
    },
    server: {
      ip: '2001:db8::53',
    },
  })
  t.end()
})

t.test('BIND9: a zone load line does not match', (t) => {
  const line = '22-Nov-2026 04:00:00.123 general: info: zone example.com/IN: loaded serial 2026112201'
  t.strictSame(legacy.compile('%{BIND9}').match(line), null)
  t.strictSame(ecs.compile('%{BIND9}').match(line), null)
  t.end()
})
