// Data side of the sandbox: end-to-end flows on two sites, every intake endpoint's
// validation, size limits, Content-Encoding handling, host-kind routing and recording.

import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { startSandbox } from '../index.mjs';
import { pkcePair, siteOf, control, received, tokenRequest, connect } from '../testkit.mjs';

const REDIRECT = 'https://partner.example/callback';
let sb;

before(async () => {
  sb = await startSandbox({
    config: { clients: [{ redirectUris: [REDIRECT], onboardingUrl: 'https://partner.example/onboarding' }] },
  });
});
after(async () => { await sb.close(); });
beforeEach(() => { sb.reset(); });

const now = () => Math.floor(Date.now() / 1000);

async function send(origin, path, body, { key, headers = {}, encoding, method = 'POST', raw = false } = {}) {
  let payload = raw ? body : JSON.stringify(body);
  const h = { 'content-type': 'application/json', ...headers };
  if (key) h['dd-api-key'] = key;
  if (encoding === 'gzip') payload = zlib.gzipSync(payload);
  else if (encoding === 'deflate') payload = zlib.deflateSync(payload);
  else if (encoding === 'deflate-raw') payload = zlib.deflateRawSync(payload);
  if (encoding) h['content-encoding'] = encoding === 'deflate-raw' ? 'deflate' : encoding;
  const res = await fetch(origin + path, { method, headers: h, body: payload });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body: json, text, headers: res.headers };
}

const series2 = (metric, ts = now()) => ({ series: [{ metric, type: 3, points: [{ timestamp: ts, value: 1.5 }], tags: ['env:test'], resources: [{ name: 'host-1', type: 'host' }] }] });

