// A token refresh's client CPU over real loopback HTTP to the sandbox (own process), as table 7's refresh rows run
// (the client configured with the sandbox's nine custom sites): `node bench/tools/refresh-real.mjs [seconds]`.
// `client.refresh(conn)` next to oauth4webapi's request + process, 8 in flight, one connection per worker each,
// candidates alternating round by round. BEFORE=path/to/dist/node.mjs adds another build's client (say, main's) as
// "before", interleaved, with the per-round ratio ours ÷ before.
import * as oauth from "oauth4webapi";
import { loadOurs } from "../lib/ours.mjs";
import { cpuRounds, median as med, ratioOf } from "../lib/rounds.mjs";
import { CLIENT_ID, CLIENT_SECRET, connector, REDIRECT, sandboxSites, startSandbox } from "../lib/sandbox.mjs";

const seconds = Number(process.argv.slice(2).find((a) => !a.startsWith("--")) ?? 8);
const IN_FLIGHT = 8;
const ROUNDS = Number(process.env.ROUNDS ?? 12);
const dd = await loadOurs();
const sbx = await startSandbox();
try {
  const sites = sandboxSites(dd, sbx);
  const opts = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: REDIRECT, sites };
  const client = new dd.DatadogClient(opts);
  const connect = connector(dd, sbx, client, sites);
  const ids = ["us1", "eu1", "us3", "ap1"];
  const fresh = async () => Promise.all(Array.from({ length: IN_FLIGHT }, (_, w) => connect(ids[w % ids.length])));
  const held = await fresh();
  const before = process.env.BEFORE ? await import(process.env.BEFORE) : null;
  const old = before && new before.DatadogClient(opts);
  // Connections of their own (handed over as plain data: the other client stores them on first use).
  const heldOld = old ? (await fresh()).map((c) => JSON.parse(JSON.stringify(c))) : null;
  const forO4w = await fresh();
  const o4w = forO4w.map((c) => ({ as: { issuer: c.site.apiOrigin, token_endpoint: `${c.site.apiOrigin}/oauth2/v1/token` }, rt: c.refreshToken }));
  const candidates = {
    ...(old ? { before: async (w) => { heldOld[w] = await old.refresh(heldOld[w]); } } : {}),
    ours: async (w) => { held[w] = await client.refresh(held[w]); },
    o4w: async (w) => {
      const o = o4w[w];
      const res = await oauth.refreshTokenGrantRequest(o.as, { client_id: CLIENT_ID }, oauth.ClientSecretPost(CLIENT_SECRET), o.rt, { [oauth.allowInsecureRequests]: true });
      const out = await oauth.processRefreshTokenResponse(o.as, { client_id: CLIENT_ID }, res);
      if (out.refresh_token) o.rt = out.refresh_token;
    },
  };
  const cpu = await cpuRounds(candidates, { rounds: ROUNDS, inFlight: IN_FLIGHT, ms: (seconds * 1000) / ROUNDS / Object.keys(candidates).length, warm: 1 });
  console.log(`ours ${med(cpu.ours).toFixed(0)} µs client CPU / refresh, oauth4webapi ${med(cpu.o4w).toFixed(0)} µs: ${(med(cpu.ours) / med(cpu.o4w)).toFixed(2)}× (median of rounds; per-round ratio ${ratioOf(cpu.ours, cpu.o4w).median.toFixed(2)}×)`);
  if (old) {
    const r = ratioOf(cpu.ours, cpu.before);
    console.log(`before ${med(cpu.before).toFixed(0)} µs: ours ÷ before, median of ${r.rounds} rounds ${r.median.toFixed(3)}× (p25 ${r.p25.toFixed(2)}, p75 ${r.p75.toFixed(2)})`);
  }
} finally {
  sbx.child.disconnect();
}
