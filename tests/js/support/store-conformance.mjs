// The connection store conformance suite: what every store (memoryStore, postgresStore, a partner's own) must do,
// run against each of them. `make()` returns a fresh, empty store; `clock` (optional) advances a store's time.
import assert from "node:assert/strict";

const conn = (id, over = {}) => ({
  id, site: { id: "eu1" }, domain: "datadoghq.eu", accessToken: `at-${id}-${Math.random()}`, refreshToken: `rt-${id}-${Math.random()}`,
  tokenType: "Bearer", expiresAt: 1, scopes: ["a"], createdAt: 1, updatedAt: 1, ...over,
});
const rec = (c, status = "connected") => ({ status, owner: null, site: c.site.id, connection: c });

/** Runs every conformance case as a subtest of `t`. `sleep(ms)` waits real time (lease expiry). */
export async function conformance(t, make, { sleep = (ms) => new Promise((r) => setTimeout(r, ms)) } = {}) {
  await t.test("get of an unknown id is null; insert is compare-and-set from version 0", async () => {
    const s = await make();
    assert.equal(await s.get("nope"), null);
    const c = conn("a1");
    assert.deepEqual(await s.compareAndSet("a1", 0, rec(c)), { ok: true, version: 1 });
    const got = await s.get("a1");
    assert.equal(got.id, "a1");
    assert.equal(got.version, 1);
    assert.equal(got.status, "connected");
    assert.deepEqual(got.connection, c);
  });

  await t.test("compare-and-set: a stale version is refused with the current record, a late writer never overwrites", async () => {
    const s = await make();
    const c1 = conn("b1");
    await s.compareAndSet("b1", 0, rec(c1));
    const c2 = { ...c1, accessToken: "at-new-b1-0000", updatedAt: 2 };
    assert.equal((await s.compareAndSet("b1", 1, rec(c2))).version, 2);
    const late = await s.compareAndSet("b1", 1, rec({ ...c1, accessToken: "at-late-b1-0000" }));
    assert.equal(late.ok, false);
    assert.equal(late.current.version, 2);
    assert.equal(late.current.connection.accessToken, "at-new-b1-0000");
    assert.equal((await s.compareAndSet("b1", 0, rec(c1))).ok, false, "an insert over an existing row is refused");
    assert.equal((await s.get("b1")).connection.accessToken, "at-new-b1-0000");
    // Concurrent writers on one version: exactly one wins.
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => s.compareAndSet("b1", 2, rec({ ...c2, accessToken: `at-race-${i}-0000` }))));
    assert.equal(results.filter((r) => r.ok).length, 1);
    assert.equal((await s.get("b1")).version, 3);
  });

  await t.test("lease: one holder at a time, renewable by its holder, released, and expired after its time", async () => {
    const s = await make();
    await s.compareAndSet("c1", 0, rec(conn("c1")));
    const holders = await Promise.all(["h1", "h2", "h3"].map((h) => s.lease("c1", h, 10_000)));
    assert.equal(holders.filter(Boolean).length, 1);
    const winner = ["h1", "h2", "h3"][holders.indexOf(true)];
    const other = winner === "h1" ? "h2" : "h1";
    assert.equal(await s.lease("c1", winner, 10_000), true, "the holder renews");
    assert.equal(await s.lease("c1", other, 10_000), false);
    await s.release("c1", other); // not the holder: no effect
    assert.equal(await s.lease("c1", other, 10_000), false);
    await s.release("c1", winner);
    assert.equal(await s.lease("c1", other, 300), true);
    assert.equal(await s.lease("c1", winner, 300), false);
    await sleep(450);
    assert.equal(await s.lease("c1", winner, 10_000), true, "an expired lease (its holder died) is taken over");
  });

  await t.test("list: by site, status and owner, in pages with a cursor; a forged cursor is refused", async () => {
    const s = await make();
    const ids = [];
    for (let i = 0; i < 25; i++) {
      const id = `l${String(i).padStart(2, "0")}`;
      ids.push(id);
      const c = conn(id, { site: { id: i % 3 === 0 ? "us1" : "eu1" } });
      await s.compareAndSet(id, 0, { ...rec(c, i % 5 === 0 ? "needs_reauth" : "connected"), owner: i % 2 ? "user-odd" : "user-even" });
    }
    const all = [];
    let cursor = null;
    let pages = 0;
    do {
      const page = await s.list({ limit: 7, cursor });
      all.push(...page.records.map((r) => r.id));
      cursor = page.cursor;
      pages++;
    } while (cursor);
    assert.deepEqual(all, ids);
    assert.equal(pages, 4);
    const us1 = await s.list({ site: "us1", limit: 100 });
    assert.deepEqual(us1.records.map((r) => r.id), ids.filter((_, i) => i % 3 === 0));
    assert.equal(us1.cursor, null);
    const reauth = await s.list({ status: "needs_reauth", site: "eu1" });
    assert.deepEqual(reauth.records.map((r) => r.id), ids.filter((_, i) => i % 5 === 0 && i % 3 !== 0));
    const odd = await s.list({ owner: "user-odd", limit: 5 });
    assert.deepEqual(odd.records.map((r) => r.id), ids.filter((_, i) => i % 2).slice(0, 5));
    assert.equal(odd.records[0].owner, "user-odd");
    const next = await s.list({ owner: "user-odd", limit: 5, cursor: odd.cursor });
    assert.deepEqual(next.records.map((r) => r.id), ids.filter((_, i) => i % 2).slice(5, 10));
    await assert.rejects(s.list({ cursor: "not-a-cursor!" }), (e) => e.code === "invalid_input" && e.field === "cursor");
    await assert.rejects(s.list({ status: "deleted" }), (e) => e.code === "invalid_input");
    await assert.rejects(s.list({ limit: 0 }), (e) => e.code === "invalid_input");
  });

  await t.test("delete: the row goes, a second delete finds nothing", async () => {
    const s = await make();
    await s.compareAndSet("d1", 0, rec(conn("d1")));
    assert.equal(await s.delete("d1"), true);
    assert.equal(await s.get("d1"), null);
    assert.equal(await s.delete("d1"), false);
    assert.equal((await s.compareAndSet("d1", 1, rec(conn("d1")))).ok, false, "a write on a deleted row's version is refused");
  });

  await t.test("claim: atomic single use, also under concurrency; expires after its time", async () => {
    const s = await make();
    const results = await Promise.all(Array.from({ length: 10 }, () => s.claim("authorization:k1", 60_000)));
    assert.equal(results.filter(Boolean).length, 1);
    assert.equal(await s.claim("authorization:k1", 60_000), false);
    assert.equal(await s.claim("authorization:k2", 60_000), true);
    assert.equal(await s.claim("authorization:k3", 200), true);
    await sleep(350);
    assert.equal(await s.claim("authorization:k3", 60_000), true, "an expired claim can be taken again");
  });
}
