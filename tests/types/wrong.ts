// Compiled (not run) by tests/js/types.test.mjs with usage.ts: every line after a `@ts-expect-error` is a wrong call
// that must NOT type-check. If a declaration becomes too loose, its directive is unused and tsc fails; the test also
// compiles this file with the directives taken out and expects an error on each of those lines. One statement per line.
import { startAuthorization, resolveSite, customSite, createPkce, pkceChallenge, parseCallback, parseOnboardingUrl, endpoints, DatadogClient,
  DatadogError, tokenRequest, refreshRequest, parseTokenResponse, parseIntakeResponse, encodeMetrics, encodeLogs, encodeTraces, retryDecision,
  splitSelection, memoryStore, type Connection, type DeliveryReport, type ErrorCode, type PendingAuthorization, type Site } from "datadog-oauth-wasm";
import * as auth from "datadog-oauth-wasm/auth";
import { datadogRoutes, toNodeHandler } from "datadog-oauth-wasm/routes";
import { postgresStore } from "datadog-oauth-wasm/postgres";

declare const conn: Connection;
declare const site: Site;
declare const pending: PendingAuthorization;
declare const report: DeliveryReport;
declare const err: DatadogError;
const client = new DatadogClient({ clientId: "c", clientSecret: "s", redirectUri: "https://p.example/cb" });
const series = [{ metric: "m", points: [{ timestamp: 1, value: 2 }] }];
const response = { status: 202, body: "{}" };
const currentUser = async (request: Request) => request.headers.get("x-user");

// Authorization: required arguments and the site's type.
// @ts-expect-error clientId is required
startAuthorization({ redirectUri: "https://p.example/cb" });
// @ts-expect-error redirectUri is required
auth.startAuthorization({ clientId: "c" });
// @ts-expect-error a site is a name or a descriptor, not a number
startAuthorization({ clientId: "c", redirectUri: "https://p.example/cb", site: 1 });
// @ts-expect-error scopes are a list of strings
startAuthorization({ clientId: "c", redirectUri: "https://p.example/cb", scopes: "api_keys_write" });
// @ts-expect-error resolveSite takes text or a descriptor
resolveSite(42);
// @ts-expect-error the custom-site allowlist holds descriptors (from customSite()), not ids
resolveSite("EU", { sites: ["eu1"] });
// @ts-expect-error a site descriptor's id is a string
const badSite: Site = { ...site, id: 1 };
// @ts-expect-error customSite needs apiOrigin
customSite({ site: "datadoghq.eu", appOrigin: "http://127.0.0.1:1" });
// @ts-expect-error endpoints needs a site
endpoints();
// @ts-expect-error the verifier length is a number
createPkce({ length: "64" });
// @ts-expect-error pkceChallenge needs the verifier
pkceChallenge();
// @ts-expect-error parseOnboardingUrl takes a URL, not options only
parseOnboardingUrl({ sites: [] });
// @ts-expect-error parseCallback needs the pending authorization (null is allowed, leaving it out is not)
parseCallback("https://p.example/cb?code=x");
// @ts-expect-error maxAgeMs is a number
parseCallback("https://p.example/cb?code=x", pending, { maxAgeMs: "1h" });
// @ts-expect-error a pending authorization keeps its code verifier
const badPending: PendingAuthorization = { state: "s", site: null, redirectUri: "https://p.example/cb", clientId: "c", createdAt: 1 };

// Error codes are the core's table: a misspelt code is not an ErrorCode.
// @ts-expect-error "invalid_sitee" is not a code
const badCode: ErrorCode = "invalid_sitee";
// @ts-expect-error codes are strings
const numericCode: ErrorCode = 400;
// @ts-expect-error a hint is text
const badHint: number = err.hint;
// @ts-expect-error status is a number when present
const badStatus: string = err.status;

// Connections and reports: their fields' types.
// @ts-expect-error the access token is a string
const badToken: number = conn.accessToken;
// @ts-expect-error a connection's site is the descriptor; its `domain` is the text
const badConnSite: string = conn.site;
// @ts-expect-error the token type is always Bearer
const badType: Connection["tokenType"] = "Basic";
// @ts-expect-error expiresAt is milliseconds, a number
const badExpiry: string = conn.expiresAt;
// @ts-expect-error `failed` lists items, it is not a count
const badFailed: number = report.failed;
// @ts-expect-error a failed item's index is a number
const badIndex: string = report.failed[0].index;
// @ts-expect-error ids may be absent and may be numbers
const badIds: string[] = report.ids;
// @ts-expect-error a connection is not a store record: `connection` is not one of its fields
const badField = conn.connection;