test('end to end on EU1 and AP1: tile → consent → token → key → every data type recorded', async () => {
  const doc = (await control(sb, 'GET', '/.well-known/datadog-sandbox.json')).body;
  for (const siteId of ['eu1', 'ap1']) {
    const site = siteOf(sb, siteId);
    const org = doc.orgs.find((o) => o.site === siteId);
    // Tile → onboarding URL carries site + domain.
    const tile = await (await fetch(org.tileUrl)).text();
    const onboarding = new URL(/<a id="connect"[^>]*href="([^"]+)"/.exec(tile)[1].replace(/&amp;/g, '&'));
    const appOrigin = onboarding.searchParams.get('site');
    assert.equal(appOrigin, site.appOrigin);
    assert.equal(onboarding.searchParams.get('domain'), site.site);

    // Partner sends the user to <site>/oauth2/v1/authorize; user approves.
    const { verifier, challenge } = pkcePair();
    const q = new URLSearchParams({
      response_type: 'code', client_id: 'sandbox-client-id', redirect_uri: REDIRECT, state: `state-${siteId}`,
      code_challenge: challenge, code_challenge_method: 'S256', dd_oid: org.id,
    });
    const consent = await fetch(`${appOrigin}/oauth2/v1/authorize?${q}`);
    assert.equal(consent.status, 200);
    const html = await consent.text();
    assert.match(html, /id="authorize"/);
    const form = new URLSearchParams(q);
    form.set('org', org.id);
    form.set('decision', 'authorize');
    const cb = await fetch(`${appOrigin}/oauth2/v1/authorize`, {
      method: 'POST', body: form, redirect: 'manual',
    });
    assert.equal(cb.status, 302);
    const p = new URL(cb.headers.get('location')).searchParams;
    assert.equal(p.get('state'), `state-${siteId}`);
    assert.equal(p.get('domain'), site.site);
    assert.equal(p.get('dd_oid'), org.id);
    assert.equal(p.get('dd_org_name'), org.name);

    // Token + API key on api.<domain>.
    const tok = await tokenRequest(sb, siteId, {
      grant_type: 'authorization_code', code: p.get('code'), redirect_uri: REDIRECT, code_verifier: verifier,
      client_id: 'sandbox-client-id', client_secret: 'sandbox-client-secret',
    });
    assert.equal(tok.status, 200);
    const bearer = { authorization: `Bearer ${tok.body.access_token}` };
    const mk = await send(site.apiOrigin, '/api/v2/api_keys/marketplace', undefined, { headers: bearer, raw: true });
    assert.equal(mk.status, 201);
    const key = mk.body.data.attributes.key;
    assert.deepEqual((await send(site.apiOrigin, '/api/v1/validate', undefined, { key, method: 'GET', raw: true })).body, { valid: true });

    // Every data type.
    let r = await send(site.apiOrigin, '/api/v2/series', series2(`e2e.${siteId}`), { key, encoding: 'gzip' });
    assert.deepEqual([r.status, r.body], [202, { errors: [] }]);
    r = await send(site.apiOrigin, '/api/v1/series', { series: [{ metric: `v1.${siteId}`, points: [[now(), 2]], type: 'gauge', host: 'h' }] }, { key });
    assert.deepEqual([r.status, r.body], [202, { status: 'ok' }]);
    r = await send(site.logsOrigin, '/api/v2/logs?ddsource=sandboxpartner', [{ message: `hello ${siteId}`, service: 'svc' }, { message: 'two' }], { key, encoding: 'gzip' });
    assert.deepEqual([r.status, r.body], [202, {}]);
    r = await send(site.apiOrigin, '/api/v1/events', { title: `deploy ${siteId}`, text: '%%% \nhi\n %%%', tags: ['a:b'], alert_type: 'info' }, { key });
    assert.equal(r.status, 202);
    assert.equal(r.body.status, 'ok');
    assert.equal(r.body.event.title, `deploy ${siteId}`);
    r = await send(site.eventIntakeOrigin, '/api/v2/events', {
      data: { type: 'event', attributes: { title: 'flag flipped', category: 'change', attributes: { changed_resource: { name: 'f1', type: 'feature_flag' } } } },
    }, { key, headers: { 'dd-application-key': 'app-key' } });
    assert.equal(r.status, 202);
    assert.equal(r.body.data.type, 'event');
    r = await send(site.apiOrigin, '/api/v1/check_run', [{ check: 'partner.up', host_name: 'h1', status: 0, tags: ['x:y'], timestamp: now() }], { key });
    assert.deepEqual([r.status, r.body], [202, { status: 'ok' }]);
    r = await send(site.apiOrigin, '/api/v2/incidents', {
      data: { type: 'incidents', attributes: { title: `outage ${siteId}`, customer_impacted: true, customer_impact_scope: 'all' } },
    }, { headers: bearer });
    assert.equal(r.status, 201);
    assert.equal(r.body.data.type, 'incidents');
    assert.equal(r.body.data.attributes.public_id, 1);
    const traceId = randomBytes(16).toString('hex');
    r = await send(site.otlpOrigin, '/v1/traces', {
      resourceSpans: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'partner' } }] },
        scopeSpans: [{ spans: [{ traceId, spanId: randomBytes(8).toString('hex'), name: 'op', kind: 2, startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000500000000' }] }],
      }],
    }, { key, encoding: 'deflate' });
    assert.deepEqual([r.status, r.body], [200, { partialSuccess: {} }]);
    const bigId = '18446744073709551615';
    r = await send(sb.agentOrigin, '/v0.3/traces', `[[{"trace_id":${bigId},"span_id":42,"name":"web.request","resource":"/${siteId}","service":"partner","start":1700000000123456789,"duration":5000}]]`, { method: 'PUT', raw: true });
    assert.deepEqual([r.status, r.body], [200, { rate_by_service: {} }]);

    // Bearer reads see the org's data.
    const inc = await send(site.apiOrigin, '/api/v2/incidents', undefined, { method: 'GET', headers: bearer, raw: true });
    assert.deepEqual(inc.body.data.map((x) => x.attributes.title), [`outage ${siteId}`]);
    const ev = await send(site.apiOrigin, '/api/v1/events', undefined, { method: 'GET', headers: bearer, raw: true });
    assert.deepEqual(ev.body.events.map((x) => x.title), [`deploy ${siteId}`]);

    // Everything is recorded under this org.
    const m2 = await received(sb, 'metrics_v2', org.id);
    assert.deepEqual(m2.items.map((s) => s.metric), [`e2e.${siteId}`]);
    assert.equal(m2.requests[0].contentEncoding, 'gzip');
    assert.ok(m2.requests[0].bytes > 0);
    assert.deepEqual((await received(sb, 'metrics_v1', org.id)).items.map((s) => s.metric), [`v1.${siteId}`]);
    const lg = await received(sb, 'logs', org.id);
    assert.deepEqual(lg.items.map((l) => [l.message, l.ddsource]), [[`hello ${siteId}`, 'sandboxpartner'], ['two', 'sandboxpartner']]);
    assert.equal(lg.requests.length, 1);
    assert.equal((await received(sb, 'events_v1', org.id)).items[0].title, `deploy ${siteId}`);
    assert.equal((await received(sb, 'events_v2', org.id)).items[0].attributes.title, 'flag flipped');
    assert.equal((await received(sb, 'service_checks', org.id)).items[0].check, 'partner.up');
    assert.equal((await received(sb, 'incidents', org.id)).items[0].attributes.title, `outage ${siteId}`);
    const ot = await received(sb, 'otlp_traces', org.id);
    assert.equal(ot.items[0].scopeSpans[0].spans[0].traceId, traceId);
    assert.equal(ot.requests[0].contentEncoding, 'deflate');
    const ag = await received(sb, 'agent_traces');
    const span = ag.items.at(-1)[0];
    assert.equal(span.resource, `/${siteId}`);
    assert.equal(String(span.trace_id), bigId); // beyond 2^53: kept exact, as a decimal string
    assert.equal(String(span.start), '1700000000123456789');
    assert.equal(span.span_id, 42);
  }
  // Per-org filtering: EU1's org sees nothing from AP1 and vice versa; no filter sees both.
  const all = await received(sb, 'metrics_v2');
  assert.deepEqual(all.items.map((s) => s.metric).sort(), ['e2e.ap1', 'e2e.eu1']);
  assert.equal((await received(sb, 'agent_traces', 'whatever')).items.length, 2);
  const stats = (await control(sb, 'GET', '/_sandbox/stats')).body;
  assert.equal(stats.routes['eu1 metrics_v2'], 1);
  assert.equal(stats.routes['ap1 otlp_traces'], 1);
  assert.equal(stats.routes['agent agent_traces'], 2);
});

