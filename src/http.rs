//! Request and response descriptions: the plain data that crosses between the sans-IO core and whatever
//! performs HTTP (the JS host's `fetch`, or a user's own client). The core never sends anything itself.

use crate::redact::{quote, redacted_headers};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Whether a request may be sent again after a failure whose outcome is unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Replay {
    /// Safe to resend on 408, 429 and 5xx (reads, token grants, intake batches).
    Retry,
    /// Creates something: resend only when the server said it did not process it (429).
    CreateOnce,
    /// Never resent automatically (the marketplace API key is shown once).
    Never,
    /// Single-use: sent exactly once whatever happens (the authorization code, policy 11). A failure whose outcome
    /// is unknown (no answer, 408, 5xx) or a 429 is reported as `exchange_interrupted`: the user starts again.
    Once,
}

// Fields in JSON key order: answers are written straight from this type (`args::reply`), as the sorted map they
// went through before wrote them.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Compression the host should apply to `body` before sending (`gzip` or `deflate`); the matching
    /// `content-encoding` header is already in `headers`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compress: Option<String>,
    /// Lower-case header names. May carry secrets (Authorization, DD-API-KEY): never log a request as is.
    pub headers: BTreeMap<String, String>,
    pub method: String,
    pub replay: Replay,
    pub url: String,
}

impl HttpRequest {
    pub fn new(method: &str, url: String, replay: Replay) -> Self {
        HttpRequest { method: method.to_string(), url, headers: BTreeMap::new(), body: None, compress: None, replay }
    }
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.insert(name.to_ascii_lowercase(), value.into());
        self
    }
    pub fn form_body(mut self, pairs: &[(&str, &str)]) -> Self {
        let mut form = crate::uri::Form::new();
        for (k, v) in pairs {
            form.pair(k, v);
        }
        self.body = Some(form.finish());
        self.header("content-type", "application/x-www-form-urlencoded")
    }
    pub fn json_body(mut self, body: String) -> Self {
        self.body = Some(body);
        self.header("content-type", "application/json")
    }
}

#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpResponse {
    pub status: u16,
    /// Header names in any case; lookups are case-insensitive.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub body: String,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    pub fn rate_limit(&self) -> Option<RateLimit> {
        RateLimit::from_response(self)
    }
}

// Debug shows the shape, never the credentials: bodies carry client secrets, codes and freshly issued tokens and
// keys (so only their length is shown), and `redact::redacted_headers` hides the credential headers.
impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &redacted_headers(&self.headers))
            .field("body", &self.body.as_ref().map(|b| format!("<{} bytes>", b.len())))
            .field("compress", &self.compress)
            .field("replay", &self.replay)
            .finish()
    }
}

impl std::fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &redacted_headers(&self.headers))
            .field("body", &format!("<{} bytes>", self.body.len()))
            .finish()
    }
}

// Fields in JSON key order: answers are written straight from this type (`args::reply`), as the sorted map they
// went through before wrote them.
/// Datadog's `X-RateLimit-*` headers, exposed on results and errors so callers can pace themselves.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RateLimit {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining: Option<u64>,
    /// Seconds until the window resets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reset: Option<u64>,
}

impl RateLimit {
    pub fn from_response(r: &HttpResponse) -> Option<RateLimit> {
        let num = |h: &str| r.header(h).and_then(|v| v.trim().parse::<u64>().ok());
        let rl = RateLimit {
            limit: num("x-ratelimit-limit"),
            period: num("x-ratelimit-period"),
            remaining: num("x-ratelimit-remaining"),
            reset: num("x-ratelimit-reset"),
            name: r.header("x-ratelimit-name").map(|s| quote(s).trim_matches('"').to_string()),
        };
        if rl == RateLimit::default() {
            None
        } else {
            Some(rl)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn form_body_is_urlencoded() {
        let r = HttpRequest::new("POST", "https://x".into(), Replay::Retry).form_body(&[("a b", "c&d=é")]);
        assert_eq!(r.body.as_deref(), Some("a+b=c%26d%3D%C3%A9"));
        assert_eq!(r.headers["content-type"], "application/x-www-form-urlencoded");
    }
    #[test]
    fn rate_limit_headers_any_case() {
        let mut h = BTreeMap::new();
        h.insert("X-RateLimit-Remaining".to_string(), "0".to_string());
        h.insert("x-ratelimit-reset".to_string(), "7".to_string());
        let r = HttpResponse { status: 429, headers: h, body: String::new() };
        let rl = r.rate_limit().unwrap();
        assert_eq!(rl.remaining, Some(0));
        assert_eq!(rl.reset, Some(7));
        assert!(HttpResponse::default().rate_limit().is_none());
    }
}
