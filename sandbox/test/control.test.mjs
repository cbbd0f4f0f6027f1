// Control server and lifecycle: reset (with and without config), settings, client edits,
// stats, CORS, the CLI, logging without secrets, and close() leaving no open handles.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startSandbox } from '../index.mjs';
import { control, connect, siteOf, tokenRequest, authorizeAs, pkcePair } from '../testkit.mjs';

const REDIRECT = 'https://partner.example/cb';
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
let sb;

before(async () => { sb = await startSandbox({ config: { clients: [{ redirectUris: [REDIRECT] }] } }); });
after(async () => { await sb.close(); });

test('reset clears codes, tokens, keys, records, stats and faults; keeps the start config', async () => {
  const c = await connect(sb, 'eu1', { redirectUri: REDIRECT });
  await fetch(`${c.site.apiOrigin}/api/v1/check_run`, {
    method: 'POST', headers: { 'dd-api-key': c.apiKey, 'content-type': 'application/json' },
    body: JSON.stringify([{ check: 'c', host_name: 'h', status: 0, tags: [] }]),
  });
  await control(sb, 'POST', '/_sandbox/faults', { route: 'validate', action: { status: 500 } });
  await control(sb, 'POST', '/_sandbox/settings', { accessTokenTtlSeconds: 5 });
  const doc = await control(sb, 'POST', '/_sandbox/reset');
  assert.equal(doc.status, 200);
  assert.equal(doc.body.sites.length, 9);
  assert.deepEqual(doc.body.clients[0].redirectUris, [REDIRECT]);
  assert.equal(sb.config.accessTokenTtlSeconds, 3600);

  const stats = (await control(sb, 'GET', '/_sandbox/stats')).body;
  assert.deepEqual(stats, { token: { authorization_code: 0, refresh_token: 0, errors: 0 }, revoke: 0, apiKeys: { created: 0, conflicts: 0 }, routes: {}, faults: 0 });
  assert.deepEqual((await control(sb, 'GET', '/_sandbox/received?kind=service_checks')).body, { items: [], requests: [] });
  assert.deepEqual((await control(sb, 'GET', '/_sandbox/faults')).body, { faults: [] });
  const v = await fetch(`${c.site.apiOrigin}/api/v1/validate`, { headers: { 'dd-api-key': c.apiKey } });
  assert.equal(v.status, 403); // key gone (and no 500 fault)
  const inc = await fetch(`${c.site.apiOrigin}/api/v2/incidents`, { headers: { authorization: `Bearer ${c.tokens.access_token}` } });
  assert.equal(inc.status, 403);
  const again = await tokenRequest(sb, 'eu1', {
    grant_type: 'authorization_code', code: c.code, redirect_uri: REDIRECT, code_verifier: c.verifier,
    client_id: 'sandbox-client-id', client_secret: 'sandbox-client-secret',
  });
  assert.equal(again.body.error, 'invalid_grant');
});

test('reset with a config replaces clients, orgs and settings; bad config is 400', async () => {
  const doc = await control(sb, 'POST', '/_sandbox/reset', {
    clients: [
      { clientId: 'partner-a', clientSecret: 'sa', name: 'Partner A', redirectUris: [REDIRECT], scopes: ['api_keys_write'] },
      { clientId: 'partner-b', published: false, redirectUris: [REDIRECT] },
    ],
    orgs: [{ id: 'org-1', name: 'One', site: 'us3' }, { id: 'org-2', name: 'Two', site: 'us3' }, { id: 'org-3', name: 'Three', site: 'eu1' }],
    accessTokenTtlSeconds: 60, rotateRefreshTokens: false, codeTtlSeconds: 30,
  });
  assert.equal(doc.status, 200);
  assert.deepEqual(doc.body.clients.map((c) => [c.clientId, c.name, c.published, c.ownerOrg]), [
    ['partner-a', 'Partner A', true, 'org-1'], ['partner-b', 'Sandbox Partner', false, 'org-1'],
  ]);
  assert.deepEqual(doc.body.orgs.map((o) => o.id), ['org-1', 'org-2', 'org-3']);
  assert.deepEqual(sb.config.orgs.map((o) => o.site), ['us3', 'us3', 'eu1']);
  const c = await connect(sb, 'us3', { clientId: 'partner-a', clientSecret: 'sa', redirectUri: REDIRECT, orgId: 'org-2' });
  assert.equal(c.orgId, 'org-2');
  assert.equal(c.tokens.expires_in, 60);
  assert.equal(c.tokens.scope, 'api_keys_write');

  for (const bad of [{ orgs: [] }, { orgs: [{ site: 'mars' }] }, { clients: [{ scopes: 'x' }] }, { accessTokenTtlSeconds: -1 }, [1]]) {
    const r = await control(sb, 'POST', '/_sandbox/reset', bad);
    assert.equal(r.status, 400, JSON.stringify(bad));
  }
  const malformed = await fetch(`${sb.url}/_sandbox/reset`, { method: 'POST', body: '{' });
  assert.deepEqual([malformed.status, await malformed.json()], [400, { errors: ['Malformed JSON'] }]);
  // The failed resets left the previous state alone.
  assert.equal(sb.config.clients[0].clientId, 'partner-a');
  sb.reset();
  assert.equal(sb.config.clients[0].clientId, 'sandbox-client-id');
});

