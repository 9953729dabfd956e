import t from 'tap'
import { GrokLibrary } from '../../aggregator/stages/grok/library.ts'

// firewalls family: netfilter LOG kernel lines, Cisco ASA messages, pf log lines.
// Each case asserts the exact captures in both naming modes: legacy field names
// (ecs_compatibility disabled) and ECS field names (v1).

const legacy = GrokLibrary.load({ ecs: 'disabled' })
const ecs = GrokLibrary.load({ ecs: 'v1' })

t.test('IPTABLES_SYSLOG: TCP SYN dropped, kernel uptime stamp and log prefix', (t) => {
  const line = 'Nov 22 04:00:00 fw1 kernel: [12345.678901] IPTABLES-DROP: IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=203.0.113.5 DST=192.0.2.10 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=54321 DF PROTO=TCP SPT=51234 DPT=22 WINDOW=64240 RES=0x00 SYN URGP=0'
  t.strictSame(legacy.compile('%{IPTABLES_SYSLOG}').match(line), {
    timestamp: 'Nov 22 04:00:00',
    logsource: 'fw1',
    program: 'kernel',
    kernel_timestamp: '12345.678901',
    log_prefix: 'IPTABLES-DROP:',
    in_interface: 'eth0',
    dst_mac: '52:54:00:12:34:56',
    src_mac: '52:54:00:65:43:21',
    src_ip: '203.0.113.5',
    dst_ip: '192.0.2.10',
    length: '60',
    tos: '0x00',
    precedence: '0x00',
    ttl: '52',
    id: '54321',
    fragment_flags: 'DF',
    protocol: 'TCP',
    src_port: '51234',
    dst_port: '22',
    tcp_window: '64240',
    tcp_res: '0x00',
    tcp_flags: 'SYN',
    tcp_urgp: '0',
  })
  t.strictSame(ecs.compile('%{IPTABLES_SYSLOG}').match(line), {
    timestamp: 'Nov 22 04:00:00',
    host: {
      hostname: 'fw1',
    },
    process: {
      name: 'kernel',
    },
    iptables: {
      kernel_timestamp: '12345.678901',
      prefix: 'IPTABLES-DROP:',
      length: 60,
      tos: '0x00',
      precedence_bits: '0x00',
      ttl: 52,
      id: 54321,
      fragment_flags: 'DF',
      tcp: {
        window: 64240,
        flags: 'SYN',
        urgent_pointer: 0,
      },
      tcp_reserved_bits: '0x00',
    },
    observer: {
      ingress: {
        interface: {
          name: 'eth0',
        },
      },
    },
    destination: {
      mac: '52:54:00:12:34:56',
      ip: '192.0.2.10',
      port: 22,
    },
    source: {
      mac: '52:54:00:65:43:21',
      ip: '203.0.113.5',
      port: 51234,
    },
    network: {
      transport: 'TCP',
    },
  })
  t.end()
})

t.test('IPTABLES_SYSLOG: UFW block of IPv6 UDP', (t) => {
  const line = 'Nov 22 04:00:01 web1 kernel: [UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:86:dd SRC=2001:db8::5 DST=2001:db8::10 LEN=80 TC=0 HOPLIMIT=57 FLOWLBL=123456 PROTO=UDP SPT=5353 DPT=5353 LEN=40'
  t.strictSame(legacy.compile('%{IPTABLES_SYSLOG}').match(line), {
    timestamp: 'Nov 22 04:00:01',
    logsource: 'web1',
    program: 'kernel',
    log_prefix: '[UFW BLOCK]',
    in_interface: 'eth0',
    dst_mac: '52:54:00:12:34:56',
    src_mac: '52:54:00:65:43:21',
    src_ip: '2001:db8::5',
    dst_ip: '2001:db8::10',
    length: '80',
    ttl: '57',
    tc: '0',
    flow_label: '123456',
    protocol: 'UDP',
    src_port: '5353',
    dst_port: '5353',
    udp_length: '40',
  })
  t.strictSame(ecs.compile('%{IPTABLES_SYSLOG}').match(line), {
    timestamp: 'Nov 22 04:00:01',
    host: {
      hostname: 'web1',
    },
    process: {
      name: 'kernel',
    },
    iptables: {
      prefix: '[UFW BLOCK]',
      length: 80,
      ttl: 57,
      traffic_class: 0,
      flow_label: 123456,
      udp: {
        length: 40,
      },
    },
    observer: {
      ingress: {
        interface: {
          name: 'eth0',
        },
      },
    },
    destination: {
      mac: '52:54:00:12:34:56',
      ip: '2001:db8::10',
      port: 5353,
    },
    source: {
      mac: '52:54:00:65:43:21',
      ip: '2001:db8::5',
      port: 5353,
    },
    network: {
      transport: 'UDP',
    },
  })
  t.end()
})

t.test('IPTABLES: outbound ICMP echo with --log-uid, no MAC', (t) => {
  const line = 'IN= OUT=eth0 SRC=192.0.2.10 DST=198.51.100.1 LEN=84 TOS=0x00 PREC=0x00 TTL=64 ID=4321 DF PROTO=ICMP TYPE=8 CODE=0 ID=77 SEQ=1 UID=1000 GID=1000'
  t.strictSame(legacy.compile('%{IPTABLES}').match(line), {
    out_interface: 'eth0',
    src_ip: '192.0.2.10',
    dst_ip: '198.51.100.1',
    length: '84',
    tos: '0x00',
    precedence: '0x00',
    ttl: '64',
    id: '4321',
    fragment_flags: 'DF',
    protocol: 'ICMP',
    icmp_type: '8',
    icmp_code: '0',
    icmp_id: '77',
    icmp_seq: '1',
    uid: '1000',
    gid: '1000',
  })
  t.strictSame(ecs.compile('%{IPTABLES}').match(line), {
    observer: {
      egress: {
        interface: {
          name: 'eth0',
        },
      },
    },
    source: {
      ip: '192.0.2.10',
    },
    destination: {
      ip: '198.51.100.1',
    },
    iptables: {
      length: 84,
      tos: '0x00',
      precedence_bits: '0x00',
      ttl: 64,
      id: 4321,
      fragment_flags: 'DF',
      icmp: {
        type: 8,
        code: 0,
        id: 77,
        seq: 1,
      },
      uid: 1000,
      gid: 1000,
    },
    network: {
      transport: 'ICMP',
    },
  })
  t.end()
})

