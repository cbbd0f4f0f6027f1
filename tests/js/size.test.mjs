// The size budget as a test: bytes are deterministic, so a regression fails the suite (times live in bench/).
import { test } from "node:test";
import assert from "node:assert/strict";
import { measure, BUDGET_BYTES } from "../../scripts/size.mjs";

test(`browser bundle (wasm + glue + host, gzipped) stays within ${BUDGET_BYTES} bytes`, async () => {
  const r = await measure();
  assert.ok(r.totalGzip <= BUDGET_BYTES, `${r.totalGzip} bytes gzipped is over the ${BUDGET_BYTES}-byte budget`);
});
