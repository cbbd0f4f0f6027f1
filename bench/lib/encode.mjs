// Shared by the metric and log tables: ours vs bare JSON.stringify vs the Datadog API client's own request body
// serialisation, without and with gzip, plus where our time goes across the wasm boundary.
import { gzipSync } from "node:zlib";
import pako from "pako";
import { compare, fmtBytes, fmtRatio, fmtTime, gc, ratios, result, summary, timingHeaders, timingRows, QUICK } from "./harness.mjs";
import { rawCore } from "./boundary.mjs";

/** JSON value with object keys sorted, to compare bodies that differ only in key order. */
function canonical(v) {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === "object") return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
  return v;
}
const sameJson = (a, b) => JSON.stringify(canonical(JSON.parse(a))) === JSON.stringify(canonical(JSON.parse(b)));

/**
 * @param o.ours () => array of request bodies (strings), through the public encoder
 * @param o.oursArgs the argument object our encoder sends to the core (for the breakdown)
 * @param o.op the core operation name
 * @param o.list the argument that holds the items (what js/core.js writes in slices)
 * @param o.bare () => the body by JSON.stringify
 * @param o.datadog async () => the body by @datadog/datadog-api-client's request factory
 */
export async function encodingTable(o) {
  // Ours gives each body as the bytes the host sends (`bodyBytes`); the checks below read them as text.
  const text = (b) => (typeof b === "string" ? b : new TextDecoder().decode(b));
  const bodies = { ours: o.ours().map(text), bare: o.bare(), datadog: await o.datadog() };
  // Our core batches to Datadog's size limits; the bodies' items together must be the baselines' items.
  const oursJoined = o.join(bodies.ours);
  const equal = { bare: sameJson(oursJoined, bodies.bare), datadog: sameJson(oursJoined, bodies.datadog) };
  const oursBytes = bodies.ours.reduce((n, b) => n + b.length, 0);
  const oursGzBytes = bodies.ours.reduce((n, b) => n + gzipSync(b).length, 0);
  const gz = (s) => gzipSync(s);

  const plain = [
    { name: "ours", label: `datadog-oauth-wasm \`${o.op}\` (boundary included)`, fn: () => o.ours() },
    { name: "bare", label: "bare `JSON.stringify`", fn: o.bare },
    { name: "datadog", label: `@datadog/datadog-api-client \`${o.ddMethod}\` body`, async: true, fn: o.datadog },
  ];
  const gzipped = [
    { name: "ours+gz", label: `ours + node:zlib gzip (what our Node host sends)`, fn: () => o.ours().map(gz) },
    { name: "bare+gz", label: "`JSON.stringify` + node:zlib gzip", fn: () => gz(o.bare()) },
    { name: "datadog+gz", label: "Datadog client body + pako gzip (what its HTTP layer sends)", async: true, fn: async () => pako.gzip(await o.datadog()) },
    { name: "datadog+zlib", label: "Datadog client body + node:zlib gzip", async: true, fn: async () => gz(await o.datadog()) },
  ];
  const opts = { rounds: QUICK ? 5 : 9, sampleMs: QUICK ? 40 : 100, warmupMs: QUICK ? 100 : 300, gcBetween: true };
  // The parts of our call (a private instance of the same core, see boundary.mjs) run in the same rounds as the
  // main candidates, so their times add up against ours in the table above.
  const core = await rawCore();
  const parts = [];
  let answer = 0;
  if (core) {
    const argsJson = core.text(o.oursArgs(), o.list);
    answer = core.call(o.op, argsJson);
    parts.push(
      { name: "part:args", label: "1. arguments → JSON text (`JSON.stringify` in JS, the item list in slices)", fn: () => core.text(o.oursArgs(), o.list) },
      // The text of step 1 is made once and written here each time: V8 flattens each string on its first write, so
      // that cost is in ours but in neither step.
      { name: "part:wasm", label: "2. wasm call: UTF-8 encode and copy in, scan, validate, encode (the answer stays in wasm memory)", fn: () => core.call(o.op, argsJson) },
      // The answer is a JSON head, then each request body after a NUL (see js/core.js): the head decoded and parsed,
      // each body copied out as bytes (what the host hands to gzip and fetch). Reads the answer step 2 left in memory.
      { name: "part:parse", label: "3. the answer's head decoded and `JSON.parse`d, each body copied out as bytes", fn: () => core.read(answer) },
    );
  }
  const s1 = await compare([...plain, ...parts], opts);
  const s2 = await compare(gzipped, opts);
  const r1 = ratios(s1, "ours");
  const r2 = ratios(s2, "ours+gz");

  const extra = [];
  if (core) {
    const all = summary(s1.get("ours")).median;
    extra.push({
      caption: `Where our time goes (measured in the same rounds as the first three rows; the core's answer is ${fmtBytes(core.answerBytes(answer))}, of which ${fmtBytes(oursBytes)} is body; wasm linear memory after the run: ${fmtBytes(core.memoryBytes())})`,
      headers: ["step", "median", "share of ours"],
      rows: [
        ...parts.map((p) => {
          const m = summary(s1.get(p.name)).median;
          return [p.label, fmtTime(m), `${((m / all) * 100).toFixed(0)}%`];
        }),
        [`datadog-oauth-wasm \`${o.op}\` (the public function: the three steps)`, fmtTime(all), "100%"],
      ],
    });
  }

  const bareRatio = r1.get("bare").median; // bare time ÷ ours time
  const ddRatio = r1.get("datadog").median;
  return {
    rows: [
      ...timingRows(plain, s1, "ours"),
      ...timingRows(gzipped, s2, "ours+gz"),
    ],
    extra,
    ratios: { oursOverBare: 1 / bareRatio, ddOverOurs: ddRatio, ddGzOverOursGz: r2.get("datadog+gz").median },
    notes: [
      `Body sizes: ours ${fmtBytes(oursBytes)} in ${bodies.ours.length} request${bodies.ours.length === 1 ? "" : "s"} (${fmtBytes(oursGzBytes)} gzipped), JSON.stringify ${fmtBytes(bodies.bare.length)}, Datadog client ${fmtBytes(bodies.datadog.length)}. ` +
        `Same JSON as ours (key order aside): JSON.stringify ${equal.bare ? "yes" : "NO"}, Datadog client ${equal.datadog ? "yes" : "NO"}.`,
      "Rows 1–3 and rows 4–7 are two interleaved groups; the last column of rows 4–7 is relative to ours + gzip.",
      "Ours ends at each body's UTF-8 bytes (`request.bodyBytes`, what the host gzips and sends; reading `request.body` would decode them to a string), `JSON.stringify` at a string that gzip and fetch still have to encode.",
    ],
  };
}

export { fmtRatio, gc, result, timingHeaders };
