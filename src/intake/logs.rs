//! `encodeLogs`: log entries to `POST <logsOrigin>/api/v2/logs`, with `ddsource` and `service` set by the
//! integration (partner-log rules: lowercase, not editable by end users), `ddtags` normalised to Datadog's
//! comma-separated string, and batches within the documented count and size limits.

use super::auth;
use super::batch::{pack_array, pack_each, Limits};
use super::validate::{self as v, object};
use super::{invalid, items, Compression, Encoded};
use crate::error::{Error, ErrorCode, Result};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Documented limits: 1000 entries and 5 MB (uncompressed) per request; a log over 1 MB would be truncated by
/// Datadog while still answering 2xx, so we refuse it instead of letting it be cut silently.
pub const MAX_ENTRIES: usize = 1000;
pub const MAX_BODY: usize = 5_242_880;
pub const MAX_LOG: usize = 1_048_576;
/// Datadog accepts log timestamps up to 18 hours in the past.
const MAX_AGE_MS: i64 = 18 * 3600 * 1000;

/// A lowercase integration name (`source`, `service`). Lowercase is a partner-log rule, and since these names
/// drive pipelines and dashboards a wrong case is refused, not fixed, so the partner notices.
fn lowercase_name<'a>(args: &'a Value, key: &str, required: bool) -> Result<Option<&'a str>> {
    match args.get(key) {
        None | Some(Value::Null) if !required => Ok(None),
        Some(Value::String(s)) if !s.trim().is_empty() => {
            if s.chars().any(char::is_uppercase) || s.trim() != s {
                Err(Error::invalid_input(key, format!("`{key}` {} must be lowercase, without surrounding spaces", crate::error::quote(s))))
            } else {
                Ok(Some(s))
            }
        }
        _ => Err(Error::invalid_input(key, format!("encodeLogs() needs `{key}`, the integration's lowercase name"))),
    }
}

struct Log<'a> {
    obj: &'a Map<String, Value>,
    ddtags: Option<Cow<'a, str>>,
    source: &'a str,
    service: &'a str,
}

impl Serialize for Log<'_> {
    fn serialize<S: Serializer>(&self, ser: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = ser.serialize_map(None)?;
        for (k, val) in self.obj {
            match k.as_str() {
                // Set by the integration below, whatever the item carried.
                "ddsource" | "service" => {}
                "ddtags" => {
                    if let Some(t) = &self.ddtags {
                        m.serialize_entry("ddtags", t.as_ref())?;
                    }
                }
                _ => m.serialize_entry(k, val)?,
            }
        }
        m.serialize_entry("ddsource", self.source)?;
        m.serialize_entry("service", self.service)?;
        m.end()
    }
}

fn parse<'a>(val: &'a Value, i: usize, now_ms: i64, source: &'a str, service: &'a str) -> Result<Log<'a>> {
    let field = format!("logs[{i}]");
    let obj = object(val, &field, "a log entry with `message`")?;
    v::req_str(obj, &field, "message")?;
    v::opt_str(obj, &field, "hostname")?;
    let ddtags = match obj.get("ddtags") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(Cow::Borrowed(s.as_str())),
        Some(t @ Value::Array(_)) => {
            let tags = v::strings(t, &format!("{field}.ddtags"))?;
            Some(Cow::Owned(tags.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(",")))
        }
        Some(_) => {
            return Err(invalid(
                format!("{field}.ddtags"),
                format!("{field}.ddtags must be a string \"k:v,k2:v2\" or an array of tags"),
                "Pass tags as \"env:prod,team:a\" or [\"env:prod\", \"team:a\"].",
            ))
        }
    };
    for key in ["timestamp", "date"] {
        // Only a number is unambiguous (milliseconds); date strings are left to Datadog's parser.
        if let Some(ts) = obj.get(key).and_then(v::as_int) {
            if ts < now_ms - MAX_AGE_MS {
                return Err(v::out_of_range(
                    &format!("{field}.{key}"),
                    format!("{field}.{key} is more than 18 h in the past (milliseconds since the epoch expected)"),
                    "Datadog accepts logs up to 18 hours old; older entries cannot be submitted.",
                ));
            }
        }
    }
    Ok(Log { obj, ddtags, source, service })
}

const LIMITS: Limits = Limits { max_body: MAX_BODY, max_entries: MAX_ENTRIES, max_item: MAX_LOG };

