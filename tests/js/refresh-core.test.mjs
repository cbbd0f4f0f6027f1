// Issue 16: a refresh's two core calls as the client makes them (js/client.js, the custom sites trimmed by
// js/sites.js) answer what the sans-IO pair answers. Happy paths and their hostile twins: a core rebuilt by a trap
// between the two calls, a refused refresh token echoed with secrets, a run of network failures, custom sites not
// listed, forged, bad or changed after their check.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as dd from "datadog-oauth-wasm";

const { DatadogClient, DatadogError } = dd;
const nine = dd.sites().map((s, i) => dd.customSite({ id: `stub-${s.id}`, name: `Stub ${s.name}`, site: s.site, appOrigin: `http://127.0.0.1:${9100 + i}`, apiOrigin: `http://127.0.0.1:${9200 + i}` }));
const RT = "rt_core_0123456789abcdef0123456789";
const body = (n) => JSON.stringify({ access_token: `at_new_${n}_0123456789abcdef`, token_type: "bearer", expires_in: 3600, refresh_token: `rt_new_${n}_0123456789abcdef`, scope: "api_keys_write" });
const answer = (n) => new Response(body(n), { status: 200, headers: { "content-type": "application/json" } });

function connection(site, extra = {}) {
  const now = Date.now();
  return { site, domain: site.site, accessToken: "at_old_0123456789abcdef", refreshToken: RT, tokenType: "bearer", expiresAt: now + 3600e3, scopes: ["api_keys_write"], createdAt: now - 10, updatedAt: now - 10, ...extra };
}

/** What the sans-IO pair answers for `conn` (the connection path, unchanged), at `now`. */
function sansIo(conn, n, now, opts = {}) {
  const response = { status: 200, headers: { "content-type": "application/json" }, body: body(n) };
  return dd.parseRefreshResponse({ response, connection: conn, now, ...opts });
}

const strip = (c) => {
  // eslint-disable-next-line no-unused-vars
  const { status, owner, version, ...rest } = c;
  return rest;
};

for (const [name, site, sites] of [["a built-in site, vanity host", dd.resolveSite("acme.datadoghq.eu"), undefined], ["a custom site of nine", nine[3], nine]]) {
  test(`the client's refresh answers what the sans-IO parse answers: ${name}`, async () => {
    const now = 1_800_000_000_000;
    const conn = connection(site, { id: "conn-core-1", apiKey: "" });
    const client = new DatadogClient({ clientId: "cid", clientSecret: "cs_0123456789", fetch: async () => answer(1), now: () => now, sites });
    const got = await client.refresh(conn);
    assert.deepEqual(strip(got), sansIo(conn, 1, now, { sites }));
    assert.equal(got.status, "connected");
    // And again from the rotated copy.
    const again = new DatadogClient({ clientId: "cid", clientSecret: "cs_0123456789", fetch: async () => answer(2), now: () => now + 1, sites });
    assert.deepEqual(strip(await again.refresh(strip(got))), sansIo(strip(got), 2, now + 1, { sites }));
  });
}

test("a core rebuilt by a trap between the request and its answer: the refresh goes on, its errors are as before", async () => {
  const conn = connection(nine[0], { id: "conn-core-trap" });
  const client = new DatadogClient({
    clientId: "cid",
    sites: nine,
    fetch: async () => {
      assert.throws(() => dd.__trap({ kind: "unreachable" }), (e) => DatadogError.is(e, "internal_error"));
      return answer(4);
    },
  });
  const got = await client.refresh(conn);
  assert.equal(got.accessToken, "at_new_4_0123456789abcdef");
  assert.equal(got.site.apiOrigin, nine[0].apiOrigin);
  // A refused refresh token is invalid_grant, then needs_reauth.
  const refusing = new DatadogClient({
    clientId: "cid",
    sites: nine,
    fetch: async () => {
      assert.throws(() => dd.__trap({ kind: "unreachable" }), (e) => DatadogError.is(e, "internal_error"));
      return new Response(JSON.stringify({ error: "invalid_grant", error_description: `refresh token ${RT} is revoked` }), { status: 400, headers: { "content-type": "application/json" } });
    },
  });
  const e = await refusing.refresh(connection(nine[0], { id: "conn-core-trap-2" })).catch((err) => err);
  assert.ok(DatadogError.is(e, "invalid_grant"), e.message);
  assert.ok(!JSON.stringify(e).includes(RT) && !e.message.includes(RT));
  await assert.rejects(refusing.refresh("conn-core-trap-2"), (err) => DatadogError.is(err, "invalid_grant") && /needs_reauth/.test(err.message));
});

