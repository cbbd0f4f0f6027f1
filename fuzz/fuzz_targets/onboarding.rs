//! The onboarding URL Datadog opens: `site` and `domain` read into one of the nine sites (or none), repeated
//! or oversized parameters refused, every failure typed.
#![no_main]
use datadog_oauth_wasm::authorize::parse_onboarding_url;
use datadog_oauth_wasm::site::sites;
use datadog_oauth_wasm::ErrorCode;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (mode, rest) = data.split_first().unwrap_or((&0, &[]));
    let text = String::from_utf8_lossy(rest);
    let url = match mode % 3 {
        0 => text.into_owned(),
        1 => format!("https://partner.example/onboard?{text}"),
        _ => format!("/onboard?{text}"),
    };
    match parse_onboarding_url(&url, &[]) {
        Ok(o) => match (&o.site, &o.domain) {
            (None, None) => {}
            (Some(s), Some(d)) => {
                assert!(!s.custom);
                assert_eq!(&s.site, d);
                assert!(sites().iter().any(|k| k.same_site(s)));
            }
            other => panic!("site and domain disagree: {other:?}"),
        },
        Err(e) => assert!(matches!(e.code, ErrorCode::InvalidCallback | ErrorCode::InvalidSite | ErrorCode::SiteMismatch), "{:?}", e.code),
    }
});
