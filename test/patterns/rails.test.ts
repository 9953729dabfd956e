import t from 'tap'
import { GrokLibrary } from '../../aggregator/stages/grok/library.ts'

// rails family: Rails 3+ request logs, whole multi-line events and single lines.
// Each case asserts the exact captures in both naming modes: legacy field names
// (ecs_compatibility disabled) and ECS field names (v1).

const legacy = GrokLibrary.load({ ecs: 'disabled' })
const ecs = GrokLibrary.load({ ecs: 'v1' })

t.test('RAILS3: one request joined by a multiline rule', (t) => {
  const line = 'Started GET "/users/42?tab=posts" for 192.0.2.10 at 2026-11-22 04:00:00 +0000\n  Processing by UsersController#show as HTML\n  Parameters: {"tab"=>"posts", "id"=>"42"}\n  Rendered users/show.html.erb within layouts/application (Duration: 8.2ms | Allocations: 2100)\nCompleted 200 OK in 23ms (Views: 12.4ms | ActiveRecord: 3.1ms | Allocations: 5120)'
  t.strictSame(legacy.compile('%{RAILS3}').match(line), {
    verb: 'GET',
    request: '/users/42?tab=posts',
    clientip: '192.0.2.10',
    timestamp: '2026-11-22 04:00:00 +0000',
    controller: 'UsersController',
    action: 'show',
    format: 'HTML',
    params: '"tab"=>"posts", "id"=>"42"',
    response: '200',
    response_text: 'OK',
    totalms: '23',
    viewms: '12.4',
    activerecordms: '3.1',
  })
  t.strictSame(ecs.compile('%{RAILS3}').match(line), {
    http: {
      request: {
        method: 'GET',
      },
      response: {
        status_code: 200,
      },
    },
    url: {
      original: '/users/42?tab=posts',
    },
    source: {
      address: '192.0.2.10',
    },
    timestamp: '2026-11-22 04:00:00 +0000',
    rails: {
      controller: {
        class: 'UsersController',
        action: 'show',
      },
      request: {
        format: 'HTML',
        params: '"tab"=>"posts", "id"=>"42"',
        duration: {
          total: 23,
          view: 12.4,
          active_record: 3.1,
        },
      },
      response: {
        status_text: 'OK',
      },
    },
  })
  t.end()
})

t.test('RAILS3: request without a Completed line', (t) => {
  const line = 'Started POST "/api/v1/orders" for ::1 at 2026-11-22 04:00:01 +0000\nProcessing by Api::V1::OrdersController#create as JSON'
  t.strictSame(legacy.compile('%{RAILS3}').match(line), {
    verb: 'POST',
    request: '/api/v1/orders',
    clientip: '::1',
    timestamp: '2026-11-22 04:00:01 +0000',
    controller: 'Api::V1::OrdersController',
    action: 'create',
    format: 'JSON',
  })
  t.strictSame(ecs.compile('%{RAILS3}').match(line), {
    http: {
      request: {
        method: 'POST',
      },
    },
    url: {
      original: '/api/v1/orders',
    },
    source: {
      address: '::1',
    },
    timestamp: '2026-11-22 04:00:01 +0000',
    rails: {
      controller: {
        class: 'Api::V1::OrdersController',
        action: 'create',
      },
      request: {
        format: 'JSON',
      },
    },
  })
  t.end()
})

t.test('RAILS3HEAD: single Started line', (t) => {
  const line = 'Started DELETE "/sessions" for 198.51.100.23 at 2026-11-22 04:00:02 -0500'
  t.strictSame(legacy.compile('%{RAILS3HEAD}').match(line), {
    verb: 'DELETE',
    request: '/sessions',
    clientip: '198.51.100.23',
    timestamp: '2026-11-22 04:00:02 -0500',
  })
  t.strictSame(ecs.compile('%{RAILS3HEAD}').match(line), {
    http: {
      request: {
        method: 'DELETE',
      },
    },
    url: {
      original: '/sessions',
    },
    source: {
      address: '198.51.100.23',
    },
    timestamp: '2026-11-22 04:00:02 -0500',
  })
  t.end()
})