t.test('IPTABLES: TCP with --log-tcp-sequence, several flags and a mark', (t) => {
  const line = 'IN=eth0 OUT=eth1 MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=198.51.100.80 DST=10.0.0.5 LEN=52 TOS=0x08 PREC=0x20 TTL=56 ID=0 DF PROTO=TCP SPT=443 DPT=51234 SEQ=123456789 ACK=987654321 WINDOW=501 RES=0x00 ACK FIN URGP=0 MARK=0x1'
  t.strictSame(legacy.compile('%{IPTABLES}').match(line), {
    in_interface: 'eth0',
    out_interface: 'eth1',
    dst_mac: '52:54:00:12:34:56',
    src_mac: '52:54:00:65:43:21',
    src_ip: '198.51.100.80',
    dst_ip: '10.0.0.5',
    length: '52',
    tos: '0x08',
    precedence: '0x20',
    ttl: '56',
    id: '0',
    fragment_flags: 'DF',
    protocol: 'TCP',
    src_port: '443',
    dst_port: '51234',
    tcp_seq: '123456789',
    tcp_ack: '987654321',
    tcp_window: '501',
    tcp_res: '0x00',
    tcp_flags: 'ACK FIN',
    tcp_urgp: '0',
    mark: '0x1',
  })
  t.strictSame(ecs.compile('%{IPTABLES}').match(line), {
    observer: {
      ingress: {
        interface: {
          name: 'eth0',
        },
      },
      egress: {
        interface: {
          name: 'eth1',
        },
      },
    },
    destination: {
      mac: '52:54:00:12:34:56',
      ip: '10.0.0.5',
      port: 51234,
    },
    source: {
      mac: '52:54:00:65:43:21',
      ip: '198.51.100.80',
      port: 443,
    },
    iptables: {
      length: 52,
      tos: '0x08',
      precedence_bits: '0x20',
      ttl: 56,
      id: 0,
      fragment_flags: 'DF',
      tcp: {
        seq: 123456789,
        ack: 987654321,
        window: 501,
        flags: 'ACK FIN',
        urgent_pointer: 0,
      },
      tcp_reserved_bits: '0x00',
      mark: '0x1',
    },
    network: {
      transport: 'TCP',
    },
  })
  t.end()
})

t.test('CISCO_TAGGED_SYSLOG + 302013: built inbound TCP with NAT', (t) => {
  const line = '<166>Nov 22 2026 04:00:00: %ASA-6-302013: Built inbound TCP connection 123456 for outside:203.0.113.5/51234 (203.0.113.5/51234) to inside:192.0.2.10/443 (198.51.100.10/443)'
  t.strictSame(legacy.compile('%{CISCO_TAGGED_SYSLOG} %{CISCOFW302013_302014_302015_302016}').match(line), {
    syslog_pri: '166',
    timestamp: 'Nov 22 2026 04:00:00',
    ciscotag: 'ASA-6-302013',
    action: 'Built',
    direction: 'inbound',
    protocol: 'TCP',
    connection_id: '123456',
    src_interface: 'outside',
    src_ip: '203.0.113.5',
    src_port: '51234',
    src_xlated_ip: '203.0.113.5',
    src_xlated_port: '51234',
    dst_interface: 'inside',
    dst_ip: '192.0.2.10',
    dst_port: '443',
    dst_xlated_ip: '198.51.100.10',
    dst_xlated_port: '443',
  })
  t.strictSame(ecs.compile('%{CISCO_TAGGED_SYSLOG} %{CISCOFW302013_302014_302015_302016}').match(line), {
    log: { syslog: { priority: 166 } },
    timestamp: 'Nov 22 2026 04:00:00',
    cisco: { asa: { tag: 'ASA-6-302013', outcome: 'Built', network: { direction: 'inbound', transport: 'TCP' }, connection_id: '123456' } },
    observer: { ingress: { interface: { name: 'outside' } }, egress: { interface: { name: 'inside' } } },
    source: { ip: '203.0.113.5', port: 51234, nat: { ip: '203.0.113.5', port: 51234 } },
    destination: { ip: '192.0.2.10', port: 443, nat: { ip: '198.51.100.10', port: 443 } },
  })
  t.end()
})

