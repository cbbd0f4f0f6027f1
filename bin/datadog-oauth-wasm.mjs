#!/usr/bin/env node
// The package's command: `datadog-oauth-wasm sandbox [...]` starts the local Datadog emulator, `datadog-oauth-wasm
// verify [...]` runs Datadog's pre-review checklist (bin/verify/). Both are thin layers over the sandbox and the client.

const [command, ...rest] = process.argv.slice(2);
const HELP = `usage: datadog-oauth-wasm <command>
  sandbox [--port N] [--redirect-uri URL] [--onboarding-url URL] [--scopes "a b"]   the local Datadog sandbox (loopback only)
  verify  [--sandbox [URL] | --connection conn.json] [--client-id ID --client-secret-env VAR] [--scopes "a b"] [--report DIR]
          Datadog's pre-review checklist; --help for every option`;

if (command === 'sandbox') {
  const { serve } = await import('../sandbox/cli.mjs');
  await serve(rest);
} else if (command === 'verify') {
  const { main } = await import('./verify/run.mjs');
  process.exitCode = await main(rest);
} else {
  (command === undefined || command === '--help' || command === '-h' ? console.log : console.error)(HELP);
  process.exitCode = command === undefined || command === '--help' || command === '-h' ? 0 : 2;
}
