//! encodeTraces (OTLP and Agent) through `api::call`: every index once (split traces: pieces that partition
//! the spans), at most 1000 traces per body, 3.2 MB (OTLP) or 5 MiB (Agent) per body.
#![no_main]
#[path = "../common/mod.rs"]
mod common;
use common::{Gen, Limits, NOW_MS};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

const OP: &str = "encodeTraces";

const KEYS: &[&str] = &["trace_id", "span_id", "parent_id", "name", "resource", "service", "type", "start", "duration", "error", "meta", "metrics"];
const STRS: &[&str] = &["web.request", "GET /", "svc", "web", "db", "1700000000000000000", "18446744073709551615"];

fn span(g: &mut Gen, k: usize) -> Value {
    let service = if g.chance(1, 3) { format!("svc{}", g.int(0, 5)) } else { "svc".into() };
    let start = if g.chance(3, 4) { json!("1700000000000000000") } else { g.number() };
    let resource = g.string();
    g.mutate(json!({"trace_id": 42, "span_id": k + 1, "parent_id": k, "name": "n", "resource": resource, "service": service, "type": "web", "start": start, "duration": 1000, "error": 0, "meta": {"env": "prod"}, "metrics": {"m": 1.5}}))
}

fn trace(g: &mut Gen) -> Value {
    if g.chance(1, 10) {
        return g.value(1);
    }
    let n = if g.chance(1, 30) { g.pick(&[12_000usize, 30_000]) } else { g.usize(0, 5) };
    if n > 100 {
        // Many spans: one repeated with distinct ids, and sometimes a service each (that was quadratic).
        let s = span(g, 0);
        let distinct = g.chance(1, 2);
        return Value::Array(
            (0..n)
                .map(|k| {
                    let mut x = s.clone();
                    if x.is_object() {
                        x["span_id"] = json!(k + 1);
                        if distinct {
                            x["service"] = json!(format!("s{k}"));
                        }
                    }
                    x
                })
                .collect(),
        );
    }
    Value::Array((0..n).map(|k| span(g, k)).collect())
}

fuzz_target!(|data: &[u8]| {
    let mut g = Gen::new(data, KEYS, STRS);
    let items = g.items(trace);
    let agent = g.chance(1, 3);
    let mut args = json!({"connection": common::connection(), "now": NOW_MS, "traces": items});
    if agent {
        args["format"] = json!("agent");
        args["agentUrl"] = if g.chance(4, 5) { json!("http://localhost:8126") } else { Value::String(g.string()) };
    }
    if let Some(c) = g.compress() {
        args["compress"] = c;
    }
    if g.chance(1, 6) {
        let sel = common::select(&mut g, items.len());
        args["select"] = sel.clone();
        let out = common::check_output(&datadog_oauth_wasm::api::call(OP, &args.to_string()));
        common::check_selected(&out, &sel);
        return;
    }
    let out = common::check_output(&datadog_oauth_wasm::api::call("encodeTraces", &args.to_string()));
    let limits = if agent { Limits { max_sent: usize::MAX, max_body: 5_242_880, max_items: 1000 } } else { Limits { max_sent: usize::MAX, max_body: 3_200_000, max_items: 1000 } };
    let url = if agent { "http" } else { "https://otlp.datadoghq.eu/v1/traces" };
    common::check_encoded(&out, items.len(), &limits, url, |i| items[i].as_array().map(Vec::len));
});
