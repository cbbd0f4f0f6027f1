// Fault injection: sequences (429 with rate-limit headers, 5xx, 408, drop, delay, pass),
// seeded probability, site scoping, wildcard routes, and that faulted requests are not recorded.

import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox } from '../index.mjs';
import { control, received, connect, siteOf } from '../testkit.mjs';

const REDIRECT = 'https://partner.example/cb';
let sb;

before(async () => { sb = await startSandbox({ config: { clients: [{ redirectUris: [REDIRECT] }] } }); });
after(async () => { await sb.close(); });
beforeEach(() => { sb.reset(); });

const series = (metric) => JSON.stringify({ series: [{ metric, points: [{ timestamp: Math.floor(Date.now() / 1000), value: 1 }] }] });
const postMetric = (site, key, metric) => fetch(`${site.apiOrigin}/api/v2/series`, {
  method: 'POST', headers: { 'content-type': 'application/json', 'dd-api-key': key }, body: series(metric),
});

test('a sequence of faults is consumed in order, then the rule is inert', async () => {
  const eu = await connect(sb, 'eu1', { redirectUri: REDIRECT });
  const us = await connect(sb, 'us1', { redirectUri: REDIRECT });
  const add = await control(sb, 'POST', '/_sandbox/faults', {
    route: 'metrics_v2', site: 'eu1',
    sequence: [{ status: 429 }, { status: 503 }, 'drop', { delayMs: 250 }, 'pass', { status: 408 }, { status: 500 }],
  });
  assert.equal(add.status, 201);
  assert.equal(add.body.remaining, 7);

  // US1 is not affected by an EU1 rule.
  assert.equal((await postMetric(us.site, us.apiKey, 'us.ok')).status, 202);

  let r = await postMetric(eu.site, eu.apiKey, 'm1');
  assert.equal(r.status, 429);
  assert.equal(r.headers.get('x-ratelimit-limit'), '100');
  assert.equal(r.headers.get('x-ratelimit-period'), '60');
  assert.equal(r.headers.get('x-ratelimit-remaining'), '0');
  assert.equal(r.headers.get('x-ratelimit-reset'), '1');
  assert.equal(r.headers.get('x-ratelimit-name'), 'sandbox_metrics_v2');
  assert.match(r.headers.get('content-type'), /^application\/json/);
  assert.deepEqual(await r.json(), { errors: ['Rate limit exceeded'] });

  r = await postMetric(eu.site, eu.apiKey, 'm2');
  assert.equal(r.status, 503);
  assert.deepEqual(await r.json(), { errors: ['Service Unavailable'] });

  await assert.rejects(postMetric(eu.site, eu.apiKey, 'm3'), TypeError); // socket destroyed, no response

  const t0 = Date.now();
  r = await postMetric(eu.site, eu.apiKey, 'm4');
  assert.equal(r.status, 202);
  assert.ok(Date.now() - t0 >= 240, 'delayed');

  assert.equal((await postMetric(eu.site, eu.apiKey, 'm5')).status, 202); // pass
  r = await postMetric(eu.site, eu.apiKey, 'm6');
  assert.equal(r.status, 408);
  assert.deepEqual(await r.json(), { errors: ['Request Timeout'] });
  assert.equal((await postMetric(eu.site, eu.apiKey, 'm7')).status, 500);
  assert.equal((await postMetric(eu.site, eu.apiKey, 'm8')).status, 202); // exhausted

  const rec = await received(sb, 'metrics_v2', eu.orgId);
  assert.deepEqual(rec.items.map((s) => s.metric), ['m4', 'm5', 'm8']);
  const stats = (await control(sb, 'GET', '/_sandbox/stats')).body;
  assert.equal(stats.faults, 6); // 429, 503, drop, delay, 408, 500
  assert.equal(stats.routes['eu1 metrics_v2'], 8);
  const list = await control(sb, 'GET', '/_sandbox/faults');
  assert.equal(list.body.faults[0].remaining, 0);
});

