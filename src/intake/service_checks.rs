//! `encodeServiceChecks`: check runs to `POST /api/v1/check_run` as a JSON array, validated (status 0–3, message
//! ≤ 500 characters, timestamp within 10 minutes), with `tags` defaulted to `[]` since the API requires it.
//! Datadog documents no count or size limit here, so batches follow our own conservative one.

use super::auth;
use super::batch::{pack_array, Limits};
use super::validate::{self as v, object};
use super::{common, invalid, items, Compression, Encoded};
use crate::error::{Error, ErrorCode, Result};
use serde::Serialize;
use serde_json::Value;

/// Our limits, not Datadog's: 1000 checks and 512000 bytes uncompressed per request, the same order as the
/// documented metric limits on the same host, so a 413 is never expected; the host still splits on one.
pub const MAX_ENTRIES: usize = 1000;
pub const MAX_BODY: usize = 512_000;
/// Checks "can be submitted up to 10 minutes in the past"; 10 minutes ahead is our clock-skew allowance.
const PAST_S: i64 = 600;
const FUTURE_S: i64 = 600;
const MAX_MESSAGE: usize = 500;

#[derive(Serialize)]
struct Check<'a> {
    check: &'a str,
    host_name: &'a str,
    status: i64,
    tags: &'a [Value],
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timestamp: Option<i64>,
}

fn parse(val: &Value, i: usize, now_ms: i64) -> Result<Check<'_>> {
    let field = format!("checks[{i}]");
    let o = object(val, &field, "a check run {check, host_name, status}")?;
    v::only_keys(o, &field, &["check", "host_name", "status", "tags", "message", "timestamp"])?;
    let check = v::req_str(o, &field, "check")?;
    v::non_empty(check, &format!("{field}.check"))?;
    let host_name = v::req_str(o, &field, "host_name")?;
    let sf = format!("{field}.status");
    let status = v::int(v::required(o, &field, "status")?, &sf)?;
    if !(0..=3).contains(&status) {
        return Err(invalid(&sf, format!("{sf} must be 0 (OK), 1 (WARNING), 2 (CRITICAL) or 3 (UNKNOWN)"), "Use 0–3."));
    }
    let tags = v::opt_strings(o, &field, "tags")?.unwrap_or(&[]);
    let message = v::opt_str(o, &field, "message")?;
    if let Some(m) = message {
        // Datadog would show only the first 500 characters; refuse rather than let the rest vanish unnoticed.
        v::max_chars(m, MAX_MESSAGE, &format!("{field}.message"))?;
    }
    let timestamp = match o.get("timestamp").filter(|t| !t.is_null()) {
        None => None,
        Some(t) => Some(v::timestamp_secs(
            t,
            &format!("{field}.timestamp"),
            now_ms,
            PAST_S,
            FUTURE_S,
            "Datadog accepts service checks up to 10 minutes old; leave `timestamp` out to mean now.",
        )?),
    };
    Ok(Check { check, host_name, status, tags, message, timestamp })
}

// Kept out of line: V8 compiles wasm functions on first call, so a first login need not compile the encoders.
#[inline(never)]
pub fn encode(args: &Value) -> Result<Encoded> {
    const OP: &str = "encodeServiceChecks";
    // Uncompressed unless asked (policy 13): Datadog's API definition of /api/v1/check_run declares no
    // Content-Encoding. deflate (zlib) is what the Datadog Agent itself sends there, for who opts in.
    let c = common(OP, args, Compression::None)?;
    let key = auth::api_key(c.connection)?;
    let checks = items(OP, args, "checks")?;
    let url = c.site.service_checks_url();
    Ok(pack_array(
        checks,
        Limits { max_body: MAX_BODY, max_entries: MAX_ENTRIES, max_item: usize::MAX },
        |val, i| parse(val, i, c.now_ms),
        |i, size| {
            Error::new(ErrorCode::ItemTooLarge, format!("checks[{i}] is {size} bytes of JSON, over the {MAX_BODY}-byte cap per request"), "Send fewer tags.")
                .with_field(format!("checks[{i}]"))
        },
        |body| auth::api_key_request(url.clone(), &key, body, c.compress),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_700_000_000_000;
    const T: i64 = 1_700_000_000;

    fn run(checks: Value) -> Encoded {
        encode(&json!({ "connection": { "site": crate::site::resolve_site("us5").unwrap(), "apiKey": "k" }, "now": NOW, "checks": checks })).unwrap()
    }

    #[test]
    fn shape_and_defaults() {
        let out = run(json!([{"check": "acme.up", "host_name": "h", "status": 0}]));
        let r = &out.batches[0].request;
        assert_eq!(r.url, "https://api.us5.datadoghq.com/api/v1/check_run");
        assert!(!r.headers.contains_key("content-encoding"), "policy 13: uncompressed by default");
        assert_eq!(r.compress, None);
        let opted = encode(&json!({ "connection": { "site": crate::site::resolve_site("us5").unwrap(), "apiKey": "k" }, "now": NOW, "compress": "deflate", "checks": [{"check": "c", "host_name": "h", "status": 0}] })).unwrap();
        assert_eq!(opted.batches[0].request.headers["content-encoding"], "deflate");
        assert_eq!(serde_json::from_str::<Value>(r.body.as_ref().unwrap()).unwrap(), json!([{"check": "acme.up", "host_name": "h", "status": 0, "tags": []}]));
    }

    #[test]
    fn edges() {
        let out = run(json!([
            {"check": "c", "host_name": "h", "status": 3, "message": "m".repeat(500), "timestamp": T - 600},
            {"check": "c", "host_name": "h", "status": 4},
            {"check": "c", "host_name": "h", "status": 1, "message": "m".repeat(501)},
            {"check": "c", "host_name": "h", "status": 1, "timestamp": T - 601},
            {"check": "c", "host_name": "h", "status": 1, "timestamp": T + 600},
            {"check": "c", "host_name": "h", "status": 1, "timestamp": T + 601},
            {"check": "c", "status": 1}
        ]));
        assert_eq!(out.batches[0].items, vec![0, 4]);
        let got: Vec<(usize, &str)> = out.rejected.iter().map(|r| (r.index, r.error.code.as_str())).collect();
        assert_eq!(
            got,
            vec![(1, "invalid_payload"), (2, "invalid_payload"), (3, "timestamp_out_of_range"), (5, "timestamp_out_of_range"), (6, "invalid_payload")]
        );
    }

    #[test]
    fn count_and_size_caps() {
        for (n, batches) in [(1000usize, 1usize), (1001, 2)] {
            let checks: Vec<Value> = (0..n).map(|i| json!({"check": "c", "host_name": format!("h{i}"), "status": 0})).collect();
            let out = run(Value::Array(checks));
            assert_eq!(out.batches.len(), batches);
        }
        let checks: Vec<Value> = (0..1000).map(|_| json!({"check": "c", "host_name": "h", "status": 0, "tags": vec!["t".repeat(100); 10]})).collect();
        let out = run(Value::Array(checks));
        assert!(out.batches.len() > 1);
        assert!(out.batches.iter().all(|b| b.request.body.as_ref().unwrap().len() <= MAX_BODY));
        assert_eq!(out.batches.iter().map(|b| b.items.len()).sum::<usize>(), 1000);
    }
}
