//! The marketplace API key (policy 8): `POST /api/v2/api_keys/marketplace` with the bearer token, the only way an
//! OAuth partner gets a key for data submission. Datadog shows the key once, so the request is never replayed and
//! a 409 (a key already exists) becomes `api_key_exists` with the recovery steps from Datadog's docs (`meaning`).

use crate::connection::{ApiKeyInfo, Connection};
use crate::error::{Error, ErrorCode, Result};
use crate::http::{HttpRequest, HttpResponse, Replay};
use crate::redact::scrub_secrets;
use crate::response::{error_for, Context};
use crate::secret::Secret;
use serde_json::Value;

/// The documented request has no body and no content type; only the bearer.
pub fn api_key_request(conn: &Connection) -> Result<HttpRequest> {
    Ok(HttpRequest::new("POST", conn.site.api_key_url(), Replay::Never).header("authorization", conn.bearer()?).header("accept", "application/json"))
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The key from a success answer, stored on the connection with what Datadog says about it.
pub fn parse_api_key_response(resp: &HttpResponse, conn: &Connection, now: u64) -> Result<Connection> {
    if !(200..300).contains(&resp.status) {
        return Err(scrub_secrets(error_for(Context::ApiKey, resp), &conn.secrets()));
    }
    let v: Value = serde_json::from_str(resp.body.trim()).unwrap_or(Value::Null);
    let data = &v["data"];
    let attrs = &data["attributes"];
    let key = match attrs.get("key") {
        Some(Value::String(k)) if !k.trim().is_empty() => k.trim().to_string(),
        _ => {
            // No body excerpt: a reshaped answer may still hold the key somewhere, and it must not reach a log.
            return Err(Error::new(
                ErrorCode::InvalidResponse,
                format!("Datadog answered HTTP {} without an API key at data.attributes.key", resp.status),
                "The key may have been created anyway; check Organization Settings → API Keys in Datadog before running the flow again.",
            )
            .with_status(resp.status));
        }
    };
    let last4 = text(attrs.get("last4")).or_else(|| (key.len() >= 4 && key.is_char_boundary(key.len() - 4)).then(|| key[key.len() - 4..].to_string()));
    let mut next = conn.clone();
    next.api_key_info = Some(ApiKeyInfo { id: text(data.get("id")), name: text(attrs.get("name")), last4, created_at: text(attrs.get("created_at")) });
    next.api_key = Some(Secret::new(key));
    next.updated_at = now;
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn conn() -> Connection {
        serde_json::from_value(json!({"site": "datadoghq.com", "accessToken": "at-abc", "expiresAt": 10, "createdAt": 1, "updatedAt": 1})).unwrap()
    }
    fn resp(status: u16, body: &str) -> HttpResponse {
        HttpResponse { status, headers: Default::default(), body: body.into() }
    }

    #[test]
    fn request_is_never_replayed() {
        let r = api_key_request(&conn()).unwrap();
        assert_eq!(
            (r.method.as_str(), r.url.as_str(), r.replay, r.body.is_none()),
            ("POST", "https://api.datadoghq.com/api/v2/api_keys/marketplace", Replay::Never, true)
        );
        assert_eq!(r.headers["authorization"], "Bearer at-abc");
        assert!(!r.headers.contains_key("content-type"));
    }

    #[test]
    fn key_is_stored_and_conflict_is_typed() {
        let c = parse_api_key_response(&resp(201, r#"{"data":{"id":"k1","attributes":{"key":"0123456789abcdef0123456789abcdef","name":"n"}}}"#), &conn(), 7)
            .unwrap();
        assert_eq!(c.api_key_info.as_ref().unwrap().last4.as_deref(), Some("cdef"));
        assert!(!format!("{c:?}").contains("0123456789abcdef"));
        let e = parse_api_key_response(&resp(409, r#"{"errors":["An API key with this name already exists"]}"#), &conn(), 7).unwrap_err();
        assert_eq!(e.code, ErrorCode::ApiKeyExists);
        assert!(e.message.contains("already exists") && e.hint.contains("OAuth Client API Key"));
        let e = parse_api_key_response(&resp(403, r#"{"errors":["Forbidden"]}"#), &conn(), 7).unwrap_err();
        assert!(e.hint.contains("api_keys_write"));
        assert_eq!(parse_api_key_response(&resp(200, "{}"), &conn(), 7).unwrap_err().code, ErrorCode::InvalidResponse);
    }
}
