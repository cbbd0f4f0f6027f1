// Types for datadog-oauth-wasm. One file serves the ESM and CommonJS entries (copied to index.d.cts).

/** A Datadog site. API hosts always derive from `site` (Datadog's `domain`); only `authorizeOrigin` may be a vanity host. */
export interface Site {
  /** "us1", "us3", "us5", "eu1", "ap1", "ap2", "uk1", "us1-fed", "us2-fed", or the id of a custom site. */
  id: string;
  /** "US1", "EU1", "US1-FED", ... */
  name: string;
  /** The site parameter, e.g. "datadoghq.eu". */
  site: string;
  appOrigin: string;
  apiOrigin: string;
  logsOrigin: string;
  eventIntakeOrigin: string;
  otlpOrigin: string;
  /** Where the consent page lives: the app origin, or the org's vanity host. */
  authorizeOrigin: string;
  vanity?: string;
  custom: boolean;
  location?: string;
}

/** A site as functions accept it: text to resolve ("EU", "datadoghq.eu", "https://app.datadoghq.eu") or a descriptor. */
export type SiteInput = string | Site;

/** Explicit custom sites (local sandbox): passed as `{ sites: [...] }` where a function accepts options. */
export interface SitesOption {
  sites?: Site[];
}

export interface CustomSiteSpec {
  id?: string;
  name?: string;
  site: string;
  appOrigin: string;
  apiOrigin: string;
  logsOrigin?: string;
  eventIntakeOrigin?: string;
  otlpOrigin?: string;
}

export interface Endpoints {
  authorize: string; token: string; revoke: string; apiKey: string; validate: string;
  metricsV2: string; metricsV1: string; logs: string; eventsV1: string; eventsV2: string;
  serviceChecks: string; incidents: string; otlpTraces: string;
}

export interface Pkce {
  verifier: string;
  challenge: string;
  method: "S256";
}

export interface Onboarding {
  site: Site | null;
  domain: string | null;
}

export interface AuthorizationParams extends SitesOption {
  clientId: string;
  redirectUri: string;
  site?: SiteInput | null;
  scopes?: string[];
  orgId?: string;
  /** Code verifier length, 43 (default) to 128. */
  verifierLength?: number;
}

/** Keep until the callback (server-side: it holds the code verifier). Plain JSON. */
export interface PendingAuthorization {
  state: string;
  codeVerifier: string;
  site: Site | null;
  redirectUri: string;
  clientId: string;
  createdAt: number;
}

export interface Authorization {
  url: string;
  pending: PendingAuthorization;
}

export interface CallbackOptions extends SitesOption {
  /** How old `pending` may be; default one hour. */
  maxAgeMs?: number;
}

export interface CallbackResult {
  code: string;
  domain: string;
  site: Site;
  /** Unverified hints from the callback's `dd_oid`/`dd_org_name` (the user can edit them); exchangeCode() verifies. */
  orgId: string | null;
  orgName: string | null;
  /** The pending authorization's state: claim it once before exchanging the code. */
  state: string;
}

export interface RateLimit {
  limit?: number;
  period?: number;
  remaining?: number;
  reset?: number;
  name?: string;
}

export type ErrorCode =
  | "invalid_site" | "invalid_verifier" | "invalid_redirect_uri" | "invalid_client_id" | "invalid_scope" | "invalid_input"
  | "invalid_url" | "state_mismatch" | "missing_code" | "site_mismatch" | "redirect_uri_mismatch" | "invalid_callback"
  | "authorization_expired" | "access_denied" | "invalid_request" | "unauthorized_client" | "unsupported_response_type"
  | "invalid_client" | "invalid_grant" | "unsupported_grant_type" | "server_error" | "temporarily_unavailable" | "oauth_error"
  | "unauthorized" | "forbidden" | "not_found" | "bad_request" | "api_key_exists" | "payload_too_large" | "request_timeout"
  | "rate_limited" | "certificate_mismatch" | "invalid_response" | "http_error" | "missing_api_key" | "missing_refresh_token"
  | "missing_access_token" | "token_revoked" | "invalid_payload" | "item_too_large" | "timestamp_out_of_range"
  | "secret_in_browser" | "network_error" | "not_delivered" | "not_ready"
  | "issuer_mismatch" | "no_pending_authorization" | "authorization_used" | "unsupported_on_site" | "traces_not_enabled"
  | "unexpected_redirect" | "response_too_large" | "internal_error" | "exchange_interrupted"
  | "session_mismatch" | "not_signed_in" | "cross_site_request" | "not_connected"
  | "store_unavailable" | "connection_not_found" | "decryption_failed";

export declare class DatadogError extends Error {
  name: "DatadogError";
  /** Stable snake_case code: match on this. */
  code: ErrorCode | (string & {});
  /** What to do about it. */
  hint: string;
  status?: number;
  field?: string;
  /** A redacted excerpt of the server's response body. */
  body?: string;
  retryAfterMs?: number;
  rateLimit?: RateLimit;
  index?: number;
  /**
   * True when the request may have been processed although no usable answer came (no response, a timeout, or a
   * single-use request answered 408/5xx): do not resend what it carried without checking first.
   */
  outcomeUnknown?: boolean;
  /** `store_unavailable` from a write: the connection whose new state is kept in memory until the store takes it. */
  connectionId?: string;
  static is(err: unknown, code?: string): err is DatadogError;
  toJSON(): Record<string, unknown>;
}

/**
 * Diagnostics: makes the wasm core trap on purpose (`kind` first; other fields may follow), to check that a
 * deployment recovers. Always throws: `internal_error`, after which the core is rebuilt and later calls work.
 */
export declare function __trap(args: { kind: "unreachable" | "oom"; [more: string]: unknown }): never;

/** Resolved once the wasm core is loaded (it already is when an import completes). */
export declare const ready: Promise<void>;

export declare function sites(): Site[];
export declare function resolveSite(input: SiteInput, opts?: SitesOption): Site;
export declare function customSite(spec: CustomSiteSpec): Site;
export declare function endpoints(site: SiteInput, opts?: SitesOption): Endpoints;
export declare function createPkce(opts?: { length?: number }): Pkce;
export declare function pkceChallenge(verifier: string): string;
export declare function createState(): string;
export declare function parseOnboardingUrl(url: string | URL, opts?: SitesOption): Onboarding;
export declare function startAuthorization(params: AuthorizationParams): Authorization;
export declare function parseCallback(callbackUrl: string | URL, pending: PendingAuthorization | null | undefined, opts?: CallbackOptions): CallbackResult;
