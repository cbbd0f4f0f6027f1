//! A Connection: everything a partner stores for one authorized Datadog org (site, tokens, marketplace API key),
//! as plain JSON, and the bearer-authenticated API calls it makes possible. Stored data is untrusted on the way
//! back in, so loading it re-validates the site: a tampered record cannot send the token to a foreign host.

use crate::error::{quote, Error, ErrorCode, Result};
use crate::http::{HttpRequest, HttpResponse, RateLimit, Replay};
use crate::secret::Secret;
use crate::site::{Site, SiteInput};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Refresh this long before expiry by default, so a token never expires between the check and the request.
pub const DEFAULT_REFRESH_MARGIN_MS: u64 = 60_000;

// Fields in JSON key order: answers are written straight from this type (`args::reply`), as the sorted map they
// went through before wrote them.
/// What Datadog said about the marketplace key; the key itself lives in `Connection::api_key`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last4: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

// Fields in JSON key order: answers are written straight from this type (`args::reply`), as the sorted map they
// went through before wrote them.
/// One authorized org. Secrets are `Secret`, so `Debug` never prints them; serialising writes them (it is storage).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", try_from = "ConnectionData")]
pub struct Connection {
    pub access_token: Secret,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_info: Option<ApiKeyInfo>,
    pub created_at: u64,
    /// The site parameter (`datadoghq.eu`); API calls go to `api.<domain>`.
    pub domain: String,
    /// Milliseconds since the Unix epoch.
    pub expires_at: u64,
    /// A random identity given at the code exchange and kept through refreshes and rotations, so a caller
    /// holding an old copy (tokens long rotated) is still recognised as the same connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_name: Option<String>,
    /// Whether `org_id` was confirmed by Datadog (`GET /api/v2/current_user` with this grant's token, policy 18);
    /// false means the org fields are the callback's unverified hints.
    #[serde(default)]
    pub org_verified: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    pub scopes: Vec<String>,
    /// Always the canonical site: API hosts never carry a vanity host.
    pub site: Site,
    pub token_type: String,
    pub updated_at: u64,
}

/// A connection as stored, before its site is checked. Lenient about what a hand-built record may omit.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionData {
    #[serde(default)]
    pub id: Option<String>,
    pub site: SiteInput,
    #[serde(default)]
    pub domain: Option<String>,
    #[serde(default)]
    pub org_id: Option<String>,
    #[serde(default)]
    pub org_name: Option<String>,
    #[serde(default)]
    pub org_verified: bool,
    pub access_token: Secret,
    #[serde(default)]
    pub refresh_token: Option<Secret>,
    #[serde(default)]
    pub token_type: Option<String>,
    pub expires_at: u64,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub api_key: Option<Secret>,
    #[serde(default)]
    pub api_key_info: Option<ApiKeyInfo>,
    #[serde(default)]
    pub created_at: u64,
    #[serde(default)]
    pub updated_at: u64,
}

impl TryFrom<ConnectionData> for Connection {
    type Error = Error;
    /// Without an allowlist: built-in sites only (see `load`).
    fn try_from(d: ConnectionData) -> Result<Connection> {
        Connection::load(d, &[])
    }
}

