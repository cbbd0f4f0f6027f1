//! Property: any string given as a site resolves to one of the nine built-in sites or to `invalid_site`; never a
//! panic, never a foreign host, and a custom site only when the caller passed it explicitly (and named it
//! exactly). Strings are both arbitrary Unicode and spoofing-shaped (look-alike hosts, userinfo, ports, IP
//! literals, case, trailing dots, percent-encoding). Deterministic, 256 cases per property.
#![cfg(not(target_arch = "wasm32"))]

use datadog_oauth_wasm::api::dispatch;
use datadog_oauth_wasm::site::{resolve_site_in, sites, Site};
use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::{json, Value};

fn any_string() -> impl Strategy<Value = String> {
    vec(any::<char>(), 0..40).prop_map(|v| v.into_iter().collect())
}

/// Hosts and parts that make up plausible spoofs.
fn spoof() -> impl Strategy<Value = String> {
    let table: Vec<&'static str> = datadog_oauth_wasm::site::SITES.iter().flat_map(|s| [s.site, s.app_host, s.id, s.name]).collect();
    let scheme = proptest::sample::select(vec!["", "https://", "HTTPS://", "http://", "hTTps://", "ftp://", "//", "https:/", "javascript:"]);
    let userinfo = proptest::sample::select(vec!["", "", "", "user@", "app.datadoghq.com@", "a:b@", "%40"]);
    let prefix = proptest::sample::select(vec![
        "",
        "",
        "",
        "acme.",
        "api.",
        "app.",
        "evil-",
        "evil.",
        "www.",
        "us4.",
        "a.b.",
        "xn--dtdg-sqa.",
        "-x.",
        "otlp.",
        "ACME.",
        "аcme.",
    ]);
    let host = proptest::sample::select(table);
    let suffix = proptest::sample::select(vec![
        "",
        "",
        "",
        ".",
        "..",
        ":443",
        ":8080",
        ":",
        ".evil.com",
        "evil.com",
        "/",
        "/x",
        "?site=x",
        "#",
        "%2e",
        "%00",
        "\u{3002}",
        "\u{ff0e}com",
        " ",
        "\t",
        "\u{200b}",
        "@evil.com",
        ".localhost",
    ]);
    let ip = proptest::sample::select(vec!["", "", "", "", "127.0.0.1", "[::1]", "0x7f.1", "2130706433", "169.254.169.254"]);
    (scheme, userinfo, prefix, host, suffix, ip, any::<bool>(), any::<u8>()).prop_map(|(scheme, userinfo, prefix, host, suffix, ip, upper, flip)| {
        let mut s = format!("{scheme}{userinfo}{prefix}{host}{suffix}");
        if !ip.is_empty() {
            s = format!("{scheme}{ip}{suffix}");
        }
        if upper {
            s = s.to_ascii_uppercase();
        }
        if flip % 5 == 0 && !s.is_empty() {
            // A look-alike: one character swapped for a confusable one.
            let i = (flip as usize / 5) % s.chars().count();
            s = s
                .chars()
                .enumerate()
                .map(|(k, c)| {
                    if k == i {
                        match c {
                            'o' => '0',
                            'a' => 'а',
                            'l' => '1',
                            'e' => 'е',
                            '.' => '。',
                            c => c,
                        }
                    } else {
                        c
                    }
                })
                .collect();
        }
        s
    })
}

