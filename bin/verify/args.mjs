// The command line of `datadog-oauth-wasm verify`: options, defaults (the sandbox's client and the URLs the sandbox
// command registers by default) and the usage text. A bad option is a UsageError (exit code 2), never a finding.

export const DEFAULT_REDIRECT_URI = 'http://localhost:3000/oauth/callback';
export const DEFAULT_ONBOARDING_URL = 'http://localhost:3000/oauth/onboarding';
const SANDBOX_CLIENT_ID = 'sandbox-client-id';
const SANDBOX_SECRET = 'sandbox-client-secret';
const DEFAULT_SCOPES = 'api_keys_write metrics_read events_read incident_read incident_write monitors_read';

export const USAGE = `usage: verify --client-id ID --client-secret-env VAR --scopes "api_keys_write metrics_read ..."
              [--sandbox [URL] | --connection conn.json] [--report DIR]
  --sandbox          (default) start a local sandbox with your client registered and check all nine sites
  --sandbox URL      use a running sandbox (\`datadog-oauth-wasm sandbox\`) as it is configured
  --connection FILE  a connection stored by the library: checks the API key, cross-region and data flow on its
                     real org, read-only unless --allow-writes
  --sites FILE       the custom sites list (JSON array of customSite() specs) you pass to the library
  --site-ids "a b"   only these sites (sandbox)
  --redirect-uri URL, --onboarding-url URL   your registered URLs (default ${DEFAULT_REDIRECT_URI}, ${DEFAULT_ONBOARDING_URL})
  --report DIR       where report.md, report.json and report.html go (default ./datadog-verify-report)
Exit code 0 only when every step passes.`;

export class UsageError extends Error {}

export function parseArgs(argv, env = process.env) {
  const o = { sandbox: true, sandboxUrl: null, connection: null, sites: null, siteIds: null, report: 'datadog-verify-report', allowWrites: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const is = (name) => a === name || a.startsWith(`${name}=`);
    const value = () => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (is('--client-id')) o.clientId = value();
    else if (is('--client-secret-env')) o.secretEnv = value();
    else if (is('--scopes')) o.scopes = value();
    else if (a === '--sandbox') {
      o.sandbox = true;
      if (argv[i + 1] && /^https?:\/\//.test(argv[i + 1])) o.sandboxUrl = argv[++i];
    } else if (a.startsWith('--sandbox=')) o.sandboxUrl = a.slice(10);
    else if (is('--connection')) { o.connection = value(); o.sandbox = false; }
    else if (is('--sites')) o.sites = value();
    else if (is('--site-ids')) o.siteIds = value().split(/[\s,]+/).filter(Boolean);
    else if (is('--redirect-uri')) o.redirectUri = value();
    else if (is('--onboarding-url')) o.onboardingUrl = value();
    else if (is('--report')) o.report = value();
    else if (a === '--allow-writes') o.allowWrites = true;
    else if (a === '--help' || a === '-h') o.help = true;
    else throw new UsageError(`unknown argument ${a}`);
  }
  if (o.connection && o.sandboxUrl) throw new UsageError('--connection and --sandbox are two different modes; pick one');
  if (!o.sandbox && !o.clientId) throw new UsageError('--client-id is required with --connection');
  o.clientId ??= SANDBOX_CLIENT_ID;
  if (o.secretEnv) {
    o.clientSecret = env[o.secretEnv];
    if (!o.clientSecret) throw new UsageError(`the environment variable ${o.secretEnv} (--client-secret-env) is empty`);
  } else if (o.sandbox) {
    o.clientSecret = SANDBOX_SECRET;
  }
  o.redirectUri ??= DEFAULT_REDIRECT_URI;
  o.onboardingUrl ??= DEFAULT_ONBOARDING_URL;
  o.scopeList = (o.scopes ?? (o.sandbox ? DEFAULT_SCOPES : '')).split(/[\s,]+/).filter(Boolean);
  return o;
}