impl Connection {
    /// A stored connection, checked. Its site is rebuilt from the table, or, for a custom site, must be one of the
    /// caller's `allowed` sites: a tampered row cannot send the tokens to a host of its choosing.
    pub fn load(d: ConnectionData, allowed: &[Site]) -> Result<Connection> {
        // `Site::canonical`, in place: the site was just built for this connection, and a copy of its dozen strings
        // was a tenth of parseConnection's allocations.
        let mut site = d.site.resolve(allowed)?;
        site.authorize_origin.clone_from(&site.app_origin);
        site.vanity = None;
        if let Some(domain) = &d.domain {
            if !domain.trim().eq_ignore_ascii_case(&site.site) {
                return Err(Error::new(
                    ErrorCode::SiteMismatch,
                    format!("the stored connection's domain {} is not its site {}", quote(domain), quote(&site.site)),
                    "The stored connection was modified or mixed up with another one; connect the org again.",
                )
                .with_field("connection.domain"));
            }
        }
        if let Some(t) = &d.token_type {
            check_token_type(t)?;
        }
        // Empty secrets are absent secrets: JSON from other stores often has "" for "none".
        let non_empty = |s: Option<Secret>| s.filter(|s| !s.is_empty());
        Ok(Connection {
            id: d.id.filter(|s| !s.is_empty() && s.len() <= 64),
            domain: site.site.clone(),
            site,
            org_id: d.org_id.filter(|s| !s.is_empty()),
            org_name: d.org_name.filter(|s| !s.is_empty()),
            org_verified: d.org_verified,
            access_token: d.access_token,
            refresh_token: non_empty(d.refresh_token),
            token_type: "Bearer".into(),
            expires_at: d.expires_at,
            scopes: d.scopes,
            api_key: non_empty(d.api_key),
            api_key_info: d.api_key_info,
            created_at: d.created_at,
            updated_at: d.updated_at,
        })
    }
}

/// Only bearer tokens can be sent the way Datadog documents (`Authorization: Bearer`).
pub fn check_token_type(t: &str) -> Result<()> {
    if t.trim().eq_ignore_ascii_case("bearer") {
        Ok(())
    } else {
        Err(Error::new(
            ErrorCode::InvalidResponse,
            format!("the token type is {}, not Bearer", quote(t)),
            "Datadog issues Bearer tokens; check that the token endpoint is Datadog's (api.<domain>/oauth2/v1/token).",
        ))
    }
}

impl Connection {
    /// Whether to refresh now: within `margin_ms` of expiry, or already expired, or no access token at all.
    pub fn refresh_due(&self, now: u64, margin_ms: u64) -> bool {
        self.access_token.is_empty() || now.saturating_add(margin_ms) >= self.expires_at
    }

    /// The access token for an `Authorization` header, or a typed error when the connection has none.
    pub fn bearer(&self) -> Result<String> {
        if self.access_token.is_empty() {
            return Err(Error::new(
                ErrorCode::MissingAccessToken,
                "the connection has no access token",
                "Complete the authorization (exchangeCode) or refresh the connection first.",
            ));
        }
        Ok(format!("Bearer {}", self.access_token.expose()))
    }

    /// Every secret the connection holds, so errors built while using it can be scrubbed of them.
    pub fn secrets(&self) -> Vec<&Secret> {
        let mut v = vec![&self.access_token];
        v.extend(self.refresh_token.as_ref());
        v.extend(self.api_key.as_ref());
        v
    }
}

/// Any Datadog API call with the connection's bearer token (`client.request()`).
#[derive(Clone, Debug)]
pub struct ApiCall {
    pub method: String,
    /// A path on the API host, such as `/api/v2/incidents`; never a full URL.
    pub path: String,
    pub query: Option<Map<String, Value>>,
    pub body: Option<Value>,
}

fn bad_path(path: &str, why: &str) -> Error {
    Error::invalid_input("path", format!("API path {} {why}", quote(path)))
}

/// A path may only name a resource on the site's API host: anything that could move the request (and the
/// bearer token) to another host or up the tree is refused before a URL is built.
fn check_path(path: &str) -> Result<()> {
    let (p, _) = path.split_once('?').unwrap_or((path, ""));
    if !p.starts_with('/') {
        return Err(bad_path(path, "must start with `/` (a path on the API host, not a URL)"));
    }
    if p.starts_with("//") || p.contains("//") {
        return Err(bad_path(path, "must not contain `//`"));
    }
    if path.chars().any(|c| !c.is_ascii_graphic() || c == '\\' || c == '#') {
        return Err(bad_path(path, "must not contain spaces, control or non-ASCII characters (percent-encode them), `\\` or `#`"));
    }
    let dot = |seg: &str| {
        let d = seg.to_ascii_lowercase().replace("%2e", ".");
        d == "." || d == ".."
    };
    if p.split('/').any(dot) {
        return Err(bad_path(path, "must not contain `.` or `..` segments"));
    }
    Ok(())
}

