import { test } from 'tap'
import { classifyBulkBody, classifyItem, classifyNoResponse, classifyRequestStatus, ItemVerdict, RequestVerdict } from '../../../../aggregator/outputs/elasticsearch/es-retry.ts'

// The verdict table against literal Elasticsearch responses
// (docs/protocols/elasticsearch-bulk.md §6 conformance items 2–8 and 11; item 1 is in es-encoder.test.ts).

const create = { op: 'create', hasId: true }
const createNoId = { op: 'create', hasId: false }
const del = { op: 'delete', hasId: true }

test('C.6 #2: items map to actions by position (mixed create/delete)', async (t) => {
  const body = {
    took: 3,
    errors: true,
    items: [
      { create: { _index: 'a', _id: '1', status: 201, result: 'created' } },
      { delete: { _index: 'a', _id: '2', status: 404, result: 'not_found' } },
      { create: { _index: 'a', _id: '3', status: 400, error: { type: 'document_parsing_exception', reason: '[1:10] failed to parse field [x] of type [long]' } } },
      { delete: { _index: 'a', _id: '4', status: 200, result: 'deleted' } },
    ],
  }
  const out = classifyBulkBody(body, [create, del, create, del])
  t.equal(out.request, RequestVerdict.items)
  t.same([...out.items!], [ItemVerdict.ok, ItemVerdict.ok, ItemVerdict.deadLetter, ItemVerdict.ok])
  t.match(out.reasons![2], /^400 document_parsing_exception: \[1:10\] failed to parse field \[x\]/)
  t.equal(out.reasons![1], undefined)
  t.same([...out.statuses!], [201, 404, 400, 200])
})

test('C.6 #3: errors:false takes the fast path; a 404 not_found delete without error is success', async (t) => {
  // The items here even carry odd statuses: with errors:false they are not inspected.
  const body = { took: 1, errors: false, items: [{ create: { status: 201 } }, { delete: { status: 404, result: 'not_found' } }, { create: { status: 201 } }] }
  const out = classifyBulkBody(body, [create, del, create])
  t.equal(out.request, RequestVerdict.items)
  t.same(out.counts, [3, 0, 0, 0])
  t.equal(out.reasons, undefined, 'no per-item work')
  t.equal(classifyItem(404, 'delete', true, false), ItemVerdict.ok)
  t.equal(classifyItem(404, 'create', true, true), ItemVerdict.deadLetter, 'a 404 with an error (index_not_found) is dead-lettered')
})

test('C.6 #4: errors:true with [201, 400, 409, 429, 503]', async (t) => {
  const body = JSON.parse(`{"took":30,"errors":true,"items":[
    {"create":{"_index":"logs-app","_id":"a","_version":1,"result":"created","_shards":{"total":2,"successful":1,"failed":0},"_seq_no":5,"_primary_term":1,"status":201}},
    {"create":{"_index":"logs-app","_id":"b","status":400,"error":{"type":"document_parsing_exception","reason":"[1:15] failed to parse field [n] of type [long] in document with id 'b'","caused_by":{"type":"illegal_argument_exception","reason":"For input string: \\"x\\""}}}},
    {"create":{"_index":"logs-app","_id":"c","status":409,"error":{"type":"version_conflict_engine_exception","reason":"[c]: version conflict, document already exists (current version [1])"}}},
    {"create":{"_index":"logs-app","_id":"d","status":429,"error":{"type":"es_rejected_execution_exception","reason":"rejected execution of primary operation [coordinating_and_primary_bytes=0, primary_operation_bytes=0, max_coordinating_and_primary_bytes=0]"}}},
    {"create":{"_index":"logs-app","_id":"e","status":503,"error":{"type":"unavailable_shards_exception","reason":"[logs-app][0] primary shard is not active Timeout: [1m]"}}}
  ]}`)
  const out = classifyBulkBody(body, [create, create, create, create, create])
  t.same([...out.items!], [ItemVerdict.ok, ItemVerdict.deadLetter, ItemVerdict.duplicate, ItemVerdict.retry, ItemVerdict.retry])
  t.same(out.counts, [1, 1, 2, 1], "ok, duplicate, retry, dead-letter")
  t.match(out.reasons![1], /400 document_parsing_exception: .*caused by illegal_argument_exception/)
  t.match(out.reasons![3], /^429 es_rejected_execution_exception/)
  t.match(out.reasons![4], /^503 unavailable_shards_exception/)
  // 409 is success only for a create that carried an id
  const noId = classifyBulkBody(body, [createNoId, createNoId, createNoId, createNoId, createNoId])
  t.equal(noId.items![2], ItemVerdict.deadLetter)
  t.equal(classifyItem(409, 'index', true, true), ItemVerdict.deadLetter, 'an OCC conflict on index is not a duplicate')
  // other 4xx: dead-letter; 408 and 5xx: retry
  t.equal(classifyItem(403, 'create', true, true), ItemVerdict.deadLetter)
  t.equal(classifyItem(404, 'create', true, true), ItemVerdict.deadLetter)
  t.equal(classifyItem(408, 'create', true, true), ItemVerdict.retry)
  t.equal(classifyItem(500, 'create', true, true), ItemVerdict.retry)
  t.equal(classifyItem(200, 'index', false, false), ItemVerdict.ok)
})