test('API-key intake: missing, invalid or foreign keys are 403', async () => {
  const us1 = siteOf(sb, 'us1');
  const c = await connect(sb, 'us3', { redirectUri: REDIRECT });
  const cases = [
    [us1.apiOrigin, '/api/v2/series', series2('m')],
    [us1.apiOrigin, '/api/v1/series', { series: [{ metric: 'm', points: [[now(), 1]] }] }],
    [us1.logsOrigin, '/api/v2/logs', [{ message: 'x' }]],
    [us1.apiOrigin, '/api/v1/events', { title: 't', text: 'x' }],
    [us1.apiOrigin, '/api/v1/check_run', [{ check: 'c', host_name: 'h', status: 0, tags: [] }]],
    [us1.otlpOrigin, '/v1/traces', { resourceSpans: [] }],
  ];
  for (const [origin, path, body] of cases) {
    for (const key of [undefined, 'deadbeef', c.apiKey]) {
      const r = await send(origin, path, body, { key });
      assert.equal(r.status, 403, `${path} key=${key && key.slice(0, 4)}`);
      assert.deepEqual(r.body, { errors: ['Forbidden'] });
    }
  }
  // DD-API-KEY header name is case-insensitive.
  const own = siteOf(sb, 'us3');
  const r = await send(own.apiOrigin, '/api/v2/series', series2('m'), { headers: { 'DD-API-KEY': c.apiKey } });
  assert.equal(r.status, 202);
  // Incidents take a bearer token, not an API key.
  const inc = await send(own.apiOrigin, '/api/v2/incidents', { data: { type: 'incidents', attributes: { title: 't', customer_impacted: false } } }, { key: c.apiKey });
  assert.equal(inc.status, 403);
  assert.equal((await received(sb, 'metrics_v2')).items.length, 1);
});