test("a refused refresh token: the sans-IO parse's error, without the secrets it echoed", async () => {
  const conn = connection(dd.resolveSite("us3"), { apiKey: "key_core_0123456789abcdef0123" });
  const echo = `{"error":"invalid_grant","error_description":"${RT} with ${conn.accessToken} and ${conn.apiKey} refused"}`;
  const client = new DatadogClient({ clientId: "cid", clientSecret: "cs_core_secret_0123", fetch: async () => new Response(echo, { status: 400, headers: { "content-type": "application/json" } }) });
  const e = await client.refresh(conn).catch((err) => err);
  const want = (() => {
    try {
      dd.parseRefreshResponse({ response: { status: 400, headers: { "content-type": "application/json" }, body: echo }, connection: conn, now: Date.now(), clientSecret: "cs_core_secret_0123" });
    } catch (err) {
      return err;
    }
    return null;
  })();
  assert.ok(DatadogError.is(e, "invalid_grant"));
  assert.equal(e.message, want.message);
  assert.equal(e.hint, want.hint);
  for (const s of [RT, conn.accessToken, conn.apiKey, "cs_core_secret_0123"]) assert.ok(!JSON.stringify(e).includes(s) && !e.message.includes(s), s);
});

test("a run of network failures leaves nothing behind: the next refresh works", async () => {
  let fail = true;
  const client = new DatadogClient({
    clientId: "cid",
    retry: false,
    fetch: async () => {
      if (fail) throw new TypeError("fetch failed");
      return answer(5);
    },
  });
  const conn = connection(dd.resolveSite("ap1"), { id: "conn-core-net" });
  for (let i = 0; i < 30; i++) await assert.rejects(client.refresh(conn), (e) => DatadogError.is(e, "network_error"));
  fail = false;
  const got = await client.refresh(conn);
  assert.equal(got.accessToken, "at_new_5_0123456789abcdef");
});

// The client's custom sites go whole to the core until a call with them succeeded; then only those that can be the
// connection's own site (js/sites.js). Hostile twins: a list changed afterwards, a bad entry, a site not listed.
test("custom sites: after the first refresh only the connection's own go along; the answers stay the sans-IO ones", async () => {
  const sent = [];
  const client = new DatadogClient({ clientId: "cid", sites: nine, fetch: async () => answer(sent.length), now: () => 1_800_000_000_000 });
  let conn = connection(nine[5], { id: "conn-sites-1" });
  for (let i = 0; i < 4; i++) {
    const before = strip(conn);
    sent.push(1);
    conn = await client.refresh(conn);
    assert.deepEqual(strip(conn), sansIo(before, sent.length, 1_800_000_000_000, { sites: nine }));
    assert.equal(conn.site.apiOrigin, nine[5].apiOrigin);
  }
  // A descriptor whose site parameter differs in case and spaces is the same site to the core, so it is sent along.
  const loose = { ...nine[3], site: ` ${nine[3].site.toUpperCase()} ` };
  const byLoose = await client.refresh(connection(loose, { id: "conn-sites-loose", domain: nine[3].site }));
  assert.equal(byLoose.site.apiOrigin, nine[3].apiOrigin);
  // A connection naming its site as text is resolved against the whole list.
  const byText = await client.refresh(connection(nine[2].id, { id: "conn-sites-text" }));
  assert.equal(byText.site.apiOrigin, nine[2].apiOrigin);
});

test("hostile: a custom site not listed is refused after the list was checked, as before", async () => {
  const client = new DatadogClient({ clientId: "cid", sites: nine.slice(0, 4), fetch: async () => answer(7) });
  await client.refresh(connection(nine[1], { id: "conn-sites-ok" }));
  const e = await client.refresh(connection(nine[6], { id: "conn-sites-unlisted" })).catch((err) => err);
  assert.ok(DatadogError.is(e, "invalid_site"), e.message);
  // The same site parameter, other origins: matched loosely by site, then refused by the core on its origins.
  const forged = { ...nine[1], apiOrigin: "http://127.0.0.1:1", logsOrigin: "http://127.0.0.1:1" };
  const f = await client.refresh(connection(forged, { id: "conn-sites-forged" })).catch((err) => err);
  assert.ok(DatadogError.is(f, "invalid_site"), f.message);
});