test('C.6 #5: item count mismatch retries the whole request', async (t) => {
  const body = { errors: false, items: [{ create: { status: 201 } }, { create: { status: 201 } }, { create: { status: 201 } }] }
  const out = classifyBulkBody(body, [create, create])
  t.equal(out.request, RequestVerdict.retry)
  t.match(out.reason, /3 items for 2 actions/)
  t.equal(classifyBulkBody({ took: 1 }, [create]).request, RequestVerdict.retry, 'no items array')
  t.equal(classifyBulkBody('<html>proxy</html>', [create]).request, RequestVerdict.retry, 'not JSON')
})

test('C.6 #6: whole-request 429 circuit breaker: TRANSIENT retries, PERMANENT splits', async (t) => {
  const breaker = (durability: string) => ({
    error: {
      root_cause: [{ type: 'circuit_breaking_exception', reason: '[parent] Data too large, data for [<http_request>] would be [1031798784/984mb], which is larger than the limit of [1020054732/972.7mb]', bytes_wanted: 1031798784, bytes_limit: 1020054732, durability }],
      type: 'circuit_breaking_exception',
      reason: '[parent] Data too large, data for [<http_request>] would be [1031798784/984mb], which is larger than the limit of [1020054732/972.7mb]',
      bytes_wanted: 1031798784,
      bytes_limit: 1020054732,
      durability,
    },
    status: 429,
  })
  const transient = classifyRequestStatus(429, breaker('TRANSIENT'), 10)
  t.equal(transient.request, RequestVerdict.retry)
  t.match(transient.reason, /^HTTP 429 circuit_breaking_exception: \[parent\] Data too large/)
  t.equal(classifyRequestStatus(429, breaker('PERMANENT'), 10).request, RequestVerdict.split)
  t.equal(classifyRequestStatus(429, breaker('PERMANENT'), 1).request, RequestVerdict.retry, 'one document cannot be split')
  const pressure = { error: { type: 'es_rejected_execution_exception', reason: 'rejected execution of coordinating operation [coordinating_and_primary_bytes=104857600, replica_bytes=0, all_bytes=104857600, coordinating_operation_bytes=1048576, max_coordinating_and_primary_bytes=104857600]' }, status: 429 }
  t.equal(classifyRequestStatus(429, pressure, 10).request, RequestVerdict.retry, 'indexing pressure: retry')
})

test('C.6 #7: whole-request 413 splits; a single document still too large is a bug (dead-letter)', async (t) => {
  t.equal(classifyRequestStatus(413, '', 8).request, RequestVerdict.split, 'empty body')
  t.equal(classifyRequestStatus(413, { error: 'Request Entity Too Large' }, 2).request, RequestVerdict.split)
  const single = classifyRequestStatus(413, '', 1)
  t.equal(single.request, RequestVerdict.bug)
  t.equal(single.status, 413)
})

test('C.6 #8: whole-request 400 "must be terminated by a newline" is a bug, not a retry', async (t) => {
  const body = {
    error: {
      root_cause: [{ type: 'illegal_argument_exception', reason: 'The bulk request must be terminated by a newline [\\n]' }],
      type: 'illegal_argument_exception',
      reason: 'The bulk request must be terminated by a newline [\\n]',
    },
    status: 400,
  }
  const out = classifyRequestStatus(400, body, 5)
  t.equal(out.request, RequestVerdict.bug)
  t.match(out.reason, /HTTP 400 illegal_argument_exception: The bulk request must be terminated by a newline/)
  t.equal(classifyRequestStatus(404, { error: 'no handler found for uri [/x/_bulkk]' }, 5).request, RequestVerdict.bug)
})

test('C.6 #11: 502/503/504 and no response retry; 401/403 are auth', async (t) => {
  t.equal(classifyRequestStatus(502, '<html>Bad Gateway</html>', 3).request, RequestVerdict.retry)
  t.equal(classifyRequestStatus(503, { error: { type: 'cluster_block_exception', reason: 'blocked by: [SERVICE_UNAVAILABLE/2/no master];' }, status: 503 }, 3).request, RequestVerdict.retry)
  t.equal(classifyRequestStatus(504, '', 3).request, RequestVerdict.retry)
  t.equal(classifyRequestStatus(500, { error: { type: 'null_pointer_exception', reason: null } }, 3).request, RequestVerdict.retry)
  t.equal(classifyRequestStatus(408, '', 3).request, RequestVerdict.retry)
  const none = classifyNoResponse('connect ECONNREFUSED 127.0.0.1:9200')
  t.equal(none.request, RequestVerdict.retry)
  t.equal(none.status, 0)
  t.equal(classifyRequestStatus(401, { error: { type: 'security_exception', reason: 'unable to authenticate user [elastic] for REST request [/_bulk]' }, status: 401 }, 3).request, RequestVerdict.auth)
  t.equal(classifyRequestStatus(403, { error: { type: 'security_exception', reason: 'action [indices:data/write/bulk] is unauthorized for user [shipper]' }, status: 403 }, 3).request, RequestVerdict.auth)
})
