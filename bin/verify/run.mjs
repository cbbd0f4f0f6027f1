// `datadog-oauth-wasm verify`: the test list that ends Datadog's guide to API-based integrations, as a command.
// Per site: authorization (from the tile and from the partner's own site, through the consent page), the
// marketplace API key and its `api_key_exists` recovery, cross-region (every request on the user's own site's
// hosts), and data flow per scope (./scopes.mjs). Against the sandbox on all nine sites, or a stored connection.
// Uses the package's own built entry: what a partner's code would call.

import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { SCOPE_TABLE, queryOf } from './scopes.mjs';
import { writeReports } from './report.mjs';
import { Recorder } from './record.mjs';
import { consent } from './consent.mjs';
import { parseArgs, USAGE, UsageError } from './args.mjs';

export const STEPS = ['authorization', 'api_key', 'cross_region', 'data_flow'];
export { parseArgs, USAGE, DEFAULT_REDIRECT_URI, DEFAULT_ONBOARDING_URL } from './args.mjs';

const errorInfo = (e) => (e && typeof e === 'object'
  ? { code: e.code ?? 'error', message: String(e.message ?? e), hint: e.hint ?? '', ...(e.status ? { status: e.status } : {}) }
  : { code: 'error', message: String(e), hint: '' });

/** A failure of a check, with the verify hint that says what to change. */
class Finding extends Error {
  constructor(code, message, hint) {
    super(message);
    this.code = code;
    this.hint = hint;
  }
}

export async function verify(opts, { log = console.log, dd: ddArg } = {}) {
  const dd = ddArg ?? (await import('datadog-oauth-wasm'));
  const tag = randomBytes(4).toString('hex');
  const recorder = new Recorder();
  const started = new Date();
  let ownSandbox = null;
  let sandboxUrl = opts.sandboxUrl;
  const report = {
    tool: 'datadog-oauth-wasm verify', mode: opts.sandbox ? (sandboxUrl ? 'sandbox (running)' : 'sandbox') : 'connection',
    startedAt: started.toISOString(), clientId: opts.clientId, redirectUri: opts.redirectUri, scopes: opts.scopeList,
    scopeTable: 'Datadog scope list https://docs.datadoghq.com/api/latest/scopes/ (docs/datadog-behaviour.md §3), bin/verify/scopes.mjs',
    steps: STEPS, sites: [],
  };
  const line = (site, step, status, detail) => log(`${site.padEnd(8)} ${step.padEnd(18)} ${status.toUpperCase().padEnd(11)} ${detail}`);

  try {
    if (opts.sandbox) {
      if (!sandboxUrl) {
        const { startSandbox } = await import('../../sandbox/index.mjs');
        ownSandbox = await startSandbox({
          config: { clients: [{ clientId: opts.clientId, clientSecret: opts.clientSecret, redirectUris: [opts.redirectUri], onboardingUrl: opts.onboardingUrl, scopes: opts.scopeList }] },
        });
        sandboxUrl = ownSandbox.url;
      }
      const doc = await (await fetch(`${sandboxUrl}/.well-known/datadog-sandbox.json`)).json();
      recorder.knowSites(doc.sites);
      const specs = opts.sites ? JSON.parse(readFileSync(opts.sites, 'utf8')) : doc.sites;
      const libSites = specs.map(({ id, name, site, appOrigin, apiOrigin, logsOrigin, eventIntakeOrigin, otlpOrigin }) => dd.customSite({ id, name, site, appOrigin, apiOrigin, logsOrigin, eventIntakeOrigin, otlpOrigin }));
      const client = new dd.DatadogClient({ clientId: opts.clientId, clientSecret: opts.clientSecret, redirectUri: opts.redirectUri, sites: libSites, fetch: recorder.fetch });
      const ctx = { dd, opts, tag, recorder, client, libSites, sandboxUrl, doc, line };
      for (const s of doc.sites) {
        if (opts.siteIds && !opts.siteIds.includes(s.id)) continue;
        report.sites.push(await verifySandboxSite(ctx, s));
      }
    } else {
      report.sites.push(await verifyConnection({ dd, opts, tag, recorder, line }));
    }
  } finally {
    if (ownSandbox) await ownSandbox.close();
  }
  report.finishedAt = new Date().toISOString();
  report.summary = summarize(report);
  const files = writeReports(opts.report, report);
  log(`${report.summary.passed ? 'PASS' : 'FAIL'}: ${report.summary.text}`);
  log(`report: ${files.join(', ')}`);
  return { report, files, exitCode: report.summary.passed ? 0 : 1 };
}

