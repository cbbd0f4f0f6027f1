// The client's custom sites a core call about one connection needs (issue 16): once a list has gone to the core
// whole with a call that succeeded (so the core accepted every entry), only the entries that can be the connection's
// own site go along. One rule for the encoders (js/deliver.js) and the client's calls about a stored connection
// (js/client.js: refresh). And a connection on a built-in site goes with its site's id instead of its descriptor
// (`bySiteId`), which the core loads alike.
import { call } from "./core.js";

/**
 * Per list (the array the caller gave the client), the JSON copy of it as the core checked it. The core rebuilds every
 * listed site on every call about a stored connection: on every encode (~30 µs each): with the sandbox's nine, 300 of encodeMetrics' 546 µs for a 10×10 submission, against
 * 273 µs with the connection's own site alone (bench/tools/netgap.mjs), the larger part of table 7's real-loopback
 * gap. A connection's custom site is honoured only when one listed site equals it after the core rebuilds both, site
 * parameter first (trimmed, ASCII lower case), so only entries whose `site` matches it loosely (below) can be the one.
 * Trimmed only once the list, as it is now, has gone to the core whole with an encode that succeeded, which means the
 * core accepted every entry (each encoder reads `sites` before it can succeed): a list with a bad entry fails every
 * call as it always did. What is kept per list is a JSON copy of it as checked; the trimmed entries come from that
 * copy, and a list that no longer serializes to the same JSON (changed in any way) goes whole again.
 */
const checkedSites = new WeakMap();
// Deletes every character Rust's `str::trim` can remove (White_Space: JS's \s lacks only U+0085; it has U+FEFF too)
// and lowers ASCII only, as the core does: two site parameters the core finds equal are always equal here.
const loose = (site) => site.replace(/[\s\u0085]+/g, "").replace(/[A-Z]+/g, (c) => c.toLowerCase());

/**
 * True only when JSON.stringify(`live`) would be the JSON `copy` was parsed from: plain values equal one by one, the
 * same keys in the same order, and nothing JSON.stringify would call or skip (toJSON, undefined, holes) or write its
 * own way (raw JSON). Comparing is ~1 µs for nine sites; JSON.stringify of them, to compare the text, was 12–46 µs.
 */
function sameJson(live, copy) {
  if (copy === null || typeof copy !== "object") return live === copy;
  if (live === null || typeof live !== "object" || typeof live.toJSON === "function" || JSON.isRawJSON?.(live)) return false;
  if (Array.isArray(copy)) {
    if (!Array.isArray(live) || live.length !== copy.length) return false;
    for (let i = 0; i < copy.length; i++) if (!sameJson(live[i], copy[i])) return false;
    return true;
  }
  if (Array.isArray(live)) return false;
  const keys = Object.keys(live);
  const want = Object.keys(copy);
  if (keys.length !== want.length) return false;
  for (let i = 0; i < keys.length; i++) if (keys[i] !== want[i] || !sameJson(live[keys[i]], copy[keys[i]])) return false;
  return true;
}

/**
 * The entries of `listed` (a checked copy) that can be the site named `site`, kept per copy and site text: the copy
 * never changes (a changed list gets a new one), so the same text always trims to the same entries. The regular
 * expressions and the filter were ~3% of a stubbed custom-site submission (V8 profile: `loose` 2.5 µs of ~250).
 */
const trimmed = new WeakMap();
function trim(listed, site) {
  let bySite = trimmed.get(listed);
  if (bySite === undefined) trimmed.set(listed, (bySite = new Map()));
  let out = bySite.get(site);
  if (out === undefined) {
    const want = loose(site);
    out = listed.filter((s) => typeof s?.site !== "string" || loose(s.site) === want);
    // Bounded: a connection names one site text, so only a caller forging many sees the map grow, and it starts over.
    if (bySite.size >= 64) bySite.clear();
    bySite.set(site, out);
  }
  return out;
}

/** `{ sites, checking }`: the sites to send with `conn`, and the JSON copy to remember once the call succeeds (or null). */
export function sitesFor(sites, conn) {
  const listed = checkedSites.get(sites);
  if (listed !== undefined && sameJson(sites, listed)) {
    const site = conn?.site?.site;
    if (typeof site !== "string") return { sites: listed, checking: null };
    return { sites: trim(listed, site), checking: null };
  }
  let copy;
  try {
    copy = JSON.parse(JSON.stringify(sites));
  } catch {
    return { sites, checking: null }; // the core call reports it, as before
  }
  return { sites: copy, checking: copy };
}

/** Remember `copy` (a `sitesFor` answer's `checking`) as the core-checked JSON of `sites`. */
export function checked(sites, copy) {
  if (copy !== null) checkedSites.set(sites, copy);
}

/** The core's own built-in descriptors (`sites()`), by site parameter; asked once. */
let builtIn = null;

/**
 * `conn` to send to the core, its site named by id when `conn.site` is exactly one of the core's built-in
 * descriptors (the same own keys and values, in any order) and no custom site goes along (`sent`, the list the call
 * sends): the core rebuilds a built-in descriptor from the table by its site parameter and ignores the rest
 * (src/site.rs `descriptor_where`), and resolves the id to the same table entry, so it loads the two alike and
 * answers the same, the full descriptor included. Not with custom sites: the core matches a site name against those
 * first, and a custom site may take a built-in's id. Reading a descriptor was about 6 µs of each core call about a
 * connection (refreshDue 14.3 → 8.2 µs with the id, Node 20), and a refresh makes two; comparing is ~0.3 µs.
 * Anything else (a custom site, a vanity host, an edited or tampered descriptor, one with a `toJSON` or inherited
 * keys) goes as it is, for the core to check as always.
 */
export function bySiteId(conn, sent) {
  if (sent !== undefined && !(Array.isArray(sent) && sent.length === 0)) return conn;
  const s = conn !== null && typeof conn === "object" ? conn.site : null;
  if (s === null || typeof s !== "object" || typeof s.site !== "string") return conn;
  builtIn ??= new Map(call("sites", {}).map((d) => [d.site, d]));
  const d = builtIn.get(s.site);
  if (d === undefined || typeof s.toJSON === "function") return conn;
  const keys = Object.keys(d);
  if (Object.keys(s).length !== keys.length) return conn;
  for (const k of keys) if (s[k] !== d[k] || !Object.hasOwn(s, k)) return conn;
  return { ...conn, site: d.id };
}
