//! encodeIncident through `api::call`: one request with the bearer token, or item 0 rejected with a typed error.
#![no_main]
#[path = "../common/mod.rs"]
mod common;
use common::{Gen, Limits, NOW_MS};
use libfuzzer_sys::fuzz_target;
use serde_json::json;

const KEYS: &[&str] = &["title", "customer_impacted", "customer_impact_scope", "fields", "notification_handles", "handle", "display_name", "type", "value", "data", "attributes", "relationships", "commander_user", "is_test", "incident_type_uuid", "initial_cells"];
const STRS: &[&str] = &["dropdown", "textbox", "multiselect", "textarray", "metrictag", "autocomplete", "SEV-1", "incidents"];

fuzz_target!(|data: &[u8]| {
    let mut g = Gen::new(data, KEYS, STRS);
    let title = g.string();
    let fields = g.value(1);
    let attrs = g.mutate(json!({"title": title, "customer_impacted": true, "customer_impact_scope": "EU", "fields": {"severity": {"type": "dropdown", "value": "SEV-2"}, "x": fields}, "notification_handles": [{"handle": "@a", "display_name": "A"}]}));
    let incident = match g.int(0, 3) {
        0 => json!({"data": {"type": "incidents", "attributes": attrs}}),
        1 => g.value(0),
        _ => attrs,
    };
    let args = json!({"connection": common::connection(), "now": NOW_MS, "incident": incident});
    let out = common::check_output(&datadog_oauth_wasm::api::call("encodeIncident", &args.to_string()));
    let limits = Limits { max_sent: usize::MAX, max_body: usize::MAX, max_items: 1 };
    common::check_encoded(&out, 1, &limits, "https://api.datadoghq.eu/api/v2/incidents", |_| None);
});
