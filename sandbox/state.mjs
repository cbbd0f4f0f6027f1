// Sandbox state: the effective configuration (clients, orgs, settings) and everything the
// emulated Datadog remembers (codes, grants, tokens, API keys, received data, stats).
// Pure data plus small helpers; no HTTP here.

import { randomBytes, randomUUID, createHash, timingSafeEqual } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { SITES, SITE_IDS, defaultOrgId } from './sites.mjs';

export const RECEIVED_KINDS = [
  'metrics_v2', 'metrics_v1', 'logs', 'events_v1', 'events_v2',
  'service_checks', 'incidents', 'otlp_traces', 'agent_traces',
];

export const DEFAULT_SCOPES = ['api_keys_write', 'incident_write', 'incident_read', 'events_read', 'metrics_read'];

const CLIENT_DEFAULTS = {
  clientSecret: 'sandbox-client-secret',
  name: 'Sandbox Partner',
  redirectUris: [],
  onboardingUrl: null,
  scopes: DEFAULT_SCOPES,
  published: true,
};

export function clientDefaults(orgs) {
  return { ...clone(CLIENT_DEFAULTS), ownerOrg: orgs[0].id };
}

function clone(v) {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
}

function isObj(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function strArray(v, what) {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    throw new ConfigError(`${what} must be an array of strings`);
  }
  return [...v];
}

export class ConfigError extends Error {}

function normalizeOrgs(orgs) {
  if (orgs === undefined || orgs === null) {
    return SITES.map((s) => ({ id: defaultOrgId(s.id), name: `Acme ${s.name}`, site: s.id }));
  }
  if (!Array.isArray(orgs) || orgs.length === 0) throw new ConfigError('orgs must be a non-empty array');
  const seen = new Set();
  return orgs.map((o, i) => {
    if (!isObj(o)) throw new ConfigError(`orgs[${i}] must be an object`);
    const site = o.site ?? 'us1';
    if (!SITE_IDS.includes(site)) throw new ConfigError(`orgs[${i}].site must be one of ${SITE_IDS.join(', ')}`);
    const id = o.id ?? randomUUID();
    if (typeof id !== 'string' || !id) throw new ConfigError(`orgs[${i}].id must be a string`);
    if (seen.has(id)) throw new ConfigError(`duplicate org id ${id}`);
    seen.add(id);
    return { id, name: typeof o.name === 'string' ? o.name : `Org ${i + 1}`, site };
  });
}

export function applyClientPatch(client, patch) {
  if (!isObj(patch)) throw new ConfigError('client must be an object');
  const c = { ...client };
  if (patch.clientSecret !== undefined) {
    if (patch.clientSecret !== null && typeof patch.clientSecret !== 'string') throw new ConfigError('clientSecret must be a string');
    c.clientSecret = patch.clientSecret;
  }
  if (patch.name !== undefined) {
    if (typeof patch.name !== 'string') throw new ConfigError('name must be a string');
    c.name = patch.name;
  }
  if (patch.redirectUris !== undefined) c.redirectUris = strArray(patch.redirectUris, 'redirectUris');
  if (patch.onboardingUrl !== undefined) {
    if (patch.onboardingUrl !== null && typeof patch.onboardingUrl !== 'string') throw new ConfigError('onboardingUrl must be a string or null');
    c.onboardingUrl = patch.onboardingUrl;
  }
  if (patch.scopes !== undefined) c.scopes = strArray(patch.scopes, 'scopes');
  if (patch.published !== undefined) {
    if (typeof patch.published !== 'boolean') throw new ConfigError('published must be a boolean');
    c.published = patch.published;
  }
  if (patch.ownerOrg !== undefined) {
    if (typeof patch.ownerOrg !== 'string') throw new ConfigError('ownerOrg must be a string');
    c.ownerOrg = patch.ownerOrg;
  }
  return c;
}

export function normalizeSettings(base, patch) {
  const s = { ...base };
  if (!isObj(patch)) throw new ConfigError('settings must be an object');
  for (const k of ['accessTokenTtlSeconds', 'codeTtlSeconds', 'refreshGraceSeconds']) {
    if (patch[k] !== undefined) {
      if (typeof patch[k] !== 'number' || !Number.isFinite(patch[k]) || patch[k] < 0) throw new ConfigError(`${k} must be a non-negative number`);
      s[k] = patch[k];
    }
  }
  if (patch.rotateRefreshTokens !== undefined) {
    if (typeof patch.rotateRefreshTokens !== 'boolean') throw new ConfigError('rotateRefreshTokens must be a boolean');
    s.rotateRefreshTokens = patch.rotateRefreshTokens;
  }
  return s;
}