function summarize(report) {
  let failed = 0;
  let total = 0;
  const notChecked = new Set();
  for (const s of report.sites) {
    for (const step of STEPS) {
      const st = s.steps[step];
      if (!st || st.status === 'skipped') continue;
      total++;
      if (st.status !== 'pass') failed++;
    }
    for (const sc of s.scopes) if (sc.status === 'not_checked' || sc.status === 'skipped') notChecked.add(sc.scope);
  }
  const text = `${total - failed}/${total} steps passed on ${report.sites.length} site(s)` +
    (notChecked.size ? `; not checked: ${[...notChecked].join(', ')}` : '');
  return { passed: failed === 0 && total > 0, failedSteps: failed, steps: total, notChecked: [...notChecked], text };
}

async function step(site, name, line, fn) {
  const rec = { status: 'fail', detail: '' };
  try {
    const r = await fn();
    rec.status = r?.status ?? 'pass';
    rec.detail = r?.detail ?? '';
  } catch (e) {
    rec.error = errorInfo(e);
    rec.detail = `${rec.error.code}: ${rec.error.message}`;
  }
  site.steps[name] = rec;
  line(site.id, name, rec.status, rec.detail + (rec.error?.hint ? `\n${' '.repeat(40)}hint: ${rec.error.hint}` : ''));
  return rec;
}

const libSiteFor = (ctx, s) => ctx.libSites.find((x) => x.id === s.id) ?? ctx.libSites.find((x) => x.site === s.site);

async function control(ctx, method, path) {
  const res = await fetch(ctx.sandboxUrl + path, { method });
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

async function verifySandboxSite(ctx, s) {
  const { dd, opts, recorder, client, line } = ctx;
  const site = { id: s.id, site: s.site, name: s.name, steps: {}, scopes: [], requests: [] };
  const org = ctx.doc.orgs.find((o) => o.site === s.id);
  const lib = libSiteFor(ctx, s);
  const conns = {};
  recorder.begin(s.id);

  await step(site, 'authorization', line, async () => {
    if (!org) throw new Finding('no_org', `the sandbox has no organization on ${s.id}`, 'Reset the sandbox or add an org on this site to its config.');
    if (!lib) throw new Finding('site_missing', `the sites list has no site for ${s.id} (${s.site})`, 'Pass every site of the sandbox\'s well-known document to the library (sites.map(customSite)).');
    // From the tile: Datadog opens the onboarding URL with `site` and `domain`.
    recorder.step('authorization');
    const tile = await recorder.fetch(`${org.tileUrl}&client=${encodeURIComponent(opts.clientId)}`);
    const html = await tile.text();
    const link = /<a id="connect" class="button" href="([^"]+)">/.exec(html);
    if (!link) {
      throw new Finding('onboarding_url_not_registered', `the integration tile on ${s.id} has no Connect Accounts link: no onboarding URL is registered for client ${opts.clientId}`,
        'Register your onboarding URL on the OAuth client (Developer Platform > your integration > OAuth; sandbox: `sandbox --onboarding-url URL`), then run verify again.');
    }
    const connectUrl = link[1].replace(/&amp;/g, '&');
    const expected = new URL(opts.onboardingUrl);
    const got = new URL(connectUrl);
    if (got.origin + got.pathname !== expected.origin + expected.pathname) {
      throw new Finding('onboarding_url_mismatch', `the tile opens ${got.origin}${got.pathname}, not your onboarding URL ${expected.origin}${expected.pathname}`,
        'The onboarding URL registered on the OAuth client must be the page of yours that starts the flow (--onboarding-url).');
    }
    const onboarding = dd.parseOnboardingUrl(connectUrl, { sites: ctx.libSites });
    conns.tile = await authorizeOnce(ctx, s, onboarding.site);
    // From the partner's own site: the user picks the site there; no `site`/`domain` from Datadog.
    conns.own = await authorizeOnce(ctx, s, lib);
    return { detail: `tile and own site: 2 connections for org ${conns.own.orgId ?? '?'}` };
  });

  await step(site, 'api_key', line, async () => {
    if (!conns.tile) return { status: 'fail', detail: 'not run: no connection (authorization failed)' };
    recorder.step('api_key');
    const withKey = await client.createApiKey(conns.tile);
    await validateKey(ctx, lib, withKey.apiKey, true);
    // A second authorization of the same org: Datadog refuses a second key for the client (api_key_exists).
    let exists = null;
    try {
      await client.createApiKey(conns.own);
    } catch (e) {
      if (e.code !== 'api_key_exists') throw e;
      exists = e;
    }
    if (!exists) throw new Finding('api_key_exists_not_seen', 'a second marketplace key for the same org was created; expected api_key_exists', 'The sandbox models Datadog: one marketplace key per org and client.');
    // Recovery as the hint says: the user revokes the old "OAuth Client API Key", the flow runs again.
    await control(ctx, 'DELETE', `/_sandbox/api-keys?org=${encodeURIComponent(org.id)}&client=${encodeURIComponent(opts.clientId)}`);
    conns.keyed = await client.createApiKey(conns.own);
    await validateKey(ctx, lib, conns.keyed.apiKey, true);
    await validateKey(ctx, lib, withKey.apiKey, false);
    return { detail: `created and valid; second key is api_key_exists ("${exists.hint.slice(0, 60)}..."); after revoking it, a new key works` };
  });

  await dataFlow(ctx, site, s, conns.keyed ?? conns.own ?? conns.tile, { org, writes: true, sandbox: true });
  await crossRegion(ctx, site, s);
  return site;
}

