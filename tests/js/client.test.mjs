// DatadogClient against the local sandbox, on all nine sites: code exchange, the marketplace API key and its 409,
// calls that survive token expiry with and without refresh-token rotation, revocation, single-flight refresh, the
// persistence hook's ordering, retries under injected faults, browser safety, and secret hygiene throughout.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { control } from "../../sandbox/testkit.mjs";
import { DatadogClient, DatadogError, memoryStore, refreshDue, resolveSite } from "datadog-oauth-wasm";
import {
  CLIENT_ID, CLIENT_SECRET, REDIRECT, sandbox, stats, routeCount, fault, clearFaults, settings, hygiene, makeClient, connect,
} from "./support.mjs";

let sb;
let sites;
let siteOf;
const h = hygiene();

before(async () => {
  ({ sb, sites, siteOf } = await sandbox());
});

after(async () => {
  h.restore();
  await sb?.close();
});

const incidents = { method: "GET", path: "/api/v2/incidents" };

test("every site: exchange, API key (and its 409), auto-refresh, rotation on and off, revoke", async (t) => {
  for (const s of sb.sites) {
    await t.test(s.id, async () => {
      await settings(sb, { rotateRefreshTokens: true });
      const site = siteOf(s.id);
      const { client, changes } = makeClient(sites, h);
      const conn = await connect(sb, client, site, h);
      const org = sb.wellKnown().orgs.find((o) => o.site === s.id);
      assert.equal(conn.site.apiOrigin, s.apiOrigin);
      assert.equal(conn.domain, s.site);
      assert.equal(conn.orgId, org.id);
      assert.equal(conn.orgName, org.name);
      assert.ok(conn.accessToken && conn.refreshToken);
      assert.deepEqual(changes.map((c) => c.reason), ["exchange"]);
      assert.deepEqual(JSON.parse(JSON.stringify(conn)), conn, "a connection is plain JSON");

      const withKey = h.conn(await client.createApiKey(conn));
      assert.ok(withKey.apiKey);
      assert.equal(changes.at(-1).reason, "api_key");
      assert.equal(changes.at(-1).conn.apiKey, withKey.apiKey);
      const e = await h.rejects(client.createApiKey(withKey), "api_key_exists");
      assert.equal(e.status, 409);
      assert.match(e.hint, /revoke/i);

      // Rotation on: the server expires every token; the next call refreshes once and rotates the refresh token.
      const before = (await stats(sb)).token.refresh_token;
      await control(sb, "POST", "/_sandbox/expire-tokens");
      const r = await client.request(withKey, incidents);
      assert.equal(r.status, 200);
      assert.ok(Array.isArray(r.body.data));
      assert.equal((await stats(sb)).token.refresh_token, before + 1);
      const rotated = client.latest(withKey);
      assert.notEqual(rotated.accessToken, withKey.accessToken);
      assert.notEqual(rotated.refreshToken, withKey.refreshToken);
      assert.equal(rotated.apiKey, withKey.apiKey, "the key survives the refresh");
      assert.equal(changes.at(-1).reason, "refresh");
      assert.equal(changes.at(-1).conn.refreshToken, rotated.refreshToken, "the rotated token was persisted");
      // A caller still holding the first object uses the newest tokens (the old refresh token is dead by now).
      assert.equal((await client.request(conn, incidents)).status, 200);
      assert.equal((await stats(sb)).token.refresh_token, before + 1);

      // Rotation off: a refresh keeps the refresh token.
      await settings(sb, { rotateRefreshTokens: false });
      await control(sb, "POST", "/_sandbox/expire-tokens");
      assert.equal((await client.request(rotated, incidents)).status, 200);
      const kept = client.latest(conn);
      assert.notEqual(kept.accessToken, rotated.accessToken);
      assert.equal(kept.refreshToken, rotated.refreshToken);
      // An explicit refresh works too and returns the new connection.
      const again = h.conn(await client.refresh(conn));
      assert.notEqual(again.accessToken, kept.accessToken);
      assert.equal(again.refreshToken, kept.refreshToken);

      // Revoke: this client refuses the connection; another client learns it from Datadog.
      assert.deepEqual(await client.revoke(conn), { revoked: true });
      const revoked = await h.rejects(client.request(again, incidents), "token_revoked");
      assert.match(revoked.hint, /authorize again/);
      await h.rejects(client.createApiKey(again), "token_revoked");
      const { client: other } = makeClient(sites, h);
      const forbidden = await h.rejects(other.request(again, incidents), "forbidden");
      assert.equal(forbidden.status, 403);
    });
  }
});

