// The aggregator's status page (GET / on the ops port): one self-contained
// HTML document, inline CSS and JS, no external resource (the machine may
// reach nothing outside). It polls /status every 2 s and draws sparklines as
// inline SVG. Every value from the wire (sender names, TLS subjects, failing
// lines) goes into the page through textContent, never as HTML: a log line is
// attacker-controlled text. The grok debugger calls GET /grok.

const css = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2430}
header{background:#1d2430;color:#fff;padding:10px 18px;display:flex;gap:16px;align-items:baseline}
header h1{font-size:18px;margin:0}#health{padding:2px 8px;border-radius:4px;font-weight:600}
.ok{background:#2e7d32;color:#fff}.bad{background:#c62828;color:#fff}
main{padding:14px 18px;display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:14px}
section{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:10px 14px}
section.wide{grid-column:1/-1}h2{font-size:15px;margin:0 0 8px}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:3px 6px;border-bottom:1px solid #eef0f3;vertical-align:top}
th{font-weight:600;color:#555;font-size:12px}.num{text-align:right;font-variant-numeric:tabular-nums}
.big{font-size:22px;font-weight:600;font-variant-numeric:tabular-nums}.muted{color:#777;font-size:12px}
svg.spark{width:160px;height:28px}svg.spark polyline{fill:none;stroke:#1565c0;stroke-width:1.5}
code,pre{font:12px ui-monospace,monospace}pre{white-space:pre-wrap;word-break:break-all;margin:2px 0;background:#f3f4f6;padding:3px 5px}
textarea,input{font:12px ui-monospace,monospace;width:100%;box-sizing:border-box}.tag{background:#fde7e7;color:#a31515;padding:0 4px;border-radius:3px;margin-right:4px;font-size:12px}
`

const js = `
'use strict'
const $ = (id) => document.getElementById(id)
const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined && text !== null) e.textContent = String(text); if (cls) e.className = cls; return e }
const fmt = (n) => n === null || n === undefined ? '–' : typeof n === 'number' ? (Math.abs(n) >= 1e6 ? (n / 1e6).toFixed(2) + 'M' : Math.abs(n) >= 1e4 ? (n / 1e3).toFixed(1) + 'k' : String(Math.round(n * 10) / 10)) : String(n)
function spark(values) {
  const ns = 'http://www.w3.org/2000/svg'
  const svg = document.createElementNS(ns, 'svg'); svg.setAttribute('class', 'spark'); svg.setAttribute('viewBox', '0 0 160 28'); svg.setAttribute('preserveAspectRatio', 'none')
  const v = values.length > 0 ? values : [0]
  const max = Math.max(1, ...v)
  const pts = v.map((y, i) => ((v.length === 1 ? 160 : (i * 160) / (v.length - 1)).toFixed(1) + ',' + (27 - (y / max) * 25).toFixed(1))).join(' ')
  const pl = document.createElementNS(ns, 'polyline'); pl.setAttribute('points', pts); svg.appendChild(pl)
  return svg
}
function row(cells, head) { const tr = el('tr'); for (const c of cells) { const td = el(head ? 'th' : 'td'); if (c instanceof Node) td.appendChild(c); else if (c && typeof c === 'object') { td.textContent = fmt(c.v); td.className = 'num' } else td.textContent = c === null || c === undefined ? '–' : String(c); tr.appendChild(td) } return tr }
function table(id, head, rows, empty) { const t = $(id); t.replaceChildren(row(head, true)); if (rows.length === 0) { const tr = el('tr'); const td = el('td', empty, 'muted'); td.colSpan = head.length; tr.appendChild(td); t.appendChild(tr) } for (const r of rows) t.appendChild(r) }
const n = (v) => ({ v })
function render(s) {
  const h = $('health'); h.textContent = s.health.status; h.className = s.health.ok ? 'ok' : 'bad'
  $('meta').textContent = 'workers ' + s.workers.reporting + '/' + s.workers.expected + ' · up ' + fmt(s.uptime_s) + ' s · ' + s.time
  const p = s.pipeline
  $('in-rate').textContent = fmt(p.events_in_per_s); $('out-rate').textContent = fmt(p.events_out_per_s)
  $('out-spark').replaceChildren(spark(p.out_history))
  $('pipe-extra').textContent = 'in ' + fmt(p.events_in_total) + ' · out ' + fmt(p.events_out_total) + ' · dropped ' + fmt(p.events_dropped_total) + ' · failed batches ' + fmt(p.batches_failed_total) + ' · in flight ' + fmt(p.batches_in_flight) + (p.inputs_paused ? ' · INPUTS PAUSED' : '')
  table('inputs', ['input', 'events/s', 'total', 'last minutes'], s.inputs.map((i) => row([i.name, n(i.events_per_s), n(i.events_total), spark(i.history)])), 'no input')
  $('senders-count').textContent = s.senders.connected + ' connected, top ' + s.senders.shown + ' shown'
  table('senders', ['address', 'sender', 'TLS subject', 'events/s', 'last ACK', 'windows in flight', 'worker'], s.senders.list.map((c) => row([c.address, c.agent, c.tls_subject, n(c.events_per_s), c.last_ack_age_s === null ? 'none yet' : fmt(c.last_ack_age_s) + ' s ago', n(c.windows_in_flight), c.worker])), 'no sender connected')
  const stageRows = []
  for (const st of s.stages) {
    const tags = el('span'); for (const t of st.tags) tags.appendChild(el('span', t, 'tag'))
    stageRows.push(row([st.id, n(st.in_per_s), n(st.out_per_s), n(st.failed_total), n(st.failed_per_s), n(st.timeouts_total), tags]))
    if (st.recent_failures.length > 0) {
      const tr = el('tr'); const td = el('td'); td.colSpan = 7
      for (const f of st.recent_failures) { const pre = el('pre', f.at.slice(11, 19) + ' [' + f.tags.join(',') + '] ' + f.line); td.appendChild(pre) }
      tr.appendChild(td); stageRows.push(tr)
    }
  }
  table('stages', ['stage', 'in/s', 'out/s', 'failed', 'failed/s', 'timeouts', 'failure tags'], stageRows, 'no pipeline stage')
  const es = s.elasticsearch
  if (es) {
    const l = es.bulk_latency_ms
    table('es', ['', ''], [row(['health', es.healthy ? 'reachable' : 'UNREACHABLE']), row(['indexed/s', n(es.docs_indexed_per_s)]), row(['indexed', n(es.docs_indexed_total)]), row(['bulk latency p50 / p90 / p99 (ms, ' + l.window + ')', fmt(l.p50) + ' / ' + fmt(l.p90) + ' / ' + fmt(l.p99)]), row(['docs retried', n(es.docs_retried_total)]), row(['dead-lettered', n(es.docs_dead_lettered_total)]), row(['pending docs', n(es.pending_docs)]), row(['requests by outcome', Object.entries(es.requests_by_outcome).filter((e) => e[1] > 0).map((e) => e[0] + ' ' + e[1]).join(', ') || 'none'])], '')
  } else table('es', ['', ''], [], 'no Elasticsearch output')
  const d = s.dead_letter
  table('dlq', ['', ''], d ? [row(['size', fmt(d.bytes) + ' bytes']), row(['records written', n(d.records_total)]), row(['dropped', n(d.dropped_total)])] : [], 'no dead-letter queue')
  const c = s.collectd
  const reasons = (o) => Object.entries(o).map((e) => e[0] + ' ' + e[1]).join(', ') || 'none'
  table('collectd', ['', ''], c ? [row(['datagrams/s', n(c.datagrams_per_s)]), row(['datagrams', n(c.datagrams_total)]), row(['events', n(c.events_total)]), row(['datagrams dropped', reasons(c.datagrams_dropped)]), row(['events dropped', reasons(c.events_dropped)]), row(['decode errors', reasons(c.decode_errors)]), row(['security refused', reasons(c.security_rejected)])] : [], 'collectd input not configured')
  const sel = $('stage'); if (sel.options.length <= 1) for (const st of s.stages) if (st.id.endsWith(':grok')) sel.appendChild(el('option', st.id))
}
async function poll() {
  try { const r = await fetch('status', { cache: 'no-store' }); if (!r.ok) throw new Error('HTTP ' + r.status); render(await r.json()); $('err').textContent = '' }
  catch (e) { $('err').textContent = 'cannot read /status: ' + e.message }
  setTimeout(poll, 2000)
}
async function debug(ev) {
  ev.preventDefault()
  const q = new URLSearchParams()
  if ($('stage').value) q.set('stage', $('stage').value); else q.set('pattern', $('pattern').value)
  q.set('lines', $('lines').value)
  const out = $('debug-out'); out.replaceChildren(el('p', 'running…', 'muted'))
  try {
    const r = await fetch('grok?' + q.toString(), { cache: 'no-store' }); const b = await r.json()
    if (!r.ok) { out.replaceChildren(el('p', b.error)); return }
    out.replaceChildren(el('p', b.matched + ' matched, ' + b.failed + ' failed, ' + b.timed_out + ' timed out' + (b.skipped ? ', ' + b.skipped + ' skipped (time budget)' : ''), 'muted'))
    for (const res of b.results) { out.appendChild(el('div', (res.matched ? '✔ ' : res.timed_out ? '⏱ ' : '✘ ') + res.micros + ' µs  ' + res.line)); out.appendChild(el('pre', JSON.stringify(res.fields, null, 1), 'fields')) }
  } catch (e) { out.replaceChildren(el('p', String(e))) }
}
$('debug').addEventListener('submit', debug)
poll()
`

const body = `<header><h1>logyard aggregator</h1><span id="health">…</span><span id="meta" class="muted"></span><span id="err" class="bad"></span></header>
<main>
<section><h2>Pipeline</h2><div><span class="big" id="in-rate">–</span> in/s &nbsp; <span class="big" id="out-rate">–</span> out/s <span id="out-spark"></span></div><div class="muted" id="pipe-extra"></div></section>
<section><h2>Inputs</h2><table id="inputs"></table></section>
<section class="wide"><h2>Senders <span class="muted" id="senders-count"></span></h2><table id="senders"></table></section>
<section class="wide"><h2>Pipeline stages</h2><table id="stages"></table></section>
<section><h2>Elasticsearch</h2><table id="es"></table></section>
<section><h2>Dead-letter queue</h2><table id="dlq"></table></section>
<section><h2>collectd</h2><table id="collectd"></table></section>
<section class="wide"><h2>Grok debugger</h2><form id="debug">
<label>configured stage <select id="stage"><option value="">— none: use the pattern —</option></select></label>
<label>pattern <input id="pattern" value="%{COMMONAPACHELOG}"></label>
<label>lines (one per line, at most 20)<textarea id="lines" rows="4"></textarea></label>
<button type="submit" id="run">Match</button></form><div id="debug-out"></div></section>
</main>`

export function statusPageHtml(): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>logyard aggregator</title><link rel="icon" href="data:,"><style>${css}</style></head><body>${body}<script>${js}</script></body></html>`
}

/** Content-Security-Policy of the page: nothing outside this origin, inline script/style only. */
export const statusPageCsp = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'"
