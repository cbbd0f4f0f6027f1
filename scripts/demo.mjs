#!/usr/bin/env node
// `npm run demo`: builds dist/ if it is missing, starts the Datadog sandbox and the Pipewave partner backend,
// registers the backend's redirect URI and onboarding URL with the sandbox, and prints one URL to open.
// `startDemo({ port })` does the same for tests and resolves to { url, sandbox, partner, close() }.
// `--store postgres --database-url URL` keeps connections in PostgreSQL (postgresStore; key from DD_STORE_KEY).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { startSandbox } from "../sandbox/index.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CLIENT_ID = "sandbox-client-id";
const CLIENT_SECRET = "sandbox-client-secret";
const NEEDED = ["node.mjs", "auth.mjs", "routes.mjs", "datadog_oauth_wasm_node_bg.wasm", "datadog_oauth_wasm_auth_bg.wasm"];

export function ensureBuilt({ quiet = false } = {}) {
  if (NEEDED.every((f) => existsSync(`${ROOT}dist/${f}`))) return false;
  if (!quiet) console.log("dist/ is missing: installing what the build needs and building the package…");
  try {
    // On a fresh machine: the wasm target, the wasm-bindgen CLI and the npm packages (not Chromium).
    execFileSync("bash", ["scripts/setup.sh", "--no-browser"], { cwd: ROOT, stdio: quiet ? "pipe" : "inherit" });
    execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: ROOT, stdio: quiet ? "pipe" : "inherit" });
  } catch (err) {
    throw new Error("building the package failed (see the output above); `npm run build` shows the details", { cause: err });
  }
  return true;
}

export async function startDemo({ port = 0, host = "127.0.0.1", sandboxPort = 0, log = false, maxSessions, store } = {}) {
  ensureBuilt({ quiet: true });
  // Imported only now: the package must exist before the partner backend loads it.
  const [{ customSite }, { startPartner }] = await Promise.all([
    import("datadog-oauth-wasm"),
    import("../www/server.mjs"),
  ]);
  const sandbox = await startSandbox({ port: sandboxPort, host, log });
  let partner;
  try {
    const doc = await (await fetch(`${sandbox.url}/.well-known/datadog-sandbox.json`)).json();
    const sites = doc.sites.map(({ id, name, site, appOrigin, apiOrigin, logsOrigin, eventIntakeOrigin, otlpOrigin }) =>
      customSite({ id, name, site, appOrigin, apiOrigin, logsOrigin, eventIntakeOrigin, otlpOrigin }));
    const siteName = Object.fromEntries(doc.sites.map((s) => [s.id, s.name]));
    const tiles = doc.orgs.map((o) => ({ name: o.name, site: o.site, siteName: siteName[o.site], tileUrl: `${o.tileUrl}&client=${CLIENT_ID}` }));
    partner = await startPartner({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, sites, sandboxUrl: sandbox.url, tiles, port, host, maxSessions, store });
    // What a partner enters in Datadog's Developer Platform: redirect URI and onboarding URL.
    const res = await fetch(`${sandbox.url}/_sandbox/clients/${CLIENT_ID}`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Pipewave", redirectUris: [partner.redirectUri], onboardingUrl: partner.onboardingUrl }),
    });
    if (!res.ok) throw new Error(`registering the client with the sandbox failed: ${res.status} ${await res.text()}`);
  } catch (err) {
    if (partner) await partner.close();
    await sandbox.close();
    throw err;
  }
  return {
    url: partner.url,
    sandbox,
    partner,
    close: async () => {
      await partner.close();
      await sandbox.close();
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const fixedPort = process.env.PORT || process.env.DEMO_PORT;
  const options = { sandboxPort: Number(process.env.SANDBOX_PORT || 0), log: !!process.env.SANDBOX_LOG };
  const argv = process.argv.slice(2);
  const arg = (name) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
  let demo;
  try {
    if ((arg("--store") ?? "memory") === "postgres") {
      const url = arg("--database-url") ?? process.env.DATABASE_URL;
      if (!url) throw new Error("--store postgres needs --database-url postgresql://... (or DATABASE_URL)");
      ensureBuilt();
      const { postgresStore } = await import("datadog-oauth-wasm/postgres");
      let key = process.env.DD_STORE_KEY;
      if (!key) {
        key = (await import("node:crypto")).randomBytes(32).toString("base64");
        console.log("  DD_STORE_KEY is not set: using a key for this run only (rows stored now will not decrypt after a restart).");
      }
      options.store = postgresStore({ connectionString: url, encryptionKey: key });
      await options.store.migrate();
    } else if (arg("--store") !== undefined && arg("--store") !== "memory") {
      throw new Error("--store is memory (the default) or postgres");
    }
    ensureBuilt();
    try {
      demo = await startDemo({ ...options, port: Number(fixedPort || 3000) });
    } catch (err) {
      // 3000 is only a preference: take any free port unless one was asked for.
      if (!(err && err.code === "EADDRINUSE") || fixedPort) throw err;
      demo = await startDemo({ ...options, port: 0 });
    }
  } catch (err) {
    console.error(err && err.code === "EADDRINUSE" ? `Port ${fixedPort} is in use; pick another one: PORT=3001 npm run demo` : `demo: ${err.message}`);
    process.exit(1);
  }
  console.log(`\n  Pipewave × Datadog demo, against the local Datadog sandbox${options.store ? ", connections in PostgreSQL" : ""}\n\n  Open ${demo.url}\n\n  Ctrl-C to stop.\n`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await demo.close();
    if (options.store) await options.store.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
