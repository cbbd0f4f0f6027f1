// Builds the package: the Rust core to wasm (three flavours: full and authorization-only for browsers, full again
// for Node), wasm-bindgen glue into pkg/, wasm-opt, then esbuild bundles the thin JS host into dist/: browser ESM
// (full and authorization-only), Node ESM and Node CommonJS.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { build } from "esbuild";

const root = new URL("..", import.meta.url).pathname;
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: "inherit", cwd: root, ...opts });

// Cores from one crate: the full one (token lifecycle, intake), the authorization-only one that a frontend needs,
// which keeps the browser download small, and the full one compiled for speed, which the Node entries load.
const flavours = [
  // `inline`: see the wasm-opt step below. `more`: wasm-opt repeats its passes until the module stops shrinking
  // (`--converge`, a few seconds of build each): the authorization core 38,058 -> 37,925 bytes gzipped; the full
  // core's figures are below.
  { name: "full", cargo: [], wasm: "datadog_oauth_wasm_bg.wasm", inline: "20", more: ["--converge"] },
  { name: "auth", cargo: ["--no-default-features"], wasm: "datadog_oauth_wasm_auth_bg.wasm", inline: "20", more: ["--converge"] },
  // The full core again for the Node entries, compiled for speed (Cargo profile `speed`, opt-level 3) and run
  // through wasm-opt -O3: a server pays for the core in CPU, not in download. Against the size-compiled core
  // (bench/tools/build-ab.mjs and a logs A/B, interleaved, 20–30 rounds, Dec 2026): a stubbed refresh 0.72x, 1,000 logs
  // encoded 0.72x, a stubbed 10x10 submission 0.87x, an authorization URL 0.65x, 10k points 0.99x (JSON.stringify
  // is most of that); cold start unchanged (8 alternating processes, 10-11 ms both); 743 KB raw against 528 KB, and
  // 287 KB gzipped against 211 KB, which is why browsers keep the "full" one. Tried and not taken: opt-level "s"
  // (refresh 0.82x, +22 KB gz in the browser) and opt-level 3 for dependencies only (submission 0.93x, authorization
  // URL 1.03x); wasm-opt -O3 on the size-compiled core changes nothing (refresh 1.02x).
  { name: "node", cargo: [], profile: "speed", wasm: "datadog_oauth_wasm_node_bg.wasm", opt: "-O3", inline: "20", more: [] },
];
/**
 * Two edits to wasm-bindgen's glue. Its default wasm URL (used only when no module is passed, which our entries
 * never do) names the full core's file in both flavours, so bundlers shipped the full core with `/auth` too: it
 * names the flavour's own file. And `__wbg_reinit()`: a fresh instance of the same compiled module, for the host to
 * replace an instance a trap left inconsistent (js/core.js); the glue's `initSync` otherwise keeps the first one.
 */
function patchGlue(file, wasmName) {
  let src = readFileSync(file, "utf8");
  const defaultUrl = "new URL('datadog_oauth_wasm_bg.wasm', import.meta.url)";
  if (!src.includes(defaultUrl) || !/^let wasmModule, wasmInstance, wasm;$/m.test(src) || !src.includes("function initSync(")) {
    throw new Error(`${file}: wasm-bindgen's glue changed shape; update patchGlue in scripts/build.mjs`);
  }
  src = src.replace(defaultUrl, `new URL('${wasmName}', import.meta.url)`);
  src += "\n/** Added by scripts/build.mjs: a new instance of the loaded module, replacing the current one. */\n" +
    "export function __wbg_reinit() {\n    wasm = undefined;\n    return initSync({ module: wasmModule });\n}\n";
  writeFileSync(file, src);
}

