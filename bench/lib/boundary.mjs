// A second, private instance of the core through wasm-bindgen's own glue (pkg/, present after a build), used
// only to split our encoders' time into its parts: arguments to JSON in JS, the wasm call (copy in, parse,
// validate, encode, copy out), and JSON.parse of the answer's head (the bodies stay bytes). The published entry does exactly these three steps
// (js/core.js `call`); the instance here just lets each be timed on its own.
import { existsSync, readFileSync } from "node:fs";
import { ROOT } from "./ours.mjs";

/** `wasm`: the optimised module by default, or pkg/'s (which keeps function names, for the profiler). */
export async function rawCore(wasm = `${ROOT}dist/datadog_oauth_wasm_bg.wasm`) {
  const glue = `${ROOT}pkg/full/datadog_oauth_wasm.js`;
  if (!existsSync(glue) || !existsSync(wasm)) return null;
  const mod = await import(`file://${glue}`);
  const exports = mod.initSync({ module: readFileSync(wasm) });
  // As js/core.js does: the arguments are written straight into the core's memory (small ones go as a string), and
  // the answer is left there as bytes (step 2 includes both); `read` is step 3: the JSON head decoded in place and
  // parsed, each body copied out as bytes.
  const utf8 = new TextEncoder();
  const fromUtf8 = new TextDecoder();
  const call = (op, json) => {
    let desc;
    if (json.length < 2048) desc = mod.call_bytes_from_str(op, json);
    for (let room = json.length; desc === undefined; room = json.length * 3) {
      const at = mod.args_buffer(room);
      const { read, written } = utf8.encodeInto(json, new Uint8Array(exports.memory.buffer, at, room));
      if (read === json.length) desc = mod.call_bytes(op, written);
    }
    return desc;
  };
  const read = (desc) => {
    const [at, len, n] = new Uint32Array(exports.memory.buffer, desc, 3);
    const bytes = new Uint8Array(exports.memory.buffer, at, len);
    const nuls = new Uint32Array(exports.memory.buffer, desc + 12, n);
    const out = JSON.parse(fromUtf8.decode(bytes.subarray(0, n ? nuls[0] : len)));
    const bodies = [];
    for (let i = 0; i < n; i++) bodies.push(bytes.slice(nuls[i] + 1, i + 1 < n ? nuls[i + 1] : len));
    return { out, bodies };
  };
  return { call, read, answerBytes: (desc) => new Uint32Array(exports.memory.buffer, desc, 3)[1], memoryBytes: () => exports.memory.buffer.byteLength };
}
