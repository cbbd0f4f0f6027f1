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
  // As js/core.js does: the arguments are written straight into the core's memory, and the answer comes back as
  // bytes (step 2 includes both); `read` is step 3, the JSON head parsed and the bodies after it taken as views.
  const utf8 = new TextEncoder();
  const fromUtf8 = new TextDecoder();
  const call = (op, json) => {
    for (let room = json.length; ; room = json.length * 3) {
      const at = mod.args_buffer(room);
      const { read, written } = utf8.encodeInto(json, new Uint8Array(exports.memory.buffer, at, room));
      if (read === json.length) return mod.call_bytes(op, written);
    }
  };
  const read = (bytes) => {
    let nul = bytes.indexOf(0);
    const out = JSON.parse(fromUtf8.decode(nul < 0 ? bytes : bytes.subarray(0, nul)));
    const bodies = [];
    while (nul >= 0) {
      const next = bytes.indexOf(0, nul + 1);
      bodies.push(bytes.subarray(nul + 1, next < 0 ? bytes.length : next));
      nul = next;
    }
    return { out, bodies };
  };
  return { call, read, memoryBytes: () => exports.memory.buffer.byteLength };
}
