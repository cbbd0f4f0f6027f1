// Carries out the core's request descriptions: fetch (injectable), the body compression the description asks
// for, and the retry loop. Whether to send again and how long to wait are the core's `retryDecision` (given the
// call's deadline); the host only waits (with an injectable sleep). Redirects are never followed and bodies are
// read up to a cap (policies 17, 20). A response is returned as plain data for the core to parse.
import { call, DatadogError } from "./core.js";
import { compressBody } from "./compress.js";
import { readTextCapped } from "./body.js";

export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
export const DEFAULT_DEADLINE_MS = 60_000;

/** The text of a fetch failure, with its cause (undici puts the useful part there). Contains no request data. */
function describeFailure(err) {
  if (err === null || typeof err !== "object") return String(err);
  const parts = [err.name && err.name !== "Error" && err.name !== "TypeError" ? `${err.name}: ${err.message}` : String(err.message ?? err)];
  for (let c = err.cause, depth = 0; c && depth < 3; c = c.cause, depth++) {
    parts.push([c.code, c.message].filter(Boolean).join(" "));
  }
  return parts.filter(Boolean).join(": ");
}

/** A failure the host detected in an answer (worded by the core): thrown at once, never retried. */
function answerError(code, detail, status) {
  const info = call("hostError", { code, detail: String(detail) });
  if (status) info.status = status;
  return new DatadogError(info);
}

/**
 * Where a redirect pointed, as a host name only (its path and query may carry anything). A browser's
 * `redirect: "manual"` answer is opaque (status 0, no headers): it does not say.
 */
function redirectTarget(res, url) {
  if (res.type === "opaqueredirect") return "a location the browser does not reveal";
  const location = res.headers.get("location");
  if (!location) return "no Location given";
  try {
    return new URL(location, url).host || "a Location without a host";
  } catch {
    return "an unreadable Location";
  }
}

/**
 * The body as text, read from its stream and given up (the stream cancelled, so the connection stops
 * downloading) as soon as it passes `cap` bytes; a Content-Length above the cap is refused before reading.
 */
async function readCapped(res, status, headers, cap) {
  const declared = Number(headers.get("content-length"));
  const tooLarge = () => answerError("response_too_large", cap, status);
  const body = res.body;
  if (declared > cap) {
    await body?.cancel().catch(() => {});
    throw tooLarge();
  }
  if (!body) {
    // A fetch double without a body stream: its text, held to the same cap.
    const text = typeof res.text === "function" ? await res.text() : "";
    if (text.length > cap) throw tooLarge();
    return text;
  }
  return readTextCapped(body, cap, tooLarge);
}

/** A bound must be a positive number: NaN or a string would silently mean "no deadline" or "abort at once". */
function positive(field, v) {
  if (typeof v === "number" && v > 0) return v;
  throw new DatadogError({ code: "invalid_input", field, message: `\`${field}\` must be a positive number of ${field === "maxResponseBytes" ? "bytes" : "milliseconds"}`, hint: "See the DatadogClient options in the API reference." });
}

export class Transport {
  /**
   * @param {object} o
   * @param {typeof fetch} o.fetch
   * @param {(ms: number) => Promise<void>} o.sleep
   * @param {() => number} o.random
   * @param {() => number} o.now
   * @param {object} o.policy retryDecision tuning: { maxAttempts?, baseMs?, capMs?, maxServerDelayMs?, deadlineMs? }
   * @param {number} [o.timeoutMs] one attempt's limit (the call's deadline may cut it shorter)
   * @param {number} [o.maxResponseBytes] the largest body read (default 16 MiB)
   */
  constructor({ fetch, sleep, random, now, policy, timeoutMs, maxResponseBytes }) {
    this.fetch = fetch;
    this.sleep = sleep;
    this.random = random;
    this.now = now;
    const { deadlineMs, ...tuning } = policy ?? {};
    this.policy = tuning;
    this.deadlineMs = positive("retry.deadlineMs", deadlineMs ?? DEFAULT_DEADLINE_MS);
    this.timeoutMs = timeoutMs;
    this.maxResponseBytes = positive("maxResponseBytes", maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES);
  }

