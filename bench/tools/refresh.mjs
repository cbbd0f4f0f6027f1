// Where a token refresh's client CPU goes, network stubbed: `node bench/tools/refresh.mjs [seconds] [--profile]`.
// `client.refresh(conn)` over 8 connections (one per worker, as table 7's stubbed rows) next to oauth4webapi's
// request + process, alternating; with --profile the heaviest functions of ours by self time (CALLERS=n adds callers).
import { Session } from "node:inspector/promises";
import * as oauth from "oauth4webapi";
import { tally } from "../lib/cpuprofile.mjs";
import { loadOurs } from "../lib/ours.mjs";

const args = process.argv.slice(2);
const seconds = Number(args.find((a) => !a.startsWith("--")) ?? 3);
const profiling = args.includes("--profile");
const IN_FLIGHT = 8;
const dd = await loadOurs();
let n = 0;
const tokens = async () => {
  n++;
  return new Response(JSON.stringify({ access_token: `at_${n}_${"x".repeat(40)}`, token_type: "bearer", expires_in: 3600, refresh_token: `rt_${n}_${"y".repeat(40)}`, scope: "api_keys_write" }), { status: 200, headers: { "content-type": "application/json" } });
};
const site = dd.resolveSite("us1");
const now = Date.now();
const conn = { site, domain: site.site, accessToken: "a".repeat(40), refreshToken: "r".repeat(40), apiKey: "k".repeat(32), tokenType: "Bearer", expiresAt: now + 3600e3, scopes: ["api_keys_write"], createdAt: now, updatedAt: now };
const client = new dd.DatadogClient({ clientId: "cid", clientSecret: "secret", redirectUri: "https://p.example/cb", fetch: tokens });
const held = Array.from({ length: IN_FLIGHT }, (_, w) => ({ ...conn, accessToken: `a${w}_${"a".repeat(40)}`, refreshToken: `r${w}_${"r".repeat(40)}` }));
const as = { issuer: site.apiOrigin, token_endpoint: `${site.apiOrigin}/oauth2/v1/token` };
const rt = held.map((c) => c.refreshToken);
const candidates = {
  ours: async (w) => {
    held[w] = await client.refresh(held[w]);
  },
  o4w: async (w) => {
    const res = await oauth.refreshTokenGrantRequest(as, { client_id: "cid" }, oauth.ClientSecretPost("secret"), rt[w], { [oauth.customFetch]: tokens });
    rt[w] = (await oauth.processRefreshTokenResponse(as, { client_id: "cid" }, res)).refresh_token;
  },
};
const session = new Session();
session.connect();
if (profiling) {
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 100 });
}
const cpu = { ours: [], o4w: [] };
const self = new Map();
const inclusive = new Map();
let oursOps = 0;
for (let r = 0; r < 8; r++) {
  for (const name of r % 2 ? ["ours", "o4w"] : ["o4w", "ours"]) {
    const prof = profiling && name === "ours" && r > 0;
    if (prof) await session.post("Profiler.start");
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    let k = 0;
    await Promise.all(Array.from({ length: IN_FLIGHT }, async (_, w) => {
      while (performance.now() < t0 + (seconds * 1000) / 8) {
        await candidates[name](w);
        k++;
      }
    }));
    const used = process.cpuUsage(c0);
    if (r > 0) cpu[name].push((used.user + used.system) / k);
    if (prof) {
      const { profile } = await session.post("Profiler.stop");
      oursOps += k;
      tally(profile, { self, inclusive, callers: Number(process.env.CALLERS ?? 0) });
    }
  }
}
session.disconnect();
const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
console.log(`ours ${med(cpu.ours).toFixed(0)} µs CPU / refresh, oauth4webapi ${med(cpu.o4w).toFixed(0)} µs: ${(med(cpu.ours) / med(cpu.o4w)).toFixed(2)}×`);
if (profiling) {
  const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 30));
  const inc = [...inclusive].filter(([k]) => !k.startsWith("(")).sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 30));
  console.log(`\nours: inclusive time per refresh (µs, profiler on; async callers are not on the stack)\n${inc.map(([k, v]) => `${(v / oursOps).toFixed(1).padStart(7)}  ${k}`).join("\n")}`);
  console.log(`\nours: self time per refresh (µs, profiler on)\n${rows.map(([k, v]) => `${(v / oursOps).toFixed(1).padStart(7)}  ${k}`).join("\n")}`);
}
