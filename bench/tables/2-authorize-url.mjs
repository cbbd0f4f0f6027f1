// 2. Authorization URL building: everything a partner needs to send a user to Datadog's consent page — a state,
// a PKCE pair and the URL — and keep for the callback.
import { createHash, randomBytes } from "node:crypto";
import * as oauth from "oauth4webapi";
import { compare, result, timingHeaders, timingRows } from "../lib/harness.mjs";
import { loadOurs } from "../lib/ours.mjs";

const CLIENT_ID = "bench-client-id";
const REDIRECT = "https://partner.example/oauth/callback";
const AUTHORIZE = "https://app.datadoghq.com/oauth2/v1/authorize";
const SCOPES = "api_keys_write metrics_read";

export async function run() {
  const dd = await loadOurs();
  const candidates = [
    {
      name: "ours", label: "datadog-oauth-wasm `startAuthorization()` (site `us1`, sync)",
      fn: () => dd.startAuthorization({ clientId: CLIENT_ID, redirectUri: REDIRECT, site: "us1", scopes: ["api_keys_write", "metrics_read"] }).url,
    },
    {
      name: "o4w", label: "oauth4webapi state + PKCE (awaited) + `URL`", async: true,
      fn: async () => {
        const verifier = oauth.generateRandomCodeVerifier();
        const challenge = await oauth.calculatePKCECodeChallenge(verifier);
        const state = oauth.generateRandomState();
        const url = new URL(AUTHORIZE);
        const q = url.searchParams;
        q.set("response_type", "code");
        q.set("client_id", CLIENT_ID);
        q.set("redirect_uri", REDIRECT);
        q.set("state", state);
        q.set("code_challenge", challenge);
        q.set("code_challenge_method", "S256");
        q.set("scope", SCOPES);
        return url.href;
      },
    },
    {
      name: "plain", label: "plain `URL` + `searchParams`, node:crypto state + PKCE (sync)",
      fn: () => {
        const verifier = randomBytes(32).toString("base64url");
        const challenge = createHash("sha256").update(verifier).digest("base64url");
        const state = randomBytes(32).toString("base64url");
        const url = new URL(AUTHORIZE);
        const q = url.searchParams;
        q.set("response_type", "code");
        q.set("client_id", CLIENT_ID);
        q.set("redirect_uri", REDIRECT);
        q.set("state", state);
        q.set("code_challenge", challenge);
        q.set("code_challenge_method", "S256");
        q.set("scope", SCOPES);
        return url.href;
      },
    },
    {
      name: "url-only", label: "plain `URL` + `searchParams` alone (fixed state and PKCE: the floor)",
      fn: () => {
        const url = new URL(AUTHORIZE);
        const q = url.searchParams;
        q.set("response_type", "code");
        q.set("client_id", CLIENT_ID);
        q.set("redirect_uri", REDIRECT);
        q.set("state", "n3iyFUoqsSA45CifIYzidA_FGC3vblxKwIOQsl-n1F4");
        q.set("code_challenge", "56qEhrQM3g3CCLG1CPtzotqMjnqvzMbwpgdBacrv0VE");
        q.set("code_challenge_method", "S256");
        q.set("scope", SCOPES);
        return url.href;
      },
    },
  ];
  const samples = await compare(candidates);
  return result({
    id: "authorize",
    title: "2. Authorization URL building",
    what: "A fresh state and PKCE pair and the consent URL with `response_type`, `client_id`, `redirect_uri`, `state`, `code_challenge`, `code_challenge_method` and `scope`. Ours also resolves the site, validates the inputs and returns the `pending` record to keep until the callback.",
    headers: timingHeaders("ours"),
    rows: timingRows(candidates, samples, "ours"),
    notes: ["No target in the issue; shown for context."],
  });
}