test('settings merge and validate', async () => {
  sb.reset();
  let r = await control(sb, 'POST', '/_sandbox/settings', { codeTtlSeconds: 10 });
  assert.deepEqual(r.body, { accessTokenTtlSeconds: 3600, rotateRefreshTokens: true, codeTtlSeconds: 10, currentUser: 'ok', revokeAuth: 'lenient', refreshGraceSeconds: 0 });
  r = await control(sb, 'POST', '/_sandbox/settings', { rotateRefreshTokens: 'no' });
  assert.equal(r.status, 400);
  r = await control(sb, 'GET', '/_sandbox/settings');
  assert.equal(r.body.codeTtlSeconds, 10);
});

test('PUT /_sandbox/clients merges (secret rotation) and creates unknown clients', async () => {
  sb.reset();
  const before = await connect(sb, 'us1', { redirectUri: REDIRECT, apiKey: false });
  let r = await control(sb, 'PUT', '/_sandbox/clients/sandbox-client-id', { clientSecret: 'rotated', scopes: ['incident_read'] });
  assert.equal(r.status, 200);
  assert.equal(r.body.clientSecret, undefined);
  assert.deepEqual(r.body.scopes, ['incident_read']);
  assert.deepEqual(r.body.redirectUris, [REDIRECT]);
  // Old secret no longer authenticates; the existing grant survives with the new one.
  const refresh = (secret) => tokenRequest(sb, 'us1', { grant_type: 'refresh_token', refresh_token: before.tokens.refresh_token, client_id: 'sandbox-client-id', client_secret: secret });
  assert.equal((await refresh('sandbox-client-secret')).status, 401);
  assert.equal((await refresh('rotated')).status, 200);

  r = await control(sb, 'PUT', '/_sandbox/clients/test-client', { name: 'Test Client', redirectUris: [REDIRECT], published: false });
  assert.equal(r.status, 201);
  assert.equal(r.body.published, false);
  const wk = (await control(sb, 'GET', '/.well-known/datadog-sandbox.json')).body;
  assert.deepEqual(wk.clients.map((c) => c.clientId), ['sandbox-client-id', 'test-client']);
  // Unpublished: the owner org (first org, US1) can authorize, EU1's cannot.
  const { challenge } = pkcePair();
  const ok = await authorizeAs(sb, 'us1', { clientId: 'test-client', redirectUri: REDIRECT, challenge });
  assert.ok(ok.redirect.searchParams.get('code'));
  const no = await authorizeAs(sb, 'eu1', { clientId: 'test-client', redirectUri: REDIRECT, challenge });
  assert.equal(no.status, 400);
  assert.ok(no.html.includes('invalid_request - Invalid client_id parameter value'));

  r = await control(sb, 'PUT', '/_sandbox/clients/test-client', { redirectUris: 'nope' });
  assert.equal(r.status, 400);
});

