// Types of `datadog-oauth-wasm/postgres`.
import type { ConnectionStore } from "datadog-oauth-wasm";

export interface PostgresStoreOptions {
  /** e.g. process.env.DATABASE_URL; or pass `pool`. */
  connectionString?: string;
  /** A pg.Pool of your own (not ended by close()). */
  pool?: { query(...args: any[]): Promise<any>; connect(): Promise<any> };
  /** 32 random bytes, base64 (or a Buffer/Uint8Array). Required unless `encryption: false`. */
  encryptionKey?: string | Uint8Array;
  /** Keys rows may still be sealed with during a rotation (decrypt only). */
  previousEncryptionKeys?: Array<string | Uint8Array>;
  /** Store secrets in clear: only for throwaway setups. */
  encryption?: false;
  /** Default "public". */
  schema?: string;
  /** Default "datadog_connections" (claims go to `<table>_claims`). */
  table?: string;
  /** Pool size when the store makes the pool; default 10. */
  maxConnections?: number;
  /** Default 5 000 ms. */
  connectTimeoutMs?: number;
  /** Default 10 000 ms. */
  queryTimeoutMs?: number;
}

export interface PostgresStore extends ConnectionStore {
  /** Creates the tables if missing (run on first use anyway). */
  migrate(): Promise<void>;
  /** Moves every row to the current key; `{ reencrypted, current }`. */
  reencrypt(options?: { batch?: number }): Promise<{ reencrypted: number; current: number }>;
  /** Ends the pool the store created. */
  close(): Promise<void>;
}

export declare function postgresStore(options: PostgresStoreOptions): PostgresStore;
/** The CREATE TABLE statements, for your own migrations. */
export declare function postgresSchema(options?: { schema?: string; table?: string }): string;
