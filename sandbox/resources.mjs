// Read and write endpoints beyond intake, so a partner can check each OAuth scope's data flow: list endpoints
// that paginate as Datadog's do (cursor `page[cursor]` -> `meta.page.after` / `meta.pagination.next_cursor`,
// offset `page[offset]` + `page[size]`, numbered `page[number]` + `page[size]`, v1 `page` + `page_size`), and
// create/delete of monitors and incidents. Seeded per org, kept per sandbox state (a reset starts afresh).

import { badRequest, apiError, sendJson, readBody, decodeBody, parseJson } from './http.mjs';
import { scopedGrant } from './scopes.mjs';

const byState = new WeakMap();

// The org's own collections, seeded on first use (three of each, so small page sizes show paging).
function orgData(state, orgId) {
  if (!byState.has(state)) byState.set(state, new Map());
  const orgs = byState.get(state);
  if (!orgs.has(orgId)) {
    const n = [1, 2, 3];
    orgs.set(orgId, {
      monitors: n.map((i) => ({ id: 1000 + i, name: `Sandbox monitor ${i}`, type: 'metric alert', query: `avg(last_5m):avg:sandbox.seed.${i}{*} > 100`, message: 'seeded' })),
      users: n.map((i) => ({ type: 'users', id: `${orgId.slice(0, 8)}-user-${i}`, attributes: { name: `Sandbox User ${i}`, email: `user${i}@sandbox.example`, status: 'Active' } })),
      teams: n.map((i) => ({ type: 'team', id: `${orgId.slice(0, 8)}-team-${i}`, attributes: { name: `Team ${i}`, handle: `team-${i}` } })),
      events: n.map((i) => ({ type: 'event', id: `seed-event-${i}`, attributes: { message: `seeded event ${i}`, timestamp: new Date(Date.now() - i * 60000).toISOString() } })),
      nextMonitor: 2000,
    });
  }
  return orgs.get(orgId);
}

function count(q, key, dflt, max) {
  const raw = q.get(key);
  if (raw === null) return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > max) throw badRequest(`${key} must be an integer 0..${max}`);
  return n;
}

// Cursors are opaque to callers; here the position, base64url-encoded.
function cursorAt(q) {
  const c = q.get('page[cursor]');
  if (c === null || c === '') return 0;
  const m = /^at:(\d{1,9})$/.exec(Buffer.from(c, 'base64url').toString('utf8'));
  if (!m) throw badRequest('page[cursor] is not a cursor this endpoint issued');
  return Number(m[1]);
}
const cursorFor = (at) => Buffer.from(`at:${at}`).toString('base64url');

async function jsonBody(ctx) {
  const { buf } = await readBody(ctx.req, 1024 * 1024);
  const body = await decodeBody(buf, ctx.req.headers['content-encoding'], 1024 * 1024);
  return body.length ? parseJson(body) : {};
}

// GET /api/v2/events: cursor paging, `page[limit]` (default 10, max 1000), next cursor in meta.page.after.
export async function eventsV2List(ctx) {
  const grant = scopedGrant(ctx);
  const d = orgData(ctx.state, grant.orgId);
  const submitted = ctx.state.events.filter((x) => x.org === grant.orgId).map((x) => ({
    type: 'event', id: x.event.id_str, attributes: { message: x.event.text, title: x.event.title, timestamp: new Date(x.event.date_happened * 1000).toISOString(), tags: x.event.tags },
  }));
  const all = [...submitted, ...d.events];
  const q = ctx.url.searchParams;
  const limit = count(q, 'page[limit]', 10, 1000);
  const at = cursorAt(q);
  const data = all.slice(at, at + limit);
  const page = at + limit < all.length ? { after: cursorFor(at + limit) } : {};
  sendJson(ctx.res, 200, { data, meta: { page, status: 'done' }, links: {} });
}

// GET /api/v2/metrics: cursor paging with `page[size]`, next cursor in meta.pagination.next_cursor.
export async function metricsList(ctx) {
  const grant = scopedGrant(ctx);
  const names = new Set(['sandbox.seed.1', 'sandbox.seed.2', 'sandbox.seed.3']);
  for (const r of ctx.state.received) {
    if ((r.kind === 'metrics_v2' || r.kind === 'metrics_v1') && r.org === grant.orgId) for (const s of r.items) names.add(s.metric);
  }
  const all = [...names].sort().map((id) => ({ type: 'metrics', id }));
  const q = ctx.url.searchParams;
  const size = count(q, 'page[size]', 10000, 10000);
  const at = cursorAt(q);
  const data = all.slice(at, at + size);
  const next = at + size < all.length ? cursorFor(at + size) : null;
  sendJson(ctx.res, 200, { data, meta: { pagination: { cursor: q.get('page[cursor]'), limit: size, next_cursor: next, type: 'cursor_limit' } } });
}

