// The full core's answers as bytes (issue 16): arguments go in as a string or written into the core's memory, the
// answer stays in the core's memory as UTF-8, its JSON head is decoded in place and each request body is copied out as
// its own Uint8Array, to reach gzip and fetch without becoming a JS string. Only the full entries load this file.

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();
// Below this many UTF-16 units the JSON goes in as a wasm-bindgen string; from it on it is written straight into the
// core's memory (`encodeInto`, no copy or allocation in JS).
const IN_PLACE_FROM = 2048;

// A list argument whose text is longer than this (UTF-16 units) is stringified in slices of about this length.
const PIECE_UNITS = 65536;

/**
 * `JSON.stringify(args)`, or for arguments whose `args[list]` is a long array, the same text in pieces:
 * `{ head, slices, tail }`, the other arguments before and after the list, and the list stringified a slice of its
 * elements at a time (each slice is `[...]`; `writeArgs` joins them). One `JSON.stringify` of a large submission
 * gives a rope (V8 builds it in parts) that `encodeInto` must flatten first, and that costs more the longer the
 * text: stringified and written, 10k points (100 series, 395 KB) took 1,728 µs whole, 1,475 in slices of 16 series
 * (~64 KB); 1,000 log entries (300 KB) 409 whole, 277 in slices of ~75 KB (CPU per call, 10 interleaved rounds,
 * Dec 2026). The text is the same byte for byte: keys in their order, an element JSON leaves out (`undefined`, a
 * function) written `null` as in an array. An element with a `toJSON` method (which an array calls with the
 * element's index, and a slice would renumber) sends the whole to `JSON.stringify`.
 */
export function argsText(args, list) {
  const items = list === undefined || args === null || typeof args !== "object" || args.toJSON !== undefined ? undefined : args[list];
  if (!Array.isArray(items) || items.length < 2 || items.toJSON !== undefined) return JSON.stringify(args);
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (item !== null && typeof item === "object" && typeof item.toJSON === "function") return JSON.stringify(args);
  }
  // The first element alone says how long an element is; a list that is not long goes whole.
  const first = JSON.stringify(items.slice(0, 1));
  if (first.length * items.length <= PIECE_UNITS) return JSON.stringify(args);
  const slices = [first];
  // Each slice is sized by the elements so far: about PIECE_UNITS long if the next are like them.
  let units = first.length;
  for (let i = 1; i < items.length; ) {
    const n = Math.max(1, Math.floor((PIECE_UNITS * i) / units));
    const text = JSON.stringify(items.slice(i, i + n));
    slices.push(text);
    units += text.length;
    i += n;
  }
  // The other arguments keep their places around the list: stringified as the objects before and after it.
  const before = Object.create(null);
  const after = Object.create(null);
  let side = before;
  for (const k of Object.keys(args)) {
    if (k === list) side = after;
    else side[k] = args[k];
  }
  const b = JSON.stringify(before);
  const a = JSON.stringify(after);
  const head = `${b.length > 2 ? `${b.slice(0, -1)},` : "{"}${JSON.stringify(list)}:`;
  return { head, slices, tail: a.length > 2 ? `,${a.slice(1)}` : "}" };
}

/** The JSON (a string, or `argsText`'s pieces) written into `view`: its length in bytes, or -1 when `view` is too short. */
function writeInto(view, json) {
  if (typeof json === "string") {
    const { read, written } = utf8.encodeInto(json, view);
    return read === json.length ? written : -1;
  }
  let at = 0;
  const put = (text) => {
    const r = utf8.encodeInto(text, at === 0 ? view : view.subarray(at));
    at += r.written;
    return r.read === text.length;
  };
  if (!put(json.head)) return -1;
  for (let i = 0; i < json.slices.length; i++) {
    // Each slice after the first is written over the `]` that closed the one before, and its `[` becomes a comma.
    const from = i === 0 ? at : at - 1;
    at = from;
    if (!put(json.slices[i])) return -1;
    if (i > 0) view[from] = 0x2c;
  }
  return put(json.tail) ? at : -1;
}

/** `argsText`'s answer as one string (the pieces for a call too small to write in place). */
const joined = (json) => `${json.head}[${json.slices.map((s) => s.slice(1, -1)).join(",")}]${json.tail}`;

/** The JSON written into the core's argument buffer: its length in bytes. */
function writeArgs(glue, memory, json, units) {
  // As many bytes as UTF-16 units fit any ASCII text (JSON.stringify's usual output); otherwise the most UTF-8
  // can need, 3 bytes per unit. The buffer's view is taken after `args_buffer`, which may grow the memory.
  for (let room = units; ; room = units * 3) {
    const at = glue.args_buffer(room);
    const written = writeInto(new Uint8Array(memory.buffer, at, room), json);
    if (written >= 0) return written;
  }
}

/**
 * `op` run in the core on `json` (a string, or `argsText`'s pieces): the address of the answer's description, left
 * in the core's memory for `read`.
 */
export function send(glue, memory, op, json) {
  let units = json.length;
  if (typeof json !== "string") {
    // The slices' brackets become the list's brackets and the commas between them: as many units as the text.
    units = json.head.length + json.tail.length;
    for (const s of json.slices) units += s.length;
    units -= json.slices.length - 1;
    if (units < IN_PLACE_FROM) json = joined(json);
  }
  return units < IN_PLACE_FROM ? glue.call_bytes_from_str(op, json) : glue.call_bytes(op, writeArgs(glue, memory, json, units));
}

/** The answer `send` left: `{ out, bodies }`, the parsed JSON head and the bodies after it (Uint8Arrays), or null. */
export function read(memory, desc) {
  // Views are taken after the call, which may have grown the memory (a grown memory has a new buffer). The
  // description: [address, length, n, the n NUL offsets] (src/wasm.rs `keep_answer`).
  const buf = memory.buffer;
  const d = new Uint32Array(buf, desc, 3);
  const len = d[1];
  const n = d[2];
  const all = new Uint8Array(buf, d[0], len);
  if (n === 0) return { out: JSON.parse(fromUtf8.decode(all)), bodies: null };
  const nuls = new Uint32Array(buf, desc + 12, n);
  const out = JSON.parse(fromUtf8.decode(all.subarray(0, nuls[0])));
  const bodies = [];
  for (let i = 0; i < n; i++) bodies.push(all.slice(nuls[i] + 1, i + 1 < n ? nuls[i + 1] : len));
  return { out, bodies };
}

/** `op` run in the core: `send`, then `read`. */
export const call = (glue, memory, op, json) => read(memory, send(glue, memory, op, json));

/**
 * Give `request` its body as bytes: `bodyBytes` (not enumerable, so JSON and spreads carry the text only) and `body`,
 * the same as text, decoded on first read and kept. Setting `body` replaces both (the bytes then no longer apply).
 */
export function attach(request, bytes) {
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

