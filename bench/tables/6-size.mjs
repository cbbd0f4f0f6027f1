// 6. Size: what each candidate adds to a user's browser bundle — esbuild, minified, gzipped (level 9, as
// scripts/size.mjs), plus our .wasm file, which the bundler ships beside the JS.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { fmtBytes, fmtRatio, result } from "../lib/harness.mjs";
import { BENCH, PACKAGE_NAME, ROOT } from "../lib/ours.mjs";

const DD = "@datadog/datadog-api-client/dist/packages";
const O4W_AUTH = "generateRandomCodeVerifier, calculatePKCECodeChallenge, generateRandomState, validateAuthResponse";
const O4W_FLOW = `${O4W_AUTH}, authorizationCodeGrantRequest, processAuthorizationCodeResponse, refreshTokenGrantRequest, processRefreshTokenResponse, revocationRequest, processRevocationResponse, ClientSecretPost, allowInsecureRequests`;
const DD_DEEP = `import { createConfiguration } from "${DD}/datadog-api-client-common/configuration";
import { MetricsApi } from "${DD}/datadog-api-client-v2/apis/MetricsApi";
export const metrics = (apiKeyAuth) => new MetricsApi(createConfiguration({ authMethods: { apiKeyAuth } }));`;

const CANDIDATES = [
  { name: "full", label: `${PACKAGE_NAME} — whole package (\`export *\`)`, src: `export * from "${PACKAGE_NAME}";`, dir: ROOT, wasm: "datadog_oauth_wasm_bg.wasm", kind: "full" },
  { name: "auth", label: `${PACKAGE_NAME}/auth — frontend entry (\`export *\`)`, src: `export * from "${PACKAGE_NAME}/auth";`, dir: ROOT, wasm: "datadog_oauth_wasm_auth_bg.wasm", kind: "auth" },
  { name: "o4w-auth", label: "oauth4webapi — authorization only (PKCE, state, callback validation)", src: `export { ${O4W_AUTH} } from "oauth4webapi";`, dir: BENCH, kind: "auth" },
  { name: "o4w-flow", label: "oauth4webapi — OAuth flow (+ code exchange, refresh, revoke)", src: `export { ${O4W_FLOW} } from "oauth4webapi";`, dir: BENCH, kind: "full" },
  { name: "o4w-all", label: "oauth4webapi — whole library (`export *`)", src: `export * from "oauth4webapi";`, dir: BENCH, kind: "full" },
  { name: "dd-deep", label: "@datadog/datadog-api-client — v2 `MetricsApi` only (deep import)", src: DD_DEEP, dir: BENCH, kind: "full" },
  { name: "dd-top", label: "@datadog/datadog-api-client — `{ client, v2 }` import as in its README, v2 `MetricsApi`", src: `import { client, v2 } from "@datadog/datadog-api-client";\nexport const metrics = (apiKeyAuth) => new v2.MetricsApi(client.createConfiguration({ authMethods: { apiKeyAuth } }));`, dir: BENCH, kind: "full" },
  { name: "o4w+dd", label: "oauth4webapi OAuth flow + Datadog v2 `MetricsApi` (deep): the alternative to our whole package", src: `export { ${O4W_FLOW} } from "oauth4webapi";\n${DD_DEEP}`, dir: BENCH, kind: "full" },
];

const gz = (b) => gzipSync(b, { level: 9 }).length;

async function measure(c) {
  const out = await build({
    stdin: { contents: c.src, resolveDir: c.dir, loader: "js", sourcefile: `${c.name}.js` },
    bundle: true, minify: true, write: false, format: "esm", platform: "browser", target: "es2022", logLevel: "silent",
    // Our entries point at their .wasm with `new URL(..., import.meta.url)`: the bundler ships it as a file.
    external: ["*.wasm"],
  });
  const js = out.outputFiles[0].contents;
  const wasm = c.wasm ? readFileSync(`${ROOT}dist/${c.wasm}`) : null;
  return { jsRaw: js.length, jsGz: gz(js), wasmRaw: wasm ? wasm.length : 0, wasmGz: wasm ? gz(wasm) : 0 };
}

/**
 * The full core by crate and its largest items (names from pkg/, before wasm-opt), when twiggy is installed.
 * Custom sections (the name section) are left out: dist/ strips them; only code and data ship.
 */
