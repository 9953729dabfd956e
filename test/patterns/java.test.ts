import t from 'tap'
import { GrokLibrary } from '../../aggregator/stages/grok/library.ts'

// java family: stack trace frames, Tomcat/Catalina log lines and datestamps.
// Each case asserts the exact captures in both naming modes: legacy field names
// (ecs_compatibility disabled) and ECS field names (v1).

const legacy = GrokLibrary.load({ ecs: 'disabled' })
const ecs = GrokLibrary.load({ ecs: 'v1' })

t.test('JAVASTACKTRACEPART: ordinary frame', (t) => {
  const line = '\tat com.example.orders.OrderService.place(OrderService.java:142)'
  t.strictSame(legacy.compile('%{JAVASTACKTRACEPART}').match(line), {
    class: 'com.example.orders.OrderService',
    method: 'place',
    file: 'OrderService.java',
    line: '142',
  })
  t.strictSame(ecs.compile('%{JAVASTACKTRACEPART}').match(line), {
    java: {
      log: {
        origin: {
          class: {
            name: 'com.example.orders.OrderService',
          },
        },
      },
    },
    log: {
      origin: {
        function: 'place',
        file: {
          name: 'OrderService.java',
          line: 142,
        },
      },
    },
  })
  t.end()
})

t.test('JAVASTACKTRACEPART: Java 9+ module prefix and Native Method', (t) => {
  const line = '\tat java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)'
  t.strictSame(legacy.compile('%{JAVASTACKTRACEPART}').match(line), {
    class: 'jdk.internal.reflect.NativeMethodAccessorImpl',
    method: 'invoke0',
    file: 'Native Method',
  })
  t.strictSame(ecs.compile('%{JAVASTACKTRACEPART}').match(line), {
    java: {
      log: {
        origin: {
          class: {
            name: 'jdk.internal.reflect.NativeMethodAccessorImpl',
          },
        },
      },
    },
    log: {
      origin: {
        function: 'invoke0',
        file: {
          name: 'Native Method',
        },
      },
    },
  })
  t.end()
})

t.test('JAVASTACKTRACEPART: class loader prefix, lambda method', (t) => {
  const line = '    at app//com.example.Main.lambda$main$0(Main.java:12)'
  t.strictSame(legacy.compile('%{JAVASTACKTRACEPART}').match(line), {
    class: 'com.example.Main',
    method: 'lambda$main$0',
    file: 'Main.java',
    line: '12',
  })
  t.strictSame(ecs.compile('%{JAVASTACKTRACEPART}').match(line), {
    java: {
      log: {
        origin: {
          class: {
            name: 'com.example.Main',
          },
        },
      },
    },
    log: {
      origin: {
        function: 'lambda$main$0',
        file: {
          name: 'Main.java',
          line: 12,
        },
      },
    },
  })
  t.end()
})

t.test('JAVASTACKTRACEPART: constructor frame', (t) => {
  const line = '\tat com.example.cache.LruCache.<init>(LruCache.java:31)'
  t.strictSame(legacy.compile('%{JAVASTACKTRACEPART}').match(line), {
    class: 'com.example.cache.LruCache',
    method: '<init>',
    file: 'LruCache.java',
    line: '31',
  })
  t.strictSame(ecs.compile('%{JAVASTACKTRACEPART}').match(line), {
    java: {
      log: {
        origin: {
          class: {
            name: 'com.example.cache.LruCache',
          },
        },
      },
    },
    log: {
      origin: {
        function: '<init>',
        file: {
          name: 'LruCache.java',
          line: 31,
        },
      },
    },
  })
  t.end()
})

t.test('JAVASTACKTRACEPART: generated accessor, Unknown Source', (t) => {
  const line = '\tat sun.reflect.GeneratedMethodAccessor12.invoke(Unknown Source)'
  t.strictSame(legacy.compile('%{JAVASTACKTRACEPART}').match(line), {
    class: 'sun.reflect.GeneratedMethodAccessor12',
    method: 'invoke',
    file: 'Unknown Source',
  })
  t.strictSame(ecs.compile('%{JAVASTACKTRACEPART}').match(line), {
    java: {
      log: {
        origin: {
          class: {
            name: 'sun.reflect.GeneratedMethodAccessor12',
          },
        },
      },
    },
    log: {
      origin: {
        function: 'invoke',
        file: {
          name: 'Unknown Source',
        },
      },
    },
  })
  t.end()
})

