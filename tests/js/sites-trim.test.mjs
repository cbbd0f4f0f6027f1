// The client sends each encode only the custom sites that can be the connection's (js/deliver.js `sitesFor`, issue
// 16), once its whole list has passed the core. These check that nothing else changed: a site accepted or refused with
// the whole list is accepted or refused alike (same code, message, hint, field) on every later call, including
// forged connections, a list with a bad entry, and a list changed after it was checked.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as dd from "datadog-oauth-wasm";

const { customSite, DatadogError } = dd;

const euA = customSite({ id: "eu-a", site: "datadoghq.eu", appOrigin: "http://127.0.0.1:9001", apiOrigin: "http://127.0.0.1:9002" });
const euB = customSite({ id: "eu-b", site: "datadoghq.eu", appOrigin: "http://127.0.0.1:9011", apiOrigin: "http://127.0.0.1:9012" });
const us = customSite({ id: "us", site: "datadoghq.com", appOrigin: "http://127.0.0.1:9101", apiOrigin: "http://127.0.0.1:9102" });

// Each its own tokens: the client keeps one lineage per connection, and the newest copy of a lineage is what it sends.
let made = 0;
function connection(site) {
  const now = Date.now();
  const n = String(++made).padStart(6, "0");
  return { site, domain: typeof site.site === "string" ? site.site.trim().toLowerCase() : "x", accessToken: `a${n}`.padEnd(40, "a"), apiKey: `k${n}`.padEnd(32, "k"), tokenType: "Bearer", expiresAt: now + 3600e3, scopes: [], createdAt: now, updatedAt: now };
}
const series = () => [{ metric: "trim.test", type: 3, points: [{ timestamp: Math.floor(Date.now() / 1000), value: 1 }] }];

/** A client whose fetch answers 202 and records the URLs it was given; `sites` is the client's own array. */
function client(sites) {
  const urls = [];
  const fetch = async (url) => {
    urls.push(String(url));
    return new Response('{"errors":[]}', { status: 202, headers: { "content-type": "application/json" } });
  };
  return { urls, c: new dd.DatadogClient({ clientId: "c", clientSecret: "s", redirectUri: "http://127.0.0.1/cb", sites, fetch, timeoutMs: 0 }) };
}

/** What the core says with the whole list, sans-IO: null when it encodes, else the error's public fields. */
function oracle(conn, sites) {
  try {
    dd.encodeMetrics(conn, series(), { sites });
    return null;
  } catch (e) {
    assert.ok(DatadogError.is(e), String(e));
    return { code: e.code, message: e.message, hint: e.hint, field: e.field };
  }
}

/** Submit through the client: null when all was accepted, else the error's public fields. */
async function submit(c, conn) {
  try {
    const report = await c.submitMetrics(conn, series());
    assert.deepEqual(report.failed, []);
    assert.equal(report.accepted, 1);
    return null;
  } catch (e) {
    assert.ok(DatadogError.is(e), String(e));
    return { code: e.code, message: e.message, hint: e.hint, field: e.field };
  }
}

test("a listed custom site is sent to its own origin on every call, also with two sites of one site parameter", async () => {
  const { c, urls } = client([us, euA, euB]);
  for (let i = 0; i < 3; i++) {
    assert.equal(await submit(c, connection(euB)), null);
    assert.equal(await submit(c, connection(euA)), null);
    assert.equal(await submit(c, connection(us)), null);
  }
  assert.deepEqual(urls.slice(0, 3), ["http://127.0.0.1:9012/api/v2/series", "http://127.0.0.1:9002/api/v2/series", "http://127.0.0.1:9102/api/v2/series"]);
  assert.deepEqual(urls.slice(3), [...urls.slice(0, 3), ...urls.slice(0, 3)]);
  // A built-in site's connection is unaffected by the client's custom sites.
  assert.equal(await submit(c, connection(dd.resolveSite("us3"))), null);
  assert.equal(urls.at(-1), "https://api.us3.datadoghq.com/api/v2/series");
});