async function authorizeOnce(ctx, s, siteArg) {
  const { dd, opts, client, recorder } = ctx;
  const { url, pending } = dd.startAuthorization({ clientId: opts.clientId, redirectUri: opts.redirectUri, site: siteArg, sites: ctx.libSites });
  const outcome = await consent(recorder.fetch, url);
  if (outcome.page) {
    // Datadog shows a page, not a redirect, for a client or redirect URI it does not accept; the core knows the texts.
    throw pageError(dd, outcome.page);
  }
  if (!outcome.location.startsWith(opts.redirectUri.split('?')[0])) {
    throw new Finding('redirect_uri_mismatch', `the consent page sent the user to ${new URL(outcome.location).origin}, not your redirect URI`, 'Register exactly this redirect URI on the OAuth client.');
  }
  const cb = dd.parseCallback(outcome.location, pending, { sites: ctx.libSites });
  const conn = await client.exchangeCode({ ...cb, codeVerifier: pending.codeVerifier });
  if (conn.domain !== s.site) throw new Finding('site_mismatch', `the connection is for ${conn.domain}, not ${s.site}`, 'The callback `domain` decides the site (policy 7).');
  return conn;
}

// The text of Datadog's error page, typed by the core (e.g. "invalid_request - Mismatching redirect URI").
function pageError(dd, page) {
  const text = page.message || `HTTP ${page.status}`;
  try {
    dd.parseTokenResponse({ response: { status: 400, headers: { 'content-type': 'text/plain' }, body: text }, now: Date.now(), domain: 'datadoghq.com' });
  } catch (e) {
    if (e && e.code) return Object.assign(e, { message: `the authorization page says: ${text}` });
  }
  return new Finding('authorization_page_error', `the authorization page says: ${text}`, 'Check the client ID and the redirect URI registered on the OAuth client.');
}

async function validateKey(ctx, lib, key, expectValid) {
  const res = await ctx.recorder.fetch(ctx.dd.endpoints(lib, { sites: ctx.libSites }).validate, { headers: { 'dd-api-key': key } });
  await res.text();
  if (expectValid && res.status !== 200) throw new Finding('api_key_invalid', `GET /api/v1/validate with the new key answered ${res.status}`, 'The key must work at once on the user\'s own site; check the site the connection is for.');
  if (!expectValid && res.status === 200) throw new Finding('api_key_still_valid', 'the revoked key still validates', 'A revoked key must stop working.');
}

