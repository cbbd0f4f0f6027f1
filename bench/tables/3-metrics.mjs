// 3. Metric payload encoding: 10,000 points (100 series × 100 points, 4 tags, a resource, a unit) from plain JS
// objects to the request body, across the wasm boundary.
import { client, v2 } from "@datadog/datadog-api-client";
import { encodingTable, fmtRatio, result, timingHeaders } from "../lib/encode.mjs";
import { fakeConnection, loadOurs, metricSeries } from "../lib/ours.mjs";

export async function run() {
  const dd = await loadOurs();
  const conn = fakeConnection(dd);
  const series = metricSeries();
  const factory = new v2.MetricsApi(client.createConfiguration({ authMethods: { apiKeyAuth: conn.apiKey } })).requestFactory;
  const t = await encodingTable({
    list: "series",
    op: "encodeMetrics",
    ddMethod: "MetricsApi.submitMetrics",
    ours: () => dd.encodeMetrics(conn, series).batches.map((b) => b.request.bodyBytes ?? b.request.body),
    oursArgs: () => ({ connection: conn, series, now: Date.now() }),
    join: (bodies) => JSON.stringify({ series: bodies.flatMap((b) => JSON.parse(b).series) }),
    bare: () => JSON.stringify({ series }),
    datadog: async () => (await factory.submitMetrics({ series })).getBody(),
  });
  const { oursOverBare, ddOverOurs } = t.ratios;
  return result({
    id: "metrics",
    title: "3. Metric payload encoding (10,000 points)",
    what: "100 series × 100 points, 4 tags, one resource and a unit each, from plain JS objects to the v2 `/api/v2/series` request body. Ours includes the whole trip across the wasm boundary and the core's validation and batching.",
    headers: timingHeaders("ours", "payload"),
    rows: t.rows,
    extra: t.extra,
    notes: t.notes,
    targets: [
      { name: "encoding ≤ 1.5× bare JSON.stringify", issues: [6, 16], met: oursOverBare <= 1.5, detail: `ours takes ${fmtRatio(oursOverBare)} the time of JSON.stringify (target ≤ 1.5×)` },
      { name: "encoding ≥ 3× faster than the Datadog client's serialisation", issues: [6, 16], met: ddOverOurs >= 3, detail: `ours runs at ${fmtRatio(ddOverOurs)} the Datadog client's speed, i.e. takes ${fmtRatio(1 / ddOverOurs)} its time (target ≥ 3× its speed)` },
    ],
  });
}