fn too_large(i: usize, size: usize) -> Error {
    Error::new(
        ErrorCode::ItemTooLarge,
        format!("logs[{i}] is {size} bytes of JSON; Datadog's limit is {MAX_LOG} bytes per log"),
        "Datadog would truncate it; split the message into several logs.",
    )
    .with_field(format!("logs[{i}]"))
}

/// The arguments every entry shares.
struct Setup<'a> {
    now_ms: i64,
    source: &'a str,
    service: &'a str,
    request: Box<dyn Fn(String) -> crate::http::HttpRequest + 'a>,
}

fn setup(args: &Value, shared: Option<super::Shared>) -> Result<Setup<'_>> {
    let c = super::common_read("encodeLogs", args, Compression::Gzip, shared)?;
    let key = auth::api_key(c.connection)?;
    let source = lowercase_name(args, "source", true)?.unwrap_or_default();
    let service = lowercase_name(args, "service", false)?.unwrap_or(source);
    let (url, compress) = (c.site.logs_url(), c.compress);
    Ok(Setup { now_ms: c.now_ms, source, service, request: Box::new(move |body| auth::api_key_request(url.clone(), &key, body, compress)) })
}

// Kept out of line: V8 compiles wasm functions on first call, so a first login need not compile the encoders.
#[inline(never)]
pub fn encode(args: &Value) -> Result<Encoded> {
    let set = setup(args, None)?;
    let logs = items("encodeLogs", args, "logs")?;
    Ok(pack_array(logs, LIMITS, |val, i| parse(val, i, set.now_ms, set.source, set.service), too_large, &set.request))
}

/// `encodeLogs` straight from the argument text: entries already in wire form (`log_wire`) are copied into the
/// body as written, with `ddsource` and `service` appended; the others are parsed and checked one by one. Same
/// checks, messages and output (up to key order) as `encode`. `None`: text for the general path (see
/// `raw::arguments`).
#[inline(never)]
pub fn encode_text(json: &str) -> Option<Result<Encoded>> {
    let (args, logs, shared) = super::raw::arguments(json, "logs", log_wire)?;
    let set = match setup(&args, shared) {
        Ok(s) => s,
        Err(e) => return Some(Err(e)),
    };
    // What every verbatim entry ends with instead of its `}`.
    let mut tail = String::from(",\"ddsource\":");
    crate::json::write_str(&mut tail, set.source);
    tail.push_str(",\"service\":");
    crate::json::write_str(&mut tail, set.service);
    tail.push('}');
    Some(Ok(pack_each(
        logs.len(),
        LIMITS,
        |i, packer| {
            let item = &logs[i];
            let text = &json[item.span.clone()];
            match item.wire {
                Some(oldest) if oldest.map_or(true, |ts| ts >= set.now_ms - MAX_AGE_MS) => Ok(packer.push(i, |b| {
                    b.extend_from_slice(&text.as_bytes()[..text.len() - 1]);
                    b.extend_from_slice(tail.as_bytes());
                })),
                _ => {
                    let val = super::raw::parse_item(text, &format!("logs[{i}]"))?;
                    let log = parse(&val, i, set.now_ms, set.source, set.service)?;
                    Ok(packer.push(i, |b| {
                        let _ = serde_json::to_writer(b, &log);
                    }))
                }
            }
        },
        too_large,
        &set.request,
    )))
}

