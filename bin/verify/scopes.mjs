// The scope table of `verify`: which calls show that an OAuth scope's data flows. Scope names and meanings are
// Datadog's scope list (https://docs.datadoghq.com/api/latest/scopes/, the OpenAPI `AuthZ` scopes; see
// docs/datadog-behaviour.md §3), endpoints from Datadog's API reference. Read scopes get a paginated GET, write scopes
// create a test resource and delete it, `api_keys_write` (private, partners only; §2) the marketplace key and data
// sent with it. A scope not listed here is reported "not checked", never passed.

const now = () => Math.floor(Date.now() / 1000);

export const SCOPE_TABLE = {
  api_keys_write: { kind: 'key', what: 'marketplace API key, then a metric, a log, an event and a service check sent with it' },
  metrics_read: { kind: 'read', what: 'GET /api/v2/metrics (cursor pages)', list: { path: '/api/v2/metrics', query: { 'page[size]': 2 } } },
  timeseries_query: { kind: 'read', what: 'GET /api/v1/query', list: { path: '/api/v1/query', query: () => ({ from: now() - 600, to: now(), query: 'avg:datadog.verify.check{*}' }) } },
  events_read: { kind: 'read', what: 'GET /api/v2/events (cursor pages)', list: { path: '/api/v2/events', query: { 'page[limit]': 2 } } },
  incident_read: { kind: 'read', what: 'GET /api/v2/incidents (offset pages)', list: { path: '/api/v2/incidents', query: { 'page[size]': 2, 'page[offset]': 0 } } },
  monitors_read: { kind: 'read', what: 'GET /api/v1/monitor (numbered pages)', list: { path: '/api/v1/monitor', query: { page: 0, page_size: 2 } } },
  user_access_read: { kind: 'read', what: 'GET /api/v2/users (numbered pages)', list: { path: '/api/v2/users', query: { 'page[size]': 2, 'page[number]': 0 } } },
  teams_read: { kind: 'read', what: 'GET /api/v2/team (numbered pages)', list: { path: '/api/v2/team', query: { 'page[size]': 2, 'page[number]': 0 } } },
  incident_write: {
    kind: 'write', what: 'POST /api/v2/incidents, then DELETE /api/v2/incidents/{id}',
    create: { path: '/api/v2/incidents', body: (tag) => ({ data: { type: 'incidents', attributes: { title: `datadog-oauth-wasm verify ${tag} (test, deleted at once)`, customer_impacted: false } } }) },
    id: (body) => body?.data?.id,
    remove: (id) => ({ method: 'DELETE', path: `/api/v2/incidents/${encodeURIComponent(id)}` }),
  },
  monitors_write: {
    kind: 'write', what: 'POST /api/v1/monitor, then DELETE /api/v1/monitor/{id}',
    create: { path: '/api/v1/monitor', body: (tag) => ({ name: `datadog-oauth-wasm verify ${tag} (test, deleted at once)`, type: 'metric alert', query: 'avg(last_5m):avg:datadog.verify.check{*} > 1000000', message: 'Created and deleted by datadog-oauth-wasm verify.' }) },
    id: (body) => body?.id,
    remove: (id) => ({ method: 'DELETE', path: `/api/v1/monitor/${encodeURIComponent(id)}` }),
  },
};

export const queryOf = (list) => (typeof list.query === 'function' ? list.query() : { ...list.query });
