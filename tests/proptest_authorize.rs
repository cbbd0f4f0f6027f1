//! Property: the authorization URL carries exactly the parameters it was built from. Build it through the JSON
//! surface from generated client IDs, redirect URIs (with their own queries), sites, scopes and org IDs, read
//! its query back, and find the same values, once each, and nothing else. Then the callback for that pending
//! authorization gives back the code. Deterministic (proptest's no_std RNG has a fixed seed), 128 cases.
#![cfg(not(target_arch = "wasm32"))]

use datadog_oauth_wasm::api::dispatch;
use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::json;
use std::collections::BTreeMap;

fn chars_from(set: &'static [u8], len: std::ops::Range<usize>) -> impl Strategy<Value = String> {
    vec(proptest::sample::select(set), len).prop_map(|v| v.into_iter().map(char::from).collect())
}

/// Printable ASCII: what a client ID may hold, `&`, `=`, `+`, `%` and `#` included.
fn printable() -> Vec<u8> {
    (0x21u8..=0x7e).collect()
}
/// What a redirect URI's path and query may hold: printable ASCII minus `\` and `#` (and no `%2e`/`%2f` by
/// construction, since `%` is left out of paths).
const PATH: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@";
const QUERY: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@/?%";

fn client_id() -> impl Strategy<Value = String> {
    vec(proptest::sample::select(printable()), 1..48).prop_map(|v| v.into_iter().map(char::from).collect())
}

fn redirect_uri() -> impl Strategy<Value = String> {
    let host = prop_oneof![
        Just("partner.example".to_string()),
        Just("localhost".to_string()),
        Just("127.0.0.1".to_string()),
        Just("[::1]".to_string()),
        vec(chars_from(b"abcdefghijklmnopqrstuvwxyz0123456789-", 1..12).prop_filter("label", |l| !l.starts_with('-') && !l.ends_with('-')), 1..4)
            .prop_map(|ls| format!("{}.example", ls.join(".")))
    ];
    let port = proptest::option::of(1u16..=65535);
    let segs = vec(chars_from(PATH, 1..10).prop_filter("no dot segments", |s| s != "." && s != ".."), 0..4);
    let query = proptest::option::of(chars_from(QUERY, 0..30));
    (host, port, segs, query).prop_map(|(host, port, segs, query)| {
        let scheme = if matches!(host.as_str(), "localhost" | "127.0.0.1" | "[::1]") { "http" } else { "https" };
        let mut s = format!("{scheme}://{host}");
        if let Some(p) = port {
            s.push_str(&format!(":{p}"));
        }
        for seg in segs {
            s.push('/');
            s.push_str(&seg);
        }
        if let Some(q) = query {
            s.push('?');
            s.push_str(&q);
        }
        s
    })
}

fn scopes() -> impl Strategy<Value = Vec<String>> {
    // RFC 6749 scope characters: %x21 / %x23-5B / %x5D-7E. A small alphabet makes duplicates likely.
    let scope_chars: Vec<u8> = (0x21u8..=0x7e).filter(|b| *b != b'"' && *b != b'\\').collect();
    let one = prop_oneof![
        proptest::sample::select(vec!["metrics_read", "api_keys_write", "timeseries_query", "events_read"]).prop_map(str::to_string),
        vec(proptest::sample::select(scope_chars), 1..16).prop_map(|v| v.into_iter().map(char::from).collect::<String>()),
    ];
    vec(one, 0..6)
}

fn site() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(proptest::sample::select(vec![
        "us1",
        "EU",
        "eu1",
        "datadoghq.eu",
        "https://app.datadoghq.eu",
        "acme.datadoghq.com",
        "https://acme.us3.datadoghq.com/",
        "ap2.datadoghq.com",
        "us1-fed",
        "US2-FED",
        "uk1",
    ]))
    .prop_map(|s| s.map(str::to_string))
}

