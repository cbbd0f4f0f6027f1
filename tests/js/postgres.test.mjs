// postgresStore against a real, throwaway PostgreSQL 15 (fails, never skips, when it cannot start one): the store
// conformance suite, the client end to end through it, secrets sealed at rest (AES-256-GCM, the connection id as
// associated data, key ids, previousEncryptionKeys and reencrypt()), hostile rows, a restart mid-run
// (store_unavailable, then success, nothing lost), and a dump of every table scanned for every secret.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { control } from "../../sandbox/testkit.mjs";
import { DatadogError, hostError, startAuthorization, parseCallback } from "datadog-oauth-wasm";
import { postgresStore, postgresSchema } from "datadog-oauth-wasm/postgres";
import { findSecrets } from "../../scripts/secret-scan.mjs";
import { startPostgres } from "./support/pg.mjs";
import { conformance } from "./support/store-conformance.mjs";
import { CLIENT_ID, CLIENT_SECRET, REDIRECT, sandbox, stats, settings, hygiene, makeClient } from "./support.mjs";
import { authorizeAs } from "../../sandbox/testkit.mjs";

let db;
let sb;
let sites;
let siteOf;
const h = hygiene();
const stores = [];
const KEY1 = randomBytes(32).toString("base64");
const KEY2 = randomBytes(32).toString("base64");
const incidents = { method: "GET", path: "/api/v2/incidents" };
let tables = 0;

/** A store on a table of its own (so each case starts empty). */
function store(opts = {}) {
  const s = postgresStore({ connectionString: db.connectionString, encryptionKey: KEY1, table: opts.table ?? `t${++tables}`, ...opts });
  stores.push(s);
  return s;
}

before(async () => {
  db = await startPostgres();
  ({ sb, sites, siteOf } = await sandbox());
});

after(async () => {
  h.restore();
  for (const s of stores) await s.close().catch(() => {});
  await sb?.close();
  await db?.stop();
});

async function authorize(site) {
  const { url, pending } = startAuthorization({ clientId: CLIENT_ID, redirectUri: REDIRECT, site, sites: [site] });
  h.secret(pending.codeVerifier);
  h.secret(pending.state);
  const u = new URL(url);
  const auth = await authorizeAs(sb, site.id.replace(/^sandbox-/, ""), { redirectUri: REDIRECT, state: u.searchParams.get("state"), challenge: u.searchParams.get("code_challenge") });
  return { ...parseCallback(auth.redirect.href, pending, { sites: [site] }), state: pending.state, codeVerifier: pending.codeVerifier };
}

const sql = (text, params) => db.sql(text, params);

test("postgresStore passes the store conformance suite", async (t) => {
  await conformance(t, () => store());
});

test("refuses to start without a key unless encryption: false; bad options are typed errors", () => {
  const bad = (o, field) => assert.throws(() => postgresStore(o), (e) => h.error(e) && e.code === "invalid_input" && e.field === field);
  bad({ connectionString: "postgresql://x@127.0.0.1/db" }, "encryptionKey");
  bad({ connectionString: "postgresql://x@127.0.0.1/db", encryptionKey: "c2hvcnQ=" }, "encryptionKey");
  bad({ connectionString: "postgresql://x@127.0.0.1/db", encryptionKey: KEY1, table: "x; DROP TABLE y" }, "table");
  bad({ connectionString: "postgresql://x@127.0.0.1/db", encryptionKey: KEY1, previousEncryptionKeys: KEY2 }, "previousEncryptionKeys");
  bad({ encryptionKey: KEY1 }, "connectionString");
  bad({ connectionString: "postgresql://x@127.0.0.1/db", encryption: false, encryptionKey: KEY1 }, "encryption");
  const plain = postgresStore({ connectionString: "postgresql://x@127.0.0.1/db", encryption: false });
  assert.equal(typeof plain.get, "function");
  assert.match(postgresSchema(), /CREATE TABLE IF NOT EXISTS "public"."datadog_connections"/);
});

