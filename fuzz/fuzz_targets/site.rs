//! Site resolution from untrusted text: never a panic, and only ever one of the nine built-in sites (a vanity
//! host moves only the consent page); a custom site only when the caller configured it. Also `customSite` and
//! Datadog's bare `domain`.
#![no_main]
use datadog_oauth_wasm::site::{custom_site, resolve_site_in, site_for_domain, sites, CustomSiteSpec, Site};
use datadog_oauth_wasm::uri::Uri;
use datadog_oauth_wasm::ErrorCode;
use libfuzzer_sys::fuzz_target;

fn check_known(s: &Site) {
    assert!(!s.custom, "custom site from untrusted text: {s:?}");
    let base = sites().into_iter().find(|k| k.id == s.id).expect("one of the nine sites");
    assert_eq!(s.canonical(), base, "only the authorize host may differ");
    match &s.vanity {
        None => assert_eq!(s.authorize_origin, s.app_origin),
        Some(v) => {
            assert_eq!(s.authorize_origin, format!("https://{v}"));
            assert!(v.ends_with(&format!(".{}", s.site)), "vanity {v} outside {}", s.site);
            let label = &v[..v.len() - s.site.len() - 1];
            assert!(!label.is_empty() && !label.contains('.'), "vanity {v} is not one label under the site");
            assert!(v.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-'), "vanity {v:?}");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match resolve_site_in(&text, &[]) {
        Ok(s) => check_known(&s),
        Err(e) => assert_eq!(e.code, ErrorCode::InvalidSite),
    }
    let local = custom_site(&CustomSiteSpec {
        id: Some("local".into()),
        site: "datadoghq.eu".into(),
        app_origin: "http://127.0.0.1:9001".into(),
        api_origin: "http://127.0.0.1:9002".into(),
        ..Default::default()
    })
    .unwrap();
    match resolve_site_in(&text, std::slice::from_ref(&local)) {
        Ok(s) if s.custom => assert_eq!(s, local),
        Ok(s) => check_known(&s),
        Err(e) => assert_eq!(e.code, ErrorCode::InvalidSite),
    }
    match site_for_domain(&text, &[]) {
        Ok(s) => {
            check_known(&s);
            assert!(s.vanity.is_none());
            assert_eq!(s.site, text.trim().to_ascii_lowercase());
        }
        Err(e) => assert_eq!(e.code, ErrorCode::InvalidSite),
    }
    // customSite from three lines: site, app origin, API origin.
    let mut lines = text.splitn(3, '\n');
    let spec = CustomSiteSpec {
        site: lines.next().unwrap_or("").into(),
        app_origin: lines.next().unwrap_or("").into(),
        api_origin: lines.next().unwrap_or("").into(),
        ..Default::default()
    };
    match custom_site(&spec) {
        Ok(s) => {
            assert!(s.custom);
            for origin in [&s.app_origin, &s.api_origin, &s.logs_origin] {
                let u = Uri::parse(origin).expect("custom origins re-parse");
                assert!(u.is_origin_only());
                assert_eq!(&u.origin(), origin);
                assert!(u.scheme == "https" || u.host.is_loopback(), "plain http off loopback: {origin}");
            }
        }
        Err(e) => assert_eq!(e.code, ErrorCode::InvalidSite),
    }
});
