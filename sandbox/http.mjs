// HTTP plumbing shared by every sandbox server: JSON/HTML responses, typed HTTP errors,
// bounded body reading (drains without buffering past the limit), Content-Encoding decoding,
// and a JSON parser that keeps integers beyond 2^53 exact (trace ids, nanosecond times).

import zlib from 'node:zlib';
import { STATUS_CODES } from 'node:http';

export const HARD_BODY_LIMIT = 64 * 1024 * 1024; // 64 MB
const DRAIN_CAP = 1024 * 1024 * 1024; // stop draining an abusive body after 1 GB

export class HttpError extends Error {
  constructor(status, body, headers = {}) {
    super(typeof body === 'object' ? JSON.stringify(body) : String(body));
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

export const apiError = (status, reason, headers) => new HttpError(status, { errors: [reason] }, headers);
export const forbidden = () => apiError(403, 'Forbidden');
export const badRequest = (reason) => apiError(400, reason);

// Integers outside the safe range are parsed as BigInt; serialise them as decimal strings.
function replacer(_k, v) {
  return typeof v === 'bigint' ? v.toString() : v;
}

export function sendJson(res, status, body, headers = {}) {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body, replacer);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendHtml(res, status, html, headers = {}) {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
    ...headers,
  });
  res.end(html);
}

export function redirect(res, location) {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(302, { Location: location, 'Content-Length': 0, 'Cache-Control': 'no-store' });
  res.end();
}

export function statusText(status) {
  return STATUS_CODES[status] || 'Error';
}