test('Content-Encoding: gzip, deflate (zlib and raw), identity; unknown is 415, corrupt is 400', async () => {
  const c = await connect(sb, 'us5', { redirectUri: REDIRECT });
  const api = c.site.apiOrigin;
  for (const encoding of ['gzip', 'deflate', 'deflate-raw', 'identity', undefined]) {
    const r = await send(api, '/api/v2/series', series2(`enc.${encoding}`), { key: c.apiKey, encoding });
    assert.equal(r.status, 202, String(encoding));
  }
  const rec = await received(sb, 'metrics_v2', c.orgId);
  assert.deepEqual(rec.requests.map((x) => x.contentEncoding), ['gzip', 'deflate', 'deflate', 'identity', 'identity']);
  assert.deepEqual(rec.items.map((x) => x.metric), ['enc.gzip', 'enc.deflate', 'enc.deflate-raw', 'enc.identity', 'enc.undefined']);
  const zstd = await send(api, '/api/v2/series', series2('z'), { key: c.apiKey, headers: { 'content-encoding': 'zstd1' } });
  assert.equal(zstd.status, 415);
  assert.match(zstd.body.errors[0], /zstd1/);
  const corrupt = await send(api, '/api/v2/series', 'not gzip at all', { key: c.apiKey, raw: true, headers: { 'content-encoding': 'gzip' } });
  assert.equal(corrupt.status, 400);
  const logs = await send(c.site.logsOrigin, '/api/v2/logs', [{ message: 'deflated' }], { key: c.apiKey, encoding: 'deflate' });
  assert.equal(logs.status, 202);
  const checks = await send(api, '/api/v1/check_run', [{ check: 'c', host_name: 'h', status: 1, tags: [] }], { key: c.apiKey, encoding: 'gzip' });
  assert.equal(checks.status, 202);
});

test('size limits: metrics v2 wire > 512000 and decompressed > 5 MB are 413; logs > 5 MB; 64 MB cap', async () => {
  const c = await connect(sb, 'us1', { redirectUri: REDIRECT });
  const api = c.site.apiOrigin;
  // Incompressible padding so the gzip body itself exceeds 512000 bytes.
  const big = series2('big');
  big.series[0].tags = [randomBytes(600000).toString('base64')];
  const gz = zlib.gzipSync(JSON.stringify(big));
  assert.ok(gz.length > 512000);
  let r = await send(api, '/api/v2/series', gz, { key: c.apiKey, raw: true, headers: { 'content-encoding': 'gzip' } });
  assert.equal(r.status, 413);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  // Highly compressible: small on the wire, accepted (the 512000 limit is on the wire body)...
  const roomy = series2('roomy');
  roomy.series[0].tags = ['x'.repeat(2_000_000)];
  r = await send(api, '/api/v2/series', roomy, { key: c.apiKey, encoding: 'gzip' });
  assert.equal(r.status, 202);
  // ...but not past 5 MB once decompressed.
  roomy.series[0].tags = ['x'.repeat(6_000_000)];
  r = await send(api, '/api/v2/series', roomy, { key: c.apiKey, encoding: 'gzip' });
  assert.equal(r.status, 413);
  // Uncompressed v2 payload over 512000 bytes.
  roomy.series[0].tags = ['x'.repeat(600_000)];
  r = await send(api, '/api/v2/series', roomy, { key: c.apiKey });
  assert.equal(r.status, 413);
  // The same body is fine for v1 (3.2 MB wire limit).
  r = await send(api, '/api/v1/series', { series: [{ metric: 'v1big', points: [[now(), 1]], tags: ['x'.repeat(600_000)] }] }, { key: c.apiKey });
  assert.equal(r.status, 202);
  r = await send(api, '/api/v1/series', { series: [{ metric: 'v1big', points: [[now(), 1]], tags: ['x'.repeat(3_300_000)] }] }, { key: c.apiKey });
  assert.equal(r.status, 413);
  // Logs: 5 MB decompressed.
  r = await send(c.site.logsOrigin, '/api/v2/logs', [{ message: 'y'.repeat(5_300_000) }], { key: c.apiKey, encoding: 'gzip' });
  assert.equal(r.status, 413);
  // Anything over 64 MB is refused without being buffered.
  r = await send(api, '/api/v1/events', Buffer.alloc(65 * 1024 * 1024, 0x20), { key: c.apiKey, raw: true });
  assert.equal(r.status, 413);
  const names = (await received(sb, 'metrics_v2')).items.map((s) => s.metric);
  assert.deepEqual(names, ['roomy']);
});

