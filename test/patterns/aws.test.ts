import t from 'tap'
import { GrokLibrary } from '../../aggregator/stages/grok/library.ts'

// aws family: Classic ELB, Application Load Balancer, S3 server access and CloudFront
// standard access logs.
// Each case asserts the exact captures in both naming modes: legacy field names
// (ecs_compatibility disabled) and ECS field names (v1).

const legacy = GrokLibrary.load({ ecs: 'disabled' })
const ecs = GrokLibrary.load({ ecs: 'v1' })

t.test('ELB_ACCESS_LOG: HTTP listener with user agent and TLS fields', (t) => {
  const line = '2026-11-22T04:00:00.123456Z my-elb 192.0.2.10:51234 10.0.1.5:80 0.000042 0.001234 0.000021 200 200 0 1543 "GET http://my-elb-123.us-east-1.elb.amazonaws.com:80/index.html?lang=en HTTP/1.1" "curl/7.88.1" - -'
  t.strictSame(legacy.compile('%{ELB_ACCESS_LOG}').match(line), {
    timestamp: '2026-11-22T04:00:00.123456Z',
    elb: 'my-elb',
    clientip: '192.0.2.10',
    clientport: 51234,
    backendip: '10.0.1.5',
    backendport: 80,
    request_processing_time: 0.000042,
    backend_processing_time: 0.001234,
    response_processing_time: 0.000021,
    response: 200,
    backend_response: 200,
    received_bytes: 0,
    bytes: 1543,
    verb: 'GET',
    request: 'http://my-elb-123.us-east-1.elb.amazonaws.com:80/index.html?lang=en',
    proto: 'http',
    urihost: 'my-elb-123.us-east-1.elb.amazonaws.com:80',
    port: '80',
    path: '/index.html',
    params: 'lang=en',
    httpversion: '1.1',
    agent: 'curl/7.88.1',
  })
  t.strictSame(ecs.compile('%{ELB_ACCESS_LOG}').match(line), {
    timestamp: '2026-11-22T04:00:00.123456Z',
    aws: {
      elb: {
        name: 'my-elb',
        backend: {
          ip: '10.0.1.5',
          port: 80,
          http: {
            response: {
              status_code: 200,
            },
          },
        },
        request_processing_time: {
          sec: 0.000042,
        },
        backend_processing_time: {
          sec: 0.001234,
        },
        response_processing_time: {
          sec: 0.000021,
        },
      },
    },
    source: {
      ip: '192.0.2.10',
      port: 51234,
    },
    http: {
      response: {
        status_code: 200,
        body: {
          bytes: 1543,
        },
      },
      request: {
        body: {
          bytes: 0,
        },
        method: 'GET',
      },
      version: '1.1',
    },
    url: {
      original: 'http://my-elb-123.us-east-1.elb.amazonaws.com:80/index.html?lang=en',
      scheme: 'http',
      domain: 'my-elb-123.us-east-1.elb.amazonaws.com',
      port: 80,
      path: '/index.html',
      query: 'lang=en',
    },
    user_agent: {
      original: 'curl/7.88.1',
    },
  })
  t.end()
})

