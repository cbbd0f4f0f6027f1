// Scope enforcement (issue 14 §3) and Datadog-style pagination of the list endpoints: every bearer endpoint of
// the scope table answers 403 {"errors":["Forbidden"]} to a token without its scope, and 2xx with it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox } from '../index.mjs';
import { connect } from '../testkit.mjs';
import { ROUTE_SCOPES } from '../scopes.mjs';

const REDIRECT = 'https://partner.example/cb';
const ALL = [...new Set(Object.values(ROUTE_SCOPES).flat())];
let sb;
before(async () => {
  sb = await startSandbox({ config: { clients: [{ redirectUris: [REDIRECT], scopes: ALL }] } });
});
after(async () => { await sb.close(); });

const api = (c, method, path, body) => fetch(c.site.apiOrigin + path, {
  method,
  headers: { authorization: `Bearer ${c.tokens.access_token}`, 'content-type': 'application/json' },
  body: body === undefined ? undefined : JSON.stringify(body),
});

// One call per route of the table; `make` runs first for the routes that need a resource id.
const CALLS = {
  api_key: (c) => api(c, 'POST', '/api/v2/api_keys/marketplace'),
  events_list: (c) => api(c, 'GET', '/api/v1/events?start=0&end=9999999999'),
  events_v2_list: (c) => api(c, 'GET', '/api/v2/events'),
  incidents: (c) => api(c, 'POST', '/api/v2/incidents', { data: { type: 'incidents', attributes: { title: 't', customer_impacted: false } } }),
  incidents_list: (c) => api(c, 'GET', '/api/v2/incidents'),
  incident_delete: (c) => api(c, 'DELETE', '/api/v2/incidents/none'),
  metrics_list: (c) => api(c, 'GET', '/api/v2/metrics'),
  query: (c) => api(c, 'GET', '/api/v1/query?from=1&to=2&query=avg:x{*}'),
  monitors_list: (c) => api(c, 'GET', '/api/v1/monitor'),
  monitor_create: (c) => api(c, 'POST', '/api/v1/monitor', { type: 'metric alert', query: 'avg(last_5m):avg:x{*} > 1' }),
  monitor_delete: (c) => api(c, 'DELETE', '/api/v1/monitor/1001'),
  users_list: (c) => api(c, 'GET', '/api/v2/users'),
  teams_list: (c) => api(c, 'GET', '/api/v2/team'),
};

test('every endpoint of the scope table: 403 Forbidden without its scope, through with it', async () => {
  assert.deepEqual(Object.keys(CALLS).sort(), Object.keys(ROUTE_SCOPES).sort(), 'one call per table row');
  for (const [route, need] of Object.entries(ROUTE_SCOPES)) {
    const without = ALL.filter((s) => !need.includes(s));
    const scope = without.length ? without.join(' ') : undefined;
    const c = await connect(sb, 'us3', { redirectUri: REDIRECT, scope, apiKey: false });
    const r = await CALLS[route](c);
    assert.equal(r.status, 403, route);
    assert.deepEqual(await r.json(), { errors: ['Forbidden'] }, route);
    const ok = await connect(sb, 'us3', { redirectUri: REDIRECT, scope: need[0], apiKey: false });
    const r2 = await CALLS[route](ok);
    assert.ok([200, 201, 204, 404].includes(r2.status), `${route} with ${need[0]}: ${r2.status}`);
    if (r2.status === 404) assert.match(route, /delete/); // ids that do not exist: the scope check came first
    await r2.text();
    await sb.reset();
  }
});

test('list endpoints page like Datadog: cursor, offset, numbered and v1 numbered', async () => {
  const c = await connect(sb, 'eu1', { redirectUri: REDIRECT, apiKey: false });
  // Cursor (meta.page.after)
  let r = await (await api(c, 'GET', '/api/v2/events?page[limit]=2')).json();
  assert.equal(r.data.length, 2);
  assert.ok(r.meta.page.after);
  r = await (await api(c, 'GET', `/api/v2/events?page[limit]=2&page[cursor]=${r.meta.page.after}`)).json();
  assert.equal(r.data.length, 1);
  assert.equal(r.meta.page.after, undefined);
  assert.equal((await api(c, 'GET', '/api/v2/events?page[cursor]=%%%')).status, 400);
  // Cursor (meta.pagination.next_cursor)
  r = await (await api(c, 'GET', '/api/v2/metrics?page[size]=2')).json();
  assert.equal(r.data.length, 2);
  r = await (await api(c, 'GET', `/api/v2/metrics?page[size]=2&page[cursor]=${r.meta.pagination.next_cursor}`)).json();
  assert.equal(r.data.length, 1);
  assert.equal(r.meta.pagination.next_cursor, null);
  // Offset
  for (let i = 0; i < 3; i++) assert.equal((await CALLS.incidents(c)).status, 201);
  r = await (await api(c, 'GET', '/api/v2/incidents?page[size]=2&page[offset]=2')).json();
  assert.equal(r.data.length, 1);
  assert.deepEqual(r.meta.pagination, { offset: 2, next_offset: 4, size: 2 });
  const id = r.data[0].id;
  assert.equal((await api(c, 'DELETE', `/api/v2/incidents/${id}`)).status, 204);
  assert.equal((await (await api(c, 'GET', '/api/v2/incidents')).json()).data.length, 2);
  // Numbered
  r = await (await api(c, 'GET', '/api/v2/users?page[size]=2&page[number]=1')).json();
  assert.equal(r.data.length, 1);
  assert.equal(r.meta.page.total_count, 3);
  // v1 numbered, create then delete
  const m = await (await CALLS.monitor_create(c)).json();
  assert.equal((await (await api(c, 'GET', '/api/v1/monitor?page=1&page_size=2')).json()).length, 2);
  assert.equal((await api(c, 'DELETE', `/api/v1/monitor/${m.id}`)).status, 200);
  assert.equal((await api(c, 'DELETE', `/api/v1/monitor/${m.id}`)).status, 404);
  assert.equal((await (await api(c, 'GET', '/api/v1/monitor')).json()).length, 3);
});
