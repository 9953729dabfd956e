import t from 'tap'
import { GrokLibrary } from '../../aggregator/stages/grok/library.ts'

// exim family: exim4 mainlog arrivals, deliveries and other lines.
// Each case asserts the exact captures in both naming modes: legacy field names
// (ecs_compatibility disabled) and ECS field names (v1).

const legacy = GrokLibrary.load({ ecs: 'disabled' })
const ecs = GrokLibrary.load({ ecs: 'v1' })

t.test('EXIM_MESSAGE_ARRIVAL: TLS arrival from a named host', (t) => {
  const line = '2026-11-22 04:00:00 1vMxYz-000A1b-Cd <= alice@example.org H=mail.example.org [192.0.2.25]:52144 P=esmtps X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no S=2345 id=20261122040000.abc@example.org'
  t.strictSame(legacy.compile('%{EXIM_MESSAGE_ARRIVAL}').match(line), {
    timestamp: '2026-11-22 04:00:00', exim_year: '2026', exim_month: '11', exim_day: '22', exim_time: '04:00:00',
    exim_msgid: '1vMxYz-000A1b-Cd', exim_flags: '<=', exim_sender_email: 'alice@example.org',
    remote_hostname: 'mail.example.org', remote_host: '192.0.2.25', remote_port: '52144', protocol: 'esmtps',
    exim_tls: 'TLS1.3:TLS_AES_256_GCM_SHA384:256', exim_msg_size: '2345', exim_header_id: '20261122040000.abc@example.org',
  })
  t.strictSame(ecs.compile('%{EXIM_MESSAGE_ARRIVAL}').match(line), {
    timestamp: '2026-11-22 04:00:00',
    exim: { log: { message: { id: '1vMxYz-000A1b-Cd', size: 2345 }, flags: '<=', sender: { email: 'alice@example.org' }, tls: 'TLS1.3:TLS_AES_256_GCM_SHA384:256', header_id: '20261122040000.abc@example.org' } },
    client: { address: 'mail.example.org', ip: '192.0.2.25', port: 52144 },
    network: { protocol: 'esmtps' },
  })
  t.end()
})

t.test('EXIM_MESSAGE_ARRIVAL: pid, HELO-only host, interface, auth, subject, 4.97 message id, recipient', (t) => {
  const line = '2026-11-22 04:00:05 [12345] 1tQyCl-00000000kx4-3Jo2 <= bob@example.net H=(laptop.local) [198.51.100.20]:60211 I=[192.0.2.1]:587 P=esmtpsa X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no A=dovecot_plain:bob S=10240 id=msg-77@example.net T="Quarterly \\"Q3\\" report" for carol@example.com'
  t.strictSame(legacy.compile('%{EXIM_MESSAGE_ARRIVAL}').match(line), {
    timestamp: '2026-11-22 04:00:05', exim_year: '2026', exim_month: '11', exim_day: '22', exim_time: '04:00:05',
    pid: '12345', exim_msgid: '1tQyCl-00000000kx4-3Jo2', exim_flags: '<=', exim_sender_email: 'bob@example.net',
    remote_heloname: 'laptop.local', remote_host: '198.51.100.20', remote_port: '60211', exim_interface: '192.0.2.1', exim_interface_port: '587',
    protocol: 'esmtpsa', exim_tls: 'TLS1.3:TLS_AES_256_GCM_SHA384:256', exim_auth: 'dovecot_plain:bob', exim_msg_size: '10240',
    exim_header_id: 'msg-77@example.net', exim_subject: '"Quarterly \\"Q3\\" report"', exim_recipient_email: 'carol@example.com',
  })
  t.strictSame(ecs.compile('%{EXIM_MESSAGE_ARRIVAL}').match(line), {
    timestamp: '2026-11-22 04:00:05',
    process: { pid: 12345 },
    exim: {
      log: {
        message: { id: '1tQyCl-00000000kx4-3Jo2', size: 10240, subject: 'Quarterly \\"Q3\\" report' },
        flags: '<=', sender: { email: 'bob@example.net' }, remote_address: 'laptop.local', host: { ip: '192.0.2.1', port: 587 },
        tls: 'TLS1.3:TLS_AES_256_GCM_SHA384:256', auth: 'dovecot_plain:bob', header_id: 'msg-77@example.net', recipient: { email: 'carol@example.com' },
      },
    },
    client: { ip: '198.51.100.20', port: 60211 },
    network: { protocol: 'esmtpsa' },
  })
  t.end()
})

