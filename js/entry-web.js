// Browser and bundler entry: instantiates the wasm with top-level await, so importers get a ready module
// and never call an init function. `new URL(..., import.meta.url)` lets Vite and webpack ship the .wasm file.
import init, * as glue from "../pkg/full/datadog_oauth_wasm.js";
import { setCore } from "./core.js";
import * as answer from "./answer.js";

const wasm = await init({ module_or_path: new URL("./datadog_oauth_wasm_bg.wasm", import.meta.url) });
setCore(glue, wasm.memory, answer);

/** Already resolved: the module finished loading the wasm before any import of it completed. */
export const ready = Promise.resolve();
export { DatadogError } from "./core.js";
export * from "./api.js";
export * from "./client.js";
export * from "./sansio.js";
export { nextPage } from "./paginate.js";
