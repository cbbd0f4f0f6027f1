//! The shared JSON vectors for sites, PKCE, authorization URLs, onboarding and callbacks, run through the
//! same JSON surface the JS API uses. Runs natively (`cargo test`) and as wasm in Node and headless Chromium
//! (`wasm-bindgen-test`), which is why the vectors are compiled in with `include_str!`.

use datadog_oauth_wasm::api::dispatch;
use serde_json::{json, Value};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn load(text: &str) -> Value {
    serde_json::from_str(text).expect("vector file is JSON")
}

fn ok(op: &str, args: Value) -> Value {
    dispatch(op, args.clone()).unwrap_or_else(|e| panic!("{op}({args}) failed: {e}"))
}

fn err_code(op: &str, args: Value) -> String {
    match dispatch(op, args.clone()) {
        Ok(v) => panic!("{op}({args}) should fail but gave {v}"),
        Err(e) => e.code.as_str().to_string(),
    }
}

#[test]
fn site_table_matches_vectors() {
    let v = load(include_str!("vectors/sites.json"));
    let got = ok("sites", json!({}));
    let table = v["table"].as_array().unwrap();
    assert_eq!(got.as_array().unwrap().len(), 9);
    for (want, got) in table.iter().zip(got.as_array().unwrap()) {
        for (k, val) in want.as_object().unwrap() {
            assert_eq!(&got[k], val, "site {} field {k}", want["id"]);
        }
        assert_eq!(got["authorizeOrigin"], want["appOrigin"]);
        let eps = ok("endpoints", json!({ "site": want["id"] }));
        let api = want["apiOrigin"].as_str().unwrap();
        assert_eq!(eps["token"], format!("{api}/oauth2/v1/token"));
        assert_eq!(eps["revoke"], format!("{api}/oauth2/v1/revoke"));
        assert_eq!(eps["apiKey"], format!("{api}/api/v2/api_keys/marketplace"));
        assert_eq!(eps["metricsV2"], format!("{api}/api/v2/series"));
        assert_eq!(eps["metricsV1"], format!("{api}/api/v1/series"));
        assert_eq!(eps["eventsV1"], format!("{api}/api/v1/events"));
        assert_eq!(eps["serviceChecks"], format!("{api}/api/v1/check_run"));
        assert_eq!(eps["incidents"], format!("{api}/api/v2/incidents"));
        assert_eq!(eps["validate"], format!("{api}/api/v1/validate"));
        assert_eq!(eps["logs"], format!("{}/api/v2/logs", want["logsOrigin"].as_str().unwrap()));
        assert_eq!(eps["eventsV2"], format!("{}/api/v2/events", want["eventIntakeOrigin"].as_str().unwrap()));
        assert_eq!(eps["otlpTraces"], format!("{}/v1/traces", want["otlpOrigin"].as_str().unwrap()));
        assert_eq!(eps["authorize"], format!("{}/oauth2/v1/authorize", want["appOrigin"].as_str().unwrap()));
    }
}

#[test]
fn every_site_resolves_from_every_accepted_form() {
    let v = load(include_str!("vectors/sites.json"));
    for case in v["accept"].as_array().unwrap() {
        let got = ok("resolveSite", json!({ "site": case["input"] }));
        assert_eq!(got["id"], case["id"], "input {}", case["input"]);
        assert_eq!(got["authorizeOrigin"], case["authorizeOrigin"], "input {}", case["input"]);
        assert_eq!(got["custom"], false);
        // API hosts never carry the vanity host.
        let api = got["apiOrigin"].as_str().unwrap();
        assert_eq!(api, format!("https://api.{}", got["site"].as_str().unwrap()));
    }
}

#[test]
fn look_alikes_and_injections_are_invalid_site() {
    let v = load(include_str!("vectors/sites.json"));
    for input in v["reject"].as_array().unwrap() {
        assert_eq!(err_code("resolveSite", json!({ "site": input })), "invalid_site", "input {input}");
    }
}

