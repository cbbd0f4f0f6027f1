// The sans-IO half of the public API: thin wrappers that pass plain data to the core and return plain
// data. No Datadog knowledge lives here; hosts, parameters, limits and error meanings come from the core.
import { call } from "./core.js";

const sitesOpt = (opts) => (opts && opts.sites ? opts.sites : []);

/** All nine Datadog sites, as descriptors. */
export function sites() {
  return call("sites");
}

/** Resolve what a user typed or Datadog sent ("EU", "datadoghq.eu", "https://app.datadoghq.eu", "acme.datadoghq.eu"). */
export function resolveSite(input, opts) {
  return call("resolveSite", { site: input, sites: sitesOpt(opts) });
}

/** A site descriptor with your own origins (local sandbox, test doubles). http only on loopback. */
export function customSite(spec) {
  return call("customSite", spec);
}

/** Every Datadog URL of a site (authorize, token, revoke, apiKey, metricsV2, logs, ...). */
export function endpoints(site, opts) {
  return call("endpoints", { site, sites: sitesOpt(opts) });
}

/** A PKCE pair: { verifier, challenge, method: "S256" }. Synchronous. */
export function createPkce(opts) {
  return call("createPkce", { length: opts && opts.length });
}

/** The S256 challenge of a verifier; throws `invalid_verifier` outside RFC 7636. */
export function pkceChallenge(verifier) {
  return call("pkceChallenge", { verifier });
}

/** A fresh 256-bit state value. */
export function createState() {
  return call("createState");
}

/** { site, domain } from the URL Datadog opened your onboarding page with (null when the flow started elsewhere). */
export function parseOnboardingUrl(url, opts) {
  return call("parseOnboardingUrl", { text: String(url), sites: sitesOpt(opts) });
}

/** { url, pending }: send the browser to `url`, keep `pending` (server-side) until the callback. */
export function startAuthorization(params) {
  return call("startAuthorization", { ...params, sites: sitesOpt(params), now: Date.now() });
}

/** { code, domain, site, orgId, orgName } from the callback URL, checked against `pending`. */
export function parseCallback(callbackUrl, pending, opts) {
  return call("parseCallback", { url: String(callbackUrl), pending, sites: sitesOpt(opts), maxAgeMs: opts && opts.maxAgeMs, now: Date.now() });
}

/**
 * Makes the wasm core trap on purpose (`{ kind: "unreachable" }` or `{ kind: "oom" }`, `kind` first), to check
 * that a deployment recovers: it throws `internal_error`, the core is rebuilt, and the next call works.
 */
export function __trap(args) {
  return call("__trap", args);
}