test("single-flight: 100 concurrent calls on an expired connection make one refresh request", async (t) => {
  await settings(sb, { rotateRefreshTokens: true });
  const site = siteOf("eu1");
  await t.test("expired on the client (refresh when due)", async () => {
    const conn = await connect(sb, makeClient(sites, h).client, site, h);
    // A new process loads the stored connection, whose expiresAt has passed.
    const { client, changes } = makeClient(sites, h);
    const expired = { ...conn, expiresAt: Date.now() - 1000 };
    await control(sb, "POST", "/_sandbox/expire-tokens");
    const before = (await stats(sb)).token.refresh_token;
    const results = await Promise.all(Array.from({ length: 100 }, () => client.request(expired, incidents)));
    assert.ok(results.every((r) => r.status === 200));
    assert.equal((await stats(sb)).token.refresh_token, before + 1);
    assert.equal(changes.filter((c) => c.reason === "refresh").length, 1);
  });
  await t.test("expired on the server only (refresh after 401)", async () => {
    const { client } = makeClient(sites, h);
    const conn = await connect(sb, client, site, h);
    await control(sb, "POST", "/_sandbox/expire-tokens");
    const before = (await stats(sb)).token.refresh_token;
    const results = await Promise.all(Array.from({ length: 100 }, () => client.request(conn, incidents)));
    assert.ok(results.every((r) => r.status === 200));
    assert.equal((await stats(sb)).token.refresh_token, before + 1);
  });
  await t.test("100 concurrent refresh() calls", async () => {
    const { client } = makeClient(sites, h);
    const conn = await connect(sb, client, site, h);
    const before = (await stats(sb)).token.refresh_token;
    const all = await Promise.all(Array.from({ length: 100 }, () => client.refresh(conn)));
    assert.equal((await stats(sb)).token.refresh_token, before + 1);
    assert.ok(all.every((c) => c.accessToken === all[0].accessToken));
    h.conn(all[0]);
  });
});

test("onConnectionChange: rotated tokens are persisted before any request uses them", async () => {
  await settings(sb, { rotateRefreshTokens: true });
  const log = [];
  let release;
  const gate = new Promise((r) => {
    release = r;
  });
  let blocking = false;
  const fetchSpy = async (url, init) => {
    const auth = init.headers.authorization;
    if (auth) log.push(`use ${auth.slice(7)}`);
    return fetch(url, init);
  };
  const { client } = makeClient(sites, h, {
    fetch: fetchSpy,
    onConnectionChange: async (c, info) => {
      if (info.reason === "refresh" && blocking) {
        await gate;
        log.push(`saved ${c.accessToken}`);
      }
    },
  });
  const conn = await connect(sb, client, siteOf("us5"), h);
  await control(sb, "POST", "/_sandbox/expire-tokens");
  blocking = true;
  const calls = Array.from({ length: 10 }, () => client.request({ ...conn, expiresAt: 0 }, incidents));
  // Let the refresh happen and the hook start; nothing may be sent with the new token meanwhile.
  for (let i = 0; i < 50 && !log.length; i++) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 30));
  assert.ok(!log.some((l) => l.startsWith("saved")));
  const fresh = client.latest(conn);
  assert.equal(fresh.accessToken, conn.accessToken, "the client does not adopt unsaved tokens");
  release();
  await Promise.all(calls);
  const saved = log.findIndex((l) => l.startsWith("saved"));
  const newToken = log[saved].slice(6);
  const firstUse = log.indexOf(`use ${newToken}`);
  assert.ok(saved >= 0 && firstUse > saved, "first use comes after the save");
  h.secret(newToken);
});