t.test('ELB_ACCESS_LOG: no backend, -1 timings, 504', (t) => {
  const line = '2026-11-22T04:00:01.000000Z my-elb 192.0.2.11:40000 - -1 -1 -1 504 - 0 0 "GET https://my-elb-123.us-east-1.elb.amazonaws.com:443/health HTTP/1.1" "ELB-HealthChecker/1.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2'
  t.strictSame(legacy.compile('%{ELB_ACCESS_LOG}').match(line), {
    timestamp: '2026-11-22T04:00:01.000000Z',
    elb: 'my-elb',
    clientip: '192.0.2.11',
    clientport: 40000,
    request_processing_time: -1,
    backend_processing_time: -1,
    response_processing_time: -1,
    response: 504,
    received_bytes: 0,
    bytes: 0,
    verb: 'GET',
    request: 'https://my-elb-123.us-east-1.elb.amazonaws.com:443/health',
    proto: 'https',
    urihost: 'my-elb-123.us-east-1.elb.amazonaws.com:443',
    port: '443',
    path: '/health',
    httpversion: '1.1',
    agent: 'ELB-HealthChecker/1.0',
    cipher: 'ECDHE-RSA-AES128-GCM-SHA256',
    protocol: 'TLSv1.2',
  })
  t.strictSame(ecs.compile('%{ELB_ACCESS_LOG}').match(line), {
    timestamp: '2026-11-22T04:00:01.000000Z',
    aws: {
      elb: {
        name: 'my-elb',
        ssl_protocol: 'TLSv1.2',
      },
    },
    source: {
      ip: '192.0.2.11',
      port: 40000,
    },
    http: {
      response: {
        status_code: 504,
        body: {
          bytes: 0,
        },
      },
      request: {
        body: {
          bytes: 0,
        },
        method: 'GET',
      },
      version: '1.1',
    },
    url: {
      original: 'https://my-elb-123.us-east-1.elb.amazonaws.com:443/health',
      scheme: 'https',
      domain: 'my-elb-123.us-east-1.elb.amazonaws.com',
      port: 443,
      path: '/health',
    },
    user_agent: {
      original: 'ELB-HealthChecker/1.0',
    },
    tls: {
      cipher: 'ECDHE-RSA-AES128-GCM-SHA256',
    },
  })
  t.end()
})

t.test('ELB_ACCESS_LOG: TCP listener ("- - - " request), pre-2014 line without trailing fields', (t) => {
  const line = '2026-11-22T04:00:02.000000Z my-elb 192.0.2.12:40001 10.0.1.5:5432 0.000051 0.000002 0.000021 - - 1340 2720 "- - - "'
  t.strictSame(legacy.compile('%{ELB_ACCESS_LOG}').match(line), {
    timestamp: '2026-11-22T04:00:02.000000Z',
    elb: 'my-elb',
    clientip: '192.0.2.12',
    clientport: 40001,
    backendip: '10.0.1.5',
    backendport: 5432,
    request_processing_time: 0.000051,
    backend_processing_time: 0.000002,
    response_processing_time: 0.000021,
    received_bytes: 1340,
    bytes: 2720,
    rawrequest: '- - - ',
  })
  t.strictSame(ecs.compile('%{ELB_ACCESS_LOG}').match(line), {
    timestamp: '2026-11-22T04:00:02.000000Z',
    aws: {
      elb: {
        name: 'my-elb',
        backend: {
          ip: '10.0.1.5',
          port: 5432,
        },
        request_processing_time: {
          sec: 0.000051,
        },
        backend_processing_time: {
          sec: 0.000002,
        },
        response_processing_time: {
          sec: 0.000021,
        },
        request: '- - - ',
      },
    },
    source: {
      ip: '192.0.2.12',
      port: 40001,
    },
    http: {
      request: {
        body: {
          bytes: 1340,
        },
      },
      response: {
        body: {
          bytes: 2720,
        },
      },
    },
  })
  t.end()
})

