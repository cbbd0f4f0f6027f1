// Node entry of `datadog-oauth-wasm/auth`: the same authorization functions as the browser's frontend entry
// (so code and types agree everywhere), on the Node loader.
export { ready, DatadogError } from "./entry-node.js";
export * from "./api.js";
