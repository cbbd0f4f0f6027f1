// "Refresh at most twice after a 401", the one rule (js/deliver.js `shouldRefreshAfter401`) that client.request() and
// the bearer intakes share, and the delivery loop deciding it from what the core says of each batch (`auth`), not from
// a table of its own. The host modules run on the full core (dist/), loaded through its glue as the Node entry does.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as glue from "../../pkg/full/datadog_oauth_wasm.js";
import { setCore, call } from "../../js/core.js";
import { deliver, shouldRefreshAfter401 } from "../../js/deliver.js";

const wasm = glue.initSync({ module: readFileSync(new URL("../../dist/datadog_oauth_wasm_bg.wasm", import.meta.url)) });
setCore(glue, wasm.memory);

test("shouldRefreshAfter401: a 401, a refresh token, fewer than two refreshes so far", () => {
  const conn = { refreshToken: "r" };
  assert.equal(shouldRefreshAfter401({ status: 401 }, conn, 0), true);
  assert.equal(shouldRefreshAfter401({ status: 401 }, conn, 1), true);
  assert.equal(shouldRefreshAfter401({ status: 401 }, conn, 2), false);
  assert.equal(shouldRefreshAfter401({ status: 403 }, conn, 0), false);
  assert.equal(shouldRefreshAfter401({ status: 200 }, conn, 0), false);
  assert.equal(shouldRefreshAfter401({ status: 401 }, {}, 0), false, "nothing to refresh with");
  assert.equal(shouldRefreshAfter401({ status: 401 }, { refreshToken: "" }, 0), false);
});

/** A delivery environment whose Datadog answers every request with `status`, counting sends and refreshes. */
function env(status) {
  const site = call("sites", {})[0];
  const l = { latest: { site, apiKey: "k".repeat(32), accessToken: "t0", refreshToken: "r0", expiresAt: Date.now() + 3_600_000 } };
  const seen = { sends: [], refreshes: 0 };
  const e = {
    connection: (x) => x.latest,
    fresh: async (x) => x.latest,
    refreshAfter401: async (x) => {
      seen.refreshes++;
      x.latest = { ...x.latest, accessToken: `t${seen.refreshes}` };
      return x.latest;
    },
    send: async (req) => {
      seen.sends.push(req.headers.authorization ?? req.headers["dd-api-key"]);
      return { status, headers: {}, body: "{}" };
    },
    now: () => Date.now(),
    concurrency: 1,
  };
  return { e, l, seen };
}

test("a bearer intake that keeps answering 401 is refreshed twice, then reported", async () => {
  const { e, l, seen } = env(401);
  const report = await deliver(e, l, "incidents", { title: "t", customer_impacted: false });
  assert.equal(seen.refreshes, 2);
  assert.deepEqual(seen.sends, ["Bearer t0", "Bearer t1", "Bearer t2"], "each resend carries the newest token");
  assert.equal(report.accepted, 0);
  assert.equal(report.failed.length, 1);
  assert.equal(report.failed[0].status, 401);
});

test("an API-key intake's 401 is not a token problem: no refresh, reported at once", async () => {
  const { e, l, seen } = env(401);
  const report = await deliver(e, l, "metrics", [{ metric: "m", points: [{ timestamp: Math.floor(Date.now() / 1000), value: 1 }] }]);
  assert.equal(seen.refreshes, 0);
  assert.equal(seen.sends.length, 1);
  assert.equal(report.failed.length, 1);
  assert.equal(report.failed[0].status, 401);
});

test("a bearer intake accepted at once is not refreshed", async () => {
  const { e, l, seen } = env(202);
  const report = await deliver(e, l, "incidents", { title: "t", customer_impacted: false });
  assert.equal(seen.refreshes, 0);
  assert.equal(report.accepted, 1);
});
