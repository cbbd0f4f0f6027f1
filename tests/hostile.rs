//! Hostile input through the JSON surface (`api::call`, the exact path the wasm boundary takes): site spoofing,
//! open redirects through `redirect_uri`, state and code replay, repeated callback parameters, megabyte values
//! and JSON nested 100,000 deep in every JSON input path, with the cases in `tests/vectors/hostile.json` (shared
//! with tests/js/hostile.test.mjs). Each must end in the listed typed error, or ok, with a bounded message. No
//! test measures time: the inputs are sized so that anything quadratic would not finish.
//! Native only: the JS suite runs the same vectors through the wasm build.
#![cfg(not(target_arch = "wasm32"))]

use datadog_oauth_wasm::api::{call, dispatch};
use datadog_oauth_wasm::site::{resolve_site, sites, Site};
use serde_json::{json, Map, Value};

fn vectors() -> Value {
    serde_json::from_str(include_str!("vectors/hostile.json")).expect("hostile.json is JSON")
}

/// The generated-string forms of hostile.json (see its `comment`).
fn expand(v: &Value) -> Value {
    match v {
        Value::Object(o) if o.contains_key("$repeat") => Value::String(o["$repeat"].as_str().unwrap().repeat(o["times"].as_u64().unwrap() as usize)),
        Value::Object(o) if o.contains_key("$concat") => {
            Value::String(o["$concat"].as_array().unwrap().iter().map(|p| expand(p).as_str().unwrap().to_string()).collect::<String>())
        }
        Value::Object(o) if o.contains_key("$nest") => {
            let n = o["$nest"].as_u64().unwrap() as usize;
            let inner = o.get("inner").and_then(Value::as_str).unwrap_or("");
            Value::String(format!("{}{inner}{}", o["open"].as_str().unwrap().repeat(n), o["close"].as_str().unwrap().repeat(n)))
        }
        Value::Object(o) if o.contains_key("$seq") => {
            let p = o["prefix"].as_str().unwrap();
            Value::Array((0..o["$seq"].as_u64().unwrap()).map(|i| Value::String(format!("{p}{i}"))).collect())
        }
        Value::Object(o) if o.contains_key("$join") => {
            let parts = expand(&o["$join"]);
            Value::String(parts.as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect::<Vec<_>>().join(o["with"].as_str().unwrap()))
        }
        Value::Object(o) if o.contains_key("$spans") => Value::Array(
            (0..o["$spans"].as_u64().unwrap())
                .map(|k| json!({"trace_id": 1, "span_id": k + 1, "name": "n", "resource": "r", "service": format!("s{k}"), "start": "1700000000000000000", "duration": 1}))
                .collect(),
        ),
        Value::Object(o) if o.contains_key("$site") => serde_json::to_value(resolve_site(o["$site"].as_str().unwrap()).unwrap()).unwrap(),
        Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), expand(v))).collect::<Map<_, _>>()),
        Value::Array(a) => Value::Array(a.iter().map(expand).collect()),
        other => other.clone(),
    }
}

