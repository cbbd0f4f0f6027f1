// The sans-IO building blocks, public for users who bring their own HTTP stack: each `...Request` returns a
// request description `{ method, url, headers, body?, compress?, replay }`, each `parse...` takes the response
// `{ status, headers, body }`. `now` defaults to the current time; pass it to make calls deterministic.
import { call, DatadogError } from "./core.js";

const withNow = (args) => ({ ...args, now: args && args.now != null ? args.now : Date.now() });

/** POST /oauth2/v1/token (authorization_code) for { clientId, clientSecret?, redirectUri, code, codeVerifier, domain, sites? }. */
export const tokenRequest = (args) => call("tokenRequest", args);
/**
 * A Connection from the token response: { response, domain, sites?, orgId?, orgName?, previous?, now? }. A fresh
 * connection: `previous` lends it nothing (only its secrets are scrubbed from errors); org fields are unverified
 * hints until parseCurrentUserResponse() (policy 18).
 */
export const parseTokenResponse = (args) => call("parseTokenResponse", withNow(args));
/** POST /oauth2/v1/token (refresh_token) for { clientId, clientSecret?, connection }. */
export const refreshRequest = (args) => call("refreshRequest", args);
/** The refreshed Connection: { response, connection, now? }; a rotated refresh token replaces the old one. */
export const parseRefreshResponse = (args) => call("parseRefreshResponse", withNow(args));
/**
 * POST /oauth2/v1/revoke for { clientId, clientSecret?, connection, token?: "refresh" | "access", bearer? }: RFC 7009,
 * client credentials in the body only; `bearer: true` is the fallback in Datadog's example form (policy 5).
 */
export const revokeRequest = (args) => call("revokeRequest", args);
/**
 * `{ revoked: true }`, or `{ revoked: false, retryWithBearer: true }` when the answer asks for a bearer token: then send
 * revokeRequest({ ..., bearer: true }) once, with a fresh access token, and parse that answer with `bearer: true`.
 */
export const parseRevokeResponse = (args) => call("parseRevokeResponse", args);
/** GET /api/v2/current_user with the bearer token, for { connection, sites? }: verifies the org (policy 18). */
export const currentUserRequest = (args) => call("currentUserRequest", args);
/**
 * The connection with its org verified: { response (or null when none came), connection, previous?, sites? }.
 * `orgVerified: true` and Datadog's org id, or `orgVerified: false` and the callback's hints.
 */
export const parseCurrentUserResponse = (args) => call("parseCurrentUserResponse", args);
/** POST /api/v2/api_keys/marketplace for { connection }; never replayed automatically. */
export const apiKeyRequest = (args) => call("apiKeyRequest", args);
/** The Connection with its API key: { response, connection, now? }; 409 → api_key_exists. */
export const parseApiKeyResponse = (args) => call("parseApiKeyResponse", withNow(args));
/** Any API call with the bearer token: { connection, method, path, query?, body? }. */
export const apiRequest = (args) => call("apiRequest", args);
export const parseApiResponse = (args) => call("parseApiResponse", args);
/** Whether the access token should be refreshed now: { connection, now?, marginMs? }. */
export const refreshDue = (args) => call("refreshDue", withNow(args));
/** Retry or not, and after how long: { status?, headers?, attempt, replay, random?, now?, deadline? }. */
export const retryDecision = (args) => call("retryDecision", withNow({ random: Math.random(), ...args }));
/** A stored connection, checked (its site re-validated; a custom site must be one of `opts.sites`). */
export const parseConnection = (connection, opts) => call("parseConnection", { connection, sites: (opts && opts.sites) || [] });

/** Request descriptions, one per batch: { batches: [{ request, items }], rejected: [{ index, error }] }. */
export const encodeMetrics = (connection, series, opts) => call("encodeMetrics", withNow({ ...opts, connection, series }), "series");
export const encodeLogs = (connection, logs, opts) => call("encodeLogs", withNow({ ...opts, connection, logs }), "logs");
export const encodeEvents = (connection, events, opts) => call("encodeEvents", withNow({ ...opts, connection, events }), "events");
export const encodeServiceChecks = (connection, checks, opts) => call("encodeServiceChecks", withNow({ ...opts, connection, checks }), "checks");
export const encodeIncident = (connection, incident, opts) => call("encodeIncident", withNow({ ...opts, connection, incident }));
export const encodeTraces = (connection, traces, opts) => call("encodeTraces", withNow({ ...opts, connection, traces }), "traces");
/**
 * After a 413: two halves of a batch's `items` (or of a lone item's points/spans), as `select` entries to pass
 * back to the same encoder (`opts.select`), or null when it cannot be cut further.
 */
export const splitSelection = (op, items, select) => call("splitSelection", { op, items, select }, "items");
/** { accepted: true, status } for a 2xx intake answer, else throws the typed error. */
export const parseIntakeResponse = (args) => call("parseIntakeResponse", args);

/**
 * The typed error for a code the host raises (the routes' `not_signed_in`, `session_mismatch`, ...), with its hint
 * from the core's table. A code this core does not know yet still becomes a DatadogError, with a generic hint.
 */
export function hostError(code, message) {
  let info = null;
  try {
    info = call("hostError", { code, message });
  } catch {
    info = null;
  }
  return new DatadogError(info ?? { code, message, hint: "Start the Datadog connection again; see the README's troubleshooting table for this code." });
}

/** Every error code this core knows (its one code table, src/error.rs), for exhaustive matching and tests. */
export const errorCodes = () => call("errorCodes", {});