test("onConnectionChange: the API key is stored before createApiKey resolves", async () => {
  let release;
  const gate = new Promise((r) => {
    release = r;
  });
  let stored = null;
  const { client } = makeClient(sites, h, {
    onConnectionChange: async (c, info) => {
      if (info.reason === "api_key") {
        await gate;
        stored = c;
      }
    },
  });
  const conn = await connect(sb, client, siteOf("ap2"), h);
  await control(sb, "DELETE", `/_sandbox/api-keys?org=${conn.orgId}`); // the per-site test made one already
  let resolved = false;
  const p = client.createApiKey(conn).then((c) => {
    resolved = true;
    return c;
  });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(resolved, false, "not resolved while the hook is still storing");
  release();
  const withKey = h.conn(await p);
  assert.equal(stored.apiKey, withKey.apiKey);
});

test("onConnectionChange failing: the call rejects, and the tokens are offered again before use", async () => {
  await settings(sb, { rotateRefreshTokens: true });
  let failOnce = false;
  const { client, changes } = makeClient(sites, h, {
    onConnectionChange: async (c, info) => {
      if (failOnce && info.reason === "refresh") {
        failOnce = false;
        throw new Error("storage is down");
      }
    },
  });
  const conn = await connect(sb, client, siteOf("uk1"), h);
  failOnce = true;
  await assert.rejects(client.refresh(conn), /storage is down/);
  const r = await client.request(conn, incidents);
  assert.equal(r.status, 200);
  const reasons = changes.map((c) => c.reason);
  assert.deepEqual(reasons.slice(-2), ["refresh", "retry_save"]);
  assert.equal(changes.at(-1).conn.refreshToken, client.latest(conn).refreshToken);
});

test("faults: 429, 503, 408 and dropped connections are retried per the core, then surface typed errors", async (t) => {
  const site = siteOf("us3");
  const sleeps = [];
  const { client } = makeClient(sites, h, { sleep: async (ms) => void sleeps.push(ms), retry: { maxAttempts: 3 } });
  const conn = await connect(sb, client, site, h);
  const count = () => routeCount(sb, "us3", "incidents_list");
  const attempt = async (action, code) => {
    await clearFaults(sb);
    await fault(sb, { route: "incidents_list", site: "us3", action });
    sleeps.length = 0;
    const before = await count();
    const e = await h.rejects(client.request(conn, incidents), code);
    assert.equal((await count()) - before, 4, "one try and three retries");
    assert.equal(sleeps.length, 3);
    return e;
  };
  await t.test("429 with X-RateLimit headers", async () => {
    const e = await attempt({ status: 429 }, "rate_limited");
    assert.equal(e.status, 429);
    assert.deepEqual(e.rateLimit, { limit: 100, period: 60, remaining: 0, reset: 1, name: "sandbox_incidents_list" });
    assert.deepEqual(sleeps, [1000, 1000, 1000], "waits for X-RateLimit-Reset");
  });
  await t.test("429 with Retry-After", async () => {
    await attempt({ status: 429, retryAfter: "2" }, "rate_limited");
    assert.deepEqual(sleeps, [2000, 2000, 2000]);
  });
  await t.test("503", async () => {
    const e = await attempt({ status: 503 }, "server_error");
    assert.equal(e.status, 503);
    // Full jitter with random() = 0.5 and the core's defaults (base 500 ms): half of 500, 1000, 2000.
    assert.deepEqual(sleeps, [250, 500, 1000]);
  });
  await t.test("408", async () => {
    await attempt({ status: 408 }, "request_timeout");
  });
  await t.test("dropped connection", async () => {
    const e = await attempt("drop", "network_error");
    assert.equal(e.status, undefined);
  });
  await t.test("recovers when the fault passes", async () => {
    await clearFaults(sb);
    await fault(sb, { route: "incidents_list", site: "us3", sequence: [{ status: 503 }, "drop", { status: 429 }] });
    sleeps.length = 0;
    assert.equal((await client.request(conn, incidents)).status, 200);
    assert.equal(sleeps.length, 3);
  });
  await t.test("a POST that creates is not resent after an unknown outcome", async () => {
    await clearFaults(sb);
    await fault(sb, { route: "incidents", site: "us3", action: "drop" });
    const before = await routeCount(sb, "us3", "incidents");
    await h.rejects(client.request(conn, { method: "POST", path: "/api/v2/incidents", body: { data: { type: "incidents", attributes: { title: "x", customer_impacted: false } } } }), "network_error");
    assert.equal((await routeCount(sb, "us3", "incidents")) - before, 1);
  });
  await t.test("the API key request is never retried", async () => {
    await clearFaults(sb);
    await fault(sb, { route: "api_key", site: "us3", action: { status: 503 } });
    const before = await routeCount(sb, "us3", "api_key");
    await h.rejects(client.createApiKey(conn), "server_error");
    assert.equal((await routeCount(sb, "us3", "api_key")) - before, 1);
  });
  await t.test("the token endpoint is retried", async () => {
    await clearFaults(sb);
    await fault(sb, { route: "token", site: "us3", sequence: [{ status: 503 }, { status: 502 }] });
    const next = h.conn(await client.refresh(conn));
    assert.ok(next.accessToken);
  });
  await t.test("retry: false sends once", async () => {
    await clearFaults(sb);
    await fault(sb, { route: "incidents_list", site: "us3", action: { status: 503 } });
    const { client: once } = makeClient(sites, h, { retry: false });
    const before = await count();
    await h.rejects(once.request(client.latest(conn), incidents), "server_error");
    assert.equal((await count()) - before, 1);
  });
  await clearFaults(sb);
});

