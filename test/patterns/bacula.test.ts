import t from 'tap'
import { GrokLibrary } from '../../aggregator/parse/grok/library.ts'

// bacula family: Director, Storage and File daemon job messages from the log file.
// Each case asserts the exact captures in both naming modes: legacy field names
// (ecs_compatibility disabled) and ECS field names (v1).

const legacy = GrokLibrary.load({ ecs: 'disabled' })
const ecs = GrokLibrary.load({ ecs: 'v1' })

t.test('BACULA_LOGLINE: STARTJOB', (t) => {
  const line = '22-Nov-2026 04:00:12 backup-dir JobId 1234: Start Backup JobId 1234, Job=nightly-web1.2026-11-22_04.00.00_05'
  t.strictSame(legacy.compile('%{BACULA_LOGLINE}').match(line), {
    bts: '22-Nov-2026 04:00:12',
    hostname: 'backup-dir',
    jobid: '1234',
    job: 'nightly-web1.2026-11-22_04.00.00_05',
  })
  t.strictSame(ecs.compile('%{BACULA_LOGLINE}').match(line), {
    timestamp: '22-Nov-2026 04:00:12',
    host: {
      hostname: 'backup-dir',
    },
    bacula: {
      job: {
        id: 1234,
        name: 'nightly-web1.2026-11-22_04.00.00_05',
      },
    },
  })
  t.end()
})

t.test('BACULA_LOGLINE: USEDEVICE', (t) => {
  const line = '22-Nov-2026 04:00:12 backup-dir JobId 1234: Using Device "FileStorage" to write.'
  t.strictSame(legacy.compile('%{BACULA_LOGLINE}').match(line), {
    bts: '22-Nov-2026 04:00:12',
    hostname: 'backup-dir',
    jobid: '1234',
    device: 'FileStorage',
  })
  t.strictSame(ecs.compile('%{BACULA_LOGLINE}').match(line), {
    timestamp: '22-Nov-2026 04:00:12',
    host: {
      hostname: 'backup-dir',
    },
    bacula: {
      job: {
        id: 1234,
      },
      volume: {
        device: 'FileStorage',
      },
    },
  })
  t.end()
})

t.test('BACULA_LOGLINE: MAX_CAPACITY', (t) => {
  const line = '22-Nov-2026 04:30:00 backup-sd JobId 1234: User defined maximum volume capacity 53,687,091,200 exceeded on device "FileStorage" (/srv/bacula/volumes).'
  t.strictSame(legacy.compile('%{BACULA_LOGLINE}').match(line), {
    bts: '22-Nov-2026 04:30:00',
    hostname: 'backup-sd',
    jobid: '1234',
    capacity: '53,687,091,200',
    device: 'FileStorage',
    device_path: '/srv/bacula/volumes',
  })
  t.strictSame(ecs.compile('%{BACULA_LOGLINE}').match(line), {
    timestamp: '22-Nov-2026 04:30:00',
    host: {
      hostname: 'backup-sd',
    },
    bacula: {
      job: {
        id: 1234,
      },
      volume: {
        max_capacity: '53,687,091,200',
        device: 'FileStorage',
        path: '/srv/bacula/volumes',
      },
    },
  })
  t.end()
})

t.test('BACULA_LOGLINE: END_VOLUME', (t) => {
  const line = '22-Nov-2026 04:30:00 backup-sd JobId 1234: End of medium on Volume "Vol-0041" Bytes=53,687,091,200 Blocks=832,203 at 22-Nov-2026 04:30.'
  t.strictSame(legacy.compile('%{BACULA_LOGLINE}').match(line), {
    bts: '22-Nov-2026 04:30:00',
    hostname: 'backup-sd',
    jobid: '1234',
    volume: 'Vol-0041',
  })
  t.strictSame(ecs.compile('%{BACULA_LOGLINE}').match(line), {
    timestamp: '22-Nov-2026 04:30:00',
    host: {
      hostname: 'backup-sd',
    },
    bacula: {
      job: {
        id: 1234,
      },
      volume: {
        name: 'Vol-0041',
      },
    },
  })
  t.end()
})

