// Types of the full entry beyond the authorization functions (DatadogClient, sans-IO request builders).

/** What the marketplace API-key endpoint said about the key (the key itself is `Connection.apiKey`). */
export interface ApiKeyInfo {
  id?: string;
  name?: string;
  last4?: string;
  createdAt?: string;
}

/**
 * One authorized Datadog org: plain JSON, to store as is and pass back to the client's methods.
 * Holds secrets (tokens, API key): store it encrypted, never log it.
 */
export interface Connection {
  /** Random identity from the code exchange, kept through refreshes: older copies are recognised by it. */
  id?: string;
  /** Always the canonical site (API hosts never use a vanity host). */
  site: Site;
  /** The site parameter, e.g. "datadoghq.eu". */
  domain: string;
  orgId?: string;
  orgName?: string;
  /** True when Datadog confirmed `orgId` (GET /api/v2/current_user with this grant's token); false: unverified hints. */
  orgVerified?: boolean;
  accessToken: string;
  refreshToken?: string;
  tokenType: "Bearer";
  /** Milliseconds since the epoch. */
  expiresAt: number;
  scopes: string[];
  /** The marketplace API key, once createApiKey() has run. Shown once by Datadog: keep it. */
  apiKey?: string;
  apiKeyInfo?: ApiKeyInfo;
  createdAt: number;
  updatedAt: number;
  /** Set by the store on every connection the client returns (not part of the core's record). */
  status?: ConnectionStatus;
  /** Your own user id, given to exchangeCode({ owner }). */
  owner?: string;
  /** The store's version of this record (grows with every write). */
  version?: number;
}

/** `needs_reauth`: Datadog refused the newest stored refresh token; the user must authorize again. */
export type ConnectionStatus = "connected" | "needs_reauth" | "revoked";

/** What a store keeps per connection. `site` is the site's id (`connection.site.id`). */
export interface StoreRecord {
  id: string;
  version: number;
  status: ConnectionStatus;
  owner: string | null;
  site: string;
  /** The connection without `status`/`owner`/`version`; secrets included (a store seals them at rest). */
  connection: Connection;
}

export interface StoreListQuery {
  site?: string;
  status?: ConnectionStatus;
  owner?: string;
  /** 1 to 1000, default 100. */
  limit?: number;
  cursor?: string | null;
}

/**
 * Where connections live. memoryStore() and postgresStore() implement it; write your own for another database.
 * Every method may throw (the client reports `store_unavailable`). See "Running several instances" in the README.
 */
export interface ConnectionStore {
  get(id: string): Promise<StoreRecord | null>;
  /** Write only if the stored version is `expectedVersion` (0: absent); the new version is expectedVersion + 1. */
  compareAndSet(id: string, expectedVersion: number, record: Omit<StoreRecord, "id" | "version">):
    Promise<{ ok: true; version: number } | { ok: false; current: StoreRecord | null }>;
  /** Take or renew a lease on `id` for `ttlMs`; false while another holder's lease has not expired. */
  lease(id: string, holder: string, ttlMs: number): Promise<boolean>;
  release(id: string, holder: string): Promise<void>;
  /** Records in id order; `cursor` null on the last page. */
  list(query: StoreListQuery): Promise<{ records: StoreRecord[]; cursor: string | null }>;
  delete(id: string): Promise<boolean>;
  /** True the first time `key` is claimed within `ttlMs`, false afterwards (atomic single-use marker). */
  claim(key: string, ttlMs: number): Promise<boolean>;
}

export interface MemoryStoreOptions {
  /** Connections kept (least recently used forgotten first); default 10 000. */
  maxConnections?: number;
  /** Claimed authorizations kept; default 10 000. */
  maxClaims?: number;
}

/** The default store: this process's memory, bounded. */
export declare function memoryStore(options?: MemoryStoreOptions): ConnectionStore;

/** Why onConnectionChange was called. "retry_save" re-offers tokens an earlier call of the hook failed to store. */
export type ConnectionChangeReason = "exchange" | "refresh" | "api_key" | "retry_save" | "needs_reauth" | "revoked";

export interface RetryOptions {
  /** Retries after the first try (the core's default is 5). */
  maxAttempts?: number;
  /** Backoff base in ms (full jitter, doubling per retry). */
  baseMs?: number;
  /** Backoff cap in ms. */
  capMs?: number;
  /** A server asking for a longer wait than this is reported instead of obeyed. */
  maxServerDelayMs?: number;
  /**
   * One call's whole budget in ms, all attempts and waits together (default 60 000): a `Retry-After` or
   * `X-RateLimit-Reset` beyond what is left fails at once, with `retryAfterMs` when the server said how long.
   */
  deadlineMs?: number;
}

export type Compression = "gzip" | "deflate" | "none";

