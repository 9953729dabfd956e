import t from 'tap'
import { GrokLibrary } from '../../aggregator/stages/grok/library.ts'

// bacula family: Director/Storage/File daemon job messages, exact captures in
// both naming modes (legacy names as Logstash's: bts, hostname, jobid, volume,
// device, job, client, berror; ECS: bacula.*, file.path, error.message, client.*).

const legacy = GrokLibrary.load({ ecs: 'disabled' })
const ecs = GrokLibrary.load({ ecs: 'v1' })
const L = legacy.compile('%{BACULA_LOGLINE}')
const E = ecs.compile('%{BACULA_LOGLINE}')

const cases: [string, string, Record<string, unknown>, Record<string, unknown>][] = [
  ['STARTJOB', '22-Nov-2026 04:00:12 backup-dir JobId 1234: Start Backup JobId 1234, Job=nightly-web1.2026-11-22_04.00.00_05',
    { bts: '22-Nov-2026 04:00:12', hostname: 'backup-dir', jobid: '1234', job: 'nightly-web1.2026-11-22_04.00.00_05' },
    { timestamp: '22-Nov-2026 04:00:12', host: { hostname: 'backup-dir' }, bacula: { job: { id: '1234', name: 'nightly-web1.2026-11-22_04.00.00_05' } } }],
  ['USEDEVICE', '22-Nov 04:00 backup-sd JobId 1234: Using Device "FileStorage" to write.',
    { bts: '22-Nov 04:00', hostname: 'backup-sd', jobid: '1234', device: 'FileStorage' },
    { timestamp: '22-Nov 04:00', host: { hostname: 'backup-sd' }, bacula: { job: { id: '1234' }, volume: { device: 'FileStorage' } } }],
  ['MAX_CAPACITY', '22-Nov 04:00 backup-sd JobId 7: User defined maximum volume capacity 108,372,182,400 exceeded on device "FStorage" (/var/lib/bac/storage).',
    { bts: '22-Nov 04:00', hostname: 'backup-sd', jobid: '7', capacity: '108,372,182,400', device: 'FStorage', device_path: '/var/lib/bac/storage' },
    { timestamp: '22-Nov 04:00', host: { hostname: 'backup-sd' }, bacula: { job: { id: '7' }, volume: { max_capacity: '108,372,182,400', device: 'FStorage', path: '/var/lib/bac/storage' } } }],
  ['END_VOLUME', '22-Nov 04:00 backup-sd JobId 7: End of medium on Volume "Vol-0001" Bytes=5,228,777 Blocks=82 at 21-Dec-2016 12:30.',
    { bts: '22-Nov 04:00', hostname: 'backup-sd', jobid: '7', volume: 'Vol-0001', bytes: '5,228,777', blocks: '82', end_timestamp: '21-Dec-2016 12:30' },
    { timestamp: '22-Nov 04:00', host: { hostname: 'backup-sd' }, bacula: { job: { id: '7' }, volume: { name: 'Vol-0001', bytes: '5,228,777', blocks: '82' }, timestamp: '21-Dec-2016 12:30' } }],
  ['NEW_VOLUME with pool and media type', '22-Nov 04:00 backup-dir JobId 8: Created new Volume="Full-0042", Pool="FullPool", MediaType="File" in catalog.',
    { bts: '22-Nov 04:00', hostname: 'backup-dir', jobid: '8', volume: 'Full-0042', pool: 'FullPool', media_type: 'File' },
    { timestamp: '22-Nov 04:00', host: { hostname: 'backup-dir' }, bacula: { job: { id: '8' }, volume: { name: 'Full-0042', pool: 'FullPool', media_type: 'File' } } }],
  ['NEW_MOUNT', '24-Aug 01:54 crey-sd JobId 215534: New volume "DiffAuto-4861" mounted on device "vDrive-1" (/usr/local/bac/volumes) at 24-Aug-2015 01:54.',
    { bts: '24-Aug 01:54', hostname: 'crey-sd', jobid: '215534', volume: 'DiffAuto-4861', device: 'vDrive-1', device_path: '/usr/local/bac/volumes', mount_timestamp: '24-Aug-2015 01:54' },
    { timestamp: '24-Aug 01:54', host: { hostname: 'crey-sd' }, bacula: { job: { id: '215534' }, volume: { name: 'DiffAuto-4861', device: 'vDrive-1', path: '/usr/local/bac/volumes' }, timestamp: '24-Aug-2015 01:54' } }],
  ['NOSTAT (indented)', '15-Dec 17:50 u22.com JobId 13:      Could not stat /var/lib/bacula/bacula.sql: ERR=No such file or directory',
    { bts: '15-Dec 17:50', hostname: 'u22.com', jobid: '13', file: '/var/lib/bacula/bacula.sql', berror: 'No such file or directory' },
    { timestamp: '15-Dec 17:50', host: { hostname: 'u22.com' }, bacula: { job: { id: '13' } }, file: { path: '/var/lib/bacula/bacula.sql' }, error: { message: 'No such file or directory' } }],
  ['PRUNED_JOBS, no job id', '29-Jan 04:16 lbu02-dir: Pruned 24 Jobs for client uni-horn from catalog.',
    { bts: '29-Jan 04:16', hostname: 'lbu02-dir', client: 'uni-horn' },
    { timestamp: '29-Jan 04:16', host: { hostname: 'lbu02-dir' }, bacula: { client: { name: 'uni-horn' } } }],
  ['JOBEND', '28-Aug 21:55 bacula-sd JobId 16: Job write elapsed time = 00:00:01, Transfer rate = 0  Bytes/second',
    { bts: '28-Aug 21:55', hostname: 'bacula-sd', jobid: '16', elapsed: '00:00:01' },
    { timestamp: '28-Aug 21:55', host: { hostname: 'bacula-sd' }, bacula: { job: { id: '16', elapsed_time: '00:00:01' } } }],
  ['READYAPPEND', '22-Nov 04:00 backup-sd JobId 9: Ready to append to end of Volume "F-0032" size=97835302',
    { bts: '22-Nov 04:00', hostname: 'backup-sd', jobid: '9', volume: 'F-0032', volume_size: '97835302' },
    { timestamp: '22-Nov 04:00', host: { hostname: 'backup-sd' }, bacula: { job: { id: '9' }, volume: { name: 'F-0032', size: 97835302 } } }],
  ['FATAL_CONN', '11-Nov 13:28 bacula-dir JobId 11: Fatal error: bsock.c:133 Unable to connect to Client: dc0-fd on dc0.teamworld.com:9102. ERR=Connection refused',
    { bts: '11-Nov 13:28', hostname: 'bacula-dir', jobid: '11', client: 'dc0-fd', client_host: 'dc0.teamworld.com', client_port: '9102', berror: 'Connection refused' },
    { timestamp: '11-Nov 13:28', host: { hostname: 'bacula-dir' }, bacula: { job: { id: '11' }, client: { name: 'dc0-fd' } }, client: { address: 'dc0.teamworld.com', port: 9102 }, error: { message: 'Connection refused' } }],
  ['MARKCANCEL (comma header)', '09-Aug 15:14 InternetServer-sd JobId 122971, Job nyi_maildir.2013-03-03_22.00.00_51 marked to be canceled.',
    { bts: '09-Aug 15:14', hostname: 'InternetServer-sd', jobid: '122971', job: 'nyi_maildir.2013-03-03_22.00.00_51' },
    { timestamp: '09-Aug 15:14', host: { hostname: 'InternetServer-sd' }, bacula: { job: { id: '122971', name: 'nyi_maildir.2013-03-03_22.00.00_51' } } }],
  ['an unknown message keeps its text', '22-Nov 04:00 backup-dir JobId 5: Something new happened',
    { bts: '22-Nov 04:00', hostname: 'backup-dir', jobid: '5', message: 'Something new happened' },
    { timestamp: '22-Nov 04:00', host: { hostname: 'backup-dir' }, bacula: { job: { id: '5' } }, message: 'Something new happened' }],
]

for (const [name, line, l, e] of cases) {
  t.test(`BACULA_LOGLINE: ${name}`, async (t) => {
    t.strictSame(L.match(line), l, 'legacy')
    t.strictSame(E.match(line), e, 'ECS')
  })
}

t.test('BACULA_LOGLINE: a line without the daemon header does not match', async (t) => {
  t.equal(L.match('Start Backup JobId 1234, Job=x'), null)
  t.equal(E.match('no date here'), null)
})
