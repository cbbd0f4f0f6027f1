//! The intake vectors (metrics, logs, events, service checks, incidents, traces), run through the same JSON
//! surface the JS API uses. Runs natively (`cargo test`) and as wasm in Node and headless Chromium
//! (`wasm-bindgen-test`), which is why the vectors are compiled in with `include_str!`.
//!
//! Vector format: a file has `op`, `now`, a default `connection` (its `site` given as a site id, resolved here
//! into the descriptor a JS caller would hold) and `cases`. A case gives `args` (merged over the defaults) and
//! either `error` (`{code, field?, hint?}`) or `expect`: `batches` (each `{method, url, headers, compress,
//! replay, body, items, parts}`, all exact; `body` compared as parsed JSON), `batchItems` (the `items` of each
//! batch), `batchSizes` (how many items each batch holds), `bodyBytes` (each body's exact length), `maxBodyBytes`, and `rejected` (`[{index, code, field}]`).
//! Large inputs are written with two macros: `{"$repeat": n, "item": x}` inside an array (with `{i}` in strings
//! replaced by the copy's index) and `{"$str": "ab", "len": n}` for a string of n characters.
//! Every case also checks that each input index is accounted for exactly once and that no secret of the
//! connection appears in any error.

use datadog_oauth_wasm::api::dispatch;
use serde_json::{json, Map, Value};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn load(text: &str) -> Value {
    serde_json::from_str(text).expect("vector file is JSON")
}

fn substitute(v: &Value, i: usize) -> Value {
    match v {
        Value::String(s) if s.contains("{i}") => Value::String(s.replace("{i}", &i.to_string())),
        Value::Array(a) => Value::Array(a.iter().map(|x| substitute(x, i)).collect()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, x)| (k.clone(), substitute(x, i))).collect()),
        other => other.clone(),
    }
}

/// Expand the `$repeat` and `$str` macros.
fn expand(v: &Value) -> Value {
    match v {
        Value::Object(o) if o.contains_key("$str") => {
            let pattern: Vec<char> = o["$str"].as_str().unwrap().chars().collect();
            let len = o["len"].as_u64().unwrap() as usize;
            Value::String((0..len).map(|k| pattern[k % pattern.len()]).collect())
        }
        Value::Object(o) => Value::Object(o.iter().map(|(k, x)| (k.clone(), expand(x))).collect()),
        Value::Array(a) => {
            let mut out = Vec::new();
            for x in a {
                match x.as_object().filter(|o| o.contains_key("$repeat")) {
                    Some(r) => {
                        let item = expand(&r["item"]);
                        for i in 0..r["$repeat"].as_u64().unwrap() as usize {
                            out.push(substitute(&item, i));
                        }
                    }
                    None => out.push(expand(x)),
                }
            }
            Value::Array(out)
        }
        other => other.clone(),
    }
}

fn site(id: &Value) -> Value {
    dispatch("resolveSite", json!({ "site": id })).unwrap_or_else(|e| panic!("site {id}: {e}"))
}

/// The case's arguments: file defaults, then the case's own, with site ids resolved to descriptors.
fn arguments(file: &Value, case: &Value) -> Value {
    let mut args = Map::new();
    args.insert("now".into(), file["now"].clone());
    args.insert("connection".into(), file["connection"].clone());
    for (k, v) in expand(&case["args"]).as_object().unwrap() {
        args.insert(k.clone(), v.clone());
    }
    if let Some(Value::Object(c)) = args.get_mut("connection") {
        if let Some(s) = c.get("site").filter(|s| s.is_string()).cloned() {
            c.insert("site".into(), site(&s));
        }
    }
    Value::Object(args)
}

fn item_key(op: &str) -> Option<&'static str> {
    match op {
        "encodeMetrics" => Some("series"),
        "encodeLogs" => Some("logs"),
        "encodeEvents" => Some("events"),
        "encodeServiceChecks" => Some("checks"),
        "encodeTraces" => Some("traces"),
        _ => None,
    }
}

