// DatadogClient: the host half of a connection's life (code exchange, refresh, revoke, the marketplace API key,
// bearer API calls, data delivery). Every URL, body, header, retry delay and error meaning comes from the core;
// this file adds what needs a runtime: fetch, waiting, the connection store (one refresh per connection across
// every instance sharing it), and the persistence hook.
import { call, DatadogError } from "./core.js";
import { Transport } from "./transport.js";
import { ConnectionCache, DEFAULT_MAX_CONNECTIONS } from "./connections.js";
import { deliver, shouldRefreshAfter401 } from "./deliver.js";
import { paginate } from "./paginate.js";
import { memoryStore } from "./store/memory.js";
import { sha256Hex } from "./digest.js";
import { storeUnavailable, connectionNotFound } from "./store/errors.js";
import { sitesFor, checked, bySiteId } from "./sites.js";

export { memoryStore };

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

/**
 * An error the client detects itself: the message is worded here (it says what this client saw), the hint comes from
 * the core's one error table (src/meaning.rs `host_hint`), by code and, where a code covers several cases, by case.
 */
function hostRaised(code, message, { field, ...args } = {}) {
  const info = call("hostError", { code, message, ...args });
  return new DatadogError(field ? { ...info, field } : info);
}

function revokedError() {
  return hostRaised("token_revoked", "this connection was revoked with revoke(); its tokens no longer work");
}

/** A refresh lease outlives a SIGKILLed holder by at most this long (issue 12: others wait at most the lease time). */
const DEFAULT_LEASE_MS = 15_000;
/** How far ahead `#due` asks the core whether a token is due (then remembered that long per connection). */
const DUE_LOOKAHEAD_MS = 5_000;
/** A claimed authorization `state` is remembered this long: well past parseCallback's one-hour default maxAgeMs. */
const CLAIM_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * A connection without the store's metadata (`status`, `owner`, `version`, which the client puts on the objects it
 * returns and the core's Connection type does not have): what the store keeps and the core reads. A rest pattern, not `delete`:
 * deleting keys turns the copy into a slow dictionary object, which then costs again in every JSON.stringify.
 */
function pure(conn) {
  // eslint-disable-next-line no-unused-vars
  const { status, owner, version, ...c } = conn;
  return c;
}

/**
 * `{ ...base, ...extra }`: the same keys in the same order, built with Object.assign. On Node 20 (V8 11.3) a spread
 * followed by more keys gives the copy a hidden class outside V8's transition tree, so every added key makes a new
 * one: 4–7 µs for a connection plus three keys, against 0.3 µs with assign (200k copies in a loop), and a refresh
 * decorates three times. A base with its own `__proto__` key (JSON.parse makes those) takes the spread, which
 * defines it as a plain key where assign would set the copy's prototype.
 */
function extend(base, extra) {
  return Object.hasOwn(base, "__proto__") ? { ...base, ...extra } : Object.assign({}, base, extra);
}

function decorate(conn, l) {
  const out = extend(conn, { id: l.id, status: l.status, version: l.version });
  if (typeof l.owner === "string") out.owner = l.owner;
  return out;
}

/** What happened meanwhile (an API key created during a refresh) is kept. */
const keepKey = (next, other) => (next.apiKey || !other.apiKey ? next : { ...next, apiKey: other.apiKey, apiKeyInfo: other.apiKeyInfo });

const siteId = (conn) => (conn.site && typeof conn.site === "object" ? conn.site.id : conn.site);

function needsReauthError() {
  return hostRaised("invalid_grant", "this connection needs the user to authorize again: Datadog refused its newest refresh token (status needs_reauth)", { case: "needs_reauth" });
}

function authorizationUsed() {
  // Raised by the host (policy 19).
  return hostRaised("authorization_used", "this authorization (its `state`) was already exchanged for a connection; the code was not sent again");
}

const randomHolder = () => {
  const b = new Uint8Array(9);
  globalThis.crypto.getRandomValues(b);
  return `client-${Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("")}`;
};

