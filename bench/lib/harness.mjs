// Timing and reporting shared by the tables. Candidates of one table run interleaved, round by round in rotated
// order, so drift on a busy machine (other builds, thermal, GC) hits all of them alike; ratios are computed per
// round and summarised, so each ratio comes from samples taken moments apart in the same process.

export const QUICK = process.env.BENCH_QUICK === "1";

/** Whatever a candidate returns is folded in here so the work cannot be optimised away. */
let sink = 0;
export function consume(v) {
  if (v === null || v === undefined) return;
  if (typeof v === "string") sink = (sink + v.length) | 0;
  else if (typeof v === "number") sink = (sink + v) | 0;
  else if (typeof v.length === "number") sink = (sink + v.length) | 0;
  else sink = (sink + 1) | 0;
}
export const sinkValue = () => sink;

export function gc() {
  if (typeof globalThis.gc === "function") globalThis.gc();
}

export function quantile(values, q) {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export function summary(values) {
  return { median: quantile(values, 0.5), p10: quantile(values, 0.1), p90: quantile(values, 0.9), n: values.length };
}

async function runFor(c, iterations) {
  const t0 = performance.now();
  if (c.async) {
    for (let i = 0; i < iterations; i++) consume(await c.fn());
  } else {
    for (let i = 0; i < iterations; i++) consume(c.fn());
  }
  return performance.now() - t0;
}

/**
 * Time `candidates` ([{ name, fn, async? }]) against each other. Each gets a warm-up, then `rounds` samples of
 * enough iterations to last about `sampleMs`; rounds rotate the order. Returns, per candidate, the per-operation
 * time samples (ms) and, per round, its time relative to `baseline` (a candidate name).
 */
export async function compare(candidates, { rounds = QUICK ? 5 : 15, sampleMs = QUICK ? 20 : 60, warmupMs = QUICK ? 50 : 250, gcBetween = false } = {}) {
  // Warm-up doubles as calibration: iterations per sample so one sample lasts ~sampleMs.
  const iters = new Map();
  for (const c of candidates) {
    let n = 1;
    let spent = 0;
    let done = 0;
    const until = performance.now() + warmupMs;
    while (performance.now() < until || done < 3) {
      spent += await runFor(c, n);
      done += n;
      if (n < 1e6) n *= 2;
    }
    iters.set(c.name, Math.max(1, Math.round(sampleMs / (spent / done))));
  }
  const samples = new Map(candidates.map((c) => [c.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < candidates.length; k++) {
      const c = candidates[(k + r) % candidates.length];
      if (gcBetween) gc();
      const n = iters.get(c.name);
      samples.get(c.name).push((await runFor(c, n)) / n);
    }
  }
  return samples;
}

/** Per-round ratio of each candidate's time to the baseline's (>1: the candidate is slower than the baseline). */
export function ratios(samples, baseline) {
  const base = samples.get(baseline);
  const out = new Map();
  for (const [name, s] of samples) out.set(name, summary(s.map((v, i) => v / base[i])));
  return out;
}

// ---------- formatting ----------

export function fmtTime(ms) {
  if (!Number.isFinite(ms)) return "–";
  if (ms < 0.001) return `${(ms * 1e6).toFixed(0)} ns`;
  if (ms < 0.01) return `${(ms * 1e3).toFixed(2)} µs`;
  if (ms < 1) return `${(ms * 1e3).toFixed(1)} µs`;
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms.toFixed(1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

export function fmtRate(perSecond) {
  if (!Number.isFinite(perSecond)) return "–";
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M/s`;
  if (perSecond >= 1e4) return `${(perSecond / 1e3).toFixed(0)} k/s`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k/s`;
  if (perSecond >= 10) return `${perSecond.toFixed(0)} /s`;
  return `${perSecond.toFixed(1)} /s`;
}

export function fmtRatio(x) {
  if (!Number.isFinite(x)) return "–";
  if (x >= 100) return `${x.toFixed(0)}×`;
  if (x >= 10) return `${x.toFixed(1)}×`;
  return `${x.toFixed(2)}×`;
}

export const fmtRange = (lo, hi, f) => `${f(lo)} – ${f(hi)}`;

export function fmtBytes(n) {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(2)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${n} B`;
}

export const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** A Markdown table with padded columns (readable in a terminal too). */
export function markdownTable(headers, rows) {
  const cells = [headers, ...rows].map((r) => r.map((c) => String(c)));
  const width = headers.map((_, i) => Math.max(3, ...cells.map((r) => [...(r[i] ?? "")].length)));
  const pad = (s, i) => s + " ".repeat(width[i] - [...s].length);
  const line = (r) => `| ${r.map(pad).join(" | ")} |`;
  return [line(cells[0]), `| ${width.map((w) => "-".repeat(w)).join(" | ")} |`, ...cells.slice(1).map(line)].join("\n");
}

/**
 * The standard rows of a timing table: per candidate, median time per operation, p10–p90, rate, and the ratio to
 * `baseline` measured round by round (the ratio's own p10–p90 in brackets).
 * `ratioOf(name)` can flip the direction: by default the column says how many times slower than ours each is.
 */
export function timingRows(candidates, samples, baseline, { unit = "op" } = {}) {
  const r = ratios(samples, baseline);
  return candidates.map((c) => {
    const s = summary(samples.get(c.name));
    const q = r.get(c.name);
    return [
      c.label ?? c.name,
      fmtTime(s.median),
      fmtRange(s.p10, s.p90, fmtTime),
      fmtRate(1000 / s.median),
      c.name === baseline ? "1 (baseline)" : `${fmtRatio(q.median)} (${fmtRatio(q.p10)} – ${fmtRatio(q.p90)})`,
    ];
  });
}

export const timingHeaders = (baselineLabel, unit = "op") => [
  "candidate", `median / ${unit}`, "p10 – p90", `${unit}s / s`, `time ÷ ${baselineLabel} (p10 – p90)`,
];

/** One table's result, as sent to the runner. */
export function result({ id, title, what, headers, rows, notes = [], targets = [], extra = [] }) {
  return { id, title, what, headers, rows, notes, targets, extra };
}

/** Print a result to the terminal in the same Markdown the RESULTS file gets. */
export function render(r) {
  const parts = [`## ${r.title}`, "", r.what, "", markdownTable(r.headers, r.rows)];
  for (const t of r.extra) parts.push("", ...(t.caption ? [t.caption, ""] : []), markdownTable(t.headers, t.rows));
  if (r.notes.length) parts.push("", ...r.notes.map((n) => `- ${n}`));
  if (r.targets.length) parts.push("", ...r.targets.map((t) => `- **${t.informational ? "Bar" : "Target"} ${t.met ? "met" : "missed"}**: ${t.name} — ${t.detail}`));
  return parts.join("\n");
}