t.test('ALB_ACCESS_LOG: HTTPS request with all fields up to classification', (t) => {
  const line = 'https 2026-11-22T04:00:00.123456Z app/my-alb/50dc6c495c0c9188 192.0.2.10:51234 10.0.1.5:8080 0.000 0.012 0.000 200 200 345 1543 "GET https://shop.example.com:443/api/items?id=7 HTTP/1.1" "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-67403a80-36d228ad5d99923122bbe354" "shop.example.com" "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012" 0 2026-11-22T04:00:00.111000Z "forward" "-" "-" "10.0.1.5:8080" "200" "-" "-" TID_1a2b3c4d5e'
  t.strictSame(legacy.compile('%{ALB_ACCESS_LOG}').match(line), {
    type: 'https',
    timestamp: '2026-11-22T04:00:00.123456Z',
    elb: 'app/my-alb/50dc6c495c0c9188',
    clientip: '192.0.2.10',
    clientport: 51234,
    targetip: '10.0.1.5',
    targetport: 8080,
    request_processing_time: 0,
    target_processing_time: 0.012,
    response_processing_time: 0,
    response: 200,
    target_response: 200,
    received_bytes: 345,
    bytes: 1543,
    verb: 'GET',
    request: 'https://shop.example.com:443/api/items?id=7',
    proto: 'https',
    urihost: 'shop.example.com:443',
    port: '443',
    path: '/api/items',
    params: 'id=7',
    httpversion: '1.1',
    agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0',
    ssl_cipher: 'ECDHE-RSA-AES128-GCM-SHA256',
    ssl_protocol: 'TLSv1.2',
    target_group_arn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/my-targets/73e2d6bc24d8a067',
    trace_id: 'Root=1-67403a80-36d228ad5d99923122bbe354',
    domain_name: 'shop.example.com',
    chosen_cert_arn: 'arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012',
    matched_rule_priority: 0,
    request_creation_time: '2026-11-22T04:00:00.111000Z',
    actions_executed: 'forward',
    target_list: '10.0.1.5:8080',
    target_status_list: '200',
  })
  t.strictSame(ecs.compile('%{ALB_ACCESS_LOG}').match(line), {
    aws: {
      elb: {
        type: 'https',
        name: 'app/my-alb/50dc6c495c0c9188',
        target: {
          ip: '10.0.1.5',
          port: 8080,
          http: {
            response: {
              status_code: 200,
            },
          },
        },
        request_processing_time: {
          sec: 0,
        },
        target_processing_time: {
          sec: 0.012,
        },
        response_processing_time: {
          sec: 0,
        },
        ssl_protocol: 'TLSv1.2',
        target_group: {
          arn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/my-targets/73e2d6bc24d8a067',
        },
        trace_id: 'Root=1-67403a80-36d228ad5d99923122bbe354',
        chosen_cert: {
          arn: 'arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012',
        },
        matched_rule_priority: 0,
        request_creation_time: '2026-11-22T04:00:00.111000Z',
        action_executed: 'forward',
        target_list: '10.0.1.5:8080',
        target_status_code_list: '200',
      },
    },
    timestamp: '2026-11-22T04:00:00.123456Z',
    source: {
      ip: '192.0.2.10',
      port: 51234,
    },
    http: {
      response: {
        status_code: 200,
        body: {
          bytes: 1543,
        },
      },
      request: {
        body: {
          bytes: 345,
        },
        method: 'GET',
      },
      version: '1.1',
    },
    url: {
      original: 'https://shop.example.com:443/api/items?id=7',
      scheme: 'https',
      domain: 'shop.example.com',
      port: 443,
      path: '/api/items',
      query: 'id=7',
    },
    user_agent: {
      original: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0',
    },
    tls: {
      cipher: 'ECDHE-RSA-AES128-GCM-SHA256',
      client: {
        server_name: 'shop.example.com',
      },
    },
  })
  t.end()
})

