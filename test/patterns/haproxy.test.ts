import t from 'tap'
import { GrokLibrary } from '../../aggregator/stages/grok/library.ts'

// haproxy family: option httplog and option tcplog lines as syslog receives them.
// Each case asserts the exact captures in both naming modes: legacy field names
// (ecs_compatibility disabled) and ECS field names (v1).

const legacy = GrokLibrary.load({ ecs: 'disabled' })
const ecs = GrokLibrary.load({ ecs: 'v1' })

t.test('HAPROXYHTTP: full httplog line with captured request headers', (t) => {
  const line = 'Nov 22 04:00:00 lb1 haproxy[1234]: 10.0.0.5:51234 [22/Nov/2026:04:00:00.123] www-https~ app/web1 0/0/1/12/13 200 1543 - - ---- 10/8/2/1/0 0/0 {example.com|Mozilla/5.0} {} "GET /index.html?lang=en HTTP/1.1"'
  t.strictSame(legacy.compile('%{HAPROXYHTTP}').match(line), {
    syslog_timestamp: 'Nov 22 04:00:00',
    syslog_server: 'lb1',
    program: 'haproxy',
    pid: '1234',
    client_ip: '10.0.0.5',
    client_port: '51234',
    accept_date: '22/Nov/2026:04:00:00.123',
    frontend_name: 'www-https~',
    backend_name: 'app',
    server_name: 'web1',
    time_request: '0',
    time_queue: '0',
    time_backend_connect: '1',
    time_backend_response: '12',
    time_duration: '13',
    http_status_code: '200',
    bytes_read: '1543',
    captured_request_cookie: '-',
    captured_response_cookie: '-',
    termination_state: '----',
    actconn: '10',
    feconn: '8',
    beconn: '2',
    srvconn: '1',
    retries: '0',
    srv_queue: '0',
    backend_queue: '0',
    captured_request_headers: 'example.com|Mozilla/5.0',
    http_verb: 'GET',
    http_request: '/index.html?lang=en',
    http_version: '1.1',
  })
  t.strictSame(ecs.compile('%{HAPROXYHTTP}').match(line), {
    timestamp: 'Nov 22 04:00:00',
    host: {
      hostname: 'lb1',
    },
    process: {
      name: 'haproxy',
      pid: 1234,
    },
    source: {
      address: '10.0.0.5',
      port: 51234,
    },
    haproxy: {
      request_date: '22/Nov/2026:04:00:00.123',
      frontend_name: 'www-https~',
      backend_name: 'app',
      server_name: 'web1',
      http: {
        request: {
          time_wait_ms: 0,
          time_wait_without_data_ms: 12,
          captured_headers: 'example.com|Mozilla/5.0',
        },
      },
      total_waiting_time_ms: 0,
      connection_wait_time_ms: 1,
      total_time_ms: '13',
      bytes_read: 1543,
      termination_state: '----',
      connections: {
        active: 10,
        frontend: 8,
        backend: 2,
        server: 1,
        retries: 0,
      },
      server_queue: 0,
      backend_queue: 0,
    },
    http: {
      response: {
        status_code: 200,
      },
      request: {
        method: 'GET',
      },
      version: '1.1',
    },
    url: {
      original: '/index.html?lang=en',
      path: '/index.html',
      query: 'lang=en',
    },
  })
  t.end()
})

