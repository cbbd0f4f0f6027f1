// Data intake and read endpoints: metrics v1/v2, logs, events v1/v2, service checks,
// incidents, OTLP traces and the local Agent trace API. Each handler authenticates,
// reads within Datadog's size limits, validates the documented shape, then records items.

import { randomUUID } from 'node:crypto';
import {
  HARD_BODY_LIMIT, apiError, badRequest, forbidden, sendJson, readBody, decodeBody, parseJson,
  parseJsonLossless, isInteger,
} from './http.mjs';
import { apiKeyAuth, bearerGrant, requireScope } from './auth.mjs';

const MAX_LOG_BYTES = 1048576;
const MAX_UINT64 = (1n << 64n) - 1n;

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isStrArray = (v) => Array.isArray(v) && v.every((x) => typeof x === 'string');
const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
const nowSec = () => Date.now() / 1000;
function bad(reason) {
  throw badRequest(reason);
}

async function readPayload(ctx, { wireLimit = HARD_BODY_LIMIT, decodedLimit = HARD_BODY_LIMIT, lossless = false } = {}) {
  const { buf, wireBytes } = await readBody(ctx.req, wireLimit);
  const enc = ctx.req.headers['content-encoding'];
  const decoded = await decodeBody(buf, enc, decodedLimit);
  return {
    decoded,
    wireBytes,
    decodedBytes: decoded.length,
    contentEncoding: enc ? String(enc).trim().toLowerCase() : 'identity',
    json: () => (lossless ? parseJsonLossless(decoded) : parseJson(decoded)),
  };
}

function record(ctx, kind, org, payload, items) {
  ctx.state.record({
    kind,
    org,
    site: ctx.site ? ctx.site.id : null,
    contentEncoding: payload.contentEncoding,
    bytes: payload.wireBytes,
    decodedBytes: payload.decodedBytes,
    items,
  });
}

function checkPointTime(ts, now, metric) {
  if (ts < now - 3600 || ts > now + 600) {
    bad(`Point timestamp out of range: ${ts} for metric ${metric} (allowed: 1 hour in the past to 10 minutes in the future)`);
  }
}

export async function validate(ctx) {
  apiKeyAuth(ctx.state, ctx.req, ctx.site.id);
  sendJson(ctx.res, 200, { valid: true });
}

// What both series endpoints check the same way: the API key, size limits, the `series` array, and each
// series' metric and non-empty points; the version's own point shape and fields are checked by the callbacks.
async function readSeries(ctx, limits, checkPoint, checkFields) {
  const key = apiKeyAuth(ctx.state, ctx.req, ctx.site.id);
  const pl = await readPayload(ctx, limits);
  const data = pl.json();
  if (!isObj(data) || !Array.isArray(data.series)) bad('Invalid payload: "series" must be an array');
  const now = nowSec();
  data.series.forEach((s, i) => {
    const at = `series[${i}]`;
    if (!isObj(s)) bad(`${at} must be an object`);
    if (typeof s.metric !== 'string' || s.metric === '') bad(`${at}.metric is required and must be a string`);
    if (!Array.isArray(s.points) || s.points.length === 0) bad(`${at}.points is required and must be a non-empty array`);
    s.points.forEach((p, j) => checkPoint(p, `${at}.points[${j}]`, now, s.metric));
    checkFields(s, at);
  });
  return { key, pl, series: data.series };
}

export async function metricsV2(ctx) {
  const { key, pl, series } = await readSeries(ctx, { wireLimit: 512000, decodedLimit: 5242880 }, (p, at, now, metric) => {
    if (!isObj(p)) bad(`${at} must be an object {timestamp, value}`);
    if (!Number.isInteger(p.timestamp)) bad(`${at}.timestamp must be an integer (seconds)`);
    if (!isNum(p.value)) bad(`${at}.value must be a number`);
    checkPointTime(p.timestamp, now, metric);
  }, (s, at) => {
    if (s.type !== undefined && !(Number.isInteger(s.type) && s.type >= 0 && s.type <= 3)) bad(`${at}.type must be 0, 1, 2 or 3`);
    if (s.interval !== undefined && s.interval !== null && !(Number.isInteger(s.interval) && s.interval >= 0)) bad(`${at}.interval must be a non-negative integer`);
    if (s.tags !== undefined && !isStrArray(s.tags)) bad(`${at}.tags must be an array of strings`);
    if (s.resources !== undefined && !(Array.isArray(s.resources) && s.resources.every((r) => isObj(r) && typeof r.name === 'string' && typeof r.type === 'string'))) {
      bad(`${at}.resources must be an array of {name, type}`);
    }
    if (s.unit !== undefined && s.unit !== null && typeof s.unit !== 'string') bad(`${at}.unit must be a string`);
  });
  record(ctx, 'metrics_v2', key.orgId, pl, series);
  sendJson(ctx.res, 202, { errors: [] });
}