test("the client through postgresStore: exchange, by id from another instance, one refresh, list, delete", async () => {
  await settings(sb, { rotateRefreshTokens: true });
  const table = `t${++tables}`;
  const a = makeClient(sites, h, { store: store({ table }) }).client;
  const b = makeClient(sites, h, { store: store({ table }) }).client; // its own pool: another instance
  const conns = [];
  for (const [i, s] of ["us1", "eu1", "ap1"].entries()) conns.push(h.conn(await a.exchangeCode({ ...(await authorize(siteOf(s))), owner: `user-${i % 2}` })));
  const got = await b.getConnection(conns[0].id);
  assert.equal(got.accessToken, conns[0].accessToken);
  assert.equal(got.owner, "user-0");
  await control(sb, "POST", "/_sandbox/expire-tokens");
  const s0 = await stats(sb);
  const results = await Promise.all([a, b].flatMap((c) => conns.flatMap((conn) => Array.from({ length: 5 }, () => c.request(conn.id, incidents)))));
  assert.ok(results.every((r) => r.status === 200));
  const s1 = await stats(sb);
  assert.equal(s1.token.refresh_token - s0.token.refresh_token, conns.length, "one refresh per connection across both instances");
  assert.equal(s1.token.errors - s0.token.errors, 0);
  for (const c of conns) h.conn(await b.getConnection(c.id));
  assert.deepEqual((await b.listConnections({ owner: "user-0" })).connections.map((c) => c.id).sort(), [conns[0].id, conns[2].id].sort());
  assert.deepEqual((await b.listConnections({ site: siteOf("eu1").id })).connections.map((c) => c.id), [conns[1].id]);
  const page = await b.listConnections({ limit: 2 });
  assert.equal(page.connections.length, 2);
  assert.equal((await b.listConnections({ limit: 2, cursor: page.cursor })).connections.length, 1);
  // One exchange per authorization, across instances.
  const cb = await authorize(siteOf("us3"));
  h.conn(await a.exchangeCode(cb));
  await h.rejects(b.exchangeCode(cb), "authorization_used");
  assert.deepEqual(await b.deleteConnection(conns[2].id), { deleted: true });
  assert.equal(await a.getConnection(conns[2].id), null);
});

test("encrypted at rest: sealed per write, bound to the connection id, key id in the blob; copied or altered rows refused", async () => {
  const table = `t${++tables}`;
  const s = store({ table });
  const conn = { id: "conn-a", site: { id: "eu1" }, domain: "datadoghq.eu", accessToken: `at-${randomBytes(16).toString("hex")}`, refreshToken: `rt-${randomBytes(16).toString("hex")}`, apiKey: randomBytes(16).toString("hex"), tokenType: "Bearer", expiresAt: 1, scopes: [], createdAt: 1, updatedAt: 1 };
  await s.compareAndSet("conn-a", 0, { status: "connected", owner: null, site: "eu1", connection: conn });
  await s.compareAndSet("conn-a", 1, { status: "connected", owner: null, site: "eu1", connection: conn });
  const [row] = await sql(`SELECT * FROM ${table} WHERE id = 'conn-a'`);
  assert.match(row.secrets, /^v1:[0-9a-f]{16}:[A-Za-z0-9_-]+$/);
  const text = JSON.stringify(row);
  for (const secret of [conn.accessToken, conn.refreshToken, conn.apiKey]) assert.ok(!text.includes(secret));
  assert.deepEqual((await s.get("conn-a")).connection, conn);
  // A random nonce per write: the same secrets seal differently.
  const before = row.secrets;
  await s.compareAndSet("conn-a", 2, { status: "connected", owner: null, site: "eu1", connection: conn });
  assert.notEqual((await sql(`SELECT secrets FROM ${table} WHERE id = 'conn-a'`))[0].secrets, before);
  // Row swap: conn-a's sealed secrets copied onto conn-b do not open.
  await sql(`INSERT INTO ${table} (id, version, status, owner, site, data, secrets) SELECT 'conn-b', 1, status, owner, site, data, secrets FROM ${table} WHERE id = 'conn-a'`);
  await assert.rejects(s.get("conn-b"), (e) => h.error(e) && e.code === "decryption_failed" && !e.message.includes(conn.accessToken));
  // The Postgres entry raises the package's own DatadogError (one class, not a bundled copy), its hint the core's.
  await assert.rejects(s.get("conn-b"), (e) => e instanceof DatadogError && e.field === "connection" && e.hint === hostError("decryption_failed", "x").hint);
  const client = makeClient(sites, h, { store: s }).client;
  await h.rejects(client.request("conn-b", incidents), "decryption_failed");
  // Altered ciphertext, unknown key id, plaintext injected into an encrypted store.
  const flip = (t) => t.slice(0, -3) + (t.at(-3) === "A" ? "B" : "A") + t.slice(-2);
  await sql(`UPDATE ${table} SET secrets = $1 WHERE id = 'conn-b'`, [flip(before)]);
  await assert.rejects(s.get("conn-b"), (e) => e.code === "decryption_failed");
  await sql(`UPDATE ${table} SET secrets = $1 WHERE id = 'conn-b'`, [before.replace(/^v1:[0-9a-f]{16}:/, "v1:0000000000000000:")]);
  await assert.rejects(s.get("conn-b"), (e) => e.code === "decryption_failed");
  await sql(`UPDATE ${table} SET secrets = $1 WHERE id = 'conn-b'`, [`plain:${JSON.stringify({ accessToken: "injected-token" })}`]);
  await assert.rejects(s.get("conn-b"), (e) => e.code === "decryption_failed");
  // The wrong key opens nothing.
  const wrong = store({ table, encryptionKey: KEY2 });
  await assert.rejects(wrong.get("conn-a"), (e) => e.code === "decryption_failed");
});

