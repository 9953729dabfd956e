import t from 'tap'
import { GrokLibrary } from '../../aggregator/stages/grok/library.ts'

// Every patterns/core entry on real-format samples: `whole` checks that the
// pattern matches the entire text, `find` what it captures inside a line.
const lib = GrokLibrary.load({ ecs: 'disabled' })
const whole = (name: string, text: string): boolean => lib.compile(`^%{${name}}$`).match(text) !== null
const find = (name: string, text: string): unknown => lib.compile(`%{${name}:x}`).match(text)?.x ?? null

t.test('numbers', async (t) => {
  t.ok(whole('INT', '-42') && whole('INT', '+7') && whole('INT', '0'))
  t.notOk(whole('INT', '4.2'))
  t.ok(whole('NUMBER', '3.14') && whole('NUMBER', '-0.5') && whole('NUMBER', '.5') && whole('NUMBER', '12'))
  t.equal(find('NUMBER', 'took 12.50ms'), '12.50')
  t.equal(find('NUMBER', 'v1.2'), '1.2', 'a number after a letter is fine')
  t.equal(find('BASE10NUM', 'x=-17'), '-17')
  t.ok(whole('BASE16NUM', '0x1F') && whole('BASE16NUM', 'deadBEEF'))
  t.ok(whole('BASE16FLOAT', '0x1A.8'))
  t.ok(whole('POSINT', '8080'))
  t.notOk(whole('POSINT', '0'))
  t.notOk(whole('POSINT', '-1'))
  t.ok(whole('NONNEGINT', '0') && whole('NONNEGINT', '007'))
})

t.test('text', async (t) => {
  t.equal(find('WORD', '  hello_world42! '), 'hello_world42')
  t.equal(find('NOTSPACE', '  a/b?c=d  '), 'a/b?c=d')
  t.ok(whole('SPACE', '') && whole('SPACE', ' \t '))
  t.same(lib.compile('%{DATA:a},%{GREEDYDATA:b}').match('x,y,z'), { a: 'x', b: 'y,z' }, 'DATA is lazy, GREEDYDATA greedy')
  t.equal(find('QUOTEDSTRING', 'say "he said \\"hi\\"" now'), '"he said \\"hi\\""')
  t.equal(find('QS', "it's 'single' here"), "'s '", 'the first quote pair wins, like any regex')
  t.equal(find('QS', 'run `ls -l` please'), '`ls -l`')
  t.ok(whole('QS', '""'))
  t.ok(whole('DQCONTENT', 'a \\"b\\" c') && whole('SQCONTENT', "it\\'s") && whole('BQCONTENT', 'x\\`y'))
  t.notOk(whole('DQCONTENT', 'a "b'), 'an unescaped quote ends the content')
  t.ok(whole('DATA', '') && whole('GREEDYDATA', 'anything at all'))
  t.notOk(whole('QS', '"unterminated'))
  t.ok(whole('UUID', '123e4567-e89b-12d3-a456-426614174000'))
  t.notOk(whole('UUID', '123e4567-e89b-12d3-a456-42661417400'))
  t.equal(find('LOGLEVEL', '2024 WARNING disk low'), 'WARNING')
  t.equal(find('LOGLEVEL', '[info] ok'), 'info')
  t.ok(whole('LOGLEVEL', 'Error') && whole('LOGLEVEL', 'CRIT') && whole('LOGLEVEL', 'emerg') && whole('LOGLEVEL', 'TRACE') && whole('LOGLEVEL', 'notice'))
  t.ok(whole('PROG', 'postfix/smtpd') && whole('PROG', 'CRON'))
})