t.test('EXIM_MESSAGE_ARRIVAL: bounce (<>) from local; EXIM is an arrival only', (t) => {
  const line = '2026-11-22 04:00:06 1vMxZb-000A1d-Gh <= <> R=1vMxYz-000A1c-Ef U=Debian-exim P=local S=2890'
  t.strictSame(legacy.compile('%{EXIM_MESSAGE_ARRIVAL}').match(line), {
    timestamp: '2026-11-22 04:00:06', exim_year: '2026', exim_month: '11', exim_day: '22', exim_time: '04:00:06',
    exim_msgid: '1vMxZb-000A1d-Gh', exim_flags: '<=', exim_reference: '1vMxYz-000A1c-Ef', exim_user: 'Debian-exim', protocol: 'local', exim_msg_size: '2890',
  })
  t.strictSame(ecs.compile('%{EXIM}').match(line), {
    timestamp: '2026-11-22 04:00:06',
    exim: { log: { message: { id: '1vMxZb-000A1d-Gh', size: 2890 }, flags: '<=', reference: '1vMxYz-000A1c-Ef' } },
    user: { name: 'Debian-exim' },
    network: { protocol: 'local' },
  })
  t.equal(legacy.compile('%{EXIM}').match('2026-11-22 04:00:07 1vMxZb-000A1d-Gh ** x@example.net R=virtual_aliases: No such person'), null)
  t.end()
})

t.test('EXIM_MESSAGE_DELIVERY: remote SMTP delivery with confirmation and times', (t) => {
  const line = '2026-11-22 04:00:01 1vMxYz-000A1b-Cd => bob@example.net R=dnslookup T=remote_smtp H=mx.example.net [198.51.100.7] X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes C="250 2.0.0 OK id=1vMxZa" QT=1s DT=0s'
  t.strictSame(legacy.compile('%{EXIM_MESSAGE_DELIVERY}').match(line), {
    timestamp: '2026-11-22 04:00:01',
    exim_msgid: '1vMxYz-000A1b-Cd',
    exim_flags: '=>',
    exim_recipient: 'bob@example.net',
    exim_router: 'dnslookup',
    exim_transport: 'remote_smtp',
    remote_hostname: 'mx.example.net',
    remote_host: '198.51.100.7',
    exim_tls: 'TLS1.3:TLS_AES_256_GCM_SHA384:256',
    exim_confirmation: '"250 2.0.0 OK id=1vMxZa"',
    exim_queue_time: '1s',
    exim_delivery_time: '0s',
  })
  t.strictSame(ecs.compile('%{EXIM_MESSAGE_DELIVERY}').match(line), {
    timestamp: '2026-11-22 04:00:01',
    exim: {
      log: {
        message: {
          id: '1vMxYz-000A1b-Cd',
        },
        flags: '=>',
        recipient: {
          email: 'bob@example.net',
        },
        router: 'dnslookup',
        transport: 'remote_smtp',
        tls: 'TLS1.3:TLS_AES_256_GCM_SHA384:256',
        confirmation: '"250 2.0.0 OK id=1vMxZa"',
        queue_time: '1s',
        delivery_time: '0s',
      },
    },
    destination: {
      domain: 'mx.example.net',
      ip: '198.51.100.7',
    },
  })
  t.end()
})

