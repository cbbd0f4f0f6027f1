// Starts the Datadog sandbox: five servers per emulated site (app, api, logs, events, otlp),
// a fake local Agent and a control server, all on loopback; routes each request to its
// handler, applying fault rules first. Entry point of the module API (`startSandbox`).

import http from 'node:http';
import { SITES, HOST_KINDS } from './sites.mjs';
import { SandboxState, SecretLog, normalizeConfig, clientDefaults } from './state.mjs';
import { HttpError, sendJson, hostAllowed, refuseHost } from './http.mjs';
import { Faults, faultResponse } from './faults.mjs';
import * as oauth from './oauth.mjs';
import * as intake from './intake.mjs';
import { handleControl } from './control.mjs';
import { RESOURCE_ROUTES, incidentsList } from './resources.mjs';
import { currentUser } from './users.mjs';

// One entry per (path, method). `kind` is the host kind that serves it.
const ROUTES = [
  { name: 'tile', kind: 'app', method: 'GET', path: '/account/integrations/tile', handler: oauth.tile },
  { name: 'authorize', kind: 'app', method: 'GET', path: '/oauth2/v1/authorize', handler: oauth.authorizeGet },
  { name: 'authorize', kind: 'app', method: 'POST', path: '/oauth2/v1/authorize', handler: oauth.authorizePost },
  { name: 'token', kind: 'api', method: 'POST', path: '/oauth2/v1/token', handler: oauth.token },
  { name: 'revoke', kind: 'api', method: 'POST', path: '/oauth2/v1/revoke', handler: oauth.revoke },
  { name: 'api_key', kind: 'api', method: 'POST', path: '/api/v2/api_keys/marketplace', handler: oauth.marketplaceApiKey },
  { name: 'validate', kind: 'api', method: 'GET', path: '/api/v1/validate', handler: intake.validate },
  { name: 'current_user', kind: 'api', method: 'GET', path: '/api/v2/current_user', handler: currentUser },
  { name: 'metrics_v2', kind: 'api', method: 'POST', path: '/api/v2/series', handler: intake.metricsV2 },
  { name: 'metrics_v1', kind: 'api', method: 'POST', path: '/api/v1/series', handler: intake.metricsV1 },
  { name: 'events_v1', kind: 'api', method: 'POST', path: '/api/v1/events', handler: intake.eventsV1 },
  { name: 'events_list', kind: 'api', method: 'GET', path: '/api/v1/events', handler: intake.eventsList },
  { name: 'service_checks', kind: 'api', method: 'POST', path: '/api/v1/check_run', handler: intake.serviceChecks },
  { name: 'incidents', kind: 'api', method: 'POST', path: '/api/v2/incidents', handler: intake.createIncident },
  { name: 'incidents_list', kind: 'api', method: 'GET', path: '/api/v2/incidents', handler: incidentsList },
  { name: 'logs', kind: 'logs', method: 'POST', path: '/api/v2/logs', handler: intake.logs },
  { name: 'events_v2', kind: 'events', method: 'POST', path: '/api/v2/events', handler: intake.eventsV2 },
  { name: 'otlp_traces', kind: 'otlp', method: 'POST', path: '/v1/traces', handler: intake.otlpTraces },
  { name: 'agent_traces', kind: 'agent', method: 'PUT', path: '/v0.3/traces', handler: intake.agentTraces },
  { name: 'agent_traces', kind: 'agent', method: 'POST', path: '/v0.3/traces', handler: intake.agentTraces },
  ...RESOURCE_ROUTES,
];
const pathMatches = (r, pathname) => (typeof r.path === 'string' ? r.path === pathname : r.path.test(pathname));

