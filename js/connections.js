// The client's memory of connections: for each authorized org (a "lineage", one connection id), the newest copy it
// has seen, its store version and status, the refresh in flight, and writes still owed to the store. A caller holding
// an older object is mapped to the newest copy by `id`, or, for records without one, by any token it still carries.
// Bounded: least recently used lineages are forgotten first (never one with a refresh or an unsaved write pending).
import { DatadogError } from "./core.js";

/** Tokens kept as lookup keys per lineage: the current and previous refresh and access tokens, a few spare. */
const KEYS_PER_LINEAGE = 6;
export const DEFAULT_MAX_CONNECTIONS = 10_000;

const isToken = (t) => typeof t === "string" && t !== "";

/** Ids for records from before ids existed: random, so they say nothing about the tokens. */
const newId = () => (globalThis.crypto?.randomUUID ? globalThis.crypto.randomUUID() : `c-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`);

export class Lineage {
  constructor(id, conn) {
    this.id = id;
    /** The newest copy seen, with the store's `status`/`owner`/`version` on it; null until read from the store. */
    this.latest = conn;
    /** The store version `latest` was read at (0: not in the store yet). */
    this.version = 0;
    this.status = "connected";
    this.owner = undefined;
    /** The refresh in flight (single-flight in this process), or null. */
    this.refreshing = null;
    /** A record the store refused to take (outage): written before anything uses its tokens. `{ record, supersedes }`. */
    this.unsaved = null;
    /** True when onConnectionChange failed for the newest copy: it is offered again before the next use. */
    this.hookOwed = false;
    /** `{ key, until }`: the core said the connection whose JSON text is `key` is not due for refresh until `until`. */
    this.notDue = null;
    /** Commits (store write + hook + adoption) run one at a time per lineage, so storage never sees writes out of order. */
    this.chain = Promise.resolve();
    this.keys = [];
  }
  get busy() {
    return this.refreshing !== null || this.unsaved !== null || this.hookOwed;
  }
}

export function invalidConnection() {
  return new DatadogError({
    code: "invalid_input",
    field: "connection",
    message: "the connection is missing, or is neither a connection id nor an object with an accessToken",
    hint: "Pass the Connection (or its `id`) that exchangeCode(), getConnection(), listConnections() or onConnectionChange gave you.",
  });
}

export class ConnectionCache {
  #byId = new Map();
  #byToken = new Map();
  #max;

  constructor(max = DEFAULT_MAX_CONNECTIONS) {
    this.#max = max;
  }

  get size() {
    return this.#byId.size;
  }

  /** The lineage of `ref` (a connection or its id), created on first sight. A caller's copy newer than ours is adopted. */
  lineage(ref) {
    if (typeof ref === "string") {
      if (ref === "" || ref.length > 256) throw invalidConnection();
      return this.#touch(this.#byId.get(ref) ?? this.#add(new Lineage(ref, null)));
    }
    if (ref === null || typeof ref !== "object" || typeof ref.accessToken !== "string") throw invalidConnection();
    let found = typeof ref.id === "string" ? this.#byId.get(ref.id) ?? null : null;
    if (!found && typeof ref.id !== "string") {
      if (isToken(ref.refreshToken)) found = this.#byToken.get(ref.refreshToken) ?? null;
      if (!found && isToken(ref.accessToken)) found = this.#byToken.get(ref.accessToken) ?? null;
    }
    if (!found) {
      const id = typeof ref.id === "string" && ref.id !== "" ? ref.id : newId();
      found = this.#add(new Lineage(id, ref.id === id ? ref : { ...ref, id }));
      this.#index(found, ref);
      return found;
    }
    if (found.latest === null || (found.status !== "revoked" && !found.busy && (Number(ref.updatedAt) || 0) > (Number(found.latest.updatedAt) || 0))) {
      // Loaded from the partner's own storage after another process refreshed it: the caller's copy is the newest.
      found.latest = ref.id === found.id ? ref : { ...ref, id: found.id };
      this.#index(found, ref);
    }
    return this.#touch(found);
  }

  /** Make `next` the lineage's newest copy and let its tokens find the lineage. */
  adopt(l, next) {
    l.latest = next;
    this.#index(l, next);
  }

  /** Forget a lineage entirely (memory only; nothing is sent). */
  forget(l) {
    if (this.#byId.get(l.id) === l) this.#byId.delete(l.id);
    for (const k of l.keys) if (this.#byToken.get(k) === l) this.#byToken.delete(k);
    l.keys = [];
  }

  #add(l) {
    this.#byId.set(l.id, l);
    // Least recently used first; a lineage with work pending is moved to the back instead (bounded attempts).
    for (let spins = this.#byId.size; this.#byId.size > this.#max && spins > 0; spins--) {
      const [, old] = this.#byId.entries().next().value;
      if (old.busy || old === l) this.#touch(old);
      else this.forget(old);
    }
    return l;
  }

  #touch(l) {
    if (this.#byId.get(l.id) === l) {
      this.#byId.delete(l.id);
      this.#byId.set(l.id, l);
    }
    return l;
  }

  #index(l, conn) {
    // The refresh token, then the access token (no array per call: this runs on every read and write).
    this.#key(l, conn.refreshToken);
    this.#key(l, conn.accessToken);
    while (l.keys.length > KEYS_PER_LINEAGE) {
      const old = l.keys.shift();
      if (this.#byToken.get(old) === l) this.#byToken.delete(old);
    }
  }

  #key(l, t) {
    if (isToken(t) && this.#byToken.get(t) !== l) {
      this.#byToken.set(t, l);
      l.keys.push(t);
    }
  }
}
