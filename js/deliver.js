// Data delivery: the core encodes items into batches (one request description each), and this module sends them
// with bounded concurrency, compressing each body only just before it goes out, retrying per the core, halving a
// batch that Datadog finds too large, and accounting for every input index: accepted, or failed with its reason.
import { call, DatadogError } from "./core.js";
import { sitesFor, checked } from "./sites.js";

/**
 * The core's description of each intake, by data type (`metrics`, `logs`, ..., also `parseIntakeResponse`'s `kind`):
 * `{ op, key, single, auth, compress }` — its encode operation, the argument its items go in, whether it takes one
 * item rather than an array, the credential it reads ("apiKey" or "bearer") and whether it takes `compress`. Asked
 * once: it is the core's table (src/ops.rs), not knowledge of this host.
 */
let intakes = null;
const intake = (type) => (intakes ??= call("intakeKinds", {}))[type];

/**
 * Whether to refresh the token and send again after `response`, on the `refreshes`-th refresh already made (the one
 * rule for client.request() and the bearer intakes): after a 401, at most twice, since the first new token may be
 * one another caller got meanwhile, itself invalidated since; the second refresh is then our own.
 */
export function shouldRefreshAfter401(response, conn, refreshes) {
  return response.status === 401 && !!conn.refreshToken && refreshes < 2;
}

/** What a failed item looks like in a report: the error's public fields, never a body excerpt (payloads may hold personal data). */
function failure(index, err) {
  const f = { index, code: err.code ?? "not_delivered", message: err.message ?? String(err), hint: err.hint ?? "" };
  if (err.status !== undefined) f.status = err.status;
  if (err.field !== undefined) f.field = err.field;
  if (err.retryAfterMs !== undefined) f.retryAfterMs = err.retryAfterMs;
  if (err.rateLimit !== undefined) f.rateLimit = err.rateLimit;
  return f;
}

/** An error from the host itself (a thrown non-DatadogError is reported by message, never by value). */
function asError(err) {
  if (DatadogError.is(err)) return err;
  return { code: "not_delivered", message: `the batch could not be sent: ${err && err.message ? err.message : String(err)}`, hint: "See the message; the items can be submitted again." };
}

/**
 * Deliver `items` of type `type` for connection lineage `l`. `env` is the client's side of things:
 * `{ connection(l) → newest connection, fresh(l) → a connection whose token is not due, refreshAfter401(l, used),
 *    send(req, stats) → response, now(), concurrency, compress }`.
 */
