// Node entry of `datadog-oauth-wasm/auth`: the authorization functions on the smaller authorization-only core,
// compiled synchronously at import like the full Node entry (so code, types and start-up match the browser's).
import { readFileSync } from "node:fs";
import * as glue from "../pkg/auth/datadog_oauth_wasm.js";
import { setCore } from "./core.js";

const wasm = glue.initSync({ module: readFileSync(new URL("./datadog_oauth_wasm_auth_bg.wasm", import.meta.url)) });
setCore(glue, wasm.memory);

export const ready = Promise.resolve();
export { DatadogError } from "./core.js";
export * from "./api.js";