// Turns a partial user config into the full effective config. Throws ConfigError.
export function normalizeConfig(config) {
  const cfg = config ?? {};
  if (!isObj(cfg)) throw new ConfigError('config must be an object');
  const orgs = normalizeOrgs(cfg.orgs);
  const rawClients = cfg.clients ?? [{}];
  if (!Array.isArray(rawClients)) throw new ConfigError('clients must be an array');
  const ids = new Set();
  const clients = rawClients.map((c, i) => {
    const base = {
      clientId: i === 0 ? 'sandbox-client-id' : `sandbox-client-id-${i + 1}`,
      ...clientDefaults(orgs),
    };
    if (isObj(c) && c.clientId !== undefined) {
      if (typeof c.clientId !== 'string' || !c.clientId) throw new ConfigError(`clients[${i}].clientId must be a string`);
      base.clientId = c.clientId;
    }
    if (ids.has(base.clientId)) throw new ConfigError(`duplicate clientId ${base.clientId}`);
    ids.add(base.clientId);
    return applyClientPatch(base, c);
  });
  const settings = normalizeSettings(
    { accessTokenTtlSeconds: 3600, rotateRefreshTokens: true, codeTtlSeconds: 60, refreshGraceSeconds: 0 },
    {
      accessTokenTtlSeconds: cfg.accessTokenTtlSeconds,
      rotateRefreshTokens: cfg.rotateRefreshTokens,
      codeTtlSeconds: cfg.codeTtlSeconds,
      refreshGraceSeconds: cfg.refreshGraceSeconds,
    },
  );
  return { clients, orgs, ...settings };
}

export function randomToken(prefix, bytes = 32) {
  return prefix + randomBytes(bytes).toString('base64url');
}

// Constant-time string comparison (hashing first evens out lengths).
export function safeEqual(a, b) {
  const ha = createHash('sha256').update(String(a)).digest();
  const hb = createHash('sha256').update(String(b)).digest();
  return timingSafeEqual(ha, hb);
}

// Every secret the sandbox was configured with, issued or was shown (client secrets, codes, code verifiers,
// access/refresh tokens, API keys), so a test harness can check that none of them leaked into its output.
// Kept for the sandbox's whole life (across resets); listed by `GET /_sandbox/secrets`; when the env var
// DD_SECRET_LOG names a file, each new secret is also appended to it as one JSON line {"kind","value"}.
const SECRET_MIN = 8; // shorter values are too likely to occur by chance in any output
const SECRET_MAX = 4096; // hostile-input tests send megabyte "codes"; those are not secrets anyone could leak
const written = new Map(); // file -> values this process already appended to it

function appendSecretLog(file, kind, value) {
  if (!file) return;
  if (!written.has(file)) written.set(file, new Set());
  const done = written.get(file);
  if (done.has(value)) return;
  done.add(value);
  try {
    appendFileSync(file, JSON.stringify({ kind, value }) + '\n');
  } catch {
    // Never let the test aid break the emulator.
  }
}

const isSecretLike = (v) => typeof v === 'string' && v.length >= SECRET_MIN && v.length <= SECRET_MAX;

/** For tests that use secrets without a sandbox: appends them to the DD_SECRET_LOG file (no-op without it). */
export function logSecret(kind, ...values) {
  const file = process.env.DD_SECRET_LOG;
  for (const v of values) if (isSecretLike(v)) appendSecretLog(file, kind, v);
}

export class SecretLog {
  constructor({ file = process.env.DD_SECRET_LOG } = {}) {
    this.file = file || null;
    this.byValue = new Map(); // value -> kind
  }

  note(kind, ...values) {
    for (const v of values) {
      if (!isSecretLike(v) || this.byValue.has(v)) continue;
      this.byValue.set(v, kind);
      appendSecretLog(this.file, kind, v);
    }
  }

  list() {
    return [...this.byValue].map(([value, kind]) => ({ kind, value }));
  }
}

