// memoryStore(): the default connection store, one process, nothing to set up. It implements the same interface as
// postgresStore (get, compareAndSet by version, lease/release, list, delete, claim) and passes the same conformance
// suite; bounded (least recently used connections and oldest claims are forgotten) so a long-lived process stays flat.
import { badInput, encodeCursor, listFilter } from "./errors.js";

const DEFAULT_MAX_CONNECTIONS = 10_000;
const DEFAULT_MAX_CLAIMS = 10_000;

const copy = (row) => (row ? { ...row } : null);

class MemoryStore {
  #rows = new Map();
  #leases = new Map();
  #claims = new Map();
  #max;
  #maxClaims;
  #now;

  constructor(o) {
    this.#max = o.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.#maxClaims = o.maxClaims ?? DEFAULT_MAX_CLAIMS;
    this.#now = o.now ?? Date.now;
    for (const k of ["maxConnections", "maxClaims"]) {
      const v = o[k];
      if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw badInput(k, `\`${k}\` must be a positive integer`, "See memoryStore() in the API reference.");
    }
  }

  /** A copy of the record `{ id, version, status, owner, site, connection }`, or null. */
  async get(id) {
    const row = this.#rows.get(id);
    if (!row) return null;
    // Least recently used first out: a read moves the row to the back.
    this.#rows.delete(id);
    this.#rows.set(id, row);
    return copy(row);
  }

  /** Writes `record` only if the stored version is `expected` (0: absent). `{ ok, version }` or `{ ok: false, current }`. */
  async compareAndSet(id, expected, record) {
    const cur = this.#rows.get(id);
    if ((cur ? cur.version : 0) !== expected) return { ok: false, current: copy(cur) };
    const row = { id, version: expected + 1, status: record.status, owner: record.owner ?? null, site: record.site, connection: record.connection };
    this.#rows.delete(id);
    this.#rows.set(id, row);
    while (this.#rows.size > this.#max) {
      const oldest = this.#rows.keys().next().value;
      this.#rows.delete(oldest);
      this.#leases.delete(oldest);
    }
    return { ok: true, version: row.version };
  }

  /** Takes (or renews) the lease on `id` for `ttlMs`; false while another holder's lease has not expired. */
  async lease(id, holder, ttlMs) {
    const now = this.#now();
    const l = this.#leases.get(id);
    if (l && l.holder !== holder && l.until > now) return false;
    this.#leases.set(id, { holder, until: now + ttlMs });
    return true;
  }

  async release(id, holder) {
    if (this.#leases.get(id)?.holder === holder) this.#leases.delete(id);
  }

  /** `{ records, cursor }`: records in id order, filtered by site id, status and owner; cursor null on the last page. */
  async list(query) {
    const q = listFilter(query);
    const ids = [...this.#rows.keys()].filter((id) => q.after === null || id > q.after).sort();
    const records = [];
    for (const id of ids) {
      const r = this.#rows.get(id);
      if ((q.site && r.site !== q.site) || (q.status && r.status !== q.status) || (q.owner && r.owner !== q.owner)) continue;
      if (records.length === q.limit) return { records, cursor: encodeCursor(records.at(-1).id) };
      records.push(copy(r));
    }
    return { records, cursor: null };
  }

  async delete(id) {
    this.#leases.delete(id);
    return this.#rows.delete(id);
  }

  /** True the first time `key` is claimed (until `ttlMs` later), false after: an atomic single-use marker. */
  async claim(key, ttlMs) {
    const now = this.#now();
    const until = this.#claims.get(key);
    if (until !== undefined && until > now) return false;
    this.#claims.delete(key);
    this.#claims.set(key, now + ttlMs);
    // Oldest first: expired ones, then (past the bound) the oldest live ones.
    for (const [k, t] of this.#claims) {
      if (this.#claims.size <= this.#maxClaims && t > now) break;
      this.#claims.delete(k);
    }
    return true;
  }
}

/** The default store: connections in this process's memory (bounded, least recently used forgotten first). */
export function memoryStore(options) {
  return new MemoryStore(options ?? {});
}