  /**
   * One HTTP exchange: the response as `{status, headers (lower-case names), body (text)}`; throws what fetch
   * throws, or a DatadogError (`unexpected_redirect`, `response_too_large`) for an answer that is not read.
   */
  async once(req, body, timeoutMs = this.timeoutMs) {
    // Never followed: a 307/308 would resend the code, the client secret or the API key to its Location.
    const init = { method: req.method, headers: req.headers, redirect: "manual" };
    if (body !== undefined) init.body = body;
    // The timeout covers reading the body too. A plain timer, cleared when done: `AbortSignal.timeout` (same
    // TimeoutError) cost about a tenth of a token refresh's CPU on Node, its timers and weak refs outliving the call.
    // Measured on Node 20: AbortController + its signal 4.5–5.8 µs (the signal is an EventTarget whose prototype is
    // swapped), the timer set and cleared 0.2 µs, AbortSignal.timeout 15–19 µs. One signal shared by many requests
    // is not an option: undici keeps a listener on the caller's signal per request until GC (warning past 1,500),
    // and a finished request's signal must never turn aborted.
    let timer = null;
    if (timeoutMs > 0 && typeof AbortController === "function") {
      const ac = new AbortController();
      timer = setTimeout(() => ac.abort(new DOMException("The operation was aborted due to timeout", "TimeoutError")), timeoutMs);
      init.signal = ac.signal;
    }
    try {
      const res = await this.fetch(req.url, init);
      // Each read once: every getter of undici's Response checks its receiver's brand first (webidl.brandCheck was
      // 2 µs self time of a stubbed refresh's profile with status, headers and body read up to three times each; a
      // stubbed refresh then cost 0.955–0.991× as before, interleaved, three runs: within the noise, not more).
      const status = res.status;
      if (res.type === "opaqueredirect" || (status >= 300 && status < 400)) {
        await res.body?.cancel().catch(() => {});
        throw answerError("unexpected_redirect", redirectTarget(res, req.url), status || undefined);
      }
      const h = res.headers;
      const headers = {};
      h.forEach((v, k) => {
        headers[k.toLowerCase()] = v;
      });
      return { status, headers, body: await readCapped(res, status, h, this.maxResponseBytes) };
    } finally {
      if (timer !== null) clearTimeout(timer);
    }
  }

  /**
   * Send `req` until it succeeds, the core says to stop, or the call's deadline (`retry.deadlineMs` from the first
   * try) comes. Resolves with the last response (any status: the caller hands it to the core's parser, which turns
   * a failure into its typed error). Throws the core's network error when the last try got no response at all, and
   * the core's `exchange_interrupted` when a single-use request (the authorization code) failed. A thrown error has
   * `outcomeUnknown: true` when the request may have been processed without us seeing the answer (no response,
   * timeout, or a single-use request answered 408/5xx): a caller must not blindly resend what it carried.
   * `stats.requests` counts every HTTP request made.
   */
  async send(req, stats) {
    const deadline = this.now() + this.deadlineMs;
    // Compressed once, just before the first try, and dropped with this frame: bodies are never all held compressed.
    // An encoder's body is bytes (`bodyBytes`, a view of the core's answer): given to gzip or `fetch` as it is.
    const raw = req.bodyBytes ?? req.body;
    const body = raw === undefined || raw === null ? undefined : req.compress ? await compressBody(raw, req.compress) : raw;
    for (let attempt = 1; ; attempt++) {
      let response = null;
      let failure = null;
      try {
        if (stats) stats.requests++;
        const left = Math.max(1, deadline - this.now());
        response = await this.once(req, body, this.timeoutMs > 0 ? Math.min(this.timeoutMs, left) : left);
      } catch (err) {
        if (DatadogError.is(err)) throw err;
        failure = describeFailure(err);
      }
      if (response !== null && response.status >= 200 && response.status < 300) return response;
      const decision = call("retryDecision", {
        ...this.policy,
        status: response === null ? undefined : response.status,
        headers: response === null ? {} : response.headers,
        attempt,
        replay: req.replay,
        random: this.random(),
        now: this.now(),
        deadline,
      });
      if (!decision.retry) {
        // The request goes along so the core can name its host and scrub its credentials from the text by value.
        const network = () => call("classifyNetworkError", { message: failure, request: { url: req.url, headers: req.headers, body: (req.bodyBytes?.length ?? 0) <= 65536 && typeof req.body === "string" && req.body.length <= 65536 ? req.body : undefined } });
        if (decision.error) {
          const info = response === null ? { ...decision.error, message: `${decision.error.message} (${network().message})` } : decision.error;
          const e = new DatadogError(info);
          if (response === null || response.status !== 429) e.outcomeUnknown = true;
          throw e;
        }
        if (response !== null) return response;
        const e = new DatadogError(network());
        e.outcomeUnknown = true;
        throw e;
      }
      if (stats) stats.retries++;
      await this.sleep(decision.delayMs);
    }
  }
}
