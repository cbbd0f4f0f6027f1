// client.paginate() and nextPage() through the package: the shared vectors, every paging style of the sandbox's
// list endpoints, rate-limit waits between pages within the deadline, and hostile pages (a cursor that repeats).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as dd from "datadog-oauth-wasm";
import { sandbox, makeClient, connect, routeCount, CLIENT_ID, REDIRECT } from "./support.mjs";
import { control } from "../../sandbox/testkit.mjs";

const vectors = JSON.parse(readFileSync(new URL("../vectors/paginate.json", import.meta.url), "utf8"));
let env;
before(async () => {
  env = await sandbox();
  const scopes = ["api_keys_write", "events_read", "incident_read", "incident_write", "metrics_read", "monitors_read", "user_access_read", "teams_read"];
  await control(env.sb, "PUT", `/_sandbox/clients/${CLIENT_ID}`, { redirectUris: [REDIRECT], scopes });
});
after(async () => { await env.sb.close(); });

test("nextPage vectors through the package", () => {
  for (const c of vectors.cases) {
    const got = dd.nextPage(c.args);
    for (const [k, want] of Object.entries(c.expect)) assert.deepEqual(got[k], want, `${c.name}: ${k}`);
  }
  for (const c of vectors.errors) {
    assert.throws(() => dd.nextPage(c.args), (e) => {
      assert.equal(e.code, c.code, c.name);
      assert.ok(e.hint.length > 0);
      if (c.retryAfterMs !== undefined) assert.equal(e.retryAfterMs, c.retryAfterMs);
      return true;
    });
  }
});

test("paginate walks cursor, offset, numbered and v1 numbered lists to the end", async () => {
  const { client } = makeClient(env.sites);
  const conn = await connect(env.sb, client, env.siteOf("ap1"), null);
  for (let i = 0; i < 3; i++) await client.request(conn, { method: "POST", path: "/api/v2/incidents", body: { data: { type: "incidents", attributes: { title: `t${i}`, customer_impacted: false } } } });
  const all = async (opts) => {
    const out = [];
    for await (const x of client.paginate(conn, opts)) out.push(x);
    return out;
  };
  const before = await routeCount(env.sb, "ap1", "users_list");
  assert.equal((await all({ path: "/api/v2/events", query: { "page[limit]": 2 } })).length, 3);
  assert.equal((await all({ path: "/api/v2/metrics", query: { "page[size]": 2 } })).length, 3);
  assert.deepEqual((await all({ path: "/api/v2/incidents", query: { "page[size]": 2, "page[offset]": 0 } })).map((i) => i.attributes.title), ["t0", "t1", "t2"]);
  assert.equal((await all({ path: "/api/v2/users", query: { "page[size]": 2, "page[number]": 0 } })).length, 3);
  assert.equal(await routeCount(env.sb, "ap1", "users_list") - before, 2, "two pages of users: 2 + 1");
  assert.equal((await all({ path: "/api/v1/monitor", query: { page: 0, page_size: 1 } })).length, 3);
  const pages = [];
  for await (const p of client.paginate(conn, { path: "/api/v2/team", query: { "page[size]": 2, "page[number]": 0 }, pages: true })) pages.push(p);
  assert.deepEqual(pages.map((p) => p.items.length), [2, 1]);
  assert.equal(pages[0].status, 200);
});

// A fetch that edits what the sandbox answers: rate-limit headers, or a page that points at itself.
function editing(edit) {
  return async (url, init) => {
    const res = await fetch(url, init);
    const body = await res.text();
    const headers = new Headers(res.headers);
    const out = edit(new URL(url), headers, body);
    // An edited body is an answer the hostile server gives with 200, whatever the sandbox said.
    return new Response(out ?? body, { status: out === undefined || out === body ? res.status : 200, headers });
  };
}

test("a used-up rate limit between pages is waited out (the client's sleep), once per page", async () => {
  const slept = [];
  const { client } = makeClient(env.sites, null, {
    sleep: async (ms) => { slept.push(ms); },
    fetch: editing((u, h) => {
      if (u.pathname === "/api/v2/users") { h.set("x-ratelimit-remaining", "0"); h.set("x-ratelimit-reset", "2"); h.set("x-ratelimit-limit", "10"); }
    }),
  });
  const conn = await connect(env.sb, client, env.siteOf("us5"), null);
  let n = 0;
  for await (const _ of client.paginate(conn, { path: "/api/v2/users", query: { "page[size]": 1, "page[number]": 0 } })) n++;
  assert.equal(n, 3);
  assert.deepEqual(slept, [2000, 2000, 2000], "three full pages of one, each followed by the reset wait; the empty fourth ends it");
});

test("a reset beyond the deadline fails at once with rate_limited and retryAfterMs; nothing more is sent", async () => {
  const slept = [];
  const { client } = makeClient(env.sites, null, {
    sleep: async (ms) => { slept.push(ms); },
    fetch: editing((u, h) => {
      if (u.pathname === "/api/v2/events") { h.set("x-ratelimit-remaining", "0"); h.set("x-ratelimit-reset", "120"); }
    }),
  });
  const conn = await connect(env.sb, client, env.siteOf("us3"), null);
  const before = await routeCount(env.sb, "us3", "events_v2_list");
  const got = [];
  await assert.rejects(async () => {
    for await (const x of client.paginate(conn, { path: "/api/v2/events", query: { "page[limit]": 1 }, deadlineMs: 30_000 })) got.push(x);
  }, (e) => e.code === "rate_limited" && e.retryAfterMs === 120_000 && e.hint.length > 0);
  assert.deepEqual(slept, []);
  assert.equal(await routeCount(env.sb, "us3", "events_v2_list") - before, 1);
});

test("hostile pages: a repeated cursor stops with invalid_response; a non-list data is refused", async () => {
  const { client } = makeClient(env.sites, null, {
    fetch: editing((u, _h, body) => {
      if (u.pathname === "/api/v2/events") return JSON.stringify({ data: [{ id: 1 }], meta: { page: { after: "loop" } } });
      if (u.pathname === "/api/v2/team") return JSON.stringify({ data: { id: "x" } });
      return body;
    }),
  });
  const conn = await connect(env.sb, client, env.siteOf("eu1"), null);
  let n = 0;
  await assert.rejects(async () => {
    for await (const _ of client.paginate(conn, { path: "/api/v2/events" })) n++;
  }, (e) => e.code === "invalid_response" && /same cursor/.test(e.message));
  assert.equal(n, 1, "the first page came through; the second, pointing at itself, is refused");
  await assert.rejects(async () => {
    for await (const _ of client.paginate(conn, { path: "/api/v2/team" }));
  }, (e) => e.code === "invalid_response");
  // A page the token may not read is the API's own error, with its hint.
  await control(env.sb, "PUT", `/_sandbox/clients/${CLIENT_ID}`, { scopes: ["api_keys_write"] });
  const { client: c2 } = makeClient(env.sites);
  const conn2 = await connect(env.sb, c2, env.siteOf("eu1"), null);
  await assert.rejects(async () => {
    for await (const _ of c2.paginate(conn2, { path: "/api/v2/users" }));
  }, (e) => e.code === "forbidden" && /scope/i.test(e.hint));
});