t.test('CISCO_TAGGED_SYSLOG + 302014: teardown with duration, bytes, reason', (t) => {
  const line = 'Nov 22 2026 04:01:02 fw01 : %ASA-6-302014: Teardown TCP connection 123456 for outside:203.0.113.5/51234 to inside:192.0.2.10/443 duration 0:01:02 bytes 4821 TCP FINs'
  t.strictSame(legacy.compile('%{CISCO_TAGGED_SYSLOG} %{CISCOFW302013_302014_302015_302016}').match(line), {
    timestamp: 'Nov 22 2026 04:01:02',
    sysloghost: 'fw01',
    ciscotag: 'ASA-6-302014',
    action: 'Teardown',
    protocol: 'TCP',
    connection_id: '123456',
    src_interface: 'outside',
    src_ip: '203.0.113.5',
    src_port: '51234',
    dst_interface: 'inside',
    dst_ip: '192.0.2.10',
    dst_port: '443',
    duration: '0:01:02',
    bytes: '4821',
    reason: 'TCP FINs',
  })
  t.strictSame(ecs.compile('%{CISCO_TAGGED_SYSLOG} %{CISCOFW302013_302014_302015_302016}').match(line), {
    timestamp: 'Nov 22 2026 04:01:02',
    host: { hostname: 'fw01' },
    cisco: { asa: { tag: 'ASA-6-302014', outcome: 'Teardown', network: { transport: 'TCP' }, connection_id: '123456', duration: '0:01:02' } },
    observer: { ingress: { interface: { name: 'outside' } }, egress: { interface: { name: 'inside' } } },
    source: { ip: '203.0.113.5', port: 51234 },
    destination: { ip: '192.0.2.10', port: 443 },
    network: { bytes: 4821 },
    event: { reason: 'TCP FINs' },
  })
  t.end()
})

t.test('CISCOFW302013_302014_302015_302016: 302015 built outbound UDP', (t) => {
  const line = 'Built outbound UDP connection 7890 for outside:8.8.8.8/53 (8.8.8.8/53) to inside:192.0.2.10/51000 (198.51.100.10/51000)'
  t.strictSame(legacy.compile('%{CISCOFW302013_302014_302015_302016}').match(line), {
    action: 'Built',
    direction: 'outbound',
    protocol: 'UDP',
    connection_id: '7890',
    src_interface: 'outside',
    src_ip: '8.8.8.8',
    src_port: '53',
    src_xlated_ip: '8.8.8.8',
    src_xlated_port: '53',
    dst_interface: 'inside',
    dst_ip: '192.0.2.10',
    dst_port: '51000',
    dst_xlated_ip: '198.51.100.10',
    dst_xlated_port: '51000',
  })
  t.strictSame(ecs.compile('%{CISCOFW302013_302014_302015_302016}').match(line), {
    cisco: { asa: { outcome: 'Built', network: { direction: 'outbound', transport: 'UDP' }, connection_id: '7890' } },
    observer: { ingress: { interface: { name: 'outside' } }, egress: { interface: { name: 'inside' } } },
    source: { ip: '8.8.8.8', port: 53, nat: { ip: '8.8.8.8', port: 53 } },
    destination: { ip: '192.0.2.10', port: 51000, nat: { ip: '198.51.100.10', port: 51000 } },
  })
  t.end()
})

t.test('CISCOFW106001: inbound TCP denied', (t) => {
  const line = 'Nov 22 04:00:03 fw01 %ASA-2-106001: Inbound TCP connection denied from 203.0.113.5/51234 to 192.0.2.10/23 flags SYN  on interface outside'
  t.strictSame(legacy.compile('%{CISCO_TAGGED_SYSLOG} %{CISCOFW106001}').match(line), {
    timestamp: 'Nov 22 04:00:03',
    sysloghost: 'fw01',
    ciscotag: 'ASA-2-106001',
    direction: 'Inbound',
    protocol: 'TCP',
    action: 'denied',
    src_ip: '203.0.113.5',
    src_port: '51234',
    dst_ip: '192.0.2.10',
    dst_port: '23',
    tcp_flags: 'SYN',
    interface: 'outside',
  })
  t.strictSame(ecs.compile('%{CISCO_TAGGED_SYSLOG} %{CISCOFW106001}').match(line), {
    timestamp: 'Nov 22 04:00:03',
    host: { hostname: 'fw01' },
    cisco: { asa: { tag: 'ASA-2-106001', network: { direction: 'Inbound', transport: 'TCP' }, outcome: 'denied', tcp_flags: 'SYN' } },
    source: { ip: '203.0.113.5', port: 51234 },
    destination: { ip: '192.0.2.10', port: 23 },
    observer: { egress: { interface: { name: 'outside' } } },
  })
  t.end()
})

t.test('CISCOFW106006_106007_106010: 106006', (t) => {
  const line = 'Deny inbound UDP from 203.0.113.5/5353 to 192.0.2.10/161 on interface outside'
  t.strictSame(legacy.compile('%{CISCOFW106006_106007_106010}').match(line), {
    action: 'Deny',
    direction: 'inbound',
    protocol: 'UDP',
    src_ip: '203.0.113.5',
    src_port: '5353',
    dst_ip: '192.0.2.10',
    dst_port: '161',
    interface: 'outside',
  })
  t.strictSame(ecs.compile('%{CISCOFW106006_106007_106010}').match(line), {
    cisco: { asa: { outcome: 'Deny', network: { direction: 'inbound', transport: 'UDP' } } },
    source: { ip: '203.0.113.5', port: 5353 },
    destination: { ip: '192.0.2.10', port: 161 },
    observer: { egress: { interface: { name: 'outside' } } },
  })
  t.end()
})

t.test('CISCOFW106006_106007_106010: 106007 due to DNS Query', (t) => {
  const line = 'Deny inbound UDP from 203.0.113.5/53 to 192.0.2.10/4096 due to DNS Query'
  t.strictSame(legacy.compile('%{CISCOFW106006_106007_106010}').match(line), {
    action: 'Deny',
    direction: 'inbound',
    protocol: 'UDP',
    src_ip: '203.0.113.5',
    src_port: '53',
    dst_ip: '192.0.2.10',
    dst_port: '4096',
    reason: 'DNS Query',
  })
  t.strictSame(ecs.compile('%{CISCOFW106006_106007_106010}').match(line), {
    cisco: {
      asa: {
        outcome: 'Deny',
        network: {
          direction: 'inbound',
          transport: 'UDP',
        },
      },
    },
    source: {
      ip: '203.0.113.5',
      port: 53,
    },
    destination: {
      ip: '192.0.2.10',
      port: 4096,
    },
    event: {
      reason: 'DNS Query',
    },
  })
  t.end()
})

