// Child process of bounded-memory.test.mjs (run with --expose-gc): a loopback server streams 64 MiB (chunked, no
// Content-Length) per request; the client asks three times; prints one JSON line with the error codes, what the
// server managed to write, and heap+external memory before and after.
import { createServer } from "node:http";
import { siteAt, connectionOn, clientFor } from "./hostile-server.mjs";

const TOTAL = 64 << 20;
const chunk = Buffer.alloc(256 << 10, 0x61);
const sentBytes = [];
let small = false;
const srv = createServer((req, res) => {
  if (req.url.includes("small")) {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ ok: true, pad: "y".repeat(100_000) }));
    return;
  }
  res.writeHead(200, { "content-type": "text/plain" });
  let sent = 0;
  const record = () => sentBytes.push(sent);
  res.on("close", record);
  const pump = () => {
    while (sent < TOTAL && !res.destroyed) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once("drain", pump);
    }
    if (!res.destroyed) res.end();
  };
  pump();
});
await new Promise((r) => srv.listen(0, "127.0.0.1", r));
const site = siteAt(`http://127.0.0.1:${srv.address().port}`);
const { conn } = connectionOn(site);
const client = clientFor(site, { retry: false });

const mem = () => {
  globalThis.gc();
  globalThis.gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
};
// A first call warms everything up (the core, undici), so the baseline includes it.
await client.request(conn, { method: "GET", path: "/small" });
const baseline = mem();
const codes = [];
for (let i = 0; i < 3; i++) {
  try {
    await client.request(conn, { method: "GET", path: "/big" });
    codes.push("accepted");
  } catch (e) {
    codes.push(e.code);
  }
}
// Let the server see each socket close.
await new Promise((r) => setTimeout(r, 200));
const after = mem();
small = (await client.request(conn, { method: "GET", path: "/small" })).body.ok === true;
srv.closeAllConnections();
srv.close();
console.log(JSON.stringify({ codes, sentBytes, baseline, after, smallOk: small }));
