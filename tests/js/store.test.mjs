// The connection store through the client, on the default memoryStore: the conformance suite, connections by id
// from any client sharing the store, listing by site/status/owner, deletion, ownership, one exchange per
// authorization (the state claim), one refresh across clients, invalid_grant that never discards a newer version,
// needs_reauth, outcome-unknown refreshes, and a store outage (store_unavailable, then recovery, nothing lost).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { control, authorizeAs } from "../../sandbox/testkit.mjs";
import { DatadogError, memoryStore, startAuthorization, parseCallback } from "datadog-oauth-wasm";
import { CLIENT_ID, REDIRECT, sandbox, stats, settings, hygiene, makeClient, connect } from "./support.mjs";
import { conformance } from "./support/store-conformance.mjs";

let sb;
let sites;
let siteOf;
const h = hygiene();
const incidents = { method: "GET", path: "/api/v2/incidents" };
const series = (n = 1) => Array.from({ length: n }, (_, i) => ({ metric: "store.test", type: 3, points: [{ timestamp: Math.floor(Date.now() / 1000), value: i }] }));

before(async () => {
  ({ sb, sites, siteOf } = await sandbox());
});

after(async () => {
  h.restore();
  await sb?.close();
});

/** Authorize in the sandbox; returns the callback result plus `state` and `codeVerifier` for exchangeCode. */
async function authorize(site) {
  const { url, pending } = startAuthorization({ clientId: CLIENT_ID, redirectUri: REDIRECT, site });
  h.secret(pending.codeVerifier);
  const u = new URL(url);
  const auth = await authorizeAs(sb, site.id.replace(/^sandbox-/, ""), { redirectUri: REDIRECT, state: u.searchParams.get("state"), challenge: u.searchParams.get("code_challenge") });
  const cb = parseCallback(auth.redirect.href, pending, { sites: [site] });
  h.secret(cb.code);
  return { ...cb, state: pending.state, codeVerifier: pending.codeVerifier };
}

const refreshes = async () => (await stats(sb)).token.refresh_token;

test("memoryStore passes the store conformance suite", async (t) => {
  await conformance(t, () => memoryStore());
});

test("memoryStore is bounded: least recently used connections and oldest claims are forgotten", async () => {
  const s = memoryStore({ maxConnections: 3, maxClaims: 2 });
  for (const id of ["a", "b", "c"]) await s.compareAndSet(id, 0, { status: "connected", site: "eu1", connection: { id } });
  await s.get("a"); // a is now the most recently used
  await s.compareAndSet("d", 0, { status: "connected", site: "eu1", connection: { id: "d" } });
  assert.equal(await s.get("b"), null);
  assert.ok(await s.get("a"));
  for (const k of ["k1", "k2", "k3"]) assert.equal(await s.claim(k, 60_000), true);
  assert.equal(await s.claim("k3", 60_000), false);
  assert.throws(() => memoryStore({ maxConnections: 0 }), (e) => e.code === "invalid_input");
});

