// One cold start, in a fresh process: `node cold-child.mjs <candidate> [<our entry URL>]`. No static imports, so
// nothing but the candidate is loaded between the first timestamp and the last. Prints one JSON line.
const [candidate, entry] = process.argv.slice(2);
const t0 = performance.now();
let tImport = t0;
const imported = (m) => {
  tImport = performance.now();
  return m;
};
switch (candidate) {
  case "empty":
    break;
  case "ours-full": {
    const m = imported(await import(entry));
    await m.ready;
    m.createPkce();
    new m.DatadogClient({ clientId: "c", clientSecret: "s", redirectUri: "https://partner.example/cb" });
    break;
  }
  case "ours-auth": {
    const m = imported(await import(entry));
    await m.ready;
    m.createPkce();
    break;
  }
  case "oauth4webapi": {
    const m = imported(await import("oauth4webapi"));
    await m.calculatePKCECodeChallenge(m.generateRandomCodeVerifier());
    break;
  }
  case "datadog": {
    const { client, v2 } = imported(await import("@datadog/datadog-api-client"));
    new v2.MetricsApi(client.createConfiguration({ authMethods: { apiKeyAuth: "k" } }));
    break;
  }
  case "datadog-deep": {
    const dir = "@datadog/datadog-api-client/dist/packages";
    const { createConfiguration } = await import(`${dir}/datadog-api-client-common/configuration.js`);
    const { MetricsApi } = imported(await import(`${dir}/datadog-api-client-v2/apis/MetricsApi.js`));
    new MetricsApi(createConfiguration({ authMethods: { apiKeyAuth: "k" } }));
    break;
  }
  default:
    throw new Error(`unknown candidate ${candidate}`);
}
const t1 = performance.now();
const m = process.memoryUsage();
console.log(JSON.stringify({ importMs: t1 - t0, importOnlyMs: tImport - t0, sinceStartMs: t1, rss: m.rss, heapUsed: m.heapUsed, external: m.external }));
