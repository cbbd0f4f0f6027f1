// Types of the sans-IO building blocks (full entry). `Connection`, `MetricSeries`, `LogEntry` are declared with the client.

export interface RequestDescription {
  method: string;
  url: string;
  /** Lower-case names. May carry secrets (authorization, dd-api-key): never log as is. */
  headers: Record<string, string>;
  /** The body as text. On an encoder's request it is decoded from `bodyBytes` the first time it is read. */
  body?: string;
  /**
   * An encoder's body as the UTF-8 bytes the core wrote: send or compress these (no string in between). Not
   * enumerable (JSON and spreads carry `body` only); assigning `body` removes it. Absent on other requests.
   */
  bodyBytes?: Uint8Array;
  /** Compression the sender should apply to the body (the content-encoding header is already set). */
  compress?: "gzip" | "deflate";
  /** Whether the request may be sent again after a failure of unknown outcome. */
  /** "once": single-use (the authorization-code exchange), never resent whatever happens. */
  replay: "retry" | "create_once" | "never" | "once";
}

export interface ResponseDescription {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface RetryDecision {
  retry: boolean;
  delayMs: number;
  reason: string;
  source?: "retry_after" | "rate_limit_reset" | "backoff";
  /** For a single-use request that failed (reason "single_use"): the error to throw (`exchange_interrupted`). */
  error?: { code: string; message: string; hint: string; status?: number; retryAfterMs?: number };
}

/** A selected input item: all of it, or the range `start..end` of its points (metric series) or spans (traces). */
export interface SelectEntry {
  index: number;
  start?: number | null;
  end?: number | null;
  /** This item's index in your own list, when `items` holds only the selected ones: answers and error paths use it. */
  origin?: number;
}

export interface EncodedBatches {
  /**
   * `auth`: how the batch's request authenticates, as the core built it: `"bearer"` (an access token: after a 401,
   * refresh and encode again), `"apiKey"` (DD-API-KEY), or `"none"` (traces to a local Agent).
   */
  batches: { request: RequestDescription; auth: "apiKey" | "bearer" | "none"; items: number[]; parts?: { index: number; start: number; end: number }[] }[];
  rejected: { index: number; error: { code: string; message: string; hint: string; field?: string } }[];
}

export declare function tokenRequest(args: { clientId: string; clientSecret?: string; redirectUri: string; code: string; codeVerifier: string; domain: string; sites?: Site[]; site?: Site | string }): RequestDescription;
export declare function parseTokenResponse(args: { response: ResponseDescription; domain: string; sites?: Site[]; orgId?: string | null; orgName?: string | null; previous?: Connection; now?: number }): Connection;
export declare function refreshRequest(args: { clientId: string; clientSecret?: string; connection: Connection }): RequestDescription;
export declare function parseRefreshResponse(args: { response: ResponseDescription; connection: Connection; now?: number }): Connection;
export declare function revokeRequest(args: { clientId: string; clientSecret?: string; connection: Connection; token?: "refresh" | "access"; bearer?: boolean; sites?: Site[] }): RequestDescription;
export declare function parseRevokeResponse(args: { response: ResponseDescription; connection?: Connection; clientSecret?: string; bearer?: boolean; sites?: Site[] }): { revoked: boolean; retryWithBearer?: true };
export declare function currentUserRequest(args: { connection: Connection; sites?: Site[] }): RequestDescription;
export declare function parseCurrentUserResponse(args: { response?: ResponseDescription | { networkError: string } | null; connection: Connection; previous?: Connection; sites?: Site[] }): Connection;
export declare function apiKeyRequest(args: { connection: Connection }): RequestDescription;
export declare function parseApiKeyResponse(args: { response: ResponseDescription; connection: Connection; now?: number }): Connection;
export declare function apiRequest(args: { connection: Connection; method: string; path: string; query?: Record<string, unknown>; body?: unknown }): RequestDescription;
export declare function parseApiResponse(args: { response: ResponseDescription }): { status: number; body: unknown; rateLimit?: RateLimit };
export declare function refreshDue(args: { connection: Connection; now?: number; marginMs?: number }): boolean;
export declare function retryDecision(args: { status?: number; headers?: Record<string, string>; attempt: number; replay: RequestDescription["replay"]; random?: number; now?: number; baseMs?: number; capMs?: number; maxAttempts?: number; maxServerDelayMs?: number; /** ms since the epoch; no wait may end after it (needs `now`) */ deadline?: number }): RetryDecision;
export declare function parseConnection(connection: unknown, opts?: { sites?: Site[] }): Connection;
/** `opts.select` re-encodes only some items (after a 413, the halves from `splitSelection`), in the caller's indices; every encoder `splitSelection` names takes it. */
export declare function encodeMetrics(connection: Connection, series: MetricSeries[], opts?: { version?: 1 | 2; compress?: "gzip" | "deflate" | "none"; now?: number; select?: SelectEntry[] }): EncodedBatches;
export declare function encodeLogs(connection: Connection, logs: LogEntry[], opts: { source: string; service?: string; compress?: "gzip" | "deflate" | "none"; now?: number; select?: SelectEntry[] }): EncodedBatches;
export declare function encodeEvents(connection: Connection, events: Record<string, unknown>[], opts?: { version?: 1 | 2; applicationKey?: string; compress?: "gzip" | "deflate" | "none"; now?: number; select?: SelectEntry[] }): EncodedBatches;
export declare function encodeServiceChecks(connection: Connection, checks: Record<string, unknown>[], opts?: { compress?: "gzip" | "deflate" | "none"; now?: number; select?: SelectEntry[] }): EncodedBatches;
export declare function encodeIncident(connection: Connection, incident: Record<string, unknown>, opts?: { now?: number }): EncodedBatches;
export declare function encodeTraces(connection: Connection, traces: Record<string, unknown>[][], opts?: { format?: "otlp" | "agent"; agentUrl?: string; compress?: "gzip" | "deflate" | "none"; now?: number; select?: SelectEntry[] }): EncodedBatches;
export declare function splitSelection(op: "encodeMetrics" | "encodeLogs" | "encodeEvents" | "encodeServiceChecks" | "encodeTraces", items: unknown[], select: SelectEntry[]): [SelectEntry[], SelectEntry[]] | null;
/** `kind`: the intake that answered (required: it decides which success fields are read); `format: "agent"` for traces sent to an Agent. */
export declare function parseIntakeResponse(args: { response: ResponseDescription; kind: "metrics" | "logs" | "events" | "serviceChecks" | "incidents" | "traces"; format?: "otlp" | "agent" }): { accepted: true; status: number; warnings?: string[]; id?: string | number; rateLimit?: RateLimit };
export declare function hostError(code: string, message: string): DatadogError;
/** Every error code this core knows (its one code table): the `ErrorCode` union is checked against it. */
export declare function errorCodes(): ErrorCode[];
