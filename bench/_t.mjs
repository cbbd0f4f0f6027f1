import { fakeConnection, loadOurs, metricSeries, logEntries } from "./lib/ours.mjs";
function canonical(v) {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === "object") return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
  return v;
}
const dd = await loadOurs(); const conn = fakeConnection(dd); const series = metricSeries();
const out = dd.encodeMetrics(conn, series);
const a = JSON.stringify(canonical(JSON.parse(out.batches[0].request.body))); const b = JSON.stringify(canonical({series}));
let i = 0; while (a[i] === b[i]) i++; console.log(i, a.slice(i-200, i+100)); console.log(b.slice(i-200, i+100));
