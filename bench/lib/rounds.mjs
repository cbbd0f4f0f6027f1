// The interleaved CPU-per-call measure the A/B tools in bench/tools share.
import { quantile } from "./harness.mjs";

// `cpuRounds`: each round runs every candidate once, in an order that
// rotates by round, for `ms` of wall time with `inFlight` callers, and records the process's CPU (user + system) per
// call. Candidates that run back to back see the same machine, so the median of per-round ratios holds up on a
// loaded 2-core box far better than either side's time alone. A candidate is `(worker, k) => Promise`, `k` counting
// its calls in the round. The first `warm` rounds are dropped (tiering, first-call compiles). `start(name, round)` and
// `end(name, round, calls)`, when given, are awaited around each phase (the profiling tools start and stop V8's
// sampler there; what they do is outside the CPU counted).
export async function cpuRounds(candidates, { rounds = 40, inFlight = 8, ms = 100, warm = 2, start, end } = {}) {
  const names = Object.keys(candidates);
  const cpu = Object.fromEntries(names.map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + r) % names.length];
      const run = candidates[name];
      if (start) await start(name, r);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      let k = 0;
      await Promise.all(Array.from({ length: inFlight }, async (_, w) => {
        while (performance.now() < t0 + ms) await run(w, k++);
      }));
      const used = process.cpuUsage(c0);
      if (r >= warm) cpu[name].push((used.user + used.system) / k);
      if (end) await end(name, r, k);
    }
  }
  return cpu;
}

/** The median of `a` (bench/lib/harness.mjs's interpolated quantile, as the tables use). */
export const median = (a) => quantile(a, 0.5);

/** The per-round ratios of `a` to `b` (µs lists from `cpuRounds`): median, and p25/p75 for how far the rounds spread. */
export function ratioOf(a, b) {
  const r = a.map((v, i) => v / b[i]);
  return { median: quantile(r, 0.5), p25: quantile(r, 0.25), p75: quantile(r, 0.75), rounds: r.length };
}
