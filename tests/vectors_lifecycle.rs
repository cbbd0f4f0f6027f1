//! The token-lifecycle vectors (token endpoint, revocation, marketplace API key, bearer API calls, retry
//! decisions) run through the same JSON surface the JS API uses, natively and as wasm in Node and headless
//! Chromium; hence `include_str!`. Also checks that no secret reaches an error or a Debug string.

use datadog_oauth_wasm::api::dispatch;
use datadog_oauth_wasm::connection::ApiCall;
use serde_json::{json, Value};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn load(text: &str) -> Value {
    serde_json::from_str(text).expect("vector file is JSON")
}

fn ok(op: &str, args: Value) -> Value {
    dispatch(op, args.clone()).unwrap_or_else(|e| panic!("{op}({args}) failed: {e:?}"))
}

fn err(op: &str, args: Value) -> datadog_oauth_wasm::Error {
    match dispatch(op, args.clone()) {
        Ok(v) => panic!("{op}({args}) should fail but gave {v}"),
        Err(e) => e,
    }
}

/// `want` is a subset of `got`: objects recurse, a null means absent, `headers` must match exactly.
fn subset(got: &Value, want: &Value, at: &str) {
    match want {
        Value::Null => assert!(got.is_null(), "{at}: expected absent, got {got}"),
        Value::Object(w) => {
            for (k, wv) in w {
                let path = format!("{at}.{k}");
                if k == "headers" {
                    assert_eq!(&got[k], wv, "{path}");
                } else {
                    subset(&got[k], wv, &path);
                }
            }
        }
        _ => assert_eq!(got, want, "{at}"),
    }
}

/// An expected request: exact method, URL, headers, body (JSON bodies compared as JSON) and replay class.
fn check_request(got: &Value, want: &Value, name: &str) {
    let mut want = want.clone();
    if let (Some(g), Some(w)) = (got["body"].as_str(), want["body"].as_str()) {
        if got["headers"]["content-type"] == "application/json" {
            let (g, w): (Value, Value) = (serde_json::from_str(g).unwrap(), serde_json::from_str(w).unwrap());
            assert_eq!(g, w, "{name}: JSON body");
            want.as_object_mut().unwrap().remove("body");
        }
    }
    subset(got, &want, name);
}

fn check_error(e: &datadog_oauth_wasm::Error, want: &Value, name: &str) {
    let got = serde_json::to_value(e).unwrap();
    for (k, w) in want.as_object().unwrap() {
        match k.as_str() {
            "hintContains" => assert!(e.hint.contains(w.as_str().unwrap()), "{name}: hint {:?} lacks {w}", e.hint),
            "messageContains" => assert!(e.message.contains(w.as_str().unwrap()), "{name}: message {:?} lacks {w}", e.message),
            _ => subset(&got[k], w, &format!("{name}: error.{k}")),
        }
    }
    assert!(!e.hint.is_empty(), "{name}: every error says what to do");
}

fn apply_patch(target: &mut Value, patch: &Value) {
    if let Some(p) = patch.as_object() {
        for (k, v) in p {
            target[k] = v.clone();
        }
    }
}

/// The vector file's connection, on the given site, with the case's patch applied.
fn connection(v: &Value, domain: &str, patch: &Value) -> Value {
    let mut c = v["connection"].clone();
    c["site"] = ok("resolveSite", json!({ "site": domain }));
    c["domain"] = json!(domain);
    apply_patch(&mut c, patch);
    c
}

/// `$connection` and `$connection+apiKey` placeholders in a case's args.
fn expand(v: &Value, args: &mut Value, domain: &str) {
    for key in ["connection", "previous"] {
        match args[key].as_str() {
            Some("$connection") => args[key] = connection(v, domain, &Value::Null),
            Some("$connection+apiKey") => args[key] = connection(v, domain, &v["connectionApiKey"]),
            _ => {}
        }
    }
}

/// token.json, and hardening.json with token.json's connection: both have the same sections and runners.
fn token_files() -> [Value; 2] {
    let token = load(include_str!("vectors/token.json"));
    let mut hardening = load(include_str!("vectors/hardening.json"));
    for k in ["connection", "connectionApiKey", "responseDefaults", "refreshDue"] {
        hardening[k] = token[k].clone();
    }
    [token, hardening]
}

#[test]
fn token_requests_for_every_site() {
    for v in token_files() {
        token_requests_in(&v);
    }
}