test('control server: CORS for loopback origins on GETs and preflight, 404 for unknown paths', async () => {
  let r = await fetch(`${sb.url}/_sandbox/stats`, { headers: { origin: 'http://localhost:3000' } });
  assert.equal(r.headers.get('access-control-allow-origin'), 'http://localhost:3000');
  await r.text();
  r = await fetch(`${sb.url}/_sandbox/reset`, { method: 'OPTIONS', headers: { origin: 'http://127.0.0.1:5173' } });
  assert.equal(r.status, 204);
  assert.match(r.headers.get('access-control-allow-methods'), /POST/);
  r = await fetch(`${sb.url}/`);
  assert.match(await r.text(), /Integration tiles/);
  r = await fetch(`${sb.url}/_sandbox/nothing`);
  assert.equal(r.status, 404);
  await r.text();
});

test('bad input never crashes a server', async () => {
  const s = siteOf(sb, 'us1');
  const net = await import('node:net');
  const port = Number(new URL(s.apiOrigin).port);
  await new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.end('GARBAGE\r\n\r\n'));
    sock.on('data', () => {});
    sock.on('close', resolve);
    sock.on('error', resolve);
  });
  // Client disconnects mid-body.
  await new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1', () => {
      sock.write('POST /api/v2/series HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\ndd-api-key: k\r\n\r\n{"ser');
      setTimeout(() => { sock.destroy(); resolve(); }, 50);
    });
  });
  const r = await fetch(`${s.apiOrigin}/oauth2/v1/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[]' });
  assert.equal(r.status, 400);
  await r.text();
});

function runNode(args, { env = {}, onLine, timeoutMs = 10000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`timed out; stdout=${out} stderr=${err}`)); }, timeoutMs);
    child.stdout.on('data', (d) => {
      out += d;
      if (onLine) onLine(out, child);
    });
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (code, signal) => { clearTimeout(timer); resolve({ code, signal, out, err }); });
  });
}

test('CLI prints the control URL and every site, serves, and exits on SIGTERM', async () => {
  let checked = null;
  const res = await runNode([here('../cli.mjs'), '--port', '0'], {
    onLine: (out, child) => {
      if (checked || !/agent /.test(out)) return;
      const url = /^Datadog sandbox: (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out)[1];
      checked = fetch(`${url}/.well-known/datadog-sandbox.json`).then((r) => r.json()).then((doc) => {
        child.kill('SIGTERM');
        return doc;
      });
    },
  });
  const doc = await checked;
  assert.equal(doc.sites.length, 9);
  assert.equal(res.code, 0);
  for (const s of doc.sites) assert.ok(res.out.includes(s.apiOrigin), s.id);
  assert.match(res.out, /eu1 +datadoghq\.eu +app http/);
});

test('close() leaves no open handles, and log: true never prints secrets', async () => {
  const script = `
    import { startSandbox } from ${JSON.stringify(here('../index.mjs'))};
    import { connect } from ${JSON.stringify(here('../testkit.mjs'))};
    const sb = await startSandbox({ log: true, config: { clients: [{ redirectUris: ['https://p.example/cb'] }] } });
    const c = await connect(sb, 'us1', { redirectUri: 'https://p.example/cb' });
    await fetch(sb.url + '/_sandbox/faults', { method: 'POST', body: JSON.stringify({ route: 'validate', sequence: [{ delayMs: 600000 }] }) });
    fetch(c.site.apiOrigin + '/api/v1/validate', { headers: { 'dd-api-key': c.apiKey } }).catch(() => {});
    await new Promise((r) => setTimeout(r, 100));
    await sb.close();
    // What still keeps the process alive once close() resolved: the pending 10-minute delay must not be among it.
    process.stderr.write('ACTIVE ' + JSON.stringify(process.getActiveResourcesInfo()) + '\\n');
    process.stderr.write('SECRETS ' + JSON.stringify([c.tokens.access_token, c.tokens.refresh_token, c.apiKey, c.code]) + '\\n');
  `;
  const res = await runNode(['--input-type=module', '-e', script]);
  assert.equal(res.code, 0, res.err);
  // No wall clock: close() must have cleared the fault's timer (a leaked one would keep the process up for 10 minutes).
  const active = JSON.parse(/ACTIVE (.*)/.exec(res.err)[1]);
  assert.ok(!active.includes('Timeout'), `close() left a pending timer: ${active}`);
  const secrets = JSON.parse(/SECRETS (.*)/.exec(res.err)[1]);
  assert.match(res.out, /\[sandbox\] us1 api POST token 200/);
  for (const s of [...secrets, 'sandbox-client-secret']) assert.ok(!res.out.includes(s), 'secret leaked to the log');
});
