// postgresStore(): the reference shared connection store, on PostgreSQL through node-postgres (`pg`, an optional peer
// dependency). One row per connection with a version for compare-and-set and a lease column for the one refresh per
// connection across instances; access token, refresh token and API key sealed with AES-256-GCM (see seal.js).
import pg from "pg";
import { badInput, encodeCursor, listFilter } from "./errors.js";
import { parseKey, sealer } from "./seal.js";

const IDENT = /^[a-z_][a-z0-9_]{0,47}$/;
const SECRET_FIELDS = ["accessToken", "refreshToken", "apiKey"];

/** The schema, for partners who create tables themselves (migrations); the store runs it on first use otherwise. */
export function postgresSchema({ schema = "public", table = "datadog_connections" } = {}) {
  const t = `"${schema}"."${table}"`;
  const c = `"${schema}"."${table}_claims"`;
  return `CREATE TABLE IF NOT EXISTS ${t} (
  id text PRIMARY KEY,
  version bigint NOT NULL,
  status text NOT NULL CHECK (status IN ('connected', 'needs_reauth', 'revoked')),
  owner text,
  site text NOT NULL,
  data jsonb NOT NULL,             -- the connection without its secrets
  secrets text NOT NULL,           -- access token, refresh token, API key: v1:<key id>:<AES-256-GCM nonce|ciphertext|tag>
  lease_holder text,               -- the instance refreshing it, until lease_until
  lease_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS "${table}_site_status" ON ${t} (site, status, id);
CREATE INDEX IF NOT EXISTS "${table}_owner" ON ${t} (owner, id);
CREATE TABLE IF NOT EXISTS ${c} (
  key text PRIMARY KEY,            -- e.g. authorization:<sha256 of the state>
  expires_at timestamptz NOT NULL
);`;
}

class PostgresStore {
  #pool;
  #ownPool;
  #seal;
  #t;
  #c;
  #schemaSql;
  #ready = null;
  #claims = 0;

