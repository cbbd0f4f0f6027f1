// The short fault soak inside `npm test` (the long one is `npm run soak`): ~20 s of concurrent submissions,
// bearer calls and refreshes on 36 connections across the nine sandbox sites under seeded random faults, forced
// token expiry, a 2 s token lifetime and refresh-token rotation. Then what arrived must equal what was reported
// accepted, per org and kind, item by item. A second, tiny run loses responses on purpose to prove the checks
// notice duplicates.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runSoak, formatSummary } from "./soak.mjs";

const seconds = Number(process.env.DD_SOAK_TEST_SECONDS || 18);

test(`fault soak (${seconds} s): nothing lost, nothing duplicated, no unhandled rejection, memory flat`, async () => {
  const { summary: s, problems } = await runSoak({ seconds, seed: 20240601, log: null });
  console.log(formatSummary(s));
  assert.deepEqual(problems, []);
  // The run really was hostile, and really moved data.
  assert.ok(s.http.faultsInjected > 100, `${s.http.faultsInjected} faults injected`);
  assert.ok(s.http.retryWaits > 50, `${s.http.retryWaits} retries`);
  assert.ok(s.http.networkErrors > 0, "dropped connections were seen");
  assert.ok(s.tokens.refreshesGranted > 50, `${s.tokens.refreshesGranted} refreshes`);
  assert.ok(s.tokens.expiries > 0, "tokens were expired mid-flight");
  assert.ok(s.items.accepted > 5000, `${s.items.accepted} items accepted`);
  for (const [kind, k] of Object.entries(s.perKind)) {
    assert.ok(k.sent > 0, `${kind} was exercised`);
    assert.equal(k.received, k.accepted, kind);
    assert.equal(k.duplicated, 0, kind);
    assert.equal(k.lost, 0, kind);
  }
  assert.equal(s.unhandledRejections, 0);
  assert.equal(s.deadConnections, 0);
  assert.equal(s.orgKindPairs, 18 * 6);
});

test("self-test: responses lost after processing show up as duplicates or as failed items that arrived", async () => {
  const { summary: s, problems } = await runSoak({ seconds: 3, seed: 5, faultProbability: 0, loseResponses: 0.05, workers: 8, log: null });
  const dups = Object.values(s.perKind).reduce((a, k) => a + k.duplicated + k.failedButArrived, 0);
  assert.ok(dups > 0, formatSummary(s));
  assert.ok(problems.some((p) => /duplicates|arrived anyway|≠/.test(p)), problems.join("\n"));
});
