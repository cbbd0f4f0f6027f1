// DatadogClient: the host half of a connection's life (code exchange, refresh, revoke, the marketplace API key,
// bearer API calls, data delivery). Every URL, body, header, retry delay and error meaning comes from the core;
// this file adds what needs a runtime: fetch, waiting, single-flight refresh, and the persistence hook.
import { call, DatadogError } from "./core.js";
import { Transport } from "./transport.js";
import { ConnectionStore } from "./connections.js";
import { deliver } from "./deliver.js";
import { paginate } from "./paginate.js";

/** A page or a worker: a client secret there is readable by anyone who opens the developer tools. */
function inBrowser() {
  const g = globalThis;
  if (typeof g.window !== "undefined" || typeof g.document !== "undefined") return true;
  const node = typeof g.process?.versions?.node === "string";
  const worker = typeof g.WorkerGlobalScope !== "undefined" || typeof g.importScripts === "function";
  return worker && !node;
}

const realSleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function optionError(field, message, hint) {
  return new DatadogError({ code: "invalid_input", field, message, hint });
}

function revokedError() {
  return new DatadogError({
    code: "token_revoked",
    message: "this connection was revoked with revoke(); its tokens no longer work",
    hint: "The user must authorize again (run the OAuth flow from the integration tile) to get a new connection. Delete the stored one.",
  });
}

/**
 * A partner's client for one OAuth client ID. Connections are plain JSON: methods take a connection and return the
 * updated one. The client also keeps its own newest copy of each connection it has seen, found by any token a copy
 * still carries, so a caller holding an older object (tokens since refreshed or rotated) still uses the newest tokens.
 */
export class DatadogClient {
  #clientId;
  #clientSecret;
  #redirectUri;
  #sites;
  #onChange;
  #marginMs;
  #store = new ConnectionStore();
  #transport;
  #now;
  #concurrency;
  #compress;

