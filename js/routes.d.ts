// Types of `datadog-oauth-wasm/routes`: the drop-in onboarding, callback and disconnect routes.
import type { DatadogClient, Site } from "datadog-oauth-wasm";

export interface RouteErrorInfo {
  code: string;
  message: string;
  hint: string;
  status?: number;
}

export interface DatadogRoutesOptions {
  /** The DatadogClient (with its store) that exchanges the code, creates the API key and revokes. */
  client: DatadogClient;
  /** Serves GET {basePath}/onboarding, GET {basePath}/callback, POST {basePath}/disconnect. Default "/datadog". */
  basePath?: string;
  /** Seals the browser binding and signs form tokens: 32+ random bytes (a string or bytes). Shorter is refused. */
  cookieSecret: string | Uint8Array | ArrayBuffer;
  /** The OAuth client ID (when the client does not expose `clientId`). */
  clientId?: string;
  /** The redirect URI registered with Datadog; default: the request's origin + {basePath}/callback. */
  redirectUri?: string;
  /** Custom site descriptors (sandbox, tests) allowed for onboarding and the callback. */
  sites?: Site[];
  scopes?: string[];
  /** The partner's own signed-in user: whose connection this is. null for an anonymous visitor. */
  currentUser: (request: Request) => string | null | undefined | Promise<string | null | undefined>;
  /** Where an anonymous visitor goes first: the return path (same-origin, URL-encoded) is appended, or passed to the function. */
  loginUrl?: string | ((returnPath: string) => string);
  /** The public origin ("https://app.example") when a proxy changes what the request URL shows. */
  origin?: string;
  /** Where the routes send the browser when nothing else says (default "/"). */
  homePath?: string;
  /** How long an authorization may take, ms (default 15 minutes). */
  maxAgeMs?: number;
  /** After disconnect: keep the record marked `revoked` (its API key can be reused on reconnect) or delete it. Default "keep". */
  onDisconnect?: "keep" | "delete";
  /** Cookie name; default "__Secure-dd_oauth" ("dd_oauth" on plain-http loopback). */
  cookieName?: string;
  /** Force the cookie's Secure attribute (default: Secure except on plain-http loopback). */
  secureCookie?: boolean;
  /** After a connection (or a reloaded callback): a path to redirect to, or your own Response. */
  onConnected?: (info: { connection: any; user: string; request: Request; apiKey: "created" | "reused"; reloaded: boolean }) =>
    string | Response | void | Promise<string | Response | void>;
  /** The tile flow's confirmation page (optional): `continueUrl` starts the authorization. */
  onboardingPage?: (info: { site: Site | null; user: string; request: Request; continueUrl: string }) =>
    string | Response | void | Promise<string | Response | void>;
  /** Your own error page (HTML requests): a string of HTML or a Response. JSON requests always get `{ error }`. */
  errorPage?: (info: { error: RouteErrorInfo; status: number; request: Request }) => string | Response | void | Promise<string | Response | void>;
  /** Called with unexpected (non-DatadogError) failures, for your log. */
  onError?: (info: { error: unknown; request: Request }) => void | Promise<void>;
  onDisconnected?: (info: { user: string; request: Request; results: { id: string | null; revoked: boolean; error?: RouteErrorInfo }[] }) =>
    string | Response | void | Promise<string | Response | void>;
}

export interface DatadogRoutes {
  readonly basePath: string;
  readonly paths: { onboarding: string; callback: string; disconnect: string };
  /** Web-standard handler: Hono, Next.js App Router, Bun, Deno, workers. */
  fetch(request: Request): Promise<Response>;
  /** Whether `request` is for one of these routes. */
  handles(request: Request): boolean;
  /** The disconnect form's token (for browsers that send neither Sec-Fetch-Site nor Origin). */
  csrfToken(user: string): Promise<string>;
}

export declare function datadogRoutes(options: DatadogRoutesOptions): DatadogRoutes;

/** node:http and Express: `app.use(toNodeHandler(routes))`; other paths go to `next()` (or a 404). */
// `req`/`res` are node:http's IncomingMessage/ServerResponse (or Express's); typed loosely so that these
// declarations do not need @types/node.
export declare function toNodeHandler(routes: DatadogRoutes, options?: { origin?: string }):
  (req: any, res: any, next?: (err?: unknown) => void) => Promise<void>;

/** `value` when it is a same-origin relative path, else null. */
export declare function sameOriginPath(value: unknown, origin: string): string | null;
export declare function escapeHtml(value: unknown): string;
export declare function errorInfo(err: unknown): RouteErrorInfo;