fn query_value(key: &str, v: &Value, out: &mut Vec<(String, String)>) -> Result<()> {
    match v {
        Value::Null => {}
        Value::String(s) => out.push((key.to_string(), s.clone())),
        Value::Number(n) => out.push((key.to_string(), n.to_string())),
        Value::Bool(b) => out.push((key.to_string(), b.to_string())),
        Value::Array(items) => {
            // Repeated keys are how Datadog's v2 filters take lists (`filter[tags]=a&filter[tags]=b`).
            for item in items {
                if item.is_array() || item.is_object() {
                    return Err(Error::invalid_input("query", format!("query parameter {} has a nested list or object", quote(key))));
                }
                query_value(key, item, out)?;
            }
        }
        Value::Object(_) => {
            return Err(Error::invalid_input("query", format!("query parameter {} is an object; give a string, number, boolean or list", quote(key))))
        }
    }
    Ok(())
}

impl Connection {
    pub fn api_request(&self, call: &ApiCall) -> Result<HttpRequest> {
        let method = call.method.trim().to_ascii_uppercase();
        let replay = match method.as_str() {
            "GET" | "HEAD" | "PUT" | "DELETE" => Replay::Retry,
            // POST and PATCH may create or change something twice if resent after an unknown outcome.
            "POST" | "PATCH" => Replay::CreateOnce,
            _ => return Err(Error::invalid_input("method", format!("method {} is not one of GET, HEAD, POST, PUT, PATCH, DELETE", quote(&call.method)))),
        };
        check_path(&call.path)?;
        let mut url = self.site.api_url(&call.path);
        if let Some(q) = &call.query {
            // Sorted keys: the same call always yields the same URL, whatever map order the caller's JSON had. A
            // `serde_json::Map` is a BTreeMap (no `preserve_order`), so its own order is sorted: a sort here was a
            // ~2.5 KB sort of its own in the wasm (`api_paths_stay_on_the_api_host` pins the order).
            let mut pairs = Vec::new();
            for (k, v) in q {
                query_value(k, v, &mut pairs)?;
            }
            if !pairs.is_empty() {
                let mut form = crate::uri::Form::new();
                for (k, v) in &pairs {
                    form.pair(k, v);
                }
                url.push(if call.path.contains('?') { '&' } else { '?' });
                url.push_str(&form.finish());
            }
        }
        // Belt and braces: whatever the path did, the request must still go to this site's API origin.
        if crate::uri::Uri::parse(&url).map(|u| u.origin()).as_deref() != Ok(self.site.api_origin.as_str()) {
            return Err(bad_path(&call.path, "is not a plain path on the site's API host (no encoded `/` or dot segments)"));
        }
        let mut req = HttpRequest::new(&method, url, replay).header("authorization", self.bearer()?).header("accept", "application/json");
        if let Some(body) = &call.body {
            if method == "GET" || method == "HEAD" {
                return Err(Error::invalid_input("body", format!("a {method} request cannot have a body")));
            }
            let text = serde_json::to_string(body).map_err(|_| Error::invalid_input("body", "the body cannot be encoded as JSON"))?;
            req = req.json_body(text);
        }
        Ok(req)
    }
}

// Fields in JSON key order: answers are written straight from this type (`args::reply`), as the sorted map they
// went through before wrote them.
/// A successful API answer: the status, the body as JSON when it is JSON (else text, or null when empty).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiResult {
    pub body: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimit>,
    pub status: u16,
}