test("a failing refresh reaches every waiting caller as one typed error", async () => {
  const conn = await connect(sb, makeClient(sites, h).client, siteOf("us1-fed"), h);
  // The grant was revoked by another process; this one loads the stored connection after its expiry.
  await makeClient(sites, h).client.revoke(conn);
  const { client } = makeClient(sites, h);
  const before = (await stats(sb)).token.errors;
  const errors = await Promise.all(Array.from({ length: 5 }, () => h.rejects(client.request({ ...conn, expiresAt: 0 }, incidents), "invalid_grant")));
  assert.match(errors[0].hint, /authorize again/);
  assert.equal((await stats(sb)).token.errors, before + 1, "one refresh request for the five callers");
});

test("an old connection object still works after many rotations (found by its id, not its tokens)", async () => {
  await settings(sb, { rotateRefreshTokens: true });
  const { client } = makeClient(sites, h);
  const original = h.conn(await connect(sb, client, siteOf("ap2"), h));
  assert.equal(typeof original.id, "string");
  for (let i = 0; i < 5; i++) await client.refresh(original);
  assert.equal(client.latest(original).id, original.id);
  assert.notEqual(client.latest(original).refreshToken, original.refreshToken);
  await control(sb, "POST", "/_sandbox/expire-tokens");
  const r = await client.request(original, incidents);
  assert.equal(r.status, 200);
});

test("a 401 answered with another caller's token that has since expired is refreshed again, not failed", async () => {
  const { client } = makeClient(sites, h);
  const conn = await connect(sb, client, siteOf("uk1"), h);
  // The request is held by the server while another caller refreshes and then every token expires.
  await fault(sb, { route: "incidents_list", site: "uk1", sequence: [{ delayMs: 300 }] });
  const pending = client.request(conn, incidents);
  await new Promise((r) => setTimeout(r, 50));
  await client.refresh(conn);
  await control(sb, "POST", "/_sandbox/expire-tokens");
  const r = await pending;
  assert.equal(r.status, 200);
  await clearFaults(sb);
});

test("browser safety: a client secret in a browser context is refused unless allowed", () => {
  const g = globalThis;
  g.window = {};
  try {
    assert.throws(() => new DatadogClient({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: REDIRECT }), (err) => {
      h.error(err);
      return DatadogError.is(err, "secret_in_browser") && /backend/.test(err.hint);
    });
    new DatadogClient({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: REDIRECT, allowSecretInBrowser: true });
    new DatadogClient({ clientId: CLIENT_ID, redirectUri: REDIRECT });
  } finally {
    delete g.window;
  }
  new DatadogClient({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: REDIRECT });
  // A worker: WorkerGlobalScope and no Node.
  const versions = Object.getOwnPropertyDescriptor(process, "versions");
  g.WorkerGlobalScope = function WorkerGlobalScope() {};
  Object.defineProperty(process, "versions", { value: {}, configurable: true });
  try {
    assert.throws(() => new DatadogClient({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }), (err) => {
      h.error(err);
      return DatadogError.is(err, "secret_in_browser") && !err.message.includes(CLIENT_SECRET);
    });
  } finally {
    Object.defineProperty(process, "versions", versions);
    delete g.WorkerGlobalScope;
  }
});

