// The demo's own sessions (issue 13 / issue 11 item 2): created only by signing in, a new id at every sign-in, and
// a full table never evicts a connected session — driven over HTTP against the real demo and sandbox.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startDemo } from "../../scripts/demo.mjs";
import { authorizeAs } from "../../sandbox/testkit.mjs";

let demo;
before(async () => {
  demo = await startDemo({ port: 0, maxSessions: 3 });
});
after(async () => {
  if (demo) await demo.close();
});

const sidOf = (res) => /pw_session=([^;]*)/.exec(res.headers.getSetCookie().join("\n"))?.[1] ?? null;

async function signIn(email, cookie) {
  const res = await fetch(`${demo.url}login`, {
    method: "POST", redirect: "manual",
    headers: { origin: demo.partner.origin, "content-type": "application/x-www-form-urlencoded", ...(cookie ? { cookie } : {}) },
    body: new URLSearchParams({ email, next: "/" }),
  });
  return { status: res.status, sid: sidOf(res) };
}

const home = (sid) => fetch(demo.url, { redirect: "manual", headers: { cookie: `pw_session=${sid}` } });

/** Connect eu1 for the session over HTTP: onboarding → the sandbox's consent → callback. */
async function connect(sid) {
  let cookie = `pw_session=${sid}`;
  const onb = await fetch(`${demo.url}datadog/onboarding?site=eu1`, { redirect: "manual", headers: { cookie } });
  assert.equal(onb.status, 303);
  cookie += `; ${onb.headers.getSetCookie()[0].split(";")[0]}`;
  const authorize = new URL(onb.headers.get("location"));
  const auth = await authorizeAs(demo.sandbox, "eu1", {
    redirectUri: demo.partner.redirectUri, state: authorize.searchParams.get("state"), challenge: authorize.searchParams.get("code_challenge"),
  });
  const cb = await fetch(auth.redirect, { redirect: "manual", headers: { cookie } });
  assert.equal(cb.status, 303, await cb.text());
  assert.equal(cb.headers.get("location"), "/");
}

test("a sign-in rotates the session id; the old one stops working", async () => {
  const first = await signIn("rotate@pipewave.example");
  assert.equal(first.status, 303);
  const second = await signIn("rotate@pipewave.example", `pw_session=${first.sid}`);
  assert.notEqual(second.sid, first.sid);
  assert.equal((await home(first.sid)).status, 303, "the old id is signed out");
  assert.equal((await home(second.sid)).status, 200);
});

test("a full session table evicts unconnected sessions, never a connected one", async () => {
  const alice = await signIn("alice@pipewave.example");
  await connect(alice.sid);
  const page = await home(alice.sid);
  assert.match(await page.text(), /id="connection"/);
  for (let i = 0; i < 20; i++) {
    const s = await signIn(`flood-${i}@evil.example`);
    assert.equal(s.status, 303, "an unconnected slot is reused");
  }
  assert.ok(demo.partner.sessions.size <= 3);
  const again = await home(alice.sid);
  assert.equal(again.status, 200);
  assert.match(await again.text(), /id="connection"/, "alice is still signed in and connected");
  // Anonymous requests create nothing at all.
  const size = demo.partner.sessions.size;
  for (let i = 0; i < 20; i++) await fetch(`${demo.url}datadog/onboarding`, { redirect: "manual" });
  assert.equal(demo.partner.sessions.size, size);
});