export async function metricsV1(ctx) {
  const { key, pl, series } = await readSeries(ctx, { wireLimit: 3200000, decodedLimit: 62914560 }, (p, at, now, metric) => {
    if (!Array.isArray(p) || p.length !== 2) bad(`${at} must be a [timestamp, value] pair`);
    if (!isNum(p[0])) bad(`${at}[0] must be a timestamp in seconds`);
    if (!isNum(p[1])) bad(`${at}[1] must be a number`);
    checkPointTime(p[0], now, metric);
  }, (s, at) => {
    if (s.type !== undefined && s.type !== null && !['', 'count', 'gauge', 'rate'].includes(s.type)) bad(`${at}.type must be "count", "gauge" or "rate"`);
    if (s.interval !== undefined && s.interval !== null && !(Number.isInteger(s.interval) && s.interval >= 0)) bad(`${at}.interval must be a non-negative integer`);
    if (s.host !== undefined && s.host !== null && typeof s.host !== 'string') bad(`${at}.host must be a string`);
    if (s.tags !== undefined && s.tags !== null && !isStrArray(s.tags)) bad(`${at}.tags must be an array of strings`);
  });
  record(ctx, 'metrics_v1', key.orgId, pl, series);
  sendJson(ctx.res, 202, { status: 'ok' });
}

function truncateLog(item) {
  if (Buffer.byteLength(JSON.stringify(item)) <= MAX_LOG_BYTES) return item;
  const copy = { ...item, _truncated: true };
  const msg = Buffer.from(copy.message, 'utf8');
  let allowed = MAX_LOG_BYTES - Buffer.byteLength(JSON.stringify({ ...copy, message: '' }));
  for (;;) {
    copy.message = allowed > 0 ? msg.subarray(0, allowed).toString('utf8').replace(/\uFFFD+$/, '') : '';
    const size = Buffer.byteLength(JSON.stringify(copy));
    if (size <= MAX_LOG_BYTES || allowed <= 0) return copy;
    allowed -= size - MAX_LOG_BYTES;
  }
}

