//! Redaction, in one module: untrusted text quoted bounded and without control characters (`quote`, `bounded`), server
//! bodies cut short with token-like runs replaced (`redacted_excerpt`), untrusted names kept as data (`printable`),
//! credential headers hidden from Debug output (`redacted_headers`), and every secret the library put into a request
//! removed by value from what its answer became (`scrub`), since the heuristic cannot recognise short or letter-only
//! secrets. Depends on no other module but `secret`, so every module may use it (errors through the `Texts` trait).

use crate::secret::Secret;
#[cfg(any(feature = "client", feature = "intake"))]
use serde_json::Value;
use std::collections::BTreeMap;

/// Quote untrusted text in a message: bounded in length and stripped of control characters,
/// so a megabyte-long or terminal-escaping input cannot turn an error into an attack.
pub fn quote(text: &str) -> String {
    quote_within(text, 80)
}

/// `quote` with another bound on the characters kept.
pub fn quote_within(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max) + 4);
    out.push('"');
    for (i, c) in text.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.push_str(&c.escape_default().to_string());
        } else {
            out.push(c);
        }
    }
    out.push('"');
    out
}

/// Untrusted text kept as data (an org name Datadog sent): control characters dropped, at most `max` characters.
#[cfg(feature = "client")]
#[inline] // Its one caller's copy costs less wasm than a call (22 gzipped bytes measured).
pub fn printable(text: &str, max: usize) -> String {
    text.chars().filter(|c| !c.is_control()).take(max).collect()
}

/// A key from the caller's data as it appears in a field path: `quote` without the quotes, so a megabyte-long or
/// terminal-escaping key cannot blow up an error.
#[cfg(feature = "intake")]
pub fn bounded(key: &str) -> String {
    let q = quote(key);
    q[1..q.len() - 1].to_string()
}

/// A short excerpt of a body for an error, with anything token-like replaced: long runs of token characters
/// mixing letters and digits (access tokens, API keys, codes) become `***`, so an echoing server cannot leak a secret into our errors.
pub fn redacted_excerpt(body: &str) -> String {
    const MAX: usize = 300;
    let mut out = String::new();
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        let token_like = run.len() >= 20 && run.bytes().any(|b| b.is_ascii_digit()) && run.bytes().any(|b| b.is_ascii_alphabetic());
        if token_like {
            out.push_str("***");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in body.chars().take(MAX * 4) {
        if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '~' | '+' | '/' | '=') {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(if c.is_control() { ' ' } else { c });
        }
    }
    flush(&mut run, &mut out);
    if out.chars().count() > MAX {
        out = out.chars().take(MAX).collect::<String>() + "…";
    }
    out
}

/// Headers whose values Debug output never shows: request bodies carry client secrets, codes and tokens, these
/// headers carry tokens, keys and sessions.
const HIDDEN_HEADERS: &[&str] = &["authorization", "dd-api-key", "dd-application-key", "cookie", "set-cookie"];

/// The headers as Debug may print them: credential values replaced by `***`.
pub fn redacted_headers(h: &BTreeMap<String, String>) -> BTreeMap<&str, &str> {
    h.iter().map(|(k, v)| (k.as_str(), if HIDDEN_HEADERS.iter().any(|s| k.eq_ignore_ascii_case(s)) { "***" } else { v.as_str() })).collect()
}

/// Every text of a value that a server's echo may have reached (`Error` implements it: message, hint, body, field).
pub trait Texts {
    fn texts(&mut self) -> Vec<&mut String>;
}

/// Shorter values would match ordinary words by chance; the heuristic still covers token-like ones.
const MIN_LEN: usize = 4;

/// Argument fields that hold a secret, at the top level and inside `connection`/`previous`.
#[cfg(any(feature = "client", feature = "intake"))]
const SECRET_FIELDS: &[&str] = &["clientSecret", "code", "codeVerifier", "applicationKey", "apiKey", "accessToken", "refreshToken"];
/// Request headers that carry a credential (the scheme word of `Authorization` is not a secret).
#[cfg(any(feature = "client", feature = "intake"))]
const SECRET_HEADERS: &[&str] = &["authorization", "dd-api-key", "dd-application-key"];
/// Form and query parameters that carry a credential.
#[cfg(any(feature = "client", feature = "intake"))]
const SECRET_PARAMS: &[&str] =
    &["client_secret", "code", "code_verifier", "refresh_token", "token", "access_token", "api_key", "application_key", "client_assertion"];

/// Adds a secret once, longest first (a secret that contains another is replaced whole), after those as long as it:
/// the order a stable sort by length gave, kept as the list grows. The list was sorted once at the end instead, and
/// that sort was the last stable sort in the full core (~2 KB of wasm of its own, issue 16); finding the place is
/// the same walk the duplicate check makes.
#[cfg(any(feature = "client", feature = "intake"))]
fn push(out: &mut Vec<String>, v: Option<&str>) {
    if let Some(v) = v.map(str::trim).filter(|v| v.len() >= MIN_LEN) {
        if !out.iter().any(|s| s == v) {
            let at = out.iter().position(|s| s.len() < v.len()).unwrap_or(out.len());
            out.insert(at, v.to_string());
        }
    }
}