test('time windows: metrics 1 h past / 10 min future, service checks 10 min, events 18 h', async () => {
  const c = await connect(sb, 'uk1', { redirectUri: REDIRECT });
  const api = c.site.apiOrigin;
  for (const ts of [now() - 3700, now() + 700]) {
    const r = await send(api, '/api/v2/series', series2('old', ts), { key: c.apiKey });
    assert.equal(r.status, 400);
    assert.match(r.body.errors[0], /^Point timestamp out of range: /);
    const r1 = await send(api, '/api/v1/series', { series: [{ metric: 'old', points: [[ts, 1]] }] }, { key: c.apiKey });
    assert.equal(r1.status, 400);
    assert.match(r1.body.errors[0], /^Point timestamp out of range: /);
  }
  assert.equal((await send(api, '/api/v2/series', series2('edge', now() - 3500), { key: c.apiKey })).status, 202);
  const chk = (ts) => send(api, '/api/v1/check_run', [{ check: 'c', host_name: 'h', status: 0, tags: [], timestamp: ts }], { key: c.apiKey });
  assert.equal((await chk(now() - 700)).status, 400);
  assert.equal((await chk(now() + 700)).status, 400);
  assert.equal((await chk(now() - 300)).status, 202);
  const ev = (date_happened) => send(api, '/api/v1/events', { title: 't', text: 'x', date_happened }, { key: c.apiKey });
  assert.equal((await ev(now() - 19 * 3600)).status, 400);
  assert.equal((await ev(now() + 700)).status, 400);
  assert.equal((await ev(now() - 17 * 3600)).status, 202);
});