t.test('HAPROXYHTTP: RFC 3339 timestamp, IPv6 client, absolute URI, 504 with -1 timer', (t) => {
  const line = '2026-11-22T04:00:00.456789+00:00 lb1 haproxy[1234]: 2001:db8::5:40000 [22/Nov/2026:04:00:00.456] fe-h2~ be_api/api2 0/0/0/-1/5003 504 198 - - sHNN 3/3/1/1/0 0/0 "POST https://api.example.com:8443/v1/orders?dry=1 HTTP/2.0"'
  t.strictSame(legacy.compile('%{HAPROXYHTTP}').match(line), {
    timestamp8601: '2026-11-22T04:00:00.456789+00:00',
    syslog_server: 'lb1',
    program: 'haproxy',
    pid: '1234',
    client_ip: '2001:db8::5',
    client_port: '40000',
    accept_date: '22/Nov/2026:04:00:00.456',
    frontend_name: 'fe-h2~',
    backend_name: 'be_api',
    server_name: 'api2',
    time_request: '0',
    time_queue: '0',
    time_backend_connect: '0',
    time_backend_response: '-1',
    time_duration: '5003',
    http_status_code: '504',
    bytes_read: '198',
    captured_request_cookie: '-',
    captured_response_cookie: '-',
    termination_state: 'sHNN',
    actconn: '3',
    feconn: '3',
    beconn: '1',
    srvconn: '1',
    retries: '0',
    srv_queue: '0',
    backend_queue: '0',
    http_verb: 'POST',
    http_proto: 'https',
    http_host: 'api.example.com:8443',
    http_port: '8443',
    http_request: '/v1/orders?dry=1',
    http_version: '2.0',
  })
  t.strictSame(ecs.compile('%{HAPROXYHTTP}').match(line), {
    timestamp: '2026-11-22T04:00:00.456789+00:00',
    host: {
      hostname: 'lb1',
    },
    process: {
      name: 'haproxy',
      pid: 1234,
    },
    source: {
      address: '2001:db8::5',
      port: 40000,
    },
    haproxy: {
      request_date: '22/Nov/2026:04:00:00.456',
      frontend_name: 'fe-h2~',
      backend_name: 'be_api',
      server_name: 'api2',
      http: {
        request: {
          time_wait_ms: 0,
        },
      },
      total_waiting_time_ms: 0,
      connection_wait_time_ms: 0,
      total_time_ms: '5003',
      bytes_read: 198,
      termination_state: 'sHNN',
      connections: {
        active: 3,
        frontend: 3,
        backend: 1,
        server: 1,
        retries: 0,
      },
      server_queue: 0,
      backend_queue: 0,
    },
    http: {
      response: {
        status_code: 504,
      },
      request: {
        method: 'POST',
      },
      version: '2.0',
    },
    url: {
      original: 'https://api.example.com:8443/v1/orders?dry=1',
      scheme: 'https',
      domain: 'api.example.com',
      port: 8443,
      path: '/v1/orders',
      query: 'dry=1',
    },
  })
  t.end()
})

t.test('HAPROXYHTTP: <BADREQ> with <NOSRV>', (t) => {
  const line = 'Nov 22 04:00:01 lb1 haproxy[1234]: 203.0.113.9:33210 [22/Nov/2026:04:00:01.001] www-https~ www-https/<NOSRV> -1/-1/-1/-1/0 400 187 - - PR-- 1/1/0/0/0 0/0 "<BADREQ>"'
  t.strictSame(legacy.compile('%{HAPROXYHTTP}').match(line), {
    syslog_timestamp: 'Nov 22 04:00:01',
    syslog_server: 'lb1',
    program: 'haproxy',
    pid: '1234',
    client_ip: '203.0.113.9',
    client_port: '33210',
    accept_date: '22/Nov/2026:04:00:01.001',
    frontend_name: 'www-https~',
    backend_name: 'www-https',
    server_name: '<NOSRV>',
    time_request: '-1',
    time_queue: '-1',
    time_backend_connect: '-1',
    time_backend_response: '-1',
    time_duration: '0',
    http_status_code: '400',
    bytes_read: '187',
    captured_request_cookie: '-',
    captured_response_cookie: '-',
    termination_state: 'PR--',
    actconn: '1',
    feconn: '1',
    beconn: '0',
    srvconn: '0',
    retries: '0',
    srv_queue: '0',
    backend_queue: '0',
  })
  t.strictSame(ecs.compile('%{HAPROXYHTTP}').match(line), {
    timestamp: 'Nov 22 04:00:01',
    host: {
      hostname: 'lb1',
    },
    process: {
      name: 'haproxy',
      pid: 1234,
    },
    source: {
      address: '203.0.113.9',
      port: 33210,
    },
    haproxy: {
      request_date: '22/Nov/2026:04:00:01.001',
      frontend_name: 'www-https~',
      backend_name: 'www-https',
      total_time_ms: '0',
      bytes_read: 187,
      termination_state: 'PR--',
      connections: {
        active: 1,
        frontend: 1,
        backend: 0,
        server: 0,
        retries: 0,
      },
      server_queue: 0,
      backend_queue: 0,
    },
    http: {
      response: {
        status_code: 400,
      },
    },
  })
  t.end()
})

