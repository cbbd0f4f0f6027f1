//! Credentials and destination of intake requests, read from the caller's `connection`: the site (rebuilt from
//! its descriptor, so a tampered descriptor cannot send data to a foreign host) and the API key, access token or
//! application key, held as `Secret`s that print `***` and never appear in an error message.

use super::Compression;
use crate::error::{Error, ErrorCode, Result};
use crate::http::{HttpRequest, Replay};
use crate::secret::Secret;
use crate::site::Site;
use serde_json::{Map, Value};

/// The connection's site, rebuilt; a custom site must be one of `allowed` (the caller's `sites`).
pub fn site(connection: &Map<String, Value>, allowed: &[Site]) -> Result<Site> {
    let d = connection
        .get("site")
        .filter(|v| v.is_object())
        .ok_or_else(|| Error::invalid_input("connection.site", "`connection.site` is missing: pass the connection exchangeCode() returned"))?;
    let descriptor: Site = crate::args::input("connection.site", d)?;
    crate::site::from_descriptor(&descriptor, allowed).map_err(|e| e.with_field("connection.site"))
}

/// The caller's custom sites (`sites` argument), rebuilt.
pub fn allowed(args: &Map<String, Value>) -> Result<Vec<Site>> {
    match args.get("sites") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(v) => crate::site::allowlist(&crate::args::input::<Vec<Site>>("sites", v)?),
    }
}

/// A secret read from JSON. The value is never part of an error: a wrong type is reported by field name only.
fn secret(map: &Map<String, Value>, key: &str) -> Result<Option<Secret>> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(Secret::new(s.trim()))),
        Some(_) => Err(Error::invalid_input(key, format!("`{key}` must be a string"))),
    }
}

pub fn api_key(connection: &Map<String, Value>) -> Result<Secret> {
    secret(connection, "apiKey")?.ok_or_else(|| {
        Error::new(ErrorCode::MissingApiKey, "the connection has no API key; Datadog's intake endpoints accept only an API key", "call createApiKey first")
            .with_field("connection.apiKey")
    })
}

pub fn access_token(connection: &Map<String, Value>) -> Result<Secret> {
    secret(connection, "accessToken")?.ok_or_else(|| {
        Error::new(
            ErrorCode::MissingAccessToken,
            "the connection has no access token",
            "Exchange the authorization code (exchangeCode) or refresh the connection first.",
        )
        .with_field("connection.accessToken")
    })
}

/// v2 events are the one intake that also needs an application key; it comes from the caller, not the OAuth flow.
pub fn application_key(args: &Value) -> Result<Secret> {
    let map = args.as_object().cloned().unwrap_or_default();
    secret(&map, "applicationKey")?.ok_or_else(|| {
        Error::new(
            ErrorCode::InvalidInput,
            "v2 events need an application key (`applicationKey`) besides the API key",
            "v2 events need an application key: pass `applicationKey`, or send v1 events (version: 1), which work with the API key alone.",
        )
        .with_field("applicationKey")
    })
}

/// A JSON POST to an API-key intake. The key goes only into the header, which the host must never log.
pub fn api_key_request(url: String, key: &Secret, body: String, compress: Compression) -> HttpRequest {
    let req = HttpRequest::new("POST", url, Replay::Retry).json_body(body).header("dd-api-key", key.expose());
    compress.apply(req)
}

pub fn bearer_request(url: String, token: &Secret, body: String) -> HttpRequest {
    HttpRequest::new("POST", url, Replay::CreateOnce).json_body(body).header("authorization", format!("Bearer {}", token.expose()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_never_in_errors_or_debug() {
        let key = "abcdef0123456789abcdef0123456789";
        let conn = json!({ "apiKey": 12345, "accessToken": { "x": key } });
        let e = api_key(conn.as_object().unwrap()).unwrap_err();
        assert!(!format!("{e:?}{e}").contains("12345"));
        let e = access_token(conn.as_object().unwrap()).unwrap_err();
        assert!(!format!("{e:?}{e}").contains(key));
        let conn = json!({ "apiKey": key });
        let s = api_key(conn.as_object().unwrap()).unwrap();
        assert_eq!(format!("{s:?}"), "***");
        let req = api_key_request("https://x".into(), &s, "[]".into(), Compression::None);
        assert_eq!(req.headers["dd-api-key"], key);
    }

    #[test]
    fn missing_credentials_have_their_codes() {
        let e = api_key(json!({}).as_object().unwrap()).unwrap_err();
        assert_eq!(e.code, ErrorCode::MissingApiKey);
        assert_eq!(e.hint, "call createApiKey first");
        let e = access_token(json!({ "accessToken": "" }).as_object().unwrap()).unwrap_err();
        assert_eq!(e.code, ErrorCode::MissingAccessToken);
    }

    #[test]
    fn tampered_descriptor_cannot_redirect() {
        let mut d = serde_json::to_value(crate::site::resolve_site("eu1").unwrap()).unwrap();
        d["apiOrigin"] = json!("https://evil.example");
        d["logsOrigin"] = json!("https://evil.example");
        let s = site(json!({ "site": d }).as_object().unwrap(), &[]).unwrap();
        assert_eq!(s.api_origin, "https://api.datadoghq.eu");
        assert_eq!(s.logs_origin, "https://http-intake.logs.datadoghq.eu");
    }
}
