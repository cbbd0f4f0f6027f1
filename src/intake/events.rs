//! `encodeEvents`: one request per event, since both event APIs take a single event. v1 (`POST /api/v1/events`,
//! API key alone) is the default for OAuth partners; v2 (`POST <eventIntakeOrigin>/api/v2/events`) also needs an
//! application key, which the OAuth flow does not provide, so the caller must pass one.

use super::auth;
use super::batch::{Limits, Packer, Push};
use super::validate::{self as v, object};
use super::{common, invalid, items, Batch, Compression, Encoded};
use crate::error::{Error, ErrorCode, Result};
use serde_json::{json, Map, Value};

/// Timestamps: not older than 18 h (both versions), and at most 10 minutes ahead (our clock-skew allowance,
/// the same as metrics; Datadog documents no future bound for events).
const PAST_S: i64 = 18 * 3600;
const FUTURE_S: i64 = 600;
/// Our own cap per event body: an event is text of ≤ 4000 characters plus tags, so anything near this size is
/// a mistake (a dump in `custom`, thousands of tags) rather than an event.
pub const MAX_BODY: usize = 512_000;

const V1_KEYS: &[&str] =
    &["title", "text", "alert_type", "priority", "tags", "aggregation_key", "source_type_name", "date_happened", "host", "device_name", "related_event_id"];
const V1_ALERT_TYPES: &[&str] = &["error", "warning", "info", "success", "user_update", "recommendation", "snapshot"];
const V2_KEYS: &[&str] = &["title", "category", "attributes", "message", "tags", "host", "timestamp", "aggregation_key", "integration_id"];

fn opt_one_of(o: &Map<String, Value>, field: &str, key: &str, allowed: &[&str]) -> Result<()> {
    if let Some(s) = v::opt_str(o, field, key)? {
        v::one_of(s, allowed, &format!("{field}.{key}"))?;
    }
    Ok(())
}

fn opt_max(o: &Map<String, Value>, field: &str, key: &str, max: usize) -> Result<()> {
    if let Some(s) = v::opt_str(o, field, key)? {
        v::max_chars(s, max, &format!("{field}.{key}"))?;
    }
    Ok(())
}

fn window_hint() -> &'static str {
    "Datadog accepts events up to 18 hours old (and we allow 10 minutes ahead for clock skew)."
}

fn check_v1(val: &Value, i: usize, now_ms: i64) -> Result<&Map<String, Value>> {
    let field = format!("events[{i}]");
    let o = object(val, &field, "a v1 event with title and text")?;
    v::only_keys(o, &field, V1_KEYS)?;
    v::non_empty(v::req_str(o, &field, "title")?, &format!("{field}.title"))?;
    v::max_chars(v::req_str(o, &field, "text")?, 4000, &format!("{field}.text"))?;
    opt_one_of(o, &field, "alert_type", V1_ALERT_TYPES)?;
    opt_one_of(o, &field, "priority", &["normal", "low"])?;
    v::opt_strings(o, &field, "tags")?;
    opt_max(o, &field, "aggregation_key", 100)?;
    for key in ["source_type_name", "host", "device_name"] {
        v::opt_str(o, &field, key)?;
    }
    v::opt_int(o, &field, "related_event_id")?;
    if let Some(ts) = o.get("date_happened").filter(|t| !t.is_null()) {
        v::timestamp_secs(ts, &format!("{field}.date_happened"), now_ms, PAST_S, FUTURE_S, window_hint())?;
    }
    Ok(o)
}

/// A v2 event may be given as the whole `{data: {type: "event", attributes}}` document or as the attributes.
fn v2_attributes<'a>(val: &'a Value, field: &str) -> Result<(&'a Map<String, Value>, String)> {
    let o = object(val, field, "a v2 event")?;
    let Some(data) = o.get("data") else { return Ok((o, field.to_string())) };
    let df = format!("{field}.data");
    let d = object(data, &df, "{type: \"event\", attributes}")?;
    v::only_keys(d, &df, &["type", "attributes"])?;
    if let Some(t) = d.get("type") {
        v::one_of(v::string(t, &format!("{df}.type"))?, &["event"], &format!("{df}.type"))?;
    }
    let af = format!("{df}.attributes");
    Ok((object(v::required(d, &df, "attributes")?, &af, "the event attributes")?, af))
}