t.test('EXIM_MESSAGE_DELIVERY: local delivery to an alias', (t) => {
  const line = '2026-11-22 04:00:02 1vMxYz-000A1b-Cd -> carol@example.com <postmaster@example.com> R=local_user T=mail_spool'
  t.strictSame(legacy.compile('%{EXIM_MESSAGE_DELIVERY}').match(line), {
    timestamp: '2026-11-22 04:00:02',
    exim_msgid: '1vMxYz-000A1b-Cd',
    exim_flags: '->',
    exim_recipient: 'carol@example.com',
    exim_original_recipient: 'postmaster@example.com',
    exim_router: 'local_user',
    exim_transport: 'mail_spool',
  })
  t.strictSame(ecs.compile('%{EXIM_MESSAGE_DELIVERY}').match(line), {
    timestamp: '2026-11-22 04:00:02',
    exim: {
      log: {
        message: {
          id: '1vMxYz-000A1b-Cd',
        },
        flags: '->',
        recipient: {
          email: 'carol@example.com',
          original: 'postmaster@example.com',
        },
        router: 'local_user',
        transport: 'mail_spool',
      },
    },
  })
  t.end()
})

t.test('EXIM: Completed', (t) => {
  const line = '2026-11-22 04:00:01 1vMxYz-000A1b-Cd Completed'
  t.strictSame(legacy.compile('%{EXIM_ANY}').match(line), {
    timestamp: '2026-11-22 04:00:01',
    exim_msgid: '1vMxYz-000A1b-Cd',
    message: 'Completed',
  })
  t.strictSame(ecs.compile('%{EXIM_ANY}').match(line), {
    timestamp: '2026-11-22 04:00:01',
    exim: {
      log: {
        message: {
          id: '1vMxYz-000A1b-Cd',
        },
      },
    },
    message: 'Completed',
  })
  t.end()
})

t.test('EXIM: permanent failure (**)', (t) => {
  const line = '2026-11-22 04:00:02 1vMxYz-000A1c-Ef ** nobody@example.com R=dnslookup T=remote_smtp H=mx.example.com [203.0.113.25]: SMTP error from remote mail server after RCPT TO:<nobody@example.com>: 550 5.1.1 User unknown'
  t.strictSame(legacy.compile('%{EXIM_ANY}').match(line), {
    timestamp: '2026-11-22 04:00:02',
    exim_msgid: '1vMxYz-000A1c-Ef',
    exim_flags: '**',
    message: 'nobody@example.com R=dnslookup T=remote_smtp H=mx.example.com [203.0.113.25]: SMTP error from remote mail server after RCPT TO:<nobody@example.com>: 550 5.1.1 User unknown',
  })
  t.strictSame(ecs.compile('%{EXIM_ANY}').match(line), {
    timestamp: '2026-11-22 04:00:02',
    exim: {
      log: {
        message: {
          id: '1vMxYz-000A1c-Ef',
        },
        flags: '**',
      },
    },
    message: 'nobody@example.com R=dnslookup T=remote_smtp H=mx.example.com [203.0.113.25]: SMTP error from remote mail server after RCPT TO:<nobody@example.com>: 550 5.1.1 User unknown',
  })
  t.end()
})

t.test('EXIM: queue runner line without a message id', (t) => {
  const line = '2026-11-22 04:10:00 [4242] Start queue run: pid=4242'
  t.strictSame(legacy.compile('%{EXIM_ANY}').match(line), {
    timestamp: '2026-11-22 04:10:00',
    pid: '4242',
    message: 'Start queue run: pid=4242',
  })
  t.strictSame(ecs.compile('%{EXIM_ANY}').match(line), {
    timestamp: '2026-11-22 04:10:00',
    process: {
      pid: 4242,
    },
    message: 'Start queue run: pid=4242',
  })
  t.end()
})

t.test('EXIM_MESSAGE_ARRIVAL: a delivery line does not match', (t) => {
  const line = '2026-11-22 04:00:01 1vMxYz-000A1b-Cd => bob@example.net R=dnslookup T=remote_smtp'
  t.strictSame(legacy.compile('%{EXIM_MESSAGE_ARRIVAL}').match(line), null)
  t.strictSame(ecs.compile('%{EXIM_MESSAGE_ARRIVAL}').match(line), null)
  t.end()
})

t.test('EXIM: a syslog line does not match', (t) => {
  const line = 'Nov 22 04:00:01 mx1 exim[123]: Completed'
  t.strictSame(legacy.compile('%{EXIM_ANY}').match(line), null)
  t.strictSame(ecs.compile('%{EXIM_ANY}').match(line), null)
  t.end()
})
