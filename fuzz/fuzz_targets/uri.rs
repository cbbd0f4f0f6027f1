//! The strict URL parser: whatever it accepts has no userinfo, backslash, whitespace or percent-encoded host,
//! and reads back to the same origin; a redirect URI is https (plain http only on loopback).
#![no_main]
use datadog_oauth_wasm::authorize::RedirectUri;
use datadog_oauth_wasm::uri::{Host, Uri};
use datadog_oauth_wasm::ErrorCode;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(u) = Uri::parse(&text) {
        assert!(!text.bytes().any(|b| b <= b' ' || b >= 0x7f || b == b'\\'));
        let authority_end = text.find("://").unwrap() + 3;
        let rest = &text[authority_end..];
        let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
        assert!(!authority.contains('@') && !authority.contains('%'), "{text}");
        let again = Uri::parse(&u.origin()).expect("an origin re-parses");
        assert_eq!((again.scheme, &again.host, again.port), (u.scheme, &u.host, u.port));
        if let Host::Domain(d) = &u.host {
            assert!(!d.is_empty() && d.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'_')), "{d:?}");
            assert!(!d.split('.').any(str::is_empty));
        }
        assert!(u.path.starts_with('/'));
        assert!(!u.path.split('/').any(|s| s == "." || s == ".."));
        // Relative references resolve against the base's origin only.
        let base = Uri::parse("https://partner.example/cb").unwrap();
        if let Ok(r) = Uri::parse_with_base(&u.path, &base) {
            assert_eq!(r.origin(), "https://partner.example");
        }
    }
    let base = Uri::parse("https://partner.example/cb").unwrap();
    if let Ok(r) = Uri::parse_with_base(&text, &base) {
        if text.starts_with('/') {
            assert_eq!(r.origin(), "https://partner.example", "{text}");
        }
    }
    match RedirectUri::parse(&text) {
        Ok(r) => {
            assert_eq!(r.as_str(), &*text);
            assert!(r.url().fragment.is_none());
            assert!(r.url().scheme == "https" || r.url().host.is_loopback());
        }
        Err(e) => assert_eq!(e.code, ErrorCode::InvalidRedirectUri),
    }
});
