// Browser entry for frontends (`datadog-oauth-wasm/auth`): the authorization functions only, on a smaller core.
// Top-level await instantiates the wasm, so importers get a ready module and never call an init function;
// `new URL(..., import.meta.url)` lets Vite and webpack ship the .wasm file.
import init, * as glue from "../pkg/auth/datadog_oauth_wasm.js";
import { setCore } from "./core.js";

const wasm = await init({ module_or_path: new URL("./datadog_oauth_wasm_auth_bg.wasm", import.meta.url) });
setCore(glue, wasm.memory);

/** Already resolved: the module finished loading the wasm before any import of it completed. */
export const ready = Promise.resolve();
export { DatadogError } from "./core.js";
export * from "./api.js";