export async function logs(ctx) {
  const key = apiKeyAuth(ctx.state, ctx.req, ctx.site.id);
  const pl = await readPayload(ctx, { decodedLimit: 5242880 });
  const type = String(ctx.req.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
  let items;
  if (type === 'text/plain' || type === 'application/logplex-1') {
    items = pl.decoded.toString('utf8').split(/\r?\n/).filter((l) => l !== '').map((message) => ({ message }));
  } else {
    const data = pl.json();
    items = Array.isArray(data) ? data : [data];
  }
  if (items.length > 1000) bad(`Too many log entries: ${items.length} (max 1000 per request)`);
  const q = ctx.url.searchParams;
  const fromQuery = {};
  for (const k of ['ddsource', 'service', 'hostname', 'ddtags']) if (q.has(k)) fromQuery[k] = q.get(k);
  if (q.has('host') && !q.has('hostname')) fromQuery.hostname = q.get('host');
  items = items.map((item, i) => {
    if (!isObj(item)) bad(`logs[${i}] must be an object`);
    if (typeof item.message !== 'string') bad(`logs[${i}].message is required and must be a string`);
    return truncateLog({ ...fromQuery, ...item });
  });
  record(ctx, 'logs', key.orgId, pl, items);
  sendJson(ctx.res, 202, {});
}

const ALERT_TYPES = ['error', 'warning', 'info', 'success', 'user_update', 'recommendation', 'snapshot'];

export async function eventsV1(ctx) {
  const key = apiKeyAuth(ctx.state, ctx.req, ctx.site.id);
  const pl = await readPayload(ctx);
  const e = pl.json();
  if (!isObj(e)) bad('Invalid payload: an event object is required');
  if (typeof e.title !== 'string' || e.title === '') bad('title is required');
  if (typeof e.text !== 'string') bad('text is required');
  if (e.text.length > 4000) bad(`text is too long: ${e.text.length} characters (max 4000)`);
  if (e.alert_type !== undefined && e.alert_type !== null && !ALERT_TYPES.includes(e.alert_type)) bad(`alert_type must be one of ${ALERT_TYPES.join(', ')}`);
  if (e.priority !== undefined && e.priority !== null && !['normal', 'low'].includes(e.priority)) bad('priority must be normal or low');
  if (e.tags !== undefined && e.tags !== null && !isStrArray(e.tags)) bad('tags must be an array of strings');
  if (e.aggregation_key !== undefined && e.aggregation_key !== null) {
    if (typeof e.aggregation_key !== 'string' || e.aggregation_key.length > 100) bad('aggregation_key must be a string of at most 100 characters');
  }
  const now = nowSec();
  if (e.date_happened !== undefined && e.date_happened !== null) {
    if (!Number.isInteger(e.date_happened)) bad('date_happened must be an integer (POSIX seconds)');
    if (e.date_happened < now - 18 * 3600) bad('date_happened is more than 18 hours in the past');
    if (e.date_happened > now + 600) bad('date_happened is more than 10 minutes in the future');
  }
  const st = ctx.state;
  const id = 7000000000000000 + ++st.counters.event;
  const event = {
    id,
    id_str: String(id),
    title: e.title,
    text: e.text,
    date_happened: e.date_happened ?? Math.floor(now),
    alert_type: e.alert_type ?? 'info',
    priority: e.priority ?? 'normal',
    tags: e.tags ?? [],
    aggregation_key: e.aggregation_key ?? null,
    host: e.host ?? null,
    source_type_name: e.source_type_name ?? null,
    url: `${ctx.site.appOrigin}/event/event?id=${id}`,
  };
  st.events.push({ org: key.orgId, event });
  record(ctx, 'events_v1', key.orgId, pl, [e]);
  sendJson(ctx.res, 202, { status: 'ok', event });
}

export async function eventsList(ctx) {
  const grant = bearerGrant(ctx.state, ctx.req, ctx.site.id);
  requireScope(grant, 'events_read');
  const events = ctx.state.events.filter((x) => x.org === grant.orgId).map((x) => x.event);
  sendJson(ctx.res, 200, { events });
}

export async function eventsV2(ctx) {
  const key = apiKeyAuth(ctx.state, ctx.req, ctx.site.id);
  const appKey = ctx.req.headers['dd-application-key'];
  if (typeof appKey !== 'string' || appKey.trim() === '') throw forbidden();
  const pl = await readPayload(ctx);
  const body = pl.json();
  if (!isObj(body) || !isObj(body.data)) bad('Invalid payload: "data" object is required');
  const d = body.data;
  if (d.type !== 'event') bad('data.type must be "event"');
  const a = d.attributes;
  if (!isObj(a)) bad('data.attributes is required');
  if (typeof a.title !== 'string' || a.title === '') bad('title is required');
  if (a.title.length > 500) bad('title is too long (max 500 characters)');
  if (a.category !== 'change' && a.category !== 'alert') bad('category must be "change" or "alert"');
  if (!isObj(a.attributes)) bad('attributes is required');
  if (a.message !== undefined && (typeof a.message !== 'string' || a.message.length > 4000)) bad('message must be a string of at most 4000 characters');
  if (a.tags !== undefined && (!isStrArray(a.tags) || a.tags.length > 100)) bad('tags must be an array of at most 100 strings');
  if (a.aggregation_key !== undefined && (typeof a.aggregation_key !== 'string' || a.aggregation_key.length > 100)) bad('aggregation_key must be a string of at most 100 characters');
  if (a.host !== undefined && (typeof a.host !== 'string' || a.host.length > 255)) bad('host must be a string of at most 255 characters');
  if (a.timestamp !== undefined) {
    const t = typeof a.timestamp === 'string' ? Date.parse(a.timestamp) : NaN;
    if (Number.isNaN(t)) bad('timestamp must be an ISO 8601 date-time');
    if (t < Date.now() - 18 * 3600 * 1000) bad('timestamp is more than 18 hours in the past');
  }
  if (a.category === 'alert' && !['warn', 'error', 'ok'].includes(a.attributes.status)) bad('attributes.status must be warn, error or ok for alert events');
  if (a.category === 'change') {
    const r = a.attributes.changed_resource;
    if (!isObj(r) || typeof r.name !== 'string' || typeof r.type !== 'string') bad('attributes.changed_resource {name, type} is required for change events');
  }
  record(ctx, 'events_v2', key.orgId, pl, [d]);
  sendJson(ctx.res, 202, { data: { id: randomUUID(), type: 'event' } });
}

export async function serviceChecks(ctx) {
  const key = apiKeyAuth(ctx.state, ctx.req, ctx.site.id);
  const pl = await readPayload(ctx);
  const data = pl.json();
  if (!Array.isArray(data)) bad('Invalid payload: an array of service checks is required');
  const now = nowSec();
  const items = data.map((c, i) => {
    const at = `checks[${i}]`;
    if (!isObj(c)) bad(`${at} must be an object`);
    if (typeof c.check !== 'string' || c.check === '') bad(`${at}.check is required`);
    if (typeof c.host_name !== 'string') bad(`${at}.host_name is required`);
    if (!(Number.isInteger(c.status) && c.status >= 0 && c.status <= 3)) bad(`${at}.status must be 0, 1, 2 or 3`);
    if (!isStrArray(c.tags)) bad(`${at}.tags is required and must be an array of strings`);
    if (c.timestamp !== undefined && c.timestamp !== null) {
      if (!isNum(c.timestamp)) bad(`${at}.timestamp must be a number (seconds)`);
      if (c.timestamp < now - 600 || c.timestamp > now + 600) bad(`${at}.timestamp out of range: checks can be submitted up to 10 minutes in the past`);
    }
    if (c.message !== undefined && c.message !== null && typeof c.message !== 'string') bad(`${at}.message must be a string`);
    return typeof c.message === 'string' && c.message.length > 500 ? { ...c, message: c.message.slice(0, 500) } : c;
  });
  record(ctx, 'service_checks', key.orgId, pl, items);
  sendJson(ctx.res, 202, { status: 'ok' });
}

export async function createIncident(ctx) {
  const st = ctx.state;
  const grant = bearerGrant(st, ctx.req, ctx.site.id);
  requireScope(grant, 'incident_write');
  const pl = await readPayload(ctx);
  const body = pl.json();
  if (!isObj(body) || !isObj(body.data)) bad('Invalid payload: "data" object is required');
  const d = body.data;
  if (d.type !== 'incidents') bad('data.type must be "incidents"');
  const a = d.attributes;
  if (!isObj(a)) bad('data.attributes is required');
  if (typeof a.title !== 'string' || a.title === '') bad('title is required');
  if (typeof a.customer_impacted !== 'boolean') bad('customer_impacted is required and must be a boolean');
  if (a.customer_impacted && (typeof a.customer_impact_scope !== 'string' || a.customer_impact_scope === '')) {
    bad('customer_impact_scope is required when customer_impacted is true');
  }
  if (a.fields !== undefined && !isObj(a.fields)) bad('fields must be an object');
  const now = new Date().toISOString();
  const publicId = st.incidents.filter((x) => x.org === grant.orgId).length + 1;
  const incident = {
    id: randomUUID(),
    type: 'incidents',
    attributes: {
      public_id: publicId,
      title: a.title,
      customer_impacted: a.customer_impacted,
      customer_impact_scope: a.customer_impact_scope ?? null,
      fields: a.fields ?? {},
      state: 'active',
      severity: 'UNKNOWN',
      created: now,
      modified: now,
    },
  };
  st.incidents.push({ org: grant.orgId, incident });
  record(ctx, 'incidents', grant.orgId, pl, [d]);
  sendJson(ctx.res, 201, { data: incident });
}

function isNanos(v) {
  if (typeof v === 'string') return /^\d{1,20}$/.test(v);
  return isInteger(v) && v >= 0;
}

export async function otlpTraces(ctx) {
  const key = apiKeyAuth(ctx.state, ctx.req, ctx.site.id);
  const type = String(ctx.req.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') throw apiError(415, 'The sandbox OTLP intake accepts only Content-Type application/json');
  const pl = await readPayload(ctx, { lossless: true });
  const body = pl.json();
  if (!isObj(body) || !Array.isArray(body.resourceSpans)) bad('resourceSpans must be an array');
  body.resourceSpans.forEach((rs, i) => {
    const at = `resourceSpans[${i}]`;
    if (!isObj(rs) || !Array.isArray(rs.scopeSpans)) bad(`${at}.scopeSpans must be an array`);
    rs.scopeSpans.forEach((ss, j) => {
      if (!isObj(ss) || !Array.isArray(ss.spans)) bad(`${at}.scopeSpans[${j}].spans must be an array`);
      ss.spans.forEach((sp, k) => {
        const sat = `${at}.scopeSpans[${j}].spans[${k}]`;
        if (!isObj(sp)) bad(`${sat} must be an object`);
        if (typeof sp.traceId !== 'string' || !/^[0-9a-fA-F]{32}$/.test(sp.traceId) || /^0+$/.test(sp.traceId)) bad(`${sat}.traceId must be 32 hex characters (not all zero)`);
        if (typeof sp.spanId !== 'string' || !/^[0-9a-fA-F]{16}$/.test(sp.spanId) || /^0+$/.test(sp.spanId)) bad(`${sat}.spanId must be 16 hex characters (not all zero)`);
        if (typeof sp.name !== 'string') bad(`${sat}.name is required`);
        if (!isNanos(sp.startTimeUnixNano)) bad(`${sat}.startTimeUnixNano is required`);
        if (!isNanos(sp.endTimeUnixNano)) bad(`${sat}.endTimeUnixNano is required`);
      });
    });
  });
  record(ctx, 'otlp_traces', key.orgId, pl, body.resourceSpans);
  sendJson(ctx.res, 200, { partialSuccess: {} });
}

function isU64(v) {
  return isInteger(v) && v >= 0 && BigInt(v) <= MAX_UINT64;
}

export async function agentTraces(ctx) {
  const type = String(ctx.req.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
  if (type.includes('msgpack')) throw apiError(415, 'The sandbox Agent accepts only JSON traces');
  const pl = await readPayload(ctx, { lossless: true });
  const traces = pl.json();
  if (!Array.isArray(traces)) bad('Body must be an array of traces');
  traces.forEach((trace, i) => {
    if (!Array.isArray(trace) || trace.length === 0) bad(`traces[${i}] must be a non-empty array of spans`);
    trace.forEach((sp, j) => {
      const at = `traces[${i}][${j}]`;
      if (!isObj(sp)) bad(`${at} must be an object`);
      for (const k of ['trace_id', 'span_id']) if (!isU64(sp[k])) bad(`${at}.${k} must be an unsigned 64-bit integer`);
      if (sp.parent_id !== undefined && sp.parent_id !== null && !isU64(sp.parent_id)) bad(`${at}.parent_id must be an unsigned 64-bit integer`);
      for (const k of ['name', 'resource', 'service']) if (typeof sp[k] !== 'string' || sp[k] === '') bad(`${at}.${k} is required`);
      if (!isInteger(sp.start) || sp.start < 0) bad(`${at}.start must be an integer (ns since epoch)`);
      if (!isInteger(sp.duration) || sp.duration < 0) bad(`${at}.duration must be a non-negative integer (ns)`);
      if (sp.error !== undefined && !(Number.isInteger(sp.error))) bad(`${at}.error must be an integer`);
      if (sp.meta !== undefined && !(isObj(sp.meta) && Object.values(sp.meta).every((v) => typeof v === 'string'))) bad(`${at}.meta must map strings to strings`);
      if (sp.metrics !== undefined && !(isObj(sp.metrics) && Object.values(sp.metrics).every((v) => typeof v === 'number' || typeof v === 'bigint'))) bad(`${at}.metrics must map strings to numbers`);
      if (BigInt(sp.trace_id) !== BigInt(trace[0].trace_id)) bad(`${at}.trace_id differs from the first span of its trace`);
    });
  });
  record(ctx, 'agent_traces', null, pl, traces);
  sendJson(ctx.res, 200, { rate_by_service: {} });
}