test('probability faults: p=1 always, p=0 never, a seed makes the pattern reproducible', async () => {
  const c = await connect(sb, 'us5', { redirectUri: REDIRECT });
  const validate = () => fetch(`${c.site.apiOrigin}/api/v1/validate`, { headers: { 'dd-api-key': c.apiKey } }).then(async (r) => { await r.arrayBuffer(); return r.status; });

  await control(sb, 'POST', '/_sandbox/faults', { route: 'validate', probability: 1, choices: [{ status: 500 }] });
  assert.deepEqual([await validate(), await validate()], [500, 500]);
  await control(sb, 'DELETE', '/_sandbox/faults');
  await control(sb, 'POST', '/_sandbox/faults', { route: 'validate', probability: 0, choices: [{ status: 500 }] });
  assert.deepEqual([await validate(), await validate()], [200, 200]);
  await control(sb, 'DELETE', '/_sandbox/faults');

  const pattern = async () => {
    await control(sb, 'DELETE', '/_sandbox/faults');
    await control(sb, 'POST', '/_sandbox/faults', { route: 'validate', probability: 0.5, choices: [{ status: 503 }, { status: 429 }], seed: 42 });
    const out = [];
    for (let i = 0; i < 30; i++) out.push(await validate());
    return out;
  };
  const a = await pattern();
  const b = await pattern();
  assert.deepEqual(a, b);
  assert.ok(a.includes(200) && a.includes(503) && a.includes(429), a.join(','));
});

test('wildcard route, token endpoint faults, clearing and validation of rules', async () => {
  await control(sb, 'POST', '/_sandbox/faults', { route: '*', site: 'us3', sequence: [{ status: 503 }, { status: 429, retryAfter: 2 }] });
  const us3 = siteOf(sb, 'us3');
  let r = await fetch(`${us3.apiOrigin}/oauth2/v1/token`, { method: 'POST', body: 'grant_type=x' });
  assert.equal(r.status, 503);
  assert.deepEqual(await r.json(), { errors: ['Service Unavailable'] });
  r = await fetch(`${us3.appOrigin}/oauth2/v1/authorize`);
  assert.equal(r.status, 429);
  assert.equal(r.headers.get('retry-after'), '2');
  assert.equal(r.headers.get('x-ratelimit-name'), 'sandbox_authorize');
  await r.text();

  await control(sb, 'POST', '/_sandbox/faults', { route: 'token', action: { status: 500 } });
  r = await fetch(`${us3.apiOrigin}/oauth2/v1/token`, { method: 'POST', body: 'grant_type=x' });
  assert.equal(r.status, 500);
  await r.text();
  const cleared = await control(sb, 'DELETE', '/_sandbox/faults');
  assert.deepEqual(cleared.body, { faults: [] });
  r = await fetch(`${us3.apiOrigin}/oauth2/v1/token`, { method: 'POST', body: 'grant_type=x' });
  assert.equal(r.status, 401); // processed normally again
  await r.text();

  for (const bad of [
    { route: 'nope', sequence: [{ status: 500 }] },
    { route: 'token' },
    { route: 'token', sequence: [] },
    { route: 'token', sequence: [{ status: 200 }] },
    { route: 'token', sequence: ['explode'] },
    { route: 'token', probability: 2 },
  ]) {
    const res = await control(sb, 'POST', '/_sandbox/faults', bad);
    assert.equal(res.status, 400, JSON.stringify(bad));
  }
});

test('agent route faults and reset clears fault rules', async () => {
  await control(sb, 'POST', '/_sandbox/faults', { route: 'agent_traces', sequence: [{ status: 503 }] });
  const span = [[{ trace_id: 1, span_id: 1, name: 'n', resource: 'r', service: 's', start: 1, duration: 1 }]];
  const put = () => fetch(`${sb.agentOrigin}/v0.3/traces`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(span) });
  assert.equal((await put()).status, 503);
  await control(sb, 'POST', '/_sandbox/faults', { route: 'agent_traces', action: { status: 500 } });
  await control(sb, 'POST', '/_sandbox/reset');
  assert.equal((await put()).status, 200);
  assert.equal((await received(sb, 'agent_traces')).items.length, 1);
});