/// Each input index once, in a batch or rejected; a split item in several batches whose parts partition it.
fn check_accounting(op: &str, args: &Value, out: &Value, name: &str) {
    let inputs: Vec<Value> = match item_key(op) {
        Some(k) => args[k].as_array().cloned().unwrap_or_default(),
        None => vec![args["incident"].clone()],
    };
    let mut whole = vec![0usize; inputs.len()];
    let mut pieces: Vec<Vec<(u64, u64)>> = vec![Vec::new(); inputs.len()];
    for b in out["batches"].as_array().unwrap() {
        let parts = b["parts"].as_array().cloned().unwrap_or_default();
        for i in b["items"].as_array().unwrap() {
            let i = i.as_u64().unwrap() as usize;
            match parts.iter().find(|p| p["index"] == i) {
                Some(p) => pieces[i].push((p["start"].as_u64().unwrap(), p["end"].as_u64().unwrap())),
                None => whole[i] += 1,
            }
        }
    }
    for r in out["rejected"].as_array().unwrap() {
        whole[r["index"].as_u64().unwrap() as usize] += 1;
    }
    for (i, input) in inputs.iter().enumerate() {
        if pieces[i].is_empty() {
            assert_eq!(whole[i], 1, "{name}: index {i} appears {} times", whole[i]);
            continue;
        }
        assert_eq!(whole[i], 0, "{name}: split index {i} also appears whole");
        let len = match op {
            "encodeMetrics" => input["points"].as_array().unwrap().len(),
            _ => input.as_array().unwrap().len(),
        } as u64;
        let mut at = 0;
        for (start, end) in &pieces[i] {
            assert_eq!(*start, at, "{name}: pieces of {i} are not consecutive");
            at = *end;
        }
        assert_eq!(at, len, "{name}: pieces of {i} do not cover it");
    }
}

/// Secrets in the arguments must not appear in any error (they do appear in request headers, by design).
fn check_no_secret(args: &Value, errors: &str, name: &str) {
    let secrets = [&args["connection"]["apiKey"], &args["connection"]["accessToken"], &args["applicationKey"]];
    for s in secrets.iter().filter_map(|s| s.as_str()).filter(|s| s.len() >= 8) {
        assert!(!errors.contains(s), "{name}: a secret appears in an error: {errors}");
    }
}

fn check_batch(got: &Value, want: &Value, name: &str, b: usize) {
    let req = &got["request"];
    for key in ["method", "url", "headers", "replay"] {
        if let Some(w) = want.get(key) {
            assert_eq!(&req[key], w, "{name}: batch {b} {key}");
        }
    }
    if let Some(w) = want.get("compress") {
        assert_eq!(&req["compress"], w, "{name}: batch {b} compress");
    }
    if let Some(w) = want.get("body") {
        let body: Value = serde_json::from_str(req["body"].as_str().unwrap()).expect("body is JSON");
        assert_eq!(&body, w, "{name}: batch {b} body");
    }
    for key in ["items", "parts"] {
        if let Some(w) = want.get(key) {
            assert_eq!(&got[key], w, "{name}: batch {b} {key}");
        }
    }
}

fn run_file(text: &str) -> usize {
    let file = load(text);
    let cases = file["cases"].as_array().unwrap();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let op = case.get("op").or_else(|| file.get("op")).and_then(Value::as_str).unwrap();
        let args = arguments(&file, case);
        let result = dispatch(op, args.clone());
        if let Some(want) = case.get("error") {
            let e = match result {
                Ok(v) => panic!("{name}: should fail but gave {v}"),
                Err(e) => e,
            };
            assert_eq!(e.code.as_str(), want["code"], "{name}: {e}");
            if let Some(f) = want.get("field") {
                assert_eq!(e.field.as_deref(), f.as_str(), "{name}");
            }
            if let Some(h) = want.get("hint").and_then(Value::as_str) {
                assert!(e.hint.contains(h), "{name}: hint {:?}", e.hint);
            }
            check_no_secret(&args, &format!("{e:?} {}", serde_json::to_string(&e).unwrap()), name);
            continue;
        }
        let out = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        let want = &case["expect"];
        let batches = out["batches"].as_array().unwrap();
        if let Some(w) = want.get("batches").and_then(Value::as_array) {
            assert_eq!(batches.len(), w.len(), "{name}: batch count");
            for (b, (got, wb)) in batches.iter().zip(w).enumerate() {
                check_batch(got, wb, name, b);
            }
        }
        if let Some(w) = want.get("batchItems") {
            let got: Vec<Value> = batches.iter().map(|b| b["items"].clone()).collect();
            assert_eq!(&Value::Array(got), w, "{name}: batch items");
        }
        if let Some(w) = want.get("batchSizes") {
            let got: Vec<usize> = batches.iter().map(|b| b["items"].as_array().unwrap().len()).collect();
            assert_eq!(&json!(got), w, "{name}: items per batch");
        }
        let sizes: Vec<u64> = batches.iter().map(|b| b["request"]["body"].as_str().map_or(0, str::len) as u64).collect();
        if let Some(w) = want.get("bodyBytes") {
            assert_eq!(&json!(sizes), w, "{name}: body sizes");
        }
        if let Some(max) = want.get("maxBodyBytes").and_then(Value::as_u64) {
            assert!(sizes.iter().all(|s| *s <= max), "{name}: a body is over {max} bytes: {sizes:?}");
        }
        let rejected: Vec<Value> = out["rejected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| json!({"index": r["index"], "code": r["error"]["code"], "field": r["error"]["field"]}))
            .collect();
        assert_eq!(Value::Array(rejected), want.get("rejected").cloned().unwrap_or(json!([])), "{name}: rejected");
        check_accounting(op, &args, &out, name);
        check_no_secret(&args, &serde_json::to_string(&out["rejected"]).unwrap(), name);
    }
    cases.len()
}

