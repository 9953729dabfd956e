import t from 'tap'
import { GrokLibrary } from '../../aggregator/stages/grok/library.ts'

// syslog family: RFC 3164 file lines (rsyslog, syslog-ng), RFC 3339 timestamps,
// <PRI> on the wire, PAM sessions, cron, RFC 5424.
// Each case asserts the exact captures in both naming modes: legacy field names
// (ecs_compatibility disabled) and ECS field names (v1).

const legacy = GrokLibrary.load({ ecs: 'disabled' })
const ecs = GrokLibrary.load({ ecs: 'v1' })

t.test('SYSLOGLINE: sshd line in the traditional file format', (t) => {
  const line = 'Nov 22 04:00:01 web1 sshd[2345]: Accepted publickey for deploy from 192.0.2.10 port 51234 ssh2: ED25519 SHA256:Xk2p9q'
  t.strictSame(legacy.compile('%{SYSLOGLINE}').match(line), {
    timestamp: 'Nov 22 04:00:01',
    logsource: 'web1',
    program: 'sshd',
    pid: '2345',
    message: 'Accepted publickey for deploy from 192.0.2.10 port 51234 ssh2: ED25519 SHA256:Xk2p9q',
  })
  t.strictSame(ecs.compile('%{SYSLOGLINE}').match(line), {
    timestamp: 'Nov 22 04:00:01',
    host: {
      hostname: 'web1',
    },
    process: {
      name: 'sshd',
      pid: 2345,
    },
    message: 'Accepted publickey for deploy from 192.0.2.10 port 51234 ssh2: ED25519 SHA256:Xk2p9q',
  })
  t.end()
})

t.test('SYSLOGLINE: syslog-ng default file format with a space-padded day', (t) => {
  const line = "Nov  2 04:00:00 web1 syslog-ng[812]: syslog-ng starting up; version='3.38.1'"
  t.strictSame(legacy.compile('%{SYSLOGLINE}').match(line), {
    timestamp: 'Nov  2 04:00:00',
    logsource: 'web1',
    program: 'syslog-ng',
    pid: '812',
    message: "syslog-ng starting up; version='3.38.1'",
  })
  t.strictSame(ecs.compile('%{SYSLOGLINE}').match(line), {
    timestamp: 'Nov  2 04:00:00',
    host: {
      hostname: 'web1',
    },
    process: {
      name: 'syslog-ng',
      pid: 812,
    },
    message: "syslog-ng starting up; version='3.38.1'",
  })
  t.end()
})

t.test('SYSLOGLINE: rsyslog RSYSLOG_FileFormat (RFC 3339 timestamp)', (t) => {
  const line = '2026-11-22T04:00:00.123456+00:00 db1 postgres[991]: [3-1] LOG:  checkpoint starting: time'
  t.strictSame(legacy.compile('%{SYSLOGLINE}').match(line), {
    timestamp8601: '2026-11-22T04:00:00.123456+00:00',
    logsource: 'db1',
    program: 'postgres',
    pid: '991',
    message: '[3-1] LOG:  checkpoint starting: time',
  })
  t.strictSame(ecs.compile('%{SYSLOGLINE}').match(line), {
    timestamp: '2026-11-22T04:00:00.123456+00:00',
    host: {
      hostname: 'db1',
    },
    process: {
      name: 'postgres',
      pid: 991,
    },
    message: '[3-1] LOG:  checkpoint starting: time',
  })
  t.end()
})

t.test('SYSLOGLINE: RFC 3164 wire line with <PRI>, program without pid', (t) => {
  const line = "<34>Nov 22 04:00:00 mymachine su: 'su root' failed for alice on /dev/pts/8"
  t.strictSame(legacy.compile('%{SYSLOGLINE}').match(line), {
    syslog_pri: '34',
    timestamp: 'Nov 22 04:00:00',
    logsource: 'mymachine',
    program: 'su',
    message: "'su root' failed for alice on /dev/pts/8",
  })
  t.strictSame(ecs.compile('%{SYSLOGLINE}').match(line), {
    log: {
      syslog: {
        priority: 34,
      },
    },
    timestamp: 'Nov 22 04:00:00',
    host: {
      hostname: 'mymachine',
    },
    process: {
      name: 'su',
    },
    message: "'su root' failed for alice on /dev/pts/8",
  })
  t.end()
})

t.test('SYSLOGLINE: a line without a program tag', (t) => {
  const line = 'Nov 22 04:00:05 web1 last message repeated 3 times'
  t.strictSame(legacy.compile('%{SYSLOGLINE}').match(line), {
    timestamp: 'Nov 22 04:00:05',
    logsource: 'web1',
    message: 'last message repeated 3 times',
  })
  t.strictSame(ecs.compile('%{SYSLOGLINE}').match(line), {
    timestamp: 'Nov 22 04:00:05',
    host: {
      hostname: 'web1',
    },
    message: 'last message repeated 3 times',
  })
  t.end()
})

