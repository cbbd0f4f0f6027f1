// Cross-region evidence: every request of a verify run (the library's and verify's own) is recorded as
// method, origin, path and status (never headers, bodies or query strings: they carry secrets), under the site
// being checked; `check` says which went to another site's host, an unknown host, or an app host for an API call.

const KINDS = [['appOrigin', 'app'], ['apiOrigin', 'api'], ['logsOrigin', 'logs'], ['eventIntakeOrigin', 'events'], ['otlpOrigin', 'otlp']];
// Only the browser-facing pages live on the app host; every API call goes to the API or intake hosts.
const APP_PATHS = ['/oauth2/v1/authorize', '/account/integrations/tile'];

export class Recorder {
  constructor() {
    this.requests = [];
    this.hosts = new Map(); // origin -> { site, kind }
    this.site = null;
    this.stepName = null;
    this.fetch = async (url, init = {}) => {
      const u = new URL(String(url));
      const rec = { site: this.site, step: this.stepName, method: (init.method ?? 'GET').toUpperCase(), origin: u.origin, path: u.pathname, status: null };
      this.requests.push(rec);
      try {
        const res = await fetch(url, init);
        rec.status = res.status;
        return res;
      } catch (e) {
        rec.status = 'network error';
        throw e;
      }
    };
  }

  /** The true hosts of each site (the sandbox's well-known document, or the library's table for a real org). */
  knowSites(sites) {
    for (const s of sites) for (const [field, kind] of KINDS) if (s[field]) this.hosts.set(new URL(s[field]).origin, { site: s.id, kind });
  }

  begin(siteId) {
    this.site = siteId;
    this.stepName = null;
  }

  step(name) {
    this.stepName = name;
  }

  check(siteId) {
    const requests = this.requests.filter((r) => r.site === siteId).map(({ step, method, origin, path, status }) => {
      const host = this.hosts.get(origin);
      return { step, method, origin, path, status, hostOf: host ? `${host.site} ${host.kind}` : 'unknown' };
    });
    const problems = [];
    for (const r of requests) {
      const host = this.hosts.get(r.origin);
      const where = `${r.method} ${r.path} went to ${r.origin}`;
      if (!host) problems.push(`${where}, a host of no known site`);
      else if (host.site !== siteId) problems.push(`${where}, ${host.site}'s ${host.kind} host`);
      else if (host.kind === 'app' && !APP_PATHS.includes(r.path)) problems.push(`${where}, the app (web) host, for an API call`);
      else if (host.kind !== 'app' && APP_PATHS.includes(r.path)) problems.push(`${where}, an API host, for a page of the web app`);
    }
    return { requests, problems };
  }
}