function twiggyTables() {
  let items;
  try {
    const out = execFileSync("twiggy", ["top", "-f", "json", `${ROOT}pkg/full/datadog_oauth_wasm_bg.wasm`], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], maxBuffer: 64 << 20 });
    items = JSON.parse(out).filter((i) => !String(i.name).startsWith('"'));
  } catch {
    return [];
  }
  const total = items.reduce((n, i) => n + i.shallow_size, 0);
  const byCrate = new Map();
  for (const i of items) {
    const name = String(i.name);
    // `<datadog_oauth_wasm::X as serde::Deserialize>::...` (derived code) counts for the crate that owns the type.
    const m = /^<*([A-Za-z_0-9]+)(?:\[[0-9a-f]+\])?::/.exec(name);
    const key = name.startsWith("data segment") ? "data segments (string literals, tables)" : m ? m[1] : "other";
    byCrate.set(key, (byCrate.get(key) ?? 0) + i.shallow_size);
  }
  const share = (n) => `${((n / total) * 100).toFixed(1)}%`;
  return [
    {
      caption: `The full core by crate (twiggy on \`pkg/full\`, before wasm-opt, name section left out: ${fmtBytes(total)}; derived serde code counts for the crate that owns the type)`,
      headers: ["crate", "bytes", "share"],
      rows: [...byCrate].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([k, n]) => [k, fmtBytes(n), share(n)]),
    },
    {
      caption: "Its largest items",
      headers: ["item", "bytes", "share"],
      rows: items.slice(0, 10).map((i) => [String(i.name).replace(/::h[0-9a-f]{16}$/, "").slice(0, 110), fmtBytes(i.shallow_size), share(i.shallow_size)]),
    },
  ];
}

export async function run() {
  const sizes = new Map();
  for (const c of CANDIDATES) sizes.set(c.name, await measure(c));
  const total = (n) => sizes.get(n).jsGz + sizes.get(n).wasmGz;
  const rows = CANDIDATES.map((c) => {
    const s = sizes.get(c.name);
    return [
      c.label, fmtBytes(s.jsRaw), fmtBytes(s.jsGz), s.wasmRaw ? fmtBytes(s.wasmRaw) : "–", s.wasmRaw ? fmtBytes(s.wasmGz) : "–",
      `**${fmtBytes(s.jsGz + s.wasmGz)}**`,
      c.name === "full" ? "1 (baseline)" : fmtRatio((s.jsGz + s.wasmGz) / total("full")),
      c.name === "auth" ? "1 (baseline)" : fmtRatio((s.jsGz + s.wasmGz) / total("auth")),
    ];
  });
  const extra = twiggyTables();
  const full = total("full");
  const auth = total("auth");
  return result({
    id: "size",
    title: "6. Size in a browser bundle",
    what: "Each candidate bundled for the browser by esbuild (minified, ESM, es2022), gzipped at level 9; ours adds its `.wasm` file (the bundler emits it as an asset). Ratios are total gzipped bytes ÷ ours.",
    headers: ["candidate", "JS min", "JS gzip", "wasm", "wasm gzip", "total gzip", "÷ ours whole", "÷ ours /auth"],
    rows,
    extra,
    notes: [
      "The Datadog client is CommonJS, so esbuild cannot tree-shake it: even the deep import of `MetricsApi` pulls its `ObjectSerializer`, which imports every v2 model.",
      `\`npm run size\` (scripts/size.mjs) enforces a budget on the \`/auth\` entry; this table also shows the whole package.`,
    ],
    targets: [
      { name: "whole package ≤ 60 KB gzipped (wasm + glue + host)", met: full <= 60 * 1024, detail: `${fmtBytes(full)} (the frontend entry \`/auth\`: ${fmtBytes(auth)}, ${auth <= 60 * 1024 ? "within" : "over"} 60 KB)` },
      { name: "frontend entry `/auth` ≤ 60 KB gzipped (the issue's suggested route for browsers)", met: auth <= 60 * 1024, detail: `${fmtBytes(auth)}` },
      { name: "frontend entry `/auth` ≤ 40 KB gzipped (wasm + glue + host)", issues: [16], met: auth <= 40 * 1024, detail: `${fmtBytes(auth)} (aim 25 KB)` },
      { name: "aim: ≤ 40 KB gzipped", met: full <= 40 * 1024, detail: `whole package ${fmtBytes(full)}; \`/auth\` ${fmtBytes(auth)} (${auth <= 40 * 1024 ? "within" : "over"} 40 KB)` },
    ],
  });
}

