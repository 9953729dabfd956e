import t from 'tap'
import { GrokLibrary } from '../../aggregator/stages/grok/library.ts'

// redis family: server log lines (2.x and 3+ formats) and MONITOR output.
// Each case asserts the exact captures in both naming modes: legacy field names
// (ecs_compatibility disabled) and ECS field names (v1).

const legacy = GrokLibrary.load({ ecs: 'disabled' })
const ecs = GrokLibrary.load({ ecs: 'v1' })

t.test('REDISLOG: Redis 3+ master line', (t) => {
  const line = '1:M 22 Nov 2026 04:00:00.000 * Ready to accept connections'
  t.strictSame(legacy.compile('%{REDISLOG}').match(line), {
    pid: '1',
    role: 'M',
    timestamp: '22 Nov 2026 04:00:00.000',
    level: '*',
    message: 'Ready to accept connections',
  })
  t.strictSame(ecs.compile('%{REDISLOG}').match(line), {
    process: {
      pid: 1,
    },
    redis: {
      log: {
        role: 'M',
      },
    },
    timestamp: '22 Nov 2026 04:00:00.000',
    log: {
      level: '*',
    },
    message: 'Ready to accept connections',
  })
  t.end()
})

t.test('REDISLOG: warning level', (t) => {
  const line = '1:M 22 Nov 2026 04:00:00.001 # WARNING: The TCP backlog setting of 511 cannot be enforced because /proc/sys/net/core/somaxconn is set to the lower value of 128.'
  t.strictSame(legacy.compile('%{REDISLOG}').match(line), {
    pid: '1',
    role: 'M',
    timestamp: '22 Nov 2026 04:00:00.001',
    level: '#',
    message: 'WARNING: The TCP backlog setting of 511 cannot be enforced because /proc/sys/net/core/somaxconn is set to the lower value of 128.',
  })
  t.strictSame(ecs.compile('%{REDISLOG}').match(line), {
    process: {
      pid: 1,
    },
    redis: {
      log: {
        role: 'M',
      },
    },
    timestamp: '22 Nov 2026 04:00:00.001',
    log: {
      level: '#',
    },
    message: 'WARNING: The TCP backlog setting of 511 cannot be enforced because /proc/sys/net/core/somaxconn is set to the lower value of 128.',
  })
  t.end()
})

t.test('REDISLOG: forked child, Redis 3.0 timestamp without year', (t) => {
  const line = '27:C 22 Nov 04:05:00.250 * DB saved on disk'
  t.strictSame(legacy.compile('%{REDISLOG}').match(line), {
    pid: '27',
    role: 'C',
    timestamp: '22 Nov 04:05:00.250',
    level: '*',
    message: 'DB saved on disk',
  })
  t.strictSame(ecs.compile('%{REDISLOG}').match(line), {
    process: {
      pid: 27,
    },
    redis: {
      log: {
        role: 'C',
      },
    },
    timestamp: '22 Nov 04:05:00.250',
    log: {
      level: '*',
    },
    message: 'DB saved on disk',
  })
  t.end()
})

t.test('REDISLOG: Redis 2.x line', (t) => {
  const line = '[4018] 22 Nov 04:00:00.119 * Background saving terminated with success'
  t.strictSame(legacy.compile('%{REDISLOG}').match(line), {
    pid: '4018',
    timestamp: '22 Nov 04:00:00.119',
    level: '*',
    message: 'Background saving terminated with success',
  })
  t.strictSame(ecs.compile('%{REDISLOG}').match(line), {
    process: {
      pid: 4018,
    },
    timestamp: '22 Nov 04:00:00.119',
    log: {
      level: '*',
    },
    message: 'Background saving terminated with success',
  })
  t.end()
})

t.test('REDISMONLOG: TCP client', (t) => {
  const line = '1763784000.123456 [0 127.0.0.1:54321] "SET" "user:1" "alice"'
  t.strictSame(legacy.compile('%{REDISMONLOG}').match(line), {
    timestamp: '1763784000.123456',
    database: '0',
    client: '127.0.0.1',
    port: '54321',
    command: 'SET',
    params: '"user:1" "alice"',
  })
  t.strictSame(ecs.compile('%{REDISMONLOG}').match(line), {
    timestamp: '1763784000.123456',
    redis: {
      database: {
        id: '0',
      },
      command: {
        name: 'SET',
        args: '"user:1" "alice"',
      },
    },
    client: {
      ip: '127.0.0.1',
      port: 54321,
    },
  })
  t.end()
})

t.test('REDISMONLOG: Lua script', (t) => {
  const line = '1763784000.223456 [0 lua] "GET" "user:1"'
  t.strictSame(legacy.compile('%{REDISMONLOG}').match(line), {
    timestamp: '1763784000.223456',
    database: '0',
    client: 'lua',
    command: 'GET',
    params: '"user:1"',
  })
  t.strictSame(ecs.compile('%{REDISMONLOG}').match(line), {
    timestamp: '1763784000.223456',
    redis: {
      database: {
        id: '0',
      },
      command: {
        name: 'GET',
        args: '"user:1"',
      },
    },
    client: {
      address: 'lua',
    },
  })
  t.end()
})

t.test('REDISMONLOG: unix socket client, no arguments', (t) => {
  const line = '1763784000.323456 [2 unix:/run/redis/redis.sock] "PING"'
  t.strictSame(legacy.compile('%{REDISMONLOG}').match(line), {
    timestamp: '1763784000.323456',
    database: '2',
    client: 'unix:/run/redis/redis.sock',
    command: 'PING',
  })
  t.strictSame(ecs.compile('%{REDISMONLOG}').match(line), {
    timestamp: '1763784000.323456',
    redis: {
      database: {
        id: '2',
      },
      command: {
        name: 'PING',
      },
    },
    client: {
      address: 'unix:/run/redis/redis.sock',
    },
  })
  t.end()
})

t.test('REDISLOG: bare message does not match', (t) => {
  const line = 'Ready to accept connections'
  t.strictSame(legacy.compile('%{REDISLOG}').match(line), null)
  t.strictSame(ecs.compile('%{REDISLOG}').match(line), null)
  t.end()
})

t.test('REDISMONLOG: OK reply does not match', (t) => {
  const line = 'OK'
  t.strictSame(legacy.compile('%{REDISMONLOG}').match(line), null)
  t.strictSame(ecs.compile('%{REDISMONLOG}').match(line), null)
  t.end()
})
