// Loopback servers that misbehave on purpose (redirect, stream forever, fail every time), and a connection and
// client for a custom site whose every origin is such a server: the transport's hardening is tested against real
// sockets, not fetch doubles.
import { createServer } from "node:http";
import { randomBytes } from "node:crypto";
import { DatadogClient, customSite } from "datadog-oauth-wasm";

/** Starts `handler(req, res, body)` on 127.0.0.1:0; `hits` records every request (method, url, headers, body). */
export async function server(handler) {
  const hits = [];
  const srv = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      hits.push({ method: req.method, url: req.url, headers: req.headers, body });
      Promise.resolve(handler(req, res, body)).catch((e) => res.destroy(e));
    });
  });
  await new Promise((resolve, reject) => srv.once("error", reject).listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${srv.address().port}`;
  return {
    origin, hits, srv,
    close: () => new Promise((resolve) => { srv.closeAllConnections?.(); srv.close(() => resolve()); }),
  };
}

/** A custom site (Datadog's EU1 domain) whose origins are all `origin`. */
export const siteAt = (origin) => customSite({
  id: "hostile", name: "Hostile", site: "datadoghq.eu", appOrigin: origin, apiOrigin: origin, logsOrigin: origin,
  eventIntakeOrigin: origin, otlpOrigin: origin,
});

const secret = (n) => randomBytes(n).toString("hex");

/** A stored connection on `site`, with fresh random secrets (returned separately, to look for them elsewhere). */
export function connectionOn(site) {
  const now = Date.now();
  const conn = {
    id: secret(8), accessToken: `ddat_${secret(20)}`, refreshToken: `ddrt_${secret(20)}`, apiKey: secret(16), tokenType: "bearer",
    domain: site.site, site, scopes: ["api_keys_write", "metrics_read"], createdAt: now, updatedAt: now, expiresAt: now + 3600_000,
  };
  return { conn, secrets: [conn.accessToken, conn.refreshToken, conn.apiKey] };
}

export const CLIENT_SECRET = `cs_${secret(16)}`;

export function clientFor(site, opts = {}) {
  return new DatadogClient({
    clientId: "hostile-client", clientSecret: CLIENT_SECRET, redirectUri: "http://127.0.0.1:7999/cb", sites: [site],
    sleep: async () => {}, random: () => 0.5, ...opts,
  });
}

/** The error `p` rejects with (fails the test if it resolves). */
export async function rejection(p) {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection");
}