t.test('network', async (t) => {
  t.ok(whole('IPV4', '192.168.1.254') && whole('IPV4', '0.0.0.0') && whole('IPV4', '255.255.255.255'))
  t.notOk(whole('IPV4', '256.1.1.1'))
  t.ok(whole('IPV4OCTET', '249') && whole('IPV4OCTET', '0'))
  t.notOk(whole('IPV4OCTET', '01'))
  t.ok(whole('IPV6HEX', 'fE80'))
  t.notOk(whole('IPV6HEX', '12345'))
  t.notOk(whole('IPV4', '1.2.3'))
  t.equal(find('IPV4', 'from 10.0.0.12:443'), '10.0.0.12')
  t.equal(find('IPV4', 'v 1.2.3.4567'), null, 'not the head of a longer digit run')
  for (const a of ['2001:db8::1', '::1', '::', 'fe80::1ff:fe23:4567:890a', '2001:0db8:85a3:0000:0000:8a2e:0370:7334', '::ffff:192.0.2.128', '64:ff9b::192.0.2.33', 'fe80::1%eth0', '1::', '1:2:3:4:5:6:7::']) {
    t.ok(whole('IPV6', a), a)
  }
  t.notOk(whole('IPV6', '1:2:3:4:5:6:7:8:9'))
  t.notOk(whole('IPV6', '2001:db8::g'))
  t.equal(find('IPV6', 'addr ::ffff:10.1.2.3 ok'), '::ffff:10.1.2.3', 'embedded IPv4 taken whole')
  t.ok(whole('IP', '10.1.1.1') && whole('IP', '2001:db8::8a2e:370:7334'))
  t.ok(whole('HOSTNAME', 'www.example.com') && whole('HOSTNAME', 'localhost') && whole('HOSTNAME', 'example.com.') && whole('HOSTNAME', 'xn--bcher-kva.example'))
  t.notOk(whole('HOSTNAME', '-bad.example'))
  t.equal(find('IPORHOST', 'db-01.internal:5432 up'), 'db-01.internal')
  t.ok(whole('IPORHOST', '127.0.0.1') && whole('IPORHOST', 'fe80::1'))
  t.ok(whole('HOSTPORT', 'example.com:8080') && whole('HOSTPORT', '10.0.0.1:22'))
  t.ok(whole('MAC', '00:1a:2B:3c:4D:5e') && whole('MAC', '00-1A-2B-3C-4D-5E') && whole('MAC', '001a.2b3c.4d5e'))
  t.ok(whole('COMMONMAC', '00:1a:2b:3c:4d:5e') && whole('WINDOWSMAC', '00-1A-2B-3C-4D-5E') && whole('CISCOMAC', '001a.2b3c.4d5e'))
  t.notOk(whole('MAC', '00:1a:2b:3c:4d'))
})

t.test('paths and URIs', async (t) => {
  t.ok(whole('UNIXPATH', '/var/log/nginx/access.log') && whole('UNIXPATH', '/'))
  t.notOk(whole('UNIXPATH', 'relative/path'))
  t.ok(whole('WINPATH', 'C:\\Windows\\System32\\drivers') && whole('WINPATH', '\\\\server\\share'))
  t.ok(whole('PATH', '/etc/hosts') && whole('PATH', 'D:\\logs\\app.log'))
  t.ok(whole('TTY', '/dev/pts/3') && whole('TTY', '/dev/tty1'))
  t.ok(whole('URIPROTO', 'https') && whole('URIPROTO', 'svn+ssh'))
  t.ok(whole('URIHOST', 'example.com:8443') && whole('URIHOST', '10.0.0.1'))
  t.ok(whole('URIPATH', '/a/b%20c/d.html') && whole('URIPATH', "/~user/it's(1),x;y=z"))
  t.ok(whole('URIPARAM', '?q=grok&lang=en&x[]=1'))
  t.ok(whole('URIQUERY', 'a=1&b=%2F|c'))
  t.ok(whole('URIPATHPARAM', '/search?q=log+shipping&page=2'))
  t.ok(whole('URIPATHPARAM', '/index.html'))
  t.ok(whole('URI', 'https://user:secret@example.com:8443/a/b?c=d&e=f'))
  t.ok(whole('URI', 'http://10.0.0.1/'))
  t.ok(whole('URI', 'file:///etc/passwd'))
  t.notOk(whole('URI', 'example.com/path'))
})

t.test('identity', async (t) => {
  t.ok(whole('USERNAME', 'john.doe-01_x') && whole('USER', 'root'))
  t.notOk(whole('USER', 'john doe'))
  t.ok(whole('EMAILADDRESS', 'first.last+tag@mail.example.org'))
  t.notOk(whole('EMAILADDRESS', 'no-at-sign.example.org'))
  t.ok(whole('EMAILLOCALPART', "o'brien"))
})

t.test('calendar parts', async (t) => {
  t.ok(whole('MONTH', 'Jan') && whole('MONTH', 'September') && whole('MONTH', 'Sept') && whole('MONTH', 'DEC') && whole('MONTH', 'may'))
  t.notOk(whole('MONTH', 'Janu'))
  t.ok(whole('MONTHNUM', '1') && whole('MONTHNUM', '09') && whole('MONTHNUM', '12'))
  t.notOk(whole('MONTHNUM', '13'))
  t.ok(whole('MONTHNUM2', '07'))
  t.notOk(whole('MONTHNUM2', '7'))
  t.ok(whole('MONTHDAY', '1') && whole('MONTHDAY', '05') && whole('MONTHDAY', '31'))
  t.notOk(whole('MONTHDAY', '32'))
  t.ok(whole('DAY', 'Mon') && whole('DAY', 'Thursday'))
  t.ok(whole('YEAR', '2024') && whole('YEAR', '99'))
  t.ok(whole('HOUR', '23') && whole('HOUR', '7'))
  t.notOk(whole('HOUR', '24'))
  t.ok(whole('MINUTE', '59'))
  t.notOk(whole('MINUTE', '60'))
  t.ok(whole('SECOND', '60') && whole('SECOND', '09.123456') && whole('SECOND', '5,25'))
  t.ok(whole('TIME', '14:07:09') && whole('TIME', '4:07:09.5'))
  t.notOk(whole('TIME', '14:07'))
  t.ok(whole('TZ', 'UTC') && whole('TZ', 'PDT'))
})

