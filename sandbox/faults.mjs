// Fault injection: rules that make matching requests fail (status), vanish (drop), wait
// (delay) or pass, in a fixed sequence or at random with an optionally seeded PRNG.
// A rule only decides; the server applies the decision.

import { HttpError, statusText } from './http.mjs';

export const ROUTE_NAMES = [
  'authorize', 'token', 'revoke', 'api_key', 'validate', 'metrics_v2', 'metrics_v1', 'logs',
  'events_v1', 'events_v2', 'service_checks', 'incidents', 'incidents_list', 'events_list',
  'otlp_traces', 'agent_traces', 'tile', 'current_user',
  'events_v2_list', 'metrics_list', 'query', 'incident_delete', 'monitors_list', 'monitor_create', 'monitor_delete',
  'users_list', 'teams_list',
];

// mulberry32: small, fast, good enough for reproducible test randomness (the soak seeds its own with it too).
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seedNumber(seed) {
  if (typeof seed === 'number') return seed;
  let h = 2166136261;
  for (const ch of String(seed)) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h >>> 0;
}

function badRule(msg) {
  return new HttpError(400, { errors: [msg] });
}

function checkAction(a, where) {
  if (a === 'drop' || a === 'pass') return a;
  if (a === null || typeof a !== 'object' || Array.isArray(a)) throw badRule(`${where}: action must be "drop", "pass" or an object`);
  const out = {};
  if (a.status !== undefined) {
    if (!Number.isInteger(a.status) || a.status < 400 || a.status > 599) throw badRule(`${where}: status must be an integer 400..599`);
    out.status = a.status;
  }
  if (a.delayMs !== undefined) {
    if (typeof a.delayMs !== 'number' || !(a.delayMs >= 0) || a.delayMs > 600000) throw badRule(`${where}: delayMs must be 0..600000`);
    out.delayMs = a.delayMs;
  }
  if (a.retryAfter !== undefined) out.retryAfter = String(a.retryAfter);
  if (a.error !== undefined) out.error = String(a.error);
  if (out.status === undefined && out.delayMs === undefined) throw badRule(`${where}: action needs status or delayMs`);
  return out;
}

export class Faults {
  constructor() {
    this.rules = [];
    this.nextId = 1;
  }

  clear() {
    this.rules = [];
  }

  // Validates and adds a rule; returns its public description.
  add(body) {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRule('fault rule must be an object');
    const { route, site } = body;
    if (route !== '*' && !ROUTE_NAMES.includes(route)) throw badRule(`unknown route ${JSON.stringify(route)}; expected one of ${ROUTE_NAMES.join(', ')} or "*"`);
    if (site !== undefined && site !== null && typeof site !== 'string') throw badRule('site must be a site id');
    const rule = { id: this.nextId++, route, site: site ?? null };
    if (body.sequence !== undefined) {
      if (!Array.isArray(body.sequence) || body.sequence.length === 0) throw badRule('sequence must be a non-empty array');
      rule.sequence = body.sequence.map((a, i) => checkAction(a, `sequence[${i}]`));
      rule.position = 0;
    } else if (body.probability !== undefined) {
      const p = body.probability;
      if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw badRule('probability must be a number in [0, 1]');
      const choices = body.choices ?? [{ status: 503 }];
      if (!Array.isArray(choices) || choices.length === 0) throw badRule('choices must be a non-empty array');
      rule.probability = p;
      rule.choices = choices.map((a, i) => checkAction(a, `choices[${i}]`));
      rule.seed = body.seed ?? null;
      rule.random = body.seed !== undefined && body.seed !== null ? mulberry32(seedNumber(body.seed)) : Math.random;
    } else if (body.action !== undefined) {
      rule.action = checkAction(body.action, 'action');
    } else {
      throw badRule('fault rule needs sequence, probability (+ choices) or action');
    }
    this.rules.push(rule);
    return describe(rule);
  }

  list() {
    return this.rules.map(describe);
  }

  // Returns the action for this request, or null to process normally.
  decide(route, siteId) {
    for (const rule of this.rules) {
      if (rule.route !== '*' && rule.route !== route) continue;
      if (rule.site !== null && rule.site !== siteId) continue;
      if (rule.sequence) {
        if (rule.position >= rule.sequence.length) continue; // exhausted: inert
        return normalize(rule.sequence[rule.position++]);
      }
      if (rule.choices) {
        if (rule.random() < rule.probability) {
          return normalize(rule.choices[Math.floor(rule.random() * rule.choices.length)]);
        }
        return null;
      }
      return normalize(rule.action);
    }
    return null;
  }
}

function normalize(a) {
  return a === 'pass' ? null : a;
}

function describe(rule) {
  const d = { id: rule.id, route: rule.route, site: rule.site };
  if (rule.sequence) Object.assign(d, { sequence: rule.sequence, remaining: rule.sequence.length - rule.position });
  if (rule.choices) Object.assign(d, { probability: rule.probability, choices: rule.choices, seed: rule.seed });
  if (rule.action) d.action = rule.action;
  return d;
}

// The error response a status fault produces.
export function faultResponse(action, route) {
  const status = action.status;
  const headers = {};
  let reason = action.error || statusText(status);
  if (status === 429) {
    reason = action.error || 'Rate limit exceeded';
    Object.assign(headers, {
      'X-RateLimit-Limit': '100',
      'X-RateLimit-Period': '60',
      'X-RateLimit-Remaining': '0',
      'X-RateLimit-Reset': '1',
      'X-RateLimit-Name': `sandbox_${route}`,
    });
  }
  if (action.retryAfter !== undefined) headers['Retry-After'] = action.retryAfter;
  return { status, body: { errors: [reason] }, headers };
}