test("forged connection sites are refused after the list was checked, exactly as with the whole list", async () => {
  const sites = [us, euA, euB];
  const { c, urls } = client(sites);
  assert.equal(await submit(c, connection(euA)), null); // the list is now checked: later calls are trimmed
  const forged = [
    { ...euA, apiOrigin: "http://127.0.0.1:9999" }, // same site parameter, foreign API origin
    { ...euA, logsOrigin: "http://127.0.0.1:9999" },
    { ...euA, site: "datadoghq.com" }, // origins of one site, parameter of another
    { ...us, site: "us3.datadoghq.com" },
    { ...euA, site: "evil.example" },
    { ...euA, site: 42 },
    { ...euA, site: null },
    { ...euA, id: "other" },
  ];
  for (const site of forged) {
    const want = oracle(connection(site), sites);
    assert.deepEqual(await submit(c, connection(site)), want, JSON.stringify(site));
    assert.deepEqual(await submit(c, connection(site)), want, `again: ${JSON.stringify(site)}`);
  }
  // Refused ones were not sent anywhere.
  assert.equal(urls.filter((u) => u.includes(":9999")).length, 0);
});

test("a site parameter written another way is matched as the core matches it (case, surrounding white space)", async () => {
  const sites = [us, euA];
  const { c } = client(sites);
  assert.equal(await submit(c, connection(us)), null);
  for (const spelled of [" DatadogHQ.EU ", "\tdatadoghq.eu\n", "\u00a0datadoghq.eu\u3000", "\u0085datadoghq.eu", "\ufeffdatadoghq.eu", "DATADOGHQ.EU"]) {
    const conn = connection({ ...euA, site: spelled });
    const want = oracle(conn, sites);
    assert.deepEqual(await submit(c, conn), want, JSON.stringify(spelled));
    assert.deepEqual(await submit(c, conn), want, `again: ${JSON.stringify(spelled)}`);
  }
  // And listed sites written another way, against a plain connection.
  const odd = [{ ...euA, site: " DatadogHQ.eu\u2028" }];
  const { c: c2 } = client(odd);
  const want = oracle(connection(euA), odd);
  for (let i = 0; i < 3; i++) assert.deepEqual(await submit(c2, connection(euA)), want);
});

test("a list with a bad entry fails every call, before and after a change to it", async () => {
  const bad = [
    [euA, dd.resolveSite("us1")], // a built-in descriptor is not a custom site
    [euA, { ...us, apiOrigin: "http://10.1.2.3:80" }], // plain http off loopback
    [euA, { ...us, site: "not a host" }],
    [euA, null],
  ];
  for (const sites of bad) {
    const want = oracle(connection(euA), sites);
    assert.notEqual(want, null, JSON.stringify(sites));
    const { c } = client(sites);
    for (let i = 0; i < 3; i++) assert.deepEqual(await submit(c, connection(euA)), want, JSON.stringify(sites));
  }
  // Checked and trimmed, then the client's own array gains a bad entry: the next call sends the whole new list again.
  const sites = [us, euA];
  const { c } = client(sites);
  assert.equal(await submit(c, connection(euA)), null);
  assert.equal(await submit(c, connection(euA)), null);
  sites.push({ ...euB, apiOrigin: "ftp://127.0.0.1:1" });
  const want = oracle(connection(euA), sites);
  assert.notEqual(want, null);
  assert.deepEqual(await submit(c, connection(euA)), want);
  assert.deepEqual(await submit(c, connection(euA)), want);
});

