#!/usr/bin/env node
// `npm run soak`: the fault soak against a local sandbox (see tests/soak/soak.mjs), by default for 180 s.
//   node scripts/soak.mjs [--seconds N] [--seed N] [--workers N] [--orgs-per-site N] [--clients N] [--faults P] [--json]
//                         [--instances N --store postgres [--database-url URL]]   (across processes: tests/soak/instances.mjs)
// Exits 1 when anything was lost, duplicated or left unexplained, on an unhandled rejection or when memory grew.

import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

if (typeof globalThis.gc !== "function" && !process.env.DD_SOAK_CHILD) {
  // Re-run with a real --expose-gc so the heap numbers are measured after full collections.
  const child = spawn(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: "inherit", env: { ...process.env, DD_SOAK_CHILD: "1" },
  });
  for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
  child.on("exit", (code, signal) => process.exit(signal ? 1 : code ?? 1));
} else {
  const { runSoak, formatSummary } = await import("../tests/soak/soak.mjs");
  const opts = { seconds: 180 };
  let instances = 1;
  let storeKind = "memory";
  const args = process.argv.slice(2);
  let json = false;
  const num = (i, name) => {
    const v = Number(args[i]);
    if (!Number.isFinite(v) || v < 0) {
      console.error(`soak: ${name} needs a number`);
      process.exit(2);
    }
    return v;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--seconds") opts.seconds = num(++i, a);
    else if (a === "--seed") opts.seed = num(++i, a);
    else if (a === "--workers") opts.workers = num(++i, a);
    else if (a === "--orgs-per-site") opts.orgsPerSite = num(++i, a);
    else if (a === "--clients") opts.clients = num(++i, a);
    else if (a === "--faults") opts.faultProbability = num(++i, a);
    else if (a === "--json") json = true;
    else if (a === "--instances") instances = num(++i, a);
    else if (a === "--store") storeKind = args[++i];
    else if (a === "--database-url") opts.databaseUrl = args[++i];
    else {
      console.error("usage: node scripts/soak.mjs [--seconds N] [--seed N] [--workers N] [--orgs-per-site N] [--clients N] [--faults P] [--json] [--instances N --store memory|postgres [--database-url URL]]");
      process.exit(2);
    }
  }
  if (!["memory", "postgres"].includes(storeKind)) {
    console.error("soak: --store is memory or postgres");
    process.exit(2);
  }
  if (instances > 1 && storeKind === "memory") {
    console.error("soak: several instances need a shared store: --store postgres");
    process.exit(2);
  }
  const across = storeKind === "postgres";
  const { summary, problems } = across
    ? await (await import("../tests/soak/instances.mjs")).runInstancesSoak({ ...opts, instances, seconds: opts.seconds === 180 ? 60 : opts.seconds })
    : await runSoak(opts);
  const text = across ? (await import("../tests/soak/instances.mjs")).formatInstancesSummary(summary) : formatSummary(summary);
  if (json) console.log(JSON.stringify(summary));
  if (problems.length) {
    console.log(text);
    console.error(`soak: FAILED, ${problems.length} problem(s):`);
    for (const p of problems.slice(0, 50)) console.error(`  - ${p}`);
    process.exit(1);
  }
  if (across) {
    // The last line is the verdict in numbers.
    console.log("soak: ok: nothing lost, nothing duplicated, one refresh per due token across instances, memory flat");
    console.log(text);
  } else {
    console.log(text);
    console.log("soak: ok: nothing lost, nothing duplicated, no unhandled rejections, memory flat");
  }
}