t.test('CISCOFW106006_106007_106010: 106010 by protocol number', (t) => {
  const line = 'Deny inbound protocol 47 src outside:203.0.113.5 dst inside:192.0.2.10'
  t.strictSame(legacy.compile('%{CISCOFW106006_106007_106010}').match(line), {
    action: 'Deny',
    direction: 'inbound',
    protocol: '47',
    src_ip: '203.0.113.5',
    dst_ip: '192.0.2.10',
    src_interface: 'outside',
    dst_interface: 'inside',
  })
  t.strictSame(ecs.compile('%{CISCOFW106006_106007_106010}').match(line), {
    cisco: { asa: { outcome: 'Deny', network: { direction: 'inbound', transport: '47' } } },
    source: { ip: '203.0.113.5' },
    destination: { ip: '192.0.2.10' },
    observer: { egress: { interface: { name: 'inside' } }, ingress: { interface: { name: 'outside' } } },
  })
  t.end()
})

t.test('CISCOFW106014: ICMP denied', (t) => {
  const line = 'Deny inbound icmp src outside:203.0.113.5 dst inside:192.0.2.10 (type 8, code 0)'
  t.strictSame(legacy.compile('%{CISCOFW106014}').match(line), {
    action: 'Deny',
    direction: 'inbound',
    protocol: 'icmp',
    src_interface: 'outside',
    src_ip: '203.0.113.5',
    dst_interface: 'inside',
    dst_ip: '192.0.2.10',
    icmp_type: '8',
    icmp_code: '0',
  })
  t.strictSame(ecs.compile('%{CISCOFW106014}').match(line), {
    cisco: { asa: { outcome: 'Deny', network: { direction: 'inbound', transport: 'icmp' }, icmp_type: 8, icmp_code: 0 } },
    observer: { ingress: { interface: { name: 'outside' } }, egress: { interface: { name: 'inside' } } },
    source: { ip: '203.0.113.5' },
    destination: { ip: '192.0.2.10' },
  })
  t.end()
})

t.test('CISCOFW106015: TCP without connection', (t) => {
  const line = 'Deny TCP (no connection) from 203.0.113.5/443 to 192.0.2.10/51234 flags RST  on interface outside'
  t.strictSame(legacy.compile('%{CISCOFW106015}').match(line), {
    action: 'Deny',
    protocol: 'TCP',
    src_ip: '203.0.113.5',
    src_port: '443',
    dst_ip: '192.0.2.10',
    dst_port: '51234',
    tcp_flags: 'RST',
    interface: 'outside',
  })
  t.strictSame(ecs.compile('%{CISCOFW106015}').match(line), {
    cisco: { asa: { outcome: 'Deny', network: { transport: 'TCP' }, tcp_flags: 'RST' } },
    source: { ip: '203.0.113.5', port: 443 },
    destination: { ip: '192.0.2.10', port: 51234 },
    observer: { egress: { interface: { name: 'outside' } } },
  })
  t.end()
})

t.test('CISCOFW106023: denied by access-group', (t) => {
  const line = 'Deny tcp src outside:203.0.113.5/51234 dst inside:192.0.2.10/3389 by access-group "outside_access_in" [0x0, 0x0]'
  t.strictSame(legacy.compile('%{CISCOFW106023}').match(line), {
    action: 'Deny',
    protocol: 'tcp',
    src_interface: 'outside',
    src_ip: '203.0.113.5',
    src_port: '51234',
    dst_interface: 'inside',
    dst_ip: '192.0.2.10',
    dst_port: '3389',
    policy_id: 'outside_access_in',
    hashcode1: '0x0',
    hashcode2: '0x0',
  })
  t.strictSame(ecs.compile('%{CISCOFW106023}').match(line), {
    cisco: { asa: { outcome: 'Deny', network: { transport: 'tcp' }, rule_name: 'outside_access_in' } },
    observer: { ingress: { interface: { name: 'outside' } }, egress: { interface: { name: 'inside' } } },
    source: { ip: '203.0.113.5', port: 51234 },
    destination: { ip: '192.0.2.10', port: 3389 },
    '@metadata': { cisco: { asa: { hashcode1: '0x0', hashcode2: '0x0' } } },
  })
  t.end()
})

t.test('CISCOFW106100: access-list hit', (t) => {
  const line = 'access-list outside_access_in denied tcp outside/203.0.113.5(51234) -> inside/192.0.2.10(22) hit-cnt 1 first hit [0x91e3c5d0, 0x0]'
  t.strictSame(legacy.compile('%{CISCOFW106100}').match(line), {
    policy_id: 'outside_access_in',
    action: 'denied',
    protocol: 'tcp',
    src_interface: 'outside',
    src_ip: '203.0.113.5',
    src_port: '51234',
    dst_interface: 'inside',
    dst_ip: '192.0.2.10',
    dst_port: '22',
    hit_count: '1',
    interval: 'first hit',
    hashcode1: '0x91e3c5d0',
    hashcode2: '0x0',
  })
  t.strictSame(ecs.compile('%{CISCOFW106100}').match(line), {
    cisco: { asa: { rule_name: 'outside_access_in', outcome: 'denied', network: { transport: 'tcp' }, hit_count: 1, interval: 'first hit' } },
    observer: { ingress: { interface: { name: 'outside' } }, egress: { interface: { name: 'inside' } } },
    source: { ip: '203.0.113.5', port: 51234 },
    destination: { ip: '192.0.2.10', port: 22 },
    '@metadata': { cisco: { asa: { hashcode1: '0x91e3c5d0', hashcode2: '0x0' } } },
  })
  t.end()
})