t.test('S3_ACCESS_LOG: REST.GET.OBJECT with all current fields', (t) => {
  const line = '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be awsexamplebucket1 [22/Nov/2026:04:00:38 +0000] 192.0.2.3 arn:aws:iam::123456789012:user/alice 3E57427F3EXAMPLE REST.GET.OBJECT photos/2026/cat.jpg "GET /awsexamplebucket1/photos/2026/cat.jpg HTTP/1.1" 200 - 113042 113042 17 16 "https://www.example.com/gallery" "S3Console/0.4" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader awsexamplebucket1.s3.us-west-1.amazonaws.com TLSv1.2 - -'
  t.strictSame(legacy.compile('%{S3_ACCESS_LOG}').match(line), {
    owner: '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be',
    bucket: 'awsexamplebucket1',
    timestamp: '22/Nov/2026:04:00:38 +0000',
    clientip: '192.0.2.3',
    requester: 'arn:aws:iam::123456789012:user/alice',
    request_id: '3E57427F3EXAMPLE',
    operation: 'REST.GET.OBJECT',
    key: 'photos/2026/cat.jpg',
    verb: 'GET',
    request: '/awsexamplebucket1/photos/2026/cat.jpg',
    httpversion: '1.1',
    response: 200,
    bytes: 113042,
    object_size: 113042,
    request_time_ms: 17,
    turnaround_time_ms: 16,
    referrer: '"https://www.example.com/gallery"',
    agent: '"S3Console/0.4"',
    host_id: 's9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234=',
    signature_version: 'SigV4',
    cipher_suite: 'ECDHE-RSA-AES128-GCM-SHA256',
    authentication_type: 'AuthHeader',
    host_header: 'awsexamplebucket1.s3.us-west-1.amazonaws.com',
    tls_version: 'TLSv1.2',
  })
  t.strictSame(ecs.compile('%{S3_ACCESS_LOG}').match(line), {
    aws: {
      s3access: {
        bucket_owner: '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be',
        bucket: 'awsexamplebucket1',
        request_id: '3E57427F3EXAMPLE',
        operation: 'REST.GET.OBJECT',
        key: 'photos/2026/cat.jpg',
        request_uri: 'GET /awsexamplebucket1/photos/2026/cat.jpg HTTP/1.1',
        bytes_sent: 113042,
        object_size: 113042,
        turn_around_time: 16,
        host_id: 's9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234=',
        signature_version: 'SigV4',
        cipher_suite: 'ECDHE-RSA-AES128-GCM-SHA256',
        authentication_type: 'AuthHeader',
        host_header: 'awsexamplebucket1.s3.us-west-1.amazonaws.com',
        tls_version: 'TLSv1.2',
      },
    },
    timestamp: '22/Nov/2026:04:00:38 +0000',
    client: {
      ip: '192.0.2.3',
      user: {
        id: 'arn:aws:iam::123456789012:user/alice',
      },
    },
    http: {
      request: {
        method: 'GET',
        referrer: 'https://www.example.com/gallery',
      },
      version: '1.1',
      response: {
        status_code: 200,
      },
    },
    url: {
      original: '/awsexamplebucket1/photos/2026/cat.jpg',
    },
    user_agent: {
      original: 'S3Console/0.4',
    },
    event: { duration: 17 },
  })
  t.end()
})

t.test('S3_ACCESS_LOG: anonymous 404, older line', (t) => {
  const line = '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be awsexamplebucket1 [22/Nov/2026:04:01:00 +0000] 203.0.113.8 - 891CE47D2EXAMPLE REST.GET.OBJECT missing.txt "GET /missing.txt HTTP/1.1" 404 NoSuchKey 243 - 9 - "-" "curl/8.5.0" -'
  t.strictSame(legacy.compile('%{S3_ACCESS_LOG}').match(line), {
    owner: '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be',
    bucket: 'awsexamplebucket1',
    timestamp: '22/Nov/2026:04:01:00 +0000',
    clientip: '203.0.113.8',
    requester: '-',
    request_id: '891CE47D2EXAMPLE',
    operation: 'REST.GET.OBJECT',
    key: 'missing.txt',
    verb: 'GET',
    request: '/missing.txt',
    httpversion: '1.1',
    response: 404,
    error_code: 'NoSuchKey',
    bytes: 243,
    request_time_ms: 9,
    referrer: '"-"',
    agent: '"curl/8.5.0"',
  })
  t.strictSame(ecs.compile('%{S3_ACCESS_LOG}').match(line), {
    aws: {
      s3access: {
        bucket_owner: '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be',
        bucket: 'awsexamplebucket1',
        request_id: '891CE47D2EXAMPLE',
        operation: 'REST.GET.OBJECT',
        key: 'missing.txt',
        request_uri: 'GET /missing.txt HTTP/1.1',
        error_code: 'NoSuchKey',
        bytes_sent: 243,
      },
    },
    timestamp: '22/Nov/2026:04:01:00 +0000',
    client: {
      ip: '203.0.113.8',
    },
    http: {
      request: {
        method: 'GET',
      },
      version: '1.1',
      response: {
        status_code: 404,
      },
    },
    url: {
      original: '/missing.txt',
    },
    user_agent: {
      original: 'curl/8.5.0',
    },
    event: { duration: 9 },
  })
  t.end()
})