  constructor(options) {
    const o = options ?? {};
    if (typeof o.clientId !== "string" || o.clientId === "") {
      throw optionError("clientId", "DatadogClient needs `clientId`", "Copy the client ID from your OAuth client in Datadog's Developer Platform.");
    }
    if (o.clientSecret !== undefined && o.clientSecret !== null && typeof o.clientSecret !== "string") {
      throw optionError("clientSecret", "`clientSecret` must be a string", "Pass the OAuth client's secret from your server's configuration.");
    }
    if (o.clientSecret && !o.allowSecretInBrowser && inBrowser()) {
      throw new DatadogError({
        code: "secret_in_browser",
        message: "a client secret was given to DatadogClient in a browser context, where any visitor can read it",
        hint: "Exchange the code on your backend (DatadogClient on Node with clientSecret) and keep the secret there. " +
          "If this really is a trusted, non-public context, pass allowSecretInBrowser: true.",
      });
    }
    for (const k of ["fetch", "onConnectionChange", "now", "sleep", "random"]) {
      if (o[k] !== undefined && o[k] !== null && typeof o[k] !== "function") throw optionError(k, `\`${k}\` must be a function`, "See the DatadogClient options in the API reference.");
    }
    if (o.sites !== undefined && !Array.isArray(o.sites)) throw optionError("sites", "`sites` must be an array of site descriptors", "Build them with customSite().");
    if (o.compress !== undefined && !["gzip", "deflate", "none"].includes(o.compress)) {
      throw optionError("compress", "`compress` must be \"gzip\", \"deflate\" or \"none\"", "gzip is the default.");
    }
    this.#clientId = o.clientId;
    this.#clientSecret = o.clientSecret || undefined;
    this.#redirectUri = o.redirectUri;
    this.#sites = o.sites ?? [];
    this.#onChange = o.onConnectionChange ?? null;
    this.#marginMs = o.refreshMarginMs;
    this.#now = o.now ?? Date.now;
    this.#concurrency = o.concurrency ?? 4;
    this.#compress = o.compress;
    const fetchFn = o.fetch ?? globalThis.fetch;
    if (typeof fetchFn !== "function") throw optionError("fetch", "this runtime has no fetch; pass `fetch`", "Pass a fetch implementation (e.g. from undici).");
    const retry = o.retry === false ? { maxAttempts: 0 } : o.retry ?? {};
    const policy = {};
    for (const k of ["maxAttempts", "baseMs", "capMs", "maxServerDelayMs", "deadlineMs"]) if (retry[k] !== undefined) policy[k] = retry[k];
    this.#transport = new Transport({
      // Called unbound: some fetch implementations throw "Illegal invocation" when called as a method of another object.
      fetch: (url, init) => fetchFn(url, init),
      sleep: o.sleep ?? realSleep,
      random: o.random ?? Math.random,
      now: () => this.#now(),
      policy,
      timeoutMs: o.timeoutMs ?? 60_000,
      maxResponseBytes: o.maxResponseBytes,
    });
  }

  /** The secret only ever travels inside core arguments; never on `this` as a public field. */
  #client() {
    const c = { clientId: this.#clientId };
    if (this.#clientSecret) c.clientSecret = this.#clientSecret;
    return c;
  }

  async #send(req, stats) {
    return this.#transport.send(req, stats);
  }

  /**
   * Persist then adopt: `build(latest)` makes the next connection from the newest one, onConnectionChange gets it
   * and is awaited, and only then do other callers see the new tokens. Serialized per lineage.
   */
  #commit(l, build, reason) {
    const run = l.chain.then(async () => {
      const next = build(l.latest);
      try {
        if (this.#onChange) await this.#onChange(next, { reason });
      } catch (err) {
        // The server may already have retired the old tokens (rotation): memory keeps the new ones, marked unsaved,
        // and they are handed to the hook again before anything uses them.
        l.unsaved = true;
        this.#store.adopt(l, next);
        throw err;
      }
      l.unsaved = false;
      this.#store.adopt(l, next);
      return next;
    });
    l.chain = run.catch(() => {});
    return run;
  }

  /** The lineage of `conn`, refusing revoked ones and saving tokens a failed hook left unsaved. */
  async #use(conn) {
    const l = this.#store.lineage(conn);
    if (l.revoked) throw revokedError();
    if (l.unsaved) await this.#commit(l, (latest) => latest, "retry_save");
    return l;
  }

  /** One refresh per lineage at a time; `stale` (an access token) skips it when someone already replaced that token. */
  #refreshShared(l, stale) {
    if (l.refreshing) return l.refreshing;
    if (stale !== undefined && l.latest.accessToken !== stale) return Promise.resolve(l.latest);
    const p = (async () => {
      const c = l.latest;
      const req = call("refreshRequest", { ...this.#client(), connection: c, sites: this.#sites });
      const response = await this.#send(req);
      const next = call("parseRefreshResponse", { response, connection: c, now: this.#now(), clientSecret: this.#clientSecret, sites: this.#sites });
      // What happened meanwhile (an API key created during the refresh) is kept.
      return this.#commit(l, (latest) => (next.apiKey || !latest.apiKey ? next : { ...next, apiKey: latest.apiKey, apiKeyInfo: latest.apiKeyInfo }), "refresh");
    })();
    l.refreshing = p.finally(() => {
      l.refreshing = null;
    });
    return l.refreshing;
  }

  /** A connection whose access token is not due for refresh (waiting for a refresh in flight, or starting one). */
  async #fresh(l) {
    if (l.refreshing) return l.refreshing;
    const c = l.latest;
    const args = { connection: c, now: this.#now(), sites: this.#sites };
    if (this.#marginMs !== undefined) args.marginMs = this.#marginMs;
    if (c.refreshToken && call("refreshDue", args)) return this.#refreshShared(l, c.accessToken);
    return c;
  }

  /**
   * Send a bearer request built from the newest tokens; after a 401, refresh (shared) and send it again.
   * Returns `{ response, connection }` (the connection whose token the final request carried).
   */
  async #bearer(l, build) {
    let c = await this.#fresh(l);
    let response = await this.#send(build(c));
    // Twice at most: the first 401 may be answered with a token another caller got meanwhile, which can itself
    // have been invalidated since; the second refresh is then our own.
    for (let tries = 0; response.status === 401 && c.refreshToken && tries < 2; tries++) {
      c = await this.#refreshShared(l, c.accessToken);
      response = await this.#send(build(c));
    }
    return { response, connection: c };
  }

  /**
   * Trade the authorization code for a Connection. Accepts the whole parseCallback() result plus `codeVerifier`.
   * The org is then verified with Datadog (`GET /api/v2/current_user`, policy 18): the connection's `orgId` is the
   * token's own org and `orgVerified` says whether Datadog confirmed it (the callback's `dd_oid` is only a hint).
   * Custom sites are honoured only from the client's `sites`; a `site` in `params` (from a browser, say) is checked
   * against them and the domain, never trusted for its origins. `previous`: a connection the caller owns for this
   * user; it lends its id and API key only when both grants' orgs were verified to be the same.
   * Resolves after onConnectionChange(conn) has resolved.
   */
  async exchangeCode(params) {
    const p = params ?? {};
    const sites = this.#sites;
    const args = { ...this.#client(), redirectUri: p.redirectUri ?? this.#redirectUri, code: p.code, codeVerifier: p.codeVerifier, domain: p.domain, sites };
    if (p.site !== undefined && p.site !== null) args.site = p.site;
    const req = call("tokenRequest", args);
    const response = await this.#send(req);
    const granted = call("parseTokenResponse", {
      response, now: this.#now(), domain: p.domain, sites, orgId: p.orgId ?? undefined, orgName: p.orgName ?? undefined,
      clientSecret: this.#clientSecret, code: p.code, codeVerifier: p.codeVerifier,
    });
    // Whatever happens here, the grant stands: an unanswered or refused check only leaves the org unverified.
    let answer = null;
    try {
      answer = await this.#send(call("currentUserRequest", { connection: granted, sites }));
    } catch (err) {
      if (!DatadogError.is(err)) throw err;
    }
    const conn = call("parseCurrentUserResponse", { response: answer, connection: granted, previous: p.previous ?? undefined, sites });
    const l = this.#store.lineage(conn);
    return this.#commit(l, () => conn, "exchange");
  }

  /** A new access token (and, when Datadog rotates it, a new refresh token). Single-flight per connection. */
  async refresh(conn) {
    const l = await this.#use(conn);
    return this.#refreshShared(l);
  }

  /**
   * Revoke the connection's grant (its refresh token, or `{ token: "access" }` for the access token only), as
   * RFC 7009 says: client credentials in the body, no bearer. Only when Datadog's answer asks for a bearer token is
   * it sent once more in Datadog's documented example form, with a freshly refreshed access token (policy 5).
   * Afterwards this client refuses the connection with `token_revoked`. Resolves to `{ revoked: true }`.
   */
  async revoke(conn, opts = {}) {
    const l = this.#store.lineage(conn);
    if (l.revoked) return { revoked: true };
    if (l.refreshing) await l.refreshing.catch(() => {});
    const once = async (c, bearer) => {
      const args = { ...this.#client(), connection: c, sites: this.#sites };
      if (opts.token !== undefined) args.token = opts.token;
      if (bearer) args.bearer = true;
      const response = await this.#send(call("revokeRequest", args));
      return call("parseRevokeResponse", { response, connection: c, clientSecret: this.#clientSecret, sites: this.#sites, bearer });
    };
    let c = l.latest;
    let out = await once(c, false);
    if (out.retryWithBearer) {
      // The fallback needs an access token the server still accepts, and only the server knows whether ours expired:
      // refreshed first when there is a refresh token (the new refresh token is then the one revoked).
      c = c.refreshToken ? await this.#refreshShared(l) : c;
      out = await once(c, true);
    }
    const accessOnly = typeof opts.token === "string" && opts.token.startsWith("access") && !!c.refreshToken;
    if (!accessOnly) l.revoked = true;
    return { revoked: out.revoked };
  }

  /**
   * Create the marketplace API key (shown once by Datadog). Never retried automatically; resolves with the
   * connection carrying `apiKey` only after onConnectionChange has stored it. A key that already exists is
   * `api_key_exists`, with the recovery steps in its hint.
   */
  async createApiKey(conn) {
    const l = await this.#use(conn);
    const { response, connection } = await this.#bearer(l, (c) => call("apiKeyRequest", { connection: c, sites: this.#sites }));
    const next = call("parseApiKeyResponse", { response, connection, now: this.#now(), sites: this.#sites });
    return this.#commit(l, (latest) => ({ ...latest, apiKey: next.apiKey, apiKeyInfo: next.apiKeyInfo, updatedAt: Math.max(next.updatedAt, latest.updatedAt ?? 0) }), "api_key");
  }

  /** Any Datadog API call with the bearer token: `{ status, body, rateLimit }`. */
  async request(conn, { method, path, query, body } = {}) {
    const l = await this.#use(conn);
    const callArgs = { method, path };
    if (query !== undefined) callArgs.query = query;
    if (body !== undefined) callArgs.body = body;
    const { response, connection } = await this.#bearer(l, (c) => call("apiRequest", { connection: c, ...callArgs, sites: this.#sites }));
    return call("parseApiResponse", { response, connection, sites: this.#sites });
  }

  /** An async iterator over a paginated list endpoint's items: `for await (const x of client.paginate(conn, { path, query }))`. */
  paginate(conn, opts) {
    return paginate(this, conn, opts, { now: () => this.#now(), sleep: (ms) => this.#transport.sleep(ms) });
  }

  /** This client's newest copy of `conn` (after refreshes, rotation, API key), or `conn` itself if unknown. */
  latest(conn) {
    return this.#store.lineage(conn).latest;
  }

  /** Drop this client's memory of `conn` (nothing is sent). */
  forget(conn) {
    this.#store.forget(this.#store.lineage(conn));
  }

  async #deliver(conn, type, items, opts) {
    const l = await this.#use(conn);
    return deliver(this.#deliveryEnv, l, type, items, opts ?? {});
  }

  get #deliveryEnv() {
    return {
      connection: (l) => l.latest,
      fresh: (l) => this.#fresh(l),
      refreshAfter401: (l, used) => this.#refreshShared(l, used),
      send: (req, stats) => this.#send(req, stats),
      now: () => this.#now(),
      concurrency: this.#concurrency,
      compress: this.#compress,
      sites: this.#sites,
    };
  }

  /** Metric series (v2 by default; `{ version: 1 }` for v1). */
  submitMetrics(conn, series, opts) {
    return this.#deliver(conn, "metrics", series, opts);
  }

  /** Log entries; `source` (and optionally `service`) are the integration's lowercase names. */
  submitLogs(conn, logs, opts) {
    return this.#deliver(conn, "logs", logs, opts);
  }

  submitEvents(conn, events, opts) {
    return this.#deliver(conn, "events", events, opts);
  }

  submitServiceChecks(conn, checks, opts) {
    return this.#deliver(conn, "serviceChecks", checks, opts);
  }

  /** One incident, with the bearer token (scope incident_write); the report's `id` is the new incident's id. */
  async createIncident(conn, incident, opts) {
    const report = await this.#deliver(conn, "incidents", incident, opts);
    if (report.ids && report.ids.length) report.id = report.ids[0];
    return report;
  }

  /** Traces: `{ format: "otlp" }` to the site's OTLP intake, or `{ format: "agent", agentUrl }` to a Datadog Agent. */
  submitTraces(conn, traces, opts) {
    return this.#deliver(conn, "traces", traces, opts);
  }
}