async function dataFlow(ctx, site, s, conn, { org, writes, sandbox }) {
  await step(site, 'data_flow', ctx.line, async () => {
    if (!conn) return { status: 'fail', detail: 'not run: no connection' };
    ctx.recorder.step('data_flow');
    let failed = 0;
    for (const scope of ctx.opts.scopeList) {
      const row = SCOPE_TABLE[scope];
      const rec = { scope, kind: row?.kind ?? null, what: row?.what ?? null, status: 'not_checked', detail: row ? '' : 'not in the scope table' };
      site.scopes.push(rec);
      if (!row) continue;
      if (row.kind !== 'read' && !writes) {
        Object.assign(rec, { status: 'skipped', detail: 'read-only run (pass --allow-writes)' });
        continue;
      }
      try {
        rec.detail = await checkScope(ctx, row, scope, conn, { org, sandbox });
        rec.status = 'pass';
      } catch (e) {
        rec.status = 'fail';
        rec.error = errorInfo(e);
        rec.detail = `${rec.error.code}: ${rec.error.message}`;
        failed++;
      }
      ctx.line(s.id, `  ${scope}`, rec.status, rec.detail + (rec.error?.hint ? `\n${' '.repeat(40)}hint: ${rec.error.hint}` : ''));
    }
    const checked = site.scopes.filter((x) => x.status === 'pass' || x.status === 'fail').length;
    if (failed) {
      const first = site.scopes.find((x) => x.status === 'fail');
      throw Object.assign(new Finding(first.error.code, `${failed} of ${checked} checked scope(s) failed, first ${first.scope}: ${first.error.message}`, first.error.hint), { status: first.error.status });
    }
    return { detail: `${checked} scope(s) passed${site.scopes.some((x) => x.status !== 'pass') ? `, ${site.scopes.filter((x) => x.status !== 'pass').length} not checked` : ''}` };
  });
}

async function checkScope(ctx, row, scope, conn, { org, sandbox }) {
  const { client, tag } = ctx;
  if (row.kind === 'read') {
    let items = 0;
    let pages = 0;
    for await (const p of client.paginate(conn, { path: row.list.path, query: queryOf(row.list), pages: true })) {
      pages++;
      items += p.items.length;
      if (pages >= 50) break; // enough to show the pages flow; a big org's list need not be read whole
    }
    return `${row.what}: ${items} item(s) on ${pages} page(s)`;
  }
  if (row.kind === 'write') {
    const created = await client.request(conn, { method: 'POST', path: row.create.path, body: row.create.body(tag) });
    const id = row.id(created.body);
    if (id === undefined || id === null) throw new Finding('invalid_response', `${row.create.path} answered ${created.status} without an id`, 'Datadog returns the new resource with its id.');
    await client.request(conn, row.remove(id));
    return `${row.what}: created ${id} and deleted it`;
  }
  // api_keys_write: the key (step 2) plus data sent with it, found at the intake.
  if (!conn.apiKey) throw new Finding('missing_api_key', 'no API key on the connection', 'Run client.createApiKey(conn) after the code exchange (scope api_keys_write).');
  const now = Math.floor(Date.now() / 1000);
  const marker = `verify_run:${tag}`;
  const sent = [
    ['metrics', await client.submitMetrics(conn, [{ metric: 'datadog.verify.check', type: 'gauge', points: [{ timestamp: now, value: 1 }], tags: [marker] }])],
    ['logs', await client.submitLogs(conn, [{ message: `datadog-oauth-wasm verify ${marker}`, ddtags: [marker] }], { source: 'datadog-verify' })],
    ['events', await client.submitEvents(conn, [{ title: 'datadog-oauth-wasm verify', text: `verify run ${marker}`, tags: [marker] }])],
    ['service checks', await client.submitServiceChecks(conn, [{ check: 'datadog.verify.check', host_name: 'verify', status: 0, tags: [marker] }])],
  ];
  for (const [what, r] of sent) {
    if (r.failed.length) {
      const f = r.failed[0];
      throw Object.assign(new Finding(f.code, `${what}: ${f.message}`, f.hint), { status: f.status });
    }
  }
  if (!sandbox) return 'metric, log, event and service check accepted by the intake (not read back)';
  const kinds = { metrics: ['metrics_v2', 'metrics_v1'], logs: ['logs'], events: ['events_v1', 'events_v2'], 'service checks': ['service_checks'] };
  for (const [what, ks] of Object.entries(kinds)) {
    let found = false;
    for (const k of ks) {
      const got = await control(ctx, 'GET', `/_sandbox/received?kind=${k}&org=${encodeURIComponent(org.id)}`);
      if (JSON.stringify(got.items).includes(tag)) found = true;
    }
    if (!found) throw new Finding('not_found_at_intake', `the ${what} sent with the key did not arrive at ${org.site}'s intake for org ${org.id}`, 'Data must go to the intake hosts of the user\'s own site with the key created for that org.');
  }
  return 'key, then a metric, a log, an event and a service check, each found at the intake';
}

