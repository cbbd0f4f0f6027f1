// Issue 11 item 9: a server streaming 64 MiB is refused at the 16 MiB default cap, the download is abandoned (the
// server cannot write it all), and memory returns near its baseline. Measured in a child process run with
// --expose-gc, so the figures are this scenario's alone; the bound is generous (no timing is asserted).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const child = fileURLToPath(new URL("./support/stream-64mib.mjs", import.meta.url));

test("item 9: a 64 MiB body is response_too_large, its stream cancelled, and memory returns near the baseline", { timeout: 150000 }, () => {
  const out = execFileSync(process.execPath, ["--expose-gc", child], { encoding: "utf8", timeout: 120_000 });
  const r = JSON.parse(out.trim().split("\n").pop());
  assert.deepEqual(r.codes, ["response_too_large", "response_too_large", "response_too_large"]);
  // 64 MiB offered each time; the client stops reading past 16 MiB (socket buffers let a few MiB more out).
  for (const sent of r.sentBytes) assert.ok(sent < 40 << 20, `the server wrote ${sent} bytes of 64 MiB`);
  const MiB = 1 << 20;
  const grown = r.after - r.baseline;
  assert.ok(grown < 24 * MiB, `heap+external grew by ${(grown / MiB).toFixed(1)} MiB after three refused 64 MiB bodies`);
  // The twin: a body under the cap is read whole.
  assert.equal(r.smallOk, true);
});
