import { GrokLibrary } from './library.ts'
import type { GrokCompileOptions, GrokLoadOptions } from './library.ts'
import type { GrokMatcher } from './matcher.ts'

// What a grok stage matches, as plain data (it crosses into worker threads),
// and the batch loop that runs it. The loop is the same inline and in a
// worker; only the worker reports progress for the watchdog.

export interface PlanSpec {
  library: GrokLoadOptions
  compile: GrokCompileOptions
  /** One entry per source field, patterns tried in order. */
  entries: { field: string; patterns: string[] }[]
  breakOnMatch: boolean
}

export interface Plan {
  /** matchers[entry][pattern] */
  matchers: GrokMatcher[][]
  breakOnMatch: boolean
}

/** Compiles every pattern of the spec; throws ConfigError like GrokLibrary.compile. */
export function buildPlan(spec: PlanSpec, library: GrokLibrary = GrokLibrary.load(spec.library)): Plan {
  return {
    matchers: spec.entries.map((e) => e.patterns.map((p) => library.compile(p, spec.compile))),
    breakOnMatch: spec.breakOnMatch,
  }
}

/**
 * A batch's outcome as ONE flat array (a flat array of primitives crosses
 * postMessage ~3× cheaper than nested arrays). Per event:
 *   count, then `count` hits of: entry, pattern, …values
 * where the values are `matchers[entry][pattern].fields.length` captures
 * (undefined where nothing was captured). count 0: nothing matched.
 */
export type BatchHits = unknown[]

/** Progress cells shared with the watchdog: [0] regex attempts so far, [1] current event. */
export const kAttempts = 0
export const kEvent = 1

/**
 * Runs the plan over a batch. `texts` is row-major: texts[event * entries + entry],
 * null where the event has no usable text for that entry.
 */
export function runBatch(plan: Plan, texts: readonly (string | null)[], events: number, progress?: Int32Array): BatchHits {
  const out: BatchHits = []
  const matchers = plan.matchers
  const width = matchers.length
  const breakOnMatch = plan.breakOnMatch
  for (let e = 0; e < events; e++) {
    if (progress !== undefined) Atomics.store(progress, kEvent, e)
    const countAt = out.length
    out.push(0)
    let count = 0
    entries: for (let f = 0; f < width; f++) {
      const text = texts[e * width + f]
      if (text == null) continue
      const list = matchers[f]!
      for (let p = 0; p < list.length; p++) {
        if (progress !== undefined) Atomics.add(progress, kAttempts, 1)
        const at = out.length
        out.push(f, p)
        if (!list[p]!.appendValues(text, out)) {
          out.length = at
          continue
        }
        count++
        // break_on_match (the default) stops at the first match of any field;
        // without it every pattern of every field is tried and all hits apply.
        if (breakOnMatch) break entries
      }
    }
    out[countAt] = count
  }
  return out
}