/// `api::call`, and its answer checked: JSON with exactly `ok` or a typed `error` whose texts are bounded.
fn run(op: &str, args_text: &str) -> Value {
    let out = call(op, args_text);
    // `read_output` also puts the request bodies, sent after the JSON answer, back into it.
    let v: Value = match datadog_oauth_wasm::api::read_output(&out) {
        Ok(v) => v,
        // Deeper than serde_json reads by default (a 127-deep API body, wrapped): still JSON, still `ok`.
        Err(_) => {
            assert!(out.starts_with("{\"ok\":"), "{op}: not JSON: {}", &out[..out.len().min(200)]);
            return json!({ "ok": "<too deep to read here>" });
        }
    };
    if let Some(e) = v.get("error") {
        let code = e["code"].as_str().unwrap();
        assert!(!code.is_empty() && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{op}: code {code}");
        for k in ["message", "hint"] {
            let t = e[k].as_str().unwrap();
            assert!(t.len() <= 2000, "{op}: {k} of {} bytes: {}…", t.len(), &t[..200]);
        }
        if let Some(b) = e.get("body").and_then(Value::as_str) {
            assert!(b.chars().count() <= 301, "{op}: body excerpt of {} chars", b.chars().count());
        }
    }
    v
}

fn code_of(v: &Value) -> Option<&str> {
    v.get("error").map(|e| e["code"].as_str().unwrap())
}

fn check_builtin(input: &str, v: &Value) {
    let s: Site = serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{input:?}: {e}: {v}"));
    assert!(!s.custom, "{input:?} gave a custom site");
    let base = sites().into_iter().find(|k| k.id == s.id).unwrap_or_else(|| panic!("{input:?} gave {s:?}"));
    assert_eq!(s.canonical(), base, "{input:?}: API hosts come from the table");
}

#[test]
fn site_spoofing() {
    let v = vectors();
    for case in v["sites"].as_array().unwrap() {
        let input = expand(&case["input"]);
        let text = input.as_str().unwrap();
        let label = &text[..text.len().min(60)];
        let out = run("resolveSite", &json!({ "site": input }).to_string());
        let native = resolve_site(text);
        match &case["expect"] {
            Value::String(code) => {
                assert_eq!(code_of(&out), Some(code.as_str()), "resolveSite({label:?}) gave {out}");
                assert_eq!(native.unwrap_err().code.as_str(), code);
                // Nor does it reach an authorization URL, or API endpoints.
                let a =
                    run("startAuthorization", &json!({ "clientId": "c", "redirectUri": "https://partner.example/cb", "site": input, "now": 1 }).to_string());
                assert_eq!(code_of(&a), Some(code.as_str()), "startAuthorization(site: {label:?})");
                assert_eq!(code_of(&run("endpoints", &json!({ "site": input }).to_string())), Some(code.as_str()));
            }
            want => {
                let got = &out["ok"];
                check_builtin(text, got);
                assert_eq!(got["id"], want["id"], "{label:?}");
                assert_eq!(got["authorizeOrigin"], want["authorizeOrigin"], "{label:?}");
                assert_eq!(native.unwrap().authorize_origin, want["authorizeOrigin"].as_str().unwrap());
                let a =
                    run("startAuthorization", &json!({ "clientId": "c", "redirectUri": "https://partner.example/cb", "site": input, "now": 1 }).to_string());
                let url = a["ok"]["url"].as_str().unwrap();
                assert!(url.starts_with(&format!("{}/oauth2/v1/authorize?", want["authorizeOrigin"].as_str().unwrap())), "{url}");
            }
        }
    }
}

#[test]
fn tampered_site_descriptors_keep_datadog_hosts() {
    // A descriptor handed back to us is rebuilt: a foreign host in any field cannot come back out.
    for mut d in sites().into_iter().map(|s| serde_json::to_value(s).unwrap()) {
        for k in ["appOrigin", "apiOrigin", "logsOrigin", "eventIntakeOrigin", "otlpOrigin", "authorizeOrigin"] {
            d[k] = json!("https://evil.example");
        }
        let out = run("endpoints", &json!({ "site": d }).to_string());
        assert!(!out.to_string().contains("evil.example"), "{out}");
        d["vanity"] = json!("evil.example");
        assert_eq!(code_of(&run("endpoints", &json!({ "site": d }).to_string())), Some("invalid_site"));
        d["vanity"] = json!("acme.datadoghq.com.evil.example");
        assert_eq!(code_of(&run("resolveSite", &json!({ "site": d }).to_string())), Some("invalid_site"));
        d["vanity"] = Value::Null;
        d["custom"] = json!(true);
        d["appOrigin"] = json!("http://evil.example");
        assert_eq!(code_of(&run("resolveSite", &json!({ "site": d }).to_string())), Some("invalid_site"), "a custom descriptor with plain http off loopback");
    }
}

#[test]
fn open_redirects_through_redirect_uri() {
    let v = vectors();
    for case in v["redirectUris"].as_array().unwrap() {
        let input = expand(&case["input"]);
        let label: String = input.as_str().unwrap().chars().take(60).collect();
        let out = run("startAuthorization", &json!({ "clientId": "c", "redirectUri": input, "now": 1 }).to_string());
        match case["expect"].as_str().unwrap() {
            "ok" => {
                let url = out["ok"]["url"].as_str().unwrap_or_else(|| panic!("{label:?}: {out}"));
                // The redirect URI travels as one encoded value: it cannot add parameters or change the host.
                let (base, q) = url.split_once('?').unwrap();
                assert_eq!(base, "https://app.datadoghq.com/oauth2/v1/authorize");
                let got: Vec<_> = form_urlencoded::parse(q.as_bytes()).filter(|(k, _)| k == "redirect_uri").map(|(_, v)| v.into_owned()).collect();
                assert_eq!(got, vec![input.as_str().unwrap().to_string()]);
            }
            code => assert_eq!(code_of(&out), Some(code), "redirectUri {label:?} gave {out}"),
        }
        // The token request refuses the same URIs.
        if case["expect"] != "ok" {
            let t = run("tokenRequest", &json!({ "clientId": "c", "redirectUri": input, "code": "c", "codeVerifier": "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "domain": "datadoghq.eu" }).to_string());
            if cfg!(feature = "client") {
                assert_eq!(code_of(&t), case["expect"].as_str(), "tokenRequest redirectUri {label:?}");
            }
        }
    }
}

fn start(site: &Value, now: u64) -> Value {
    let mut args = json!({ "clientId": "c", "redirectUri": "https://partner.example/cb", "now": now });
    if !site.is_null() {
        args["site"] = site.clone();
    }
    run("startAuthorization", &args.to_string())["ok"]["pending"].clone()
}

fn swapcase(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_lowercase() { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() }).collect()
}

#[test]
fn callbacks_state_and_code_replay_repeated_parameters() {
    let v = vectors();
    let now = v["callbacks"]["now"].as_u64().unwrap();
    for case in v["callbacks"]["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let pending = start(&case["site"], now);
        let other = start(&case["site"], now);
        let state = pending["state"].as_str().unwrap();
        assert_ne!(state, other["state"].as_str().unwrap());
        let url = expand(&case["url"])
            .as_str()
            .unwrap()
            .replace("{state_prefix}", &state[..state.len() - 1])
            .replace("{state_swapcase}", &swapcase(state))
            .replace("{other}", other["state"].as_str().unwrap())
            .replace("{state}", state);
        let at = now + case.get("after").and_then(Value::as_u64).unwrap_or(1000);
        let args = json!({ "url": url, "pending": pending, "now": at }).to_string();
        let out = run("parseCallback", &args);
        match &case["expect"] {
            Value::String(code) => assert_eq!(code_of(&out), Some(code.as_str()), "{name}: {out}"),
            want => {
                assert_eq!(out["ok"]["code"], want["code"], "{name}: {out}");
                assert_eq!(out["ok"]["domain"], want["domain"], "{name}");
                // Code replay: the parser is pure, so the same callback parses the same way twice. What stops a
                // replayed code is Datadog: an authorization code is single-use at the token endpoint (the JS suite
                // shows the sandbox refusing the second exchange).
                assert_eq!(run("parseCallback", &args), out, "{name}: parsed twice");
            }
        }
    }
}

#[test]
fn onboarding_urls() {
    let v = vectors();
    for case in v["onboarding"].as_array().unwrap() {
        let url = expand(&case["url"]);
        let label: String = url.as_str().unwrap().chars().take(80).collect();
        let out = run("parseOnboardingUrl", &json!({ "text": url }).to_string());
        match &case["expect"] {
            Value::String(code) => assert_eq!(code_of(&out), Some(code.as_str()), "{label}: {out}"),
            want => {
                assert_eq!(out["ok"]["domain"], want["domain"], "{label}: {out}");
                if let Some(a) = want.get("authorizeOrigin") {
                    assert_eq!(&out["ok"]["site"]["authorizeOrigin"], a);
                }
            }
        }
    }
}

/// The operations of this build (feature set), as the core's own table answers them (`listOps`): this test keeps no
/// copy of the core's operation lists.
fn ops() -> Vec<String> {
    let out = run("listOps", "{}");
    out["ok"].as_array().expect("listOps answers a list").iter().map(|o| o.as_str().expect("a name").to_string()).collect()
}

/// Whether this build has `op`; one it lacks is refused by name.
fn available(op: &str) -> bool {
    let has = ops().iter().any(|o| o == op);
    let out: Value = serde_json::from_str(&call(op, "{}")).unwrap();
    assert_eq!(!has, out["error"]["message"].as_str().is_some_and(|m| m.starts_with("unknown operation")), "{op}: listOps and the dispatch disagree");
    has
}

#[test]
fn calls_with_megabyte_values_and_nested_bodies() {
    let v = vectors();
    for case in v["calls"].as_array().unwrap() {
        let (name, op) = (case["name"].as_str().unwrap(), case["op"].as_str().unwrap());
        if !available(op) {
            // Only the authorization-only build lacks operations; in the full build a vector naming one is a rename.
            if cfg!(all(feature = "client", feature = "intake")) {
                panic!("{name}: the full core has no operation {op}");
            }
            continue;
        }
        let args = expand(&case["args"]);
        let out = run(op, &args.to_string());
        match &case["expect"] {
            Value::String(s) if s == "ok" => assert!(out.get("ok").is_some(), "{name}: {}", &out.to_string()[..out.to_string().len().min(300)]),
            Value::String(code) => assert_eq!(code_of(&out), Some(code.as_str()), "{name}: {out}"),
            want => assert_eq!(out["ok"]["rejected"][0]["error"]["code"], want["rejected"], "{name}"),
        }
        // The Rust twin reads the same answer back, or says why it cannot: never a panic.
        let _ = dispatch(op, args);
    }
}

#[test]
fn json_nested_100k_deep_in_every_operation() {
    // Both readers: the hand-written one of the authorization operations and serde_json for the others.
    const N: usize = 100_000;
    let texts = [
        "[".repeat(N) + &"]".repeat(N),
        "{\"a\":".repeat(N) + "1" + &"}".repeat(N),
        "[".repeat(N),
        "{\"site\":".to_string() + &"[{\"a\":".repeat(N / 2) + &"}]".repeat(N / 2) + "}",
        "{\"connection\":".to_string() + &"{\"site\":".repeat(N) + "\"eu1\"" + &"}".repeat(N) + "}",
        "{\"series\":".to_string() + &"[".repeat(N) + &"]".repeat(N) + ",\"connection\":{},\"now\":1}",
    ];
    let mut all = ops();
    assert!(all.len() >= 12, "{all:?}");
    if cfg!(all(feature = "client", feature = "intake")) {
        assert!(["tokenRequest", "encodeMetrics", "splitSelection"].iter().all(|o| all.iter().any(|a| a == o)), "{all:?}");
    }
    all.extend(["nope".to_string(), String::new()]);
    for op in &all {
        for t in &texts {
            let out = run(op, t);
            assert_eq!(code_of(&out), Some("invalid_input"), "{op} with {}…: {out}", &t[..20]);
        }
    }
}

#[test]
fn nested_json_just_under_the_limits_is_fine() {
    // 60 levels: under the hand-written reader's 64 and serde's 128, accepted where the shape allows.
    let deep = "[".repeat(60) + &"]".repeat(60);
    let out = run("resolveSite", &format!("{{\"site\":\"eu1\",\"extra\":{deep}}}"));
    assert_eq!(out["ok"]["id"], "eu1");
    if cfg!(feature = "client") {
        let out = run("parseApiResponse", &json!({ "response": { "status": 200, "body": deep } }).to_string());
        assert!(out["ok"]["body"].is_array());
    }
}

#[test]
fn argument_bytes_that_are_not_utf8() {
    // The host writes large arguments into the core as UTF-8 (`args_buffer`, then `call_bytes` → `call_utf8`): anything else is refused,
    // not read lossily.
    let out: Value = serde_json::from_str(&datadog_oauth_wasm::api::call_utf8("resolveSite", b"{\"site\":\"eu1\xff\"}")).unwrap();
    assert_eq!(code_of(&out), Some("invalid_input"), "{out}");
    let same = datadog_oauth_wasm::api::call_utf8("resolveSite", "{\"site\":\"eu1\"}".as_bytes());
    assert_eq!(same, call("resolveSite", "{\"site\":\"eu1\"}"));
}