pub fn parse_api_response(resp: &HttpResponse, conn: Option<&Connection>) -> Result<ApiResult> {
    if !(200..300).contains(&resp.status) {
        return Err(crate::redact::scrub_secrets(crate::response::http_error(resp), &conn.map(Connection::secrets).unwrap_or_default()));
    }
    let trimmed = resp.body.trim();
    let body = if trimmed.is_empty() { Value::Null } else { serde_json::from_str(trimmed).unwrap_or_else(|_| Value::String(resp.body.clone())) };
    Ok(ApiResult { status: resp.status, body, rate_limit: resp.rate_limit() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn stored() -> serde_json::Value {
        json!({
            "site": crate::site::resolve_site("datadoghq.eu").unwrap(),
            "domain": "datadoghq.eu", "accessToken": "at-SECRET-1", "refreshToken": "rt-SECRET-2",
            "tokenType": "bearer", "expiresAt": 5000, "scopes": ["api_keys_write"],
            "apiKey": "key-SECRET-3", "createdAt": 1, "updatedAt": 2
        })
    }

    #[test]
    fn round_trips_and_redacts() {
        let c: Connection = serde_json::from_value(stored()).unwrap();
        assert_eq!(c.token_type, "Bearer");
        let dbg = format!("{c:?}");
        for s in ["at-SECRET-1", "rt-SECRET-2", "key-SECRET-3"] {
            assert!(!dbg.contains(s), "{dbg}");
        }
        let back: Connection = serde_json::from_value(serde_json::to_value(&c).unwrap()).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn tampered_site_is_rejected() {
        let mut v = stored();
        v["site"]["apiOrigin"] = json!("https://evil.example");
        // A non-custom descriptor is rebuilt from the table, so the forged origin is simply dropped.
        let c: Connection = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(c.site.api_origin, "https://api.datadoghq.eu");
        v["site"]["custom"] = json!(true);
        v["site"]["apiOrigin"] = json!("http://evil.example");
        assert!(serde_json::from_value::<Connection>(v).is_err());
        let mut v = stored();
        v["domain"] = json!("datadoghq.com");
        let e = Connection::try_from(serde_json::from_value::<ConnectionData>(v).unwrap()).unwrap_err();
        assert_eq!(e.code, ErrorCode::SiteMismatch);
    }

    #[test]
    fn vanity_is_dropped_and_due() {
        let mut v = stored();
        v["site"] = json!("acme.datadoghq.eu");
        let c: Connection = serde_json::from_value(v).unwrap();
        assert_eq!(c.site.authorize_origin, "https://app.datadoghq.eu");
        assert!(c.refresh_due(4_000, 1_000));
        assert!(!c.refresh_due(3_999, 1_000));
    }

    #[test]
    fn api_paths_stay_on_the_api_host() {
        let c: Connection = serde_json::from_value(stored()).unwrap();
        let call = |m: &str, p: &str| c.api_request(&ApiCall { method: m.into(), path: p.into(), query: None, body: None });
        let r = c
            .api_request(&ApiCall {
                method: "get".into(),
                path: "/api/v1/query".into(),
                query: Some(serde_json::from_value(json!({"q": "avg:x{*}", "from": 1, "tags": ["a", "b"], "x": null})).unwrap()),
                body: None,
            })
            .unwrap();
        assert_eq!(r.url, "https://api.datadoghq.eu/api/v1/query?from=1&q=avg%3Ax%7B*%7D&tags=a&tags=b");
        assert_eq!(r.replay, Replay::Retry);
        assert_eq!(call("POST", "/api/v2/incidents").unwrap().replay, Replay::CreateOnce);
        for bad in ["api/v1/x", "//evil.example/x", "/a//b", "/a/../b", "/a/%2E%2e/b", "/a\\b", "/a#b", "https://evil.example/x", "/a b"] {
            assert_eq!(call("GET", bad).unwrap_err().code, ErrorCode::InvalidInput, "{bad}");
        }
        assert_eq!(call("TRACE", "/x").unwrap_err().code, ErrorCode::InvalidInput);
    }
}
