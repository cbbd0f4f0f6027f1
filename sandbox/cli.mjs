#!/usr/bin/env node
// Command-line launcher for the Datadog sandbox: `node sandbox/cli.mjs [--port N] [--host H] [--log]`.
// Prints the control URL and every site's origins, then runs until SIGINT/SIGTERM.

import { startSandbox } from './index.mjs';

function parseArgs(argv) {
  const opts = { port: Number(process.env.SANDBOX_PORT || 0), host: process.env.SANDBOX_HOST || '127.0.0.1', log: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--port' || a.startsWith('--port=')) opts.port = Number(value());
    else if (a === '--host' || a.startsWith('--host=')) opts.host = value();
    else if (a === '--log') opts.log = true;
    else if (a === '--help' || a === '-h') {
      console.log('usage: node sandbox/cli.mjs [--port N] [--host 127.0.0.1] [--log]\n  env: SANDBOX_PORT, SANDBOX_HOST');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) throw new Error('--port must be 0..65535');
  return opts;
}

let opts;
try {
  opts = parseArgs(process.argv.slice(2));
} catch (err) {
  console.error(`sandbox: ${err.message}`);
  process.exit(2);
}

const sandbox = await startSandbox(opts);
console.log(`Datadog sandbox: ${sandbox.url}`);
for (const s of sandbox.sites) {
  console.log(`  ${s.id.padEnd(8)} ${s.site.padEnd(18)} app ${s.appOrigin}  api ${s.apiOrigin}  logs ${s.logsOrigin}  events ${s.eventIntakeOrigin}  otlp ${s.otlpOrigin}`);
}
console.log(`  agent    ${sandbox.agentOrigin}`);
console.log(`  tiles    ${sandbox.url}/   well-known ${sandbox.url}/.well-known/datadog-sandbox.json`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await sandbox.close();
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