export async function deliver(env, l, type, items, opts = {}) {
  const spec = intake(type);
  const list = spec.single ? [items] : items;
  if (!Array.isArray(list)) {
    throw new DatadogError({ code: "invalid_input", field: spec.key, message: `${spec.key} must be an array`, hint: "Pass an array of items in Datadog's JSON shape." });
  }
  const { compress = env.compress, concurrency = env.concurrency, ...extra } = opts;
  const report = { batches: 0, sent: 0, accepted: 0, failed: [], requests: 0, retries: 0 };
  const ids = [];
  const warnings = [];
  const seen = new Uint8Array(list.length);
  const errors = new Map();
  const fail = (index, err) => {
    if (!errors.has(index)) errors.set(index, err);
  };

  /**
   * A selection (`{index, start?, end?}` in the caller's list) as the core takes it: only those items, each entry
   * naming its item's `origin`, so that re-encoding or cutting a half costs the half, not the whole list (after a
   * 413 every level of halving would otherwise send all N items again: quadratic). The core answers in the
   * caller's coordinates.
   */
  const only = (entries) => ({
    [spec.key]: entries.map((e) => list[e.index]),
    select: entries.map((e, i) => (e.start === undefined || e.start === null ? { index: i, origin: e.index } : { index: i, start: e.start, end: e.end, origin: e.index })),
  });

  /**
   * Encode the items, or only `entries` (a half of an earlier batch); the core cuts them and answers in the
   * caller's coordinates. Returns batches as `{request, auth, entries, conn}` (`auth`: how the core says it authenticates).
   */
  const encode = async (entries) => {
    const conn = spec.auth === "bearer" ? await env.fresh(l) : env.connection(l);
    const args = { ...extra, connection: conn, now: env.now(), [spec.key]: spec.single ? list[0] : list };
    // The client's custom sites: the only ones a connection may name besides the nine (issue 11, item 1).
    const custom = env.sites && env.sites.length ? sitesFor(env.sites, conn) : null;
    if (custom !== null) args.sites = custom.sites;
    if (entries !== null && !spec.single) Object.assign(args, only(entries));
    if (compress !== undefined && spec.compress) args.compress = compress;
    const out = call(spec.op, args, spec.single ? undefined : spec.key);
    if (custom !== null) checked(env.sites, custom.checking);
    for (const r of out.rejected) {
      seen[r.index] = 1;
      fail(r.index, r.error);
    }
    return out.batches.map((b) => {
      const parts = new Map((b.parts ?? []).map((p) => [p.index, p]));
      const mapped = b.items.map((index) => {
        seen[index] = 1;
        const p = parts.get(index);
        return p ? { index, start: p.start, end: p.end } : { index };
      });
      return { request: b.request, auth: b.auth, entries: mapped, conn };
    });
  };

  /** Halves of a batch Datadog found too large (by items, or a lone item by its pieces); null when it cannot be cut. */
  const halves = (entries) => (spec.single ? null : call("splitSelection", { op: spec.op, ...only(entries) }, spec.key));

  const run = async (batch, reauthorized = 0) => {
    report.batches++;
    let response;
    try {
      response = await env.send(batch.request, report);
    } catch (err) {
      for (const e of batch.entries) fail(e.index, asError(err));
      return;
    }
    // What the answer's errors are scrubbed of, by value: the request's credentials (its headers), not its body.
    const sent = { url: batch.request.url, headers: batch.request.headers };
    batch.request = null; // the body can go now
    // The core says how the batch authenticates: a bearer token is refreshed after a 401 (`shouldRefreshAfter401`).
    if (batch.auth === "bearer" && shouldRefreshAfter401(response, batch.conn, reauthorized)) {
      await env.refreshAfter401(l, batch.conn.accessToken);
      for (const b of await encode(batch.entries)) await run(b, reauthorized + 1);
      report.batches--; // the re-sent batch is the same batch
      return;
    }
    let ok;
    try {
      // A 2xx answer is read for its status, warnings, id and rate limit only: the request and the connection (what
      // an error's text is scrubbed of) stay out, which halves the call's work on the path every submission takes.
      const args = response.status >= 200 && response.status < 300 ? { kind: type, format: extra.format, response }
        : { kind: type, format: extra.format, response, request: sent, connection: batch.conn, applicationKey: extra.applicationKey };
      ok = call("parseIntakeResponse", args);
    } catch (err) {
      const cut = (err.code === "payload_too_large" || response.status === 413) && halves(batch.entries);
      if (cut) {
        for (const half of cut) {
          let sub;
          try {
            sub = await encode(half);
          } catch (e) {
            for (const x of half) fail(x.index, asError(e));
            continue;
          }
          for (const b of sub) await run(b);
        }
        return;
      }
      for (const e of batch.entries) fail(e.index, asError(err));
      return;
    }
    report.sent++;
    if (ok.id !== undefined) ids.push(ok.id);
    if (ok.warnings) warnings.push(...ok.warnings);
  };

  const queue = await encode(null);
  let next = 0;
  const worker = async () => {
    while (next < queue.length) {
      const i = next++;
      const b = queue[i];
      queue[i] = null; // bounded memory: a sent batch's body is not kept
      await run(b);
    }
  };
  const slots = Math.max(1, Math.min(Number(concurrency) || 1, queue.length));
  await Promise.all(Array.from({ length: slots }, worker));

  for (let i = 0; i < list.length; i++) {
    const err = errors.get(i);
    if (err) report.failed.push(failure(i, err));
    else if (!seen[i]) {
      report.failed.push(failure(i, { code: "not_delivered", message: `${spec.key}[${i}] was not in any batch the encoder produced`, hint: "This is a bug in the encoder; please report it. The item can be submitted again." }));
    } else report.accepted++;
  }
  report.failed.sort((a, b) => a.index - b.index);
  if (ids.length) report.ids = ids;
  if (warnings.length) report.warnings = warnings;
  return report;
}
