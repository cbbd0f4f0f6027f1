//! The callback URL against a fixed pending authorization: only our state, our redirect URI and a site that
//! agrees with the one the flow began on get through; everything else is a typed error.
#![no_main]
use datadog_oauth_wasm::authorize::{authorization_with, AuthorizationParams, Pending};
use datadog_oauth_wasm::callback::{parse_callback, CallbackOptions};
use datadog_oauth_wasm::site::{resolve_site, SiteInput};
use libfuzzer_sys::fuzz_target;

const NOW: u64 = 1_700_000_000_000;

fn pending(site: Option<&str>) -> Pending {
    let p = AuthorizationParams {
        client_id: "client".into(),
        redirect_uri: "https://partner.example/cb".into(),
        site: site.map(|s| SiteInput::Text(s.into())),
        now: NOW,
        ..Default::default()
    };
    authorization_with(&p, &[7u8; 32], &[9u8; 96], NOW).unwrap().pending
}

fuzz_target!(|data: &[u8]| {
    let (mode, rest) = data.split_first().unwrap_or((&0, &[]));
    let text = String::from_utf8_lossy(rest);
    let site = [None, Some("eu1"), Some("acme.datadoghq.com")][(*mode as usize / 4) % 3];
    let p = pending(site);
    let url = match mode % 4 {
        0 => text.into_owned(),
        1 => format!("https://partner.example/cb?{text}"),
        2 => format!("/cb?state={}&{text}", p.state),
        _ => format!("https://partner.example/cb?code=c0de&state={}&{text}", p.state),
    };
    let opts = CallbackOptions::default();
    let first = parse_callback(&url, &p, NOW + 1000, &opts);
    // Parsing is pure: the same callback parsed twice gives the same answer (replay protection is the code's
    // single use at Datadog, not the parser's business).
    let second = parse_callback(&url, &p, NOW + 1000, &opts);
    match (&first, &second) {
        (Ok(a), Ok(b)) => assert_eq!((a.code.expose(), &a.site), (b.code.expose(), &b.site)),
        (Err(a), Err(b)) => assert_eq!(a.code, b.code),
        _ => panic!("parse_callback is not deterministic"),
    }
    if let Ok(cb) = first {
        assert!(!cb.code.is_empty());
        assert!(!cb.site.custom);
        assert_eq!(cb.domain, cb.site.site);
        assert!(url.contains(&p.state), "accepted without our state");
        if let Some(s) = site {
            assert!(resolve_site(s).unwrap().same_site(&cb.site), "site changed between start and callback");
        }
    }
});
