// A second, private instance of the core through wasm-bindgen's own glue (pkg/, present after a build), used
// only to split our encoders' time into its parts: arguments to JSON in JS, the wasm call (copy in, parse,
// validate, encode, copy out), and JSON.parse of the answer's head (the bodies stay bytes). The published entry does exactly these three steps
// (js/core.js `call`); the instance here just lets each be timed on its own.
import { existsSync, readFileSync } from "node:fs";
import { ROOT } from "./ours.mjs";

/**
 * The core the Node entry loads (the full one compiled for speed, scripts/build.mjs flavour "node"). `wasm`: the
 * optimised module by default, or pkg/node's (which keeps function names, for the profiler).
 */
export async function rawCore(wasm = `${ROOT}dist/datadog_oauth_wasm_node_bg.wasm`) {
  const glue = `${ROOT}pkg/node/datadog_oauth_wasm.js`;
  if (!existsSync(glue) || !existsSync(wasm)) return null;
  const mod = await import(`file://${glue}`);
  const exports = mod.initSync({ module: readFileSync(wasm) });
  // js/answer.js's own steps, as js/core.js runs them: `text`, the arguments as JSON text (for an encoder, its item
  // list stringified in slices); `call`, that text written into the core's memory (small text goes as a string) and
  // the call, the answer left there as bytes; `read`, the JSON head decoded in place and parsed, each body copied out.
  const answer = await import(`file://${ROOT}js/answer.js`);
  const call = (op, json) => answer.send(mod, exports.memory, op, json);
  const read = (desc) => answer.read(exports.memory, desc);
  return { text: answer.argsText, call, read, answerBytes: (desc) => new Uint32Array(exports.memory.buffer, desc, 3)[1], memoryBytes: () => exports.memory.buffer.byteLength };
}
