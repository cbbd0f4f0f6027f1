// Shared by the client and delivery tests: a sandbox with the nine sites as custom sites, the OAuth flow as a user
// and a partner would run it (library for the partner side, the sandbox testkit for the user's clicks), and a
// secret-hygiene recorder that sees every error, report and console line the suite produces.
import assert from "node:assert/strict";
import { startSandbox } from "../../sandbox/index.mjs";
import { authorizeAs, control } from "../../sandbox/testkit.mjs";
import { DatadogClient, customSite, parseCallback, startAuthorization } from "datadog-oauth-wasm";

export const CLIENT_ID = "sandbox-client-id";
export const CLIENT_SECRET = "sandbox-client-secret";
export const REDIRECT = "http://127.0.0.1:7999/oauth/callback";

export async function sandbox() {
  const sb = await startSandbox({ port: 0, config: { clients: [{ redirectUris: [REDIRECT] }] } });
  const sites = sb.sites.map((s) => customSite({
    id: `sandbox-${s.id}`, name: `Sandbox ${s.name}`, site: s.site, appOrigin: s.appOrigin, apiOrigin: s.apiOrigin,
    logsOrigin: s.logsOrigin, eventIntakeOrigin: s.eventIntakeOrigin, otlpOrigin: s.otlpOrigin,
  }));
  return { sb, sites, siteOf: (id) => sites[sb.sites.findIndex((s) => s.id === id)] };
}

export const stats = async (sb) => (await control(sb, "GET", "/_sandbox/stats")).body;
export const routeCount = async (sb, siteId, route) => (await stats(sb)).routes[`${siteId} ${route}`] ?? 0;
export const fault = (sb, rule) => control(sb, "POST", "/_sandbox/faults", rule);
export const clearFaults = (sb) => control(sb, "DELETE", "/_sandbox/faults");
export const settings = (sb, s) => control(sb, "POST", "/_sandbox/settings", s);

/** Records every secret the suite handles and every text it produces, to assert none contains the other. */
export function hygiene() {
  const secrets = new Set([CLIENT_SECRET]);
  const texts = [];
  const original = {};
  for (const m of ["log", "info", "warn", "error", "debug", "trace"]) {
    original[m] = console[m];
    console[m] = (...args) => {
      texts.push(args.map((a) => (typeof a === "string" ? a : safeText(a))).join(" "));
      original[m](...args);
    };
  }
  const h = {
    secret(v) {
      if (typeof v === "string" && v.length >= 8) secrets.add(v);
    },
    conn(c) {
      if (c) for (const k of ["accessToken", "refreshToken", "apiKey"]) h.secret(c[k]);
      return c;
    },
    error(e) {
      texts.push(String(e?.message), String(e?.hint), String(e?.stack), safeText(e));
      return e;
    },
    report(r) {
      texts.push(safeText(r));
      return r;
    },
    /** Assert that `p` rejects with a DatadogError `code`; records the error. */
    async rejects(p, code) {
      try {
        await p;
      } catch (e) {
        h.error(e);
        if (code !== undefined) assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
        return e;
      }
      assert.fail(`expected a rejection with ${code}`);
    },
    /** Every secret recorded so far. */
    secretsSeen() {
      return [...secrets];
    },
    check() {
      assert.ok(texts.length > 0);
      for (const s of secrets) {
        for (const t of texts) assert.ok(!t.includes(s), `a secret (${s.slice(0, 6)}…) appeared in: ${t.slice(0, 200)}`);
      }
      return { secrets: secrets.size, texts: texts.length };
    },
    restore() {
      Object.assign(console, original);
    },
  };
  return h;
}

function safeText(v) {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** A client for the sandbox; options override. Records what onConnectionChange sees. */
export function makeClient(sites, h, opts = {}) {
  const changes = [];
  const client = new DatadogClient({
    clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: REDIRECT, sites,
    sleep: async () => {}, random: () => 0.5,
    ...opts,
    onConnectionChange: async (c, info) => {
      h?.conn(c);
      changes.push({ reason: info.reason, conn: c });
      if (opts.onConnectionChange) await opts.onConnectionChange(c, info);
    },
  });
  return { client, changes };
}

/** The whole authorization: startAuthorization → consent click-through → parseCallback → exchangeCode. */
export async function connect(sb, client, site, h) {
  const { url, pending } = startAuthorization({ clientId: CLIENT_ID, redirectUri: REDIRECT, site });
  h?.secret(pending.codeVerifier);
  const u = new URL(url);
  const auth = await authorizeAs(sb, site.id.replace(/^sandbox-/, ""), {
    redirectUri: REDIRECT, state: u.searchParams.get("state"), challenge: u.searchParams.get("code_challenge"),
  });
  assert.ok(auth.redirect, `consent failed with ${auth.status}`);
  const cb = parseCallback(auth.redirect.href, pending, { sites: [site] });
  h?.secret(cb.code);
  return h ? h.conn(await client.exchangeCode({ ...cb, codeVerifier: pending.codeVerifier })) : client.exchangeCode({ ...cb, codeVerifier: pending.codeVerifier });
}