test("connections by id: get, every method, list by site/status/owner with a cursor, delete", async () => {
  await settings(sb, { rotateRefreshTokens: true });
  const store = memoryStore();
  const { client } = makeClient(sites, h, { store });
  const made = [];
  for (const [i, s] of ["us1", "eu1", "us1", "ap1", "us1"].entries()) {
    made.push(h.conn(await client.exchangeCode({ ...(await authorize(siteOf(s))), owner: i % 2 ? "user-2" : "user-1" })));
  }
  const conn = made[0];
  assert.equal(typeof conn.id, "string");
  assert.equal(conn.status, "connected");
  assert.equal(conn.owner, "user-1");
  assert.equal(conn.version, 1);

  // Another client (instance) on the same store knows it by id alone.
  const { client: other } = makeClient(sites, h, { store });
  const got = await other.getConnection(conn.id);
  assert.equal(got.accessToken, conn.accessToken);
  assert.equal(got.owner, "user-1");
  assert.equal(await other.getConnection("no-such-id"), null);
  assert.equal((await other.request(conn.id, incidents)).status, 200);
  await control(sb, "DELETE", `/_sandbox/api-keys?org=${conn.orgId}`);
  h.conn(await other.createApiKey(conn.id));
  const report = await client.submitMetrics(conn.id, series(3));
  assert.equal(report.accepted, 3);
  const refreshed = h.conn(await other.refresh(conn.id));
  assert.notEqual(refreshed.refreshToken, conn.refreshToken);
  assert.equal(refreshed.version, 3);
  assert.ok(refreshed.apiKey, "the key (stored by the other client) survives the refresh");
  // The first client, holding the old object, uses the newest tokens from the store (the old refresh token is dead).
  await control(sb, "POST", "/_sandbox/expire-tokens");
  const before = await refreshes();
  assert.equal((await client.request(conn, incidents)).status, 200);
  assert.equal(await refreshes(), before + 1);

  // Listing.
  const us1 = await client.listConnections({ site: siteOf("us1").id });
  assert.deepEqual(us1.connections.map((c) => c.id).sort(), [made[0].id, made[2].id, made[4].id].sort());
  assert.equal(us1.cursor, null);
  const mine = await client.listConnections({ owner: "user-2" });
  assert.deepEqual(mine.connections.map((c) => c.id).sort(), [made[1].id, made[3].id].sort());
  const pages = [];
  let cursor = null;
  do {
    const p = await client.listConnections({ limit: 2, cursor, status: "connected" });
    pages.push(p.connections.map((c) => c.id));
    cursor = p.cursor;
  } while (cursor);
  assert.equal(pages.flat().length, 5);
  assert.equal(new Set(pages.flat()).size, 5);
  await h.rejects(client.listConnections({ status: "gone" }), "invalid_input");
  await h.rejects(client.listConnections({ cursor: "forged" }), "invalid_input");

  // Deletion: gone for every client on the store.
  assert.deepEqual(await client.deleteConnection(made[4].id), { deleted: true });
  assert.equal(await other.getConnection(made[4].id), null);
  await h.rejects(other.request(made[4].id, incidents), "connection_not_found");
  assert.deepEqual(await client.deleteConnection(made[4].id), { deleted: false });
  // Hostile ids.
  await h.rejects(client.request("", incidents), "invalid_input");
  await h.rejects(client.request("x".repeat(5000), incidents), "invalid_input");
  await h.rejects(client.exchangeCode({ ...(await authorize(siteOf("eu1"))), owner: 42 }), "invalid_input");
});

test("one exchange per authorization: a second exchangeCode of the same state is authorization_used and sends nothing", async () => {
  const claims = [];
  const base = memoryStore();
  const store = { ...Object.fromEntries(["get", "compareAndSet", "lease", "release", "list", "delete"].map((m) => [m, base[m].bind(base)])), claim: (k, ttl) => (claims.push(k), base.claim(k, ttl)) };
  const { client, changes } = makeClient(sites, h, { store });
  const cb = await authorize(siteOf("eu1"));
  const conn = h.conn(await client.exchangeCode(cb));
  const exchanges = (await stats(sb)).token.authorization_code;
  const e = await h.rejects(client.exchangeCode(cb), "authorization_used");
  assert.match(e.hint, /start the authorization again|first exchange/);
  assert.equal((await stats(sb)).token.authorization_code, exchanges, "the code was not sent again");
  // Another client on the same store refuses it too; the first connection still works (the grant was not burned).
  const { client: other } = makeClient(sites, h, { store });
  await h.rejects(other.exchangeCode(cb), "authorization_used");
  assert.equal((await client.request(conn.id, incidents)).status, 200);
  assert.deepEqual(changes.map((c) => c.reason), ["exchange"]);
  // The store saw a hash of the state, never the state.
  assert.equal(claims[0], `authorization:${createHash("sha256").update(cb.state).digest("hex")}`);
  assert.ok(claims.every((k) => !k.includes(cb.state)));
  await h.rejects(client.exchangeCode({ ...cb, state: 12 }), "invalid_input");
});

test("one refresh across clients sharing a store: tokens refused, 3 clients x 10 calls, one refresh, 0 invalid_grant", async () => {
  await settings(sb, { rotateRefreshTokens: true });
  const store = memoryStore();
  const clients = Array.from({ length: 3 }, () => makeClient(sites, h, { store }).client);
  const conns = [];
  for (const s of ["us3", "eu1", "ap2"]) conns.push(h.conn(await clients[0].exchangeCode(await authorize(siteOf(s)))));
  await control(sb, "POST", "/_sandbox/expire-tokens");
  const s0 = await stats(sb);
  const results = await Promise.all(clients.flatMap((c) => conns.flatMap((conn) => Array.from({ length: 10 }, () => c.request(conn.id, incidents)))));
  assert.ok(results.every((r) => r.status === 200));
  const s1 = await stats(sb);
  assert.equal(s1.token.refresh_token - s0.token.refresh_token, conns.length, "exactly one refresh per connection");
  assert.equal(s1.token.errors - s0.token.errors, 0, "no invalid_grant");
  for (const conn of conns) assert.equal((await store.get(conn.id)).version, 2);
});