/**
 * A partner's client for one OAuth client ID. Connections live in a store (`memoryStore()` by default, or a shared
 * one such as postgresStore): every method takes a connection or its id and works from the newest stored copy, so
 * any instance sharing the store can use any connection, and a caller holding an older object still uses the newest
 * tokens.
 */
export class DatadogClient {
  #clientId;
  #clientSecret;
  #redirectUri;
  #sites;
  #onChange;
  #marginMs;
  #cache;
  #store;
  #leaseMs;
  #requestTimeoutMs;
  #holder = randomHolder();
  #transport;
  #now;
  #concurrency;
  #compress;

  constructor(options) {
    const o = options ?? {};
    if (typeof o.clientId !== "string" || o.clientId === "") {
      throw hostRaised("invalid_input", "DatadogClient needs `clientId`", { case: "client_id", field: "clientId" });
    }
    if (o.clientSecret !== undefined && o.clientSecret !== null && typeof o.clientSecret !== "string") {
      throw optionError("clientSecret", "`clientSecret` must be a string", "Pass the OAuth client's secret from your server's configuration.");
    }
    if (o.clientSecret && !o.allowSecretInBrowser && inBrowser()) {
      throw hostRaised("secret_in_browser", "a client secret was given to DatadogClient in a browser context, where any visitor can read it");
    }
    for (const k of ["fetch", "onConnectionChange", "now", "sleep", "random"]) {
      if (o[k] !== undefined && o[k] !== null && typeof o[k] !== "function") throw optionError(k, `\`${k}\` must be a function`, "See the DatadogClient options in the API reference.");
    }
    if (o.sites !== undefined && !Array.isArray(o.sites)) throw optionError("sites", "`sites` must be an array of site descriptors", "Build them with customSite().");
    if (o.compress !== undefined && !["gzip", "deflate", "none"].includes(o.compress)) {
      throw optionError("compress", "`compress` must be \"gzip\", \"deflate\" or \"none\"", "gzip is the default.");
    }
    const store = o.store ?? memoryStore({ maxConnections: o.maxConnections });
    for (const m of ["get", "compareAndSet", "lease", "release", "list", "delete", "claim"]) {
      if (typeof store[m] !== "function") throw optionError("store", `\`store\` has no ${m}() method`, "Pass memoryStore(), postgresStore(...) or a store implementing the interface in the README.");
    }
    for (const k of ["maxConnections", "leaseMs"]) {
      if (o[k] !== undefined && (!Number.isInteger(o[k]) || o[k] < 1)) throw optionError(k, `\`${k}\` must be a positive integer`, "See the DatadogClient options in the API reference.");
    }
    this.#store = store;
    this.#cache = new ConnectionCache(o.maxConnections ?? DEFAULT_MAX_CONNECTIONS);
    this.#leaseMs = o.leaseMs ?? DEFAULT_LEASE_MS;
    this.#requestTimeoutMs = o.timeoutMs || 60_000;
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

  /** `{ ...this.#client(), connection }` without the spread (see `extend`). */
  #clientWith(connection) {
    const c = this.#client();
    c.connection = connection;
    return c;
  }

  /**
   * A core operation with this client's custom sites: every connection, pending site or descriptor the core loads
   * is checked against them (a custom site outside the allowlist is \`invalid_site\`), so no call can forget them.
   */
  #core(op, args) {
    // Every caller passes a literal of its own: the sites go on it rather than on a spread copy (see `extend`). None
    // is the same to the core as `[]` and cheaper: `sites: []` made a refresh's two calls 1.4–2.2% dearer
    // (interleaved, 57 rounds).
    if (this.#sites.length > 0) args.sites = this.#sites;
    return call(op, args);
  }

