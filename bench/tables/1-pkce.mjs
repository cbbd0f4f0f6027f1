// 1. PKCE pairs per second: a fresh verifier and its S256 challenge.
import { createHash, randomBytes } from "node:crypto";
import * as oauth from "oauth4webapi";
import pkceChallenge from "pkce-challenge";
import { compare, fmtRatio, QUICK, result, timingHeaders, timingRows, ratios } from "../lib/harness.mjs";
import { loadOurs } from "../lib/ours.mjs";

export async function run() {
  const dd = await loadOurs();
  const candidates = [
    { name: "ours", label: "datadog-oauth-wasm `createPkce()` (sync)", fn: () => dd.createPkce().challenge },
    {
      name: "crypto", label: "node:crypto `randomBytes(32)` + `createHash` (sync)",
      fn: () => {
        const verifier = randomBytes(32).toString("base64url");
        return createHash("sha256").update(verifier).digest("base64url");
      },
    },
    {
      name: "o4w", label: "oauth4webapi `generateRandomCodeVerifier` + `await calculatePKCECodeChallenge`", async: true,
      fn: async () => oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()),
    },
    { name: "pkce-challenge", label: "pkce-challenge `await pkceChallenge()`", async: true, fn: async () => (await pkceChallenge()).code_challenge },
  ];
  // Same shape of output from every candidate: a 43-character verifier, a 43-character challenge.
  const check = [dd.createPkce(), { challenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()) }];
  for (const c of check) if (c.challenge.length !== 43) throw new Error("unexpected challenge length");

  // More, shorter rounds than the default: the awaited candidates' times depend on the libuv thread pool
  // (Node's Web Crypto digest runs there), which is sensitive to whatever else the machine is doing.
  const samples = await compare(candidates, { rounds: QUICK ? 5 : 31, sampleMs: QUICK ? 20 : 40 });
  const r = ratios(samples, "ours");
  const o4w = r.get("o4w").median;
  const crypto = r.get("crypto").median;
  return result({
    id: "pkce",
    title: "1. PKCE pairs per second",
    what: "One verifier (32 random bytes, base64url) and its S256 challenge per operation. Async candidates are awaited one at a time, as a request handler would.",
    headers: timingHeaders("ours"),
    rows: timingRows(candidates, samples, "ours"),
    notes: [
      "oauth4webapi and pkce-challenge hash with Web Crypto's `subtle.digest`, which Node runs on the libuv thread pool: their awaited rate swings with machine load (the p10 – p90 of the ratio shows how much), ours and node:crypto are synchronous.",
    ],
    targets: [
      { name: "PKCE ≥ 4× oauth4webapi's awaited rate", met: o4w >= 4, detail: `ours runs at ${fmtRatio(o4w)} oauth4webapi's rate (target ≥ 4×)` },
      { name: "PKCE at or above the node:crypto baseline", met: crypto >= 1, detail: `ours runs at ${fmtRatio(crypto)} the node:crypto rate (target ≥ 1×)` },
    ],
  });
}
