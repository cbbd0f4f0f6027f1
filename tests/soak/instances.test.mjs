// The short soak across processes inside `npm test` (the long one: `npm run soak -- --instances 4 --store postgres`):
// 4 instance processes on one throwaway PostgreSQL store and one sandbox, under faults, forced expiry, 2-second
// tokens and rotation. Nothing lost or duplicated, every refresh served was one the store recorded, 0 invalid_grant.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runInstancesSoak, formatInstancesSummary } from "./instances.mjs";

const seconds = Number(process.env.DD_SOAK_TEST_SECONDS || 8);

test(`soak across 4 instances on PostgreSQL (${seconds} s): accepted = received, one refresh per due token, 0 invalid_grant`, async () => {
  const { summary: s, problems } = await runInstancesSoak({ instances: 4, seconds, seed: 20241201, workers: 6, log: null });
  console.log(formatInstancesSummary(s));
  assert.deepEqual(problems, []);
  assert.ok(s.http.faultsInjected > 20, `${s.http.faultsInjected} faults injected`);
  assert.ok(s.refreshes.served > 36, `${s.refreshes.served} refreshes`);
  assert.ok(s.items.accepted > 1000, `${s.items.accepted} items accepted`);
  assert.equal(s.items.accepted, s.items.received);
  assert.equal(s.items.lost, 0);
  assert.equal(s.items.duplicated, 0);
  assert.equal(s.refreshes.served, s.refreshes.due);
  assert.equal(s.refreshes.tokenErrors, 0);
  assert.equal(s.deadConnections, 0);
});