async function crossRegion(ctx, site, s) {
  await step(site, 'cross_region', ctx.line, async () => {
    const { requests, problems } = ctx.recorder.check(s.id);
    site.requests = requests;
    if (problems.length) {
      const p = problems[0];
      throw new Finding('cross_region', `${problems.length} of ${requests.length} request(s) left ${s.id}'s hosts, first: ${p}`,
        'Every call for a user must go to the hosts of the site the user authorized on, API calls never to a vanity host (policy 7). Check the `sites` list you give the library (each customSite\'s origins) and that nothing in your code fixes a host such as datadoghq.com.');
    }
    return { detail: `${requests.length} request(s), all on ${s.id}'s own hosts` };
  });
}

async function verifyConnection({ dd, opts, tag, recorder, line }) {
  const conn = JSON.parse(readFileSync(opts.connection, 'utf8'));
  const specs = opts.sites ? JSON.parse(readFileSync(opts.sites, 'utf8')) : [];
  const libSites = specs.map(({ id, name, site, appOrigin, apiOrigin, logsOrigin, eventIntakeOrigin, otlpOrigin }) => dd.customSite({ id, name, site, appOrigin, apiOrigin, logsOrigin, eventIntakeOrigin, otlpOrigin }));
  // The stored row is not trusted for its hosts: a custom site must be one of --sites, a Datadog site comes from the
  // library's table by its `domain`. Otherwise nothing is sent.
  const custom = conn.site && typeof conn.site === 'object' && conn.site.custom;
  let siteDesc = custom ? libSites.find((x) => x.site === conn.domain && x.apiOrigin === conn.site.apiOrigin) : null;
  if (!custom) {
    try {
      siteDesc = dd.resolveSite(String(conn.domain ?? ''));
    } catch {
      siteDesc = null;
    }
  }
  if (!siteDesc) {
    const id = String((custom ? conn.site.id : conn.domain) ?? 'unknown');
    const error = {
      code: 'invalid_site',
      message: custom ? `the stored connection's custom site (${conn.site.apiOrigin}) is not one of the --sites list` : `the stored connection's domain ${JSON.stringify(conn.domain)} is not a Datadog site`,
      hint: 'Pass the sites list the connection was made with (--sites FILE); a stored row cannot choose its own hosts.',
    };
    const site = { id, site: String(conn.domain ?? ''), name: id, steps: {}, scopes: [], requests: [] };
    for (const st of STEPS) site.steps[st] = st === 'authorization' ? { status: 'skipped', detail: 'stored connection' } : { status: 'fail', detail: `${error.code}: ${error.message}`, error };
    line(id, 'connection', 'fail', `${error.message}\n${' '.repeat(40)}hint: ${error.hint}`);
    return site;
  }
  recorder.knowSites([siteDesc]);
  const client = new dd.DatadogClient({ clientId: opts.clientId, clientSecret: opts.clientSecret, sites: libSites, fetch: recorder.fetch });
  const ctx = { dd, opts: { ...opts, scopeList: opts.scopes ? opts.scopeList : (conn.scopes ?? []) }, tag, recorder, client, libSites, line };
  const id = siteDesc.id;
  const site = { id, site: siteDesc.site, name: siteDesc.name, steps: {}, scopes: [], requests: [] };
  recorder.begin(id);
  site.steps.authorization = { status: 'skipped', detail: 'stored connection (authorization is checked against the sandbox)' };
  line(id, 'authorization', 'skipped', site.steps.authorization.detail);
  await step(site, 'api_key', line, async () => {
    if (!conn.apiKey) throw new Finding('missing_api_key', 'the stored connection has no API key', 'Run client.createApiKey(conn) after the code exchange and store the connection it returns (the key is shown once).');
    recorder.step('api_key');
    await validateKey({ ...ctx, recorder }, siteDesc, conn.apiKey, true);
    return { detail: 'present and valid (GET /api/v1/validate)' };
  });
  await dataFlow(ctx, site, siteDesc, conn, { writes: opts.allowWrites, sandbox: false });
  await crossRegion(ctx, site, siteDesc);
  return site;
}

export async function main(argv, { log = console.log, err = console.error } = {}) {
  let opts;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`verify: ${e.message}\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    log(USAGE);
    return 0;
  }
  try {
    const { exitCode } = await verify(opts, { log });
    return exitCode;
  } catch (e) {
    // Unreadable input (the --sites or --connection file, a sandbox that does not answer): a usage problem, not a finding.
    err(`verify: ${e && e.code ? `${e.code}: ` : ''}${e && e.message}${e && e.hint ? `\n  hint: ${e.hint}` : ''}`);
    return 2;
  }
}
