import t from 'tap'
import { GrokLibrary } from '../../aggregator/stages/grok/library.ts'

// ruby family: the default format of Ruby's Logger.
// Each case asserts the exact captures in both naming modes: legacy field names
// (ecs_compatibility disabled) and ECS field names (v1).

const legacy = GrokLibrary.load({ ecs: 'disabled' })
const ecs = GrokLibrary.load({ ecs: 'v1' })

t.test('RUBY_LOGGER: INFO without progname', (t) => {
  const line = 'I, [2026-11-22T04:00:00.123456 #1234]  INFO -- : Server started on port 3000'
  t.strictSame(legacy.compile('%{RUBY_LOGGER}').match(line), {
    timestamp: '2026-11-22T04:00:00.123456',
    pid: '1234',
    loglevel: 'INFO',
    message: 'Server started on port 3000',
  })
  t.strictSame(ecs.compile('%{RUBY_LOGGER}').match(line), {
    timestamp: '2026-11-22T04:00:00.123456',
    process: {
      pid: 1234,
    },
    log: {
      level: 'INFO',
    },
    message: 'Server started on port 3000',
  })
  t.end()
})

t.test('RUBY_LOGGER: ERROR with progname, colon in message', (t) => {
  const line = 'E, [2026-11-22T04:00:01.500000 #1234] ERROR -- sidekiq: Job failed: Timeout::Error'
  t.strictSame(legacy.compile('%{RUBY_LOGGER}').match(line), {
    timestamp: '2026-11-22T04:00:01.500000',
    pid: '1234',
    loglevel: 'ERROR',
    progname: 'sidekiq',
    message: 'Job failed: Timeout::Error',
  })
  t.strictSame(ecs.compile('%{RUBY_LOGGER}').match(line), {
    timestamp: '2026-11-22T04:00:01.500000',
    process: {
      pid: 1234,
    },
    log: {
      level: 'ERROR',
      logger: 'sidekiq',
    },
    message: 'Job failed: Timeout::Error',
  })
  t.end()
})

t.test('RUBY_LOGGER: ANY severity', (t) => {
  const line = 'A, [2026-11-22T04:00:02.000001 #99]   ANY -- : unconditional'
  t.strictSame(legacy.compile('%{RUBY_LOGGER}').match(line), {
    timestamp: '2026-11-22T04:00:02.000001',
    pid: '99',
    loglevel: 'ANY',
    message: 'unconditional',
  })
  t.strictSame(ecs.compile('%{RUBY_LOGGER}').match(line), {
    timestamp: '2026-11-22T04:00:02.000001',
    process: {
      pid: 99,
    },
    log: {
      level: 'ANY',
    },
    message: 'unconditional',
  })
  t.end()
})

t.test('RUBY_LOGGER: a bare level line does not match', (t) => {
  const line = 'INFO -- : hello'
  t.strictSame(legacy.compile('%{RUBY_LOGGER}').match(line), null)
  t.strictSame(ecs.compile('%{RUBY_LOGGER}').match(line), null)
  t.end()
})
