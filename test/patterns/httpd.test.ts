import t from 'tap'
import { GrokLibrary } from '../../aggregator/stages/grok/library.ts'

// patterns/{legacy,ecs-v1}/httpd.grok on real-format lines, exact captures in both modes.
const legacy = GrokLibrary.load({ ecs: 'disabled' })
const ecs = GrokLibrary.load({ ecs: 'v8' })

const combined = '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"'
const common = '2001:db8::1 - - [05/Mar/2024:14:07:09 +0100] "POST /api/v1/items?id=7 HTTP/2.0" 201 -'
const garbled = '10.0.0.5 - alice@example.com [05/Mar/2024:14:07:09 +0000] "\\x16\\x03\\x01" 400 157'
const err22 = '[Wed Oct 11 14:32:52 2000] [error] [client 127.0.0.1] client denied by server configuration: /export/home/live/ap/htdocs/test'
const err22noclient = '[Sun Mar 03 09:00:01 2024] [notice] Apache/2.2.22 (Ubuntu) configured -- resuming normal operations'
const err24 = '[Tue Mar 05 14:07:09.123456 2024] [core:error] [pid 35708:tid 4328636416] [client 72.15.99.187:54322] AH00037: File does not exist: /usr/local/apache2/htdocs/favicon.ico'
const err24proxy = '[Tue Mar 05 14:07:09.654321 2024] [proxy_http:error] [pid 1234:tid 140] (111)Connection refused: [client 10.1.1.1:5000] AH01114: HTTP: failed to make connection to backend: 127.0.0.1'
const err24nomodule = '[Tue Mar 05 14:07:09.000001 2024] [:warn] [pid 99] mod_x says hello'
const nginxErr = '2024/03/05 14:07:09 [error] 1234#5678: *99 open() "/usr/share/nginx/html/x.png" failed (2: No such file or directory), client: 10.0.0.7, server: example.com, request: "GET /x.png HTTP/1.1", host: "example.com"'
const nginxErrNoConn = '2024/03/05 14:07:10 [notice] 1#1: signal process started'

t.test('COMBINEDAPACHELOG, legacy', async (t) => {
  t.same(legacy.compile('%{COMBINEDAPACHELOG}').match(combined), {
    clientip: '127.0.0.1', ident: '-', auth: 'frank', timestamp: '10/Oct/2000:13:55:36 -0700', verb: 'GET', request: '/apache_pb.gif',
    httpversion: '1.0', response: '200', bytes: '2326', referrer: '"http://www.example.com/start.html"', agent: '"Mozilla/4.08 [en] (Win98; I ;Nav)"',
  })
})

t.test('COMBINEDAPACHELOG, ECS', async (t) => {
  t.same(ecs.compile('%{COMBINEDAPACHELOG}').match(combined), {
    source: { address: '127.0.0.1' }, user: { name: 'frank' }, timestamp: '10/Oct/2000:13:55:36 -0700',
    http: { request: { method: 'GET', referrer: 'http://www.example.com/start.html' }, version: '1.0', response: { status_code: 200, body: { bytes: 2326 } } },
    url: { original: '/apache_pb.gif' }, user_agent: { original: 'Mozilla/4.08 [en] (Win98; I ;Nav)' },
  })
  t.same(ecs.compile('%{COMBINEDAPACHELOG}').match('1.2.3.4 - - [05/Mar/2024:14:07:09 +0100] "GET / HTTP/1.1" 304 0 "-" "-"'), {
    source: { address: '1.2.3.4' }, timestamp: '05/Mar/2024:14:07:09 +0100',
    http: { request: { method: 'GET' }, version: '1.1', response: { status_code: 304, body: { bytes: 0 } } }, url: { original: '/' },
  }, '"-" referrer and agent are absent')
})

t.test('COMMONAPACHELOG: IPv6 client, no bytes, a request that is no request line', async (t) => {
  t.same(legacy.compile('%{COMMONAPACHELOG}').match(common), {
    clientip: '2001:db8::1', ident: '-', auth: '-', timestamp: '05/Mar/2024:14:07:09 +0100', verb: 'POST', request: '/api/v1/items?id=7', httpversion: '2.0', response: '201',
  })
  t.same(ecs.compile('%{COMMONAPACHELOG}').match(common), {
    source: { address: '2001:db8::1' }, timestamp: '05/Mar/2024:14:07:09 +0100', http: { request: { method: 'POST' }, version: '2.0', response: { status_code: 201 } }, url: { original: '/api/v1/items?id=7' },
  })
  t.same(legacy.compile('%{COMMONAPACHELOG}').match(garbled), {
    clientip: '10.0.0.5', ident: '-', auth: 'alice@example.com', timestamp: '05/Mar/2024:14:07:09 +0000', rawrequest: '\\x16\\x03\\x01', response: '400', bytes: '157',
  })
  t.same(ecs.compile('%{COMMONAPACHELOG}').match(garbled), {
    source: { address: '10.0.0.5' }, user: { name: 'alice@example.com' }, timestamp: '05/Mar/2024:14:07:09 +0000', http: { response: { status_code: 400, body: { bytes: 157 } } },
  })
  t.equal(legacy.compile('%{COMMONAPACHELOG}').match('not an access log line'), null)
})

