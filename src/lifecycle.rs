//! JSON operations of the token lifecycle: code exchange, refresh, revoke, the marketplace API key, bearer API
//! calls and retry decisions. Only argument decoding lives here; the protocol is in `token`, `api_key`,
//! `connection` and `retry`. A host that could not get a response at all passes `{ networkError }` instead.

use crate::api::{input, out};
use crate::connection::{Connection, ConnectionData, DEFAULT_REFRESH_MARGIN_MS};
use crate::error::{Error, Result};
use crate::http::HttpResponse;
use crate::redact::scrub_secrets as scrub;
use crate::secret::Secret;
use crate::site::Site;
use crate::token::{self, ClientParams, ExchangeContext, TokenKind};
use serde::Deserialize;
use serde_json::Value;

/// What the host got back: a response, or the text of a network-level failure (TLS, DNS, reset, CORS).
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Received {
    Response(HttpResponse),
    #[serde(rename_all = "camelCase")]
    Network {
        network_error: String,
    },
}

impl Received {
    fn response(&self) -> Result<&HttpResponse> {
        match self {
            Received::Response(r) => Ok(r),
            Received::Network { network_error } => Err(classify_network_error(network_error)),
        }
    }
}

/// A network failure as a typed error (its words and hint: `meaning::network_error`).
pub fn classify_network_error(message: &str) -> Error {
    classify_network_error_at(message, None)
}

