// Errors the connection store raises, and the record shape every store shares. Kept apart from the stores so the
// Postgres entry (its own bundle) and the client raise the same codes with the same hints: the message is worded
// here (it names the id or the failed step), the hint comes from the core's table (src/meaning.rs `host_hint`). The
// Postgres bundle reaches the core through the package's own entry (scripts/build.mjs maps these two imports).
import { DatadogError } from "../core.js";
import { hostError } from "../sansio.js";

/** A store error: this message, the core's hint for the code. */
function storeError(code, message, field) {
  const { hint } = hostError(code, message);
  return new DatadogError(field ? { code, field, message, hint } : { code, message, hint });
}

/** Store failures: the store could not be read or written (database down, timeout, a partner store that threw). */
export function storeUnavailable(what, err) {
  if (DatadogError.is(err)) return err;
  // Only the error's class and code: drivers may quote SQL parameters (sealed secrets, ids) in their messages.
  const detail = err && typeof err === "object" ? [err.code, err.name && err.name !== "Error" ? err.name : ""].filter(Boolean).join(" ") : "";
  return storeError("store_unavailable", `the connection store could not ${what}${detail ? ` (${detail})` : ""}`);
}

export function connectionNotFound(id) {
  return storeError("connection_not_found", `no connection with id ${JSON.stringify(String(id).slice(0, 80))} in the store`, "connection");
}

export function decryptionFailed(id) {
  return storeError("decryption_failed", `the stored secrets of connection ${JSON.stringify(String(id).slice(0, 80))} cannot be decrypted`, "connection");
}

export function badInput(field, message, hint) {
  return new DatadogError({ code: "invalid_input", field, message, hint });
}

export const STATUSES = ["connected", "needs_reauth", "revoked"];

/** Opaque list cursors: the last id of a page. */
export function encodeCursor(id) {
  return btoa(unescape(encodeURIComponent(JSON.stringify({ after: id })))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function decodeCursor(cursor) {
  if (cursor === undefined || cursor === null || cursor === "") return null;
  try {
    if (typeof cursor !== "string" || cursor.length > 2048) throw new Error("bad");
    const v = JSON.parse(decodeURIComponent(escape(atob(cursor.replace(/-/g, "+").replace(/_/g, "/")))));
    if (v === null || typeof v !== "object" || typeof v.after !== "string") throw new Error("bad");
    return v.after;
  } catch {
    throw badInput("cursor", "`cursor` is not a cursor this store returned", "Pass the `cursor` of the previous listConnections() page, or none for the first page.");
  }
}

/** The list filter, checked: `{ site?, status?, owner?, limit (1..1000, default 100), after }`. */
export function listFilter(q) {
  const o = q ?? {};
  for (const k of ["site", "owner"]) {
    if (o[k] !== undefined && o[k] !== null && typeof o[k] !== "string") throw badInput(k, `\`${k}\` must be a string`, "See listConnections() in the API reference.");
  }
  if (o.status !== undefined && o.status !== null && !STATUSES.includes(o.status)) {
    throw badInput("status", `\`status\` must be one of ${STATUSES.join(", ")}`, "See listConnections() in the API reference.");
  }
  const limit = o.limit === undefined || o.limit === null ? 100 : o.limit;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw badInput("limit", "`limit` must be an integer from 1 to 1000", "Page with `cursor`.");
  return { site: o.site ?? undefined, status: o.status ?? undefined, owner: o.owner ?? undefined, limit, after: decodeCursor(o.cursor) };
}
