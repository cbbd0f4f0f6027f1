// Carries out the core's request descriptions: fetch (injectable), the body compression the description asks
// for, and the retry loop. Whether to send again and how long to wait are the core's `retryDecision`; the host
// only waits (with an injectable sleep). A response is returned as plain data for the core to parse.
import { call, DatadogError } from "./core.js";
import { compressBody } from "./compress.js";

/** The text of a fetch failure, with its cause (undici puts the useful part there). Contains no request data. */
function describeFailure(err) {
  if (err === null || typeof err !== "object") return String(err);
  const parts = [err.name && err.name !== "Error" && err.name !== "TypeError" ? `${err.name}: ${err.message}` : String(err.message ?? err)];
  for (let c = err.cause, depth = 0; c && depth < 3; c = c.cause, depth++) {
    parts.push([c.code, c.message].filter(Boolean).join(" "));
  }
  return parts.filter(Boolean).join(": ");
}

export class Transport {
  /**
   * @param {object} o
   * @param {typeof fetch} o.fetch
   * @param {(ms: number) => Promise<void>} o.sleep
   * @param {() => number} o.random
   * @param {() => number} o.now
   * @param {object} o.policy retryDecision tuning: { maxAttempts?, baseMs?, capMs?, maxServerDelayMs? }
   * @param {number} [o.timeoutMs]
   */
  constructor({ fetch, sleep, random, now, policy, timeoutMs }) {
    this.fetch = fetch;
    this.sleep = sleep;
    this.random = random;
    this.now = now;
    this.policy = policy;
    this.timeoutMs = timeoutMs;
  }

  /** One HTTP exchange: the response as `{status, headers (lower-case names), body (text)}`; throws what fetch throws. */
  async once(req, body) {
    const init = { method: req.method, headers: req.headers };
    if (body !== undefined) init.body = body;
    // The timeout covers reading the body too. A plain timer, cleared when done: `AbortSignal.timeout` (same
    // TimeoutError) cost about a tenth of a token refresh's CPU on Node, its timers and weak refs outliving the call.
    let timer = null;
    if (this.timeoutMs > 0 && typeof AbortController === "function") {
      const ac = new AbortController();
      timer = setTimeout(() => ac.abort(new DOMException("The operation was aborted due to timeout", "TimeoutError")), this.timeoutMs);
      init.signal = ac.signal;
    }
    try {
      const res = await this.fetch(req.url, init);
      const headers = {};
      res.headers.forEach((v, k) => {
        headers[k.toLowerCase()] = v;
      });
      return { status: res.status, headers, body: await res.text() };
    } finally {
      if (timer !== null) clearTimeout(timer);
    }
  }

  /**
   * Send `req` until it succeeds or the core says to stop. Resolves with the last response (any status: the caller
   * hands it to the core's parser, which turns a failure into its typed error). Throws the core's network error when
   * the last try got no response at all. `stats.requests` counts every HTTP request made.
   */
  async send(req, stats) {
    // Compressed once, just before the first try, and dropped with this frame: bodies are never all held compressed.
    const body = req.body === undefined || req.body === null ? undefined : req.compress ? await compressBody(req.body, req.compress) : req.body;
    for (let attempt = 1; ; attempt++) {
      let response = null;
      let failure = null;
      try {
        if (stats) stats.requests++;
        response = await this.once(req, body);
      } catch (err) {
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
      });
      if (!decision.retry) {
        if (response !== null) return response;
        // The request goes along so the core can name its host and scrub its credentials from the text by value.
        throw new DatadogError(call("classifyNetworkError", { message: failure, request: { url: req.url, headers: req.headers, body: typeof req.body === "string" && req.body.length <= 65536 ? req.body : undefined } }));
      }
      if (stats) stats.retries++;
      await this.sleep(decision.delayMs);
    }
  }
}
