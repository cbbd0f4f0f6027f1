// Body compression with the platform's own zlib: node:zlib on Node, CompressionStream in browsers and workers.
// The core only says which encoding a body needs (`compress` on a request description); shipping a compressor in
// wasm would cost bundle size and be slower than the one every runtime already has.
import { DatadogError } from "./core.js";

const isNode = () => typeof globalThis.process?.versions?.node === "string";

const SYNC_MAX = 64 * 1024;

let zlib = null;
async function nodeZlib() {
  if (zlib === null) {
    const p = globalThis.process;
    // getBuiltinModule (Node ≥ 20.16) needs no import at all; the variable specifier keeps bundlers from trying
    // to resolve node:zlib for the browser build.
    const name = "node:zlib";
    zlib = typeof p.getBuiltinModule === "function" ? p.getBuiltinModule(name) : await import(/* @vite-ignore */ /* webpackIgnore: true */ name);
  }
  return zlib;
}

/**
 * `body` (a string, or the UTF-8 bytes the core encoded) compressed with `method` ("gzip", or "deflate", which in
 * HTTP means the zlib format, RFC 1950). Resolves to a Uint8Array (a Buffer on Node).
 */
export async function compressBody(body, method) {
  if (method !== "gzip" && method !== "deflate") {
    throw new DatadogError({ code: "invalid_input", message: `unknown compression ${JSON.stringify(String(method)).slice(0, 40)}`, hint: "Use \"gzip\", \"deflate\" or \"none\"." });
  }
  if (isNode()) {
    const z = await nodeZlib();
    // Small bodies synchronously: node:zlib's async path costs ~140 µs of CPU per call in thread-pool hand-offs,
    // four times the work itself for a typical 6 KB submission; 64 KB compresses in well under a millisecond, so
    // the event loop is not held noticeably. Larger bodies go to the thread pool.
    if (body.length <= SYNC_MAX) {
      // A window just larger than the body (deflate's window less its 262-byte lookahead) compresses to the same
      // bytes as the default 32 KB one, and zlib then sets up 1–16 KB of state instead of 256 KB: 30–40% less CPU
      // for a typical 0.5–6 KB submission (bench/tools/submit.mjs). The receiver needs no option: any window ≤ 32 KB
      // is valid gzip/zlib.
      const opts = { windowBits: Math.min(15, Math.max(9, Math.ceil(Math.log2(body.length + 262)))) };
      return method === "gzip" ? z.gzipSync(body, opts) : z.deflateSync(body, opts);
    }
    const fn = method === "gzip" ? z.gzip : z.deflate;
    return new Promise((resolve, reject) => fn(body, (err, out) => (err ? reject(err) : resolve(out))));
  }
  if (typeof globalThis.CompressionStream === "function") {
    // "deflate" in CompressionStream is the zlib format too, as HTTP's Content-Encoding: deflate expects.
    const stream = new Blob([body]).stream().pipeThrough(new CompressionStream(method));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }
  throw new DatadogError({
    code: "invalid_input",
    message: "this runtime has neither node:zlib nor CompressionStream, so bodies cannot be compressed",
    hint: "Pass compress: \"none\" to DatadogClient (or to the submit call).",
  });
}
