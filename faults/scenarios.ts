import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { until } from '../test/e2e/procs.ts'
import { startElasticsearch } from '../test/helpers/elasticsearch.ts'
import { dlqSeqs, fill, mount, unfill } from './disk.ts'
import { withChain, type Scenario } from './scenario.ts'
import { pump } from './writer.ts'

// The scenarios, most valuable first. Sizes: quick (CI) / full.

const rand = (lo: number, hi: number): number => lo + Math.floor(Math.random() * (hi - lo))

/** Chains a fault action; its failure surfaces where the chain is awaited, never as an unhandled rejection. */
function later(prev: Promise<void>, fn: () => Promise<void>): Promise<void> {
  const next = prev.then(fn)
  next.catch(() => {})
  return next
}

export const scenarios: Scenario[] = [
  {
    name: 'baseline-rename',
    quick: true,
    run: (ctx, name) =>
      withChain(ctx, name, ctx.quick ? 120_000 : 600_000, async ({ writer }) => {
        const total = ctx.quick ? 20_000 : 150_000
        const every = ctx.quick ? 5_000 : 50_000
        await pump(writer, total, ctx.quick ? 5_000 : 10_000, (n) => {
          if (n % every === 0 && n < total) writer.rename()
        })
        return `${writer.renames} renames`
      }),
  },
  {
    name: 'copytruncate-load',
    quick: true,
    run: (ctx, name) =>
      withChain(ctx, name, ctx.quick ? 120_000 : 600_000, async ({ chain, writer }) => {
        const total = ctx.quick ? 20_000 : 60_000
        const every = ctx.quick ? 4_000 : 6_000
        await pump(writer, total, 5_000, async (n) => {
          if (n % every === 0 && n < total) {
            // logrotate copies, then truncates. The forwarder reads what it had not
            // read from the copy (unit-tested: test/forwarder/tail/copytruncate.test.ts);
            // here it truncates once the forwarder has read up to the copy point (see
            // the README: a same-size refill while it lags was once not noticed in time).
            await chain.caughtUp(writer.bytes)
            writer.copyTruncate()
          }
        })
        return `${writer.truncations} truncations`
      }),
  },
  {
    name: 'kill9-forwarder',
    quick: true,
    run: (ctx, name) =>
      withChain(ctx, name, ctx.quick ? 150_000 : 600_000, async ({ chain, writer }) => {
        const total = ctx.quick ? 30_000 : 150_000
        const rotateEvery = ctx.quick ? 6_000 : 25_000
        const kills = ctx.quick ? 3 : 5
        const at = Array.from({ length: kills }, (_, k) => Math.floor(((k + 0.5 + Math.random() * 0.4) * total) / (kills + 0.5)))
        let k = 0
        let ops = Promise.resolve()
        await pump(writer, total, ctx.quick ? 4_000 : 8_000, (n) => {
          if (n % rotateEvery === 0 && n < total) writer.rename()
          if (k < kills && n >= at[k]!) {
            const afterRotation = k % 2 === 0
            k++
            ops = later(ops, async () => {
              if (afterRotation) writer.rename() // kill -9 right after a rotation
              await sleep(rand(0, 300))
              await chain.killForwarder()
              await sleep(rand(200, 1000))
              await chain.startForwarder()
            })
          }
        })
        await ops
        return `${kills} kills, ${writer.renames} renames`
      }),
  },
  {
    name: 'kill9-aggregator',
    quick: true,
    run: (ctx, name) =>
      withChain(ctx, name, ctx.quick ? 150_000 : 600_000, async ({ chain, writer }) => {
        const total = ctx.quick ? 30_000 : 100_000
        const victims: string[] = []
        let step = 0
        let ops = Promise.resolve()
        await pump(writer, total, ctx.quick ? 4_000 : 8_000, (n) => {
          if (step === 0 && n >= total / 4) {
            step++
            ops = later(ops, async () => {
              const i = await chain.busiestAggregator()
              victims.push(chain.aggs[i]!.name)
              chain.aggs[i]!.proc!.child.kill('SIGKILL') // the primary: its workers follow
              await chain.aggs[i]!.proc!.exited
              await chain.startAggregator(i)
            })
          } else if (step === 1 && n >= total / 2) {
            step++
            ops = later(ops, async () => {
              const i = await chain.busiestAggregator()
              const w = chain.workerPids(i)
              victims.push(`${chain.aggs[i]!.name} worker`)
              if (w.length > 0) process.kill(w[0]!, 'SIGKILL') // one worker; the primary starts another
            })
          } else if (step === 2 && n >= (total * 3) / 4 && !ctx.quick) {
            step++
            ops = later(ops, async () => {
              const i = await chain.busiestAggregator()
              victims.push(`${chain.aggs[i]!.name} SIGTERM`)
              await chain.aggs[i]!.proc!.stop(30_000) // SIGTERM drain under load
              await chain.startAggregator(i)
            })
          }
        })
        await ops
        return `kill -9 primary + restart, kill -9 worker${ctx.quick ? '' : ', SIGTERM drain + restart'} (${victims.join(', ')})`
      }),
  },
  {
    name: 'es-sigstop',
    quick: true,
    run: (ctx, name) =>
      withChain(ctx, name, ctx.quick ? 150_000 : 600_000, async ({ writer }) => {
        const total = ctx.quick ? 20_000 : 60_000
        const pause = ctx.quick ? 10_000 : 60_000
        let ops = Promise.resolve()
        let done = false
        await pump(writer, total, 2_000, (n) => {
          if (!done && n >= total / 4) {
            done = true
            ctx.es.freeze()
            ops = later(ops, async () => {
              await sleep(pause) // the outage being simulated lasts this long
              ctx.es.thaw()
            })
          }
        })
        await ops
        return `Elasticsearch stopped (SIGSTOP) for ${pause / 1000} s`
      }),
  },
  {
    name: 'truncate-while-stopped',
    quick: false,
    run: (ctx, name) =>
      withChain(ctx, name, 300_000, async ({ chain, writer }) => {
        for (let round = 0; round < 3; round++) {
          await pump(writer, writer.written + 5_000, 5_000)
          // Stopped at once: it may not have read everything; the rest is in the copy.
          await chain.stopForwarder()
          writer.copyTruncate()
          await pump(writer, writer.written + 3_000, 5_000)
          await chain.startForwarder()
        }
        return `${writer.truncations} truncations while stopped`
      }),
  },
  {
    name: 'rotation-storm',
    quick: false,
    run: (ctx, name) =>
      withChain(ctx, name, 300_000, async ({ writer }) => {
        // 20 renames a second for 10 s, 5,000 lines a second.
        const end = Date.now() + 10_000
        while (Date.now() < end) {
          writer.write(250)
          writer.rename()
          await sleep(50)
        }
        return `${writer.renames} renames in 10 s`
      }),
  },
  {
    name: 'delete-while-reading',
    quick: false,
    run: (ctx, name) =>
      withChain(
        ctx,
        name,
        300_000,
        async ({ chain, writer }) => {
          writer.write(200_000) // ~24 MB before the forwarder starts
          await chain.startForwarder()
          await until(async () => ((await chain.forwarderMetrics())['logyard_forwarder_bytes_read_total'] ?? 0) > 0, 60_000, 'reading began', 20)
          writer.rename()
          writer.deleteRotated(`app.log.${writer.renames}`)
          await pump(writer, 220_000, 5_000)
          return 'a 24 MB file renamed and deleted while being read'
        },
        { startForwarder: false },
      ),
  },
  {
    name: 'es-restart',
    quick: false,
    run: (ctx, name) =>
      withChain(ctx, name, 600_000, async ({ writer }) => {
        let ops = Promise.resolve()
        let done = false
        await pump(writer, 60_000, 2_000, (n) => {
          if (!done && n >= 15_000) {
            done = true
            ops = later(ops, async () => {
              await ctx.es.halt('SIGKILL')
              await ctx.es.resume()
            })
          }
        })
        await ops
        return 'Elasticsearch kill -9 and restart'
      }),
  },
  {
    name: 'dlq-full',
    quick: false,
    run: (ctx, name) => {
      const mnt = (dir: string): string => join(dir, 'dlq-disk')
      return withChain(
        ctx,
        name,
        300_000,
        async ({ chain, writer }) => {
          // One line in 10 is refused by Elasticsearch (mapping conflict) while the
          // DLQ's disk is full: those batches must stay unacknowledged until space returns.
          writer.refuseEvery = 10
          writer.write(100) // the index and its text mapping of `pad` exist first
          await until(async () => ((await ctx.es.client.count({ index: chain.index, ignore_unavailable: true } as never)) as { count: number }).count > 0, 60_000, 'index created', 200)
          fill(mnt(chain.o.dir))
          await pump(writer, 10_000, 2_000)
          const failures = async (): Promise<number> => {
            let n = 0
            for (const a of chain.aggs) {
              const text = await (await fetch(`http://127.0.0.1:${a.ops}/metrics`)).text()
              for (const m of text.matchAll(/^logyard_dlq_write_failures_total(?:\{[^}]*\})? (\d+)$/gm)) n += Number(m[1])
            }
            return n
          }
          await until(async () => (await failures()) > 0, 60_000, 'a DLQ write failed on the full disk', 200)
          const held = (await chain.forwarderMetrics())['logyard_forwarder_batches_in_flight'] ?? 0
          await sleep(5_000) // the full disk lasts this long
          unfill(mnt(chain.o.dir))
          return `DLQ disk full for 5 s, ${await failures()} DLQ write failures, ${held} windows held unacknowledged; refused lines counted from the DLQ`
        },
        {
          prepare: (dir) => mount(mnt(dir), '2m'),
          also: (dir) => dlqSeqs([join(mnt(dir), 'agg-a'), join(mnt(dir), 'agg-b')]),
          dlqDir: (dir: string, agg: string) => join(mnt(dir), agg),
        },
      )
    },
  },
  {
    name: 'datadir-full',
    quick: false,
    run: (ctx, name) => {
      const disk = (dir: string): string => join(dir, 'fwd-disk')
      return withChain(
        ctx,
        name,
        300_000,
        async ({ chain, writer }) => {
          await chain.startForwarder() // agent.json and the first registry on the disk
          fill(disk(chain.o.dir))
          await pump(writer, 20_000, 4_000)
          const checkpointErrors = async (): Promise<number> => {
            const text = await (await fetch(chain.forwarderMetricsUrl)).text()
            const m = /^logyard_forwarder_errors_total\{code="LY_CHECKPOINT"\} (\d+)$/m.exec(text)
            return m ? Number(m[1]) : 0
          }
          await until(async () => (await checkpointErrors()) > 0, 60_000, 'a registry write failed', 200)
          unfill(disk(chain.o.dir))
          await until(() => chain.registryOffset() === writer.bytes, 60_000, 'the registry caught up', 200)
          return `data_dir full while shipping (${await checkpointErrors()} registry write failures), registry caught up`
        },
        { startForwarder: false, prepare: (dir) => mount(disk(dir), '1m'), dataDir: (dir: string) => join(disk(dir), 'data') },
      )
    },
  },
  {
    name: 'es-429',
    quick: false,
    run: async (ctx, name) => {
      const es = await startElasticsearch({ heap: '512m', settings: { 'thread_pool.write.size': 1, 'thread_pool.write.queue_size': 1 } })
      try {
        return await withChain({ ...ctx, es }, name, 300_000, async ({ chain, writer }) => {
          await pump(writer, 60_000, 30_000)
          let retried = 0
          for (const a of chain.aggs) {
            const text = await (await fetch(`http://127.0.0.1:${a.ops}/metrics`)).text()
            for (const m of text.matchAll(/^logyard_es_docs_retried_total(?:\{[^}]*\})? (\d+)$/gm)) retried += Number(m[1])
          }
          return `write pool of 1 thread, queue 1: ${retried} documents retried after 429s by the end of writing`
        }, { esOutput: ['concurrency: 8', 'max_bulk_docs: 100', 'retry_initial: 20ms'] })
      } finally {
        await es.stop()
      }
    },
  },
]
