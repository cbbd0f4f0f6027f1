//! The JSON surface: any operation name from the list (and unknown ones) with any JSON text. The answer is
//! always JSON with exactly `ok` or `error` (a typed error), and `api::dispatch` can read it back.
#![no_main]
#[path = "../common/mod.rs"]
mod common;
use datadog_oauth_wasm::api;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

/// The operations of the core's table (`listOps`), and two it does not have.
fn ops() -> &'static [String] {
    static OPS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    OPS.get_or_init(|| {
        let listed: Value = serde_json::from_str(&api::call("listOps", "{}")).expect("listOps answers JSON");
        let mut ops: Vec<String> = listed["ok"].as_array().expect("a list").iter().map(|o| o.as_str().expect("a name").to_string()).collect();
        ops.extend([String::new(), "nope".to_string()]);
        ops
    })
}

const KEYS: &[&str] = &[
    "site", "sites", "id", "name", "appOrigin", "apiOrigin", "logsOrigin", "custom", "vanity", "length", "verifier", "text", "clientId", "redirectUri",
    "scopes", "orgId", "now", "verifierLength", "url", "pending", "state", "codeVerifier", "createdAt", "maxAgeMs", "connection", "accessToken",
    "refreshToken", "expiresAt", "domain", "response", "status", "headers", "body", "networkError", "previous", "clientSecret", "code", "token",
    "method", "path", "query", "attempt", "replay", "random", "message", "kind", "series", "logs", "events", "checks", "incident", "traces", "select", "op", "items", "index", "start", "end",
];
const STRS: &[&str] = &["eu1", "datadoghq.eu", "https://app.datadoghq.eu", "acme.datadoghq.com", "https://partner.example/cb", "http://127.0.0.1:9001", "retry", "never", "create_once", "GET", "POST", "/api/v1/validate", "metrics", "logs", "S256", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"];

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else { return };
    let ops = ops();
    let op = ops[(sel as usize & 0x7f) % ops.len()].as_str();
    let text = if sel & 0x80 == 0 {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        let mut g = common::Gen::new(rest, KEYS, STRS);
        let mut args = match g.value(0) {
            Value::Object(m) => Value::Object(m),
            _ => json!({}),
        };
        if g.chance(1, 2) {
            args["connection"] = common::connection();
        }
        if g.chance(1, 2) {
            args["now"] = json!(common::NOW_MS);
        }
        args.to_string()
    };
    let out = api::call(op, &text);
    common::check_output(&out);
    // The Rust-side twin goes through the same path and must not panic either.
    if let Ok(v) = serde_json::from_str::<Value>(&text) {
        let _ = api::dispatch(op, v);
    }
});