/// The query of an URL as ordered pairs.
fn query_pairs(url: &str) -> (String, Vec<(String, String)>) {
    let (base, q) = url.split_once('?').expect("the authorization URL has a query");
    (base.to_string(), form_urlencoded::parse(q.as_bytes()).into_owned().collect())
}

fn s256(verifier: &str) -> String {
    dispatch("pkceChallenge", json!({ "verifier": verifier })).unwrap().as_str().unwrap().to_string()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn authorization_url_round_trips(client in client_id(), redirect in redirect_uri(), site in site(), scopes in scopes(), org in proptest::option::of(chars_from(b"abcdef0123456789-", 1..37)), now in 0u64..4_000_000_000_000) {
        let mut args = json!({ "clientId": client, "redirectUri": redirect, "scopes": scopes, "now": now });
        if let Some(s) = &site { args["site"] = json!(s); }
        if let Some(o) = &org { args["orgId"] = json!(o); }
        let out = dispatch("startAuthorization", args).unwrap_or_else(|e| panic!("{e:?}"));
        let url = out["url"].as_str().unwrap();
        let pending = &out["pending"];

        let (base, pairs) = query_pairs(url);
        let want_site = match &site {
            Some(s) => dispatch("resolveSite", json!({ "site": s })).unwrap(),
            None => dispatch("resolveSite", json!({ "site": "us1" })).unwrap(),
        };
        prop_assert_eq!(base, format!("{}/oauth2/v1/authorize", want_site["authorizeOrigin"].as_str().unwrap()));

        let mut once: BTreeMap<&str, &str> = BTreeMap::new();
        for (k, v) in &pairs {
            prop_assert!(once.insert(k.as_str(), v.as_str()).is_none(), "parameter {} twice in {}", k, url);
        }
        let mut unique: Vec<&str> = Vec::new();
        for s in &scopes {
            if !unique.contains(&s.as_str()) { unique.push(s); }
        }
        let mut want: BTreeMap<&str, String> = BTreeMap::new();
        want.insert("response_type", "code".into());
        want.insert("client_id", client.clone());
        want.insert("redirect_uri", redirect.clone());
        want.insert("state", pending["state"].as_str().unwrap().into());
        want.insert("code_challenge", s256(pending["codeVerifier"].as_str().unwrap()));
        want.insert("code_challenge_method", "S256".into());
        if !unique.is_empty() { want.insert("scope", unique.join(" ")); }
        if let Some(o) = &org { want.insert("dd_oid", o.clone()); }
        let got: BTreeMap<&str, String> = once.iter().map(|(k, v)| (*k, v.to_string())).collect();
        prop_assert_eq!(got, want);

        // The pending authorization keeps what the callback needs, unchanged.
        prop_assert_eq!(pending["redirectUri"].as_str().unwrap(), redirect.as_str());
        prop_assert_eq!(pending["createdAt"].as_u64().unwrap(), now);
        prop_assert_eq!(pending["state"].as_str().unwrap().len(), 43);

        // And the callback at that redirect URI, with that state, gives back the code (unless the redirect URI's
        // own query already names a callback parameter, which makes the callback ambiguous, as it should).
        let own_query = redirect.split_once('?').map(|(_, q)| q).unwrap_or("");
        let names = ["code", "state", "error", "error_description", "domain", "site", "dd_oid", "dd_org_name"];
        prop_assume!(!form_urlencoded::parse(own_query.as_bytes()).any(|(k, _)| names.contains(&&*k)));
        let sep = if redirect.contains('?') { '&' } else { '?' };
        let domain = want_site["site"].as_str().unwrap();
        let state = pending["state"].as_str().unwrap();
        let cb = format!("{redirect}{sep}code=c%2B0de&state={state}&domain={domain}");
        let r = dispatch("parseCallback", json!({ "url": cb, "pending": pending, "now": now + 1 }));
        let r = r.unwrap_or_else(|e| panic!("{cb}: {e:?}"));
        prop_assert_eq!(&r["code"], "c+0de");
        prop_assert_eq!(&r["domain"], domain);
    }
}