t.test('CLOUDFRONT_ACCESS_LOG: current 33-field line', (t) => {
  const line = '2026-11-22\t04:00:00\tSEA19-C1\t1543\t192.0.2.100\tGET\td111111abcdef8.cloudfront.net\t/index.html\t200\thttps://www.example.com/\tMozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)\tlang=en\t-\tHit\tSOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==\twww.example.com\thttps\t23\t0.001\t-\tTLSv1.3\tTLS_AES_128_GCM_SHA256\tHit\tHTTP/2.0\t-\t-\t11040\t0.001\tHit\ttext/html\t1543\t-\t-'
  t.strictSame(legacy.compile('%{CLOUDFRONT_ACCESS_LOG}').match(line), {
    timestamp: '2026-11-22\t04:00:00',
    x_edge_location: 'SEA19-C1',
    sc_bytes: 1543,
    clientip: '192.0.2.100',
    cs_method: 'GET',
    cs_host: 'd111111abcdef8.cloudfront.net',
    cs_uri_stem: '/index.html',
    sc_status: 200,
    referrer: 'https://www.example.com/',
    agent: 'Mozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)',
    cs_uri_query: 'lang=en',
    cookies: '-',
    x_edge_result_type: 'Hit',
    x_edge_request_id: 'SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==',
    x_host_header: 'www.example.com',
    cs_protocol: 'https',
    cs_bytes: 23,
    time_taken: 0.001,
    x_forwarded_for: '-',
    ssl_protocol: 'TLSv1.3',
    ssl_cipher: 'TLS_AES_128_GCM_SHA256',
    x_edge_response_result_type: 'Hit',
    cs_protocol_version: 'HTTP/2.0',
    c_port: 11040,
    time_to_first_byte: 0.001,
    x_edge_detailed_result_type: 'Hit',
    sc_content_type: 'text/html',
    sc_content_len: 1543,
  })
  t.strictSame(ecs.compile('%{CLOUDFRONT_ACCESS_LOG}').match(line), {
    timestamp: '2026-11-22\t04:00:00',
    event: { id: 'SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==' },
    aws: {
      cloudfront: {
        x_edge_location: 'SEA19-C1',
        x_edge_result_type: 'Hit',
        http: {
          request: {
            host: 'www.example.com',
          },
          version: 'HTTP/2.0',
        },
        time_taken: 0.001,
        ssl_protocol: 'TLSv1.3',
        x_edge_response_result_type: 'Hit',
        time_to_first_byte: 0.001,
        x_edge_detailed_result_type: 'Hit',
      },
    },
    destination: {
      bytes: 1543,
    },
    source: {
      ip: '192.0.2.100',
      bytes: 23,
      port: 11040,
    },
    http: {
      request: {
        method: 'GET',
        referrer: 'https://www.example.com/',
      },
      response: {
        status_code: 200,
        mime_type: 'text/html',
        bytes: 1543,
      },
    },
    url: {
      domain: 'd111111abcdef8.cloudfront.net',
      path: '/index.html',
      query: 'lang=en',
    },
    user_agent: {
      original: 'Mozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)',
    },
    network: {
      protocol: 'https',
    },
    tls: {
      cipher: 'TLS_AES_128_GCM_SHA256',
    },
  })
  t.end()
})