fn check_builtin(input: &str, s: &Site) -> Result<(), TestCaseError> {
    prop_assert!(!s.custom, "{input:?} gave a custom site");
    let base = sites().into_iter().find(|k| k.id == s.id);
    prop_assert!(base.is_some(), "{input:?} gave an unknown site {s:?}");
    prop_assert_eq!(s.canonical(), base.unwrap(), "{:?}: API hosts must come from the table", input);
    if let Some(v) = &s.vanity {
        prop_assert_eq!(&s.authorize_origin, &format!("https://{v}"));
        prop_assert!(v.ends_with(&format!(".{}", s.site)), "{input:?}: vanity host {v} outside {}", s.site);
        prop_assert!(v.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-'));
    }
    Ok(())
}

fn local() -> Value {
    dispatch("customSite", json!({ "id": "sandbox", "site": "datadoghq.eu", "appOrigin": "http://127.0.0.1:9001", "apiOrigin": "http://127.0.0.1:9002" }))
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_text_is_a_builtin_site_or_invalid_site(input in prop_oneof![any_string(), spoof()]) {
        match resolve_site_in(&input, &[]) {
            Ok(s) => check_builtin(&input, &s)?,
            Err(e) => prop_assert_eq!(e.code.as_str(), "invalid_site"),
        }
        // The JSON surface agrees.
        match dispatch("resolveSite", json!({ "site": input })) {
            Ok(v) => prop_assert_eq!(v["custom"].as_bool(), Some(false)),
            Err(e) => prop_assert_eq!(e.code.as_str(), "invalid_site"),
        }
    }

    #[test]
    fn custom_only_when_passed_and_named_exactly(input in prop_oneof![any_string(), spoof(), proptest::sample::select(vec!["sandbox", "SANDBOX", "http://127.0.0.1:9001", "http://127.0.0.1:9001/", "http://127.0.0.1:9002", "datadoghq.eu", " http://127.0.0.1:9001 ", "http://127.0.0.1:9001/x", "http://localhost:9001"]).prop_map(str::to_string)]) {
        let local = local();
        let without = dispatch("resolveSite", json!({ "site": input }));
        if let Ok(v) = &without {
            prop_assert_eq!(v["custom"].as_bool(), Some(false));
        }
        match dispatch("resolveSite", json!({ "site": input, "sites": [local.clone()] })) {
            Ok(v) if v["custom"] == json!(true) => {
                prop_assert_eq!(&v, &local);
                let t = input.trim().trim_end_matches('/');
                prop_assert!(t.eq_ignore_ascii_case("sandbox") || t == "datadoghq.eu" || t == "http://127.0.0.1:9001" || t == "http://127.0.0.1:9002", "{:?} matched the custom site", input);
            }
            Ok(v) => {
                let s: Site = serde_json::from_value(v).unwrap();
                check_builtin(&input, &s)?;
            }
            Err(e) => prop_assert_eq!(e.code.as_str(), "invalid_site"),
        }
    }
}

/// A value for one descriptor field: absent, of the wrong type, or one of the strings a real or forged descriptor has.
#[cfg(feature = "client")]
fn descriptor_value() -> impl Strategy<Value = Option<Value>> {
    let strings = proptest::sample::select(vec![
        "datadoghq.eu",
        "datadoghq.com",
        "us3.datadoghq.com",
        "ddog-gov.com",
        "evil.example",
        "",
        "sandbox",
        "http://127.0.0.1:9001",
        "http://127.0.0.1:9002",
        "https://evil.example",
        "acme.datadoghq.eu",
        "acme.datadoghq.com",
        "https://api.datadoghq.eu",
    ]);
    let odd = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(|b| json!(b)),
        (0u32..5).prop_map(|n| json!(n)),
        Just(json!(["datadoghq.eu"])),
        Just(json!({ "site": "datadoghq.eu" })),
    ];
    prop_oneof![5 => Just(None), 12 => strings.prop_map(|s| Some(json!(s))), 1 => odd.prop_map(Some)]
}

#[cfg(feature = "client")]
fn descriptor() -> impl Strategy<Value = Value> {
    const KEYS: [&str; 12] =
        ["id", "name", "site", "appOrigin", "apiOrigin", "logsOrigin", "eventIntakeOrigin", "otlpOrigin", "authorizeOrigin", "vanity", "custom", "location"];
    (vec(descriptor_value(), 12), any::<bool>()).prop_map(|(values, custom)| {
        let mut d = serde_json::Map::new();
        for (k, v) in KEYS.iter().zip(values) {
            if let Some(v) = v {
                d.insert(k.to_string(), v);
            }
        }
        // `custom` is mostly a flag (a string there is a plain type error), half the cases custom descriptors.
        if d.get("custom").map_or(true, Value::is_string) {
            d.insert("custom".into(), json!(custom));
        }
        Value::Object(d)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// One codec, one rule: a descriptor read by the authorization operations (the hand-written JSON path) and one read
    /// inside a stored connection (serde, through the codec's bridge) give the same site or the same error code.
    #[cfg(feature = "client")]
    #[test]
    fn a_descriptor_reads_the_same_on_every_path(d in descriptor()) {
        let local = local();
        let direct = dispatch("resolveSite", json!({ "site": d, "sites": [local.clone()] }));
        let stored = dispatch("parseConnection", json!({ "connection": { "site": d, "accessToken": "t", "expiresAt": 1 }, "sites": [local] }));
        match (&direct, &stored) {
            (Ok(a), Ok(c)) => {
                for k in ["id", "site", "apiOrigin", "logsOrigin", "custom"] {
                    prop_assert_eq!(&a[k], &c["site"][k], "{} of {}", k, d);
                }
            }
            (Err(a), Err(b)) => prop_assert_eq!(a.code, b.code, "{}: {} / {}", d, a.message, b.message),
            _ => prop_assert!(false, "{} read differently: {:?} / {:?}", d, direct.as_ref().map(|_| ()), stored.as_ref().map(|_| ())),
        }
    }
}
