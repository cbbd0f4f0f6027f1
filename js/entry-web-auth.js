// Browser entry for frontends (`datadog-oauth-wasm/auth`): the authorization functions only, on a smaller core.
// Top-level await instantiates the wasm, so importers get a ready module and never call an init function;
// `new URL(..., import.meta.url)` lets Vite and webpack ship the .wasm file.
import init, { call as wasmCall, call_utf8 as wasmCallUtf8 } from "../pkg/auth/datadog_oauth_wasm.js";
import { setCore } from "./core.js";

await init({ module_or_path: new URL("./datadog_oauth_wasm_auth_bg.wasm", import.meta.url) });
setCore(wasmCall, wasmCallUtf8);

/** Already resolved: the module finished loading the wasm before any import of it completed. */
export const ready = Promise.resolve();
export { DatadogError } from "./core.js";
export * from "./api.js";