t.test('RPROCESSING: namespaced controller, no parameters', (t) => {
  const line = '  Processing by Admin::ReportsController#index as CSV'
  t.strictSame(legacy.compile('%{RPROCESSING}').match(line), {
    controller: 'Admin::ReportsController',
    action: 'index',
    format: 'CSV',
  })
  t.strictSame(ecs.compile('%{RPROCESSING}').match(line), {
    rails: {
      controller: {
        class: 'Admin::ReportsController',
        action: 'index',
      },
      request: {
        format: 'CSV',
      },
    },
  })
  t.end()
})

t.test('RAILS3FOOT: 500 with ActiveRecord time only', (t) => {
  const line = 'Completed 500 Internal Server Error in 112ms (ActiveRecord: 45.0ms | Allocations: 9000)'
  t.strictSame(legacy.compile('%{RAILS3FOOT}').match(line), {
    response: '500',
    response_text: 'Internal Server Error',
    totalms: '112',
    activerecordms: '45.0',
  })
  t.strictSame(ecs.compile('%{RAILS3FOOT}').match(line), {
    http: {
      response: {
        status_code: 500,
      },
    },
    rails: {
      response: {
        status_text: 'Internal Server Error',
      },
      request: {
        duration: {
          total: 112,
          active_record: 45,
        },
      },
    },
  })
  t.end()
})

t.test('RAILS3FOOT: Rails 7.1 footer with query counts and GC time', (t) => {
  const line = 'Completed 200 OK in 23ms (Views: 12.4ms | ActiveRecord: 3.1ms (2 queries, 0 cached) | GC: 0.3ms)'
  t.strictSame(legacy.compile('%{RAILS3FOOT}').match(line), {
    response: '200',
    response_text: 'OK',
    totalms: '23',
    viewms: '12.4',
    activerecordms: '3.1',
  })
  t.strictSame(ecs.compile('%{RAILS3FOOT}').match(line), {
    http: {
      response: {
        status_code: 200,
      },
    },
    rails: {
      response: {
        status_text: 'OK',
      },
      request: {
        duration: {
          total: 23,
          view: 12.4,
          active_record: 3.1,
        },
      },
    },
  })
  t.end()
})

t.test('RUUID: request id tag before the Started line', (t) => {
  const line = '[6a7f0d9e2c3b4a5f8e1d0c9b8a7f6e5d] Started GET "/" for 192.0.2.10 at 2026-11-22 04:00:03 +0000'
  t.strictSame(legacy.compile('\\[%{RUUID:request_id}\\] %{RAILS3HEAD}').match(line), {
    request_id: '6a7f0d9e2c3b4a5f8e1d0c9b8a7f6e5d',
    verb: 'GET',
    request: '/',
    clientip: '192.0.2.10',
    timestamp: '2026-11-22 04:00:03 +0000',
  })
  t.strictSame(ecs.compile('\\[%{RUUID:request_id}\\] %{RAILS3HEAD}').match(line), {
    request_id: '6a7f0d9e2c3b4a5f8e1d0c9b8a7f6e5d',
    http: {
      request: {
        method: 'GET',
      },
    },
    url: {
      original: '/',
    },
    source: {
      address: '192.0.2.10',
    },
    timestamp: '2026-11-22 04:00:03 +0000',
  })
  t.end()
})

t.test('RAILS3: a Completed line alone does not match', (t) => {
  const line = 'Completed 200 OK in 5ms (Views: 1.0ms | ActiveRecord: 0.0ms)'
  t.strictSame(legacy.compile('%{RAILS3}').match(line), null)
  t.strictSame(ecs.compile('%{RAILS3}').match(line), null)
  t.end()
})
