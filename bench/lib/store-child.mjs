// One of table 7's 4 store-bench processes: refresh(id) in a loop over its connections, `fetch` stubbed.
import { loadOurs } from "./ours.mjs";
import { stubFetch } from "./store.mjs";

const cfg = JSON.parse(process.argv[2]);
const dd = await loadOurs();
const { postgresStore } = await loadOurs("./postgres");
const store = postgresStore({ connectionString: cfg.url, encryptionKey: cfg.key, table: cfg.table });
const fetch = stubFetch();
let sent = 0;
const counting = (url, init) => {
  if (String(url).includes("/oauth2/")) sent++;
  return fetch(url, init);
};
const client = new dd.DatadogClient({ clientId: "bench", clientSecret: "bench-secret", redirectUri: "https://p.example/cb", fetch: counting, store });
const lat = [];
let calls = 0;
let k = 0;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await Promise.all(Array.from({ length: cfg.inFlight }, async () => {
  while (performance.now() < t0 + cfg.ms) {
    const id = cfg.ids[k++ % cfg.ids.length];
    const s = performance.now();
    await client.refresh(id);
    lat.push(performance.now() - s);
    calls++;
  }
}));
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
await store.close();
process.send({ sent, calls, ms, lat, cpuUs: (cpu.user + cpu.system) / calls }, () => process.exit(0));
