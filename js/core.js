// The single doorway into the wasm core: an operation name and JSON in, JSON out. Errors from the core
// become DatadogError here, so every function of the package fails the same way, with a stable `code`.

let wasmCall = null;
let wasmCallUtf8 = null;
const utf8 = new TextEncoder();
// Above this many UTF-16 units the JSON goes in as TextEncoder bytes (one native copy) instead of a string, which
// wasm-bindgen copies one unit at a time in JS; below it the string path saves TextEncoder's allocation.
const BYTES_FROM = 2048;

/** Called once by the entry point after the wasm module is instantiated, with its two `call` forms. */
export function setCore(fn, fnUtf8) {
  wasmCall = fn;
  wasmCallUtf8 = fnUtf8;
}

/**
 * One error class for everything. Match on `err.code` (stable snake_case), not on class identity:
 * codes survive bundlers, realms and the CommonJS/ESM split; `instanceof` may not.
 */
export class DatadogError extends Error {
  constructor(info) {
    super(info.message);
    this.name = "DatadogError";
    this.code = info.code;
    this.hint = info.hint;
    for (const k of ["status", "field", "body", "retryAfterMs", "rateLimit", "index", "cause"]) {
      if (info[k] !== undefined) this[k] = info[k];
    }
  }
  /** True when `err` is a DatadogError (from any copy of this package), optionally with the given code. */
  static is(err, code) {
    return !!err && err.name === "DatadogError" && typeof err.code === "string" && (code === undefined || err.code === code);
  }
  toJSON() {
    const out = { name: this.name, code: this.code, message: this.message, hint: this.hint };
    for (const k of ["status", "field", "body", "retryAfterMs", "rateLimit", "index"]) if (this[k] !== undefined) out[k] = this[k];
    return out;
  }
}

/** Run a core operation. Throws DatadogError for every failure the core reports. */
export function call(op, args) {
  if (wasmCall === null) {
    throw new DatadogError({ code: "not_ready", message: "the wasm core is not loaded yet", hint: "Await `ready` before the first call." });
  }
  let json;
  try {
    json = JSON.stringify(args ?? {});
  } catch (err) {
    // A cycle (TypeError) or nesting beyond the engine's stack (RangeError): the caller's argument, not a crash.
    throw new DatadogError({
      code: "invalid_input",
      message: `${op}: the arguments cannot be sent to the core as JSON (${err && err.name === "RangeError" ? "nested too deeply" : "a cycle or a value JSON cannot hold"})`,
      hint: "Pass plain data: objects, arrays, strings, numbers and booleans, without cycles.",
    });
  }
  const text = json.length < BYTES_FROM ? wasmCall(op, json) : wasmCallUtf8(op, utf8.encode(json));
  // Encoders send request bodies after the JSON answer, each after a NUL, so large bodies are not escaped and
  // parsed twice; `request.bodyRef` (the n-th) puts each back. JSON text never holds a raw NUL.
  const nul = text.indexOf("\0");
  const out = JSON.parse(nul < 0 ? text : text.slice(0, nul));
  if (out.error) throw new DatadogError(out.error);
  if (nul >= 0) {
    const bodies = text.slice(nul + 1).split("\0");
    for (const b of out.ok.batches) {
      if (b.request.bodyRef !== undefined) {
        b.request.body = bodies[b.request.bodyRef];
        delete b.request.bodyRef;
      }
    }
  }
  return out.ok;
}
