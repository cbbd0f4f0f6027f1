// The client names a connection's built-in site by its id in the core calls about that connection (js/sites.js
// `bySiteId`, issue 16), instead of sending the whole descriptor. These check that the core answers the same either
// way, for every built-in site and every operation the client sends a stored connection to, refusals included, and
// that anything but an exact built-in descriptor (edited, tampered, custom, vanity, inherited, with toJSON) goes as it is.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as glue from "../../pkg/full/datadog_oauth_wasm.js";
import * as answer from "../../js/answer.js";
import { setCore, call, DatadogError } from "../../js/core.js";
import { bySiteId } from "../../js/sites.js";
import * as dd from "datadog-oauth-wasm";

const wasm = glue.initSync({ module: readFileSync(new URL("../../dist/datadog_oauth_wasm_bg.wasm", import.meta.url)) });
setCore(glue, wasm.memory, answer);

const builtIn = call("sites", {});
const custom = dd.customSite({ id: "eu-local", site: "datadoghq.eu", appOrigin: "http://127.0.0.1:9001", apiOrigin: "http://127.0.0.1:9002" });

function connection(site, over = {}) {
  return { site, domain: site.site, accessToken: "at-SECRET-0123456789", refreshToken: "rt-SECRET-0123456789", apiKey: "k".repeat(32), tokenType: "Bearer", expiresAt: 5_000_000, scopes: ["api_keys_write"], createdAt: 1, updatedAt: 2, ...over };
}
const sorted = (o) => Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
const tokens = { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify({ access_token: "at-new", token_type: "bearer", expires_in: 3600, refresh_token: "rt-new", scope: "api_keys_write" }) };
// A refusal that echoes the connection's secrets: the error must be scrubbed of them either way.
const refused = { status: 400, headers: {}, body: JSON.stringify({ error: "invalid_grant", error_description: "rt-SECRET-0123456789 / at-SECRET-0123456789 is not valid" }) };
const key = { status: 201, headers: {}, body: JSON.stringify({ data: { id: "kid", attributes: { key: "z".repeat(32), name: "n" } } }) };

/** Every core operation the client sends a stored connection to (js/client.js `#coreAbout`), with arguments. */
const calls = [
  ["refreshDue", { now: 4_000_000 }],
  ["refreshRequest", { clientId: "cid", clientSecret: "cs" }],
  ["parseRefreshResponse", { response: tokens, now: 10, clientSecret: "cs" }],
  ["parseRefreshResponse", { response: refused, now: 10, clientSecret: "cs" }],
  ["parseRefreshResponse", { response: { networkError: "socket hang up" }, now: 10 }],
  ["revokeRequest", { clientId: "cid", clientSecret: "cs" }],
  ["revokeRequest", { clientId: "cid", token: "access", bearer: true }],
  ["parseRevokeResponse", { response: { status: 200, headers: {}, body: "" } }],
  ["parseRevokeResponse", { response: refused, clientSecret: "cs" }],
  ["apiKeyRequest", {}],
  ["parseApiKeyResponse", { response: key, now: 10 }],
  ["parseApiKeyResponse", { response: refused, now: 10 }],
  ["apiRequest", { method: "GET", path: "/api/v2/users", query: { "page[size]": 10 } }],
  ["parseApiResponse", { response: { status: 200, headers: {}, body: "{\"data\":[]}" } }],
  ["parseApiResponse", { response: refused }],
];

/** The core's answer, or its error's public fields. */
function outcome(op, args) {
  try {
    return { ok: call(op, args) };
  } catch (e) {
    assert.ok(DatadogError.is(e), String(e));
    return { error: { code: e.code, message: e.message, hint: e.hint, field: e.field, status: e.status } };
  }
}

test("an exact built-in descriptor goes by its id, in codec order or any other, and the connection given is untouched", () => {
  assert.equal(builtIn.length, 9);
  for (const d of builtIn) {
    for (const site of [{ ...d }, sorted(d)]) {
      const conn = connection(site);
      const before = JSON.stringify(conn);
      const sent = bySiteId(conn);
      assert.notEqual(sent, conn);
      assert.equal(sent.site, d.id);
      assert.deepEqual(Object.keys(sent), Object.keys(conn), "the same keys in the same order");
      assert.deepEqual({ ...sent, site: conn.site }, conn);
      assert.equal(JSON.stringify(conn), before);
    }
  }
});

test("the core answers the same for the id as for the descriptor: every site, every operation, refusals and secrets included", () => {
  let compared = 0;
  for (const d of builtIn) {
    for (const sites of [undefined, [custom]]) {
      for (const over of [{}, { domain: "datadoghq.evil.example" }, { tokenType: "mac" }, { refreshToken: "" }, { accessToken: "" }]) {
        const conn = connection({ ...d }, over);
        // With custom sites going along the descriptor goes whole (the next test shows why).
        if (sites) assert.equal(bySiteId(conn, sites), conn);
        for (const [op, args] of calls) {
          const whole = outcome(op, { ...args, connection: conn, ...(sites ? { sites } : {}) });
          const byId = outcome(op, { ...args, connection: bySiteId(conn, sites ? [] : undefined), ...(sites ? { sites } : {}) });
          assert.deepEqual(byId, whole, `${op} on ${d.id} ${JSON.stringify(over)}${sites ? " with a custom site listed" : ""}`);
          if (whole.ok?.site) assert.deepEqual(whole.ok.site, { ...d }, `${op}: the answer names the full descriptor`);
          for (const secret of ["rt-SECRET", "at-SECRET"]) assert.ok(!JSON.stringify(byId.error ?? {}).includes(secret), `${op}: ${JSON.stringify(byId.error)}`);
          compared++;
        }
      }
    }
  }
  assert.equal(compared, 9 * 2 * 5 * calls.length);
});

