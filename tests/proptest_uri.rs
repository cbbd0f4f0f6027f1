//! Property: `uri.rs` never reads a URL differently from the `url` crate (WHATWG URL, as browsers read it): wherever
//! it accepts an input, scheme, host, port and path agree (tests/support/uri_agree.rs lists the intended differences
//! with their reasons). Inputs are URL-shaped (hosts, IPv4/IPv6 literals, ports, paths, queries, fragments, with the
//! characters parsers disagree on) and arbitrary printable ASCII. Deterministic (proptest's no_std fixed seed).
#![cfg(not(target_arch = "wasm32"))]

#[path = "support/uri_agree.rs"]
mod uri_agree;

use datadog_oauth_wasm::uri::Uri;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

fn chars_of(set: &'static str, len: std::ops::Range<usize>) -> impl Strategy<Value = String> + Clone {
    vec(select(set.chars().collect::<Vec<_>>()), len).prop_map(|v| v.into_iter().collect())
}

fn label() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => chars_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", 1..10),
        1 => chars_of("0123456789", 1..5),
        1 => chars_of("0123456789abcdefxX", 1..6).prop_map(|s| format!("0x{s}")),
        1 => chars_of("abcdefghijklmnopqrstuvwxyz0123456789-", 1..12).prop_map(|s| format!("xn--{s}")),
        1 => select(vec!["xn--nxasmq6b", "xn--bcher-kva", "xn--dtdg-sqa", "localhost", "datadoghq", "eu", "com", "ddog-gov"]).prop_map(String::from),
    ]
}

fn host() -> impl Strategy<Value = String> {
    let ipv4 = vec(0u16..300, 1..6).prop_map(|v| v.iter().map(u16::to_string).collect::<Vec<_>>().join("."));
    let leading_zero = (0u8..=255, 0u8..=255).prop_map(|(a, b)| format!("127.0{a}.{b}.1"));
    let groups = vec(chars_of("0123456789abcdefABCDEF", 0..5), 1..10);
    let ipv6 = (groups, any::<bool>(), 0usize..9).prop_map(|(g, gap, at)| {
        let mut parts = g;
        if gap {
            let at = at.min(parts.len());
            parts.insert(at, String::new());
        }
        format!("[{}]", parts.join(":"))
    });
    let ipv6_raw = chars_of("0123456789abcdef:.", 0..20).prop_map(|s| format!("[{s}]"));
    prop_oneof![
        8 => (vec(label(), 1..4), select(vec!["", "", "", "."])).prop_map(|(l, dot)| format!("{}{dot}", l.join("."))),
        2 => ipv4,
        1 => leading_zero,
        2 => ipv6,
        1 => ipv6_raw,
        1 => select(vec!["[::1]", "[0:0:0:0:0:0:0:1]", "[::ffff:1.2.3.4]", "[1::]", "[::]", "[:::]", "[1:2]", "[1:2:3:4:5:6:7:8:9]"]).prop_map(String::from),
    ]
}

fn port() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just(String::new()),
        2 => any::<u16>().prop_map(|p| format!(":{p}")),
        1 => (0u32..100_000).prop_map(|p| format!(":{p}")),
        1 => select(vec![":", ":443", ":80", ":0443", ":00080", ":65535", ":65536", ":1e3", ": 1"]).prop_map(String::from),
    ]
}

const PATH_CHARS: &str = "abcdXYZ0189-._~!$&'()*+,;=:@%2eEF\"<>`{}^|[]";

fn path() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just(String::new()),
        6 => vec(prop_oneof![3 => chars_of(PATH_CHARS, 0..8), 1 => select(vec![".", "..", "%2e", "%2E%2e", "a%2fb", "%41", "%zz", ""]).prop_map(String::from)], 1..5)
            .prop_map(|segs| format!("/{}", segs.join("/"))),
    ]
}

fn tail() -> impl Strategy<Value = String> {
    let q = chars_of("a=1&b=%20+c?/#:@\"'<>`{}", 0..10);
    (prop_oneof![Just(String::new()), q.clone().prop_map(|s| format!("?{s}"))], prop_oneof![Just(String::new()), q.prop_map(|s| format!("#{s}"))])
        .prop_map(|(q, f)| format!("{q}{f}"))
}

fn url_shaped() -> impl Strategy<Value = String> {
    let scheme = prop_oneof![
        8 => select(vec!["https://", "http://", "HTTPS://", "hTTp://"]),
        1 => select(vec!["https:/", "https:", "ftp://", "//", "https:///"]),
    ];
    let userinfo = prop_oneof![12 => Just(""), 1 => select(vec!["u@", "u:p@", "%40@", "@"])];
    (scheme, userinfo, host(), port(), path(), tail()).prop_map(|(s, u, h, p, pa, t)| format!("{s}{u}{h}{p}{pa}{t}"))
}

fn ascii() -> impl Strategy<Value = String> {
    let printable: String = (0x21u8..0x7f).map(char::from).collect();
    let printable: &'static str = Box::leak(printable.into_boxed_str());
    (select(vec!["https://", "http://", ""]), chars_of(printable, 0..30)).prop_map(|(s, rest)| format!("{s}{rest}"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4096, ..ProptestConfig::default() })]

    #[test]
    fn url_shaped_inputs_agree_with_the_url_crate(text in url_shaped()) {
        uri_agree::agree(&text).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn arbitrary_ascii_agrees_with_the_url_crate(text in ascii()) {
        uri_agree::agree(&text).map_err(TestCaseError::fail)?;
    }
}

/// The property tests something: most URL-shaped inputs are accepted, and the checker sees a disagreement.
#[test]
fn the_generator_reaches_accepted_urls_and_the_checker_bites() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = url_shaped();
    let accepted = (0..2000).filter(|_| Uri::parse(&strategy.new_tree(&mut runner).unwrap().current()).is_ok()).count();
    eprintln!("uri.rs accepts {accepted} of 2000 generated URL-shaped inputs");
    assert!(accepted > 200, "only {accepted} of 2000 generated URLs are accepted: the property would test little");
    for fine in ["https://app.datadoghq.eu/cb?x=1#y", "http://[0:0:0:0:0:0:0:1]:8080/a\"b", "http://127.0.0.1/", "https://xn--bcher-kva.example/"] {
        assert!(Uri::parse(fine).is_ok(), "{fine}");
        uri_agree::agree(fine).unwrap();
    }
    // A reading that differs in host, port or path is reported.
    let ours = Uri::parse("https://a.example:8443/x").unwrap();
    for other in ["https://b.example:8443/x", "https://a.example/x", "https://a.example:8443/y", "http://a.example:8443/x", "https://a.example:8443/x?q"] {
        assert!(uri_agree::same("test", &ours, &url::Url::parse(other).unwrap()).is_err(), "{other}");
    }
    assert!(uri_agree::same("test", &ours, &url::Url::parse("https://A.example:8443/x").unwrap()).is_ok());
}
