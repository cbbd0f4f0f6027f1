//! Retry decisions from any status and headers (Retry-After as seconds or an HTTP date, X-RateLimit-Reset):
//! never a panic, never a wait beyond the cap without saying so.
#![no_main]
use datadog_oauth_wasm::http::Replay;
use datadog_oauth_wasm::retry::{decide, http_date_ms, RetryInput};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::collections::BTreeMap;

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let status = match data[0] % 4 {
        0 => None,
        1 => Some(429),
        2 => Some(500 + u16::from(data[1] % 100)),
        _ => Some(u16::from_le_bytes([data[1], data[2]])),
    };
    let attempt = u32::from(data[3] % 12);
    let text = String::from_utf8_lossy(&data[4..]);
    let _ = http_date_ms(&text);
    let mut headers = BTreeMap::new();
    let (a, b) = text.split_once('\n').unwrap_or((&text, ""));
    headers.insert("Retry-After".to_string(), Value::String(a.to_string()));
    headers.insert("x-ratelimit-reset".to_string(), Value::String(b.to_string()));
    for replay in [Replay::Retry, Replay::CreateOnce, Replay::Never] {
        let input = RetryInput { status, headers: headers.clone(), attempt, replay, random: 0.5, now: Some(1_700_000_000_000), base_ms: None, cap_ms: None, max_attempts: None, max_server_delay_ms: None, deadline: None };
        if let Ok(d) = decide(&input) {
            if d.retry {
                assert!(d.delay_ms <= 5 * 60 * 1000, "retry after {} ms", d.delay_ms);
                assert!(replay != Replay::Never);
            }
        }
    }
});