fn token_requests_in(v: &Value) {
    let v = v.clone();
    let sites = v["sites"].as_array().unwrap();
    assert_eq!(sites.len(), 9);
    for site in sites {
        let domain = site["domain"].as_str().unwrap();
        // The table in the vector file must agree with the site table the core exposes.
        assert_eq!(ok("resolveSite", json!({ "site": domain }))["id"], site["id"]);
        for case in v["requests"].as_array().unwrap() {
            let name = format!("{} @ {domain}", case["name"]);
            let mut args = case["args"].clone();
            if case["op"] == "tokenRequest" {
                args["domain"] = json!(domain);
            } else {
                args["connection"] = connection(&v, domain, &case["connectionPatch"]);
            }
            let got = ok(case["op"].as_str().unwrap(), args);
            assert_eq!(got["url"], site[case["url"].as_str().unwrap()], "{name}");
            check_request(&got, &case["expect"], &name);
        }
    }
}

#[test]
fn token_request_errors() {
    for v in token_files() {
        for case in v["requestErrors"].as_array().unwrap() {
            let mut args = case["args"].clone();
            if case["op"] != "tokenRequest" {
                args["connection"] = connection(&v, "datadoghq.eu", &case["connectionPatch"]);
            }
            let e = err(case["op"].as_str().unwrap(), args);
            assert_eq!(e.code.as_str(), case["code"].as_str().unwrap(), "{}: {}", case["name"], e.message);
        }
    }
}

#[test]
fn token_responses() {
    for v in token_files() {
        token_responses_in(&v);
    }
}

fn token_responses_in(v: &Value) {
    let v = v.clone();
    let defaults = &v["responseDefaults"];
    let domain = defaults["domain"].as_str().unwrap();
    for case in v["responses"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let op = case["op"].as_str().unwrap();
        let mut args = case["args"].clone();
        match op {
            "parseTokenResponse" => {
                for k in ["now", "domain"] {
                    if args[k].is_null() {
                        args[k] = defaults[k].clone();
                    }
                }
            }
            "parseRefreshResponse" if args["connection"].is_null() => args["connection"] = json!("$connection"),
            _ => {}
        }
        expand(&v, &mut args, domain);
        if let Some(want) = case.get("expect") {
            subset(&ok(op, args), want, name);
        } else {
            check_error(&err(op, args), &case["error"], name);
        }
    }
}

#[test]
fn network_errors_and_refresh_due() {
    for v in token_files() {
        for case in v["networkErrors"].as_array().unwrap() {
            let mut args = json!({ "message": case["message"] });
            if !case["request"].is_null() {
                args["request"] = case["request"].clone();
            }
            let got = ok("classifyNetworkError", args);
            assert_eq!(got["code"], case["code"], "{}", case["message"]);
            assert!(!got["hint"].as_str().unwrap().is_empty());
            let message = got["message"].as_str().unwrap();
            if let Some(want) = case["messageContains"].as_str() {
                assert!(message.contains(want), "{}: {message}", case["message"]);
            }
            for lacks in case["messageLacks"].as_array().into_iter().flatten() {
                assert!(!message.contains(lacks.as_str().unwrap()), "{}: {message}", case["message"]);
            }
        }
    }
    let v = load(include_str!("vectors/token.json"));
    for case in v["refreshDue"].as_array().unwrap() {
        let conn = connection(&v, "datadoghq.com", &json!({ "expiresAt": case["expiresAt"] }));
        let mut args = json!({ "connection": conn, "now": case["now"] });
        if !case["marginMs"].is_null() {
            args["marginMs"] = case["marginMs"].clone();
        }
        assert_eq!(ok("refreshDue", args), case["due"], "{case}");
    }
}

#[test]
fn stored_connections_are_revalidated() {
    let v = load(include_str!("vectors/token.json"));
    let c = connection(&v, "datadoghq.eu", &v["connectionApiKey"]);
    assert_eq!(ok("parseConnection", json!({ "connection": c.clone() }))["site"]["apiOrigin"], "https://api.datadoghq.eu");
    // A vanity host in storage never reaches the API origin; the stored descriptor is rebuilt from the table.
    let mut forged = c.clone();
    forged["site"]["apiOrigin"] = json!("https://api.evil.example");
    assert_eq!(ok("parseConnection", json!({ "connection": forged }))["site"]["apiOrigin"], "https://api.datadoghq.eu");
    let mut forged = c.clone();
    forged["site"]["site"] = json!("datadoghq.evil.example");
    assert_eq!(err("parseConnection", json!({ "connection": forged })).code.as_str(), "invalid_site");
    let mut forged = c;
    forged["site"]["custom"] = json!(true);
    forged["site"]["apiOrigin"] = json!("http://evil.example");
    assert_eq!(err("parseConnection", json!({ "connection": forged })).code.as_str(), "invalid_site");
}

