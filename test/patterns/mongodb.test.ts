import t from 'tap'
import { GrokLibrary } from '../../aggregator/stages/grok/library.ts'

// mongodb family: MongoDB 2.x and 3.x text logs and slow-operation summaries.
// Each case asserts the exact captures in both naming modes: legacy field names
// (ecs_compatibility disabled) and ECS field names (v1).

const legacy = GrokLibrary.load({ ecs: 'disabled' })
const ecs = GrokLibrary.load({ ecs: 'v1' })

t.test('MONGO3_LOG: NETWORK component', (t) => {
  const line = '2026-11-22T04:00:00.123+0000 I NETWORK  [initandlisten] waiting for connections on port 27017'
  t.strictSame(legacy.compile('%{MONGO3_LOG}').match(line), {
    timestamp: '2026-11-22T04:00:00.123+0000',
    severity: 'I',
    component: 'NETWORK',
    context: 'initandlisten',
    message: 'waiting for connections on port 27017',
  })
  t.strictSame(ecs.compile('%{MONGO3_LOG}').match(line), {
    timestamp: '2026-11-22T04:00:00.123+0000',
    log: {
      level: 'I',
    },
    mongodb: {
      component: 'NETWORK',
      context: 'initandlisten',
    },
    message: 'waiting for connections on port 27017',
  })
  t.end()
})

t.test('MONGO3_LOG: "-" component', (t) => {
  const line = '2026-11-22T04:00:01.234+0000 I -        [conn12] end connection 10.0.0.5:51234 (3 connections now open)'
  t.strictSame(legacy.compile('%{MONGO3_LOG}').match(line), {
    timestamp: '2026-11-22T04:00:01.234+0000',
    severity: 'I',
    component: '-',
    context: 'conn12',
    message: 'end connection 10.0.0.5:51234 (3 connections now open)',
  })
  t.strictSame(ecs.compile('%{MONGO3_LOG}').match(line), {
    timestamp: '2026-11-22T04:00:01.234+0000',
    log: {
      level: 'I',
    },
    mongodb: {
      context: 'conn12',
    },
    message: 'end connection 10.0.0.5:51234 (3 connections now open)',
  })
  t.end()
})

t.test('MONGO3_LOG: warning from COMMAND', (t) => {
  const line = '2026-11-22T04:00:02.345+0000 W COMMAND  [conn7] the "fields" option is deprecated'
  t.strictSame(legacy.compile('%{MONGO3_LOG}').match(line), {
    timestamp: '2026-11-22T04:00:02.345+0000',
    severity: 'W',
    component: 'COMMAND',
    context: 'conn7',
    message: 'the "fields" option is deprecated',
  })
  t.strictSame(ecs.compile('%{MONGO3_LOG}').match(line), {
    timestamp: '2026-11-22T04:00:02.345+0000',
    log: {
      level: 'W',
    },
    mongodb: {
      component: 'COMMAND',
      context: 'conn7',
    },
    message: 'the "fields" option is deprecated',
  })
  t.end()
})

t.test('MONGO_SLOWQUERY: 3.6 slow command summary', (t) => {
  const line = 'command appdb.users command: find { find: "users", filter: { age: { $gt: 30 } }, $db: "appdb" } planSummary: COLLSCAN keysExamined:0 docsExamined:100000 nreturned:12 reslen:2345 protocol:op_msg 215ms'
  t.strictSame(legacy.compile('%{MONGO_SLOWQUERY}').match(line), {
    operation: 'command',
    database: 'appdb',
    collection: 'users',
    command: 'find',
    query: '{ find: "users", filter: { age: { $gt: 30 } }, $db: "appdb" } planSummary: COLLSCAN keysExamined:0 docsExamined:100000 nreturned:12 reslen:2345 protocol:op_msg',
    duration: '215',
  })
  t.strictSame(ecs.compile('%{MONGO_SLOWQUERY}').match(line), {
    mongodb: {
      operation: 'command',
      database: 'appdb',
      collection: 'users',
      command: 'find',
      query: {
        original: '{ find: "users", filter: { age: { $gt: 30 } }, $db: "appdb" } planSummary: COLLSCAN keysExamined:0 docsExamined:100000 nreturned:12 reslen:2345 protocol:op_msg',
      },
      duration: {
        ms: 215,
      },
    },
  })
  t.end()
})

t.test('MONGO_LOG: MongoDB 2.x line', (t) => {
  const line = 'Thu Nov 22 04:00:00.123 [initandlisten] MongoDB starting : pid=1234 port=27017 dbpath=/var/lib/mongodb 64-bit host=db1'
  t.strictSame(legacy.compile('%{MONGO_LOG}').match(line), {
    timestamp: 'Nov 22 04:00:00.123',
    component: 'initandlisten',
    message: 'MongoDB starting : pid=1234 port=27017 dbpath=/var/lib/mongodb 64-bit host=db1',
  })
  t.strictSame(ecs.compile('%{MONGO_LOG}').match(line), {
    timestamp: 'Nov 22 04:00:00.123',
    mongodb: {
      component: 'initandlisten',
    },
    message: 'MongoDB starting : pid=1234 port=27017 dbpath=/var/lib/mongodb 64-bit host=db1',
  })
  t.end()
})

t.test('MONGO3_LOG: a 4.4+ JSON line does not match', (t) => {
  const line = '{"t":{"$date":"2026-11-22T04:00:00.123+00:00"},"s":"I","c":"NETWORK","id":23016,"ctx":"listener","msg":"Waiting for connections"}'
  t.strictSame(legacy.compile('%{MONGO3_LOG}').match(line), null)
  t.strictSame(ecs.compile('%{MONGO3_LOG}').match(line), null)
  t.end()
})

t.test('MONGO_SLOWQUERY: the 2.x profiler line Logstash parses', (t) => {
  const line = '[conn7] query shop.orders query: { status: "open" } ntoreturn:10 ntoskip:0 nscanned:5000 keyUpdates:0 numYields: 1 locks(micros) r:900 nreturned:10 reslen:2048 120ms'
  t.strictSame(legacy.compile('%{MONGO_SLOWQUERY}').match(line), {
    operation: 'query', database: 'shop', collection: 'orders', query: '{ status: "open" }', ntoreturn: '10', ntoskip: '0', nscanned: '5000', nreturned: '10', duration: '120',
  })
  t.strictSame(ecs.compile('%{MONGO_SLOWQUERY}').match(line), {
    mongodb: { profile: { op: 'query', ntoreturn: 10, ntoskip: 0, nscanned: 5000, nreturned: 10, duration: 120 }, database: 'shop', collection: 'orders', query: { original: '{ status: "open" }' } },
  })
  t.end()
})
