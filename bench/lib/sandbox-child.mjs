// The Datadog sandbox in its own process, so the throughput table's CPU and memory figures are the client's
// alone. Sends the sandbox's well-known document to the parent, then serves until the parent disconnects.
import { startSandbox } from "../../sandbox/index.mjs";

const config = JSON.parse(process.argv[2] ?? "{}");
const sb = await startSandbox({ port: 0, config });
process.send({ url: sb.url, sites: sb.sites, wellKnown: sb.wellKnown() });
process.on("message", async (m) => {
  if (m === "usage") process.send({ usage: process.cpuUsage(), memory: process.memoryUsage() });
});
process.on("disconnect", async () => {
  await sb.close();
  process.exit(0);
});
