//! Marketplace API-key answers: the key stored on the connection, or a typed error that never quotes the
//! connection's tokens (`$A`/`$R` in the input) nor a key from a reshaped answer.
#![no_main]
use datadog_oauth_wasm::api_key::parse_api_key_response;
use datadog_oauth_wasm::connection::Connection;
use datadog_oauth_wasm::http::HttpResponse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let status = match data[0] {
        0..=149 => 200 + u16::from(data[1] % 4),
        150..=249 => 400 + u16::from(data[1] % 16),
        _ => u16::from_le_bytes([data[0], data[1]]),
    };
    let body = String::from_utf8_lossy(&data[2..]).replace("$A", "at-FUZZ-TOKEN-1").replace("$R", "rt-FUZZ-TOKEN-2");
    let conn: Connection = serde_json::from_value(serde_json::json!({
        "site": "datadoghq.com", "accessToken": "at-FUZZ-TOKEN-1", "refreshToken": "rt-FUZZ-TOKEN-2", "expiresAt": 10, "createdAt": 1, "updatedAt": 1
    }))
    .unwrap();
    let resp = HttpResponse { status, headers: Default::default(), body };
    match parse_api_key_response(&resp, &conn, 5) {
        Ok(c) => {
            let key = c.api_key.as_ref().expect("a key");
            assert!(!key.is_empty() && key.expose().trim() == key.expose());
            assert_eq!(c.access_token.expose(), "at-FUZZ-TOKEN-1");
            assert!((200..300).contains(&status));
        }
        Err(e) => {
            let all = format!("{e:?} {} {} {:?}", e.message, e.hint, e.body);
            assert!(!all.contains("at-FUZZ-TOKEN-1") && !all.contains("rt-FUZZ-TOKEN-2"), "{all}");
        }
    }
});
