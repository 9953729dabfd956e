import t from 'tap'
import { GrokLibrary } from '../../aggregator/stages/grok/library.ts'

// squid family: the native access.log format.
// Each case asserts the exact captures in both naming modes: legacy field names
// (ecs_compatibility disabled) and ECS field names (v1).

const legacy = GrokLibrary.load({ ecs: 'disabled' })
const ecs = GrokLibrary.load({ ecs: 'v1' })

t.test('SQUID3: cache miss', (t) => {
  const line = '1763784000.123    245 192.0.2.10 TCP_MISS/200 1543 GET http://example.com/index.html - HIER_DIRECT/93.184.216.34 text/html'
  t.strictSame(legacy.compile('%{SQUID3}').match(line), {
    timestamp: '1763784000.123',
    duration: '245',
    client_address: '192.0.2.10',
    cache_result: 'TCP_MISS',
    status_code: '200',
    bytes: '1543',
    request_method: 'GET',
    url: 'http://example.com/index.html',
    user: '-',
    hierarchy_code: 'HIER_DIRECT',
    server: '93.184.216.34',
    content_type: 'text/html',
  })
  t.strictSame(ecs.compile('%{SQUID3}').match(line), {
    timestamp: '1763784000.123',
    squid: {
      request: {
        duration: 245,
        content_type: 'text/html',
      },
      hierarchy_code: 'HIER_DIRECT',
    },
    source: {
      ip: '192.0.2.10',
    },
    event: {
      action: 'TCP_MISS',
    },
    http: {
      response: {
        status_code: 200,
        bytes: 1543,
      },
      request: {
        method: 'GET',
      },
    },
    url: {
      original: 'http://example.com/index.html',
    },
    destination: {
      address: '93.184.216.34',
    },
  })
  t.end()
})

t.test('SQUID3: CONNECT tunnel by an authenticated user', (t) => {
  const line = '1763784001.456  60012 192.0.2.11 TCP_TUNNEL/200 48213 CONNECT www.example.org:443 alice HIER_DIRECT/www.example.org -'
  t.strictSame(legacy.compile('%{SQUID3}').match(line), {
    timestamp: '1763784001.456',
    duration: '60012',
    client_address: '192.0.2.11',
    cache_result: 'TCP_TUNNEL',
    status_code: '200',
    bytes: '48213',
    request_method: 'CONNECT',
    url: 'www.example.org:443',
    user: 'alice',
    hierarchy_code: 'HIER_DIRECT',
    server: 'www.example.org',
    content_type: '-',
  })
  t.strictSame(ecs.compile('%{SQUID3}').match(line), {
    timestamp: '1763784001.456',
    squid: {
      request: {
        duration: 60012,
        content_type: '-',
      },
      hierarchy_code: 'HIER_DIRECT',
    },
    source: {
      ip: '192.0.2.11',
    },
    event: {
      action: 'TCP_TUNNEL',
    },
    http: {
      response: {
        status_code: 200,
        bytes: 48213,
      },
      request: {
        method: 'CONNECT',
      },
    },
    url: {
      original: 'www.example.org:443',
    },
    user: {
      name: 'alice',
    },
    destination: {
      address: 'www.example.org',
    },
  })
  t.end()
})

t.test('SQUID3: denied request, no peer', (t) => {
  const line = '1763784002.789      0 192.0.2.12 TCP_DENIED/403 3924 GET http://blocked.example/ - HIER_NONE/- text/html'
  t.strictSame(legacy.compile('%{SQUID3}').match(line), {
    timestamp: '1763784002.789',
    duration: '0',
    client_address: '192.0.2.12',
    cache_result: 'TCP_DENIED',
    status_code: '403',
    bytes: '3924',
    request_method: 'GET',
    url: 'http://blocked.example/',
    user: '-',
    hierarchy_code: 'HIER_NONE',
    content_type: 'text/html',
  })
  t.strictSame(ecs.compile('%{SQUID3}').match(line), {
    timestamp: '1763784002.789',
    squid: {
      request: {
        duration: 0,
        content_type: 'text/html',
      },
      hierarchy_code: 'HIER_NONE',
    },
    source: {
      ip: '192.0.2.12',
    },
    event: {
      action: 'TCP_DENIED',
    },
    http: {
      response: {
        status_code: 403,
        bytes: 3924,
      },
      request: {
        method: 'GET',
      },
    },
    url: {
      original: 'http://blocked.example/',
    },
  })
  t.end()
})

t.test('SQUID3: a combined-log line does not match', (t) => {
  const line = '192.0.2.10 - - [22/Nov/2026:04:00:00 +0000] "GET / HTTP/1.1" 200 512'
  t.strictSame(legacy.compile('%{SQUID3}').match(line), null)
  t.strictSame(ecs.compile('%{SQUID3}').match(line), null)
  t.end()
})