t.test('HTTPD_ERRORLOG: Apache 2.2', async (t) => {
  const l = legacy.compile('%{HTTPD_ERRORLOG}')
  const e = ecs.compile('%{HTTPD_ERRORLOG}')
  t.same(l.match(err22), { timestamp: 'Wed Oct 11 14:32:52 2000', loglevel: 'error', clientip: '127.0.0.1', message: 'client denied by server configuration: /export/home/live/ap/htdocs/test' })
  t.same(e.match(err22), { timestamp: 'Wed Oct 11 14:32:52 2000', log: { level: 'error' }, source: { address: '127.0.0.1' }, message: 'client denied by server configuration: /export/home/live/ap/htdocs/test' })
  t.same(l.match(err22noclient), { timestamp: 'Sun Mar 03 09:00:01 2024', loglevel: 'notice', message: 'Apache/2.2.22 (Ubuntu) configured -- resuming normal operations' })
  t.same(e.match(err22noclient), { timestamp: 'Sun Mar 03 09:00:01 2024', log: { level: 'notice' }, message: 'Apache/2.2.22 (Ubuntu) configured -- resuming normal operations' })
})

t.test('HTTPD_ERRORLOG: Apache 2.4', async (t) => {
  const l = legacy.compile('%{HTTPD_ERRORLOG}')
  const e = ecs.compile('%{HTTPD_ERRORLOG}')
  t.same(l.match(err24), {
    timestamp: 'Tue Mar 05 14:07:09.123456 2024', module: 'core', loglevel: 'error', pid: '35708', tid: '4328636416', clientip: '72.15.99.187', clientport: '54322', errorcode: 'AH00037',
    message: 'File does not exist: /usr/local/apache2/htdocs/favicon.ico',
  })
  t.same(e.match(err24), {
    timestamp: 'Tue Mar 05 14:07:09.123456 2024', apache: { error: { module: 'core' } }, log: { level: 'error' }, process: { pid: 35708, thread: { id: 4328636416 } },
    source: { address: '72.15.99.187', port: 54322 }, error: { code: 'AH00037' }, message: 'File does not exist: /usr/local/apache2/htdocs/favicon.ico',
  })
  t.same(l.match(err24proxy), {
    timestamp: 'Tue Mar 05 14:07:09.654321 2024', module: 'proxy_http', loglevel: 'error', pid: '1234', tid: '140', proxy_errorcode: '111', proxy_message: 'Connection refused',
    clientip: '10.1.1.1', clientport: '5000', errorcode: 'AH01114', message: 'HTTP: failed to make connection to backend: 127.0.0.1',
  })
  t.same(e.match(err24proxy), {
    timestamp: 'Tue Mar 05 14:07:09.654321 2024', apache: { error: { module: 'proxy_http', proxy: { error: { code: '111', message: 'Connection refused' } } } }, log: { level: 'error' },
    process: { pid: 1234, thread: { id: 140 } }, source: { address: '10.1.1.1', port: 5000 }, error: { code: 'AH01114' }, message: 'HTTP: failed to make connection to backend: 127.0.0.1',
  })
  t.same(l.match(err24nomodule), { timestamp: 'Tue Mar 05 14:07:09.000001 2024', loglevel: 'warn', pid: '99', message: 'mod_x says hello' })
  t.same(e.match(err24nomodule), { timestamp: 'Tue Mar 05 14:07:09.000001 2024', log: { level: 'warn' }, process: { pid: 99 }, message: 'mod_x says hello' })
})

t.test('NGINX_ERRORLOG', async (t) => {
  const msg = 'open() "/usr/share/nginx/html/x.png" failed (2: No such file or directory), client: 10.0.0.7, server: example.com, request: "GET /x.png HTTP/1.1", host: "example.com"'
  t.same(legacy.compile('%{NGINX_ERRORLOG}').match(nginxErr), { timestamp: '2024/03/05 14:07:09', loglevel: 'error', pid: '1234', tid: '5678', connection_id: '99', message: msg })
  t.same(ecs.compile('%{NGINX_ERRORLOG}').match(nginxErr), {
    timestamp: '2024/03/05 14:07:09', log: { level: 'error' }, process: { pid: 1234, thread: { id: 5678 } }, nginx: { error: { connection_id: 99 } }, message: msg,
  })
  t.same(legacy.compile('%{NGINX_ERRORLOG}').match(nginxErrNoConn), { timestamp: '2024/03/05 14:07:10', loglevel: 'notice', pid: '1', tid: '1', message: 'signal process started' })
  t.same(ecs.compile('%{NGINX_ERRORLOG}').match(nginxErrNoConn), { timestamp: '2024/03/05 14:07:10', log: { level: 'notice' }, process: { pid: 1, thread: { id: 1 } }, message: 'signal process started' })
})

t.test('both modes define the same pattern names', async (t) => {
  const names = (lib: GrokLibrary): string[] => lib.names().filter((n) => lib.definition(n)!.origin.includes('httpd.grok'))
  t.same(names(legacy), names(ecs))
  t.ok(names(ecs).includes('HTTPD_COMBINEDLOG'))
})
