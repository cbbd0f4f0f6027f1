// The client's memory of connections: for each authorized org (a "lineage"), the newest copy of its tokens, the
// refresh in flight, and whether it was revoked. Connections stay plain data in the caller's hands; a caller holding
// an older object (its tokens since refreshed or rotated) is mapped to the newest copy by the connection's `id`
// (given by the core at the code exchange), or, for records without one, by any token it still carries.
import { DatadogError } from "./core.js";

/** Tokens kept as lookup keys per lineage: the current and previous refresh and access tokens, a few spare. */
const KEYS_PER_LINEAGE = 6;

const tokensOf = (conn) => [conn.refreshToken, conn.accessToken].filter((t) => typeof t === "string" && t !== "");

export class Lineage {
  constructor(conn) {
    this.latest = conn;
    /** The refresh in flight (single-flight), or null. */
    this.refreshing = null;
    this.revoked = false;
    /** True when the newest tokens could not be handed to onConnectionChange yet: they are saved before any use. */
    this.unsaved = false;
    /** Commits (hook + adoption) run one at a time per lineage, so storage never sees writes out of order. */
    this.chain = Promise.resolve();
    this.keys = [];
  }
}

export class ConnectionStore {
  #byId = new Map();
  #byToken = new Map();

  /** The lineage `conn` belongs to, created on first sight. A stored copy newer than ours is adopted. */
  lineage(conn) {
    if (conn === null || typeof conn !== "object" || typeof conn.accessToken !== "string") {
      throw new DatadogError({
        code: "invalid_input",
        field: "connection",
        message: "the connection is missing or has no accessToken",
        hint: "Pass the Connection object that exchangeCode(), refresh() or onConnectionChange gave you (as stored, plain JSON).",
      });
    }
    let found = typeof conn.id === "string" ? this.#byId.get(conn.id) ?? null : null;
    for (const t of found ? [] : tokensOf(conn)) {
      found = this.#byToken.get(t);
      if (found) break;
    }
    if (!found) {
      found = new Lineage(conn);
      this.#index(found, conn);
      return found;
    }
    if (!found.revoked && (Number(conn.updatedAt) || 0) > (Number(found.latest.updatedAt) || 0) && !found.unsaved) {
      // Loaded from storage after another process refreshed it: the caller's copy is the newest.
      found.latest = conn;
      this.#index(found, conn);
    }
    return found;
  }

  /** Make `next` the lineage's newest copy and let its tokens find the lineage. */
  adopt(l, next) {
    l.latest = next;
    this.#index(l, next);
  }

  /** Forget a lineage entirely (memory only; nothing is sent). */
  forget(l) {
    if (typeof l.latest.id === "string" && this.#byId.get(l.latest.id) === l) this.#byId.delete(l.latest.id);
    for (const k of l.keys) if (this.#byToken.get(k) === l) this.#byToken.delete(k);
    l.keys = [];
  }

  #index(l, conn) {
    if (typeof conn.id === "string") this.#byId.set(conn.id, l);
    for (const t of tokensOf(conn)) {
      if (this.#byToken.get(t) !== l) {
        this.#byToken.set(t, l);
        l.keys.push(t);
      }
    }
    while (l.keys.length > KEYS_PER_LINEAGE) {
      const old = l.keys.shift();
      if (this.#byToken.get(old) === l) this.#byToken.delete(old);
    }
  }
}
