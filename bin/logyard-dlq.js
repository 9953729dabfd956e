#!/usr/bin/env node
// The dead-letter queue tool (print / replay into Elasticsearch); runs the TypeScript source directly (Node >= 22.18 type stripping).
import '../aggregator/dlq-replay.ts'
