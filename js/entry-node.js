// Node entry (ESM and, bundled, CommonJS): compiles the wasm synchronously from the file beside this one,
// so `import` and `require` return a ready module with no init call and no top-level await. It loads the full core
// compiled for speed (scripts/build.mjs, flavour "node"); browsers load the same code compiled for size.
import { readFileSync } from "node:fs";
import * as glue from "../pkg/node/datadog_oauth_wasm.js";
import { setCore } from "./core.js";
import * as answer from "./answer.js";
import { setSha256Hex } from "./digest.js";

const wasm = glue.initSync({ module: readFileSync(new URL("./datadog_oauth_wasm_node_bg.wasm", import.meta.url)) });
setCore(glue, wasm.memory, answer);
// node:crypto is loaded at the first hash (a code exchange's claim key), not at import: importing it loads ten
// more built-in modules, 2–5 ms of a cold start (measured on Node 20 after WebCrypto, which the core's randomness
// loads anyway). `process.getBuiltinModule` is Node ≥ 20.16; older Node keeps WebCrypto's asynchronous digest.
if (typeof process.getBuiltinModule === "function") {
  let createHash;
  setSha256Hex((text) => (createHash ??= process.getBuiltinModule("node:crypto").createHash)("sha256").update(text, "utf8").digest("hex"));
}

export const ready = Promise.resolve();
export { DatadogError } from "./core.js";
export * from "./api.js";
export * from "./client.js";
export * from "./sansio.js";
export { nextPage } from "./paginate.js";