/// `classify_network_error` for a request to `host`, which the message names.
pub fn classify_network_error_at(message: &str, host: Option<&str>) -> Error {
    crate::meaning::network_error(message, host)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConnArgs {
    connection: ConnectionData,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DueArgs {
    connection: ConnectionData,
    now: u64,
    #[serde(default)]
    margin_ms: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenResponseArgs {
    response: Received,
    #[serde(flatten)]
    ctx: ExchangeContext,
    #[serde(default)]
    previous: Option<ConnectionData>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClientConnArgs {
    #[serde(flatten)]
    client: ClientParams,
    connection: ConnectionData,
    #[serde(default)]
    token: Option<String>,
    /// The revocation's fallback form (policy 5): the access token as well.
    #[serde(default)]
    bearer: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConnResponseArgs {
    response: Received,
    connection: ConnectionData,
    now: u64,
    /// Optional, only to scrub an echo of it from errors (callers may pass the request's arguments along).
    #[serde(default)]
    client_secret: Option<Secret>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResponseArgs {
    response: Received,
    #[serde(default)]
    connection: Option<ConnectionData>,
    #[serde(default)]
    client_secret: Option<Secret>,
    /// parseRevokeResponse: this answers the bearer fallback.
    #[serde(default)]
    bearer: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CurrentUserArgs {
    /// Absent or null when the request got no answer at all: the org stays unverified.
    #[serde(default)]
    response: Option<Received>,
    connection: ConnectionData,
    #[serde(default)]
    previous: Option<ConnectionData>,
}

fn scrub_secret(r: Result<Value>, secret: &Option<Secret>) -> Result<Value> {
    r.map_err(|e| scrub(e, &secret.iter().collect::<Vec<_>>()))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiArgs {
    connection: ConnectionData,
    #[serde(flatten)]
    call: crate::connection::ApiCall,
}

#[derive(Deserialize)]
struct MessageArgs {
    #[serde(alias = "networkError")]
    message: String,
    /// The request that failed (`url` at least): its host is named in the message.
    #[serde(default)]
    request: Option<UrlOnly>,
}

#[derive(Deserialize)]
struct UrlOnly {
    #[serde(default)]
    url: String,
}

/// The caller's custom sites (`sites`), the only ones a stored connection may name besides the nine.
fn allowed_sites(args: &Value) -> Result<Vec<Site>> {
    match args.get("sites") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(v) => crate::site::allowlist(&input::<Vec<Site>>("sites", v)?),
    }
}

/// Stored connections are checked with typed errors (`invalid_site`, `site_mismatch`), not serde's.
fn load(sites: &[Site], d: ConnectionData) -> Result<Connection> {
    Connection::load(d, sites).map_err(|e| if e.field.is_none() { e.with_field("connection") } else { e })
}

/// An error raised by the JS host, with its hint from the core's table.
fn host_of(url: &str) -> Option<String> {
    crate::uri::Uri::parse(url).ok().map(|u| u.origin()).and_then(|o| o.split_once("://").map(|(_, h)| h.to_string()))
}

/// Run a lifecycle operation; `None` when `op` is not one of ours.
pub fn dispatch(op: &str, args: &Value) -> Option<Result<Value>> {
    // Connection-free operations never read `sites`, and other modules' operations are not ours to judge.
    const WITH_SITES: &[&str] = &[
        "parseConnection",
        "refreshDue",
        "tokenRequest",
        "parseTokenResponse",
        "refreshRequest",
        "parseRefreshResponse",
        "revokeRequest",
        "parseRevokeResponse",
        "currentUserRequest",
        "parseCurrentUserResponse",
        "apiKeyRequest",
        "parseApiKeyResponse",
        "apiRequest",
        "parseApiResponse",
    ];
    let sites = match if WITH_SITES.contains(&op) { allowed_sites(args) } else { Ok(Vec::new()) } {
        Ok(s) => s,
        Err(e) => return Some(Err(e)),
    };
    let conn = |d: ConnectionData| load(&sites, d);
    let r = match op {
        "parseConnection" => input::<ConnArgs>(op, args).and_then(|a| out(conn(a.connection)?)),
        "refreshDue" => input::<DueArgs>(op, args).and_then(|a| out(conn(a.connection)?.refresh_due(a.now, a.margin_ms.unwrap_or(DEFAULT_REFRESH_MARGIN_MS)))),
        "tokenRequest" => input::<token::ExchangeParams>(op, args).and_then(|a| out(token::exchange_request(&a)?)),
        "parseTokenResponse" => input::<TokenResponseArgs>(op, args).and_then(|a| {
            let previous = a.previous.map(conn).transpose()?;
            out(token::parse_token_response(a.response.response()?, &a.ctx, previous.as_ref())?)
        }),
        "refreshRequest" => input::<ClientConnArgs>(op, args).and_then(|a| out(token::refresh_request(&a.client, &conn(a.connection)?)?)),
        "parseRefreshResponse" => input::<ConnResponseArgs>(op, args).and_then(|a| {
            scrub_secret(a.response.response().and_then(|r| token::parse_refresh_response(r, &conn(a.connection)?, a.now)).and_then(out), &a.client_secret)
        }),
        "revokeRequest" => input::<ClientConnArgs>(op, args).and_then(|a| {
            let kind = a.token.as_deref().map(TokenKind::parse).transpose()?;
            out(token::revoke_request(&a.client, &conn(a.connection)?, kind, a.bearer)?)
        }),
        "parseRevokeResponse" => input::<ResponseArgs>(op, args).and_then(|a| {
            let c = a.connection.map(conn).transpose()?;
            scrub_secret(a.response.response().and_then(|r| token::parse_revoke_response(r, c.as_ref(), a.bearer)).and_then(out), &a.client_secret)
        }),
        "currentUserRequest" => input::<ConnArgs>(op, args).and_then(|a| out(crate::current_user::current_user_request(&conn(a.connection)?)?)),
        "parseCurrentUserResponse" => input::<CurrentUserArgs>(op, args).and_then(|a| {
            // The grant is already issued (its code spent): a `previous` that does not load (a tampered row, a site
            // not allowed) lends nothing instead of losing the new connection.
            let previous = a.previous.and_then(|p| conn(p).ok());
            let resp = match &a.response {
                Some(Received::Response(r)) => Some(r),
                _ => None,
            };
            out(crate::current_user::apply_current_user(resp, &conn(a.connection)?, previous.as_ref()))
        }),
        "apiKeyRequest" => input::<ConnArgs>(op, args).and_then(|a| out(crate::api_key::api_key_request(&conn(a.connection)?)?)),
        "parseApiKeyResponse" => {
            input::<ConnResponseArgs>(op, args).and_then(|a| out(crate::api_key::parse_api_key_response(a.response.response()?, &conn(a.connection)?, a.now)?))
        }
        "apiRequest" => input::<ApiArgs>(op, args).and_then(|a| out(conn(a.connection)?.api_request(&a.call)?)),
        "parseApiResponse" => input::<ResponseArgs>(op, args).and_then(|a| {
            let c = a.connection.map(conn).transpose()?;
            out(crate::connection::parse_api_response(a.response.response()?, c.as_ref())?)
        }),
        "nextPage" => input::<crate::paginate::PageArgs>(op, args).and_then(|a| out(crate::paginate::next_page(&a)?)),
        "retryDecision" => input::<crate::retry::RetryInput>(op, args).and_then(|a| out(crate::retry::decide(&a)?)),
        // A classification, not a failure of the call: the typed error comes back as the result, for the host to throw.
        "classifyNetworkError" => input::<MessageArgs>(op, args).and_then(|a| {
            let e = classify_network_error_at(&a.message, a.request.and_then(|r| host_of(&r.url)).as_deref());
            out(crate::redact::scrub_args(e, args))
        }),
        _ => return None,
    };
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use serde_json::json;

    #[test]
    fn network_errors_are_classified() {
        let e = classify_network_error("Hostname/IP does not match certificate's altnames: Host: acme.datadoghq.eu. is not in the cert's altnames");
        assert_eq!(e.code, ErrorCode::CertificateMismatch);
        assert_eq!(classify_network_error("ERR_TLS_CERT_ALTNAME_INVALID").code, ErrorCode::CertificateMismatch);
        let e = classify_network_error("fetch failed https://x/?api_key=0123456789abcdef0123456789abcdef");
        assert_eq!(e.code, ErrorCode::NetworkError);
        assert!(!e.message.contains("0123456789abcdef"));
    }

    #[test]
    fn host_raised_codes_take_their_hint_from_the_core() {
        // Through the one `hostError` operation (api.rs), as the host calls it.
        let v: Value =
            serde_json::from_str(&crate::api::call("hostError", r#"{"code":"authorization_used","message":"the authorization already completed"}"#)).unwrap();
        assert_eq!((v["ok"]["code"].as_str(), v["ok"]["message"].as_str()), (Some("authorization_used"), Some("the authorization already completed")));
        assert!(v["ok"]["hint"].as_str().unwrap().contains("Start again from the integration tile or your Connect button"), "{v}");
        let v: Value = serde_json::from_str(&crate::api::call("hostError", r#"{"code":"invalid_grant"}"#)).unwrap();
        assert_eq!(v["error"]["code"].as_str(), Some("invalid_input"), "only host-raised codes");
    }

    #[test]
    fn network_error_in_place_of_a_response() {
        let r = dispatch("parseRevokeResponse", &json!({"response": {"networkError": "socket hang up"}})).unwrap().unwrap_err();
        assert_eq!(r.code, ErrorCode::NetworkError);
        assert!(dispatch("nope", &json!({})).is_none());
    }
}
