//! encodeServiceChecks through `api::call`: every index once, at most 1000 checks and 512000 bytes per body.
#![no_main]
#[path = "../common/mod.rs"]
mod common;
use common::{Gen, Limits, NOW_MS, NOW_S};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

const KEYS: &[&str] = &["check", "host_name", "status", "tags", "message", "timestamp"];
const STRS: &[&str] = &["app.ok", "web-1", "env:prod"];

fn check(g: &mut Gen) -> Value {
    let (name, host, message) = (g.string(), g.string(), g.string());
    let status = g.int(-1, 4);
    let ts = NOW_S + g.int(-700, 700);
    let tags: Vec<Value> = (0..g.usize(0, 3)).map(|_| Value::String(g.string())).collect();
    g.mutate(json!({"check": name, "host_name": host, "status": status, "tags": tags, "message": message, "timestamp": ts}))
}

fuzz_target!(|data: &[u8]| {
    let mut g = Gen::new(data, KEYS, STRS);
    let items = g.items(check);
    let mut args = json!({"connection": common::connection(), "now": NOW_MS, "checks": items});
    if let Some(c) = g.compress() {
        args["compress"] = c;
    }
    let out = common::check_output(&datadog_oauth_wasm::api::call("encodeServiceChecks", &args.to_string()));
    let limits = Limits { max_sent: 512_000, max_body: 512_000, max_items: 1000 };
    common::check_encoded(&out, items.len(), &limits, "https://api.datadoghq.eu/api/v1/check_run", |_| None);
});
