import t from 'tap'
import { GrokLibrary } from '../../aggregator/stages/grok/library.ts'

// postgresql family: server log lines with the default log_line_prefix '%m [%p] '
// and Debian's '%m [%p] %q%u@%d '.
// Each case asserts the exact captures in both naming modes: legacy field names
// (ecs_compatibility disabled) and ECS field names (v1).

const legacy = GrokLibrary.load({ ecs: 'disabled' })
const ecs = GrokLibrary.load({ ecs: 'v1' })

t.test('POSTGRESQL: default prefix, LOG', (t) => {
  const line = '2026-11-22 04:00:00.123 UTC [1234] LOG:  database system is ready to accept connections'
  t.strictSame(legacy.compile('%{POSTGRESQL}').match(line), {
    timestamp: '2026-11-22 04:00:00.123 UTC',
    pid: '1234',
    level: 'LOG',
    message: 'database system is ready to accept connections',
  })
  t.strictSame(ecs.compile('%{POSTGRESQL}').match(line), {
    timestamp: '2026-11-22 04:00:00.123 UTC',
    process: {
      pid: 1234,
    },
    log: {
      level: 'LOG',
    },
    message: 'database system is ready to accept connections',
  })
  t.end()
})

t.test('POSTGRESQL: Debian prefix with user@database, ERROR', (t) => {
  const line = '2026-11-22 04:00:01.456 UTC [2345] app@appdb ERROR:  relation "users" does not exist at character 15'
  t.strictSame(legacy.compile('%{POSTGRESQL}').match(line), {
    timestamp: '2026-11-22 04:00:01.456 UTC',
    pid: '2345',
    user_id: 'app',
    database: 'appdb',
    level: 'ERROR',
    message: 'relation "users" does not exist at character 15',
  })
  t.strictSame(ecs.compile('%{POSTGRESQL}').match(line), {
    timestamp: '2026-11-22 04:00:01.456 UTC',
    process: {
      pid: 2345,
    },
    user: {
      name: 'app',
    },
    postgresql: {
      log: {
        database: 'appdb',
      },
    },
    log: {
      level: 'ERROR',
    },
    message: 'relation "users" does not exist at character 15',
  })
  t.end()
})

t.test('POSTGRESQL: %t with a numeric zone and an SQLSTATE (%e)', (t) => {
  const line = '2026-11-22 07:00:02 +03 [2346] app@appdb 42P01 STATEMENT:  SELECT * FROM users'
  t.strictSame(legacy.compile('%{POSTGRESQL}').match(line), {
    timestamp: '2026-11-22 07:00:02 +03',
    pid: '2346',
    user_id: 'app',
    database: 'appdb',
    sqlstate: '42P01',
    level: 'STATEMENT',
    message: 'SELECT * FROM users',
  })
  t.strictSame(ecs.compile('%{POSTGRESQL}').match(line), {
    timestamp: '2026-11-22 07:00:02 +03',
    process: {
      pid: 2346,
    },
    user: {
      name: 'app',
    },
    postgresql: {
      log: {
        database: 'appdb',
        sql_state_code: '42P01',
      },
    },
    log: {
      level: 'STATEMENT',
    },
    message: 'SELECT * FROM users',
  })
  t.end()
})

t.test('POSTGRESQL: a line without the prefix does not match', (t) => {
  const line = 'LOG:  database system is ready to accept connections'
  t.strictSame(legacy.compile('%{POSTGRESQL}').match(line), null)
  t.strictSame(ecs.compile('%{POSTGRESQL}').match(line), null)
  t.end()
})