// Sans-IO: required fields, option values.
// @ts-expect-error tokenRequest needs the code verifier
tokenRequest({ clientId: "c", redirectUri: "https://p.example/cb", code: "x", domain: "datadoghq.com" });
// @ts-expect-error refreshRequest needs the connection
refreshRequest({ clientId: "c" });
// @ts-expect-error parseTokenResponse needs the domain
parseTokenResponse({ response });
// @ts-expect-error parseIntakeResponse needs the kind (the core refuses an answer without it)
parseIntakeResponse({ response });
// @ts-expect-error the kind is one of the intakes
parseIntakeResponse({ response, kind: "metric" });
// @ts-expect-error a series needs its points
encodeMetrics(conn, [{ metric: "m" }]);
// @ts-expect-error metrics are v1 or v2
encodeMetrics(conn, series, { version: 3 });
// @ts-expect-error compression is gzip, deflate or none
encodeMetrics(conn, series, { compress: "brotli" });
// @ts-expect-error logs need the options, for their source
encodeLogs(conn, [{ message: "m" }]);
// @ts-expect-error the options need the source
encodeLogs(conn, [{ message: "m" }], { service: "s" });
// @ts-expect-error a selection entry names its item's index
encodeLogs(conn, [{ message: "m" }], { source: "s", select: [{ start: 0, end: 1 }] });
// @ts-expect-error traces are OTLP or Agent
encodeTraces(conn, [[]], { format: "zipkin" });
// @ts-expect-error replay is one of the request's replay kinds
retryDecision({ attempt: 1, replay: "sometimes" });
// @ts-expect-error attempt is required
retryDecision({ replay: "retry" });
// @ts-expect-error splitSelection splits an intake encoder's selection
splitSelection("tokenRequest", [], []);

// The client.
// @ts-expect-error clientId is required
new DatadogClient({ clientSecret: "s" });
// @ts-expect-error retry is options or false
new DatadogClient({ clientId: "c", retry: true });
// @ts-expect-error compression is gzip, deflate or none
new DatadogClient({ clientId: "c", compress: "br" });
// @ts-expect-error revoke's token is refresh or access
void client.revoke(conn, { token: "id" });
// @ts-expect-error logs need their options
void client.submitLogs(conn, [{ message: "m" }]);
// @ts-expect-error exchangeCode needs the code verifier
void client.exchangeCode({ code: "x", domain: "datadoghq.com" });
// @ts-expect-error a request needs its path
void client.request(conn, { method: "GET" });
// @ts-expect-error paginate needs the list's path
void client.paginate(conn, { query: {} });
// @ts-expect-error maxConnections is a number
memoryStore({ maxConnections: "10" });
// @ts-expect-error previous keys are a list
postgresStore({ encryptionKey: "k", previousEncryptionKeys: "old" });

// The routes.
// @ts-expect-error the routes need currentUser
datadogRoutes({ client, cookieSecret: "x".repeat(32) });
// @ts-expect-error the routes need the cookie secret
datadogRoutes({ client, currentUser });
// @ts-expect-error the cookie secret is text or bytes
datadogRoutes({ client, currentUser, cookieSecret: 32 });
// @ts-expect-error onDisconnect keeps or deletes
datadogRoutes({ client, currentUser, cookieSecret: "x".repeat(32), onDisconnect: "purge" });
// @ts-expect-error currentUser answers a user id (or null), not a number
datadogRoutes({ client, currentUser: () => 7, cookieSecret: "x".repeat(32) });
// @ts-expect-error the routes need a DatadogClient
datadogRoutes({ client: {}, currentUser, cookieSecret: "x".repeat(32) });
// @ts-expect-error toNodeHandler's origin is text
toNodeHandler(datadogRoutes({ client, currentUser, cookieSecret: "x".repeat(32) }), { origin: 1 });

void [badSite, badPending, badCode, numericCode, badHint, badStatus, badToken, badConnSite, badType, badExpiry, badFailed, badIndex, badIds, badField];
