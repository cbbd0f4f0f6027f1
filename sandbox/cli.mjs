#!/usr/bin/env node
// Command-line launcher for the Datadog sandbox (also `npx datadog-oauth-wasm sandbox`):
// `[--port N] [--host H] [--redirect-uri URL] [--onboarding-url URL] [--scopes "a b"] [--log]`.
// Registers the partner's URLs on the sandbox's OAuth client, prints everything a partner needs
// (sites, client ID and secret, what is registered, the `sites` JSON), then runs until SIGINT/SIGTERM.

import { pathToFileURL } from 'node:url';
import { realpathSync } from 'node:fs';
import { startSandbox } from './index.mjs';
import { DEFAULT_SCOPES } from './state.mjs';

export const DEFAULT_REDIRECT_URI = 'http://localhost:3000/oauth/callback';
export const DEFAULT_ONBOARDING_URL = 'http://localhost:3000/oauth/onboarding';

const USAGE = `usage: sandbox [--port N] [--host 127.0.0.1] [--redirect-uri URL] [--onboarding-url URL] [--scopes "a b"] [--log]
  --redirect-uri URL    registered on the client (repeatable; default ${DEFAULT_REDIRECT_URI})
  --onboarding-url URL  the tile's Connect Accounts target (default ${DEFAULT_ONBOARDING_URL}; "none" for no tile link)
  --scopes "a b"        the client's scopes (default "${DEFAULT_SCOPES.join(' ')}")
  env: SANDBOX_PORT, SANDBOX_HOST. A dev tool, loopback only.`;

export function parseArgs(argv) {
  const opts = {
    port: Number(process.env.SANDBOX_PORT || 0), host: process.env.SANDBOX_HOST || '127.0.0.1', log: false,
    redirectUris: [], onboardingUrl: DEFAULT_ONBOARDING_URL, scopes: DEFAULT_SCOPES, help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const is = (name) => a === name || a.startsWith(`${name}=`);
    if (is('--port')) opts.port = Number(value());
    else if (is('--host')) opts.host = value();
    else if (is('--redirect-uri')) opts.redirectUris.push(value());
    else if (is('--onboarding-url')) opts.onboardingUrl = value();
    else if (is('--scopes')) opts.scopes = value().split(/[\s,]+/).filter(Boolean);
    else if (a === '--log') opts.log = true;
    else if (a === '--help' || a === '-h') opts.help = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) throw new Error('--port must be 0..65535');
  if (opts.redirectUris.length === 0) opts.redirectUris = [DEFAULT_REDIRECT_URI];
  if (opts.onboardingUrl === 'none') opts.onboardingUrl = null;
  for (const u of [...opts.redirectUris, opts.onboardingUrl].filter(Boolean)) {
    try {
      new URL(u);
    } catch {
      throw new Error(`not an absolute URL: ${u}`);
    }
  }
  return opts;
}

/** What to pass to the library: `sites.map(customSite)` (the well-known document's `sites`, same fields). */
export function sitesJson(sandbox) {
  return sandbox.sites.map(({ id, name, site, appOrigin, apiOrigin, logsOrigin, eventIntakeOrigin, otlpOrigin }) => ({ id, name, site, appOrigin, apiOrigin, logsOrigin, eventIntakeOrigin, otlpOrigin }));
}

export async function main(argv, { out = console.log, err = console.error } = {}) {
  let opts;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    err(`sandbox: ${e.message}\n${USAGE}`);
    return { code: 2 };
  }
  if (opts.help) {
    out(USAGE);
    return { code: 0 };
  }
  const config = { clients: [{ redirectUris: opts.redirectUris, onboardingUrl: opts.onboardingUrl, scopes: opts.scopes }] };
  const sandbox = await startSandbox({ port: opts.port, host: opts.host, log: opts.log, config });
  const client = sandbox.config.clients[0];
  out(`Datadog sandbox: ${sandbox.url}`);
  out('  A dev tool, loopback only: it answers requests to localhost, 127.0.0.1 and [::1] and shows its secrets to anyone there.');
  out(`  client ID      ${client.clientId}`);
  out(`  client secret  ${client.clientSecret}`);
  out(`  registered     redirect URI   ${client.redirectUris.join(', ')}`);
  out(`                 onboarding URL ${client.onboardingUrl ?? '(none: the tile has no Connect Accounts link)'}`);
  out(`                 scopes         ${client.scopes.join(' ')}`);
  out('  sites (id, site, then each origin):');
  for (const s of sandbox.sites) {
    out(`  ${s.id.padEnd(8)} ${s.site.padEnd(18)} app ${s.appOrigin}  api ${s.apiOrigin}  logs ${s.logsOrigin}  events ${s.eventIntakeOrigin}  otlp ${s.otlpOrigin}`);
  }
  out(`  tiles    ${sandbox.url}/   well-known ${sandbox.url}/.well-known/datadog-sandbox.json`);
  out('  sites JSON for the library (sites.map(customSite); also the well-known document\'s "sites"):');
  out(`  ${JSON.stringify(sitesJson(sandbox))}`);
  // Last line on purpose: scripts wait for it to know that everything above is printed.
  out(`  agent    ${sandbox.agentOrigin}`);
  return { code: null, sandbox };
}

const invoked = process.argv[1] && (() => {
  try {
    return import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
})();
/** The command itself (this file, `npm run sandbox`, the package's bin): start, then stop cleanly on SIGINT/SIGTERM. */
export async function serve(argv) {
  const { code, sandbox } = await main(argv);
  if (code !== null) process.exit(code);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await sandbox.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (invoked) await serve(process.argv.slice(2));