#[test]
fn api_key_requests_and_responses() {
    let v = load(include_str!("vectors/api_key.json"));
    for case in v["requests"].as_array().unwrap() {
        let domain = case["domain"].as_str().unwrap();
        let got = ok("apiKeyRequest", json!({ "connection": connection(&v, domain, &Value::Null) }));
        assert_eq!(got["url"], case["url"], "{domain}");
        check_request(&got, &v["requestExpect"], domain);
    }
    for case in v["requestErrors"].as_array().unwrap() {
        let e = err("apiKeyRequest", json!({ "connection": connection(&v, "datadoghq.eu", &case["connectionPatch"]) }));
        assert_eq!(e.code.as_str(), case["code"].as_str().unwrap(), "{}", case["name"]);
    }
    for case in v["responses"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let args = json!({ "response": case["response"], "connection": connection(&v, "datadoghq.eu", &Value::Null), "now": v["now"] });
        if let Some(want) = case.get("expect") {
            subset(&ok("parseApiKeyResponse", args), want, name);
        } else {
            check_error(&err("parseApiKeyResponse", args), &case["error"], name);
        }
    }
}

#[test]
fn bearer_api_calls() {
    let v = load(include_str!("vectors/api_key.json"));
    for case in v["apiRequests"].as_array().unwrap() {
        let mut args = case["args"].clone();
        args["connection"] = connection(&v, case["site"].as_str().unwrap_or("datadoghq.eu"), &Value::Null);
        check_request(&ok("apiRequest", args), &case["expect"], case["name"].as_str().unwrap());
    }
    for case in v["apiRequestErrors"].as_array().unwrap() {
        let mut args = case["args"].clone();
        args["connection"] = connection(&v, "datadoghq.eu", &case["connectionPatch"]);
        assert_eq!(err("apiRequest", args).code.as_str(), case["code"].as_str().unwrap(), "{}", case["args"]);
    }
    for case in v["apiResponses"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let args = json!({ "response": case["response"] });
        if let Some(want) = case.get("expect") {
            subset(&ok("parseApiResponse", args), want, name);
        } else {
            check_error(&err("parseApiResponse", args), &case["error"], name);
        }
    }
}

#[test]
fn retry_decisions() {
    let v = load(include_str!("vectors/retry.json"));
    for case in v["cases"].as_array().unwrap() {
        subset(&ok("retryDecision", case["args"].clone()), &case["expect"], case["name"].as_str().unwrap());
    }
    for case in v["errors"].as_array().unwrap() {
        assert_eq!(err("retryDecision", case["args"].clone()).code.as_str(), case["code"].as_str().unwrap(), "{}", case["name"]);
    }
}

/// Every place a secret could surface: the error's Debug, message, hint, body, and its JSON for the JS side.
fn assert_hidden(e: &datadog_oauth_wasm::Error, secrets: &[&str], what: &str) {
    let views = [format!("{e:?}"), e.to_string(), e.message.clone(), e.hint.clone(), e.body.clone().unwrap_or_default(), serde_json::to_string(e).unwrap()];
    for s in secrets {
        for view in &views {
            assert!(!view.contains(s), "{what}: secret {s:?} leaked into {view}");
        }
    }
}