t.test('SYSLOGBASE: facility.priority printed before the host', (t) => {
  const line = 'Nov 22 04:00:00 <4.3> fw1 kernel: eth0: link down'
  t.strictSame(legacy.compile('%{SYSLOGBASE} %{GREEDYDATA:rest}').match(line), {
    timestamp: 'Nov 22 04:00:00',
    facility: '4',
    priority: '3',
    logsource: 'fw1',
    program: 'kernel',
    rest: 'eth0: link down',
  })
  t.strictSame(ecs.compile('%{SYSLOGBASE} %{GREEDYDATA:rest}').match(line), {
    timestamp: 'Nov 22 04:00:00',
    log: {
      syslog: {
        facility: {
          code: 4,
        },
        priority: 3,
      },
    },
    host: {
      hostname: 'fw1',
    },
    process: {
      name: 'kernel',
    },
    rest: 'eth0: link down',
  })
  t.end()
})

t.test('SYSLOGPAMSESSION: session opened with uid and by', (t) => {
  const line = 'Nov 22 04:00:01 web1 sshd[2345]: pam_unix(sshd:session): session opened for user deploy(uid=1001) by (uid=0)'
  t.strictSame(legacy.compile('%{SYSLOGPAMSESSION}').match(line), {
    timestamp: 'Nov 22 04:00:01',
    logsource: 'web1',
    program: 'sshd',
    pid: '2345',
    pam_module: 'pam_unix',
    pam_caller: 'sshd:session',
    pam_session_state: 'opened',
    username: 'deploy',
    uid: '1001',
    pam_by: '(uid=0)',
    message: 'pam_unix(sshd:session): session opened for user deploy(uid=1001) by (uid=0)',
  })
  t.strictSame(ecs.compile('%{SYSLOGPAMSESSION}').match(line), {
    timestamp: 'Nov 22 04:00:01',
    host: {
      hostname: 'web1',
    },
    process: {
      name: 'sshd',
      pid: 2345,
    },
    system: {
      auth: {
        pam: {
          module: 'pam_unix',
          origin: 'sshd:session',
          session_state: 'opened',
        },
      },
    },
    user: {
      name: 'deploy',
      id: '1001',
    },
    message: 'pam_unix(sshd:session): session opened for user deploy(uid=1001) by (uid=0)',
  })
  t.end()
})

t.test('SYSLOGPAMSESSION: session closed', (t) => {
  const line = 'Nov 22 04:17:01 web1 CRON[3456]: pam_unix(cron:session): session closed for user root'
  t.strictSame(legacy.compile('%{SYSLOGPAMSESSION}').match(line), {
    timestamp: 'Nov 22 04:17:01',
    logsource: 'web1',
    program: 'CRON',
    pid: '3456',
    pam_module: 'pam_unix',
    pam_caller: 'cron:session',
    pam_session_state: 'closed',
    username: 'root',
    message: 'pam_unix(cron:session): session closed for user root',
  })
  t.strictSame(ecs.compile('%{SYSLOGPAMSESSION}').match(line), {
    timestamp: 'Nov 22 04:17:01',
    host: {
      hostname: 'web1',
    },
    process: {
      name: 'CRON',
      pid: 3456,
    },
    system: {
      auth: {
        pam: {
          module: 'pam_unix',
          origin: 'cron:session',
          session_state: 'closed',
        },
      },
    },
    user: {
      name: 'root',
    },
    message: 'pam_unix(cron:session): session closed for user root',
  })
  t.end()
})

t.test('CRONLOG: Debian cron CMD line', (t) => {
  const line = 'Nov 22 04:17:01 web1 CRON[3456]: (root) CMD (   cd / && run-parts --report /etc/cron.hourly)'
  t.strictSame(legacy.compile('%{CRONLOG}').match(line), {
    timestamp: 'Nov 22 04:17:01',
    logsource: 'web1',
    program: 'CRON',
    pid: '3456',
    user: 'root',
    action: 'CMD',
    message: '   cd / && run-parts --report /etc/cron.hourly',
  })
  t.strictSame(ecs.compile('%{CRONLOG}').match(line), {
    timestamp: 'Nov 22 04:17:01',
    host: {
      hostname: 'web1',
    },
    process: {
      name: 'CRON',
      pid: 3456,
    },
    user: {
      name: 'root',
    },
    system: {
      cron: {
        action: 'CMD',
      },
    },
    message: '   cd / && run-parts --report /etc/cron.hourly',
  })
  t.end()
})