  /**
   * `#core` for an operation about the one stored connection `conn` (refresh, the due check, revoke, the API key, API
   * requests): once the client's custom sites went to the core whole with a call that succeeded, only those that can
   * be `conn`'s own site go along (js/sites.js). With nine configured, a refresh cost 0.73× (interleaved against the
   * whole list, bench/tools/refresh.mjs --custom, 15 rounds). A built-in site goes by its id when no custom site goes
   * along (`bySiteId`: a stubbed refresh 0.92×).
   */
  #coreAbout(op, args, conn) {
    if (this.#sites.length === 0) {
      if (args.connection === conn) args.connection = bySiteId(conn);
      return call(op, args);
    }
    const custom = sitesFor(this.#sites, conn);
    args.sites = custom.sites;
    if (args.connection === conn) args.connection = bySiteId(conn, custom.sites);
    const out = call(op, args);
    checked(this.#sites, custom.checking);
    return out;
  }

  #send(req, stats) {
    return this.#transport.send(req, stats);
  }

  /**
   * A store call; whatever it throws or rejects with (other than our own typed errors) is `store_unavailable`,
   * without its text. A promise chain, not an async function: a refresh makes four of these.
   */
  #storeDo(what, fn) {
    let pending;
    try {
      pending = fn();
    } catch (err) {
      return Promise.reject(storeUnavailable(what, err));
    }
    return Promise.resolve(pending).then(undefined, (err) => {
      throw storeUnavailable(what, err);
    });
  }

  /** Read the stored record of `l` and make it the lineage's newest copy. Null when the store has none. */
  async #read(l) {
    const rec = await this.#storeDo("read the connection", () => this.#store.get(l.id));
    if (rec) {
      l.version = rec.version;
      l.status = rec.status;
      l.owner = rec.owner ?? undefined;
      this.#cache.adopt(l, decorate(rec.connection, l));
    }
    return rec;
  }

  /**
   * Compare-and-set `record` ({ status, connection }) over the version `l` was read at. On a conflict (another
   * instance wrote meanwhile) `resolve(current)` says what to write on top of the newer record, or null to keep it:
   * a late writer never overwrites newer tokens. Returns the record now stored, or null when it was deleted.
   */
  async #put(l, record, resolve) {
    let expected = l.version;
    let rec = record;
    for (let tries = 0; tries < 8; tries++) {
      const full = { status: rec.status, owner: l.owner ?? null, site: siteId(rec.connection), connection: rec.connection };
      const res = await this.#storeDo("save the connection", () => this.#store.compareAndSet(l.id, expected, full));
      if (res && res.ok) return { status: full.status, owner: full.owner, site: full.site, connection: full.connection, id: l.id, version: res.version, written: true };
      const cur = res?.current ?? (await this.#storeDo("read the connection", () => this.#store.get(l.id)));
      if (!cur) return null;
      const again = resolve ? resolve(cur) : null;
      if (!again) return { ...cur, written: false };
      rec = again;
      expected = cur.version;
    }
    throw storeUnavailable("save the connection: it kept changing under this write");
  }

  /**
   * Persist then adopt: `build(latest)` makes the next record ({ status, connection }) from the newest connection;
   * it is written to the store (a conflict goes to `resolve`), onConnectionChange gets it and is awaited, and only
   * then do other callers in this process see it. Serialized per lineage. A store that cannot take the write keeps
   * the record here as `unsaved` (written before its tokens are used) and the call fails with `store_unavailable`.
   */
  #commit(l, build, reason, resolve) {
    const run = l.chain.then(async () => {
      const record = build(l.latest === null ? null : pure(l.latest));
      let stored;
      try {
        stored = await this.#put(l, record, resolve);
      } catch (err) {
        // The server may already have retired the old tokens (rotation): keep the new ones until the store takes them.
        l.unsaved = { build: () => record, resolve, reason };
        if (DatadogError.is(err)) err.connectionId = l.id;
        throw err;
      }
      l.unsaved = null;
      if (stored === null) {
        // Deleted meanwhile (deleteConnection on some instance): not brought back.
        this.#cache.forget(l);
        throw connectionNotFound(l.id);
      }
      l.version = stored.version;
      l.status = stored.status;
      const next = decorate(stored.connection, l);
      if (!stored.written) {
        // Someone else's newer record won: ours is dropped, theirs is what callers get.
        this.#cache.adopt(l, next);
        return next;
      }
      try {
        if (this.#onChange && reason !== null) await this.#onChange(next, { reason });
      } catch (err) {
        // The store has it; the partner's hook is offered it again before the next use.
        l.hookOwed = true;
        this.#cache.adopt(l, next);
        throw err;
      }
      l.hookOwed = false;
      this.#cache.adopt(l, next);
      return next;
    });
    l.chain = run.catch(() => {});
    return run;
  }

  /** The lineage of `ref` (a connection or its id) read from the store, refusing revoked and needs_reauth ones. */
  async #use(ref) {
    const l = await this.#load(ref);
    if (l.status === "revoked") throw revokedError();
    if (l.status === "needs_reauth") throw needsReauthError();
    return l;
  }

  /** The lineage of `ref`, after owed writes and with the newest stored copy; a connection the store lacks is added. */
  async #load(ref) {
    const l = this.#cache.lineage(ref);
    await l.chain;
    if (l.unsaved) await this.#commit(l, l.unsaved.build, l.unsaved.reason === null ? null : "retry_save", l.unsaved.resolve);
    if (l.hookOwed && this.#onChange) {
      const run = l.chain.then(async () => {
        await this.#onChange(l.latest, { reason: "retry_save" });
        l.hookOwed = false;
      });
      l.chain = run.catch(() => {});
      await run;
    }
    const caller = typeof ref !== "object" ? null : ref.id === l.id ? ref : { ...ref, id: l.id };
    const seen = l.version > 0;
    const rec = await this.#read(l);
    if (!rec) {
      // Deleted (on any instance) once it was in the store, or only an id: not brought back.
      const conn = seen ? null : caller;
      if (conn === null) {
        this.#cache.forget(l);
        throw connectionNotFound(l.id);
      }
      // Not in this store yet (a connection from before stores, or a memory store after a restart): stored now.
      if (typeof ref === "object" && typeof ref.owner === "string") l.owner = ref.owner;
      l.version = 0;
      // Nothing new for onConnectionChange: the caller gave it to us.
      await this.#commit(l, () => ({ status: "connected", connection: pure(conn) }), null, null);
    } else if (caller && rec.status !== "revoked" && (Number(caller.updatedAt) || 0) > (Number(rec.connection.updatedAt) || 0) && caller.accessToken !== rec.connection.accessToken) {
      // The caller's copy is newer than the store's (loaded from the partner's own storage after another process
      // refreshed it): it becomes the stored one.
      await this.#commit(l, () => ({ status: "connected", connection: pure(caller) }), null, null);
    } else if (caller && rec.status !== "revoked" && typeof caller.apiKey === "string" && caller.apiKey !== "" && !rec.connection.apiKey) {
      // The caller restored the marketplace key it kept (Datadog shows a key once; a second createApiKey is
      // api_key_exists): the stored tokens stay, the key is added.
      const withKey = (cur) => ({ status: cur.status, connection: { ...cur.connection, apiKey: caller.apiKey, apiKeyInfo: caller.apiKeyInfo ?? cur.connection.apiKeyInfo } });
      await this.#commit(l, () => withKey(rec), null, (cur) => (cur.connection.apiKey ? null : withKey(cur)));
    }
    return l;
  }

  /**
   * One refresh per connection: in this process the promise in flight is shared; across instances the store's lease
   * decides who sends it. `stale` (an access token) skips it when someone already replaced that token.
   */
  #refreshShared(l, stale) {
    if (l.refreshing) return l.refreshing;
    if (stale !== undefined && l.latest.accessToken !== stale) return Promise.resolve(l.latest);
    l.refreshing = this.#refreshLeased(l, stale).finally(() => {
      l.refreshing = null;
    });
    return l.refreshing;
  }

  /**
   * The lease is a time-limited marker in the store (a lease column in postgresStore, not a row lock or an advisory
   * lock): nothing stays open across the HTTP request, it works through any connection pool, and a holder that dies
   * (SIGKILL) stops renewing it, so others wait at most `leaseMs`. The version compare-and-set behind it means that
   * even a holder that lost its lease cannot overwrite newer tokens.
   */
  async #refreshLeased(l, stale) {
    const seen = l.version;
    const done = () => (stale !== undefined ? l.latest.accessToken !== stale : l.version !== seen);
    // Bounded (policy 20): a holder renews its lease only while its refresh runs, which its request timeout bounds.
    const giveUpAt = Date.now() + 2 * this.#leaseMs + this.#requestTimeoutMs;
    for (let wait = 20; !(await this.#storeDo("take the refresh lease", () => this.#store.lease(l.id, this.#holder, this.#leaseMs))); wait = Math.min(wait * 2, 250)) {
      // Another instance is refreshing: wait for its result (a newer version) or for its lease to lapse.
      if (Date.now() > giveUpAt) throw storeUnavailable("take the refresh lease: another instance has held it for too long");
      await realSleep(wait);
      if (!(await this.#read(l))) throw connectionNotFound(l.id);
      if (l.status !== "connected") throw l.status === "revoked" ? revokedError() : needsReauthError();
      if (done()) return l.latest;
    }
    // Renewals run one after another, and the release after the last of them: a renewal landing after the release
    // would take the lease again for a holder that is gone.
    let renewing = null;
    const renew = setInterval(() => {
      renewing = (renewing ?? Promise.resolve()).then(() => this.#store.lease(l.id, this.#holder, this.#leaseMs)).catch(() => {});
    }, Math.max(50, Math.floor(this.#leaseMs / 3)));
    if (typeof renew.unref === "function") renew.unref();
    try {
      if (!(await this.#read(l))) throw connectionNotFound(l.id);
      if (l.status !== "connected") throw l.status === "revoked" ? revokedError() : needsReauthError();
      if (done()) return l.latest;
      const c = pure(l.latest);
      const req = this.#coreAbout("refreshRequest", this.#clientWith(c), c);
      let response;
      try {
        response = await this.#send(req);
      } catch (err) {
        // Outcome unknown (issue 11 item 7): the server may have rotated the refresh token and the answer got lost.
        // Never resent blindly: the newest stored copy decides; failing that, this call fails and the next one
        // starts from a fresh read.
        await this.#read(l).catch(() => {});
        if (l.latest.refreshToken !== c.refreshToken && l.status === "connected") return l.latest;
        throw err;
      }
      let next;
      try {
        next = this.#coreAbout("parseRefreshResponse", { response, connection: c, now: this.#now(), clientSecret: this.#clientSecret }, c);
      } catch (err) {
        if (DatadogError.is(err, "invalid_grant")) {
          // docs/datadog-behaviour.md policy 21: a refused refresh token ends the connection only when it is the
          // newest one stored; a newer version (another instance rotated it) wins.
          await this.#read(l);
          if (l.latest.refreshToken !== c.refreshToken) {
            if (l.status === "connected") return l.latest;
          } else if (l.status === "connected") {
            await this.#commit(l, (latest) => ({ status: "needs_reauth", connection: latest }), "needs_reauth",
              (cur) => (cur.connection.refreshToken === c.refreshToken ? { status: "needs_reauth", connection: cur.connection } : null)).catch(() => {});
          }
        }
        throw err;
      }
      return await this.#commit(l, (latest) => ({ status: "connected", connection: keepKey(next, latest) }), "refresh",
        // Our tokens succeed the stored ones only if those are what we refreshed from (or a needs_reauth mark of them).
        (cur) => (cur.connection.refreshToken === c.refreshToken && cur.status !== "revoked" ? { status: "connected", connection: keepKey(next, cur.connection) } : null));
    } finally {
      clearInterval(renew);
      // Awaited: once every call has settled no lease is left behind (a process that then exits would otherwise
      // make the others wait out leaseMs). A failed release just lets the lease expire.
      // Most refreshes end before the first renewal: then the release goes out at once, without a promise hop.
      const release = () => this.#store.release(l.id, this.#holder);
      try {
        await (renewing === null ? release() : renewing.then(release));
      } catch {
        // Expires on its own.
      }
    }
  }

  /** A connection whose access token is not due for refresh (waiting for a refresh in flight, or starting one). */
  async #fresh(l) {
    if (l.refreshing) return l.refreshing;
    const c = l.latest;
    if (c.refreshToken && this.#due(l, c)) return this.#refreshShared(l, c.accessToken);
    return c;
  }

  /**
   * The core's `refreshDue` for `c` now. A core call costs ~57 µs (it loads and checks the whole connection) and
   * every bearer call asks, so the core is asked about `now + DUE_LOOKAHEAD_MS` instead: due only grows with time
   * (within the margin of expiry, or no access token), so a connection not due then is not due at any time before,
   * and until then the same connection and sites (the same JSON text, so the same answer) are not asked about again.
   */
  #due(l, c) {
    const now = this.#now();
    const ask = (at) => {
      const args = { connection: c, now: at };
      if (this.#marginMs !== undefined) args.marginMs = this.#marginMs;
      return this.#coreAbout("refreshDue", args, c);
    };
    let key = null;
    try {
      // With the sites, which the core checks the connection against (a caller may edit the array it passed).
      key = JSON.stringify([c, this.#sites]);
    } catch {
      // Not JSON: the core's own call below says so.
    }
    if (key === null || !Number.isSafeInteger(now) || now < 0) return ask(now);
    if (l.notDue !== null && l.notDue.key === key && now <= l.notDue.until) return false;
    try {
      if (!ask(now + DUE_LOOKAHEAD_MS)) {
        l.notDue = { key, until: now + DUE_LOOKAHEAD_MS };
        return false;
      }
    } catch {
      // Whatever the core refuses, it refuses with the real time below, in its own words.
    }
    l.notDue = null;
    return ask(now);
  }

  /**
   * Send a bearer request built from the newest tokens; after a 401, refresh (shared) and send it again, as often
   * as `shouldRefreshAfter401` says (the rule the bearer intakes follow too). Returns `{ response, connection }`
   * (the connection whose token the final request carried).
   */
  async #bearer(l, build) {
    let c = await this.#fresh(l);
    let response = await this.#send(build(c));
    for (let refreshes = 0; shouldRefreshAfter401(response, c, refreshes); refreshes++) {
      c = await this.#refreshShared(l, c.accessToken);
      response = await this.#send(build(c));
    }
    return { response, connection: c };
  }

  /**
   * Trade the authorization code for a Connection, stored before this resolves (and after onConnectionChange).
   * Accepts the whole parseCallback() result plus `codeVerifier`, and optionally `owner` (your own user id).
   * With `state` (parseCallback's result carries it), the authorization is claimed in the store first: a second
   * exchange of the same authorization is `authorization_used` and sends nothing (policy 19).
   * The org is then verified with Datadog (`GET /api/v2/current_user`, policy 18): the connection's `orgId` is the
   * token's own org and `orgVerified` says whether Datadog confirmed it (the callback's `dd_oid` is only a hint).
   * Custom sites are honoured only from the client's `sites`; a `site` in `params` (from a browser, say) is checked
   * against them and the domain, never trusted for its origins. `previous`: a connection the caller owns for this
   * user; it lends its id and API key only when both grants' orgs were verified to be the same.
   */
  async exchangeCode(params) {
    const p = params ?? {};
    if (p.owner !== undefined && p.owner !== null && (typeof p.owner !== "string" || p.owner === "" || p.owner.length > 256)) {
      throw optionError("owner", "`owner` must be a non-empty string of at most 256 characters", "Pass your own user's id (or leave it out).");
    }
    if (p.state !== undefined && p.state !== null) {
      if (typeof p.state !== "string" || p.state === "") throw optionError("state", "`state` must be the callback's state string", "Pass the parseCallback() result as it is.");
      // The hash only: a store row must not hold the state, which would let its reader complete the authorization.
      const key = `authorization:${await sha256Hex(p.state)}`;
      const first = await this.#storeDo("record the authorization as used", () => this.#store.claim(key, CLAIM_TTL_MS));
      if (!first) throw authorizationUsed();
    }
    const args = { ...this.#client(), redirectUri: p.redirectUri ?? this.#redirectUri, code: p.code, codeVerifier: p.codeVerifier, domain: p.domain };
    if (p.site !== undefined && p.site !== null) args.site = p.site;
    const req = this.#core("tokenRequest", args);
    const response = await this.#send(req);
    const granted = this.#core("parseTokenResponse", {
      response, now: this.#now(), domain: p.domain, orgId: p.orgId ?? undefined, orgName: p.orgName ?? undefined,
      clientSecret: this.#clientSecret, code: p.code, codeVerifier: p.codeVerifier,
    });
    // Whatever happens here, the grant stands: an unanswered or refused check only leaves the org unverified.
    let answer = null;
    try {
      answer = await this.#send(this.#core("currentUserRequest", { connection: granted }));
    } catch (err) {
      if (!DatadogError.is(err)) throw err;
    }
    const conn = this.#core("parseCurrentUserResponse", { response: answer, connection: granted, previous: p.previous ? pure(p.previous) : undefined });
    const l = this.#cache.lineage(conn);
    if (typeof p.owner === "string") l.owner = p.owner;
    return this.#commit(l, () => ({ status: "connected", connection: conn }), "exchange", null);
  }

  /** A new access token (and, when Datadog rotates it, a new refresh token). One refresh across instances. */
  async refresh(conn) {
    const l = await this.#use(conn);
    return this.#refreshShared(l);
  }

  /**
   * Revoke the connection's grant (its refresh token, or `{ token: "access" }` for the access token only), as
   * RFC 7009 says: client credentials in the body, no bearer. Only when Datadog's answer asks for a bearer token is
   * it sent once more in Datadog's documented example form, with a freshly refreshed access token (policy 5).
   * Afterwards the connection's status is `revoked`, every client sharing the store refuses it with
   * `token_revoked`, and this client forgets it. Resolves to `{ revoked: true }`.
   */
  async revoke(conn, opts = {}) {
    const l = await this.#load(conn);
    if (l.status === "revoked") return { revoked: true };
    if (l.refreshing) await l.refreshing.catch(() => {});
    const once = async (c, bearer) => {
      const args = this.#clientWith(c);
      if (opts.token !== undefined) args.token = opts.token;
      if (bearer) args.bearer = true;
      const response = await this.#send(this.#coreAbout("revokeRequest", args, c));
      return this.#coreAbout("parseRevokeResponse", { response, connection: c, clientSecret: this.#clientSecret, bearer }, c);
    };
    let c = pure(l.latest);
    let out = await once(c, false);
    if (out.retryWithBearer) {
      // The fallback needs an access token the server still accepts, and only the server knows whether ours expired:
      // refreshed first when there is a refresh token (the new refresh token is then the one revoked).
      c = c.refreshToken ? pure(await this.#refreshShared(l)) : c;
      out = await once(c, true);
    }
    const accessOnly = typeof opts.token === "string" && opts.token.startsWith("access") && !!c.refreshToken;
    if (!accessOnly) {
      const mark = (cur) => ({ status: "revoked", connection: cur.connection });
      await this.#commit(l, (latest) => ({ status: "revoked", connection: latest }), "revoked", mark);
      this.#cache.forget(l);
    }
    return { revoked: out.revoked };
  }

  /**
   * Create the marketplace API key (shown once by Datadog). Never retried automatically; resolves with the
   * connection carrying `apiKey` only after the store and onConnectionChange have it. A key that already exists is
   * `api_key_exists`, with the recovery steps in its hint.
   */
  async createApiKey(conn) {
    const l = await this.#use(conn);
    const { response, connection } = await this.#bearer(l, (c) => this.#coreAbout("apiKeyRequest", { connection: c }, c));
    const next = this.#coreAbout("parseApiKeyResponse", { response, connection, now: this.#now() }, connection);
    const withKey = (latest) => ({ ...latest, apiKey: next.apiKey, apiKeyInfo: next.apiKeyInfo, updatedAt: Math.max(next.updatedAt, latest.updatedAt ?? 0) });
    return this.#commit(l, (latest) => ({ status: "connected", connection: withKey(latest) }), "api_key",
      (cur) => (cur.status === "revoked" ? null : { status: cur.status, connection: withKey(cur.connection) }));
  }

  /**
   * Give `conn` the marketplace key of `from` (a connection or its id, on the same site): when Datadog answers
   * `api_key_exists` (it shows a key once), the key stored with the same user's earlier connection is the one to
   * use. Nothing is sent. The caller decides whose key may be reused (the routes: the same owner's only).
   */
  async attachApiKey(conn, from) {
    const l = await this.#use(conn);
    const src = typeof from === "string" ? await this.getConnection(from) : from;
    if (!src || typeof src.apiKey !== "string" || siteId(src) !== siteId(l.latest)) {
      throw optionError("from", "`from` must be a stored connection with an API key on the same site", "Pass the earlier connection whose key Datadog already issued.");
    }
    const withKey = (latest) => ({ ...latest, apiKey: src.apiKey, apiKeyInfo: src.apiKeyInfo, updatedAt: Math.max(this.#now(), latest.updatedAt ?? 0) });
    return this.#commit(l, (latest) => ({ status: "connected", connection: withKey(latest) }), "api_key",
      (cur) => (cur.status === "revoked" ? null : { status: cur.status, connection: withKey(cur.connection) }));
  }

  /** Any Datadog API call with the bearer token: `{ status, body, rateLimit }`. */
  async request(conn, { method, path, query, body } = {}) {
    const l = await this.#use(conn);
    const callArgs = { method, path };
    if (query !== undefined) callArgs.query = query;
    if (body !== undefined) callArgs.body = body;
    const { response, connection } = await this.#bearer(l, (c) => this.#coreAbout("apiRequest", { connection: c, ...callArgs }, c));
    return this.#coreAbout("parseApiResponse", { response, connection }, connection);
  }

  /** An async iterator over a paginated list endpoint's items: `for await (const x of client.paginate(conn, { path, query }))`. */
  paginate(conn, opts) {
    return paginate(this, conn, opts, { now: () => this.#now(), sleep: (ms) => this.#transport.sleep(ms) });
  }

  /** The stored connection with this id (with `status`, `owner`, `version`), or null. */
  async getConnection(id) {
    if (typeof id !== "string" || id === "") throw optionError("id", "`id` must be a connection id (a string)", "Pass `conn.id`.");
    try {
      const l = await this.#load(id);
      return l.latest;
    } catch (err) {
      if (DatadogError.is(err, "connection_not_found")) return null;
      throw err;
    }
  }

  /**
   * A page of stored connections: `{ connections, cursor }`, filtered by `site` (an id or anything resolveSite
   * takes), `status` and `owner`; pass `cursor` back for the next page (null after the last one).
   */
  async listConnections(query = {}) {
    const q = { ...(query ?? {}) };
    if (typeof q.site === "string") {
      try {
        q.site = this.#core("resolveSite", { site: q.site }).id;
      } catch {
        // Not a site name we know: matched as a stored site id as it is.
      }
    }
    const page = await this.#storeDo("list connections", () => this.#store.list(q));
    const connections = page.records.map((r) => decorate(r.connection, { id: r.id, status: r.status, version: r.version, owner: r.owner ?? undefined }));
    return { connections, cursor: page.cursor ?? null };
  }

  /** Remove a connection from the store and this client's memory (nothing is sent: revoke() first to end the grant). */
  async deleteConnection(ref) {
    const l = this.#cache.lineage(ref);
    await l.chain;
    const deleted = await this.#storeDo("delete the connection", () => this.#store.delete(l.id));
    this.#cache.forget(l);
    return { deleted: !!deleted };
  }

  /** This client's newest copy of `conn` (after refreshes, rotation, API key), or `conn` itself if unknown. */
  latest(conn) {
    return this.#cache.lineage(conn).latest ?? conn;
  }

  /** Drop this client's memory of `conn` (nothing is sent; the store keeps it). */
  forget(conn) {
    this.#cache.forget(this.#cache.lineage(conn));
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
