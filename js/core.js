// The single doorway into the wasm core: an operation name and JSON in, JSON out. Errors from the core
// become DatadogError here, so every function of the package fails the same way, with a stable `code`.

let glue = null;
let memory = null;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();
// Below this many UTF-16 units the JSON goes in as a wasm-bindgen string; from it on it is written straight into the
// core's memory (`encodeInto`, no copy or allocation in JS).
const IN_PLACE_FROM = 2048;

/** Called once by the entry point after the wasm module is instantiated: the wasm-bindgen glue and its memory. */
export function setCore(bindings, wasmMemory) {
  glue = bindings;
  memory = wasmMemory;
}

/** True after a trap until a new instance is in place (retried on the next call if making it failed). */
let broken = false;
function rebuild() {
  memory = glue.__wbg_reinit().memory;
  broken = false;
}

/** The JSON written into the core's argument buffer: its length in bytes. */
function writeArgs(json) {
  // As many bytes as UTF-16 units fit any ASCII text (JSON.stringify's usual output); otherwise the most UTF-8
  // can need, 3 bytes per unit. The buffer's view is taken after `args_buffer`, which may grow the memory.
  for (let room = json.length; ; room = json.length * 3) {
    const at = glue.args_buffer(room);
    const { read, written } = utf8.encodeInto(json, new Uint8Array(memory.buffer, at, room));
    if (read === json.length) return written;
  }
}

/**
 * Run `op` in the core: `{ out, bodies }`, the answer's JSON head parsed, and the request bodies that follow it, each
 * after a NUL (JSON text never holds a raw NUL), or null. The full core leaves its answer in its memory as UTF-8
 * (`call_bytes`): the head is decoded in place and each body copied out as its own `Uint8Array`, never turned into a
 * string here (issue 16), and freed on its own once its batch is sent.
 */
function callCore(op, json) {
  if (glue.call_bytes === undefined) {
    // The authorization core: strings both ways (its operations take small arguments and return no bodies).
    const text = glue.call(op, json);
    const nul = text.indexOf("\0");
    return nul < 0 ? { out: JSON.parse(text), bodies: null } : { out: JSON.parse(text.slice(0, nul)), bodies: text.slice(nul + 1).split("\0") };
  }
  const desc = json.length < IN_PLACE_FROM ? glue.call_bytes_from_str(op, json) : glue.call_bytes(op, writeArgs(json));
  // Views are taken after the call, which may have grown the memory (a grown memory has a new buffer). The
  // description: [address, length, n, the n NUL offsets] (src/wasm.rs `keep_answer`).
  const [at, len, n] = new Uint32Array(memory.buffer, desc, 3);
  const bytes = new Uint8Array(memory.buffer, at, len);
  if (n === 0) return { out: JSON.parse(fromUtf8.decode(bytes)), bodies: null };
  const nuls = new Uint32Array(memory.buffer, desc + 12, n);
  const out = JSON.parse(fromUtf8.decode(bytes.subarray(0, nuls[0])));
  const bodies = [];
  for (let i = 0; i < n; i++) bodies.push(bytes.slice(nuls[i] + 1, i + 1 < n ? nuls[i + 1] : len));
  return { out, bodies };
}

/**
 * Give `request` its body as bytes: `bodyBytes` (not enumerable, so JSON and spreads carry the text only) and `body`,
 * the same as text, decoded on first read and kept. Setting `body` replaces both (the bytes then no longer apply).
 */
function attachBody(request, bytes) {
  if (typeof bytes === "string") {
    request.body = bytes;
    return;
  }
  let text = null;
  Object.defineProperty(request, "bodyBytes", { value: bytes, writable: true, enumerable: false, configurable: true });
  Object.defineProperty(request, "body", {
    enumerable: true,
    configurable: true,
    get() {
      if (text === null) text = fromUtf8.decode(bytes);
      return text;
    },
    set(value) {
      delete this.bodyBytes;
      Object.defineProperty(this, "body", { value, writable: true, enumerable: true, configurable: true });
    },
  });
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
    for (const k of ["status", "field", "body", "retryAfterMs", "rateLimit", "index", "cause", "outcomeUnknown"]) {
      if (info[k] !== undefined) this[k] = info[k];
    }
  }
  /** True when `err` is a DatadogError (from any copy of this package), optionally with the given code. */
  static is(err, code) {
    return !!err && err.name === "DatadogError" && typeof err.code === "string" && (code === undefined || err.code === code);
  }
  toJSON() {
    const out = { name: this.name, code: this.code, message: this.message, hint: this.hint };
    for (const k of ["status", "field", "body", "retryAfterMs", "rateLimit", "index", "outcomeUnknown"]) if (this[k] !== undefined) out[k] = this[k];
    return out;
  }
}

/** Run a core operation. Throws DatadogError for every failure the core reports. */
export function call(op, args) {
  if (glue === null) {
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
  let answer;
  try {
    if (broken) rebuild();
    answer = callCore(op, json);
  } catch (err) {
    // A trap (RuntimeError: unreachable, out of memory) leaves the instance mid-operation, e.g. its argument
    // buffer borrowed for good, so it is replaced before anyone calls it again. The error names the operation
    // and the trap, never the arguments.
    broken = true;
    let info;
    try {
      rebuild();
      info = callCore("hostError", JSON.stringify({ code: "internal_error", detail: `${op}: ${err && err.message}` })).out.ok;
    } catch {
      info = { code: "internal_error", message: `the wasm core failed in ${op} and could not be restarted`, hint: "Restart the process." };
    }
    throw new DatadogError(info);
  }
  // Encoders send request bodies after the JSON answer, so large bodies are not escaped and parsed twice;
  // `request.bodyRef` (the n-th) puts each back.
  const { out, bodies } = answer;
  if (out.error) throw new DatadogError(out.error);
  if (bodies !== null) {
    for (const b of out.ok.batches) {
      if (b.request.bodyRef !== undefined) {
        const ref = b.request.bodyRef;
        delete b.request.bodyRef;
        attachBody(b.request, bodies[ref]);
      }
    }
  }
  return out.ok;
}