#[test]
fn metrics() {
    assert!(run_file(include_str!("vectors/intake_metrics.json")) > 0);
}

#[test]
fn logs() {
    assert!(run_file(include_str!("vectors/intake_logs.json")) > 0);
}

#[test]
fn events() {
    assert!(run_file(include_str!("vectors/intake_events.json")) > 0);
}

#[test]
fn service_checks() {
    assert!(run_file(include_str!("vectors/intake_service_checks.json")) > 0);
}

#[test]
fn incidents() {
    assert!(run_file(include_str!("vectors/intake_incidents.json")) > 0);
}

#[test]
fn traces() {
    assert!(run_file(include_str!("vectors/intake_traces.json")) > 0);
}

#[test]
fn intake_responses() {
    let ok = dispatch("parseIntakeResponse", json!({"kind": "metrics", "response": {"status": 202, "headers": {}, "body": "{\"errors\":[]}"}})).unwrap();
    assert_eq!(ok, json!({"accepted": true, "status": 202}));
    let logs = dispatch("parseIntakeResponse", json!({"kind": "logs", "response": {"status": 202, "body": "{}"}})).unwrap();
    assert_eq!(logs["accepted"], true);
    let inc = dispatch("parseIntakeResponse", json!({"kind": "incidents", "response": {"status": 201, "body": "{\"data\":{\"id\":\"00000000-0000-0000-1234-000000000000\",\"type\":\"incidents\"}}"}})).unwrap();
    assert_eq!(inc["id"], "00000000-0000-0000-1234-000000000000");
    for (status, code) in
        [(413, "payload_too_large"), (403, "forbidden"), (429, "rate_limited"), (400, "bad_request"), (408, "request_timeout"), (503, "server_error")]
    {
        let body = if status == 403 { "{\"errors\":[\"Forbidden\"]}" } else { "" };
        let e = dispatch("parseIntakeResponse", json!({"kind": "logs", "response": {"status": status, "body": body}})).unwrap_err();
        assert_eq!(e.code.as_str(), code, "{status}");
        assert_eq!(e.status, Some(status));
    }
    let e = dispatch("parseIntakeResponse", json!({"kind": "metrics", "response": {"status": 429, "headers": {"X-RateLimit-Reset": "7"}, "body": ""}}))
        .unwrap_err();
    assert_eq!(e.rate_limit.unwrap().reset, Some(7));
    // Policy 10: the OTLP intake is gated per org; its 403 is traces_not_enabled (an Agent's 403 stays forbidden).
    let e = dispatch("parseIntakeResponse", json!({"kind": "traces", "response": {"status": 403, "body": "{\"errors\":[\"Forbidden\"]}"}})).unwrap_err();
    assert_eq!((e.code.as_str(), e.status), ("traces_not_enabled", Some(403)));
    assert!(e.hint.contains("enabled per org"), "{}", e.hint);
    let e = dispatch("parseIntakeResponse", json!({"kind": "traces", "format": "agent", "response": {"status": 403, "body": ""}})).unwrap_err();
    assert_eq!(e.code.as_str(), "forbidden");
    // Exact redaction: a short API key or token the request carried, echoed in an error body, is removed by value.
    let e = dispatch(
        "parseIntakeResponse",
        json!({"kind": "logs", "connection": {"apiKey": "kk-short"}, "request": {"headers": {"dd-application-key": "app-9"}},
        "response": {"status": 400, "body": "{\"errors\":[\"bad key kk-short / app-9\"]}"}}),
    )
    .unwrap_err();
    assert!(!format!("{e:?}").contains("kk-short") && !format!("{e:?}").contains("app-9"), "{e:?}");
}
