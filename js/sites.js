// The client's custom sites a connection's core call needs: once a list has gone to the core whole with a call that
// succeeded (so the core accepted every entry), only the entries that can be the connection's own site go along.
// The same rule as js/deliver.js `sitesFor` (which trims the encoders' lists): one of the two should import the other.

/**
 * Per list (the array the caller gave the client), the JSON copy of it as the core checked it. The core rebuilds
 * every listed site on every call about a stored connection: with the sandbox's nine, a refresh's refreshRequest cost
 * ~26 µs more than with none (bench/tools/refresh.mjs --custom). A connection's custom site is honoured only when one
 * listed site equals it after the core rebuilds both, site parameter first (trimmed, ASCII lower case), so only
 * entries whose `site` matches it loosely (below) can be the one; a connection whose site is not a descriptor (text
 * the core resolves against the list) gets the whole list. A list that no longer serializes to the same JSON
 * (changed in any way) goes whole again, and a list with a bad entry fails every call as it always did.
 */
const checkedSites = new WeakMap();
// Deletes every character Rust's `str::trim` can remove (White_Space: JS's \s lacks only U+0085; it has U+FEFF too)
// and lowers ASCII only, as the core does: two site parameters the core finds equal are always equal here.
const loose = (site) => site.replace(/[\s\u0085]+/g, "").replace(/[A-Z]+/g, (c) => c.toLowerCase());

/**
 * True only when JSON.stringify(`live`) would be the JSON `copy` was parsed from: plain values equal one by one, the
 * same keys in the same order, and nothing JSON.stringify would call or skip (toJSON, undefined, holes) or write its
 * own way (raw JSON).
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
 * `{ sites, checking }`: the sites to send with `conn`, and the JSON copy to pass to `checked` once the call succeeds
 * (or null when the list was checked already).
 */
export function sitesFor(sites, conn) {
  const listed = checkedSites.get(sites);
  if (listed !== undefined && sameJson(sites, listed)) {
    const site = conn?.site?.site;
    if (typeof site !== "string") return { sites: listed, checking: null };
    const want = loose(site);
    return { sites: listed.filter((s) => typeof s?.site !== "string" || loose(s.site) === want), checking: null };
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