t.test('CISCOFW302020_302021: built inbound ICMP', (t) => {
  const line = 'Built inbound ICMP connection for faddr 203.0.113.5/1 gaddr 198.51.100.10/0 laddr 192.0.2.10/0'
  t.strictSame(legacy.compile('%{CISCOFW302020_302021}').match(line), {
    action: 'Built',
    direction: 'inbound',
    protocol: 'ICMP',
    dst_ip: '203.0.113.5',
    icmp_seq_num: '1',
    src_xlated_ip: '198.51.100.10',
    icmp_code_xlated: '0',
    src_ip: '192.0.2.10',
    icmp_code: '0',
  })
  t.strictSame(ecs.compile('%{CISCOFW302020_302021}').match(line), {
    cisco: { asa: { outcome: 'Built', network: { direction: 'inbound', transport: 'ICMP' }, icmp_seq: 1, icmp_type: 0 } },
    destination: { ip: '203.0.113.5' },
    source: { nat: { ip: '198.51.100.10' }, ip: '192.0.2.10' },
    '@metadata': { cisco: { asa: { icmp_code_xlated: 0 } } },
  })
  t.end()
})

t.test('CISCOFW305011: dynamic translation', (t) => {
  const line = 'Built dynamic TCP translation from inside:192.0.2.10/51234 to outside:198.51.100.10/61234'
  t.strictSame(legacy.compile('%{CISCOFW305011}').match(line), {
    action: 'Built',
    xlate_type: 'dynamic',
    protocol: 'TCP',
    src_interface: 'inside',
    src_ip: '192.0.2.10',
    src_port: '51234',
    src_xlated_interface: 'outside',
    src_xlated_ip: '198.51.100.10',
    src_xlated_port: '61234',
  })
  t.strictSame(ecs.compile('%{CISCOFW305011}').match(line), {
    cisco: { asa: { outcome: 'Built', network: { transport: 'TCP' } } },
    '@metadata': { cisco: { asa: { xlate_type: 'dynamic' } } },
    observer: { ingress: { interface: { name: 'inside' } }, egress: { interface: { name: 'outside' } } },
    source: { ip: '192.0.2.10', port: 51234 },
    destination: { ip: '198.51.100.10', port: 61234 },
  })
  t.end()
})

t.test('CISCOFW313001_313004_313008: 313001 ICMP denied', (t) => {
  const line = 'Denied ICMP type=8, code=0 from 203.0.113.5 on interface outside'
  t.strictSame(legacy.compile('%{CISCOFW313001_313004_313008}').match(line), {
    action: 'Denied',
    protocol: 'ICMP',
    icmp_type: '8',
    icmp_code: '0',
    src_ip: '203.0.113.5',
    interface: 'outside',
  })
  t.strictSame(ecs.compile('%{CISCOFW313001_313004_313008}').match(line), {
    cisco: { asa: { outcome: 'Denied', network: { transport: 'ICMP' }, icmp_type: 8, icmp_code: 0 } },
    source: { ip: '203.0.113.5' },
    observer: { egress: { interface: { name: 'outside' } } },
  })
  t.end()
})

t.test('CISCOFW313001_313004_313008: 313004 no matching session', (t) => {
  const line = 'Denied ICMP type=0, from laddr 203.0.113.5 on interface outside to 192.0.2.10: no matching session'
  t.strictSame(legacy.compile('%{CISCOFW313001_313004_313008}').match(line), {
    action: 'Denied',
    protocol: 'ICMP',
    icmp_type: '0',
    src_ip: '203.0.113.5',
    interface: 'outside',
    dst_ip: '192.0.2.10',
  })
  t.strictSame(ecs.compile('%{CISCOFW313001_313004_313008}').match(line), {
    cisco: { asa: { outcome: 'Denied', network: { transport: 'ICMP' }, icmp_type: 0 } },
    source: { ip: '203.0.113.5' },
    observer: { egress: { interface: { name: 'outside' } } },
    destination: { ip: '192.0.2.10' },
  })
  t.end()
})

t.test('CISCOFW710001_710002_710003_710005_710006: 710003 denied by ACL, service name port', (t) => {
  const line = 'TCP access denied by ACL from 203.0.113.5/51234 to outside:198.51.100.10/ssh'
  t.strictSame(legacy.compile('%{CISCOFW710001_710002_710003_710005_710006}').match(line), {
    protocol: 'TCP',
    action: 'denied by ACL',
    src_ip: '203.0.113.5',
    src_port: '51234',
    dst_interface: 'outside',
    dst_ip: '198.51.100.10',
    dst_port: 'ssh',
  })
  t.strictSame(ecs.compile('%{CISCOFW710001_710002_710003_710005_710006}').match(line), {
    cisco: { asa: { network: { transport: 'TCP' }, outcome: 'denied by ACL', destination_service: 'ssh' } },
    source: { ip: '203.0.113.5', port: 51234 },
    observer: { egress: { interface: { name: 'outside' } } },
    destination: { ip: '198.51.100.10' },
  })
  t.end()
})

t.test('CISCOFW710001_710002_710003_710005_710006: 710005 UDP request discarded', (t) => {
  const line = 'UDP request discarded from 203.0.113.5/137 to outside:198.51.100.255/137'
  t.strictSame(legacy.compile('%{CISCOFW710001_710002_710003_710005_710006}').match(line), {
    protocol: 'UDP',
    action: 'discarded',
    src_ip: '203.0.113.5',
    src_port: '137',
    dst_interface: 'outside',
    dst_ip: '198.51.100.255',
    dst_port: '137',
  })
  t.strictSame(ecs.compile('%{CISCOFW710001_710002_710003_710005_710006}').match(line), {
    cisco: { asa: { network: { transport: 'UDP' }, outcome: 'discarded' } },
    source: { ip: '203.0.113.5', port: 137 },
    observer: { egress: { interface: { name: 'outside' } } },
    destination: { ip: '198.51.100.255', port: 137 },
  })
  t.end()
})

