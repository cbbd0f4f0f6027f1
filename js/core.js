// The single doorway into the wasm core: an operation name and JSON in, JSON out. Errors from the core
// become DatadogError here, so every function of the package fails the same way, with a stable `code`.

let glue = null;
let memory = null;
/** The full core's answer reader (js/answer.js), given by its entry points; null for the authorization core. */
let bytes = null;

/**
 * Called once by the entry point after the wasm module is instantiated: the wasm-bindgen glue, its memory, and for
 * the full core the reader of its byte answers (kept out of this file so that `/auth` does not ship it).
 */
export function setCore(bindings, wasmMemory, answerReader = null) {
  glue = bindings;
  memory = wasmMemory;
  bytes = answerReader;
}

/** True after a trap until a new instance is in place (retried on the next call if making it failed). */
let broken = false;
function rebuild() {
  memory = glue.__wbg_reinit().memory;
  broken = false;
}

/**
 * Run `op` in the core: `{ out, bodies }`, the answer's JSON head parsed, and the request bodies that follow it, each
 * after a NUL (JSON text never holds a raw NUL), or null. The full core answers in bytes (js/answer.js); the
 * authorization core in strings (its operations take small arguments and return no bodies).
 */
function callCore(op, json) {
  if (bytes !== null) return bytes.call(glue, memory, op, json);
  const text = glue.call(op, json);
  const nul = text.indexOf("\0");
  return nul < 0 ? { out: JSON.parse(text), bodies: null } : { out: JSON.parse(text.slice(0, nul)), bodies: text.slice(nul + 1).split("\0") };
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

/**
 * Run a core operation. Throws DatadogError for every failure the core reports. `list` names the argument that may
 * hold a long array (an encoder's items): the full core then stringifies and writes it a slice at a time (js/answer.js `argsText`).
 */
export function call(op, args, list) {
  if (glue === null) {
    throw new DatadogError({ code: "not_ready", message: "the wasm core is not loaded yet", hint: "Await `ready` before the first call." });
  }
  let json;
  try {
    json = bytes !== null ? bytes.argsText(args ?? {}, list) : JSON.stringify(args ?? {});
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
        if (typeof bodies[ref] === "string") b.request.body = bodies[ref];
        else bytes.attach(b.request, bodies[ref]);
      }
    }
  }
  return out.ok;
}
