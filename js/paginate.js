// client.paginate(): an async iterator over one of Datadog's paginated list endpoints. The core's `nextPage` says
// where the next page starts (cursor, offset or page number), when the list ends and how long the rate limit asks
// to wait; this loop only fetches each page through client.request (bearer, refresh, retries), waits and yields.
import { call } from "./core.js";

// Policy 20: one deadline per call; the waits between pages must fit in it.
const DEFAULT_DEADLINE_MS = 60_000;

/** The next page's place, from one page's answer (sans-IO): `{ items, next (query or null), waitMs }`. */
export function nextPage(args) {
  return call("nextPage", args);
}

/**
 * Yields the items of every page (or, with `pages: true`, each page `{ items, status, body, rateLimit }`).
 * `env` is the client's clock and sleep, so tests with a fake clock never wait for real.
 */
export async function* paginate(client, conn, opts, env) {
  const { method = "GET", path, query = {}, pages = false, deadlineMs = DEFAULT_DEADLINE_MS } = opts ?? {};
  const deadlineAt = env.now() + deadlineMs;
  let q = { ...query };
  for (;;) {
    const res = await client.request(conn, { method, path, query: q });
    const page = nextPage({ query: q, body: res.body, rateLimit: res.rateLimit, now: env.now(), deadlineAt });
    if (pages) yield { items: page.items, status: res.status, body: res.body, rateLimit: res.rateLimit };
    else yield* page.items;
    if (page.next === null) return;
    if (page.waitMs > 0) await env.sleep(page.waitMs);
    q = page.next;
  }
}
