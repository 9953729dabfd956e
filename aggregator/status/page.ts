// The status page (GET / on the ops port): one self-contained HTML document,
// no external resource (nothing outside the machine may be reachable), that
// polls GET /status every 2 s and draws the rates as inline-SVG sparklines.

export const STATUS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>logyard-aggregator</title>
<link rel="icon" href="data:,">
<style>
:root { --bg:#f6f7f9; --card:#fff; --ink:#1d2330; --dim:#6b7385; --ok:#1a7f37; --bad:#c62828; --line:#2f6fdb; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; background:var(--bg); color:var(--ink); }
header { display:flex; align-items:center; gap:12px; padding:12px 20px; background:var(--ink); color:#fff; }
header h1 { font-size:16px; margin:0; font-weight:600; }
#health { padding:2px 10px; border-radius:10px; font-weight:600; background:var(--dim); }
#health.ok { background:var(--ok); } #health.bad { background:var(--bad); }
#meta { margin-left:auto; color:#c9cfdb; font-size:12px; }
main { display:grid; grid-template-columns:repeat(auto-fill, minmax(320px, 1fr)); gap:14px; padding:16px 20px; }
section { background:var(--card); border-radius:8px; padding:12px 14px; box-shadow:0 1px 2px rgba(0,0,0,.08); }
h2 { font-size:13px; margin:0 0 8px; color:var(--dim); text-transform:uppercase; letter-spacing:.04em; }
.rate { display:flex; align-items:center; justify-content:space-between; gap:8px; margin:4px 0; }
.rate b { font-size:20px; font-variant-numeric:tabular-nums; min-width:80px; text-align:right; }
.rate span { color:var(--dim); flex:1; }
svg { width:150px; height:32px; }
table { width:100%; border-collapse:collapse; font-variant-numeric:tabular-nums; }
td, th { padding:3px 4px; text-align:right; border-bottom:1px solid #eceef2; }
td:first-child, th:first-child { text-align:left; }
th { color:var(--dim); font-weight:500; }
.bad { color:var(--bad); font-weight:600; }
#error { color:var(--bad); padding:0 20px; }
</style>
</head>
<body>
<header><h1>logyard-aggregator</h1><span id="health">…</span><span id="meta"></span></header>
<p id="error"></p>
<main>
<section><h2>Throughput (events/s)</h2><div id="rates"></div></section>
<section><h2>Inputs</h2><table id="inputs"></table></section>
<section><h2>Senders</h2><table id="senders"></table><p id="senders-more"></p></section>
<section><h2>Pipeline stages</h2><table id="stages"></table></section>
<section><h2>Outputs</h2><table id="outputs"></table></section>
<section><h2>Dead-letter queue</h2><table id="dlq"></table></section>
<section id="collectd-card" hidden><h2>collectd</h2><table id="collectd"></table></section>
</main>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
const fmt = (n) => typeof n !== "number" ? String(n) : n >= 1e6 ? (n / 1e6).toFixed(2) + "M" : n >= 1e4 ? (n / 1e3).toFixed(1) + "k" : Number.isInteger(n) ? String(n) : n.toFixed(1);
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
function spark(values) {
  const v = values.length > 1 ? values : [0, ...values];
  const max = Math.max(1, ...v);
  const pts = v.map((y, i) => (i * 150 / (v.length - 1)).toFixed(1) + "," + (30 - y / max * 28).toFixed(1)).join(" ");
  return '<svg viewBox="0 0 150 32" aria-hidden="true"><polyline fill="none" stroke="var(--line)" stroke-width="1.5" points="' + pts + '"/></svg>';
}
function rows(table, head, data) {
  $(table).innerHTML = "<tr>" + head.map((h) => "<th>" + esc(h) + "</th>").join("") + "</tr>" +
    data.map((r) => "<tr>" + r.map((c) => "<td" + (c && c.bad ? ' class="bad"' : "") + ">" + esc(c && c.v !== undefined ? fmt(c.v) : fmt(c)) + "</td>").join("") + "</tr>").join("");
}
const LABELS = { events_in: "in", events_out: "out of pipeline", indexed: "stored", failed: "parse failures", dead_lettered: "dead-lettered", collectd_datagrams: "collectd datagrams" };
function render(s) {
  const h = $("health");
  h.textContent = s.health.ok ? "healthy" : s.health.status;
  h.className = s.health.ok ? "ok" : "bad";
  $("meta").textContent = s.workers + " worker(s) · up " + fmt(s.uptime_s) + " s · " + new Date(s.time).toLocaleTimeString();
  $("rates").innerHTML = Object.keys(LABELS).filter((k) => k !== "collectd_datagrams" || s.collectd).map((k) =>
    '<div class="rate" data-rate="' + k + '"><span>' + LABELS[k] + "</span><b>" + fmt(s.rates[k]) + "</b>" + spark([...s.history[k], s.rates[k]]) + "</div>").join("");
  rows("inputs", ["input", "events", "batches", "failed", "connections"], s.inputs.map((i) => [i.input, i.events_total, i.batches_total, { v: i.batches_failed_total, bad: i.batches_failed_total > 0 }, i.connections ?? "–"]));
  rows("senders", ["address", "TLS subject", "events", "last ACK s", "pending"], s.senders.map((c) => [c.address, c.tls_subject ?? "–", c.events, c.last_ack_age_s ?? "–", c.windows_pending]));
  $("senders-more").textContent = s.senders_total > s.senders.length ? "… " + (s.senders_total - s.senders.length) + " more connection(s)" : "";
  rows("stages", ["stage", "in", "out", "failed", "dropped"], s.pipeline.stages.map((p) => [p.stage, p.in, p.out, { v: p.failed, bad: p.failed > 0 }, p.dropped]));
  const out = [];
  const es = s.outputs.elasticsearch;
  if (es) out.push(["elasticsearch", { v: es.healthy ? "up" : "DOWN", bad: !es.healthy }], ["indexed", es.indexed_total], ["already stored (409)", es.duplicate_total], ["retried", es.retried_total], ["pending", es.pending_docs], ["requests in flight", es.in_flight_requests]);
  if (s.outputs.file) out.push(["file: events", s.outputs.file.events_total], ["file: bytes", s.outputs.file.bytes_total]);
  rows("outputs", ["", ""], out);
  rows("dlq", ["", ""], [["records", { v: s.dlq.records_total, bad: s.dlq.records_total > 0 }], ["bytes on disk", s.dlq.bytes], ["write failures", { v: s.dlq.write_failures_total, bad: s.dlq.write_failures_total > 0 }]]);
  if (s.collectd) {
    $("collectd-card").hidden = false;
    const c = s.collectd;
    rows("collectd", ["", ""], [["datagrams", c.datagrams_total], ["values", c.values_total], ["decode errors", { v: c.decode_errors_total, bad: c.decode_errors_total > 0 }], ...Object.entries(c.datagrams_dropped).map(([r, n]) => ["dropped: " + r, { v: n, bad: n > 0 }])]);
  }
}
async function poll() {
  try {
    const res = await fetch("status", { cache: "no-store" });
    render(await res.json());
    $("error").textContent = "";
  } catch (err) {
    $("error").textContent = "status unavailable: " + err.message;
  }
  setTimeout(poll, 2000);
}
poll();
</script>
</body>
</html>
`
