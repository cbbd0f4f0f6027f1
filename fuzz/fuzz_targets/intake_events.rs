//! encodeEvents (v1 and v2) through `api::call`: every index once, one event per request, ≤ 512000 bytes.
#![no_main]
#[path = "../common/mod.rs"]
mod common;
use common::{Gen, Limits, NOW_MS, NOW_S};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

const KEYS: &[&str] = &["title", "text", "alert_type", "priority", "tags", "aggregation_key", "source_type_name", "date_happened", "host", "device_name", "related_event_id", "category", "attributes", "message", "timestamp", "integration_id", "status", "links", "custom", "changed_resource", "impacted_resources", "author", "name", "type"];
const STRS: &[&str] = &["deploy", "error", "warning", "info", "success", "normal", "low", "alert", "change", "warn", "ok", "1", "5", "6", "feature_flag", "service", "custom-events"];

fn v1(g: &mut Gen) -> Value {
    let (title, text) = (g.string(), g.string());
    let date = NOW_S + g.int(-70_000, 700);
    g.mutate(json!({"title": title, "text": text, "alert_type": "info", "priority": "normal", "tags": ["a:b"], "aggregation_key": "k", "date_happened": date, "host": "h"}))
}

fn v2(g: &mut Gen) -> Value {
    let title = g.string();
    let attrs = if g.chance(1, 2) {
        let a = json!({"status": "ok", "priority": "1", "links": [], "custom": {"a": 1}});
        g.mutate(a)
    } else {
        let a = json!({"changed_resource": {"name": "flag", "type": "feature_flag"}, "impacted_resources": [{"name": "svc", "type": "service"}]});
        g.mutate(a)
    };
    let category = if g.chance(1, 2) { "alert" } else { "change" };
    g.mutate(json!({"title": title, "category": category, "attributes": attrs, "message": "m", "tags": ["a:b"], "timestamp": "2023-11-14T22:13:20Z", "host": "h"}))
}

fuzz_target!(|data: &[u8]| {
    let mut g = Gen::new(data, KEYS, STRS);
    let version2 = g.chance(1, 2);
    let items = if version2 { g.items(v2) } else { g.items(v1) };
    let mut args = json!({"connection": common::connection(), "now": NOW_MS, "events": items, "version": if version2 { 2 } else { 1 }});
    if version2 && g.chance(3, 4) {
        args["applicationKey"] = json!("fuzz-app-key-0123456789");
    }
    if let Some(c) = g.compress() {
        args["compress"] = c;
    }
    let out = common::check_output(&datadog_oauth_wasm::api::call("encodeEvents", &args.to_string()));
    let limits = Limits { max_sent: 512_000, max_body: 512_000, max_items: 1 };
    let url = if version2 { "https://event-management-intake.datadoghq.eu/api/v2/events" } else { "https://api.datadoghq.eu/api/v1/events" };
    common::check_encoded(&out, items.len(), &limits, url, |_| None);
});