t.test('JAVASTACKTRACEPART: first frame of a multi-line exception event', (t) => {
  const line = 'java.lang.IllegalStateException: boom\n\tat com.example.A.b(A.java:3)\n\tat com.example.C.d(C.java:4)'
  t.strictSame(legacy.compile('%{JAVASTACKTRACEPART}').match(line), {
    class: 'com.example.A',
    method: 'b',
    file: 'A.java',
    line: '3',
  })
  t.strictSame(ecs.compile('%{JAVASTACKTRACEPART}').match(line), {
    java: {
      log: {
        origin: {
          class: {
            name: 'com.example.A',
          },
        },
      },
    },
    log: {
      origin: {
        function: 'b',
        file: {
          name: 'A.java',
          line: 3,
        },
      },
    },
  })
  t.end()
})

t.test('CATALINALOG: java.util.logging SimpleFormatter first line (Tomcat 6)', (t) => {
  const line = 'Nov 22, 2026 4:00:00 AM org.apache.catalina.startup.Catalina start'
  t.strictSame(legacy.compile('%{CATALINALOG}').match(line), {
    timestamp: 'Nov 22, 2026 4:00:00 AM',
    class: 'org.apache.catalina.startup.Catalina',
    logmessage: 'start',
  })
  t.strictSame(ecs.compile('%{CATALINALOG}').match(line), {
    timestamp: 'Nov 22, 2026 4:00:00 AM',
    java: {
      log: {
        origin: {
          class: {
            name: 'org.apache.catalina.startup.Catalina',
          },
        },
      },
    },
    message: 'start',
  })
  t.end()
})

t.test('CATALINA8_LOG: OneLineFormatter, main thread', (t) => {
  const line = '22-Nov-2026 04:00:00.123 INFO [main] org.apache.catalina.startup.Catalina.start Server startup in [1234] milliseconds'
  t.strictSame(legacy.compile('%{CATALINA8_LOG}').match(line), {
    timestamp: '22-Nov-2026 04:00:00.123',
    level: 'INFO',
    thread: 'main',
    class: 'org.apache.catalina.startup.Catalina',
    method: 'start',
    logmessage: 'Server startup in [1234] milliseconds',
  })
  t.strictSame(ecs.compile('%{CATALINA8_LOG}').match(line), {
    timestamp: '22-Nov-2026 04:00:00.123',
    log: {
      level: 'INFO',
      origin: {
        function: 'start',
      },
    },
    java: {
      log: {
        origin: {
          thread: { name: 'main' },
          class: {
            name: 'org.apache.catalina.startup.Catalina',
          },
        },
      },
    },
    message: 'Server startup in [1234] milliseconds',
  })
  t.end()
})

t.test('CATALINA8_LOG: SEVERE from a connector thread', (t) => {
  const line = '22-Nov-2026 04:00:01.456 SEVERE [http-nio-8080-exec-1] org.apache.catalina.core.StandardWrapperValve.invoke Servlet.service() for servlet [dispatcher] threw exception'
  t.strictSame(legacy.compile('%{CATALINA8_LOG}').match(line), {
    timestamp: '22-Nov-2026 04:00:01.456',
    level: 'SEVERE',
    thread: 'http-nio-8080-exec-1',
    class: 'org.apache.catalina.core.StandardWrapperValve',
    method: 'invoke',
    logmessage: 'Servlet.service() for servlet [dispatcher] threw exception',
  })
  t.strictSame(ecs.compile('%{CATALINA8_LOG}').match(line), {
    timestamp: '22-Nov-2026 04:00:01.456',
    log: {
      level: 'SEVERE',
      origin: {
        function: 'invoke',
      },
    },
    java: {
      log: {
        origin: {
          thread: { name: 'http-nio-8080-exec-1' },
          class: {
            name: 'org.apache.catalina.core.StandardWrapperValve',
          },
        },
      },
    },
    message: 'Servlet.service() for servlet [dispatcher] threw exception',
  })
  t.end()
})