fn depth(v: &Value) -> usize {
    match v {
        Value::Object(o) => 1 + o.values().map(depth).max().unwrap_or(0),
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

fn check_v2(val: &Value, i: usize, now_ms: i64) -> Result<&Map<String, Value>> {
    let (a, field) = v2_attributes(val, &format!("events[{i}]"))?;
    let field = field.as_str();
    v::only_keys(a, field, V2_KEYS)?;
    let title = v::req_str(a, field, "title")?;
    v::non_empty(title, &format!("{field}.title"))?;
    v::max_chars(title, 500, &format!("{field}.title"))?;
    let category = v::one_of(v::req_str(a, field, "category")?, &["change", "alert"], &format!("{field}.category"))?;
    opt_max(a, field, "message", 4000)?;
    // Datadog's v2 model: `message` at least one character, `tags` (when present) at least one item.
    if v::opt_str(a, field, "message")? == Some("") {
        return Err(invalid(
            format!("{field}.message"),
            format!("{field}.message is empty; v2 events need at least one character"),
            "Leave `message` out, or give it text.",
        ));
    }
    opt_max(a, field, "host", 255)?;
    opt_max(a, field, "aggregation_key", 100)?;
    v::opt_str(a, field, "integration_id")?;
    if let Some(tags) = v::opt_strings(a, field, "tags")? {
        if tags.is_empty() {
            return Err(invalid(
                format!("{field}.tags"),
                format!("{field}.tags is an empty list; v2 events need at least one tag when `tags` is given"),
                "Leave `tags` out, or give at least one tag.",
            ));
        }
        if tags.len() > 100 {
            return Err(invalid(format!("{field}.tags"), format!("{field}.tags has {} tags; v2 events take at most 100", tags.len()), "Send fewer tags."));
        }
    }
    if let Some(ts) = v::opt_str(a, field, "timestamp")? {
        let tf = format!("{field}.timestamp");
        let ms = v::parse_rfc3339_ms(ts)
            .ok_or_else(|| invalid(&tf, format!("{tf} must be an ISO 8601 date-time such as 2024-01-02T03:04:05Z"), "Use new Date().toISOString()."))?;
        if !v::within_secs(ms.div_euclid(1000), now_ms, PAST_S, FUTURE_S) {
            return Err(v::out_of_range(&tf, format!("{tf} is outside the accepted window (18 h ago to 10 min ahead)"), window_hint()));
        }
    }
    let af = format!("{field}.attributes");
    let inner = object(v::required(a, field, "attributes")?, &af, "the category's attributes")?;
    match category {
        "alert" => {
            v::one_of(v::req_str(inner, &af, "status")?, &["warn", "error", "ok"], &format!("{af}.status"))?;
            opt_one_of(inner, &af, "priority", &["1", "2", "3", "4", "5"])?;
            if let Some(links) = inner.get("links").filter(|l| !l.is_null()) {
                let n = links
                    .as_array()
                    .map(Vec::len)
                    .ok_or_else(|| invalid(format!("{af}.links"), format!("{af}.links must be an array"), "Pass [{url, title}]."))?;
                if n > 20 {
                    return Err(invalid(format!("{af}.links"), format!("{af}.links has {n} links; at most 20"), "Send fewer links."));
                }
            }
            if let Some(custom) = inner.get("custom").filter(|c| !c.is_null()) {
                let cf = format!("{af}.custom");
                let c = object(custom, &cf, "custom properties")?;
                if c.len() > 100 || depth(custom) > 10 {
                    return Err(invalid(&cf, format!("{cf} must have at most 100 properties, nested at most 10 deep"), "Trim the custom properties."));
                }
            }
        }
        _ => {
            let rf = format!("{af}.changed_resource");
            let r = object(v::required(inner, &af, "changed_resource")?, &rf, "{name, type}")?;
            v::max_chars(v::req_str(r, &rf, "name")?, 128, &format!("{rf}.name"))?;
            v::one_of(v::req_str(r, &rf, "type")?, &["feature_flag", "configuration"], &format!("{rf}.type"))?;
            if let Some(imp) = inner.get("impacted_resources").filter(|x| !x.is_null()) {
                let imf = format!("{af}.impacted_resources");
                let arr = imp.as_array().ok_or_else(|| invalid(&imf, format!("{imf} must be an array"), "Pass [{name, type: \"service\"}]."))?;
                if arr.len() > 100 {
                    return Err(invalid(&imf, format!("{imf} has {} entries; at most 100", arr.len()), "Send fewer impacted resources."));
                }
                for (j, r) in arr.iter().enumerate() {
                    let f = format!("{imf}[{j}]");
                    let ro = object(r, &f, "{name, type}")?;
                    v::req_str(ro, &f, "name")?;
                    v::one_of(v::req_str(ro, &f, "type")?, &["service"], &format!("{f}.type"))?;
                }
            }
        }
    }
    Ok(a)
}

// Kept out of line: V8 compiles wasm functions on first call, so a first login need not compile the encoders.
#[inline(never)]
pub fn encode(args: &Value) -> Result<Encoded> {
    const OP: &str = "encodeEvents";
    // Neither event API documents Content-Encoding, and one event is a few KB: send plain unless asked.
    let c = common(OP, args, Compression::None)?;
    let key = auth::api_key(c.connection)?;
    let v2 = match args.get("version") {
        None | Some(Value::Null) => false,
        Some(x) => match v::as_int(x) {
            Some(1) => false,
            Some(2) => true,
            _ => return Err(Error::invalid_input("version", "`version` must be 1 or 2")),
        },
    };
    let app_key = if v2 { Some(auth::application_key(args)?) } else { None };
    let events = items(OP, args, "events")?;
    let mut packer = Packer::new("", "", Limits { max_body: MAX_BODY, max_entries: 1, max_item: MAX_BODY });
    let mut out = Encoded::default();
    for (i, val) in events.iter().enumerate() {
        let checked = if v2 { check_v2(val, i, c.now_ms) } else { check_v1(val, i, c.now_ms) };
        let attrs = match checked {
            Ok(a) => a,
            Err(e) => {
                out.reject(i, e);
                continue;
            }
        };
        let pushed = packer.push(i, |b| {
            let _ = if v2 { serde_json::to_writer(b, &json!({"data": {"type": "event", "attributes": attrs}})) } else { serde_json::to_writer(b, attrs) };
        });
        if let Push::TooLarge(size) = pushed {
            out.reject(
                i,
                Error::new(
                    ErrorCode::ItemTooLarge,
                    format!("events[{i}] is {size} bytes of JSON, over our {MAX_BODY}-byte cap per event"),
                    "An event is a short notice; link to details instead of embedding them.",
                )
                .with_field(format!("events[{i}]")),
            );
        }
    }
    let url = if v2 { c.site.events_v2_url() } else { c.site.events_v1_url() };
    for p in packer.finish() {
        let mut request = auth::api_key_request(url.clone(), &key, p.body, c.compress);
        if let Some(k) = &app_key {
            request = request.header("dd-application-key", k.expose());
        }
        out.batches.push(Batch { request, items: p.items, parts: p.parts });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_700_000_000_000;
    const T: i64 = 1_700_000_000;

    fn run(events: Value, extra: Value) -> Result<Encoded> {
        let mut args = json!({ "connection": { "site": crate::site::resolve_site("ap1").unwrap(), "apiKey": "k" }, "now": NOW, "events": events });
        for (k, val) in extra.as_object().unwrap() {
            args[k] = val.clone();
        }
        encode(&args)
    }

    #[test]
    fn v1_one_request_per_event() {
        let out = run(json!([{"title": "a", "text": "x"}, {"title": "b", "text": "y", "alert_type": "error", "tags": ["t:1"]}]), json!({})).unwrap();
        assert_eq!(out.batches.len(), 2);
        let r = &out.batches[1].request;
        assert_eq!(r.url, "https://api.ap1.datadoghq.com/api/v1/events");
        assert!(r.compress.is_none() && !r.headers.contains_key("content-encoding"));
        assert_eq!(
            serde_json::from_str::<Value>(r.body.as_ref().unwrap()).unwrap(),
            json!({"title": "b", "text": "y", "alert_type": "error", "tags": ["t:1"]})
        );
        assert_eq!(out.batches[1].items, vec![1]);
    }

    #[test]
    fn v1_limits_and_windows() {
        let ok_text = "x".repeat(4000);
        let long_text = "x".repeat(4001);
        let out = run(
            json!([
                {"title": "a", "text": ok_text},
                {"title": "a", "text": long_text},
                {"title": "a", "text": "x", "aggregation_key": "k".repeat(101)},
                {"title": "a", "text": "x", "priority": "high"},
                {"title": "a", "text": "x", "date_happened": T - 18 * 3600},
                {"title": "a", "text": "x", "date_happened": T - 18 * 3600 - 1},
                {"title": "a", "text": "x", "date_happened": T + 601},
                {"text": "x"}
            ]),
            json!({}),
        )
        .unwrap();
        let ok: Vec<usize> = out.batches.iter().flat_map(|b| b.items.clone()).collect();
        assert_eq!(ok, vec![0, 4]);
        let codes: Vec<(usize, &str)> = out.rejected.iter().map(|r| (r.index, r.error.code.as_str())).collect();
        assert_eq!(
            codes,
            vec![
                (1, "invalid_payload"),
                (2, "invalid_payload"),
                (3, "invalid_payload"),
                (5, "timestamp_out_of_range"),
                (6, "timestamp_out_of_range"),
                (7, "invalid_payload")
            ]
        );
    }

    #[test]
    fn v2_needs_application_key_and_wraps_attributes() {
        let ev = json!({"title": "Deploy", "category": "change", "attributes": {"changed_resource": {"name": "flag", "type": "feature_flag"}}});
        let e = run(json!([ev]), json!({"version": 2})).err().unwrap();
        assert_eq!(e.code, ErrorCode::InvalidInput);
        assert!(e.hint.contains("application key"));
        let out = run(json!([ev, {"data": {"type": "event", "attributes": ev}}]), json!({"version": 2, "applicationKey": "appkey123"})).unwrap();
        assert!(out.rejected.is_empty(), "{:?}", out.rejected);
        let r = &out.batches[0].request;
        assert_eq!(r.url, "https://event-management-intake.ap1.datadoghq.com/api/v2/events");
        assert_eq!(r.headers["dd-application-key"], "appkey123");
        assert_eq!(serde_json::from_str::<Value>(r.body.as_ref().unwrap()).unwrap(), json!({"data": {"type": "event", "attributes": ev}}));
        assert_eq!(out.batches[1].request.body, r.body);
    }

    #[test]
    fn v2_validation() {
        let alert = |attrs: Value| json!({"title": "t", "category": "alert", "attributes": attrs});
        let out = run(
            json!([
                alert(json!({"status": "warn"})),
                alert(json!({"status": "critical"})),
                alert(json!({})),
                {"title": "x".repeat(501), "category": "alert", "attributes": {"status": "ok"}},
                {"title": "t", "category": "other", "attributes": {}},
                {"title": "t", "category": "change", "attributes": {"changed_resource": {"name": "n".repeat(129), "type": "configuration"}}},
                {"title": "t", "category": "alert", "attributes": {"status": "ok"}, "timestamp": "2023-11-14T04:13:20Z"},
                {"title": "t", "category": "alert", "attributes": {"status": "ok"}, "timestamp": "2023-11-14T04:13:19Z"},
                {"title": "t", "category": "alert", "attributes": {"status": "ok"}, "tags": vec!["a"; 101]}
            ]),
            json!({"version": 2, "applicationKey": "a"}),
        )
        .unwrap();
        let ok: Vec<usize> = out.batches.iter().flat_map(|b| b.items.clone()).collect();
        assert_eq!(ok, vec![0, 6]);
        let fields: Vec<String> = out.rejected.iter().map(|r| r.error.field.clone().unwrap()).collect();
        assert_eq!(
            fields,
            vec![
                "events[1].attributes.status",
                "events[2].attributes.status",
                "events[3].title",
                "events[4].category",
                "events[5].attributes.changed_resource.name",
                "events[7].timestamp",
                "events[8].tags"
            ]
        );
    }

    #[test]
    fn application_key_never_in_errors() {
        let secret = "0123456789abcdef0123456789abcdef01234567";
        let out = run(json!([{"title": "t"}]), json!({"version": 2, "applicationKey": secret})).unwrap();
        let dump = format!("{:?}", out.rejected) + &serde_json::to_string(&out.rejected).unwrap();
        assert!(!dump.contains(secret));
        let e = run(json!([]), json!({"version": 2, "applicationKey": 42})).err().unwrap();
        assert!(!format!("{e:?}").contains("42"));
    }
}