t.test('BACULA_LOGLINE: NEW_VOLUME (with pool and media type)', (t) => {
  const line = '22-Nov-2026 04:00:12 backup-dir JobId 1234: Created new Volume="Vol-0042", Pool="Full", MediaType="File" in catalog.'
  t.strictSame(legacy.compile('%{BACULA_LOGLINE}').match(line), {
    bts: '22-Nov-2026 04:00:12',
    hostname: 'backup-dir',
    jobid: '1234',
    new_volume: 'Vol-0042',
    pool: 'Full',
    media_type: 'File',
  })
  t.strictSame(ecs.compile('%{BACULA_LOGLINE}').match(line), {
    timestamp: '22-Nov-2026 04:00:12',
    host: {
      hostname: 'backup-dir',
    },
    bacula: {
      job: {
        id: 1234,
      },
      volume: {
        name: 'Vol-0042',
        pool: 'Full',
        media_type: 'File',
      },
    },
  })
  t.end()
})

t.test('BACULA_LOGLINE: NEW_LABEL', (t) => {
  const line = '22-Nov-2026 04:30:00 backup-sd JobId 1234: Labeled new Volume "Vol-0042" on File device "FileStorage" (/srv/bacula/volumes).'
  t.strictSame(legacy.compile('%{BACULA_LOGLINE}').match(line), {
    bts: '22-Nov-2026 04:30:00',
    hostname: 'backup-sd',
    jobid: '1234',
    device: 'FileStorage',
    device_path: '/srv/bacula/volumes',
    new_volume: 'Vol-0042',
  })
  t.strictSame(ecs.compile('%{BACULA_LOGLINE}').match(line), {
    timestamp: '22-Nov-2026 04:30:00',
    host: {
      hostname: 'backup-sd',
    },
    bacula: {
      job: {
        id: 1234,
      },
      volume: {
        device: 'FileStorage',
        path: '/srv/bacula/volumes',
        name: 'Vol-0042',
      },
    },
  })
  t.end()
})

t.test('BACULA_LOGLINE: WROTE_LABEL', (t) => {
  const line = '22-Nov-2026 04:30:00 backup-sd JobId 1234: Wrote label to prelabeled Volume "Vol-0042" on File device "FileStorage" (/srv/bacula/volumes)'
  t.strictSame(legacy.compile('%{BACULA_LOGLINE}').match(line), {
    bts: '22-Nov-2026 04:30:00',
    hostname: 'backup-sd',
    jobid: '1234',
    device: 'FileStorage',
    device_path: '/srv/bacula/volumes',
    new_volume: 'Vol-0042',
  })
  t.strictSame(ecs.compile('%{BACULA_LOGLINE}').match(line), {
    timestamp: '22-Nov-2026 04:30:00',
    host: {
      hostname: 'backup-sd',
    },
    bacula: {
      job: {
        id: 1234,
      },
      volume: {
        device: 'FileStorage',
        path: '/srv/bacula/volumes',
        name: 'Vol-0042',
      },
    },
  })
  t.end()
})

t.test('BACULA_LOGLINE: NEW_MOUNT', (t) => {
  const line = '22-Nov-2026 04:30:00 backup-sd JobId 1234: New volume "Vol-0042" mounted on device "FileStorage" (/srv/bacula/volumes) at 22-Nov-2026 04:30.'
  t.strictSame(legacy.compile('%{BACULA_LOGLINE}').match(line), {
    bts: '22-Nov-2026 04:30:00',
    hostname: 'backup-sd',
    jobid: '1234',
    device: 'FileStorage',
    device_path: '/srv/bacula/volumes',
    new_volume: 'Vol-0042',
  })
  t.strictSame(ecs.compile('%{BACULA_LOGLINE}').match(line), {
    timestamp: '22-Nov-2026 04:30:00',
    host: {
      hostname: 'backup-sd',
    },
    bacula: {
      job: {
        id: 1234,
      },
      volume: {
        device: 'FileStorage',
        path: '/srv/bacula/volumes',
        name: 'Vol-0042',
      },
    },
  })
  t.end()
})