/// A log entry that can go into the body as written, read at the scanner's position: its oldest numeric
/// `timestamp`/`date` (checked by the caller, which may not know `now` yet), if any. Wire form: a string
/// `message`, `hostname` a string or null, `ddtags` a string, no `ddsource` or `service` (the integration sets
/// them), numeric times written as integers, at most 32 fields, none repeated or escaped. Everything else is left
/// to `parse`, which has the error messages.
fn log_wire(s: &mut super::raw::Scan) -> Option<Option<i64>> {
    // A fixed array, not a Vec: this runs once per entry.
    let (mut keys, mut n) = ([""; 32], 0);
    let mut oldest: Option<i64> = None;
    let b = s.b;
    s.object_exact(|s, key| {
        if n == keys.len() || keys[..n].contains(&key) {
            return None;
        }
        keys[n] = key;
        n += 1;
        match key {
            "message" | "ddtags" => {
                s.string()?;
            }
            "hostname" if s.peek() == Some(b'"') => {
                s.string()?;
            }
            "hostname" => s.literal(b"null")?,
            "ddsource" | "service" => return None,
            "timestamp" | "date" if matches!(s.peek(), Some(b'-' | b'0'..=b'9')) => {
                let n = s.number()?;
                let text = std::str::from_utf8(&b[n.span.clone()]).ok().filter(|t| n.integer && t.len() <= 18)?;
                let ts: i64 = text.parse().ok()?;
                oldest = Some(oldest.map_or(ts, |o: i64| o.min(ts)));
            }
            _ => {
                s.value(2)?;
            }
        }
        Some(())
    })?;
    keys[..n].contains(&"message").then_some(oldest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_700_000_000_000;

    fn run(logs: Value, extra: Value) -> Result<Encoded> {
        let mut args = json!({ "connection": { "site": crate::site::resolve_site("eu").unwrap(), "apiKey": "k" }, "now": NOW, "source": "acme", "logs": logs });
        for (k, val) in extra.as_object().unwrap() {
            args[k] = val.clone();
        }
        encode(&args)
    }

    fn indices(out: &Encoded) -> Vec<usize> {
        let mut all: Vec<usize> = out.batches.iter().flat_map(|b| b.items.clone()).chain(out.rejected.iter().map(|r| r.index)).collect();
        all.sort();
        all
    }

    #[test]
    fn source_and_service_override_items() {
        let out = run(json!([{"message": "m", "ddsource": "user", "service": "user", "ddtags": ["a:b", "c:d"], "extra": {"k": 1}}]), json!({})).unwrap();
        let r = &out.batches[0].request;
        assert_eq!(r.url, "https://http-intake.logs.datadoghq.eu/api/v2/logs");
        let body: Value = serde_json::from_str(r.body.as_ref().unwrap()).unwrap();
        assert_eq!(body, json!([{"message": "m", "ddsource": "acme", "service": "acme", "ddtags": "a:b,c:d", "extra": {"k": 1}}]));
        let out = run(json!([{"message": "m"}]), json!({"service": "acme-sync"})).unwrap();
        let body: Value = serde_json::from_str(out.batches[0].request.body.as_ref().unwrap()).unwrap();
        assert_eq!(body[0]["service"], "acme-sync");
    }

    /// Entries in wire form are copied as written (the key order shows it) and the rest parsed; the answer is the
    /// one `encode` gives: same batches, items, rejections, and bodies equal as JSON.
    #[test]
    fn verbatim_entries_match_the_parsed_path() {
        let old = NOW - MAX_AGE_MS - 1;
        let many: String = (0..33).map(|k| format!(r#","k{k}":{k}"#)).collect();
        let entries = [
            r#"{"status":"info","message":"wire \"q\"\tx é","ddtags":"a:1,b:2","hostname":"h","nested":{"a":[1,2.5,null,true]}}"#.to_string(),
            r#"{"hostname":null,"message":"null host"}"#.to_string(),
            format!(r#"{{"message":"fresh","timestamp":{NOW},"date":"2020-01-01"}}"#),
            format!(r#"{{"message":"old","timestamp":{old}}}"#),
            format!(r#"{{"message":"old date","date":{old}}}"#),
            format!(r#"{{"message":"float time","timestamp":{NOW}.0}}"#),
            r#"{"message":"own source","ddsource":"them","service":"them"}"#.to_string(),
            r#"{"message":"tag list","ddtags":["a:1","b:2"]}"#.to_string(),
            r#"{"message":"null tags","ddtags":null}"#.to_string(),
            r#"{"message":"bad tags","ddtags":3}"#.to_string(),
            r#"{"message":5}"#.to_string(),
            r#"{"msg":"no message"}"#.to_string(),
            r#"{"message":"host","hostname":7}"#.to_string(),
            r#"{"message":"dup","message":"dup2"}"#.to_string(),
            r#"{"message":"spaced", "a":1}"#.to_string(),
            r#"{"message":"inner space","a":[1, 2]}"#.to_string(),
            r#"{"\u006dessage":"escaped key"}"#.to_string(),
            format!(r#"{{"message":"many"{many}}}"#),
            format!(r#"{{"message":"{}"}}"#, "x".repeat(MAX_LOG)),
            "7".to_string(),
            r#"{"message":"last"}"#.to_string(),
        ];
        let conn = json!({ "site": crate::site::resolve_site("ap1").unwrap(), "apiKey": "k".repeat(32) });
        let text = format!(r#"{{"connection":{conn},"now":{NOW},"source":"acme","service":"acme-sync","logs":[{}]}}"#, entries.join(","));
        let verbatim = encode_text(&text).expect("taken").unwrap();
        let body = verbatim.batches[0].request.body.clone().unwrap();
        assert!(body.starts_with(&format!("[{},\"ddsource\":\"acme\",\"service\":\"acme-sync\"}}", &entries[0][..entries[0].len() - 1])), "{body}");
        let by_value = encode(&serde_json::from_str(&text).unwrap()).unwrap();
        assert!(!by_value.rejected.is_empty());
        let parsed = |e: Encoded| {
            let mut v = e.into_value();
            for b in v["batches"].as_array_mut().unwrap() {
                b["request"]["body"] = serde_json::from_str(b["request"]["body"].as_str().unwrap()).unwrap();
            }
            v
        };
        assert_eq!(parsed(verbatim), parsed(by_value));
        assert!(encode_text(&text.replace(r#""source":"acme""#, r#""source":"acme","select":[0]"#)).is_none());
    }

    #[test]
    fn uppercase_names_are_invalid_input() {
        for extra in [json!({"source": "Acme"}), json!({"service": "Sync"}), json!({"source": ""}), json!({"source": null})] {
            let e = run(json!([]), extra.clone()).err().unwrap();
            assert_eq!(e.code, ErrorCode::InvalidInput, "{extra}");
        }
    }

    #[test]
    fn count_edges_1000_and_1001() {
        for (n, batches) in [(1000, 1), (1001, 2)] {
            let logs: Vec<Value> = (0..n).map(|i| json!({"message": format!("line {i}")})).collect();
            let out = run(Value::Array(logs), json!({})).unwrap();
            assert_eq!(out.batches.len(), batches);
            assert_eq!(out.batches[0].items.len(), 1000);
            assert_eq!(indices(&out), (0..n).collect::<Vec<_>>());
        }
    }

    #[test]
    fn five_megabyte_edge() {
        // Each log serialises to exactly 1 MB − 1 KB; five fit under 5 MB, the sixth opens a new batch.
        let overhead = serde_json::to_string(&json!({"message": "", "ddsource": "acme", "service": "acme"})).unwrap().len();
        let msg = "x".repeat(1_047_552 - overhead);
        let logs: Vec<Value> = (0..11).map(|_| json!({ "message": msg })).collect();
        let out = run(Value::Array(logs), json!({})).unwrap();
        assert!(out.rejected.is_empty());
        let sizes: Vec<usize> = out.batches.iter().map(|b| b.items.len()).collect();
        assert_eq!(sizes, vec![5, 5, 1]);
        for b in &out.batches {
            assert!(b.request.body.as_ref().unwrap().len() <= MAX_BODY);
        }
    }

    #[test]
    fn one_megabyte_log_edge() {
        let overhead = serde_json::to_string(&json!({"message": "", "ddsource": "acme", "service": "acme"})).unwrap().len();
        let exact = "x".repeat(MAX_LOG - overhead);
        let over = "x".repeat(MAX_LOG - overhead + 1);
        let out = run(json!([{ "message": exact }, { "message": over }, {"message": "ok"}]), json!({})).unwrap();
        assert_eq!(out.rejected.len(), 1);
        assert_eq!(out.rejected[0].index, 1);
        assert_eq!(out.rejected[0].error.code, ErrorCode::ItemTooLarge);
        assert_eq!(indices(&out), vec![0, 1, 2]);
    }

    #[test]
    fn eighteen_hour_edge() {
        let edge = NOW - MAX_AGE_MS;
        let out = run(json!([{"message": "a", "timestamp": edge}, {"message": "b", "timestamp": edge - 1}, {"message": "c", "date": edge - 1000}, {"message": "d", "date": "2020-01-01"}]), json!({})).unwrap();
        assert_eq!(out.batches[0].items, vec![0, 3]);
        assert_eq!(out.rejected[0].error.code, ErrorCode::TimestampOutOfRange);
        assert_eq!(out.rejected[0].error.field.as_deref(), Some("logs[1].timestamp"));
        assert_eq!(out.rejected[1].error.field.as_deref(), Some("logs[2].date"));
    }

    #[test]
    fn invalid_items_are_rejected_by_index() {
        let out = run(json!([{"msg": "x"}, {"message": 5}, {"message": "ok", "ddtags": 3}, 7, {"message": "fine"}]), json!({})).unwrap();
        assert_eq!(out.rejected.iter().map(|r| r.index).collect::<Vec<_>>(), vec![0, 1, 2, 3]);
        assert!(out.rejected.iter().all(|r| r.error.code == ErrorCode::InvalidPayload));
        assert_eq!(out.batches[0].items, vec![4]);
    }
}