t.test('JAVATHREAD: connector worker thread names', (t) => {
  const line = '[http-nio-8080-exec-7] [TP-Processor12]'
  t.strictSame(legacy.compile('\\[%{JAVATHREAD:thread}\\] \\[%{JAVATHREAD:thread2}\\]').match(line), {
    thread: 'http-nio-8080-exec-7',
    thread2: 'TP-Processor12',
  })
  t.strictSame(ecs.compile('\\[%{JAVATHREAD:thread}\\] \\[%{JAVATHREAD:thread2}\\]').match(line), {
    thread: 'http-nio-8080-exec-7',
    thread2: 'TP-Processor12',
  })
  t.end()
})

t.test('TOMCATLOG: pipe-separated layout', (t) => {
  const line = '2026-11-22 04:00:00 +0000 | ERROR | com.example.web.OrderController - Order 42 failed validation'
  t.strictSame(legacy.compile('%{TOMCATLOG}').match(line), {
    timestamp: '2026-11-22 04:00:00 +0000',
    level: 'ERROR',
    class: 'com.example.web.OrderController',
    logmessage: 'Order 42 failed validation',
  })
  t.strictSame(ecs.compile('%{TOMCATLOG}').match(line), {
    timestamp: '2026-11-22 04:00:00 +0000',
    log: {
      level: 'ERROR',
    },
    java: {
      log: {
        origin: {
          class: {
            name: 'com.example.web.OrderController',
          },
        },
      },
    },
    message: 'Order 42 failed validation',
  })
  t.end()
})

t.test('JAVASTACKTRACEPART: a "Caused by" line does not match', (t) => {
  const line = 'Caused by: java.lang.IllegalStateException: boom'
  t.strictSame(legacy.compile('%{JAVASTACKTRACEPART}').match(line), null)
  t.strictSame(ecs.compile('%{JAVASTACKTRACEPART}').match(line), null)
  t.end()
})

t.test('CATALINA8_LOG: an ISO timestamped line does not match', (t) => {
  const line = '2026-11-22 04:00:00.123 INFO main Server started'
  t.strictSame(legacy.compile('%{CATALINA8_LOG}').match(line), null)
  t.strictSame(ecs.compile('%{CATALINA8_LOG}').match(line), null)
  t.end()
})

t.test('Logstash parity: ECS CATALINALOG/TOMCATLOG take the two-line layout and the OneLineFormatter', (t) => {
  const two = "Jul 30, 2020 3:00:21 PM org.apache.coyote.http11.Http11Protocol init\nINFO: Initializing Coyote HTTP/1.1 on http-8080"
  t.strictSame(ecs.compile('%{CATALINALOG}').match(two), {
    timestamp: 'Jul 30, 2020 3:00:21 PM', java: { log: { origin: { class: { name: 'org.apache.coyote.http11.Http11Protocol' } } } },
    log: { level: 'INFO', origin: { function: 'init' } }, message: 'Initializing Coyote HTTP/1.1 on http-8080',
  })
  t.strictSame(legacy.compile('%{CATALINALOG}').match(two), { timestamp: 'Jul 30, 2020 3:00:21 PM', class: 'org.apache.coyote.http11.Http11Protocol', logmessage: 'init\nINFO: Initializing Coyote HTTP/1.1 on http-8080' })
  const one = '31-Jul-2020 16:40:38.451 INFO [localhost-startStop-1] org.apache.catalina.core.ApplicationContext.log ContextListener: attributeAdded'
  t.strictSame(ecs.compile('%{TOMCATLOG}').match(one), {
    timestamp: '31-Jul-2020 16:40:38.451', log: { level: 'INFO', origin: { function: 'log' } },
    java: { log: { origin: { thread: { name: 'localhost-startStop-1' }, class: { name: 'org.apache.catalina.core.ApplicationContext' } } } }, message: 'ContextListener: attributeAdded',
  })
  t.equal(legacy.compile('%{TOMCATLOG}').match(one), null)
  t.end()
})