t.test('BACULA_LOGLINE: NOOPENDIR from the file daemon', (t) => {
  const line = '22-Nov-2026 04:05:00 web1-fd JobId 1234:      Could not open directory "/root/.cache": ERR=Permission denied'
  t.strictSame(legacy.compile('%{BACULA_LOGLINE}').match(line), {
    bts: '22-Nov-2026 04:05:00',
    hostname: 'web1-fd',
    jobid: '1234',
    file: '/root/.cache',
    berror: 'Permission denied',
  })
  t.strictSame(ecs.compile('%{BACULA_LOGLINE}').match(line), {
    timestamp: '22-Nov-2026 04:05:00',
    host: {
      hostname: 'web1-fd',
    },
    bacula: {
      job: {
        id: 1234,
      },
    },
    file: {
      path: '/root/.cache',
    },
    error: {
      message: 'Permission denied',
    },
  })
  t.end()
})

t.test('BACULA_LOGLINE: NOSTAT', (t) => {
  const line = '22-Nov-2026 04:05:01 web1-fd JobId 1234:      Could not stat "/var/lib/docker/overlay2/abc": ERR=No such file or directory'
  t.strictSame(legacy.compile('%{BACULA_LOGLINE}').match(line), {
    bts: '22-Nov-2026 04:05:01',
    hostname: 'web1-fd',
    jobid: '1234',
    file: '/var/lib/docker/overlay2/abc',
    berror: 'No such file or directory',
  })
  t.strictSame(ecs.compile('%{BACULA_LOGLINE}').match(line), {
    timestamp: '22-Nov-2026 04:05:01',
    host: {
      hostname: 'web1-fd',
    },
    bacula: {
      job: {
        id: 1234,
      },
    },
    file: {
      path: '/var/lib/docker/overlay2/abc',
    },
    error: {
      message: 'No such file or directory',
    },
  })
  t.end()
})

t.test('BACULA_LOGLINE: NOJOBS', (t) => {
  const line = '22-Nov-2026 04:00:12 backup-dir JobId 1234: There are no more Jobs associated with Volume "Vol-0007". Marking it purged.'
  t.strictSame(legacy.compile('%{BACULA_LOGLINE}').match(line), {
    bts: '22-Nov-2026 04:00:12',
    hostname: 'backup-dir',
    jobid: '1234',
    volume: 'Vol-0007',
  })
  t.strictSame(ecs.compile('%{BACULA_LOGLINE}').match(line), {
    timestamp: '22-Nov-2026 04:00:12',
    host: {
      hostname: 'backup-dir',
    },
    bacula: {
      job: {
        id: 1234,
      },
      volume: {
        name: 'Vol-0007',
      },
    },
  })
  t.end()
})

t.test('BACULA_LOGLINE: STARTRESTORE', (t) => {
  const line = '22-Nov-2026 05:10:00 backup-dir JobId 1240: Start Restore Job RestoreFiles.2026-11-22_05.10.00_07'
  t.strictSame(legacy.compile('%{BACULA_LOGLINE}').match(line), {
    bts: '22-Nov-2026 05:10:00',
    hostname: 'backup-dir',
    jobid: '1240',
    job: 'RestoreFiles.2026-11-22_05.10.00_07',
  })
  t.strictSame(ecs.compile('%{BACULA_LOGLINE}').match(line), {
    timestamp: '22-Nov-2026 05:10:00',
    host: {
      hostname: 'backup-dir',
    },
    bacula: {
      job: {
        id: 1240,
        name: 'RestoreFiles.2026-11-22_05.10.00_07',
      },
    },
  })
  t.end()
})

t.test('BACULA_LOGLINE: DIFF_FS', (t) => {
  const line = '22-Nov-2026 04:05:02 web1-fd JobId 1234:      /proc is a different filesystem. Will not descend from / into it.'
  t.strictSame(legacy.compile('%{BACULA_LOGLINE}').match(line), {
    bts: '22-Nov-2026 04:05:02',
    hostname: 'web1-fd',
    jobid: '1234',
    file: '/proc',
  })
  t.strictSame(ecs.compile('%{BACULA_LOGLINE}').match(line), {
    timestamp: '22-Nov-2026 04:05:02',
    host: {
      hostname: 'web1-fd',
    },
    bacula: {
      job: {
        id: 1234,
      },
    },
    file: {
      path: '/proc',
    },
  })
  t.end()
})

