import t from 'tap'
import { checkListenAddress, connectAddressCheck, formatAddress, parseConnectAddress, parseListenAddress, type Address } from '../../../core/net/address.ts'
import { portProblem } from '../../../core/net/port.ts'

// One grammar for every host:port in a config: the listen keys
// (inputs.beats.listen, inputs.collectd.listen, http.listen) and the
// forwarder's output.hosts (connect, default port 5044).

t.test('listen: accepted', async (t) => {
  const accepted: [string, Address][] = [
    ['127.0.0.1:5066', { host: '127.0.0.1', port: 5066 }],
    ['0.0.0.0:5044', { host: '0.0.0.0', port: 5044 }],
    ['[::1]:9600', { host: '::1', port: 9600 }],
    ['[::]:25826', { host: '::', port: 25826 }],
    ['[fe80::1%eth0]:5044', { host: 'fe80::1%eth0', port: 5044 }],
    ['localhost:65535', { host: 'localhost', port: 65535 }],
    ['agg_1.internal-net:1', { host: 'agg_1.internal-net', port: 1 }],
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }], // any free port (tests)
    [':9600', { host: '0.0.0.0', port: 9600 }], // the default host
    ['9600', { host: '0.0.0.0', port: 9600 }],
    ['  127.0.0.1:5044\n', { host: '127.0.0.1', port: 5044 }],
  ]
  for (const [text, want] of accepted) {
    t.same(parseListenAddress(text), want, JSON.stringify(text))
    t.equal(checkListenAddress(text), undefined)
  }
  t.same(parseListenAddress(':9600', '127.0.0.1'), { host: '127.0.0.1', port: 9600 }, 'the caller picks the default host')
})

t.test('listen: refused, each with the reason', async (t) => {
  const refused: [string, string][] = [
    ['localhost', 'the port is missing'],
    ['127.0.0.1', 'the port is missing'],
    ['127.0.0.1:', 'port must be a number, got ""'],
    ['127.0.0.1:5044x', 'port must be a number, got "5044x"'],
    ['0.0.0.0:99999', 'port must be 0-65535, got 99999 (0: any free port)'],
    ['[::1]:70000', 'port must be 0-65535, got 70000 (0: any free port)'],
    ['::1:5044', 'an IPv6 address goes in brackets, e.g. [::1]:5044'],
    ['[::1]', 'the port is missing'],
    ['[::1]5044', '"5044" after "]"; write [v6]:port'],
    ['[::1:5044', '"[" without "]"'],
    ['[localhost]:5044', 'brackets hold an IPv6 address, got "localhost"'],
    ['http://127.0.0.1:5044', 'no scheme here (drop "http://")'],
    ['127.0.0.1:5044/x', 'no spaces, "/", "?" or "#"'],
    ['local host:5044', 'no spaces, "/", "?" or "#"'],
    ['', 'it is empty'],
    ['a$b:5044', '"a$b" is not a host name or an address'],
    ['1234:5044', '"1234" is a number, not a host name or an address'],
  ]
  for (const [text, why] of refused) {
    t.throws(() => parseListenAddress(text), new RangeError(`listen address must be host:port, got ${JSON.stringify(text)}: ${why}`), JSON.stringify(text))
    t.equal(checkListenAddress(text), `listen address must be host:port, got ${JSON.stringify(text)}: ${why}`)
  }
})

t.test('connect: accepted (a bare host takes the default port)', async (t) => {
  const accepted: [string, Address][] = [
    ['agg.internal:6000', { host: 'agg.internal', port: 6000 }],
    ['agg.internal', { host: 'agg.internal', port: 5044 }],
    ['[::1]:6000', { host: '::1', port: 6000 }],
    ['[::1]', { host: '::1', port: 5044 }],
    ['10.0.0.7:65535', { host: '10.0.0.7', port: 65535 }],
  ]
  for (const [text, want] of accepted) t.same(parseConnectAddress(text, 5044), want, text)
  t.equal(connectAddressCheck(5044)('agg.internal'), undefined)
})

t.test('connect: refused; a password is never shown', async (t) => {
  const refused: [string, string][] = [
    ['agg.internal:0', 'host must be host:port, got "agg.internal:0": port must be 1-65535, got 0'],
    ['agg.internal:5044x', 'host must be host:port, got "agg.internal:5044x": port must be a number, got "5044x"'],
    ['5044', 'host must be host:port, got "5044": "5044" is a number, not a host name or an address'],
    [':5044', 'host must be host:port, got ":5044": the host is missing'],
    ['user:secret@agg.internal:5044', 'host must be host:port, got "user:***@agg.internal:5044": no user or password here'],
    ['https://user:secret@agg.internal:5044', 'host must be host:port, got "https://user:***@agg.internal:5044": no scheme here (drop "https://")'],
    ['fe80::1', 'host must be host:port, got "fe80::1": an IPv6 address goes in brackets, e.g. [::1]:5044'],
  ]
  for (const [text, message] of refused) {
    t.throws(() => parseConnectAddress(text, 5044), new RangeError(message), text)
    t.equal(connectAddressCheck(5044)(text), message)
  }
  t.throws(() => parseConnectAddress('agg.internal'), /the port is missing/, 'no default port: the port is required')
})

t.test('formatAddress brackets IPv6 hosts and round-trips through the parser', async (t) => {
  for (const a of [{ host: '::1', port: 5044 }, { host: '127.0.0.1', port: 9600 }, { host: 'agg.internal', port: 1 }]) {
    t.same(parseConnectAddress(formatAddress(a)), a, formatAddress(a))
  }
  t.equal(formatAddress({ host: '::', port: 0 }), '[::]:0')
})

t.test('portProblem: the port rule URLs share', async (t) => {
  t.equal(portProblem('9200'), undefined)
  t.equal(portProblem('0', 0), undefined)
  t.equal(portProblem('0'), 'port must be 1-65535, got 0')
  t.equal(portProblem('65536'), 'port must be 1-65535, got 65536')
  t.equal(portProblem('92a'), 'port must be a number, got "92a"')
  t.equal(portProblem('-1'), 'port must be a number, got "-1"')
})
