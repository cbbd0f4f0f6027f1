//! Org verification (policy 18 of docs/datadog-behaviour.md): `GET https://api.<domain>/api/v2/current_user` with
//! the new grant's access token names the token's own org (`data.relationships.org.data.id`), which replaces the
//! callback's `dd_oid`, a query parameter the user can edit. Any other outcome leaves the org unverified.

use crate::connection::Connection;
use crate::error::Result;
use crate::http::{HttpRequest, HttpResponse, Replay};
use serde_json::Value;

/// The request, with the connection's bearer token. A read: safe to resend.
pub fn current_user_request(conn: &Connection) -> Result<HttpRequest> {
    Ok(HttpRequest::new("GET", conn.site.api_url("/api/v2/current_user"), Replay::Retry)
        .header("authorization", conn.bearer()?)
        .header("accept", "application/json"))
}

/// An org id as Datadog writes them (a UUID; letters, digits and dashes), bounded.
fn org_id_ok(s: &str) -> bool {
    !s.is_empty() && s.len() <= 128 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The verified org `(id, name)` from a current_user answer, or `None` when it does not name one.
pub fn verified_org(resp: &HttpResponse) -> Option<(String, Option<String>)> {
    if !(200..300).contains(&resp.status) {
        return None;
    }
    let v: Value = serde_json::from_str(resp.body.trim()).ok()?;
    let id = v.pointer("/data/relationships/org/data/id")?.as_str().filter(|s| org_id_ok(s))?;
    let name = v.get("included").and_then(Value::as_array).and_then(|inc| {
        inc.iter()
            .find(|o| o.get("type").and_then(Value::as_str) == Some("orgs") && o.get("id").and_then(Value::as_str) == Some(id))
            .and_then(|o| o.pointer("/attributes/name")?.as_str())
            .map(|n| crate::redact::printable(n, 200))
    });
    Some((id.to_string(), name))
}

/// The connection after verification. Verified: `orgId` is Datadog's, `orgVerified: true`, the name is Datadog's (or
/// the callback's when it named the same org). Not verified (any error, a network failure, no org in the answer):
/// the callback's hints stay, `orgVerified: false`. Only a verified grant may take over an explicit `previous`
/// connection the caller owns, and only one whose own org was verified to be the same: then the new connection keeps
/// its id, marketplace API key and creation time (the key is shown once by Datadog).
pub fn apply_current_user(resp: Option<&HttpResponse>, conn: &Connection, previous: Option<&Connection>) -> Connection {
    let mut next = conn.clone();
    let Some((id, name)) = resp.and_then(verified_org) else {
        next.org_verified = false;
        return next;
    };
    if next.org_id.as_deref() != Some(id.as_str()) {
        next.org_name = None;
    }
    next.org_name = name.or(next.org_name);
    next.org_id = Some(id);
    next.org_verified = true;
    if let Some(p) = previous.filter(|p| p.org_verified && p.org_id == next.org_id && p.site.same_site(&next.site)) {
        next.id = p.id.clone().or(next.id);
        next.api_key = p.api_key.clone();
        next.api_key_info = p.api_key_info.clone();
        next.created_at = p.created_at;
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;
    fn resp(status: u16, body: &str) -> HttpResponse {
        HttpResponse { status, headers: Default::default(), body: body.into() }
    }
    #[test]
    fn reads_the_org() {
        let body = r#"{"data":{"type":"users","id":"u1","relationships":{"org":{"data":{"type":"orgs","id":"org-1"}}}},"included":[{"type":"orgs","id":"org-1","attributes":{"name":"Acme"}}]}"#;
        assert_eq!(verified_org(&resp(200, body)), Some(("org-1".into(), Some("Acme".into()))));
        assert_eq!(verified_org(&resp(403, body)), None);
        assert_eq!(verified_org(&resp(200, r#"{"data":{"relationships":{"org":{"data":{"id":"../evil"}}}}}"#)), None);
        assert_eq!(verified_org(&resp(200, "not json")), None);
    }
}