test("invalid_grant never discards a newer version: two refreshes race without a lease, the loser adopts the winner's tokens", async () => {
  await settings(sb, { rotateRefreshTokens: true });
  const base = memoryStore();
  // A store whose lease never excludes anyone: both clients send a refresh with the same refresh token.
  const leaky = { ...Object.fromEntries(["get", "compareAndSet", "release", "list", "delete", "claim"].map((m) => [m, base[m].bind(base)])), lease: async () => true };
  const { client: a, changes } = makeClient(sites, h, { store: leaky });
  const { client: b } = makeClient(sites, h, { store: leaky });
  const conn = h.conn(await a.exchangeCode(await authorize(siteOf("us5"))));
  const s0 = await stats(sb);
  const [ra, rb] = await Promise.all([a.refresh(conn.id), b.refresh(conn.id)]);
  h.conn(ra);
  h.conn(rb);
  const s1 = await stats(sb);
  assert.equal(s1.token.refresh_token - s0.token.refresh_token, 1, "one refresh granted");
  assert.equal(s1.token.errors - s0.token.errors, 1, "the other was refused");
  assert.equal(ra.refreshToken, rb.refreshToken, "both ended with the winner's tokens");
  const stored = await base.get(conn.id);
  assert.equal(stored.status, "connected");
  assert.equal(stored.connection.refreshToken, ra.refreshToken);
  assert.ok(!changes.some((c) => c.reason === "needs_reauth"));
  assert.equal((await a.request(conn.id, incidents)).status, 200);
});

test("needs_reauth: only when the newest stored refresh token is refused; hook told, listed, calls refused with the re-authorize hint", async () => {
  const store = memoryStore();
  const { client, changes } = makeClient(sites, h, { store });
  const conn = h.conn(await client.exchangeCode(await authorize(siteOf("eu1"))));
  // The user removed the integration in Datadog: the grant is gone.
  await makeClient(sites, h).client.revoke({ ...conn, id: undefined });
  const e = await h.rejects(client.refresh(conn.id), "invalid_grant");
  assert.match(e.hint, /authorize again/);
  assert.equal(changes.at(-1).reason, "needs_reauth");
  assert.equal(changes.at(-1).conn.status, "needs_reauth");
  assert.equal((await client.getConnection(conn.id)).status, "needs_reauth");
  assert.deepEqual((await client.listConnections({ status: "needs_reauth" })).connections.map((c) => c.id), [conn.id]);
  const before = await stats(sb);
  const again = await h.rejects(client.request(conn.id, incidents), "invalid_grant");
  assert.match(again.hint, /authorize again/);
  assert.equal((await stats(sb)).token.errors, before.token.errors, "nothing sent for a needs_reauth connection");
});

test("revoke: status revoked in the store, refused by every client sharing it, forgotten by the client", async () => {
  const store = memoryStore();
  const { client } = makeClient(sites, h, { store });
  const { client: other } = makeClient(sites, h, { store });
  const conn = h.conn(await client.exchangeCode(await authorize(siteOf("ap1"))));
  assert.deepEqual(await client.revoke(conn.id), { revoked: true });
  assert.equal((await store.get(conn.id)).status, "revoked");
  await h.rejects(other.request(conn.id, incidents), "token_revoked");
  await h.rejects(client.request(conn, incidents), "token_revoked");
  assert.deepEqual((await client.listConnections({ status: "revoked" })).connections.map((c) => c.id), [conn.id]);
});

/** A fetch that lets the refresh reach the sandbox, then loses its answer (outcome unknown) while `lose` is set. */
function losingFetch() {
  const f = async (url, init) => {
    const res = await fetch(url, init);
    if (f.lose && String(init.body ?? "").includes("grant_type=refresh_token")) {
      f.lose = false;
      await res.text();
      throw new TypeError("fetch failed", { cause: new Error("socket hang up") });
    }
    return res;
  };
  f.lose = false;
  return f;
}

