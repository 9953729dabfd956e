import { parentPort, workerData } from 'node:worker_threads'
import { buildPlan, kEvent, runBatch } from './plan.ts'
import type { PlanSpec } from './plan.ts'

// A grok worker thread: compiles the stage's plan once, then matches batches.
// It reports progress in shared memory so the pool's watchdog can tell a
// regex that runs away (and terminate this thread) from a long batch.

export interface WorkerInit {
  spec: PlanSpec
  progress: SharedArrayBuffer
}

export interface JobMessage {
  id: number
  texts: (string | null)[]
  events: number
}

const init = workerData as WorkerInit
const plan = buildPlan(init.spec)
const progress = new Int32Array(init.progress)
const port = parentPort!

port.on('message', (job: JobMessage) => {
  const hits = runBatch(plan, job.texts, job.events, progress)
  Atomics.store(progress, kEvent, -1) // done: nothing to watch until the next job
  port.postMessage({ id: job.id, hits })
})
port.postMessage({ ready: true })
