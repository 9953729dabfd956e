import type { Scenario } from '../harness.ts'
import { startOpenSearch } from '../../test/helpers/opensearch.ts'
import { sinkBench } from './elasticsearch.ts'

// opensearch.sink (full mode only): our output (the same bulk loop, through
// the OpenSearch client) into a real OpenSearch 2.19 (the integ-test-zip node
// from the test helper) against a direct bulk POST of the same documents as
// ready-made NDJSON through the OpenSearch client's transport: OpenSearch's
// own ceiling on this machine. Target ≥ 0.9 of it, as for Elasticsearch
// (bench/scenarios/elasticsearch.ts has the method). LOGYARD_BENCH_OPENSEARCH=3
// runs it against 3.x instead.

const scenario: Scenario = {
  name: 'opensearch',
  description: 'Our _bulk output vs a direct bulk POST of the same documents into a real OpenSearch (full mode)',
  async run({ quick }) {
    if (quick) return []
    const version = process.env.LOGYARD_BENCH_OPENSEARCH ?? '2'
    return sinkBench({ scenario: 'opensearch.sink', product: 'opensearch', start: () => startOpenSearch({ heap: '1g', version }) })
  },
}

export default scenario