t.test('HAPROXYHTTPBASE: logasap markers and retries', (t) => {
  const line = '192.0.2.44:61000 [22/Nov/2026:04:00:03.010] www www/web2 5/0/2/40/+47 200 +2750 - - ---- 1/1/1/1/+1 0/0 "GET /big.iso HTTP/1.1"'
  t.strictSame(legacy.compile('%{HAPROXYHTTPBASE}').match(line), {
    client_ip: '192.0.2.44',
    client_port: '61000',
    accept_date: '22/Nov/2026:04:00:03.010',
    frontend_name: 'www',
    backend_name: 'www',
    server_name: 'web2',
    time_request: '5',
    time_queue: '0',
    time_backend_connect: '2',
    time_backend_response: '40',
    time_duration: '+47',
    http_status_code: '200',
    bytes_read: '+2750',
    captured_request_cookie: '-',
    captured_response_cookie: '-',
    termination_state: '----',
    actconn: '1',
    feconn: '1',
    beconn: '1',
    srvconn: '1',
    retries: '+1',
    srv_queue: '0',
    backend_queue: '0',
    http_verb: 'GET',
    http_request: '/big.iso',
    http_version: '1.1',
  })
  t.strictSame(ecs.compile('%{HAPROXYHTTPBASE}').match(line), {
    source: {
      address: '192.0.2.44',
      port: 61000,
    },
    haproxy: {
      request_date: '22/Nov/2026:04:00:03.010',
      frontend_name: 'www',
      backend_name: 'www',
      server_name: 'web2',
      http: {
        request: {
          time_wait_ms: 5,
          time_wait_without_data_ms: 40,
        },
      },
      total_waiting_time_ms: 0,
      connection_wait_time_ms: 2,
      total_time_ms: '+47',
      bytes_read: 2750,
      termination_state: '----',
      connections: {
        active: 1,
        frontend: 1,
        backend: 1,
        server: 1,
        retries: 1,
      },
      server_queue: 0,
      backend_queue: 0,
    },
    http: {
      response: {
        status_code: 200,
      },
      request: {
        method: 'GET',
      },
      version: '1.1',
    },
    url: {
      original: '/big.iso',
      path: '/big.iso',
    },
  })
  t.end()
})

t.test('HAPROXYTCP: tcplog line', (t) => {
  const line = 'Nov 22 04:00:02 lb1 haproxy[1234]: 10.0.0.7:55012 [22/Nov/2026:04:00:01.900] pg-in pg-primary/db1 1/0/12034 8812 -- 4/1/1/1/0 0/0'
  t.strictSame(legacy.compile('%{HAPROXYTCP}').match(line), {
    syslog_timestamp: 'Nov 22 04:00:02',
    syslog_server: 'lb1',
    program: 'haproxy',
    pid: '1234',
    client_ip: '10.0.0.7',
    client_port: '55012',
    accept_date: '22/Nov/2026:04:00:01.900',
    frontend_name: 'pg-in',
    backend_name: 'pg-primary',
    server_name: 'db1',
    time_queue: '1',
    time_backend_connect: '0',
    time_duration: '12034',
    bytes_read: '8812',
    termination_state: '--',
    actconn: '4',
    feconn: '1',
    beconn: '1',
    srvconn: '1',
    retries: '0',
    srv_queue: '0',
    backend_queue: '0',
  })
  t.strictSame(ecs.compile('%{HAPROXYTCP}').match(line), {
    timestamp: 'Nov 22 04:00:02',
    host: {
      hostname: 'lb1',
    },
    process: {
      name: 'haproxy',
      pid: 1234,
    },
    source: {
      address: '10.0.0.7',
      port: 55012,
    },
    haproxy: {
      request_date: '22/Nov/2026:04:00:01.900',
      frontend_name: 'pg-in',
      backend_name: 'pg-primary',
      server_name: 'db1',
      total_waiting_time_ms: 1,
      connection_wait_time_ms: 0,
      total_time_ms: 12034,
      bytes_read: 8812,
      termination_state: '--',
      connections: {
        active: 4,
        frontend: 1,
        backend: 1,
        server: 1,
        retries: 0,
      },
      server_queue: 0,
      backend_queue: 0,
    },
  })
  t.end()
})

t.test('HAPROXYHTTP: a plain syslog line does not match', (t) => {
  const line = 'Nov 22 04:00:00 lb1 haproxy[1234]: Proxy www started.'
  t.strictSame(legacy.compile('%{HAPROXYHTTP}').match(line), null)
  t.strictSame(ecs.compile('%{HAPROXYHTTP}').match(line), null)
  t.end()
})

t.test('HAPROXYTCP: an httplog line does not match the tcplog shape', (t) => {
  const line = 'Nov 22 04:00:00 lb1 haproxy[1234]: 10.0.0.5:51234 [22/Nov/2026:04:00:00.123] www-https~ app/web1 0/0/1/12/13 200 1543 - - ---- 10/8/2/1/0 0/0 "GET / HTTP/1.1"'
  t.strictSame(legacy.compile('%{HAPROXYTCP}').match(line), null)
  t.strictSame(ecs.compile('%{HAPROXYTCP}').match(line), null)
  t.end()
})