  constructor(o) {
    for (const k of ["schema", "table"]) {
      if (o[k] !== undefined && (typeof o[k] !== "string" || !IDENT.test(o[k]))) {
        throw badInput(k, `\`${k}\` must be a lowercase SQL identifier (letters, digits, _; at most 48)`, "Pick a plain name such as datadog_connections.");
      }
    }
    const schema = o.schema ?? "public";
    const table = o.table ?? "datadog_connections";
    if (o.encryption === false) {
      if (o.encryptionKey !== undefined) throw badInput("encryption", "`encryption: false` and `encryptionKey` contradict each other", "Drop one of them.");
      this.#seal = sealer([], { encryption: false });
    } else {
      if (o.encryptionKey === undefined || o.encryptionKey === null || o.encryptionKey === "") {
        throw badInput("encryptionKey", "postgresStore needs `encryptionKey` (tokens and API keys are encrypted at rest)",
          "Generate 32 random bytes (node -e \"console.log(require('node:crypto').randomBytes(32).toString('base64'))\"), keep them in your secret manager, " +
          "and pass them as encryptionKey. Only for throwaway setups: encryption: false.");
      }
      const previous = o.previousEncryptionKeys ?? [];
      if (!Array.isArray(previous)) throw badInput("previousEncryptionKeys", "`previousEncryptionKeys` must be an array of keys", "List the keys rows may still be sealed with.");
      this.#seal = sealer([parseKey(o.encryptionKey, "encryptionKey"), ...previous.map((k, i) => parseKey(k, `previousEncryptionKeys[${i}]`))]);
    }
    if (o.pool) {
      if (typeof o.pool.query !== "function") throw badInput("pool", "`pool` must be a pg.Pool", "Pass new pg.Pool({ ... }), or connectionString.");
      this.#pool = o.pool;
      this.#ownPool = false;
    } else {
      if (typeof o.connectionString !== "string" || o.connectionString === "") {
        throw badInput("connectionString", "postgresStore needs `connectionString` or `pool`", "Pass e.g. process.env.DATABASE_URL.");
      }
      // Bounded waits (policy 20): a database that does not answer fails the call instead of holding it.
      this.#pool = new pg.Pool({
        connectionString: o.connectionString, max: o.maxConnections ?? 10, connectionTimeoutMillis: o.connectTimeoutMs ?? 5_000,
        query_timeout: o.queryTimeoutMs ?? 10_000, idleTimeoutMillis: 10_000,
      });
      // An idle connection dropped by a database restart is reported here; the next query just takes a new one.
      this.#pool.on("error", () => {});
      this.#ownPool = true;
    }
    this.#t = `"${schema}"."${table}"`;
    this.#c = `"${schema}"."${table}_claims"`;
    this.#schemaSql = postgresSchema({ schema, table });
  }

  /** Creates the tables if missing (once per store; again after a failure). Several instances may race: serialized. */
  migrate() {
    if (!this.#ready) {
      this.#ready = (async () => {
        const client = await this.#pool.connect();
        try {
          await client.query("BEGIN");
          await client.query("SELECT pg_advisory_xact_lock(hashtext('datadog-oauth-wasm schema'))");
          await client.query(this.#schemaSql);
          await client.query("COMMIT");
        } catch (err) {
          await client.query("ROLLBACK").catch(() => {});
          throw err;
        } finally {
          client.release();
        }
      })().catch((err) => {
        this.#ready = null;
        throw err;
      });
    }
    return this.#ready;
  }

  async #q(sql, params) {
    await this.migrate();
    return this.#pool.query(sql, params);
  }

  #row(r) {
    const secrets = this.#seal.open(r.id, r.secrets);
    const connection = { ...r.data };
    for (const k of SECRET_FIELDS) if (typeof secrets[k] === "string") connection[k] = secrets[k];
    return { id: r.id, version: Number(r.version), status: r.status, owner: r.owner, site: r.site, connection };
  }

  #split(id, connection) {
    const data = { ...connection };
    const secrets = {};
    for (const k of SECRET_FIELDS) {
      if (data[k] !== undefined) secrets[k] = data[k];
      delete data[k];
    }
    return { data: JSON.stringify(data), secrets: this.#seal.seal(id, secrets) };
  }

  async get(id) {
    const { rows } = await this.#q(`SELECT id, version, status, owner, site, data, secrets FROM ${this.#t} WHERE id = $1`, [id]);
    return rows.length ? this.#row(rows[0]) : null;
  }

  async compareAndSet(id, expected, record) {
    const { data, secrets } = this.#split(id, record.connection);
    const args = [id, record.status, record.owner ?? null, record.site, data, secrets];
    const res = expected === 0
      ? await this.#q(`INSERT INTO ${this.#t} (id, version, status, owner, site, data, secrets) VALUES ($1, 1, $2, $3, $4, $5, $6)
          ON CONFLICT (id) DO NOTHING RETURNING version`, args)
      : await this.#q(`UPDATE ${this.#t} SET version = version + 1, status = $2, owner = $3, site = $4, data = $5, secrets = $6, updated_at = now()
          WHERE id = $1 AND version = $7 RETURNING version`, [...args, expected]);
    if (res.rows.length) return { ok: true, version: Number(res.rows[0].version) };
    return { ok: false, current: await this.get(id) };
  }

  /** The lease column, compared with the database's clock (instances' clocks may disagree). */
  async lease(id, holder, ttlMs) {
    const res = await this.#q(`UPDATE ${this.#t} SET lease_holder = $2, lease_until = now() + $3 * interval '1 millisecond'
      WHERE id = $1 AND (lease_holder IS NULL OR lease_holder = $2 OR lease_until < now()) RETURNING id`, [id, holder, ttlMs]);
    return res.rows.length === 1;
  }

  async release(id, holder) {
    await this.#q(`UPDATE ${this.#t} SET lease_holder = NULL, lease_until = NULL WHERE id = $1 AND lease_holder = $2`, [id, holder]);
  }

  async list(query) {
    const q = listFilter(query);
    const { rows } = await this.#q(`SELECT id, version, status, owner, site, data, secrets FROM ${this.#t}
      WHERE ($1::text IS NULL OR site = $1) AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR owner = $3) AND ($4::text IS NULL OR id > $4)
      ORDER BY id LIMIT $5`, [q.site ?? null, q.status ?? null, q.owner ?? null, q.after, q.limit + 1]);
    const more = rows.length > q.limit;
    const records = rows.slice(0, q.limit).map((r) => this.#row(r));
    return { records, cursor: more ? encodeCursor(records.at(-1).id) : null };
  }

  async delete(id) {
    const res = await this.#q(`DELETE FROM ${this.#t} WHERE id = $1`, [id]);
    return res.rowCount === 1;
  }

  async claim(key, ttlMs) {
    // Expired claims are swept now and then, not on every call.
    if (++this.#claims % 100 === 0) await this.#q(`DELETE FROM ${this.#c} WHERE expires_at < now()`);
    const res = await this.#q(`INSERT INTO ${this.#c} (key, expires_at) VALUES ($1, now() + $2 * interval '1 millisecond')
      ON CONFLICT (key) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE ${this.#c}.expires_at < now() RETURNING key`, [key, ttlMs]);
    return res.rows.length === 1;
  }

  /**
   * Moves every row to the current key (after a key rotation, with the old key in previousEncryptionKeys; or rows
   * written with `encryption: false`, once a key is set). Rows changed meanwhile were written with the current key
   * anyway. Resolves to `{ reencrypted, current }` (current: rows already on the current key).
   */
  async reencrypt({ batch = 200 } = {}) {
    if (this.#seal.currentKeyId === null) throw badInput("encryption", "reencrypt() needs an encryptionKey", "Create the store with encryptionKey.");
    let after = "";
    let reencrypted = 0;
    let current = 0;
    for (;;) {
      const { rows } = await this.#q(`SELECT id, version, secrets FROM ${this.#t} WHERE id > $1 ORDER BY id LIMIT $2`, [after, batch]);
      if (!rows.length) break;
      for (const r of rows) {
        if (this.#seal.isCurrent(r.secrets)) {
          current++;
          continue;
        }
        const value = this.#seal.open(r.id, r.secrets, { allowPlain: true });
        const res = await this.#q(`UPDATE ${this.#t} SET secrets = $3 WHERE id = $1 AND version = $2`, [r.id, r.version, this.#seal.seal(r.id, value)]);
        if (res.rowCount === 1) reencrypted++;
      }
      after = rows.at(-1).id;
    }
    return { reencrypted, current };
  }

  /** Ends the pool the store created (not a pool you passed in). */
  async close() {
    if (this.#ownPool) await this.#pool.end();
  }
}

/**
 * A connection store on PostgreSQL: `{ connectionString | pool, encryptionKey, previousEncryptionKeys?,
 * encryption?: false, schema?, table? }`. Tables are created on first use (or run postgresSchema() yourself).
 */
export function postgresStore(options) {
  return new PostgresStore(options ?? {});
}