test("secrets echoed by a server or a failing network never reach errors", async () => {
  const { client } = makeClient(sites, h);
  const conn = await connect(sb, client, siteOf("ap1"), h);
  const echo = async (url, init) => {
    const body = JSON.stringify({ error: "invalid_client", error_description: `bad credentials: ${init.body} ${init.headers.authorization ?? ""}` });
    return new Response(body, { status: 400, headers: { "content-type": "application/json" } });
  };
  const { client: echoing } = makeClient(sites, h, { fetch: echo });
  await h.rejects(echoing.refresh(conn));
  await h.rejects(echoing.request(conn, incidents));
  const failing = async (url, init) => {
    throw new TypeError(`fetch failed for ${url}`, { cause: new Error(`socket hang up while sending ${init.headers.authorization}`) });
  };
  const { client: broken } = makeClient(sites, h, { fetch: failing, retry: false });
  await h.rejects(broken.request(conn, incidents), "network_error");
  await h.rejects(broken.refresh(conn), "network_error");
});

test("timeoutMs aborts a request that hangs, body included, and reports it as a network error", async () => {
  const { client } = makeClient(sites, h);
  const conn = await connect(sb, client, siteOf("eu1"), h);
  let signals = [];
  // Answers at once, but the body never ends unless the request is aborted.
  const hanging = async (url, init) => {
    signals.push(init.signal);
    const body = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("{")); init.signal.addEventListener("abort", () => c.error(init.signal.reason)); } });
    return new Response(body, { status: 200, headers: { "content-type": "application/json" } });
  };
  const { client: slow } = makeClient(sites, h, { fetch: hanging, retry: false, timeoutMs: 50 });
  const e = await h.rejects(slow.request(conn, incidents), "network_error");
  assert.match(e.message, /timeout/i);
  assert.equal(signals.length, 1);
  assert.equal(signals[0].reason.name, "TimeoutError");
  // A request that finishes in time clears its timer: nothing aborts it afterwards.
  signals = [];
  const quick = async (url, init) => { signals.push(init.signal); return new Response("{}", { status: 200 }); };
  const { client: fast } = makeClient(sites, h, { fetch: quick, retry: false, timeoutMs: 30 });
  await fast.request(conn, incidents);
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(signals[0].aborted, false);
});

test("plain data in, plain data out: a newer stored copy is adopted, bad input is a typed error", async () => {
  const { client } = makeClient(sites, h);
  const conn = await connect(sb, client, siteOf("us2-fed"), h);
  // Another process refreshed and stored it (rotation off): our copy is older, the stored one wins.
  await settings(sb, { rotateRefreshTokens: false });
  const { client: otherProcess } = makeClient(sites, h);
  const stored = h.conn(await otherProcess.refresh(conn));
  assert.equal(client.latest(stored).accessToken, stored.accessToken);
  assert.equal((await client.request(conn, incidents)).status, 200);
  await h.rejects(client.request(null, incidents), "invalid_input");
  await h.rejects(client.request(conn, { method: "GET", path: "https://evil.example/x" }), "invalid_input");
  client.forget(conn);
  assert.equal(client.latest(conn), conn);
  await settings(sb, { rotateRefreshTokens: true });
});