test('shape validation: metrics, logs, events, service checks, incidents, OTLP, agent', async () => {
  const c = await connect(sb, 'us1-fed', { redirectUri: REDIRECT });
  const { apiOrigin: api, logsOrigin, eventIntakeOrigin, otlpOrigin } = c.site;
  const key = c.apiKey;
  const bearer = { authorization: `Bearer ${c.tokens.access_token}` };
  const expect400 = async (origin, path, body, opts = {}) => {
    const r = await send(origin, path, body, { key, ...opts });
    assert.equal(r.status, 400, `${path} ${JSON.stringify(body).slice(0, 80)}`);
    assert.ok(Array.isArray(r.body.errors) && typeof r.body.errors[0] === 'string');
    return r;
  };
  // Malformed JSON everywhere.
  for (const [origin, path] of [[api, '/api/v2/series'], [api, '/api/v1/series'], [logsOrigin, '/api/v2/logs'], [api, '/api/v1/events'], [api, '/api/v1/check_run'], [otlpOrigin, '/v1/traces']]) {
    const r = await expect400(origin, path, '{"oops', { raw: true });
    assert.deepEqual(r.body, { errors: ['Malformed JSON'] });
  }
  const malformedIncident = await send(api, '/api/v2/incidents', '{', { raw: true, headers: bearer });
  assert.deepEqual([malformedIncident.status, malformedIncident.body], [400, { errors: ['Malformed JSON'] }]);

  await expect400(api, '/api/v2/series', { nope: [] });
  await expect400(api, '/api/v2/series', { series: [{ points: [{ timestamp: now(), value: 1 }] }] });
  await expect400(api, '/api/v2/series', { series: [{ metric: 'm', points: [] }] });
  await expect400(api, '/api/v2/series', { series: [{ metric: 'm' }] });
  await expect400(api, '/api/v2/series', { series: [{ metric: 'm', points: [{ timestamp: now(), value: 'x' }] }] });
  await expect400(api, '/api/v2/series', { series: [{ metric: 'm', points: [{ timestamp: now() + 0.5, value: 1 }] }] });
  await expect400(api, '/api/v2/series', { series: [{ metric: 'm', type: 7, points: [{ timestamp: now(), value: 1 }] }] });
  await expect400(api, '/api/v2/series', { series: [{ metric: 'm', tags: 'a:b', points: [{ timestamp: now(), value: 1 }] }] });
  await expect400(api, '/api/v1/series', { series: [{ metric: 'm', points: [{ timestamp: now(), value: 1 }] }] });

  await expect400(logsOrigin, '/api/v2/logs', [{ msg: 'no message' }]);
  await expect400(logsOrigin, '/api/v2/logs', Array.from({ length: 1001 }, () => ({ message: 'm' })));
  assert.equal((await send(logsOrigin, '/api/v2/logs', Array.from({ length: 1000 }, () => ({ message: 'm' })), { key })).status, 202);
  assert.equal((await send(logsOrigin, '/api/v2/logs', { message: 'single object' }, { key })).status, 202);
  // A log over 1 MB is truncated, not refused.
  const huge = await send(logsOrigin, '/api/v2/logs', [{ message: 'z'.repeat(1_200_000), service: 's' }], { key, encoding: 'gzip' });
  assert.equal(huge.status, 202);
  const logs = (await received(sb, 'logs', c.orgId)).items;
  const cut = logs.at(-1);
  assert.equal(cut._truncated, true);
  assert.ok(Buffer.byteLength(JSON.stringify(cut)) <= 1048576);
  assert.ok(cut.message.length > 1_000_000);
  assert.equal(logs.length, 1002);

  await expect400(api, '/api/v1/events', { text: 'no title' });
  await expect400(api, '/api/v1/events', { title: 'no text' });
  await expect400(api, '/api/v1/events', { title: 't', text: 'x'.repeat(4001) });
  await expect400(api, '/api/v1/events', { title: 't', text: 'x', aggregation_key: 'k'.repeat(101) });
  await expect400(api, '/api/v1/events', { title: 't', text: 'x', alert_type: 'panic' });
  await expect400(api, '/api/v1/events', { title: 't', text: 'x', priority: 'urgent' });

  const v2 = (attributes) => ({ data: { type: 'event', attributes } });
  const appKey = { 'dd-application-key': 'app' };
  const okAlert = v2({ title: 'a', category: 'alert', attributes: { status: 'error' } });
  let r = await send(eventIntakeOrigin, '/api/v2/events', okAlert, { key });
  assert.deepEqual([r.status, r.body], [403, { errors: ['Forbidden'] }]);
  r = await send(eventIntakeOrigin, '/api/v2/events', okAlert, { headers: appKey });
  assert.equal(r.status, 403);
  assert.equal((await send(eventIntakeOrigin, '/api/v2/events', okAlert, { key, headers: appKey })).status, 202);
  await expect400(eventIntakeOrigin, '/api/v2/events', v2({ title: 'a', category: 'other', attributes: {} }), { headers: appKey });
  await expect400(eventIntakeOrigin, '/api/v2/events', v2({ title: 'a', category: 'alert', attributes: { status: 'bad' } }), { headers: appKey });
  await expect400(eventIntakeOrigin, '/api/v2/events', v2({ title: 'a', category: 'change', attributes: {} }), { headers: appKey });
  await expect400(eventIntakeOrigin, '/api/v2/events', v2({ title: 't'.repeat(501), category: 'alert', attributes: { status: 'ok' } }), { headers: appKey });
  await expect400(eventIntakeOrigin, '/api/v2/events', v2({ title: 'a', category: 'alert', attributes: { status: 'ok' }, message: 'm'.repeat(4001) }), { headers: appKey });
  await expect400(eventIntakeOrigin, '/api/v2/events', v2({ title: 'a', category: 'alert', attributes: { status: 'ok' }, tags: Array(101).fill('t') }), { headers: appKey });
  await expect400(eventIntakeOrigin, '/api/v2/events', v2({ title: 'a', category: 'alert', attributes: { status: 'ok' }, timestamp: 'yesterday' }), { headers: appKey });
  await expect400(eventIntakeOrigin, '/api/v2/events', { data: { type: 'events', attributes: {} } }, { headers: appKey });

  await expect400(api, '/api/v1/check_run', { check: 'not an array', host_name: 'h', status: 0, tags: [] });
  await expect400(api, '/api/v1/check_run', [{ host_name: 'h', status: 0, tags: [] }]);
  await expect400(api, '/api/v1/check_run', [{ check: 'c', status: 0, tags: [] }]);
  await expect400(api, '/api/v1/check_run', [{ check: 'c', host_name: 'h', status: 4, tags: [] }]);
  await expect400(api, '/api/v1/check_run', [{ check: 'c', host_name: 'h', status: 0 }]);
  assert.equal((await send(api, '/api/v1/check_run', [{ check: 'long', host_name: 'h', status: 2, tags: [], message: 'm'.repeat(600) }], { key })).status, 202);
  assert.equal((await received(sb, 'service_checks', c.orgId)).items.at(-1).message.length, 500);

  const inc = (attributes, type = 'incidents') => send(api, '/api/v2/incidents', { data: { type, attributes } }, { headers: bearer });
  assert.equal((await inc({ title: 't', customer_impacted: true })).status, 400);
  assert.equal((await inc({ customer_impacted: false })).status, 400);
  assert.equal((await inc({ title: 't' })).status, 400);
  assert.equal((await inc({ title: 't', customer_impacted: false }, 'incident')).status, 400);
  assert.equal((await inc({ title: 't', customer_impacted: false })).status, 201);

  const span = (over = {}) => ({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), name: 'n', startTimeUnixNano: '1', endTimeUnixNano: '2', ...over }] }] }] });
  await expect400(otlpOrigin, '/v1/traces', span({ traceId: 'xyz' }));
  await expect400(otlpOrigin, '/v1/traces', span({ spanId: '0'.repeat(16) }));
  await expect400(otlpOrigin, '/v1/traces', span({ name: undefined }));
  await expect400(otlpOrigin, '/v1/traces', span({ endTimeUnixNano: 'soon' }));
  await expect400(otlpOrigin, '/v1/traces', { resourceSpans: [{ spans: [] }] });
  await expect400(otlpOrigin, '/v1/traces', {});
  r = await send(otlpOrigin, '/v1/traces', span(), { key, headers: { 'content-type': 'application/x-protobuf' } });
  assert.equal(r.status, 415);
  assert.equal((await send(otlpOrigin, '/v1/traces', span(), { key, encoding: 'gzip' })).status, 200);

  const agent = (body) => send(sb.agentOrigin, '/v0.3/traces', body, { method: 'PUT' });
  const good = { trace_id: 1, span_id: 2, name: 'n', resource: 'r', service: 's', start: 1, duration: 2 };
  assert.equal((await agent({ not: 'an array' })).status, 400);
  assert.equal((await agent([[]])).status, 400);
  assert.equal((await agent([[{ ...good, trace_id: -1 }]])).status, 400);
  assert.equal((await agent([[{ ...good, service: undefined }]])).status, 400);
  assert.equal((await agent([[{ ...good, duration: 'long' }]])).status, 400);
  assert.equal((await agent([[good, { ...good, trace_id: 9 }]])).status, 400);
  assert.equal((await send(sb.agentOrigin, '/v0.3/traces', '[[', { method: 'PUT', raw: true })).status, 400);
  assert.equal((await send(sb.agentOrigin, '/v0.3/traces', [[good]], { method: 'POST' })).status, 200);
  assert.equal((await send(sb.agentOrigin, '/v0.3/traces', undefined, { method: 'GET', raw: true })).status, 405);
});

