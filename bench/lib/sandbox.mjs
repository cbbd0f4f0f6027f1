// The sandbox in its own process (so CPU and heap measured here are the client's), and connections made through
// the library's own flow (startAuthorization → the testkit's consent click-through → parseCallback → exchangeCode),
// shared by table 7, table 8 and bench/tools/submit.mjs.
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { authorizeAs } from "../../sandbox/testkit.mjs";

export const CLIENT_ID = "sandbox-client-id";
export const CLIENT_SECRET = "sandbox-client-secret";
export const REDIRECT = "http://127.0.0.1:7999/oauth/callback";

/** The sandbox child; `config` is the sandbox's configuration (clients, orgs). Resolves to `{ url, sites, wellKnown, child }`. */
export function startSandbox(config = { clients: [{ redirectUris: [REDIRECT] }] }) {
  const child = fork(fileURLToPath(new URL("./sandbox-child.mjs", import.meta.url)), [JSON.stringify(config)], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  return new Promise((resolve, reject) => {
    child.once("message", (doc) => resolve({ ...doc, child }));
    child.once("exit", (code) => reject(new Error(`sandbox exited with ${code}`)));
  });
}

/** The sandbox's sites as custom site descriptors (their origins are loopback ports), in the sandbox's order. */
export function sandboxSites(dd, sbx) {
  return sbx.sites.map((s) => dd.customSite({
    id: `sandbox-${s.id}`, name: `Sandbox ${s.name}`, site: s.site, appOrigin: s.appOrigin, apiOrigin: s.apiOrigin,
    logsOrigin: s.logsOrigin, eventIntakeOrigin: s.eventIntakeOrigin, otlpOrigin: s.otlpOrigin,
  }));
}

/** `connect(siteId, orgId?)`: a new connection stored by `client`, authorized through the sandbox's consent page. */
export function connector(dd, sbx, client, sites) {
  const kit = { sites: sbx.sites };
  const siteOf = (id) => sites[sbx.sites.findIndex((s) => s.id === id)];
  return async (siteId, orgId) => {
    const site = siteOf(siteId);
    const { url, pending } = dd.startAuthorization({ clientId: CLIENT_ID, redirectUri: REDIRECT, site, sites: [site] });
    const u = new URL(url);
    const auth = await authorizeAs(kit, siteId, { redirectUri: REDIRECT, state: u.searchParams.get("state"), challenge: u.searchParams.get("code_challenge"), orgId });
    if (!auth.redirect) throw new Error(`consent failed with ${auth.status}`);
    const cb = dd.parseCallback(auth.redirect.href, pending, { sites: [site] });
    return client.exchangeCode({ ...cb, codeVerifier: pending.codeVerifier });
  };
}

/** 10 series × 10 points with fresh timestamps: one submission of table 7. */
export function smallSeries(k) {
  const now = Math.floor(Date.now() / 1000);
  return Array.from({ length: 10 }, (_, i) => ({
    metric: `partner.jobs.duration_${i}`, type: 3, unit: "second",
    tags: ["env:prod", `worker:${k % 4}`, `queue:q${i % 3}`, "region:us-east-1"],
    resources: [{ type: "host", name: `worker-${k % 4}` }],
    points: Array.from({ length: 10 }, (_, j) => ({ timestamp: now - 10 + j, value: (i * 13 + j * 7) % 50 })),
  }));
}
