// Types of client.paginate() and its sans-IO step nextPage() (js/paginate.js). Concatenated into index.d.ts
// after client.d.ts, so the interface below merges into the DatadogClient class.

export interface PaginateOptions {
  /** "GET" unless the list endpoint says otherwise. */
  method?: "GET" | "POST" | (string & {});
  /** A paginated list endpoint on the site's API host, such as "/api/v2/incidents". */
  path: string;
  /** The first page's query, with the endpoint's page parameters: `page[size]`, and `page[offset]: 0` or `page[number]: 0` for offset/numbered lists; cursor lists need none. */
  query?: ApiRequest["query"];
  /** Yield each page `{ items, status, body, rateLimit }` instead of each item. */
  pages?: boolean;
  /** The waits between pages (rate limit) must fit in this many ms from the start (default 60 000); past it: `rate_limited` with retryAfterMs. */
  deadlineMs?: number;
}

export interface PageResult<T = unknown> {
  items: T[];
  status: number;
  body: unknown;
  rateLimit?: RateLimit;
}

export interface DatadogClient {
  /** An async iterator over a paginated list endpoint (cursor, offset or page number, whichever it uses). */
  paginate<T = unknown>(conn: Connection, opts: PaginateOptions & { pages?: false }): AsyncGenerator<T, void, undefined>;
  paginate<T = unknown>(conn: Connection, opts: PaginateOptions & { pages: true }): AsyncGenerator<PageResult<T>, void, undefined>;
}

/** Sans-IO: where the next page starts, from one page's answer. `next` is null on the last page. */
export declare function nextPage(args: {
  query?: Record<string, unknown>;
  body: unknown;
  rateLimit?: RateLimit;
  now?: number;
  deadlineAt?: number;
}): { items: unknown[]; next: Record<string, unknown> | null; waitMs: number };
