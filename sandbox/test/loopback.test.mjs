// The sandbox is a dev tool, loopback only (issue 11 item 6): it serves every secret it issued, so no server
// answers a request addressed to a non-loopback name (DNS rebinding), and the control server gives no wildcard
// CORS and refuses requests a page from another origin sends.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startSandbox } from '../index.mjs';
import { connect, siteOf } from '../testkit.mjs';

const REDIRECT = 'https://partner.example/cb';
let sb;
before(async () => { sb = await startSandbox({ config: { clients: [{ redirectUris: [REDIRECT] }] } }); });
after(async () => { await sb.close(); });

// fetch() always sends the URL's host; a rebinding attack sends the attacker's name to 127.0.0.1.
function rawGet(origin, path, headers) {
  const u = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path, method: 'GET', headers, setHost: false }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('a rebound name is refused on the control server, secrets included', async () => {
  const port = new URL(sb.url).port;
  for (const host of [`rebind.attacker.example:${port}`, 'attacker.example', `127.0.0.1.nip.io:${port}`, `localhost.attacker.example:${port}`, '']) {
    const r = await rawGet(sb.url, '/_sandbox/secrets', host ? { host } : {});
    assert.doesNotMatch(r.body, /sandbox-client-secret/, host);
    if (host === '') {
      assert.equal(r.status, 400); // Node refuses an HTTP/1.1 request without Host before we see it
      continue;
    }
    assert.equal(r.status, 403, host);
    assert.match(r.body, /loopback only/);
  }
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, 'localhost', `[::1]:${port}`]) {
    const r = await rawGet(sb.url, '/.well-known/datadog-sandbox.json', { host });
    assert.equal(r.status, 200, host);
  }
});

test('a rebound name is refused on the site servers too (tokens, keys, intake)', async () => {
  const c = await connect(sb, 'eu1', { redirectUri: REDIRECT });
  const s = siteOf(sb, 'eu1');
  const port = new URL(s.apiOrigin).port;
  const evil = await rawGet(s.apiOrigin, '/api/v1/validate', { host: `evil.example:${port}`, 'dd-api-key': c.apiKey });
  assert.equal(evil.status, 403);
  assert.doesNotMatch(evil.body, /"valid":true/);
  const good = await rawGet(s.apiOrigin, '/api/v1/validate', { host: `127.0.0.1:${port}`, 'dd-api-key': c.apiKey });
  assert.equal(good.status, 200);
  assert.match(good.body, /"valid":true/);
  const tile = await rawGet(s.appOrigin, '/account/integrations/tile?org=x', { host: 'evil.example' });
  assert.equal(tile.status, 403);
});

test('control server: no wildcard CORS; other origins get no CORS header and cannot steer it', async () => {
  let r = await fetch(`${sb.url}/_sandbox/stats`);
  assert.equal(r.headers.get('access-control-allow-origin'), null);
  await r.text();
  r = await fetch(`${sb.url}/_sandbox/stats`, { headers: { origin: 'https://attacker.example' } });
  assert.equal(r.status, 403);
  assert.equal(r.headers.get('access-control-allow-origin'), null);
  await r.text();
  // A cross-site form POST (no preflight) that would reset the sandbox or plant a fault.
  r = await fetch(`${sb.url}/_sandbox/faults`, {
    method: 'POST', headers: { origin: 'http://attacker.example', 'content-type': 'text/plain' },
    body: JSON.stringify({ route: '*', action: { status: 500 } }),
  });
  assert.equal(r.status, 403);
  await r.text();
  assert.deepEqual(await (await fetch(`${sb.url}/_sandbox/faults`)).json(), { faults: [] });
  r = await fetch(`${sb.url}/_sandbox/secrets`, { headers: { origin: 'http://localhost:3000' } });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('access-control-allow-origin'), null, 'the secrets list never has a CORS header');
  await r.text();
  r = await fetch(`${sb.url}/_sandbox/reset`, { method: 'OPTIONS', headers: { origin: 'https://attacker.example' } });
  assert.equal(r.status, 403);
  assert.equal(r.headers.get('access-control-allow-origin'), null);
  await r.text();
  r = await fetch(`${sb.url}/_sandbox/stats`, { headers: { origin: 'http://localhost:8080' } });
  assert.equal(r.headers.get('access-control-allow-origin'), 'http://localhost:8080');
  await r.text();
});
