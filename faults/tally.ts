import type { ElasticsearchInstance } from '../test/helpers/elasticsearch.ts'

// Counting in Elasticsearch: every document's `seq` (the json stage parses
// the line), read with a point in time and search_after, so the counts are
// exact: distinct sequence numbers in [0, written), documents, lost
// (written - distinct), duplicates (documents - distinct).

export interface Tally {
  written: number
  distinct: number
  documents: number
  lost: number
  duplicates: number
}

async function count(es: ElasticsearchInstance, index: string): Promise<number> {
  await es.client.indices.refresh({ index, ignore_unavailable: true })
  const r = (await es.client.count({ index, ignore_unavailable: true } as never)) as { count: number }
  return r.count
}

/** `also`: sequence numbers held elsewhere (the dead-letter queue), counted like documents. */
async function tally(es: ElasticsearchInstance, index: string, written: number, also: () => number[] = () => []): Promise<Tally> {
  const extra = also()
  const documents = (await count(es, index)) + extra.length
  const seen = new Uint8Array(written)
  for (const s of extra) if (s >= 0 && s < written) seen[s] = 1
  if (documents > extra.length) {
    const pit = (await es.client.openPointInTime({ index, keep_alive: '2m' } as never)) as { id: string }
    try {
      let after: unknown[] | undefined
      for (;;) {
        const r = (await es.client.search({
          size: 10_000,
          pit: { id: pit.id, keep_alive: '2m' },
          sort: [{ seq: 'asc' }, { _shard_doc: 'asc' }],
          _source: false,
          docvalue_fields: ['seq'],
          track_total_hits: false,
          ...(after ? { search_after: after } : {}),
        } as never)) as { hits: { hits: { sort: unknown[]; fields?: { seq?: number[] } }[] } }
        const hits = r.hits.hits
        if (hits.length === 0) break
        for (const h of hits) {
          const s = h.fields?.seq?.[0]
          if (typeof s === 'number' && s >= 0 && s < written) seen[s] = 1
        }
        after = hits[hits.length - 1]!.sort
      }
    } finally {
      await es.client.closePointInTime({ id: pit.id } as never).catch(() => {})
    }
  }
  let distinct = 0
  for (let i = 0; i < written; i++) distinct += seen[i]!
  return { written, distinct, documents, lost: written - distinct, duplicates: documents - distinct }
}

/**
 * Waits (bounded) until every written line is indexed and the forwarder has
 * nothing in flight (`quiet`), then tallies; at the deadline, or when the
 * count stopped moving for 30 s with the forwarder idle, tallies what is there.
 */
export async function settle(es: ElasticsearchInstance, index: string, written: number, deadline: number, quiet: () => Promise<boolean>, also: () => number[] = () => []): Promise<Tally> {
  let last = -1
  let stableSince = Date.now()
  for (;;) {
    const n = (await count(es, index).catch(() => -1)) + also().length
    if (n !== last) {
      last = n
      stableSince = Date.now()
    }
    if (n >= written) {
      const t = await tally(es, index, written, also)
      // Replays still in flight would land as 409s or duplicates: count once the forwarder is idle.
      if (t.lost === 0 && (await quiet().catch(() => false))) return tally(es, index, written, also)
    }
    if (Date.now() > deadline) return tally(es, index, written, also)
    // Nothing moves any more and the forwarder is idle: what is missing will not come.
    if (Date.now() - stableSince > 30_000 && (await quiet().catch(() => false))) return tally(es, index, written, also)
    await new Promise((r) => setTimeout(r, 1000))
  }
}

export function render(name: string, t: Tally): string {
  return `${name}: written ${t.written}, indexed distinct ${t.distinct}, documents ${t.documents}, lost ${t.lost}, duplicates ${t.duplicates}`
}