t.test('CISCOFW106021: reverse path check', (t) => {
  const line = '<161>Nov 22 2026 04:02:00 fw01 : %ASA-1-106021: Deny TCP reverse path check from 203.0.113.5 to 192.0.2.10 on interface outside'
  t.strictSame(legacy.compile('%{CISCO_TAGGED_SYSLOG} %{CISCOFW106021}').match(line), {
    syslog_pri: '161',
    timestamp: 'Nov 22 2026 04:02:00',
    sysloghost: 'fw01',
    ciscotag: 'ASA-1-106021',
    action: 'Deny',
    protocol: 'TCP',
    src_ip: '203.0.113.5',
    dst_ip: '192.0.2.10',
    interface: 'outside',
  })
  t.strictSame(ecs.compile('%{CISCO_TAGGED_SYSLOG} %{CISCOFW106021}').match(line), {
    log: { syslog: { priority: 161 } },
    timestamp: 'Nov 22 2026 04:02:00',
    host: { hostname: 'fw01' },
    cisco: { asa: { tag: 'ASA-1-106021', outcome: 'Deny', network: { transport: 'TCP' } } },
    source: { ip: '203.0.113.5' },
    destination: { ip: '192.0.2.10' },
    observer: { egress: { interface: { name: 'outside' } } },
  })
  t.end()
})

t.test('CISCOFW304001: URL accessed by an identified user', (t) => {
  const line = '192.0.2.10(LOCAL\\alice) Accessed URL 93.184.216.34:http://example.com/index.html'
  t.strictSame(legacy.compile('%{CISCOFW304001}').match(line), {
    src_ip: '192.0.2.10',
    src_fwuser: 'LOCAL\\alice',
    dst_ip: '93.184.216.34',
    dst_url: 'http://example.com/index.html',
  })
  t.strictSame(ecs.compile('%{CISCOFW304001}').match(line), {
    source: { ip: '192.0.2.10', user: { name: 'LOCAL\\alice' } },
    destination: { ip: '93.184.216.34' },
    url: { original: 'http://example.com/index.html' },
  })
  t.end()
})

t.test('CISCOFW419002: duplicate TCP SYN', (t) => {
  const line = 'Duplicate TCP SYN from outside:203.0.113.5/51234 to inside:192.0.2.10/443 with different initial sequence number'
  t.strictSame(legacy.compile('%{CISCOFW419002}').match(line), {
    reason: 'Duplicate TCP SYN',
    src_interface: 'outside',
    src_ip: '203.0.113.5',
    src_port: '51234',
    dst_interface: 'inside',
    dst_ip: '192.0.2.10',
    dst_port: '443',
  })
  t.strictSame(ecs.compile('%{CISCOFW419002}').match(line), {
    event: { reason: 'Duplicate TCP SYN' },
    observer: { ingress: { interface: { name: 'outside' } }, egress: { interface: { name: 'inside' } } },
    source: { ip: '203.0.113.5', port: 51234 },
    destination: { ip: '192.0.2.10', port: 443 },
  })
  t.end()
})

t.test('CISCOFW733100: threat detection burst', (t) => {
  const line = 'Nov 22 2026 04:03:00 fw01 : %ASA-4-733100: [ Scanning] drop rate-1 exceeded. Current burst rate is 10 per second, max configured rate is 10; Current average rate is 5 per second, max configured rate is 5; Cumulative total count is 3000'
  t.strictSame(legacy.compile('%{CISCO_TAGGED_SYSLOG} %{CISCOFW733100}').match(line), {
    timestamp: 'Nov 22 2026 04:03:00',
    sysloghost: 'fw01',
    ciscotag: 'ASA-4-733100',
    drop_type: 'Scanning',
    drop_rate_id: 'rate-1',
    drop_rate_current_burst: '10',
    drop_rate_max_burst: '10',
    drop_rate_current_avg: '5',
    drop_rate_max_avg: '5',
    drop_total_count: '3000',
  })
  t.strictSame(ecs.compile('%{CISCO_TAGGED_SYSLOG} %{CISCOFW733100}').match(line), {
    timestamp: 'Nov 22 2026 04:03:00',
    host: { hostname: 'fw01' },
    cisco: {
      asa: {
        tag: 'ASA-4-733100',
        burst: { object: 'Scanning', id: 'rate-1', current_rate: 10, configured_rate: 10, avg_rate: 5, configured_avg_rate: 5, cumulative_count: 3000 },
      },
    },
  })
  t.end()
})

t.test('PFLOG: OpenBSD block in, TCP', (t) => {
  const line = 'rule 3/(match) block in on em0: 203.0.113.5.51234 > 192.0.2.10.22: S 1234567:1234567(0) win 16384 <mss 1460> (DF)'
  t.strictSame(legacy.compile('%{PFLOG}').match(line), {
    rule: '3',
    reason: 'match',
    action: 'block',
    direction: 'in',
    interface: 'em0',
    src_ip: '203.0.113.5',
    src_port: '51234',
    dst_ip: '192.0.2.10',
    dst_port: '22',
    packet: 'S 1234567:1234567(0) win 16384 <mss 1460> (DF)',
  })
  t.strictSame(ecs.compile('%{PFLOG}').match(line), {
    rule: {
      id: '3',
    },
    event: {
      reason: 'match',
      action: 'block',
    },
    observer: {
      ingress: {
        interface: {
          name: 'em0',
        },
      },
    },
    source: {
      ip: '203.0.113.5',
      port: 51234,
    },
    destination: {
      ip: '192.0.2.10',
      port: 22,
    },
    pf: {
      packet: 'S 1234567:1234567(0) win 16384 <mss 1460> (DF)',
    },
  })
  t.end()
})

