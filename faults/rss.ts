import { readFileSync, readdirSync } from 'node:fs'

// Peak resident memory of the processes a scenario runs, sampled from /proc
// every half second. A process is named by a function that returns its pid
// now (processes are restarted during scenarios); `tree` adds descendants
// (Elasticsearch: launcher + JVM).

function rssKiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) : 0
  } catch {
    return 0
  }
}

export function childPids(pid: number): number[] {
  const out: number[] = []
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim()
      if (text) for (const c of text.split(/\s+/)) out.push(Number(c))
    }
  } catch {
    /* gone */
  }
  return out
}

function treeKiB(pid: number): number {
  let sum = rssKiB(pid)
  for (const c of childPids(pid)) sum += treeKiB(c)
  return sum
}

interface Tracked {
  name: string
  pids: () => number[]
  tree?: boolean
}

export class RssSampler {
  readonly #tracked: Tracked[] = []
  readonly peaks = new Map<string, number>()
  #timer: NodeJS.Timeout | undefined

  track(t: Tracked): void {
    this.#tracked.push(t)
  }

  sample(): void {
    for (const t of this.#tracked) {
      let max = 0
      for (const pid of t.pids()) if (pid > 0) max = Math.max(max, t.tree ? treeKiB(pid) : rssKiB(pid))
      if (max > (this.peaks.get(t.name) ?? 0)) this.peaks.set(t.name, max)
    }
  }

  start(everyMs = 500): void {
    this.sample()
    this.#timer = setInterval(() => this.sample(), everyMs)
    this.#timer.unref()
  }

  stop(): void {
    clearInterval(this.#timer)
    this.sample()
  }

  /** "forwarder 80, agg-a 61, …" in MiB. */
  render(): string {
    return [...this.peaks].map(([n, kib]) => `${n} ${(kib / 1024).toFixed(0)}`).join(', ')
  }
}