test("a custom site that takes a built-in's id: the built-in connection still goes to Datadog, before and after the list is checked", async () => {
  const us1 = builtIn.find((d) => d.id === "us1");
  // Why no id goes along with custom sites: the core matches a site name against the caller's custom sites first.
  const taker = dd.customSite({ id: "us1", site: "datadoghq.com", appOrigin: "http://127.0.0.1:9301", apiOrigin: "http://127.0.0.1:9302" });
  assert.equal(call("refreshRequest", { clientId: "cid", connection: { ...connection(us1), site: "us1" }, sites: [taker] }).url, "http://127.0.0.1:9302/oauth2/v1/token");
  const c0 = connection({ ...us1 });
  assert.equal(bySiteId(c0).site, "us1");
  assert.equal(bySiteId(c0, []).site, "us1");
  for (const sent of [[taker], [undefined], {}, "x", null]) assert.equal(bySiteId(c0, sent), c0, JSON.stringify(sent));
  for (const sent of [[taker], [dd.customSite({ id: "US1", site: "datadoghq.eu", appOrigin: "http://127.0.0.1:9311", apiOrigin: "http://127.0.0.1:9312" })]]) {
    const list = [...sent, custom];
    const urls = [];
    const fetch = async (url) => {
      urls.push(String(url));
      return new Response(tokens.body, { status: 200, headers: tokens.headers });
    };
    const client = new dd.DatadogClient({ clientId: "cid", clientSecret: "cs", redirectUri: "https://p.example/cb", sites: list, fetch, timeoutMs: 0 });
    let conn = connection({ ...us1 }, { accessToken: `at-${sent[0].site}`, refreshToken: `rt-${sent[0].site}` });
    for (let i = 0; i < 3; i++) conn = await client.refresh(conn);
    let mine = connection(sent[0], { domain: sent[0].site, accessToken: `at-c-${sent[0].site}`, refreshToken: `rt-c-${sent[0].site}` });
    for (let i = 0; i < 2; i++) mine = await client.refresh(mine);
    assert.deepEqual(urls, [...Array(3).fill("https://api.datadoghq.com/oauth2/v1/token"), ...Array(2).fill(`${sent[0].apiOrigin}/oauth2/v1/token`)], sent[0].id);
    assert.deepEqual(conn.site, { ...us1 });
    assert.deepEqual(mine.site, sent[0]);
  }
});

test("anything but an exact built-in descriptor goes as it is", () => {
  const us1 = builtIn.find((d) => d.id === "us1");
  const eu1 = builtIn.find((d) => d.id === "eu1");
  const inherited = Object.create(us1);
  const junk = Object.create(us1);
  for (const k of Object.keys(us1)) junk[`x${k}`] = 1;
  const { location, ...missing } = us1;
  assert.equal(typeof location, "string");
  const hostile = {
    "a tampered apiOrigin": { ...us1, apiOrigin: "https://api.evil.example" },
    "a tampered appOrigin": { ...us1, appOrigin: "https://app.evil.example" },
    "another site's id": { ...us1, id: "eu1" },
    "another site's parameter": { ...us1, site: eu1.site },
    "an extra key": { ...us1, extra: 1 },
    "a vanity host": { ...us1, vanity: "acme.datadoghq.com" },
    "a key missing": missing,
    "custom: true": { ...us1, custom: true },
    "custom as text": { ...us1, custom: "false" },
    "a toJSON": { ...us1, toJSON: () => ({ ...eu1 }) },
    "keys inherited only": inherited,
    "own keys of other names over an inherited descriptor": junk,
    "a custom site": custom,
    "an unknown site parameter": { ...us1, site: "datadoghq.evil.example" },
    "a parameter with spaces": { ...us1, site: ` ${us1.site} ` },
    "an array": [us1],
  };
  for (const [what, site] of Object.entries(hostile)) {
    const conn = connection(site);
    assert.equal(bySiteId(conn), conn, what);
  }
  for (const conn of [null, undefined, "us1", 5, [], {}, { site: null }, { site: "us1" }, { site: 5 }, connection("eu1")]) {
    assert.equal(bySiteId(conn), conn, JSON.stringify(conn));
  }
  // What the core makes of a tampered descriptor is unchanged: it still rebuilds it from its site parameter.
  const tampered = connection({ ...us1, apiOrigin: "https://api.evil.example" });
  assert.equal(call("refreshRequest", { clientId: "cid", connection: bySiteId(tampered) }).url, "https://api.datadoghq.com/oauth2/v1/token");
});

test("a refresh through the client still hands back the full descriptor, on every built-in site", async () => {
  for (const d of builtIn) {
    let sent = null;
    const fetch = async (url, init) => {
      sent = { url: String(url), body: String(init.body) };
      return new Response(tokens.body, { status: 200, headers: tokens.headers });
    };
    const client = new dd.DatadogClient({ clientId: "cid", clientSecret: "cs", redirectUri: "https://p.example/cb", fetch, timeoutMs: 0 });
    const next = await client.refresh(connection({ ...d }, { accessToken: `at-${d.id}`, refreshToken: `rt-${d.id}` }));
    assert.equal(sent.url, `${d.apiOrigin}/oauth2/v1/token`);
    assert.ok(sent.body.includes(`refresh_token=rt-${d.id}`), sent.body);
    assert.deepEqual(next.site, { ...d });
    assert.equal(next.accessToken, "at-new");
  }
});