t.test('PFLOG: FreeBSD pass out, UDP DNS', (t) => {
  const line = 'rule 0/0(match): pass out on em0: 192.0.2.10.53211 > 198.51.100.53.53: 4321+ A? example.com. (29)'
  t.strictSame(legacy.compile('%{PFLOG}').match(line), {
    rule: '0',
    subrule: '0',
    reason: 'match',
    action: 'pass',
    direction: 'out',
    interface: 'em0',
    src_ip: '192.0.2.10',
    src_port: '53211',
    dst_ip: '198.51.100.53',
    dst_port: '53',
    packet: '4321+ A? example.com. (29)',
  })
  t.strictSame(ecs.compile('%{PFLOG}').match(line), {
    rule: {
      id: '0',
    },
    pf: {
      subrule: 0,
      packet: '4321+ A? example.com. (29)',
    },
    event: {
      reason: 'match',
      action: 'pass',
    },
    observer: {
      egress: {
        interface: {
          name: 'em0',
        },
      },
    },
    source: {
      ip: '192.0.2.10',
      port: 53211,
    },
    destination: {
      ip: '198.51.100.53',
      port: 53,
    },
  })
  t.end()
})

t.test('PFLOG: anchor rule, ICMP without ports', (t) => {
  const line = 'rule 1.relayd.2/(match) block in on em1: 203.0.113.5 > 192.0.2.10: icmp: echo request'
  t.strictSame(legacy.compile('%{PFLOG}').match(line), {
    rule: '1.relayd.2',
    reason: 'match',
    action: 'block',
    direction: 'in',
    interface: 'em1',
    src_ip: '203.0.113.5',
    dst_ip: '192.0.2.10',
    packet: 'icmp: echo request',
  })
  t.strictSame(ecs.compile('%{PFLOG}').match(line), {
    rule: {
      id: '1.relayd.2',
    },
    event: {
      reason: 'match',
      action: 'block',
    },
    observer: {
      ingress: {
        interface: {
          name: 'em1',
        },
      },
    },
    source: {
      ip: '203.0.113.5',
    },
    destination: {
      ip: '192.0.2.10',
    },
    pf: {
      packet: 'icmp: echo request',
    },
  })
  t.end()
})

t.test('IPTABLES_SYSLOG: a kernel link message does not match', (t) => {
  const line = 'Nov 22 04:00:00 fw1 kernel: [12.000001] e1000e: eth0 NIC Link is Up 1000 Mbps Full Duplex'
  t.strictSame(legacy.compile('%{IPTABLES_SYSLOG}').match(line), null)
  t.strictSame(ecs.compile('%{IPTABLES_SYSLOG}').match(line), null)
  t.end()
})

t.test('CISCO_TAGGED_SYSLOG: a plain syslog line does not match', (t) => {
  const line = 'Nov 22 04:00:00 fw01 sshd[22]: Accepted password for admin'
  t.strictSame(legacy.compile('%{CISCO_TAGGED_SYSLOG}').match(line), null)
  t.strictSame(ecs.compile('%{CISCO_TAGGED_SYSLOG}').match(line), null)
  t.end()
})

t.test('CISCOFW302013_302014_302015_302016: another message id does not match', (t) => {
  const line = 'Deny tcp src outside:203.0.113.5/51234 dst inside:192.0.2.10/3389 by access-group "outside_access_in" [0x0, 0x0]'
  t.strictSame(legacy.compile('%{CISCOFW302013_302014_302015_302016}').match(line), null)
  t.strictSame(ecs.compile('%{CISCOFW302013_302014_302015_302016}').match(line), null)
  t.end()
})

t.test('PFLOG: a pfctl state line does not match', (t) => {
  const line = 'all tcp 192.0.2.10:22 <- 203.0.113.5:51234       ESTABLISHED:ESTABLISHED'
  t.strictSame(legacy.compile('%{PFLOG}').match(line), null)
  t.strictSame(ecs.compile('%{PFLOG}').match(line), null)
  t.end()
})

t.test('CISCOFW104001-104004: failover state changes; CISCOFW106023 with a host name', (t) => {
  const reason = '(Secondary) Switching to ACTIVE - Service card in other unit has failed'
  t.strictSame(legacy.compile('%{CISCOFW104001}').match(reason), { switch_reason: 'Service card in other unit has failed' })
  t.strictSame(ecs.compile('%{CISCOFW104001}').match(reason), { event: { reason: 'Service card in other unit has failed' } })
  t.strictSame(legacy.compile('%{CISCOFW104002}').match('(Primary) Switching to STANDBY - interface check'), { switch_reason: 'interface check' })
  t.strictSame(ecs.compile('%{CISCOFW104002}').match('(Primary) Switching to STANDBY - interface check'), { event: { reason: 'interface check' } })
  t.strictSame(legacy.compile('%{CISCOFW104003}').match('(Primary) Switching to FAILED.'), {})
  t.strictSame(ecs.compile('%{CISCOFW104004}').match('(Secondary) Switching to OK.'), {})
  t.equal(legacy.compile('%{CISCOFW104001}').match('(Tertiary) Switching to ACTIVE - x'), null)
  const host = 'Deny tcp src outside:192.168.1.1/50240 dst inside:www.example.com/23 by access-group "S_OUTSIDE_TO_INSIDE" [0x54c7fa80, 0x0]'
  t.equal(legacy.compile('%{CISCOFW106023}').match(host)?.dst_ip, 'www.example.com')
  t.strictSame((ecs.compile('%{CISCOFW106023}').match(host) as { destination?: unknown } | null)?.destination, { address: 'www.example.com', port: 23 })
  t.end()
})