/** What the client needs of fetch: the platform's fetch, undici's, or a wrapper (proxies, tests). */
export type FetchLike = (
  url: string,
  // body: a string (forms, small JSON), or bytes (a Uint8Array: an encoder's body, compressed or not); typed loosely so any fetch type fits.
  init: { method: string; headers: Record<string, string>; body?: any; signal?: any; redirect?: "manual" },
) => Promise<{ status: number; headers: { forEach(cb: (value: string, name: string) => void): void }; text(): Promise<string> }>;

export interface DatadogClientOptions {
  clientId: string;
  /** Server side only: constructing with a secret in a browser throws `secret_in_browser`. */
  clientSecret?: string;
  /** The redirect URI used in the authorization request (needed by exchangeCode). */
  redirectUri?: string;
  /** Default: the platform's fetch. */
  fetch?: FetchLike;
  /** Retry tuning for 408, 429, 5xx and network errors, or `false` for no retries. */
  retry?: RetryOptions | false;
  /**
   * Awaited with every new state of a connection (new tokens, rotated refresh token, API key) before that state is
   * used or returned. Store the connection here. If it throws, the call rejects with its error; the client keeps the
   * new state in memory and offers it to the hook again before the next use.
   */
  onConnectionChange?: (conn: Connection, info: { reason: ConnectionChangeReason }) => void | Promise<void>;
  /**
   * Custom sites (e.g. the local sandbox): the allowlist. A custom site in a connection, a pending authorization or
   * an exchangeCode() argument is honoured only when it equals one of these (`invalid_site` otherwise).
   */
  sites?: Site[];
  /** Allow a client secret in a browser context (internal tools only). */
  allowSecretInBrowser?: boolean;
  /** Refresh this long before expiry (the core's default is 60 000 ms). */
  refreshMarginMs?: number;
  /** Batches in flight per submission; default 4. */
  concurrency?: number;
  /** Body compression for intake requests; default gzip. */
  compress?: Compression;
  /** Per-request timeout in ms (default 60 000; 0 for none). The call's `retry.deadlineMs` bounds it too. */
  timeoutMs?: number;
  /** The largest response body read, in bytes (default 16 MiB); a larger one is `response_too_large`, unread. */
  maxResponseBytes?: number;
  /** Clock (ms since epoch); default Date.now. */
  now?: () => number;
  /** Waits between retries; default setTimeout. Inject for tests. */
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1); default Math.random. */
  random?: () => number;
  /** Where connections live; default memoryStore(). Share one (postgresStore) between instances. */
  store?: ConnectionStore;
  /** Connections this client keeps in memory (least recently used forgotten first); default 10 000. */
  maxConnections?: number;
  /** How long a refresh lease lasts before another instance may take over (renewed while held); default 15 000 ms. */
  leaseMs?: number;
}

export interface ExchangeCodeParams {
  code: string;
  codeVerifier: string;
  domain: string;
  orgId?: string | null;
  orgName?: string | null;
  /**
   * From parseCallback(), or a site id: checked against the built-in sites and the client's `sites` (a custom
   * descriptor not listed there is `invalid_site`) and against `domain` (`site_mismatch`). Never an allowlist.
   */
  site?: Site | string;
  /** Overrides the client's redirectUri. */
  redirectUri?: string;
  /**
   * An earlier connection of the same user, that the caller owns: lends its id and API key only when its org was
   * verified and the new grant verifies (GET /api/v2/current_user) to the same org. Never looked up by org id.
   */
  previous?: Connection;
  /** The pending authorization's state (parseCallback's result carries it): claimed so the code is exchanged once. */
  state?: string;
  /** Your own user id, stored with the connection; listConnections({ owner }) filters by it. */
  owner?: string;
}

/** A connection or its id: every method takes either. */
export type ConnectionRef = Connection | string;

export interface ApiRequest {
  method: "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | (string & {});
  /** A path on the site's API host, such as "/api/v2/incidents". */
  path: string;
  /** Lists become repeated keys. */
  query?: Record<string, string | number | boolean | null | Array<string | number | boolean>>;
  /** Sent as JSON. */
  body?: unknown;
}

export interface ApiResult<T = unknown> {
  status: number;
  /** Parsed JSON, or text when the answer is not JSON, or null when empty. */
  body: T;
  rateLimit?: RateLimit;
}

/** An input item that was not delivered, with the reason. */
export interface FailedItem {
  index: number;
  code: ErrorCode | (string & {});
  message: string;
  hint: string;
  status?: number;
  field?: string;
  retryAfterMs?: number;
  rateLimit?: RateLimit;
}

/** Every input index is either counted in `accepted` or listed in `failed`. */
export interface DeliveryReport {
  /** Batches sent (a batch halved after a 413 counts its halves too). */
  batches: number;
  /** Batches Datadog accepted. */
  sent: number;
  /** Input items fully accepted (for a split series, every piece). */
  accepted: number;
  failed: FailedItem[];
  /** HTTP requests made, retries included. */
  requests: number;
  retries: number;
  /** Ids Datadog returned (events, incidents). */
  ids?: Array<string | number>;
  /** Warnings from accepted batches. */
  warnings?: string[];
}