function originOf(host, port) {
  const h = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${h}:${port}`;
}

function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address().port);
    });
  });
}

export async function startSandbox({ port = 0, host = '127.0.0.1', config, log = false } = {}) {
  const initialConfig = normalizeConfig(config); // validate early; keeps reset() reproducible
  // Loopback names are always accepted; a host the caller bound explicitly (e.g. a container's name) too.
  const boundName = host.replace(/^\[|\]$/g, '').toLowerCase();
  const extraHosts = ['0.0.0.0', '::', '127.0.0.1', '::1', 'localhost'].includes(boundName) ? [] : [host.toLowerCase()];
  const servers = [];
  const timers = new Set();
  let closed = false;
  const secrets = new SecretLog(); // outlives resets: GET /_sandbox/secrets lists everything since start

  const sb = {
    state: new SandboxState(initialConfig, { secrets }),
    faults: new Faults(),
    siteDocs: [],
    agentOrigin: null,
    url: null,
    wellKnown: () => sb.state.publicDoc(sb.siteDocs, sb.agentOrigin),
    clientDefaults: () => clientDefaults(sb.state.config.orgs),
    reset(next) {
      sb.state = new SandboxState(next === undefined || next === null ? initialConfig : next, { secrets });
      sb.faults = new Faults();
      return sb.wellKnown();
    },
  };

  const sleep = (ms) => new Promise((resolve) => {
    const t = setTimeout(() => { timers.delete(t); resolve(); }, ms);
    timers.add(t);
  });

  function logLine(siteId, kind, req, route, res) {
    if (!log) return;
    res.on('finish', () => console.log(`[sandbox] ${siteId} ${kind} ${req.method} ${route} ${res.statusCode}`));
  }

  async function dispatch(site, kind, req, res) {
    const siteId = site ? site.id : 'agent';
    let url;
    try {
      url = new URL(req.url, 'http://sandbox.invalid');
    } catch {
      return sendJson(res, 400, { errors: ['Bad Request'] });
    }
    const onPath = ROUTES.filter((r) => pathMatches(r, url.pathname));
    const here = onPath.filter((r) => r.kind === kind);
    if (here.length === 0) {
      logLine(siteId, kind, req, url.pathname, res);
      return sendJson(res, 404, { errors: ['Not Found'] });
    }
    const route = here.find((r) => r.method === req.method);
    if (!route) {
      return sendJson(res, 405, { errors: ['Method Not Allowed'] }, { Allow: here.map((r) => r.method).join(', ') });
    }
    const state = sb.state;
    state.countRoute(siteId, route.name);
    logLine(siteId, kind, req, route.name, res);

    const action = sb.faults.decide(route.name, site ? site.id : null);
    if (action) {
      state.stats.faults++;
      if (action === 'drop') {
        req.socket.destroy();
        return;
      }
      if (action.delayMs) await sleep(action.delayMs);
      if (closed) return;
      if (action.status) {
        const f = faultResponse(action, route.name);
        return sendJson(res, f.status, f.body, f.headers);
      }
    }
    await route.handler({ req, res, url, site, kind, state, route: route.name });
  }

  function makeServer(site, kind) {
    const server = http.createServer((req, res) => {
      if (!hostAllowed(req.headers.host, extraHosts)) return refuseHost(res);
      dispatch(site, kind, req, res).catch((err) => {
        if (err instanceof HttpError) return sendJson(res, err.status, err.body, err.headers);
        if ((err && err.message === 'request aborted') || res.destroyed || req.socket.destroyed) return;
        console.error(`[sandbox] internal error (${kind} ${req.method} ${req.url && req.url.split('?')[0]}): ${err && err.stack}`);
        sendJson(res, 500, { errors: ['Internal sandbox error'] });
      });
    });
    server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
    servers.push(server);
    return server;
  }

  try {
    for (const s of SITES) {
      const doc = { id: s.id, name: s.name, site: s.site };
      for (const { kind, field } of HOST_KINDS) {
        const p = await listen(makeServer(doc, kind), 0, host);
        doc[field] = originOf(host, p);
      }
      sb.siteDocs.push(doc);
    }
    sb.agentOrigin = originOf(host, await listen(makeServer(null, 'agent'), 0, host));
    const control = http.createServer((req, res) => {
      if (!hostAllowed(req.headers.host, extraHosts)) return refuseHost(res);
      handleControl(sb, req, res).catch((err) => {
        console.error(`[sandbox] control error: ${err && err.stack}`);
        sendJson(res, 500, { errors: ['Internal sandbox error'] });
      });
    });
    servers.push(control);
    sb.url = originOf(host, await listen(control, port, host));
  } catch (err) {
    await closeAll();
    throw err;
  }

  async function closeAll() {
    closed = true;
    for (const t of timers) clearTimeout(t);
    timers.clear();
    await Promise.all(servers.map((s) => new Promise((resolve) => {
      if (!s.listening) return resolve();
      s.close(() => resolve());
      s.closeAllConnections();
    })));
  }

  return {
    url: sb.url,
    sites: sb.siteDocs,
    agentOrigin: sb.agentOrigin,
    get config() {
      return sb.state.config;
    },
    wellKnown: () => sb.wellKnown(),
    reset: (next) => sb.reset(next),
    close: closeAll,
  };
}

export { SITES };