t.test('Cisco ASA messages added for Logstash parity: 110002, 313005, 402117, 402119, 419001, 602303, 713172', (t) => {
  const egress = 'Failed to locate egress interface for UDP from inside:192.0.2.10/5353 to 198.51.100.7/53'
  t.strictSame(legacy.compile('%{CISCOFW110002}').match(egress), { reason: 'Failed to locate egress interface', protocol: 'UDP', src_interface: 'inside', src_ip: '192.0.2.10', src_port: '5353', dst_ip: '198.51.100.7', dst_port: '53' })
  t.strictSame(ecs.compile('%{CISCOFW110002}').match(egress), {
    event: { reason: 'Failed to locate egress interface' }, cisco: { asa: { network: { transport: 'UDP' } } },
    observer: { ingress: { interface: { name: 'inside' } } }, source: { ip: '192.0.2.10', port: 5353 }, destination: { ip: '198.51.100.7', port: 53 },
  })
  const icmpErr = 'No matching connection for ICMP error message: icmp src outside:203.0.113.9 dst inside:192.0.2.10 (type 3, code 1) on outside interface.  Original IP payload: tcp src 192.0.2.10/443 dst 203.0.113.9/51000.'
  t.strictSame(legacy.compile('%{CISCOFW313005}').match(icmpErr), {
    reason: 'No matching connection', protocol: 'ICMP', src_interface: 'outside', src_ip: '203.0.113.9', dst_interface: 'inside', dst_ip: '192.0.2.10', icmp_type: '3', icmp_code: '1',
    err_protocol: 'tcp', err_src_ip: '192.0.2.10', err_src_port: '443', err_dst_ip: '203.0.113.9', err_dst_port: '51000',
  })
  t.strictSame(ecs.compile('%{CISCOFW313005}').match(icmpErr)?.cisco, { asa: { network: { transport: 'ICMP' }, icmp_type: 3, icmp_code: 1, original_ip_payload: { network: { transport: 'tcp' }, source: { ip: '192.0.2.10', port: 443 }, destination: { ip: '203.0.113.9', port: 51000 } } } })
  const nonIpsec = 'IPSEC: Received a non-IPSec packet (protocol= UDP) from 192.0.2.1 to 198.51.100.1.'
  t.strictSame(legacy.compile('%{CISCOFW402117}').match(nonIpsec), { protocol: 'IPSEC', orig_protocol: 'UDP', src_ip: '192.0.2.1', dst_ip: '198.51.100.1' })
  t.strictSame(ecs.compile('%{CISCOFW402117}').match(nonIpsec), { cisco: { asa: { network: { type: 'IPSEC', transport: 'UDP' } } }, source: { ip: '192.0.2.1' }, destination: { ip: '198.51.100.1' } })
  const replay = 'IPSEC: Received an AH packet (SPI= 0x1234, sequence number= 0x9) from 192.0.2.1 (user= bob) to 198.51.100.1 that failed anti-replay checking.'
  t.strictSame(legacy.compile('%{CISCOFW402119}').match(replay), { protocol: 'IPSEC', orig_protocol: 'AH', spi: '0x1234', seq_num: '0x9', src_ip: '192.0.2.1', user: 'bob', dst_ip: '198.51.100.1' })
  t.strictSame(ecs.compile('%{CISCOFW402119}').match(replay), { cisco: { asa: { network: { type: 'IPSEC' }, ipsec: { protocol: 'AH', spi: '0x1234', seq_num: '0x9' } } }, source: { ip: '192.0.2.1', user: { name: 'bob' } }, destination: { ip: '198.51.100.1' } })
  const mss = 'Dropping TCP packet from outside:203.0.113.5/443 to inside:192.0.2.10/50000, reason: MSS exceeded, MSS 1380, data 1460'
  t.strictSame(legacy.compile('%{CISCOFW419001}').match(mss)?.reason, 'MSS exceeded, MSS 1380, data 1460')
  t.strictSame(ecs.compile('%{CISCOFW419001}').match(mss)?.observer, { ingress: { interface: { name: 'outside' } }, egress: { interface: { name: 'inside' } } })
  const sa = 'IPSEC: An inbound remote access SA (SPI= 0xABCD) between 192.0.2.1 and 198.51.100.1 (user= eve) has been deleted.'
  t.strictSame(legacy.compile('%{CISCOFW602303_602304}').match(sa), { protocol: 'IPSEC', direction: 'inbound', tunnel_type: 'remote access', spi: '0xABCD', src_ip: '192.0.2.1', dst_ip: '198.51.100.1', user: 'eve', action: 'deleted' })
  t.strictSame(ecs.compile('%{CISCOFW602303_602304}').match(sa)?.cisco, { asa: { network: { type: 'IPSEC', direction: 'inbound' }, ipsec: { tunnel_type: 'remote access', spi: '0xABCD' }, outcome: 'deleted' } })
  const nat = 'Group = vpn1, IP = 192.0.2.1, Automatic NAT Detection Status: Remote end is behind a NAT device This end is NOT behind a NAT device'
  t.strictSame(legacy.compile('%{CISCOFW713172}').match(nat), { group: 'vpn1', src_ip: '192.0.2.1', is_remote_natted: 'is', is_local_natted: 'is NOT' })
  t.strictSame(ecs.compile('%{CISCOFW713172}').match(nat), { cisco: { asa: { source: { group: 'vpn1' } } }, source: { ip: '192.0.2.1' }, '@metadata': { cisco: { asa: { remote_nat: 'is', local_nat: 'is NOT' } } } })
  t.end()
})