export interface SubmitOptions {
  /** Overrides the client's compression for this call. */
  compress?: Compression;
  /** Overrides the client's concurrency for this call. */
  concurrency?: number;
}

export interface MetricPoint {
  timestamp: number;
  value: number;
}

/** Datadog's own series shape (v2: points as {timestamp, value}; v1: [timestamp, value] pairs also accepted). */
export interface MetricSeries {
  metric: string;
  points: Array<MetricPoint | [number, number]>;
  type?: 0 | 1 | 2 | 3 | "unspecified" | "count" | "rate" | "gauge";
  interval?: number;
  tags?: string[];
  resources?: Array<{ name: string; type: string }>;
  unit?: string;
  source_type_name?: string;
  metadata?: Record<string, unknown>;
  host?: string;
}

export interface LogEntry {
  message: string;
  hostname?: string;
  ddtags?: string | string[];
  [attribute: string]: unknown;
}

export interface SubmitLogsOptions extends SubmitOptions {
  /** The integration's name, lowercase (set by you, not by your users). */
  source: string;
  /** Lowercase; defaults to `source`. */
  service?: string;
}

export interface SubmitMetricsOptions extends SubmitOptions {
  version?: 1 | 2;
}

export interface SubmitEventsOptions extends SubmitOptions {
  version?: 1 | 2;
  /** v2 events only. */
  applicationKey?: string;
}

export interface SubmitTracesOptions extends SubmitOptions {
  format?: "otlp" | "agent";
  /** For format "agent": the Agent's URL, e.g. "http://localhost:8126". */
  agentUrl?: string;
}

export interface IncidentReport extends DeliveryReport {
  /** The new incident's id. */
  id?: string | number;
}

/**
 * A partner's client for one OAuth client ID. Methods take a Connection and resolve to the updated one; the client
 * also keeps its newest copy of every connection it has seen, found by any token a copy still carries, so callers
 * holding an older object (tokens since refreshed or rotated) still use the newest tokens.
 */
export declare class DatadogClient {
  constructor(options: DatadogClientOptions);
  /** Accepts the whole parseCallback() result plus `codeVerifier`. Resolves after onConnectionChange. */
  exchangeCode(params: ExchangeCodeParams | (CallbackResult & { codeVerifier: string; state?: string; owner?: string })): Promise<Connection>;
  /** Single-flight per connection: concurrent calls share one refresh request. */
  refresh(conn: ConnectionRef): Promise<Connection>;
  /** Revokes the grant (refresh token) or, with `{ token: "access" }`, the access token only. */
  revoke(conn: ConnectionRef, opts?: { token?: "refresh" | "access" }): Promise<{ revoked: boolean }>;
  /** The marketplace API key; never retried automatically; stored via onConnectionChange before resolving. */
  createApiKey(conn: ConnectionRef): Promise<Connection>;
  /** Give `conn` the API key of `from` (same site), e.g. the same user's earlier connection after api_key_exists. Nothing is sent. */
  attachApiKey(conn: ConnectionRef, from: ConnectionRef): Promise<Connection>;
  /** Any API call with the bearer token, refreshed when due and once after a 401. */
  request<T = unknown>(conn: ConnectionRef, req: ApiRequest): Promise<ApiResult<T>>;
  /** The stored connection with this id, or null. */
  getConnection(id: string): Promise<Connection | null>;
  /** A page of stored connections; pass `cursor` back for the next page (null after the last). */
  listConnections(query?: StoreListQuery): Promise<{ connections: Connection[]; cursor: string | null }>;
  /** Removes it from the store (nothing is sent to Datadog: revoke() first to end the grant). */
  deleteConnection(conn: ConnectionRef): Promise<{ deleted: boolean }>;
  /** This client's newest copy of `conn`. */
  latest(conn: Connection): Connection;
  /** Drop this client's memory of `conn`. */
  forget(conn: ConnectionRef): void;
  submitMetrics(conn: ConnectionRef, series: MetricSeries[], opts?: SubmitMetricsOptions): Promise<DeliveryReport>;
  submitLogs(conn: ConnectionRef, logs: LogEntry[], opts: SubmitLogsOptions): Promise<DeliveryReport>;
  submitEvents(conn: ConnectionRef, events: Array<Record<string, unknown>>, opts?: SubmitEventsOptions): Promise<DeliveryReport>;
  submitServiceChecks(conn: ConnectionRef, checks: Array<Record<string, unknown>>, opts?: SubmitOptions): Promise<DeliveryReport>;
  createIncident(conn: ConnectionRef, incident: Record<string, unknown>, opts?: SubmitOptions): Promise<IncidentReport>;
  submitTraces(conn: ConnectionRef, traces: unknown[], opts?: SubmitTracesOptions): Promise<DeliveryReport>;
}