t.test('SYSLOG5424LINE: RFC 5424 example with structured data', (t) => {
  const line = '<165>1 2026-11-22T04:00:00.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"] An application event log entry...'
  t.strictSame(legacy.compile('%{SYSLOG5424LINE}').match(line), {
    syslog5424_pri: '165',
    syslog5424_ver: '1',
    syslog5424_ts: '2026-11-22T04:00:00.003Z',
    syslog5424_host: 'mymachine.example.com',
    syslog5424_app: 'evntslog',
    syslog5424_msgid: 'ID47',
    syslog5424_sd: '[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]',
    syslog5424_msg: 'An application event log entry...',
  })
  t.strictSame(ecs.compile('%{SYSLOG5424LINE}').match(line), {
    log: { syslog: { facility: { code: 165 } } },
    system: { syslog: { version: '1', structured_data: '[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]' } },
    process: { name: 'evntslog' },
    event: { code: 'ID47' },
    timestamp: '2026-11-22T04:00:00.003Z',
    host: {
      hostname: 'mymachine.example.com',
    },
    message: 'An application event log entry...',
  })
  t.end()
})

t.test('SYSLOG5424LINE: rsyslog RSYSLOG_SyslogProtocol23Format, nil SD', (t) => {
  const line = '<13>1 2026-11-22T04:00:00.123456+00:00 web1 app 4321 - - hello world'
  t.strictSame(legacy.compile('%{SYSLOG5424LINE}').match(line), {
    syslog5424_pri: '13',
    syslog5424_ver: '1',
    syslog5424_ts: '2026-11-22T04:00:00.123456+00:00',
    syslog5424_host: 'web1',
    syslog5424_app: 'app',
    syslog5424_proc: '4321',
    syslog5424_msg: 'hello world',
  })
  t.strictSame(ecs.compile('%{SYSLOG5424LINE}').match(line), {
    log: { syslog: { facility: { code: 13 } } },
    system: { syslog: { version: '1' } },
    process: { name: 'app', pid: 4321 },
    timestamp: '2026-11-22T04:00:00.123456+00:00',
    host: {
      hostname: 'web1',
    },
    message: 'hello world',
  })
  t.end()
})

t.test('SYSLOG5424LINE: nil timestamp and host, no message', (t) => {
  const line = '<14>1 - - cron - - -'
  t.strictSame(legacy.compile('%{SYSLOG5424LINE}').match(line), {
    syslog5424_pri: '14',
    syslog5424_ver: '1',
    syslog5424_app: 'cron',
  })
  t.strictSame(ecs.compile('%{SYSLOG5424LINE}').match(line), {
    log: { syslog: { facility: { code: 14 } } },
    system: { syslog: { version: '1' } },
    process: { name: 'cron' },
  })
  t.end()
})

t.test('SYSLOGLINE: free text does not match', (t) => {
  const line = 'this is not a syslog line'
  t.strictSame(legacy.compile('%{SYSLOGLINE}').match(line), null)
  t.strictSame(ecs.compile('%{SYSLOGLINE}').match(line), null)
  t.end()
})

t.test('SYSLOG5424LINE: an RFC 3164 line does not match', (t) => {
  const line = 'Nov 22 04:00:01 web1 sshd[2345]: Accepted publickey'
  t.strictSame(legacy.compile('%{SYSLOG5424LINE}').match(line), null)
  t.strictSame(ecs.compile('%{SYSLOG5424LINE}').match(line), null)
  t.end()
})

t.test('Logstash parity: SYSLOGLINE without a host, RFC 5424 with empty or unquoted structured data', (t) => {
  const su = "Jan 11 22:33:44 su: 'su root' failed for luser on /dev/pts/8"
  t.strictSame(ecs.compile('%{SYSLOGLINE}').match(su), { timestamp: 'Jan 11 22:33:44', process: { name: 'su' }, message: "'su root' failed for luser on /dev/pts/8" })
  t.strictSame(legacy.compile('%{SYSLOGLINE}').match(su), { timestamp: 'Jan 11 22:33:44', program: 'su', message: "'su root' failed for luser on /dev/pts/8" })
  const noSd = '<174>1 2016-12-31T23:59:60-04:00 resolver.se prg00000[1234] - -  info: query'
  t.strictSame(legacy.compile('%{SYSLOG5424LINE}').match(noSd), { syslog5424_pri: '174', syslog5424_ver: '1', syslog5424_ts: '2016-12-31T23:59:60-04:00', syslog5424_host: 'resolver.se', syslog5424_app: 'prg00000[1234]', syslog5424_msg: 'info: query' })
  const unquoted = '<34>1 2012-12-19T01:45:54.001234Z rufus - - - [meta sequenceId=10] BOMStack unit 3'
  t.strictSame(legacy.compile('%{SYSLOG5424LINE}').match(unquoted)?.syslog5424_sd, '[meta sequenceId=10]')
  t.strictSame(ecs.compile('%{SYSLOG5424LINE}').match('<34>1 - - - - - [] x'), { log: { syslog: { facility: { code: 34 } } }, system: { syslog: { version: '1', structured_data: '[]' } }, message: 'x' })
  t.end()
})