test('routes belong to one host kind: the wrong host answers 404', async () => {
  const s = siteOf(sb, 'ap2');
  const cases = [
    [s.logsOrigin, 'POST', '/api/v2/series'],
    [s.apiOrigin, 'POST', '/api/v2/logs'],
    [s.apiOrigin, 'GET', '/oauth2/v1/authorize'],
    [s.appOrigin, 'POST', '/oauth2/v1/token'],
    [s.eventIntakeOrigin, 'POST', '/api/v1/events'],
    [s.apiOrigin, 'POST', '/v1/traces'],
    [s.apiOrigin, 'PUT', '/v0.3/traces'],
    [sb.agentOrigin, 'POST', '/api/v2/series'],
    [s.apiOrigin, 'GET', '/nothing/here'],
    [sb.url, 'POST', '/api/v2/series'],
  ];
  for (const [origin, method, path] of cases) {
    const r = await fetch(origin + path, { method, body: method === 'GET' ? undefined : '{}' });
    assert.equal(r.status, 404, `${method} ${path}`);
    assert.match(r.headers.get('content-type'), /^application\/json/);
    await r.text();
  }
  const wrongMethod = await fetch(`${s.apiOrigin}/api/v2/series`);
  assert.equal(wrongMethod.status, 405);
  // The API host lists events (GET /api/v2/events); submitting them there is refused all the same.
  const eventsOnApi = await fetch(`${s.apiOrigin}/api/v2/events`, { method: 'POST', body: '{}' });
  assert.equal(eventsOnApi.status, 405);
  assert.equal(eventsOnApi.headers.get('allow'), 'GET');
});

test('received: kind is required and validated; unknown org is empty', async () => {
  const bad = await control(sb, 'GET', '/_sandbox/received?kind=nope');
  assert.equal(bad.status, 400);
  const none = await control(sb, 'GET', '/_sandbox/received?kind=logs&org=unknown');
  assert.deepEqual(none.body, { items: [], requests: [] });
});