test("a refresh whose answer was lost is not resent blindly; with a grace period the next call recovers", async () => {
  await settings(sb, { rotateRefreshTokens: true, refreshGraceSeconds: 30 });
  try {
    const f = losingFetch();
    const { client } = makeClient(sites, h, { fetch: f, retry: false });
    const conn = h.conn(await client.exchangeCode(await authorize(siteOf("us1"))));
    const s0 = await stats(sb);
    f.lose = true;
    await h.rejects(client.refresh(conn.id), "network_error");
    assert.equal((await stats(sb)).token.refresh_token - s0.token.refresh_token, 1, "sent once, not replayed");
    // The server rotated; the old refresh token still works within the grace period.
    const next = h.conn(await client.refresh(conn.id));
    assert.notEqual(next.refreshToken, conn.refreshToken);
    assert.equal((await client.request(conn.id, incidents)).status, 200);
  } finally {
    await settings(sb, { refreshGraceSeconds: 0 });
  }
});

test("without a grace period, a lost rotation ends in needs_reauth (the honest outcome), never a silent loop", async () => {
  await settings(sb, { rotateRefreshTokens: true, refreshGraceSeconds: 0 });
  const f = losingFetch();
  const { client, changes } = makeClient(sites, h, { fetch: f, retry: false });
  const conn = h.conn(await client.exchangeCode(await authorize(siteOf("us1"))));
  f.lose = true;
  await h.rejects(client.refresh(conn.id), "network_error");
  await h.rejects(client.refresh(conn.id), "invalid_grant");
  assert.equal(changes.at(-1).reason, "needs_reauth");
});

test("store outage: store_unavailable (no secret), new tokens kept and written before use, nothing lost", async () => {
  await settings(sb, { rotateRefreshTokens: true });
  const base = memoryStore();
  let down = false;
  const guard = (fn) => async (...a) => {
    if (down) throw Object.assign(new Error(`connect ECONNREFUSED with ${JSON.stringify(a)}`), { code: "ECONNREFUSED" });
    return fn(...a);
  };
  const store = Object.fromEntries(["get", "compareAndSet", "lease", "release", "list", "delete", "claim"].map((m) => [m, guard(base[m].bind(base))]));
  // The outage starts right after the refresh is sent: the new tokens cannot be stored.
  const f = async (url, init) => {
    const res = await fetch(url, init);
    if (String(init.body ?? "").includes("grant_type=refresh_token")) down = true;
    return res;
  };
  const { client, changes } = makeClient(sites, h, { store, fetch: f });
  const conn = h.conn(await client.exchangeCode(await authorize(siteOf("eu1"))));
  const s0 = await stats(sb);
  const e = await h.rejects(client.refresh(conn.id), "store_unavailable");
  assert.equal(e.connectionId, conn.id);
  assert.ok(!e.message.includes(conn.refreshToken) && !e.message.includes("ECONNREFUSED with"), e.message);
  await h.rejects(client.request(conn.id, incidents), "store_unavailable");
  assert.equal((await base.get(conn.id)).connection.refreshToken, conn.refreshToken, "the store still has the old tokens");
  down = false;
  // The kept tokens are written first, then used: no second refresh (the old refresh token is dead: rotation).
  assert.equal((await client.request(conn.id, incidents)).status, 200);
  const stored = await base.get(conn.id);
  assert.notEqual(stored.connection.refreshToken, conn.refreshToken);
  h.conn(stored.connection);
  assert.equal((await stats(sb)).token.refresh_token - s0.token.refresh_token, 1);
  assert.equal((await stats(sb)).token.errors - s0.token.errors, 0);
  assert.deepEqual(changes.map((c) => c.reason).slice(-1), ["retry_save"]);
  // A claim during an outage fails closed: nothing is sent.
  const cb = await authorize(siteOf("eu1"));
  down = true;
  const codes = (await stats(sb)).token.authorization_code;
  await h.rejects(client.exchangeCode(cb), "store_unavailable");
  assert.equal((await stats(sb)).token.authorization_code, codes);
  down = false;
});

test("a store missing a method is refused at construction", () => {
  assert.throws(() => makeClient(sites, h, { store: { get() {} } }), (e) => DatadogError.is(e, "invalid_input") && e.field === "store");
});

test("secret hygiene of this suite", () => {
  h.check();
});