test("refreshDue only turns true as time passes, never back: what the client's look-ahead relies on", () => {
  // DatadogClient asks the core a few seconds ahead and takes "not due then" for "not due until then".
  const site = resolveSite("us1");
  const expiresAt = 10_000_000;
  const base = { site, domain: site.site, accessToken: "a".repeat(40), refreshToken: "r".repeat(40), tokenType: "Bearer", expiresAt, scopes: [], createdAt: 0, updatedAt: 0 };
  for (const marginMs of [undefined, 0, 1, 30_000, 60_000, 3_600_000]) {
    for (const connection of [base, { ...base, accessToken: "" }]) {
      // A grid over the token's life plus the instants either side of the margin and of expiry, in order.
      const edge = expiresAt - (marginMs ?? 60_000);
      const times = [...Array.from({ length: 50 }, (_, i) => i * 250_000), edge - 1, edge, edge + 1, expiresAt - 1, expiresAt, expiresAt + 1]
        .filter((t) => t >= 0).sort((a, b) => a - b);
      let seenDue = false;
      for (const now of times) {
        const due = refreshDue({ connection, now, ...(marginMs === undefined ? {} : { marginMs }) });
        assert.ok(due || !seenDue, `due went back to false at ${now} (margin ${marginMs})`);
        seenDue ||= due;
      }
      assert.ok(seenDue, "due by expiry");
    }
  }
});

test("whether a token is due is asked again once the clock moves on or the stored copy changes", async () => {
  // The client asks the core a few seconds ahead and skips asking again meanwhile: never past what it asked about.
  let clock = Date.now();
  const store = memoryStore();
  const { client } = makeClient(sites, h, { now: () => clock, store });
  const conn = await connect(sb, client, siteOf("us3"), h);
  const refreshes = async () => (await stats(sb)).token.refresh_token;
  const r0 = await refreshes();
  for (let i = 0; i < 3; i++) assert.equal((await client.request(conn, incidents)).status, 200);
  assert.equal(await refreshes(), r0, "not due: no refresh");
  // Within a second the clock reaches the refresh margin (60 s before expiry): due now, so refreshed first.
  clock = conn.expiresAt - 30_000;
  assert.equal((await client.request(conn, incidents)).status, 200);
  assert.equal(await refreshes(), r0 + 1, "due once the clock passed the margin");
  assert.equal((await client.request(conn, incidents)).status, 200);
  assert.equal(await refreshes(), r0 + 1, "the refreshed token is not due");
  // At the same clock, another process stored a copy that expires within the margin: asked again, refreshed.
  const cur = await store.get(conn.id);
  const edited = { ...cur.connection, expiresAt: clock + 30_000 };
  assert.ok((await store.compareAndSet(conn.id, cur.version, { status: cur.status, owner: cur.owner, site: cur.site, connection: edited })).ok);
  assert.equal((await client.request(conn, incidents)).status, 200);
  assert.equal(await refreshes(), r0 + 2, "the edited stored copy is due");
});

test("a connection parsed from JSON with its own `__proto__` key: the client's copies keep a plain prototype", async () => {
  const { client } = makeClient(sites, h);
  const conn = await connect(sb, client, siteOf("us1"), h);
  // JSON.parse makes `__proto__` an own data key; copying it with Object.assign would set the copy's prototype.
  const text = JSON.stringify(conn).replace(/^\{/, '{"__proto__":{"polluted":true,"accessToken":"from-the-prototype"},');
  const loaded = JSON.parse(text);
  assert.ok(Object.hasOwn(loaded, "__proto__"));
  // A restarted process (an empty memory store) is handed it: stored as given, then read back and decorated.
  const { client: restarted } = makeClient(sites, h);
  assert.equal((await restarted.request(loaded, incidents)).status, 200);
  const plain = (got) => {
    assert.equal(Object.getPrototypeOf(got), Object.prototype);
    assert.equal(got.polluted, undefined);
    assert.equal(got.accessToken, conn.accessToken);
  };
  plain(restarted.latest(loaded));
  plain(await restarted.getConnection(conn.id));
  const refreshed = await restarted.refresh(conn.id);
  assert.equal(Object.getPrototypeOf(refreshed), Object.prototype);
  assert.equal(refreshed.polluted, undefined);
});

test("secret hygiene: no secret appeared in any error, report or console line of this suite", () => {
  // The client itself, printed or serialised, shows no secret either.
  const { client } = makeClient(sites, h);
  h.report(inspect(client, { depth: 10, showHidden: true }));
  h.report(client);
  const { secrets, texts } = h.check();
  assert.ok(secrets > 20 && texts > 40, `${secrets} secrets against ${texts} texts`);
});