test("key rotation: previousEncryptionKeys decrypt, reencrypt() moves every row to the current key", async () => {
  const table = `t${++tables}`;
  const old = store({ table });
  for (let i = 0; i < 30; i++) {
    const id = `k${String(i).padStart(2, "0")}`;
    await old.compareAndSet(id, 0, { status: "connected", owner: null, site: "us1", connection: { id, site: { id: "us1" }, accessToken: `at-${id}-${KEY1.slice(0, 4)}`, expiresAt: 1 } });
  }
  const rotating = store({ table, encryptionKey: KEY2, previousEncryptionKeys: [KEY1] });
  assert.equal((await rotating.get("k07")).connection.accessToken, `at-k07-${KEY1.slice(0, 4)}`);
  // A write during the rotation uses the new key.
  const k07 = await rotating.get("k07");
  await rotating.compareAndSet("k07", k07.version, { ...k07, connection: { ...k07.connection, accessToken: "at-k07-new" } });
  assert.deepEqual(await rotating.reencrypt({ batch: 7 }), { reencrypted: 29, current: 1 });
  assert.deepEqual(await rotating.reencrypt(), { reencrypted: 0, current: 30 });
  const only2 = store({ table, encryptionKey: KEY2 });
  const { records } = await only2.list({ limit: 100 });
  assert.equal(records.length, 30);
  assert.equal(records.find((r) => r.id === "k07").connection.accessToken, "at-k07-new");
  await assert.rejects(store({ table }).get("k01"), (e) => e.code === "decryption_failed", "the old key alone no longer opens rows");
  // From encryption: false to a key: plain rows are refused until reencrypt() seals them.
  const ptable = `t${++tables}`;
  const plain = store({ table: ptable, encryption: false, encryptionKey: undefined });
  await plain.compareAndSet("p1", 0, { status: "connected", owner: null, site: "us1", connection: { id: "p1", site: { id: "us1" }, accessToken: "plain-access-token", expiresAt: 1 } });
  assert.match((await sql(`SELECT secrets FROM ${ptable}`))[0].secrets, /^plain:/);
  const keyed = store({ table: ptable });
  await assert.rejects(keyed.get("p1"), (e) => e.code === "decryption_failed");
  assert.deepEqual(await keyed.reencrypt(), { reencrypted: 1, current: 0 });
  assert.equal((await keyed.get("p1")).connection.accessToken, "plain-access-token");
});

test("PostgreSQL restarted mid-run: store_unavailable (no secret), then success; nothing lost", async () => {
  const table = `t${++tables}`;
  const s = store({ table, connectTimeoutMs: 1000 });
  const { client } = makeClient(sites, h, { store: s });
  const conns = [];
  for (const site of ["us1", "eu1", "us5", "ap2"]) conns.push(h.conn(await client.exchangeCode(await authorize(siteOf(site)))));
  await db.stopServer("fast");
  let failures = 0;
  try {
    for (const c of conns) {
      const e = await h.rejects(client.request(c.id, incidents), "store_unavailable");
      assert.ok(!e.message.includes(db.connectionString) && !e.message.includes(c.accessToken), e.message);
      failures++;
    }
  } finally {
    await db.startServer();
  }
  assert.equal(failures, conns.length);
  await control(sb, "POST", "/_sandbox/expire-tokens");
  for (const c of conns) assert.equal((await client.request(c.id, incidents)).status, 200);
  assert.equal((await client.listConnections({ status: "connected" })).connections.length, conns.length, "no connection lost");
  for (const c of conns) h.conn(await client.getConnection(c.id));
});

