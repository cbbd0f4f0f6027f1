// Summing a V8 CPU profile (`Profiler.stop`'s answer) by function, for the profilers in bench/tools: self time per
// frame (with up to `callers` caller frames appended to its key) and, when asked, inclusive time (each function on a
// sample's stack counted once). Times are the samples' µs deltas divided by `per` (e.g. operations in the round).

/** A frame as `name dir/file.js:line`, the label the host profilers print. */
export const frameLabel = (f) => `${f.functionName || "(anonymous)"} ${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}`;

/** Add `profile`'s samples into the `self` and (optional) `inclusive` maps, keyed by `label(callFrame)`. */
export function tally(profile, { self, inclusive = null, label = frameLabel, callers = 0, per = 1 }) {
  const byId = new Map(profile.nodes.map((x) => [x.id, x]));
  const parent = new Map();
  for (const x of profile.nodes) for (const ch of x.children ?? []) parent.set(ch, x.id);
  const name = (id) => label(byId.get(id).callFrame);
  for (let s = 0; s < profile.samples.length; s++) {
    const id = profile.samples[s];
    const us = (profile.timeDeltas[s] ?? 0) / per;
    let key = name(id);
    for (let p = parent.get(id), d = 0; p !== undefined && d < callers; p = parent.get(p), d++) key += ` < ${name(p)}`;
    self.set(key, (self.get(key) ?? 0) + us);
    if (inclusive === null) continue;
    const seen = new Set();
    for (let p = id; p !== undefined; p = parent.get(p)) seen.add(name(p));
    for (const f of seen) inclusive.set(f, (inclusive.get(f) ?? 0) + us);
  }
}