#[cfg(any(feature = "client", feature = "intake"))]
fn form_secrets(text: &str, out: &mut Vec<String>) {
    for (k, v) in form_urlencoded::parse(text.as_bytes()) {
        if SECRET_PARAMS.contains(&&*k) {
            push(out, Some(&v));
        }
    }
}

/// The secrets inside a request description `{url, headers, body}` (any part may be missing).
#[cfg(any(feature = "client", feature = "intake"))]
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
#[cfg(any(feature = "client", feature = "intake"))]
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
    // Longest first (`push`): a secret that contains another is replaced whole.
    out
}

/// Replace each secret by `***` wherever it appears in the value's texts.
pub fn scrub<T: Texts>(mut t: T, secrets: &[&str]) -> T {
    for v in secrets.iter().filter(|s| s.len() >= MIN_LEN) {
        for text in t.texts() {
            if text.contains(v) {
                *text = text.replace(v, "***");
            }
        }
    }
    t
}

/// `scrub` with the secrets a connection (or a call) holds.
pub fn scrub_secrets<T: Texts>(t: T, secrets: &[&Secret]) -> T {
    scrub(t, &secrets.iter().map(|s| s.expose()).collect::<Vec<_>>())
}

/// `scrub` with the secrets found in `args`.
#[cfg(any(feature = "client", feature = "intake"))]
pub fn scrub_args<T: Texts>(t: T, args: &Value) -> T {
    let secrets = secrets_in_args(args);
    scrub(t, &secrets.iter().map(String::as_str).collect::<Vec<_>>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Error, ErrorCode};

    #[test]
    #[cfg(any(feature = "client", feature = "intake"))]
    fn finds_request_and_argument_secrets() {
        use serde_json::json;
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

    /// Longest first, and among equal lengths the order they were found in: what the stable sort by length gave.
    #[test]
    #[cfg(any(feature = "client", feature = "intake"))]
    fn secrets_come_longest_first_in_the_order_found() {
        use serde_json::json;
        let body = "code=aaaa1&code=bbbb2&code=cccc&code=dddddd4&code=eeee5&code=aaaa1&code=ffffffffff6&code=gggg";
        let args = json!({ "request": { "body": body }, "clientSecret": "hhhh8" });
        let got = secrets_in_args(&args);
        assert_eq!(got, ["ffffffffff6", "dddddd4", "hhhh8", "aaaa1", "bbbb2", "eeee5", "cccc", "gggg"]);
        let mut sorted = got.clone();
        sorted.sort_by_key(|s| std::cmp::Reverse(s.len()));
        assert_eq!(got, sorted);
        // One secret inside another: the longer is replaced whole, not left as `xx***xx`.
        let args = json!({ "clientSecret": "abcd", "connection": { "accessToken": "xxabcdxx" } });
        assert_eq!(scrub_args(Error::new(ErrorCode::HttpError, "echo xxabcdxx", "x"), &args).message, "echo ***");
    }

    #[test]
    fn quote_bounds_and_escapes() {
        let long = "a".repeat(10_000);
        assert!(quote(&long).chars().count() < 90);
        assert_eq!(quote("a\nb"), "\"a\\nb\"");
        assert_eq!(quote_within(&long, 300).chars().count(), 303);
        assert_eq!(quote_within("short", 300), "\"short\"");
    }

    #[test]
    #[cfg(feature = "intake")]
    fn bounded_keys_lose_quotes_and_control_characters() {
        assert_eq!(bounded("ta\u{1b}g"), "ta\\u{1b}g");
        assert!(bounded(&"k".repeat(1 << 20)).chars().count() <= 81);
    }

    #[test]
    #[cfg(feature = "client")]
    fn printable_drops_control_characters_and_bounds() {
        assert_eq!(printable("Ac\u{1b}[2Jme\n", 200), "Ac[2Jme");
        assert_eq!(printable(&"é".repeat(1000), 200).chars().count(), 200);
    }

    #[test]
    fn excerpt_hides_token_like_runs() {
        assert_eq!(redacted_excerpt("bad token ddsbx_at_9f8e7d6c5b4a39281706f5e4"), "bad token ***");
        assert_eq!(redacted_excerpt("unsupported_response_type"), "unsupported_response_type");
        assert_eq!(redacted_excerpt(&"x ".repeat(1000)).chars().count(), 301);
    }

    #[test]
    fn headers_hide_credentials_in_any_case() {
        let h: BTreeMap<String, String> = [("Authorization", "Bearer t"), ("DD-API-KEY", "k"), ("set-cookie", "s=1"), ("accept", "application/json")]
            .map(|(k, v)| (k.into(), v.into()))
            .into();
        let r = redacted_headers(&h);
        assert_eq!((r["Authorization"], r["DD-API-KEY"], r["set-cookie"], r["accept"]), ("***", "***", "***", "application/json"));
    }

    #[test]
    fn scrub_replaces_known_values_in_every_text() {
        let s = Secret::new("hunter2");
        let e = scrub_secrets(Error::new(ErrorCode::HttpError, "got hunter2", "x hunter2").with_body("hunter2!").with_field("a.hunter2"), &[&s]);
        assert_eq!((e.message.as_str(), e.hint.as_str(), e.body.as_deref(), e.field.as_deref()), ("got ***", "x ***", Some("***!"), Some("a.***")));
        assert_eq!(scrub(Error::new(ErrorCode::HttpError, "abc", "x"), &["abc"]).message, "abc", "too short to be matched by value");
    }
}
