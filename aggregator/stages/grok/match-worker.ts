import { parentPort, workerData } from 'node:worker_threads'
import { buildPlan, kAttempts, kEvent, runBatch } from './plan.ts'
import type { BatchHits, Plan, PlanSpec } from './plan.ts'

// A grok worker thread: holds the compiled plans of the grok stages sharing
// the pool and matches batches. It reports progress in shared memory so the
// pool's watchdog can tell a regex that runs away (and terminate this
// thread) from a long batch.

export interface WorkerInit {
  plans: [number, PlanSpec][]
  progress: SharedArrayBuffer
}

export interface JobMessage {
  id: number
  plan: number
  texts: (string | null)[]
  events: number
}

/** Pool → worker: a job, a plan to add, or a plan to drop. */
type Incoming = JobMessage | { plan: number; spec: PlanSpec } | { drop: number }

/** Worker → pool. */
export type WorkerMessage = { ready: true } | { id: number; hits: BatchHits } | { id: number; error: string }

const init = workerData as WorkerInit
const progress = new Int32Array(init.progress)
const port = parentPort!
const plans = new Map<number, Plan>()
const errors = new Map<number, string>()

function reply(msg: WorkerMessage): void {
  port.postMessage(msg)
}

/** Compiles a plan as soon as it is known (not inside a watched job); a failure is reported to that plan's jobs. */
function addPlan(id: number, spec: PlanSpec): void {
  try {
    plans.set(id, buildPlan(spec))
  } catch (err) {
    errors.set(id, (err as Error).message)
  }
  Atomics.add(progress, kAttempts, 1) // visible progress for a watchdog already timing a queued job
}

for (const [id, spec] of init.plans) addPlan(id, spec)

port.on('message', (msg: Incoming) => {
  if ('drop' in msg) {
    plans.delete(msg.drop)
    errors.delete(msg.drop)
    return
  }
  if ('spec' in msg) {
    addPlan(msg.plan, msg.spec)
    return
  }
  const plan = plans.get(msg.plan)
  if (plan === undefined) {
    Atomics.store(progress, kEvent, -1)
    reply({ id: msg.id, error: errors.get(msg.plan) ?? `unknown plan ${msg.plan}` })
    return
  }
  const hits = runBatch(plan, msg.texts, msg.events, progress)
  Atomics.store(progress, kEvent, -1) // done: nothing to watch until the next job
  reply({ id: msg.id, hits })
})
reply({ ready: true })