test("hostile: a list with a bad entry fails every refresh; a list changed after its check goes whole again", async () => {
  const bad = [...nine.slice(0, 3), { ...nine[3], appOrigin: "ftp://127.0.0.1:1" }];
  const sending = new DatadogClient({ clientId: "cid", sites: bad, fetch: async () => answer(8) });
  for (let i = 0; i < 3; i++) {
    const e = await sending.refresh(connection(nine[0], { id: `conn-sites-bad-${i}` })).catch((err) => err);
    assert.ok(DatadogError.is(e, "invalid_site"), e.message);
  }
  const list = nine.slice(0, 4);
  const client = new DatadogClient({ clientId: "cid", sites: list, fetch: async () => answer(9) });
  await client.refresh(connection(nine[0], { id: "conn-sites-live" }));
  // The caller edits the array it passed: a bad entry in it now fails the next call, as it always did.
  list.push({ ...nine[4], apiOrigin: "ftp://127.0.0.1:1" });
  const e = await client.refresh(connection(nine[0], { id: "conn-sites-live-2" })).catch((err) => err);
  assert.ok(DatadogError.is(e, "invalid_site"), e.message);
  // And an entry edited in place (its origins moved) no longer honours connections on the old origins.
  list.pop();
  list[0] = { ...nine[0], apiOrigin: "http://127.0.0.1:2", appOrigin: "http://127.0.0.1:2", logsOrigin: "http://127.0.0.1:2", eventIntakeOrigin: "http://127.0.0.1:2", otlpOrigin: "http://127.0.0.1:2" };
  const moved = await client.refresh(connection(nine[0], { id: "conn-sites-live-3" })).catch((err) => err);
  assert.ok(DatadogError.is(moved, "invalid_site"), moved.message);
});

// The same rule for the other calls about a stored connection (the due check, request(), the API key, revoke).
test("request(), createApiKey and revoke on a custom site: trimmed after a success, and a list edited afterwards fails as before", async () => {
  const list = nine.slice(0, 5);
  const seen = [];
  const client = new DatadogClient({
    clientId: "cid",
    sites: list,
    fetch: async (url) => {
      seen.push(String(url));
      if (String(url).includes("/api_keys")) return new Response(JSON.stringify({ data: { type: "api_keys", id: "k1", attributes: { key: "key_core_0123456789abcdef0123", name: "n" } } }), { status: 201, headers: { "content-type": "application/json" } });
      if (String(url).includes("/revoke")) return new Response("", { status: 200 });
      return new Response(JSON.stringify({ data: [] }), { status: 200, headers: { "content-type": "application/json" } });
    },
  });
  const conn = connection(nine[2], { id: "conn-sites-api" });
  for (let i = 0; i < 3; i++) assert.deepEqual((await client.request(conn, { method: "GET", path: "/api/v2/users" })).body, { data: [] });
  assert.ok(seen.every((u) => u.startsWith(nine[2].apiOrigin)), seen.join(" "));
  const keyed = await client.createApiKey(conn);
  assert.equal(keyed.apiKey, "key_core_0123456789abcdef0123");
  // An unlisted site is refused after the check, as before.
  await assert.rejects(client.request(connection(nine[7], { id: "conn-sites-api-2" }), { method: "GET", path: "/api/v2/users" }), (e) => DatadogError.is(e, "invalid_site"));
  // The caller puts a bad entry in the array it passed: every call fails again, the due check first.
  list.push({ ...nine[6], appOrigin: "ftp://127.0.0.1:1" });
  await assert.rejects(client.request(conn, { method: "GET", path: "/api/v2/users" }), (e) => DatadogError.is(e, "invalid_site"));
  await assert.rejects(client.revoke(conn), (e) => DatadogError.is(e, "invalid_site"));
  list.pop();
  assert.deepEqual((await client.revoke(conn)).revoked, true);
});