rmSync(`${root}pkg`, { recursive: true, force: true });
rmSync(`${root}dist`, { recursive: true, force: true });
mkdirSync(`${root}dist`);
for (const f of flavours) {
  // `profile`: the Cargo profile, `release` unless the flavour names another (its output lands in a folder of that name).
  const profile = f.profile ?? "release";
  run("cargo", ["build", "--profile", profile, "--lib", "--target", "wasm32-unknown-unknown", ...f.cargo]);
  run("wasm-bindgen", ["--target", "web", "--out-dir", `pkg/${f.name}`, "--no-typescript",
    `target/wasm32-unknown-unknown/${profile}/datadog_oauth_wasm.wasm`]);
  patchGlue(`${root}pkg/${f.name}/datadog_oauth_wasm.js`, f.wasm);
  // wasm-opt from npm's binaryen: Debian's older one breaks current wasm-bindgen output.
  // Only the features wasm-bindgen's output uses and Node 20 / current browsers run: `--all-features` lets
  // wasm-opt emit newer encodings (Node 20 then fails with "unknown import kind").
  // `-ocimfs`: binaryen by default inlines every function that has one caller, whatever its size, which folded
  // the whole dispatch chain into one 90 KB function; V8 compiles a function on its first call, so the first
  // call into the core compiled all of it (10+ ms of cold start). The full core is capped at 30: issue 16 measured
  // 200 / 100 / 50 / 40 / 30 / 20 at 228,097 / 226,273 / 221,471 / 219,998 / 219,445 / 219,221 bytes gzipped (the
  // serde text decoders are many one-caller functions, each folded into its caller at 200), and 30 against 200 in
  // bench/tools/build-ab.mjs, interleaved: 10k points encoded 1.015x (60 rounds), a stubbed submission 1.000x,
  // a stubbed refresh 0.990x, an authorization URL 1.003x (24 rounds), cold start unchanged. (On an older core,
  // before the text decoders, 20 had made encoding 12% slower.) Then 20 with `--converge`: 219,582 -> 219,063 bytes
  // (30 with --converge 219,319; 15 with it 218,912, but a stubbed submission 1.052x and refresh 1.041x), and against
  // 30 over 40 rounds: 10k points 0.980x, submission 1.027x, refresh 1.015x, authorization URL 0.988x, where the same
  // build on both sides reads 0.96-1.04x. The authorization core takes 20 as well.
  run(`${root}node_modules/.bin/wasm-opt`, [f.opt ?? "-Oz", "-ocimfs", f.inline, ...f.more, "--strip-debug", "--strip-producers", "--enable-bulk-memory", "--enable-sign-ext",
    "--enable-nontrapping-float-to-int", "--enable-mutable-globals", "--enable-reference-types", "--enable-multivalue",
    `pkg/${f.name}/datadog_oauth_wasm_bg.wasm`, "-o", `dist/${f.wasm}`]);
}

const common = { bundle: true, minify: false, legalComments: "none", logLevel: "warning", target: "es2022" };
await build({ ...common, entryPoints: [`${root}js/entry-web.js`], outfile: `${root}dist/browser.mjs`, format: "esm", platform: "neutral" });
await build({ ...common, entryPoints: [`${root}js/entry-web-auth.js`], outfile: `${root}dist/auth.mjs`, format: "esm", platform: "neutral" });
await build({ ...common, entryPoints: [`${root}js/entry-node.js`], outfile: `${root}dist/node.mjs`, format: "esm", platform: "node" });
for (const [entry, out] of [["entry-node.js", "node"], ["entry-node-auth.js", "node-auth"]]) {
  if (out !== "node") {
    await build({ ...common, entryPoints: [`${root}js/${entry}`], outfile: `${root}dist/${out}.mjs`, format: "esm", platform: "node" });
  }
  await build({
    ...common, entryPoints: [`${root}js/${entry}`], outfile: `${root}dist/${out}.cjs`, format: "cjs", platform: "node",
    // CommonJS has no import.meta: point it at this file so the .wasm beside it is found.
    define: { "import.meta.url": "__importMetaUrl" },
    banner: { js: 'const __importMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  });
}
// The drop-in routes (`datadog-oauth-wasm/routes`): plain JS over the package's own entry, which stays external so
// the routes share the one core instance (and DatadogError) the partner's client uses, on every runtime.
for (const [format, ext] of [["esm", "mjs"], ["cjs", "cjs"]]) {
  await build({ ...common, entryPoints: [`${root}js/routes.js`], outfile: `${root}dist/routes.${ext}`, format, platform: "neutral", external: ["datadog-oauth-wasm"] });
}
// The PostgreSQL store (`datadog-oauth-wasm/postgres`): `pg` stays an import of the user's own copy; the core (for
// DatadogError and the store codes' hints) is the package's own entry, external like the routes', never a second copy.
const coreFromPackage = {
  name: "core-from-package",
  setup(b) {
    b.onResolve({ filter: /^\.\.\/(core|sansio)\.js$/ }, () => ({ path: "datadog-oauth-wasm", external: true }));
  },
};
for (const [format, ext] of [["esm", "mjs"], ["cjs", "cjs"]]) {
  await build({ ...common, entryPoints: [`${root}js/entry-postgres.js`], outfile: `${root}dist/postgres.${ext}`, format, platform: "node", external: ["pg"], plugins: [coreFromPackage] });
}
// Types: the auth entry's file, and the full entry's (auth + client) as one file, each for ESM and CommonJS.
const authTypes = readFileSync(`${root}js/auth.d.ts`, "utf8");
const fullTypes = [authTypes, readFileSync(`${root}js/client.d.ts`, "utf8"), readFileSync(`${root}js/sansio.d.ts`, "utf8"), readFileSync(`${root}js/paginate.d.ts`, "utf8")].join("\n");
for (const ext of ["d.ts", "d.cts"]) {
  writeFileSync(`${root}dist/postgres.${ext}`, readFileSync(`${root}js/postgres.d.ts`, "utf8"));
  writeFileSync(`${root}dist/auth.${ext}`, authTypes);
  writeFileSync(`${root}dist/index.${ext}`, fullTypes);
  writeFileSync(`${root}dist/routes.${ext}`, readFileSync(`${root}js/routes.d.ts`, "utf8"));
}
console.log(`built dist/ (wasm: ${flavours.map((f) => `${f.name} ${statSync(`${root}dist/${f.wasm}`).size} bytes`).join(", ")})`);