test("a site taken out of the client's list after it was checked is refused from then on", async () => {
  const sites = [us, euA, euB];
  const { c } = client(sites);
  assert.equal(await submit(c, connection(euB)), null);
  sites.pop();
  const want = oracle(connection(euB), sites);
  assert.equal(want?.code, "invalid_site");
  assert.deepEqual(await submit(c, connection(euB)), want);
  // An entry changed in place (same array) counts as a change too.
  const { c: c2 } = client(sites);
  assert.equal(await submit(c2, connection(euA)), null);
  sites[1] = { ...euA, apiOrigin: "http://127.0.0.1:9003" };
  assert.deepEqual(await submit(c2, connection(euA)), oracle(connection(euA), sites));
});

test("an entry changed in place after the list was checked is seen: a field, a toJSON, an added or removed key", async () => {
  const mine = { ...euB };
  const sites = [us, euA, mine];
  const { c } = client(sites);
  const old = connection({ ...mine });
  assert.equal(await submit(c, old), null);
  assert.equal(await submit(c, connection({ ...mine })), null); // trimmed now
  mine.apiOrigin = "http://127.0.0.1:9013";
  const want = oracle(connection({ ...euB }), sites);
  assert.equal(want?.code, "invalid_site");
  assert.deepEqual(await submit(c, connection({ ...euB })), want);
  assert.deepEqual(await submit(c, connection({ ...euB })), want);
  assert.equal(await submit(c, connection({ ...mine })), null);
  // A toJSON (not enumerable: no new key to see) turns the entry into something else for JSON, and so for the core.
  Object.defineProperty(mine, "toJSON", { value: () => ({ ...mine, site: "not a host" }), configurable: true });
  const bad = oracle(connection({ ...euA }), sites);
  assert.notEqual(bad, null);
  assert.deepEqual(await submit(c, connection({ ...euA })), bad);
  delete mine.toJSON;
  assert.equal(await submit(c, connection({ ...euA })), null);
  // A key JSON leaves out changes nothing; a key it writes does (here, one the core refuses).
  mine.extra = undefined;
  assert.equal(await submit(c, connection({ ...euA })), null);
  assert.equal(await submit(c, connection({ ...euA })), null);
  mine.custom = false;
  const notCustom = oracle(connection({ ...euA }), sites);
  assert.notEqual(notCustom, null);
  assert.deepEqual(await submit(c, connection({ ...euA })), notCustom);
  mine.custom = true;
  delete mine.otlpOrigin;
  assert.deepEqual(await submit(c, connection({ ...euA })), oracle(connection({ ...euA }), sites));
});

test("the trimmed entries kept per site text answer as the whole list does: sites alternating, forged ones between, past the kept texts", async () => {
  const sites = [us, euA, euB];
  const { c, urls } = client(sites);
  assert.equal(await submit(c, connection(euA)), null);
  // Sites alternating call by call, each trimmed by the site text it names, with forged ones of the same texts between.
  for (let i = 0; i < 3; i++) {
    assert.equal(await submit(c, connection(us)), null);
    assert.equal(urls.at(-1), "http://127.0.0.1:9102/api/v2/series");
    const forged = connection({ ...us, site: "datadoghq.eu" }); // origins of one site, parameter of another
    assert.deepEqual(await submit(c, forged), oracle(forged, sites));
    assert.equal(oracle(forged, sites)?.code, "invalid_site");
    assert.equal(await submit(c, connection(euB)), null);
    assert.equal(urls.at(-1), "http://127.0.0.1:9012/api/v2/series");
  }
  // More distinct spellings than are kept, then the first ones again: each still matched as the core matches it.
  const spellings = Array.from({ length: 70 }, (_, i) => `${" ".repeat(i % 5)}${i % 2 ? "DATADOGHQ.EU" : "datadoghq.eu"}${"\t".repeat(i >> 2)}`);
  for (const round of [0, 1]) {
    for (const spelled of spellings.slice(0, round ? 8 : 70)) {
      const k = connection({ ...euB, site: spelled });
      assert.deepEqual(await submit(c, k), oracle(k, sites), JSON.stringify(spelled));
    }
  }
  assert.equal(urls.filter((u) => u === "http://127.0.0.1:9012/api/v2/series").length, 3 + 78);
});