#[test]
fn secrets_never_reach_errors_or_debug() {
    let v = load(include_str!("vectors/token.json"));
    const CLIENT_SECRET: &str = "ddcs_Kq8vZ2xN4mP7rT1wY5bJ";
    const CODE: &str = "ac_9Hf3Lk2Pq8Rt4Vw6";
    const VERIFIER: &str = "SECRETverifier0123456789abcdefghijklmnopqrs~";
    // Short and letter-only, so no heuristic could spot them: only knowing the values can hide them.
    const ACCESS: &str = "hunterhunter";
    const REFRESH: &str = "swordfishy";
    const KEY: &str = "0123456789abcdef0123456789abcdef";
    let all = [CLIENT_SECRET, CODE, VERIFIER, ACCESS, REFRESH, KEY];
    let conn = connection(&v, "datadoghq.eu", &json!({ "accessToken": ACCESS, "refreshToken": REFRESH, "apiKey": KEY }));

    // Bad inputs that carry secrets.
    let base = json!({ "clientId": "cid", "clientSecret": CLIENT_SECRET, "redirectUri": "https://p.example/cb", "code": CODE, "codeVerifier": format!("{VERIFIER} "), "domain": "datadoghq.eu" });
    assert_hidden(&err("tokenRequest", base.clone()), &all, "bad verifier");
    let mut b = base.clone();
    b["codeVerifier"] = json!(42);
    assert_hidden(&err("tokenRequest", b), &all, "verifier of the wrong type");
    assert_hidden(&err("revokeRequest", json!({ "clientId": "cid", "connection": conn, "token": REFRESH })), &all, "token value passed as the kind");

    // Responses that echo secrets back.
    let echo = format!("{{\"error\":\"invalid_client\",\"error_description\":\"bad secret {CLIENT_SECRET} for code {CODE} verifier {VERIFIER}\"}}");
    let e = err("parseTokenResponse", json!({ "now": 0, "domain": "datadoghq.eu", "response": { "status": 400, "body": echo } }));
    // Long token-like values are caught by the excerpt heuristic even when the caller passes nothing else...
    assert_hidden(&e, &[CLIENT_SECRET, VERIFIER], "token endpoint echo");
    // ...and every exchange secret when the caller passes the tokenRequest arguments along, as the JS host does.
    let mut args = base.clone();
    args["codeVerifier"] = json!(VERIFIER);
    args["now"] = json!(0);
    args["response"] = json!({ "status": 400, "body": echo });
    assert_hidden(&err("parseTokenResponse", args), &all, "token endpoint echo, with the exchange arguments");
    let e = err(
        "parseRefreshResponse",
        json!({ "now": 0, "connection": conn, "clientSecret": "s3cr3t", "response": { "status": 401, "body": "client_secret s3cr3t is wrong" } }),
    );
    assert_hidden(&e, &["s3cr3t"], "short client secret echoed on refresh");
    let e = err(
        "parseTokenResponse",
        json!({ "now": 0, "domain": "datadoghq.eu", "response": { "status": 200, "body": format!("{{\"refresh_token\":\"{KEY}\"}}") } }),
    );
    assert_hidden(&e, &[KEY], "200 without access_token");
    let echo = format!("{{\"error\":\"invalid_grant\",\"error_description\":\"refresh token {REFRESH} revoked; access {ACCESS}\"}}");
    let e = err("parseRefreshResponse", json!({ "now": 0, "connection": conn, "response": { "status": 400, "body": echo } }));
    assert_hidden(&e, &all, "refresh echo");
    let echo = format!("{{\"errors\":[\"key {KEY} exists, token {ACCESS}\"]}}");
    let e = err("parseApiKeyResponse", json!({ "now": 0, "connection": conn, "response": { "status": 409, "body": echo } }));
    assert_eq!(e.code.as_str(), "api_key_exists");
    assert_hidden(&e, &all, "409 echo");
    let e = err(
        "parseRevokeResponse",
        json!({ "connection": conn, "response": { "status": 400, "body": format!("error=invalid_request&error_description={REFRESH}") } }),
    );
    assert_hidden(&e, &all, "revoke echo");
    let e = err("parseApiResponse", json!({ "connection": conn, "response": { "status": 403, "body": format!("{{\"errors\":[\"bad token {ACCESS}\"]}}") } }));
    assert_hidden(&e, &all, "api echo");
    let e = err(
        "parseTokenResponse",
        json!({ "now": 0, "domain": "datadoghq.eu", "response": { "networkError": format!("request to https://x/?api_key={KEY} failed") } }),
    );
    assert_hidden(&e, &[KEY], "network error with a key in the URL");

    // Debug of requests and connections.
    use datadog_oauth_wasm::token::{exchange_request, ExchangeParams};
    let p: ExchangeParams = serde_json::from_value(json!({ "clientId": "cid", "clientSecret": CLIENT_SECRET, "redirectUri": "https://p.example/cb", "code": CODE, "codeVerifier": "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "domain": "datadoghq.eu" })).unwrap();
    let req = exchange_request(&p).unwrap();
    assert!(req.body.as_deref().unwrap().contains(CLIENT_SECRET), "the request itself carries the secret");
    for s in [CLIENT_SECRET, CODE, "dBjftJeZ4CVP"] {
        assert!(!format!("{req:?} {p:?}").contains(s), "Debug leaked {s}");
    }
    let c: datadog_oauth_wasm::connection::Connection = serde_json::from_value(conn.clone()).unwrap();
    let api = c.api_request(&ApiCall { method: "GET".into(), path: "/api/v1/validate".into(), query: None, body: None }).unwrap();
    for s in all {
        assert!(!format!("{c:?} {api:?}").contains(s), "Debug leaked {s}");
    }
}

#[test]
fn paginate_vectors() {
    let v = load(include_str!("vectors/paginate.json"));
    for case in v["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let got = ok("nextPage", case["args"].clone());
        for (k, want) in case["expect"].as_object().unwrap() {
            // `next` and `items` are compared whole: a stray query parameter is a bug too.
            assert_eq!(&got[k], want, "{name}: {k}");
        }
    }
    for case in v["errors"].as_array().unwrap() {
        let e = err("nextPage", case["args"].clone());
        assert_eq!(e.code.as_str(), case["code"].as_str().unwrap(), "{}", case["name"]);
        assert!(!e.hint.is_empty());
        if let Some(ms) = case["retryAfterMs"].as_u64() {
            assert_eq!(e.retry_after_ms, Some(ms), "{}", case["name"]);
        }
    }
}
