//! Error bodies in every shape Datadog uses (OAuth JSON, API JSON, form, text) with any headers: one typed error
//! with a bounded, redacted excerpt.
#![no_main]
use datadog_oauth_wasm::http::HttpResponse;
use datadog_oauth_wasm::response::{http_error, parse_error_body, redacted_excerpt, retry_after_ms};
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeMap;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let status = u16::from_le_bytes([data[0], data[1]]) % 1000;
    let text = String::from_utf8_lossy(&data[2..]);
    // Header lines, a blank line, the body.
    let (head, body) = text.split_once("\n\n").unwrap_or(("", &text));
    let mut headers = BTreeMap::new();
    for line in head.lines() {
        if let Some((k, v)) = line.split_once(':') {
            headers.insert(k.to_string(), v.to_string());
        }
    }
    let resp = HttpResponse { status, headers, body: body.to_string() };
    let e = http_error(&resp);
    assert_eq!(e.status, Some(status));
    assert!(!e.code.as_str().is_empty());
    // Bounded: the message quotes at most an excerpt; the body excerpt is at most 300 characters (+ "…").
    if let Some(b) = &e.body {
        assert!(b.chars().count() <= 301, "excerpt of {} chars", b.chars().count());
    }
    assert!(e.message.len() <= 4 * 2000, "message of {} bytes", e.message.len());
    let _ = parse_error_body(body);
    let ex = redacted_excerpt(body);
    assert!(ex.chars().count() <= 301);
    // A Retry-After the response carries is the wait the typed error reports, to the millisecond; one it does not
    // carry (or cannot be read) leaves the wait to the 429's quota reset, or to nothing.
    match retry_after_ms(&resp) {
        Some(ms) => assert_eq!(e.retry_after_ms, Some(ms)),
        None if status != 429 => assert_eq!(e.retry_after_ms, None),
        None => {}
    }
    let _ = resp.rate_limit();
});
