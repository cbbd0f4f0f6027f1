//! Token-endpoint answers (exchange, refresh, revoke) as any status and body: a Connection or a typed error, and
//! no error ever carries a secret of the exchange (`$C`, `$S`, `$V`, `$A`, `$R` in the input become them).
#![no_main]
use datadog_oauth_wasm::connection::Connection;
use datadog_oauth_wasm::http::HttpResponse;
use datadog_oauth_wasm::secret::Secret;
use datadog_oauth_wasm::token::{parse_refresh_response, parse_revoke_response, parse_token_response, ExchangeContext};
use libfuzzer_sys::fuzz_target;

const SECRETS: [(&str, &str); 5] = [("$C", "code-FUZZ-77"), ("$S", "cs-FUZZ-SECRET"), ("$V", "verifier-FUZZ-0123456789-abcdefghijklmnopqrstu"), ("$A", "at-FUZZ-OLD-1"), ("$R", "rt-FUZZ-OLD-2")];

/// The secrets a call knows, by index into SECRETS: the exchange knows all five (the previous connection's
/// tokens included), refresh and revoke know the connection's tokens only (the host scrubs the client secret).
fn no_secret(e: &datadog_oauth_wasm::Error, known: &[usize]) {
    let all = format!("{e:?} {} {} {:?}", e.message, e.hint, e.body);
    for s in known.iter().map(|&i| SECRETS[i].1) {
        assert!(!all.contains(s), "secret {s} in error: {all}");
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let status = match data[0] {
        0..=199 => 200 + u16::from(data[1] % 8),
        200..=249 => 400 + u16::from(data[1] % 32),
        _ => u16::from_le_bytes([data[0], data[1]]),
    };
    let mut body = String::from_utf8_lossy(&data[2..]).into_owned();
    for (mark, s) in SECRETS {
        body = body.replace(mark, s);
    }
    let resp = HttpResponse { status, headers: Default::default(), body };
    let ctx = ExchangeContext {
        now: 1_000_000,
        domain: "datadoghq.eu".into(),
        client_secret: Some(Secret::new(SECRETS[1].1)),
        code: Some(Secret::new(SECRETS[0].1)),
        code_verifier: Some(Secret::new(SECRETS[2].1)),
        ..Default::default()
    };
    let previous: Connection = serde_json::from_value(serde_json::json!({
        "site": "datadoghq.eu", "accessToken": SECRETS[3].1, "refreshToken": SECRETS[4].1, "expiresAt": 10, "createdAt": 1, "updatedAt": 1
    }))
    .unwrap();
    for (prev, known) in [(None, &[0usize, 1, 2][..]), (Some(&previous), &[0, 1, 2, 3, 4][..])] {
        match parse_token_response(&resp, &ctx, prev) {
            Ok(c) => {
                assert!((200..300).contains(&status));
                assert!(!c.access_token.is_empty());
                assert!(c.expires_at >= ctx.now);
                assert_eq!(c.site.site, "datadoghq.eu");
                assert!(!format!("{c:?}").contains("FUZZ"), "Debug of a connection shows a secret");
            }
            Err(e) => no_secret(&e, known),
        }
    }
    match parse_refresh_response(&resp, &previous, 2_000_000) {
        Ok(c) => assert!(c.expires_at >= 2_000_000 && !c.access_token.is_empty()),
        Err(e) => no_secret(&e, &[3, 4]),
    }
    // Either answer: to the first revoke, or to its bearer fallback (RFC 7009, not repeated).
    for bearer_sent in [false, true] {
        match parse_revoke_response(&resp, Some(&previous), bearer_sent) {
            Ok(r) => assert!(r.revoked && (200..300).contains(&status)),
            Err(e) => no_secret(&e, &[3, 4]),
        }
    }
});