t.test('dates and timestamps of every common shape', async (t) => {
  t.ok(whole('DATE_US', '03/05/2024') && whole('DATE_US', '3-5-24'))
  t.ok(whole('DATE_EU', '05.03.2024') && whole('DATE_EU', '5/3/2024'))
  t.ok(whole('DATE', '31.12.2024'))
  t.ok(whole('DATESTAMP', '03/05/2024 14:07:09') && whole('DATESTAMP', '05.03.2024-14:07:09'))
  for (const ts of ['2024-03-05T14:07:09.123+01:00', '2024-03-05 14:07:09Z', '2024-03-05T14:07:09', '2024-03-05T14:07:09,5-0800', '20240305T140709Z', '2024-03-05T14:07']) {
    t.ok(whole('TIMESTAMP_ISO8601', ts), ts)
  }
  t.notOk(whole('TIMESTAMP_ISO8601', '2024-13-05T14:07:09'))
  t.ok(whole('ISO8601_TIMEZONE', 'Z') && whole('ISO8601_TIMEZONE', '+05:30') && whole('ISO8601_TIMEZONE', '-0800'))
  t.ok(whole('ISO8601_SECOND', '09.5'))
  t.ok(whole('HTTPDATE', '10/Oct/2000:13:55:36 -0700'))
  t.ok(whole('SYSLOGTIMESTAMP', 'Mar  5 14:07:09') && whole('SYSLOGTIMESTAMP', 'Oct 11 22:14:15'))
  t.ok(whole('DATESTAMP_RFC822', 'Tue Mar 05 2024 14:07:09 UTC'))
  t.ok(whole('DATESTAMP_RFC2822', 'Tue, 05 Mar 2024 14:07:09 +0100'))
  t.ok(whole('DATESTAMP_OTHER', 'Tue Mar 05 14:07:09 UTC 2024'))
  t.ok(whole('DATESTAMP_EVENTLOG', '20240305140709'))
  t.ok(whole('HTTPDERROR_DATE', 'Wed Oct 11 14:32:52.123456 2000') && whole('HTTPDERROR_DATE', 'Wed Oct 11 14:32:52 2000'))
  t.equal(find('TIMESTAMP_ISO8601', 'at 2024-03-05T14:07:09Z level=info'), '2024-03-05T14:07:09Z')
})

t.test('core patterns capture nothing by themselves', async (t) => {
  const leaking = lib.names().filter((n) => lib.definition(n)!.origin.includes('/core/') && lib.compile(`%{${n}}`).fields.length > 0)
  t.same(leaking, [])
})

t.test('NUMBER is never cut short for a following pattern', async (t) => {
  t.same(lib.compile('^%{NUMBER:a}%{NUMBER:b}$').match('12.5'), null, 'no split of one number into two')
  t.same(lib.compile('%{NUMBER:a}\\.%{INT:b}').match('1.5.3'), { a: '1.5', b: '3' })
  t.same(lib.compile('^%{NUMBER:a}\\.x$').match('7.x'), { a: '7' })
  t.equal(find('NUMBER', 'a-5'), '-5')
  t.equal(find('NUMBER', '1-5'), '1', 'a sign after a digit starts no new number')
})

t.test('Logstash parity: German month names, Unicode paths, MAVEN_VERSION', async (t) => {
  const lib = GrokLibrary.load({ ecs: 'disabled' })
  for (const d of ['04/Mai/2015:13:17:15 +0200', '04/März/2015:13:17:15 +0200', '04/Okt/2015:13:17:15 +0200', '04/Dez/2015:13:17:15 +0200', '04/March/2015:13:17:15 +0200']) {
    t.ok(lib.compile('^%{HTTPDATE}$').match(d), d)
  }
  t.equal(lib.compile('^%{HTTPDATE}$').match('04/Map/2015:13:17:15 +0200'), null)
  t.same(lib.compile('^%{UNIXPATH:p}$').match('/srv/données/naïve/файл.txt'), { p: '/srv/données/naïve/файл.txt' })
  for (const v of ['1.1.0', '2.35.128', '1.1.0.RELEASE', '1.1.0-SNAPSHOT']) t.ok(lib.compile('^%{MAVEN_VERSION}$').match(v), v)
  t.equal(lib.compile('^%{MAVEN_VERSION}$').match('1.1'), null)
})

t.test('URN (RFC 2141)', async (t) => {
  const lib = GrokLibrary.load({ ecs: 'v1' })
  const urn = lib.compile('^%{URN:u}$')
  for (const v of ['urn:isbn:0451450523', 'urn:ietf:rfc:2648', 'urn:example:a%2Fb', 'urn:a:b']) t.same(urn.match(v), { u: v }, v)
  for (const v of ['URN:isbn:1', 'urn::x', 'urn:-x:y', 'urn:x.y:z', 'urn:x:', 'urn:x:%g1', `urn:${'a'.repeat(33)}:x`]) t.equal(urn.match(v), null, v)
})
