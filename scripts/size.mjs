// Prints what the frontend entry (`datadog-oauth-wasm/auth`) costs a browser user: its wasm and its JS
// (glue + host) bundled and minified by esbuild, each gzipped at level 9. `--check` fails when the total is over the budget; bytes are
// deterministic, so the budget is a test (times are not, and live in bench/).
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

// 40 KB since issue 16 (39.8 KB when it moved: no char-boundary panics or &str searches, a compact SHA-256, the query
// decoder in uri.rs; see scripts/build.mjs and src/pkce.rs, src/uri.rs).
export const BUDGET_BYTES = 40 * 1024;
const root = new URL("..", import.meta.url).pathname;

export async function measure() {
  const wasm = readFileSync(`${root}dist/datadog_oauth_wasm_auth_bg.wasm`);
  const js = await build({ entryPoints: [`${root}dist/auth.mjs`], bundle: true, minify: true, write: false, format: "esm",
    platform: "browser", target: "es2022", logLevel: "silent" });
  const jsBytes = js.outputFiles[0].contents;
  const gz = (b) => gzipSync(b, { level: 9 }).length;
  const r = { wasmRaw: wasm.length, wasmGzip: gz(wasm), jsRaw: jsBytes.length, jsGzip: gz(jsBytes) };
  r.totalGzip = r.wasmGzip + r.jsGzip;
  return r;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await measure();
  const kb = (n) => (n / 1024).toFixed(1) + " KB";
  console.log(`wasm  ${kb(r.wasmRaw)} raw, ${kb(r.wasmGzip)} gzipped`);
  console.log(`js    ${kb(r.jsRaw)} raw (minified glue + host), ${kb(r.jsGzip)} gzipped`);
  console.log(`total ${kb(r.totalGzip)} gzipped; budget ${kb(BUDGET_BYTES)}`);
  if (process.argv.includes("--check") && r.totalGzip > BUDGET_BYTES) {
    console.error(`over budget by ${r.totalGzip - BUDGET_BYTES} bytes`);
    process.exit(1);
  }
}