test("a dump of every table holds none of the secrets the suite used (tokens, refresh tokens, API keys, codes, keys, states)", async () => {
  // An API key on one of them too.
  const s = store({ table: "dumped" });
  const { client } = makeClient(sites, h, { store: s });
  const conn = h.conn(await client.exchangeCode(await authorize(siteOf("us3"))));
  await control(sb, "DELETE", `/_sandbox/api-keys?org=${conn.orgId}`);
  h.conn(await client.createApiKey(conn.id));
  const dump = await db.dump();
  assert.match(dump, /COPY public\.dumped /, "the dump has the table");
  const secrets = new Map();
  for (const sec of (await control(sb, "GET", "/_sandbox/secrets")).body.secrets) secrets.set(sec.value, { kind: sec.kind });
  for (const k of [KEY1, KEY2, CLIENT_SECRET]) secrets.set(k, { kind: "key" });
  for (const v of h.secretsSeen()) secrets.set(v, { kind: "seen" });
  assert.ok(secrets.size > 40, `${secrets.size} secrets to look for`);
  const found = findSecrets(dump, secrets);
  assert.deepEqual(found.map((f) => `${f.info.kind} at line ${f.line}`), []);
});

test("hostile stored rows: a site rewritten in the data column is rebuilt from the site table; bad statuses refused by the schema", async () => {
  const table = `t${++tables}`;
  const s = store({ table });
  const sent = [];
  const stub = async (url) => {
    sent.push(String(url));
    return new Response(JSON.stringify({ access_token: `at-${randomBytes(12).toString("hex")}`, refresh_token: `rt-${randomBytes(12).toString("hex")}`, token_type: "bearer", expires_in: 3600, scope: "x" }), { status: 200, headers: { "content-type": "application/json" } });
  };
  const { client } = makeClient([], h, { store: s, fetch: stub });
  const conn = h.conn(await client.exchangeCode({ code: "hostile-row-code", codeVerifier: "v".repeat(43), domain: "datadoghq.eu" }));
  await sql(`UPDATE ${table} SET data = jsonb_set(data, '{site,apiOrigin}', '"https://evil.example"')`);
  sent.length = 0;
  await client.request(conn.id, incidents);
  assert.deepEqual(sent, ["https://api.datadoghq.eu/api/v2/incidents"], "the token went to Datadog's host for the site, not the row's");
  await assert.rejects(sql(`UPDATE ${table} SET status = 'admin'`), /check constraint/);
  // The CommonJS entry loads too.
  const { createRequire } = await import("node:module");
  assert.equal(typeof createRequire(import.meta.url)("datadog-oauth-wasm/postgres").postgresStore, "function");
});

test("no lease is left behind once a refresh has settled (a process exiting then would make others wait out leaseMs)", async () => {
  const table = `t${++tables}`;
  let n = 0;
  const stub = async () => new Response(JSON.stringify({ access_token: `at-lease-${++n}-${randomBytes(8).toString("hex")}`, refresh_token: `rt-lease-${n}-${randomBytes(8).toString("hex")}`, token_type: "bearer", expires_in: 3600, scope: "x" }), { status: 200, headers: { "content-type": "application/json" } });
  let id = null;
  for (let i = 0; i < 3; i++) {
    // Each round an "instance" refreshes and shuts down (its pool ended) as soon as the call has settled.
    const s = store({ table });
    const { client } = makeClient([], h, { store: s, fetch: stub });
    if (id === null) id = h.conn(await client.exchangeCode({ code: "lease-code", codeVerifier: "v".repeat(43), domain: "datadoghq.com" })).id;
    h.conn(await client.refresh(id));
    await s.close();
    const [row] = await sql(`SELECT lease_holder FROM ${table} WHERE id = $1`, [id]);
    assert.equal(row.lease_holder, null, `round ${i + 1}: the lease was released before refresh() resolved`);
  }
});

test("secret hygiene of this suite", () => {
  h.check();
});