// A Map of credentials that notes every key stored (issued) or looked up (presented by a caller).
class NotingMap extends Map {
  constructor(log, kind) {
    super();
    this.log = log;
    this.kind = kind;
  }

  set(k, v) {
    this.log?.note(this.kind, k);
    return super.set(k, v);
  }

  get(k) {
    this.log?.note(this.kind, k);
    return super.get(k);
  }
}

// All mutable sandbox state. Replaced wholesale on reset (the secret log is carried over by the caller).
export class SandboxState {
  constructor(config, { secrets = new SecretLog() } = {}) {
    this.config = normalizeConfig(config);
    this.secrets = secrets;
    for (const c of this.config.clients) secrets.note('client_secret', c.clientSecret);
    this.codes = new NotingMap(secrets, 'code'); // code -> { clientId, orgId, site, redirectUri, challenge, scopes, expiresAt, used, grantId }
    this.grants = new Map(); // grantId -> { id, clientId, orgId, site, scopes, revoked }
    this.accessTokens = new NotingMap(secrets, 'access_token'); // token -> { grantId, expiresAt, revoked }
    this.refreshTokens = new NotingMap(secrets, 'refresh_token'); // token -> { grantId, revoked }
    this.apiKeys = new NotingMap(secrets, 'api_key'); // key -> { id, key, orgId, site, clientId, name, createdAt, revoked }
    this.received = []; // { kind, org, site, contentEncoding, bytes, decodedBytes, items }
    this.incidents = [];
    this.events = [];
    this.counters = { incident: 0, event: 0 };
    this.stats = {
      token: { authorization_code: 0, refresh_token: 0, errors: 0 },
      revoke: 0,
      apiKeys: { created: 0, conflicts: 0 },
      routes: {},
      faults: 0,
    };
  }

  client(clientId) {
    return this.config.clients.find((c) => c.clientId === clientId) || null;
  }

  org(orgId) {
    return this.config.orgs.find((o) => o.id === orgId) || null;
  }

  orgsOnSite(siteId) {
    return this.config.orgs.filter((o) => o.site === siteId);
  }

  countRoute(siteId, route) {
    const key = `${siteId} ${route}`;
    this.stats.routes[key] = (this.stats.routes[key] || 0) + 1;
  }

  newGrant({ clientId, orgId, site, scopes }) {
    const grant = { id: randomUUID(), clientId, orgId, site, scopes, revoked: false };
    this.grants.set(grant.id, grant);
    return grant;
  }

  issueTokens(grant, { withRefresh }) {
    const accessToken = randomToken('ddsbx_at_');
    this.accessTokens.set(accessToken, {
      grantId: grant.id,
      expiresAt: Date.now() + this.config.accessTokenTtlSeconds * 1000,
      revoked: false,
    });
    let refreshToken = null;
    if (withRefresh) {
      refreshToken = randomToken('ddsbx_rt_');
      this.refreshTokens.set(refreshToken, { grantId: grant.id, revoked: false });
    }
    return { accessToken, refreshToken };
  }

  revokeGrant(grantId) {
    const g = this.grants.get(grantId);
    if (g) g.revoked = true;
    for (const t of this.accessTokens.values()) if (t.grantId === grantId) t.revoked = true;
    for (const t of this.refreshTokens.values()) if (t.grantId === grantId) t.revoked = true;
  }

  record({ kind, org, site, contentEncoding, bytes, decodedBytes, items }) {
    this.received.push({ kind, org, site, contentEncoding, bytes, decodedBytes, items });
  }

  // Public (secret-free) view used by the well-known document.
  publicDoc(siteDocs, agentOrigin) {
    const appOrigin = (siteId) => siteDocs.find((s) => s.id === siteId).appOrigin;
    return {
      sites: siteDocs,
      agentOrigin,
      clients: this.config.clients.map(publicClient),
      orgs: this.config.orgs.map((o) => ({
        id: o.id,
        name: o.name,
        site: o.site,
        tileUrl: `${appOrigin(o.site)}/account/integrations/tile?org=${encodeURIComponent(o.id)}`,
      })),
    };
  }
}

export function publicClient(c) {
  return {
    clientId: c.clientId,
    name: c.name,
    redirectUris: [...c.redirectUris],
    onboardingUrl: c.onboardingUrl,
    scopes: [...c.scopes],
    published: c.published,
    ownerOrg: c.ownerOrg,
  };
}