// Reads the request body. Past `wireLimit` it keeps draining (so the client gets a clean
// response) but stops buffering, then rejects with 413.
export function readBody(req, wireLimit = HARD_BODY_LIMIT) {
  const limit = Math.min(wireLimit, HARD_BODY_LIMIT);
  return new Promise((resolve, reject) => {
    const chunks = [];
    let total = 0;
    let over = false;
    let done = false;
    const finish = (fn) => { if (!done) { done = true; fn(); } };
    req.on('data', (chunk) => {
      total += chunk.length;
      if (total > limit) {
        over = true;
        chunks.length = 0;
        if (total > DRAIN_CAP) {
          req.destroy();
          finish(() => reject(new HttpError(413, { errors: ['Payload too large'] })));
        }
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => finish(() => {
      if (over) reject(new HttpError(413, { errors: ['Payload too large'] }));
      else resolve({ buf: Buffer.concat(chunks, total), wireBytes: total });
    }));
    req.on('error', (err) => finish(() => reject(err)));
    req.on('aborted', () => finish(() => reject(new Error('request aborted'))));
  });
}

function zlibCall(fn, buf, maxOutputLength) {
  return new Promise((resolve, reject) => {
    fn(buf, { maxOutputLength: maxOutputLength + 1 }, (err, out) => (err ? reject(err) : resolve(out)));
  });
}

function tooLarge(err) {
  return err && (err.code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError);
}

// Decodes a body by Content-Encoding; the output is bounded by `decodedLimit` (413 past it).
export async function decodeBody(buf, contentEncoding, decodedLimit = HARD_BODY_LIMIT) {
  const enc = String(contentEncoding || 'identity').trim().toLowerCase();
  const limit = Math.min(decodedLimit, HARD_BODY_LIMIT);
  let out;
  try {
    if (enc === 'identity' || enc === '') {
      out = buf;
    } else if (enc === 'gzip' || enc === 'x-gzip') {
      out = await zlibCall(zlib.gunzip, buf, limit);
    } else if (enc === 'deflate') {
      try {
        out = await zlibCall(zlib.inflate, buf, limit);
      } catch (err) {
        if (tooLarge(err)) throw err;
        out = await zlibCall(zlib.inflateRaw, buf, limit);
      }
    } else {
      throw apiError(415, `Unsupported Content-Encoding: ${enc}`);
    }
  } catch (err) {
    if (err instanceof HttpError) throw err;
    if (tooLarge(err)) throw apiError(413, 'Payload too large');
    throw badRequest(`Malformed ${enc} body`);
  }
  if (out.length > limit) throw apiError(413, 'Payload too large');
  return out;
}

export function parseJson(buf) {
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch {
    throw badRequest('Malformed JSON');
  }
}

// JSON.parse, except integers outside Number's safe range come back as BigInt.
export function parseJsonLossless(buf) {
  const s = buf.toString('utf8');
  let i = 0;
  const fail = () => { throw badRequest('Malformed JSON'); };
  const ws = () => { while (i < s.length && (s[i] === ' ' || s[i] === '\n' || s[i] === '\r' || s[i] === '\t')) i++; };
  const numRe = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
  function value(depth) {
    if (depth > 512) fail();
    ws();
    const c = s[i];
    if (c === '{') {
      i++;
      const obj = {};
      ws();
      if (s[i] === '}') { i++; return obj; }
      for (;;) {
        ws();
        if (s[i] !== '"') fail();
        const k = str();
        ws();
        if (s[i++] !== ':') fail();
        const v = value(depth + 1);
        Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
        ws();
        if (s[i] === ',') { i++; continue; }
        if (s[i] === '}') { i++; return obj; }
        fail();
      }
    }
    if (c === '[') {
      i++;
      const arr = [];
      ws();
      if (s[i] === ']') { i++; return arr; }
      for (;;) {
        arr.push(value(depth + 1));
        ws();
        if (s[i] === ',') { i++; continue; }
        if (s[i] === ']') { i++; return arr; }
        fail();
      }
    }
    if (c === '"') return str();
    if (s.startsWith('true', i)) { i += 4; return true; }
    if (s.startsWith('false', i)) { i += 5; return false; }
    if (s.startsWith('null', i)) { i += 4; return null; }
    numRe.lastIndex = i;
    const m = numRe.exec(s);
    if (!m) fail();
    i += m[0].length;
    if (!m[1] && !m[2]) {
      const n = Number(m[0]);
      return Number.isSafeInteger(n) ? n : BigInt(m[0]);
    }
    return Number(m[0]);
  }
  function str() {
    const start = i;
    i++;
    let simple = true;
    while (i < s.length && s[i] !== '"') {
      if (s[i] === '\\') { simple = false; i += 2; } else i++;
    }
    if (i >= s.length) fail();
    i++;
    const raw = s.slice(start, i);
    // eslint-disable-next-line no-control-regex -- a raw control character makes the JSON string invalid: let JSON.parse say so
    if (simple && !/[\u0000-\u001f]/.test(raw)) return raw.slice(1, -1);
    try { return JSON.parse(raw); } catch { return fail(); }
  }
  const v = value(0);
  ws();
  if (i !== s.length) fail();
  return v;
}

export function isInteger(v) {
  return (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint';
}

// DNS rebinding defence: a web page can point a name it controls at 127.0.0.1, but the browser still sends that
// name in `Host`. The sandbox serves every secret it issued, so it answers only requests addressed to a loopback
// name (with any port), plus the host it was explicitly bound to.
const LOOPBACK_HOST = /^(?:localhost|127\.0\.0\.1|\[::1\])(?::\d{1,5})?$/i;

export function hostAllowed(hostHeader, extraNames = []) {
  if (typeof hostHeader !== 'string' || hostHeader === '') return false;
  if (LOOPBACK_HOST.test(hostHeader)) return true;
  const name = hostHeader.replace(/:\d{1,5}$/, '').toLowerCase();
  return extraNames.includes(name);
}

export function refuseHost(res) {
  sendJson(res, 403, { errors: ['Forbidden: the sandbox only answers requests addressed to localhost, 127.0.0.1 or [::1] (a dev tool, loopback only)'] });
}

// CORS for the control server: only pages served from a loopback origin may read its answers (never `*`).
const LOOPBACK_ORIGIN = /^http:\/\/(?:localhost|127\.0\.0\.1|\[::1\])(?::\d{1,5})?$/i;

export function loopbackOrigin(originHeader) {
  return typeof originHeader === 'string' && LOOPBACK_ORIGIN.test(originHeader) ? originHeader : null;
}