t.test('BACULA_LOGLINE: PRUNED_JOBS', (t) => {
  const line = '22-Nov-2026 04:00:12 backup-dir JobId 1234: Pruned 3 Jobs for client web1-fd from catalog.'
  t.strictSame(legacy.compile('%{BACULA_LOGLINE}').match(line), {
    bts: '22-Nov-2026 04:00:12',
    hostname: 'backup-dir',
    jobid: '1234',
    pruned_jobs: '3',
    client: 'web1-fd',
  })
  t.strictSame(ecs.compile('%{BACULA_LOGLINE}').match(line), {
    timestamp: '22-Nov-2026 04:00:12',
    host: {
      hostname: 'backup-dir',
    },
    bacula: {
      job: {
        id: 1234,
        pruned_count: 3,
      },
      client: {
        name: 'web1-fd',
      },
    },
  })
  t.end()
})

t.test('BACULA_LOGLINE: NO_CONNECT', (t) => {
  const line = '22-Nov-2026 04:00:12 backup-dir JobId 1234: Warning: bsock.c:107 Could not connect to Client: web1-fd on 10.0.0.5:9102. ERR=Connection refused'
  t.strictSame(legacy.compile('%{BACULA_LOGLINE}').match(line), {
    bts: '22-Nov-2026 04:00:12',
    hostname: 'backup-dir',
    jobid: '1234',
    berror: 'Connection refused',
    client: 'web1-fd',
    client_host: '10.0.0.5',
    client_port: '9102',
  })
  t.strictSame(ecs.compile('%{BACULA_LOGLINE}').match(line), {
    timestamp: '22-Nov-2026 04:00:12',
    host: {
      hostname: 'backup-dir',
    },
    bacula: {
      job: {
        id: 1234,
      },
      client: {
        name: 'web1-fd',
      },
    },
    error: {
      message: 'Connection refused',
    },
    client: {
      address: '10.0.0.5',
      port: 9102,
    },
  })
  t.end()
})

t.test('BACULA_LOGLINE: FATAL_CONN', (t) => {
  const line = '22-Nov-2026 04:00:12 backup-dir JobId 1234: Fatal error: Network error with FD during Backup: ERR=Connection reset by peer'
  t.strictSame(legacy.compile('%{BACULA_LOGLINE}').match(line), {
    bts: '22-Nov-2026 04:00:12',
    hostname: 'backup-dir',
    jobid: '1234',
    berror: 'Connection reset by peer',
  })
  t.strictSame(ecs.compile('%{BACULA_LOGLINE}').match(line), {
    timestamp: '22-Nov-2026 04:00:12',
    host: {
      hostname: 'backup-dir',
    },
    bacula: {
      job: {
        id: 1234,
      },
    },
    error: {
      message: 'Connection reset by peer',
    },
  })
  t.end()
})

t.test('BACULA_LOGLINE: other message, old timestamp without year, no JobId', (t) => {
  const line = '22-Nov 04:45 backup-dir: Bacula backup-dir 9.6.7 (10Dec20): Termination: Backup OK'
  t.strictSame(legacy.compile('%{BACULA_LOGLINE}').match(line), {
    bts: '22-Nov 04:45',
    hostname: 'backup-dir',
    message: 'Bacula backup-dir 9.6.7 (10Dec20): Termination: Backup OK',
  })
  t.strictSame(ecs.compile('%{BACULA_LOGLINE}').match(line), {
    timestamp: '22-Nov 04:45',
    host: {
      hostname: 'backup-dir',
    },
    message: 'Bacula backup-dir 9.6.7 (10Dec20): Termination: Backup OK',
  })
  t.end()
})

t.test('BACULA_LOGLINE: a line without the timestamp does not match', (t) => {
  const line = 'backup-dir JobId 1234: Start Backup JobId 1234, Job=nightly'
  t.strictSame(legacy.compile('%{BACULA_LOGLINE}').match(line), null)
  t.strictSame(ecs.compile('%{BACULA_LOGLINE}').match(line), null)
  t.end()
})
