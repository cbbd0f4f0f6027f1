// Our package as a user gets it: entry files found through the root package.json's `exports` (the Node
// condition for Node, the browser one for bundles), plus the fixtures every table shares.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const BENCH = fileURLToPath(new URL("../", import.meta.url));
const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, "utf8"));

/** The file Node loads for `datadog-oauth-wasm` + `subpath` (".", "./auth") with `import`. */
export function nodeEntry(subpath = ".") {
  // A condition's value is a path, or (types nested per branch) an object whose `default` is the path.
  const path = (v) => (typeof v === "string" ? v : v?.default);
  const e = pkg.exports[subpath];
  const rel = path(e.node?.import) ?? path(e.import) ?? path(e.default);
  return new URL(rel, `file://${ROOT}`).href;
}

export const PACKAGE_NAME = pkg.name;

export async function loadOurs(subpath = ".") {
  return import(nodeEntry(subpath));
}

/** A connection for the sans-IO encoders (what exchangeCode + createApiKey would give, minus real tokens). */
export function fakeConnection(dd) {
  const now = Date.now();
  return {
    site: dd.resolveSite("us1"), domain: "datadoghq.com", accessToken: "bench-access-token", apiKey: "k".repeat(32),
    tokenType: "Bearer", expiresAt: now + 3600e3, scopes: [], createdAt: now, updatedAt: now,
  };
}

/** 100 series × 100 points, 4 tags, one resource and a unit each: the 10,000-point payload (v2 shape). */
export function metricSeries({ series = 100, points = 100 } = {}) {
  const now = Math.floor(Date.now() / 1000);
  return Array.from({ length: series }, (_, i) => ({
    metric: `partner.latency_${i}`,
    type: 3,
    unit: "millisecond",
    tags: ["env:prod", `service:checkout-${i % 7}`, `region:us-east-${(i % 2) + 1}`, `shard:${i % 16}`],
    resources: [{ type: "host", name: `web-${i}` }],
    points: Array.from({ length: points }, (_, j) => ({ timestamp: now - points + j, value: ((i * 31 + j * 17) % 1000) / 4 })),
  }));
}

/** 1,000 log entries, realistic lengths, some characters JSON has to escape. */
export function logEntries(n = 1000) {
  const out = [];
  for (let i = 0; i < n; i++) {
    out.push({
      message: `GET /api/v1/orders/${100000 + i}?expand=items 200 ${(i * 7) % 250}ms "Mozilla/5.0 (X11; Linux x86_64)" user=u-${i % 97}\ttrace=${(i * 2654435761) >>> 0}`,
      ddtags: `env:prod,version:1.4.${i % 10},team:payments`,
      hostname: `web-${i % 12}.internal`,
      status: i % 50 === 0 ? "error" : "info",
    });
  }
  return out;
}

export const SOURCE = "partner_app";
