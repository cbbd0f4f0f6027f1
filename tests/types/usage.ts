// Compiled (not run) by tests/js/types.test.mjs: the declarations must describe real usage.
import { sites, resolveSite, customSite, createPkce, pkceChallenge, parseOnboardingUrl, startAuthorization, parseCallback,
  DatadogError, DatadogClient, encodeMetrics, tokenRequest, type Site, type PendingAuthorization, type Connection, nextPage } from "datadog-oauth-wasm";
import * as auth from "datadog-oauth-wasm/auth";

const all: Site[] = sites();
const eu: Site = resolveSite("EU");
const local: Site = customSite({ site: "datadoghq.eu", appOrigin: "http://127.0.0.1:1", apiOrigin: "http://127.0.0.1:2" });
const pair = createPkce({ length: 64 });
const challenge: string = pkceChallenge(pair.verifier);
const onb = parseOnboardingUrl("https://p.example/onboard?site=x");
const { url, pending } = startAuthorization({ clientId: "c", redirectUri: "https://p.example/cb", site: onb.site ?? eu, scopes: ["api_keys_write"], sites: [local] });
const kept: PendingAuthorization = JSON.parse(JSON.stringify(pending));
const cb = parseCallback(url, kept, { maxAgeMs: 60_000 });
const domain: string = cb.domain;
try { auth.resolveSite("x"); } catch (e) { if (DatadogError.is(e, "invalid_site")) { const hint: string = e.hint; void hint; } }
const client = new DatadogClient({ clientId: "c", clientSecret: "s", redirectUri: "https://p.example/cb" });
async function flow(conn: Connection) {
  const withKey: Connection = await client.createApiKey(conn);
  const report = await client.submitMetrics(withKey, [{ metric: "m", points: [{ timestamp: 1, value: 2 }] }]);
  const n: number = report.accepted;
  const batches = encodeMetrics(withKey, [{ metric: "m", points: [{ timestamp: 1, value: 2 }] }]);
  const r = tokenRequest({ clientId: "c", redirectUri: "https://p.example/cb", code: "x", codeVerifier: pair.verifier, domain });
  return [n, batches.batches.length, r.url, all.length, challenge];
}
void flow;
async function read(conn: Connection) {
  let titles = 0;
  for await (const incident of client.paginate<{ id: string }>(conn, { path: "/api/v2/incidents", query: { "page[size]": 100, "page[offset]": 0 } })) titles += incident.id.length;
  for await (const page of client.paginate(conn, { path: "/api/v2/events", pages: true, deadlineMs: 30_000 })) titles += page.items.length + (page.rateLimit?.remaining ?? 0);
  const next = nextPage({ query: {}, body: { data: [] } });
  return titles + next.waitMs + (next.next === null ? 0 : 1);
}
void read;
// The connection store: ids everywhere, listing, ownership.
import { memoryStore, type ConnectionStore, type ConnectionStatus } from "datadog-oauth-wasm";
const store: ConnectionStore = memoryStore({ maxConnections: 1000 });
const shared = new DatadogClient({ clientId: "c", clientSecret: "s", redirectUri: "https://p.example/cb", store, leaseMs: 10_000 });
async function byId(id: string) {
  const c: Connection | null = await shared.getConnection(id);
  const page = await shared.listConnections({ site: "eu1", status: "connected", owner: "user-1", limit: 50, cursor: null });
  const s: ConnectionStatus | undefined = page.connections[0]?.status;
  await shared.request(id, { method: "GET", path: "/api/v2/incidents" });
  const { deleted } = await shared.deleteConnection(id);
  const conn = await shared.exchangeCode({ ...cb, codeVerifier: pair.verifier, state: kept.state, owner: "user-1" });
  return [c, s, deleted, conn.owner, page.cursor];
}
void byId;
// The PostgreSQL store entry.
import { postgresStore, postgresSchema, type PostgresStore } from "datadog-oauth-wasm/postgres";
const pgStore: PostgresStore = postgresStore({ connectionString: "postgresql://u@127.0.0.1/db", encryptionKey: "k", previousEncryptionKeys: [], table: "datadog_connections" });
async function rotate() {
  const { reencrypted }: { reencrypted: number; current: number } = await pgStore.reencrypt();
  const c = new DatadogClient({ clientId: "c", store: pgStore });
  return [reencrypted, postgresSchema({ schema: "public" }).length, c];
}
void rotate;

// The drop-in routes.
import { datadogRoutes, toNodeHandler } from "datadog-oauth-wasm/routes";
import { DatadogClient as RoutesClient } from "datadog-oauth-wasm";
const routesClient = new RoutesClient({ clientId: "cid", clientSecret: "secret", redirectUri: "https://p.example/datadog/callback" });
const ddRoutes = datadogRoutes({
  client: routesClient, clientId: "cid", basePath: "/datadog", cookieSecret: "x".repeat(32), scopes: ["api_keys_write"],
  currentUser: async (request: Request) => request.headers.get("x-user"), loginUrl: "/login?next=",
  onConnected: async ({ connection, user }) => `/settings/datadog?c=${String(connection.id)}&u=${user}`,
});
const routeResponse: Promise<Response> = ddRoutes.fetch(new Request("https://p.example/datadog/onboarding"));
const nodeHandler = toNodeHandler(ddRoutes);
void routeResponse;
void nodeHandler;