// GET /api/v1/query: one answer (not paged); the series submitted for the metric named in `query`.
export async function query(ctx) {
  scopedGrant(ctx);
  const q = ctx.url.searchParams;
  for (const k of ['from', 'to', 'query']) if (!q.get(k)) throw badRequest(`${k} is required`);
  sendJson(ctx.res, 200, { status: 'ok', res_type: 'time_series', series: [], from_date: Number(q.get('from')) * 1000, to_date: Number(q.get('to')) * 1000, query: q.get('query') });
}

// GET /api/v2/incidents: offset paging, `page[size]` (default 10, max 100) and `page[offset]`.
export async function incidentsList(ctx) {
  const grant = scopedGrant(ctx);
  const all = ctx.state.incidents.filter((x) => x.org === grant.orgId && !x.deleted).map((x) => x.incident);
  const q = ctx.url.searchParams;
  const size = count(q, 'page[size]', 10, 100);
  const offset = count(q, 'page[offset]', 0, 1e9);
  const data = all.slice(offset, offset + size);
  sendJson(ctx.res, 200, { data, included: [], meta: { pagination: { offset, next_offset: offset + size, size } } });
}

export async function incidentDelete(ctx) {
  const grant = scopedGrant(ctx);
  const id = decodeURIComponent(ctx.url.pathname.split('/').pop());
  const rec = ctx.state.incidents.find((x) => x.org === grant.orgId && x.incident.id === id && !x.deleted);
  if (!rec) throw apiError(404, 'Not found');
  rec.deleted = true;
  ctx.res.writeHead(204, { 'Content-Length': 0 });
  ctx.res.end();
}

// GET /api/v1/monitor: v1 numbered paging (`page` from 0, `page_size`), a plain array; all at once without `page`.
export async function monitorsList(ctx) {
  const grant = scopedGrant(ctx);
  const all = orgData(ctx.state, grant.orgId).monitors;
  const q = ctx.url.searchParams;
  if (q.get('page') === null) return sendJson(ctx.res, 200, all);
  const page = count(q, 'page', 0, 1e6);
  const size = count(q, 'page_size', 100, 1000);
  sendJson(ctx.res, 200, all.slice(page * size, page * size + size));
}

export async function monitorCreate(ctx) {
  const grant = scopedGrant(ctx);
  const b = await jsonBody(ctx);
  for (const k of ['type', 'query']) if (typeof b[k] !== 'string' || b[k] === '') throw badRequest(`${k} is required`);
  const d = orgData(ctx.state, grant.orgId);
  const monitor = { id: d.nextMonitor++, name: String(b.name ?? ''), type: b.type, query: b.query, message: String(b.message ?? ''), tags: Array.isArray(b.tags) ? b.tags : [] };
  d.monitors.push(monitor);
  sendJson(ctx.res, 200, monitor);
}

export async function monitorDelete(ctx) {
  const grant = scopedGrant(ctx);
  const id = Number(ctx.url.pathname.split('/').pop());
  const d = orgData(ctx.state, grant.orgId);
  const i = d.monitors.findIndex((m) => m.id === id);
  if (i < 0) throw apiError(404, 'Monitor not found');
  d.monitors.splice(i, 1);
  sendJson(ctx.res, 200, { deleted_monitor_id: id });
}

// GET /api/v2/users and /api/v2/team: numbered paging, `page[number]` from 0 and `page[size]` (default 10).
function numbered(ctx, all) {
  const q = ctx.url.searchParams;
  const size = count(q, 'page[size]', 10, 100);
  const number = count(q, 'page[number]', 0, 1e6);
  sendJson(ctx.res, 200, { data: all.slice(number * size, number * size + size), included: [], meta: { page: { total_count: all.length, total_filtered_count: all.length } } });
}

export async function usersList(ctx) {
  const grant = scopedGrant(ctx);
  numbered(ctx, orgData(ctx.state, grant.orgId).users);
}

export async function teamsList(ctx) {
  const grant = scopedGrant(ctx);
  numbered(ctx, orgData(ctx.state, grant.orgId).teams);
}

export const RESOURCE_ROUTES = [
  { name: 'events_v2_list', kind: 'api', method: 'GET', path: '/api/v2/events', handler: eventsV2List },
  { name: 'metrics_list', kind: 'api', method: 'GET', path: '/api/v2/metrics', handler: metricsList },
  { name: 'query', kind: 'api', method: 'GET', path: '/api/v1/query', handler: query },
  { name: 'incident_delete', kind: 'api', method: 'DELETE', path: /^\/api\/v2\/incidents\/[^/]+$/, handler: incidentDelete },
  { name: 'monitors_list', kind: 'api', method: 'GET', path: '/api/v1/monitor', handler: monitorsList },
  { name: 'monitor_create', kind: 'api', method: 'POST', path: '/api/v1/monitor', handler: monitorCreate },
  { name: 'monitor_delete', kind: 'api', method: 'DELETE', path: /^\/api\/v1\/monitor\/\d+$/, handler: monitorDelete },
  { name: 'users_list', kind: 'api', method: 'GET', path: '/api/v2/users', handler: usersList },
  { name: 'teams_list', kind: 'api', method: 'GET', path: '/api/v2/team', handler: teamsList },
];

