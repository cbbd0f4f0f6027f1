// The full core's answers as bytes (issue 16): arguments go in as a string or written into the core's memory, the
// answer stays in the core's memory as UTF-8, its JSON head is decoded in place and each request body is copied out as
// its own Uint8Array, to reach gzip and fetch without becoming a JS string. Only the full entries load this file.

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();
// Below this many UTF-16 units the JSON goes in as a wasm-bindgen string; from it on it is written straight into the
// core's memory (`encodeInto`, no copy or allocation in JS).
const IN_PLACE_FROM = 2048;

/** The JSON written into the core's argument buffer: its length in bytes. */
function writeArgs(glue, memory, json) {
  // As many bytes as UTF-16 units fit any ASCII text (JSON.stringify's usual output); otherwise the most UTF-8
  // can need, 3 bytes per unit. The buffer's view is taken after `args_buffer`, which may grow the memory.
  for (let room = json.length; ; room = json.length * 3) {
    const at = glue.args_buffer(room);
    const { read, written } = utf8.encodeInto(json, new Uint8Array(memory.buffer, at, room));
    if (read === json.length) return written;
  }
}

/** `op` run in the core: `{ out, bodies }`, the parsed JSON head and the bodies after it (Uint8Arrays), or null. */
export function call(glue, memory, op, json) {
  const desc = json.length < IN_PLACE_FROM ? glue.call_bytes_from_str(op, json) : glue.call_bytes(op, writeArgs(glue, memory, json));
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