t.test('CLOUDFRONT_ACCESS_LOG: older 24-field line, IPv6 client', (t) => {
  const line = '2026-11-22\t04:00:01\tFRA56-P2\t-\t2001:db8::7\tHEAD\td111111abcdef8.cloudfront.net\t/\t304\t-\tcurl/8.5.0\t-\t-\tRefreshHit\tq8Fh2kLwZ9rD0aX1yB3vC4uE5tG6hJ7iK8lM9nO0pQ==\tcdn.example.com\thttp\t95\t0.002\t198.51.100.3\t-\t-\tRefreshHit'
  t.strictSame(legacy.compile('%{CLOUDFRONT_ACCESS_LOG}').match(line), {
    timestamp: '2026-11-22\t04:00:01',
    x_edge_location: 'FRA56-P2',
    clientip: '2001:db8::7',
    cs_method: 'HEAD',
    cs_host: 'd111111abcdef8.cloudfront.net',
    cs_uri_stem: '/',
    sc_status: 304,
    agent: 'curl/8.5.0',
    cs_uri_query: '-',
    cookies: '-',
    x_edge_result_type: 'RefreshHit',
    x_edge_request_id: 'q8Fh2kLwZ9rD0aX1yB3vC4uE5tG6hJ7iK8lM9nO0pQ==',
    x_host_header: 'cdn.example.com',
    cs_protocol: 'http',
    cs_bytes: 95,
    time_taken: 0.002,
    x_forwarded_for: '198.51.100.3',
    x_edge_response_result_type: 'RefreshHit',
  })
  t.strictSame(ecs.compile('%{CLOUDFRONT_ACCESS_LOG}').match(line), {
    timestamp: '2026-11-22\t04:00:01',
    event: { id: 'q8Fh2kLwZ9rD0aX1yB3vC4uE5tG6hJ7iK8lM9nO0pQ==' },
    aws: {
      cloudfront: {
        x_edge_location: 'FRA56-P2',
        x_edge_result_type: 'RefreshHit',
        http: {
          request: {
            host: 'cdn.example.com',
          },
        },
        time_taken: 0.002,
        x_edge_response_result_type: 'RefreshHit',
      },
    },
    source: {
      ip: '2001:db8::7',
      bytes: 95,
    },
    http: {
      request: {
        method: 'HEAD',
      },
      response: {
        status_code: 304,
      },
    },
    url: {
      domain: 'd111111abcdef8.cloudfront.net',
      path: '/',
    },
    user_agent: {
      original: 'curl/8.5.0',
    },
    network: {
      protocol: 'http',
      forwarded_ip: '198.51.100.3',
    },
  })
  t.end()
})

t.test('ELB_ACCESS_LOG: a combined-log line does not match', (t) => {
  const line = '192.0.2.10 - - [22/Nov/2026:04:00:00 +0000] "GET / HTTP/1.1" 200 512'
  t.strictSame(legacy.compile('%{ELB_ACCESS_LOG}').match(line), null)
  t.strictSame(ecs.compile('%{ELB_ACCESS_LOG}').match(line), null)
  t.end()
})

t.test('S3_ACCESS_LOG: an ELB line does not match', (t) => {
  const line = '2026-11-22T04:00:00.123456Z my-elb 192.0.2.10:51234 10.0.1.5:80 0.000042 0.001234 0.000021 200 200 0 1543 "GET http://x/ HTTP/1.1"'
  t.strictSame(legacy.compile('%{S3_ACCESS_LOG}').match(line), null)
  t.strictSame(ecs.compile('%{S3_ACCESS_LOG}').match(line), null)
  t.end()
})

t.test('CLOUDFRONT_ACCESS_LOG: the #Fields header does not match', (t) => {
  const line = '#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status'
  t.strictSame(legacy.compile('%{CLOUDFRONT_ACCESS_LOG}').match(line), null)
  t.strictSame(ecs.compile('%{CLOUDFRONT_ACCESS_LOG}').match(line), null)
  t.end()
})