#[test]
fn pkce_vectors() {
    let v = load(include_str!("vectors/pkce.json"));
    for case in v["valid"].as_array().unwrap() {
        assert_eq!(ok("pkceChallenge", json!({ "verifier": case["verifier"] })), case["challenge"]);
    }
    for case in v["invalid"].as_array().unwrap() {
        assert_eq!(err_code("pkceChallenge", json!({ "verifier": case["verifier"] })), "invalid_verifier", "{}", case["why"]);
    }
    let pair = ok("createPkce", json!({}));
    assert_eq!(pair["verifier"].as_str().unwrap().len(), 43);
    assert_eq!(pair["method"], "S256");
    assert_eq!(ok("pkceChallenge", json!({ "verifier": pair["verifier"] })), pair["challenge"]);
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

/// The state bytes, then the verifier bytes padded with zeros to the 96 that `startAuthorization` draws (a
/// base64url prefix depends only on the bytes before it, so the padding changes no verifier the vectors name).
fn authorize_script(v: &Value) -> Vec<u8> {
    let mut bytes = hex(v["stateBytes"].as_str().unwrap());
    assert_eq!(bytes.len(), 32, "stateBytes");
    let mut verifier = hex(v["verifierBytes"].as_str().unwrap());
    assert!(verifier.len() <= 96, "verifierBytes");
    verifier.resize(96, 0);
    bytes.extend(verifier);
    bytes
}

#[test]
fn authorization_urls() {
    // Through `api::dispatch`, the path users run, with the randomness scripted: exact URLs, natively and in wasm.
    let v = load(include_str!("vectors/authorize.json"));
    for case in v["cases"].as_array().unwrap() {
        let mut args = case["params"].clone();
        args["now"] = json!(1_700_000_000_000u64);
        let got = {
            let _script = datadog_oauth_wasm::random::script(authorize_script(&v));
            ok("startAuthorization", args)
        };
        assert_eq!(got["url"], case["url"], "{}", case["name"]);
        let pending = &got["pending"];
        assert_eq!(pending["codeVerifier"], case["codeVerifier"], "{}", case["name"]);
        assert_eq!(pending["redirectUri"], case["params"]["redirectUri"]);
        assert_eq!(pending["clientId"], case["params"]["clientId"]);
        assert_eq!(pending["createdAt"], 1_700_000_000_000u64);
        match case["pendingSite"].as_str() {
            Some(id) => assert_eq!(pending["site"]["id"], id),
            None => assert!(pending["site"].is_null()),
        }
        // The state in the URL is the pending one, and the pending object reads back through parseCallback.
        let state = pending["state"].as_str().unwrap();
        assert!(case["url"].as_str().unwrap().contains(&format!("&state={state}&")), "{}", case["name"]);
    }
    for case in v["errors"].as_array().unwrap() {
        let mut args = case["params"].clone();
        args["now"] = json!(0);
        assert_eq!(err_code("startAuthorization", args), case["code"].as_str().unwrap(), "{}", case["params"]);
    }
}

#[test]
fn scripted_randomness_is_exact_and_never_silently_random() {
    let v = load(include_str!("vectors/authorize.json"));
    // The same script twice gives the same answer, byte for byte.
    let args = json!({ "clientId": "cid-123", "redirectUri": "https://partner.example/cb", "now": 1 });
    let once = {
        let _s = datadog_oauth_wasm::random::script(authorize_script(&v));
        ok("startAuthorization", args.clone())
    };
    let twice = {
        let _s = datadog_oauth_wasm::random::script(authorize_script(&v));
        ok("startAuthorization", args.clone())
    };
    assert_eq!(once, twice);
    // A script too short is an error, not a fallback to the platform.
    {
        let _s = datadog_oauth_wasm::random::script(vec![0u8; 40]);
        err_code("startAuthorization", args.clone());
    }
    // createState (32 bytes) and createPkce (33 for 43 characters) draw from the same seam: zeros are all `A`.
    {
        let _s = datadog_oauth_wasm::random::script(vec![0u8; 32 + 33]);
        assert_eq!(ok("createState", json!({})), "A".repeat(43));
        let pair = ok("createPkce", json!({}));
        assert_eq!(pair["verifier"], "A".repeat(43));
        assert_eq!(ok("pkceChallenge", json!({ "verifier": "A".repeat(43) })), pair["challenge"]);
    }
    // Without a script, fresh randomness again.
    assert_ne!(ok("createState", json!({})), ok("createState", json!({})));
}

#[test]
fn callbacks() {
    let v = load(include_str!("vectors/callbacks.json"));
    let created = v["createdAt"].as_u64().unwrap();
    for case in v["callbacks"].as_array().unwrap() {
        let site = match case["pendingSite"].as_str() {
            Some(id) => ok("resolveSite", json!({ "site": id })),
            None => Value::Null,
        };
        let mut pending = json!({ "state": v["state"], "codeVerifier": "v".repeat(43), "site": site,
            "redirectUri": v["redirectUri"], "clientId": "cid", "createdAt": created });
        for (k, val) in case["pendingPatch"].as_object().into_iter().flatten() {
            pending[k] = val.clone();
        }
        // A negative age: the pending authorization claims to be from the future.
        let now = (created as i64 + case["ageMs"].as_i64().unwrap_or(1000)) as u64;
        let mut args = json!({ "url": case["url"], "pending": pending, "now": now, "sites": case["sites"].as_array().cloned().unwrap_or_default() });
        match case["noPending"].as_str() {
            Some("absent") => drop(args.as_object_mut().unwrap().remove("pending")),
            Some(_) => args["pending"] = Value::Null,
            None => {}
        }
        if let Some(code) = case["error"].as_str() {
            assert_eq!(err_code("parseCallback", args), code, "{}", case["name"]);
        } else {
            let got = ok("parseCallback", args);
            let want = &case["expect"];
            assert_eq!(got["code"], want["code"], "{}", case["name"]);
            assert_eq!(got["domain"], want["domain"], "{}", case["name"]);
            assert_eq!(got["site"]["id"], want["siteId"], "{}", case["name"]);
            assert_eq!(got["orgId"], want["orgId"], "{}", case["name"]);
            assert_eq!(got["orgName"], want["orgName"], "{}", case["name"]);
            if let Some(st) = want.get("state") {
                assert_eq!(&got["state"], st, "{}", case["name"]);
            }
        }
    }
}

#[test]
fn onboarding_urls() {
    let v = load(include_str!("vectors/callbacks.json"));
    for case in v["onboarding"].as_array().unwrap() {
        let args = json!({ "text": case["url"] });
        if let Some(code) = case["error"].as_str() {
            assert_eq!(err_code("parseOnboardingUrl", args), code, "{}", case["url"]);
        } else {
            let got = ok("parseOnboardingUrl", args);
            assert_eq!(got["domain"], case["domain"], "{}", case["url"]);
            match case["siteId"].as_str() {
                Some(id) => {
                    assert_eq!(got["site"]["id"], id);
                    assert_eq!(got["site"]["authorizeOrigin"], case["authorizeOrigin"]);
                }
                None => assert!(got["site"].is_null()),
            }
        }
    }
}
