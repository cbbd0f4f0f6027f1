//! encodeLogs through `api::call`: every index once, at most 1000 logs and 5 MB per body, 1 MB per log.
#![no_main]
#[path = "../common/mod.rs"]
mod common;
use common::{Gen, Limits, NOW_MS};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

const KEYS: &[&str] = &["message", "ddtags", "hostname", "service", "ddsource", "timestamp", "date", "status", "attributes"];
const STRS: &[&str] = &["hello", "env:prod,team:a", "acme", "Acme", " acme", "web-1"];

fn log(g: &mut Gen) -> Value {
    let message = g.string();
    let tags = if g.chance(1, 2) { Value::String(g.string()) } else { json!([g.string(), g.string()]) };
    let ts = NOW_MS + g.int(-70_000_000, 1000);
    let extra = g.value(1);
    g.mutate(json!({"message": message, "ddtags": tags, "hostname": "h", "timestamp": ts, "service": "user-set", "ddsource": "user-set", "x": extra}))
}

fuzz_target!(|data: &[u8]| {
    let mut g = Gen::new(data, KEYS, STRS);
    let items = g.items(log);
    let mut args = json!({"connection": common::connection(), "now": NOW_MS, "logs": items});
    match g.int(0, 3) {
        0 => args["source"] = json!("acme"),
        1 => {
            args["source"] = json!("acme");
            args["service"] = Value::String(g.string());
        }
        2 => args["source"] = Value::String(g.string()),
        _ => {}
    }
    if let Some(c) = g.compress() {
        args["compress"] = c;
    }
    let text = args.to_string();
    let out = common::check_output(&datadog_oauth_wasm::api::call("encodeLogs", &text));
    common::check_readers_agree("encodeLogs", &text);
    let limits = Limits { max_sent: usize::MAX, max_body: 5_242_880, max_items: 1000 };
    common::check_encoded(&out, items.len(), &limits, "https://http-intake.logs.datadoghq.eu/api/v2/logs", |_| None);
    if let Some(ok) = out.get("ok") {
        for b in ok["batches"].as_array().unwrap() {
            let body: Vec<Value> = serde_json::from_str(b["request"]["body"].as_str().unwrap()).unwrap();
            assert_eq!(body.len(), b["items"].as_array().unwrap().len());
            for entry in &body {
                assert!(entry.to_string().len() <= 1_048_576, "a log over 1 MB");
                assert_eq!(entry["ddsource"], args["source"], "ddsource is the integration's");
            }
        }
    }
});
