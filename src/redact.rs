//! Exact-match redaction: every secret the library put into a request (token, refresh token, API key, client
//! secret, code, verifier) is removed by value from everything derived from that request's answer, on top of the
//! token-like heuristic of `response::redacted_excerpt`, which cannot recognise short or letter-only secrets.
//! The secrets are found in the operation's own arguments, so every parse operation is covered the same way.

use crate::error::Error;
use serde_json::Value;

/// Shorter values would match ordinary words by chance; the heuristic still covers token-like ones.
const MIN_LEN: usize = 4;

/// Argument fields that hold a secret, at the top level and inside `connection`/`previous`.
const SECRET_FIELDS: &[&str] = &["clientSecret", "code", "codeVerifier", "applicationKey", "apiKey", "accessToken", "refreshToken"];
/// Request headers that carry a credential (the scheme word of `Authorization` is not a secret).
const SECRET_HEADERS: &[&str] = &["authorization", "dd-api-key", "dd-application-key"];
/// Form and query parameters that carry a credential.
const SECRET_PARAMS: &[&str] =
    &["client_secret", "code", "code_verifier", "refresh_token", "token", "access_token", "api_key", "application_key", "client_assertion"];

fn push(out: &mut Vec<String>, v: Option<&str>) {
    if let Some(v) = v.map(str::trim).filter(|v| v.len() >= MIN_LEN) {
        if !out.iter().any(|s| s == v) {
            out.push(v.to_string());
        }
    }
}

fn form_secrets(text: &str, out: &mut Vec<String>) {
    for (k, v) in form_urlencoded::parse(text.as_bytes()) {
        if SECRET_PARAMS.contains(&&*k) {
            push(out, Some(&v));
        }
    }
}

/// The secrets inside a request description `{url, headers, body}` (any part may be missing).
pub fn request_secrets(req: &Value, out: &mut Vec<String>) {
    if let Some(h) = req.get("headers").and_then(Value::as_object) {
        for (k, v) in h {
            if let (true, Some(v)) = (SECRET_HEADERS.iter().any(|s| k.eq_ignore_ascii_case(s)), v.as_str()) {
                // `Bearer <token>`: the token alone, so that an echo of it without the scheme is found too.
                push(out, Some(v.split_once(' ').map_or(v, |(_, t)| t)));
            }
        }
    }
    if let Some(url) = req.get("url").and_then(Value::as_str) {
        if let Some((_, q)) = url.split_once('?') {
            form_secrets(q.split('#').next().unwrap_or(""), out);
        }
    }
    // Form bodies (token, refresh, revoke); JSON bodies carry payload, not credentials.
    if let Some(b) = req.get("body").and_then(Value::as_str).filter(|b| b.len() <= 65_536 && !b.trim_start().starts_with(['{', '['])) {
        form_secrets(b, out);
    }
}

/// Every secret an operation's arguments hold: the caller's secrets, the connection's (and `previous`'s) tokens and
/// key, and what the `request` this answers carried.
pub fn secrets_in_args(args: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for obj in [Some(args), args.get("connection"), args.get("previous")].into_iter().flatten() {
        for k in SECRET_FIELDS {
            push(&mut out, obj.get(*k).and_then(Value::as_str));
        }
    }
    if let Some(r) = args.get("request") {
        request_secrets(r, &mut out);
    }
    // Longest first: a secret that contains another is replaced whole.
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out
}

/// Replace each secret by `***` wherever it appears in the error's texts.
pub fn scrub(mut err: Error, secrets: &[&str]) -> Error {
    for v in secrets.iter().filter(|s| s.len() >= MIN_LEN) {
        err.message = err.message.replace(v, "***");
        err.hint = err.hint.replace(v, "***");
        if let Some(b) = err.body.as_mut() {
            *b = b.replace(v, "***");
        }
        if let Some(f) = err.field.as_mut() {
            *f = f.replace(v, "***");
        }
    }
    err
}

/// `scrub` with the secrets found in `args`.
pub fn scrub_args(err: Error, args: &Value) -> Error {
    let secrets = secrets_in_args(args);
    scrub(err, &secrets.iter().map(String::as_str).collect::<Vec<_>>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use serde_json::json;

    #[test]
    fn finds_request_and_argument_secrets() {
        let args = json!({
            "clientSecret": "cs12", "connection": {"accessToken": "at34", "apiKey": "key5"},
            "request": {"url": "https://x/?api_key=qk67&a=b", "headers": {"Authorization": "Bearer tk89", "dd-api-key": "hk10"},
                        "body": "grant_type=authorization_code&code=cd11&code_verifier=vf12&client_id=cid"}
        });
        let mut got = secrets_in_args(&args);
        got.sort();
        assert_eq!(got, ["at34", "cd11", "cs12", "hk10", "key5", "qk67", "tk89", "vf12"]);
        let e = scrub_args(Error::new(ErrorCode::HttpError, "echo tk89 and cd11", "x").with_body("vf12!"), &args);
        assert_eq!((e.message.as_str(), e.body.as_deref()), ("echo *** and ***", Some("***!")));
    }
}
