//! JSON operations of the token lifecycle: code exchange, refresh, revoke, the marketplace API key, bearer API
//! calls and retry decisions. Only argument decoding lives here; the protocol is in `token`, `api_key`,
//! `connection` and `retry`. A host that could not get a response at all passes `{ networkError }` instead.

use crate::args::{input, out, reply, reply_value, Args};
use crate::connection::{Connection, ConnectionData, DEFAULT_REFRESH_MARGIN_MS};
use crate::error::{Error, Result};
use crate::http::HttpResponse;
use crate::redact::scrub_secrets as scrub;
use crate::secret::Secret;
use crate::site::Site;
use crate::token::{self, ClientParams, ExchangeContext, TokenKind};
use serde::Deserialize;

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

// Each argument struct of an operation about a stored connection holds the caller's custom sites (`sites`), which
// `Args::sited` reads first, as the `Value` path always did.

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConnArgs {
    connection: ConnectionData,
    #[serde(default)]
    sites: Option<Vec<Site>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DueArgs {
    connection: ConnectionData,
    now: u64,
    #[serde(default)]
    margin_ms: Option<u64>,
    #[serde(default)]
    sites: Option<Vec<Site>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenResponseArgs {
    response: Received,
    /// Holds `sites`.
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
    #[serde(default)]
    sites: Option<Vec<Site>>,
    /// refreshRequest only: keep the checked connection in the core for the answer's parse (`kept`). Read leniently
    /// (only `true` asks): it was an unknown field before, which serde ignored whatever its value.
    #[serde(default, deserialize_with = "flag")]
    keep_connection: bool,
}

/// The arguments of a parse about a stored connection (parseRefreshResponse, parseApiKeyResponse). parseRefreshResponse
/// takes, in place of the connection, the `ticket` a refreshRequest with `keepConnection` answered, with the refresh
/// token it sent (`refreshToken`). `connection` and `now` are still required (`present`, then `missing` when absent),
/// worded as serde words a required field, so a call without a ticket fails exactly as it always did; `ticket` and
/// `refreshToken` are read leniently, as the unknown fields they were (parseApiKeyResponse ignores them). One struct
/// for both: a second derived decoder made the full wasm 3.8 KB larger (1.1 KB gzipped).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConnResponseArgs {
    response: Received,
    #[serde(default, deserialize_with = "present")]
    connection: Option<ConnectionData>,
    #[serde(default, deserialize_with = "present")]
    now: Option<u64>,
    /// Optional, only to scrub an echo of it from errors (callers may pass the request's arguments along).
    #[serde(default)]
    client_secret: Option<Secret>,
    #[serde(default)]
    sites: Option<Vec<Site>>,
    #[serde(default, deserialize_with = "lenient_ticket")]
    ticket: Option<u32>,
    #[serde(default, deserialize_with = "lenient_text")]
    refresh_token: Option<String>,
}

/// A field that may be absent but, when present, is read as the required field was: `null` is serde's type error.
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> std::result::Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// True only for JSON `true`; any other value is ignored, as an unknown field is.
fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<bool, D::Error> {
    Ok(serde_json::Value::deserialize(d)? == serde_json::Value::Bool(true))
}

fn lenient_ticket<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Option<u32>, D::Error> {
    Ok(serde_json::Value::deserialize(d)?.as_u64().and_then(|n| u32::try_from(n).ok()))
}

fn lenient_text<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Some(s),
        _ => None,
    })
}

/// serde's own "missing field" error for `field` of `op`, as a derived struct reports it.
fn missing(op: &str, field: &'static str) -> Error {
    crate::args::bad_args(op, <serde_json::Error as serde::de::Error>::missing_field(field))
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
    #[serde(default)]
    sites: Option<Vec<Site>>,
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
    #[serde(default)]
    sites: Option<Vec<Site>>,
}

fn scrub_secret<T>(r: Result<T>, secret: &Option<Secret>) -> Result<T> {
    r.map_err(|e| scrub(e, &secret.iter().collect::<Vec<_>>()))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiArgs {
    connection: ConnectionData,
    #[serde(flatten)]
    call: crate::connection::ApiCall,
    #[serde(default)]
    sites: Option<Vec<Site>>,
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

/// Stored connections are checked with typed errors (`invalid_site`, `site_mismatch`), not serde's.
fn load(sites: &[Site], d: ConnectionData) -> Result<Connection> {
    Connection::load(d, sites).map_err(|e| if e.field.is_none() { e.with_field("connection") } else { e })
}

/// An error raised by the JS host, with its hint from the core's table.
fn host_of(url: &str) -> Option<String> {
    crate::uri::Uri::parse(url).ok().map(|u| u.origin()).and_then(|o| o.split_once("://").map(|(_, h)| h.to_string()))
}

// ---- the operations (rows of `ops::CLIENT`): arguments decoded here, the protocol in the named modules ----
// Those about a stored connection read the caller's custom sites (`sites`) first; the others never look at them.
// Each answers its `{"ok": ...}` text (`reply`); the three off the hot path take the `Value` path whole.

pub(crate) fn parse_connection(op: &str, args: &Args) -> Result<String> {
    let (sites, a) = args.sited::<ConnArgs>(op, |a| a.sites.as_deref())?;
    reply(&load(&sites, a.connection)?)
}

pub(crate) fn refresh_due(op: &str, args: &Args) -> Result<String> {
    let (sites, a) = args.sited::<DueArgs>(op, |a| a.sites.as_deref())?;
    reply(&load(&sites, a.connection)?.refresh_due(a.now, a.margin_ms.unwrap_or(DEFAULT_REFRESH_MARGIN_MS)))
}

pub(crate) fn token_request(op: &str, args: &Args) -> Result<String> {
    let (_, a) = args.sited::<token::ExchangeParams>(op, |a| Some(&a.sites))?;
    reply(&token::exchange_request(&a)?)
}

pub(crate) fn parse_token_response(op: &str, args: &Args) -> Result<String> {
    let (sites, a) = args.sited::<TokenResponseArgs>(op, |a| Some(&a.ctx.sites))?;
    let previous = a.previous.map(|d| load(&sites, d)).transpose()?;
    reply(&token::parse_token_response(a.response.response()?, &a.ctx, previous.as_ref())?)
}

pub(crate) fn refresh_request(op: &str, args: &Args) -> Result<String> {
    let (sites, a) = args.sited::<ClientConnArgs>(op, |a| a.sites.as_deref())?;
    let conn = load(&sites, a.connection)?;
    let req = token::refresh_request(&a.client, &conn)?;
    if !a.keep_connection {
        return reply(&req);
    }
    let ticket = kept::keep(conn);
    reply(&kept::KeptRequest { body: &req.body, compress: &req.compress, headers: &req.headers, method: &req.method, replay: req.replay, ticket, url: &req.url })
}

pub(crate) fn parse_refresh_response(op: &str, args: &Args) -> Result<String> {
    let (sites, a) = args.sited::<ConnResponseArgs>(op, |a| a.sites.as_deref())?;
    // Taken out whatever follows: a ticket answers one parse.
    let kept = a.ticket.and_then(|t| kept::take(t, a.refresh_token.as_deref()));
    let conn = match (kept, a.connection) {
        (Some(c), _) => Ok(c),
        (None, Some(d)) => Err(d),
        (None, None) => return Err(missing(op, "connection")),
    };
    let now = a.now.ok_or_else(|| missing(op, "now"))?;
    let parsed = a.response.response().and_then(|r| token::refreshed(r, conn.or_else(|d| load(&sites, d))?, now));
    scrub_secret(parsed.and_then(|c| reply(&c)), &a.client_secret)
}

/// The connections refreshRequest checked for the host (`keepConnection`), until the parse of the answer takes them.
/// Issue 16: a refresh's two core calls each read and checked the whole connection (and the client's custom sites);
/// with a ticket the parse reads neither. Kept in the core's own memory, so nothing can alter the checked connection
/// between the two calls, and handed out only with the refresh token it holds (a ticket is a counter). A request
/// whose answer never came (the host passes `{ networkError }` to let it go) leaves its entry until `MAX` newer ones
/// push it out; a core rebuilt after a trap has none, and the host then passes the connection.
mod kept {
    use crate::connection::Connection;
    use crate::http::Replay;
    use serde::Serialize;
    use std::cell::RefCell;
    use std::collections::{BTreeMap, VecDeque};

    /// More than a process has refreshes in flight at once through one core; the oldest go first past it.
    pub const MAX: usize = 256;

    thread_local! {
        static KEPT: RefCell<(u32, VecDeque<(u32, Connection)>)> = const { RefCell::new((0, VecDeque::new())) };
    }

    /// refreshRequest's answer with its ticket: the request description's fields and `ticket`, in key order.
    #[derive(Serialize)]
    pub struct KeptRequest<'a> {
        #[serde(skip_serializing_if = "Option::is_none")]
        pub body: &'a Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub compress: &'a Option<String>,
        pub headers: &'a BTreeMap<String, String>,
        pub method: &'a str,
        pub replay: Replay,
        pub ticket: u32,
        pub url: &'a str,
    }

    pub fn keep(c: Connection) -> u32 {
        KEPT.with(|k| {
            let (next, list) = &mut *k.borrow_mut();
            *next = next.wrapping_add(1);
            if list.len() >= MAX {
                list.pop_front();
            }
            list.push_back((*next, c));
            *next
        })
    }

    /// The connection kept under `ticket`, taken out, if `refresh_token` is the one it holds.
    pub fn take(ticket: u32, refresh_token: Option<&str>) -> Option<Connection> {
        KEPT.with(|k| {
            let (_, list) = &mut *k.borrow_mut();
            let at = list.iter().position(|(t, c)| *t == ticket && c.refresh_token.as_ref().map(|s| s.expose()) == refresh_token)?;
            list.remove(at).map(|(_, c)| c)
        })
    }

    #[cfg(test)]
    pub fn len() -> usize {
        KEPT.with(|k| k.borrow().1.len())
    }
}

pub(crate) fn revoke_request(op: &str, args: &Args) -> Result<String> {
    let (sites, a) = args.sited::<ClientConnArgs>(op, |a| a.sites.as_deref())?;
    let kind = a.token.as_deref().map(TokenKind::parse).transpose()?;
    reply(&token::revoke_request(&a.client, &load(&sites, a.connection)?, kind, a.bearer)?)
}

pub(crate) fn parse_revoke_response(op: &str, args: &Args) -> Result<String> {
    let (sites, a) = args.sited::<ResponseArgs>(op, |a| a.sites.as_deref())?;
    let c = a.connection.map(|d| load(&sites, d)).transpose()?;
    scrub_secret(a.response.response().and_then(|r| token::parse_revoke_response(r, c.as_ref(), a.bearer)).and_then(|r| reply(&r)), &a.client_secret)
}

pub(crate) fn current_user_request(op: &str, args: &Args) -> Result<String> {
    let (sites, a) = args.sited::<ConnArgs>(op, |a| a.sites.as_deref())?;
    reply(&crate::current_user::current_user_request(&load(&sites, a.connection)?)?)
}

pub(crate) fn parse_current_user_response(op: &str, args: &Args) -> Result<String> {
    let (sites, a) = args.sited::<CurrentUserArgs>(op, |a| a.sites.as_deref())?;
    // The grant is already issued (its code spent): a `previous` that does not load (a tampered row, a site
    // not allowed) lends nothing instead of losing the new connection.
    let previous = a.previous.and_then(|p| load(&sites, p).ok());
    let resp = match &a.response {
        Some(Received::Response(r)) => Some(r),
        _ => None,
    };
    reply(&crate::current_user::apply_current_user(resp, &load(&sites, a.connection)?, previous.as_ref()))
}

pub(crate) fn api_key_request(op: &str, args: &Args) -> Result<String> {
    let (sites, a) = args.sited::<ConnArgs>(op, |a| a.sites.as_deref())?;
    reply(&crate::api_key::api_key_request(&load(&sites, a.connection)?)?)
}

pub(crate) fn parse_api_key_response(op: &str, args: &Args) -> Result<String> {
    let (sites, a) = args.sited::<ConnResponseArgs>(op, |a| a.sites.as_deref())?;
    let d = a.connection.ok_or_else(|| missing(op, "connection"))?;
    let now = a.now.ok_or_else(|| missing(op, "now"))?;
    reply(&crate::api_key::parse_api_key_response(a.response.response()?, &load(&sites, d)?, now)?)
}

pub(crate) fn api_request(op: &str, args: &Args) -> Result<String> {
    let (sites, a) = args.sited::<ApiArgs>(op, |a| a.sites.as_deref())?;
    reply(&load(&sites, a.connection)?.api_request(&a.call)?)
}

pub(crate) fn parse_api_response(op: &str, args: &Args) -> Result<String> {
    let (sites, a) = args.sited::<ResponseArgs>(op, |a| a.sites.as_deref())?;
    let c = a.connection.map(|d| load(&sites, d)).transpose()?;
    reply(&crate::connection::parse_api_response(a.response.response()?, c.as_ref())?)
}

pub(crate) fn next_page(op: &str, args: &Args) -> Result<String> {
    let args = args.as_value()?;
    input::<crate::paginate::PageArgs>(op, args).and_then(|a| reply_value(out(crate::paginate::next_page(&a)?)?))
}

pub(crate) fn retry_decision(op: &str, args: &Args) -> Result<String> {
    let args = args.as_value()?;
    input::<crate::retry::RetryInput>(op, args).and_then(|a| reply_value(out(crate::retry::decide(&a)?)?))
}

/// A classification, not a failure of the call: the typed error comes back as the result, for the host to throw.
pub(crate) fn classify_network_error_op(op: &str, args: &Args) -> Result<String> {
    let args = args.as_value()?;
    input::<MessageArgs>(op, args).and_then(|a| {
        let e = classify_network_error_at(&a.message, a.request.and_then(|r| host_of(&r.url)).as_deref());
        reply_value(out(crate::redact::scrub_args(e, args))?)
    })
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

    /// Arguments as the JS host writes them take the text path (no `Value`), and answer what the `Value` path does.
    #[test]
    fn the_host_s_arguments_take_the_text_path() {
        let c = json!({ "site": crate::site::resolve_site("eu1").unwrap(), "domain": "datadoghq.eu", "accessToken": "at-1", "refreshToken": "rt-2",
                        "tokenType": "Bearer", "expiresAt": 5000, "scopes": [], "createdAt": 1, "updatedAt": 2 });
        let resp = json!({ "status": 200, "headers": { "content-type": "application/json" }, "body": "{\"access_token\":\"at-3\",\"expires_in\":3600}" });
        type Handler = fn(&str, &Args) -> Result<String>;
        let cases: [(&str, Handler, String); 6] = [
            ("parseConnection", parse_connection, format!(r#"{{"connection":{c}}}"#)),
            ("refreshDue", refresh_due, format!(r#"{{"connection":{c},"now":10}}"#)),
            ("refreshRequest", refresh_request, format!(r#"{{"clientId":"cid","clientSecret":"s","redirectUri":"https://p.example/cb","connection":{c}}}"#)),
            ("parseRefreshResponse", parse_refresh_response, format!(r#"{{"response":{resp},"connection":{c},"now":10,"clientSecret":"s"}}"#)),
            ("apiRequest", api_request, format!(r#"{{"connection":{c},"method":"GET","path":"/api/v2/users","query":{{"page[size]":10}}}}"#)),
            ("parseApiResponse", parse_api_response, format!(r#"{{"response":{resp},"connection":{c}}}"#)),
        ];
        for (op, handler, text) in cases {
            assert!(crate::args::plain(&text), "{op}");
            let args = Args::text(&text);
            let fast = handler(op, &args).unwrap_or_else(|e| panic!("{op}: {e:?}"));
            assert!(!args.declined(), "{op}");
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(handler(op, &Args::value(&v, &v.to_string())).unwrap(), fast, "{op}");
        }
    }

    /// JSON with every object's keys in reverse order (a `Value` writes them sorted): the text path reads fields in
    /// text order, so this is where it could differ from the `Value` path.
    fn reversed(v: &serde_json::Value) -> String {
        match v {
            serde_json::Value::Object(o) => {
                let fields: Vec<String> = o.iter().rev().map(|(k, v)| format!("{}:{}", serde_json::Value::from(k.as_str()), reversed(v))).collect();
                format!("{{{}}}", fields.join(","))
            }
            serde_json::Value::Array(a) => format!("[{}]", a.iter().map(reversed).collect::<Vec<_>>().join(",")),
            v => v.to_string(),
        }
    }

    /// `base` with each field (top level and one level down) removed or replaced by a value of each JSON type.
    fn mutations(base: &serde_json::Value) -> Vec<serde_json::Value> {
        let swaps = [json!(null), json!(5), json!(-1), json!(1.5), json!("x"), json!(true), json!([]), json!({}), json!([{ "site": "datadoghq.eu" }])];
        let mut out = vec![base.clone()];
        let top = base.as_object().unwrap();
        for (k, v) in top {
            let mut m = base.clone();
            m.as_object_mut().unwrap().remove(k);
            out.push(m);
            for s in &swaps {
                let mut m = base.clone();
                m[k] = s.clone();
                out.push(m);
            }
            if let Some(inner) = v.as_object() {
                for k2 in inner.keys() {
                    let mut m = base.clone();
                    m[k].as_object_mut().unwrap().remove(k2);
                    out.push(m);
                    for s in &swaps {
                        let mut m = base.clone();
                        m[k][k2] = s.clone();
                        out.push(m);
                    }
                }
            }
        }
        out
    }

    /// Over thousands of mutated arguments: the `Value` path's decode errors are `from_value`'s, word for word (what
    /// main answered), and whatever the text path answers without declining is the `Value` path's answer.
    #[test]
    fn both_paths_answer_alike_and_as_from_value_did() {
        let c = json!({ "site": crate::site::resolve_site("eu1").unwrap(), "domain": "datadoghq.eu", "accessToken": "at-1", "refreshToken": "rt-2",
                        "tokenType": "Bearer", "expiresAt": 5000, "scopes": ["a"], "createdAt": 1, "updatedAt": 2 });
        let resp = json!({ "status": 200, "headers": { "content-type": "application/json" }, "body": "{\"access_token\":\"at-3\",\"expires_in\":3600}" });
        let custom = json!([{ "id": "sandbox", "name": "S", "site": "datadoghq.eu", "appOrigin": "http://127.0.0.1:9", "apiOrigin": "http://127.0.0.1:9",
                              "logsOrigin": "http://127.0.0.1:9", "eventIntakeOrigin": "http://127.0.0.1:9", "otlpOrigin": "http://127.0.0.1:9",
                              "authorizeOrigin": "http://127.0.0.1:9", "custom": true }]);
        type Handler = fn(&str, &Args) -> Result<String>;
        fn from_value_err<T: serde::de::DeserializeOwned>(op: &str, v: &serde_json::Value) -> Option<String> {
            serde_json::from_value::<T>(v.clone()).err().map(|e| format!("{op}: {e}"))
        }
        type Reference = fn(&str, &serde_json::Value) -> Option<String>;
        let cases: Vec<(&str, Handler, Reference, serde_json::Value)> = vec![
            ("parseConnection", parse_connection, from_value_err::<ConnArgs>, json!({ "connection": c, "sites": custom })),
            ("refreshDue", refresh_due, from_value_err::<DueArgs>, json!({ "connection": c, "now": 10, "marginMs": 5 })),
            ("refreshRequest", refresh_request, from_value_err::<ClientConnArgs>, json!({ "clientId": "cid", "clientSecret": "s", "connection": c })),
            ("revokeRequest", revoke_request, from_value_err::<ClientConnArgs>, json!({ "clientId": "cid", "connection": c, "token": "access", "bearer": true })),
            ("parseRefreshResponse", parse_refresh_response, from_value_err::<ConnResponseBefore>, json!({ "response": resp, "connection": c, "now": 10, "clientSecret": "s" })),
            ("parseApiKeyResponse", parse_api_key_response, from_value_err::<ConnResponseBefore>, json!({ "response": resp, "connection": c, "now": 10 })),
            ("parseTokenResponse", parse_token_response, from_value_err::<TokenResponseArgs>, json!({ "response": resp, "domain": "datadoghq.eu", "now": 10, "previous": c, "orgId": "o" })),
            ("parseRevokeResponse", parse_revoke_response, from_value_err::<ResponseArgs>, json!({ "response": { "status": 200, "body": "" }, "connection": c, "bearer": false })),
            ("parseCurrentUserResponse", parse_current_user_response, from_value_err::<CurrentUserArgs>, json!({ "response": resp, "connection": c, "previous": c })),
            ("apiRequest", api_request, from_value_err::<ApiArgs>, json!({ "connection": c, "method": "POST", "path": "/api/v2/x", "query": { "a": [1, "b"] }, "body": { "z": 1 } })),
            ("parseApiResponse", parse_api_response, from_value_err::<ResponseArgs>, json!({ "response": resp, "connection": c })),
            ("tokenRequest", token_request, from_value_err::<token::ExchangeParams>,
             json!({ "clientId": "cid", "redirectUri": "https://p.example/cb", "code": "cd", "codeVerifier": "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "domain": "datadoghq.eu" })),
        ];
        let (mut texts, mut fast_answers, mut worded) = (0, 0, 0);
        for (op, handler, reference, base) in cases {
            for v in mutations(&base) {
                let sorted = v.to_string();
                let slow = handler(op, &Args::value(&v, &sorted));
                // A decode error of the `Value` path is from_value's message (the sites read first is `sites: ...`).
                if let (Err(e), Some(want)) = (&slow, reference(op, &v)) {
                    if e.code == crate::error::ErrorCode::InvalidInput && e.message.starts_with(op) {
                        assert_eq!(e.message, want, "{op} {sorted}");
                        worded += 1;
                    }
                }
                let text = reversed(&v);
                texts += 1;
                if !crate::args::plain(&text) {
                    continue;
                }
                let args = Args::text(&text);
                let fast = handler(op, &args);
                if args.declined() {
                    continue;
                }
                fast_answers += 1;
                // parseTokenResponse gives each new connection a random id; compare the rest.
                let strip_id = |r: &Result<String>| match r {
                    Ok(t) => Ok(serde_json::from_str::<serde_json::Value>(t).map(|mut a| {
                        a["ok"].as_object_mut().map(|o| o.remove("id"));
                        a
                    }).unwrap()),
                    Err(e) => Err((e.code, e.message.clone(), e.hint.clone(), e.field.clone())),
                };
                assert_eq!(strip_id(&fast), strip_id(&slow), "{op} {text}");
            }
        }
        assert!(texts > 1000 && fast_answers > 300 && worded > 500, "{texts} texts, {fast_answers} answered on the text path, {worded} errors compared");
    }

    /// `ConnResponseArgs` as main had it (`connection` and `now` plain required fields): the reference whose errors the
    /// parses about a stored connection keep, word for word.
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct ConnResponseBefore {
        response: Received,
        connection: ConnectionData,
        now: u64,
        #[serde(default)]
        client_secret: Option<Secret>,
        #[serde(default)]
        sites: Option<Vec<Site>>,
    }

    /// A refreshRequest with `keepConnection` answers the same request plus a ticket; the parse with that ticket (and
    /// no connection, no sites) answers what the parse with the connection answers, once.
    #[test]
    fn a_kept_connection_answers_the_parse_once() {
        let c = json!({ "site": crate::site::resolve_site("acme.datadoghq.eu").unwrap(), "domain": "datadoghq.eu", "accessToken": "at-1", "refreshToken": "rt-2",
                        "tokenType": "bearer", "expiresAt": 5000, "scopes": ["a"], "createdAt": 1, "updatedAt": 2, "apiKey": "" });
        let resp = json!({ "status": 200, "headers": { "content-type": "application/json" }, "body": "{\"access_token\":\"at-3\",\"expires_in\":3600,\"refresh_token\":\"rt-4\"}" });
        let run = |h: fn(&str, &Args) -> Result<String>, op: &str, v: serde_json::Value| {
            let text = v.to_string();
            let fast = h(op, &Args::text(&text));
            let slow = h(op, &Args::value(&v, &text));
            (fast, slow)
        };
        let plain = run(refresh_request, "refreshRequest", json!({ "clientId": "cid", "clientSecret": "s", "connection": c })).0.unwrap();
        let (kept, kept_slow) = run(refresh_request, "refreshRequest", json!({ "clientId": "cid", "clientSecret": "s", "connection": c, "keepConnection": true }));
        let mut kept: serde_json::Value = serde_json::from_str(&kept.unwrap()).unwrap();
        let ticket = kept["ok"].as_object_mut().unwrap().remove("ticket").unwrap();
        assert_eq!(kept.to_string(), plain);
        let slow_ticket = serde_json::from_str::<serde_json::Value>(&kept_slow.unwrap()).unwrap()["ok"]["ticket"].clone();
        assert_ne!(ticket, slow_ticket);
        // Anything but `true` is ignored, as the unknown field it was.
        for v in [json!(false), json!(1), json!("true"), json!(null), json!({})] {
            let (fast, slow) = run(refresh_request, "refreshRequest", json!({ "clientId": "cid", "clientSecret": "s", "connection": c, "keepConnection": v }));
            assert_eq!(fast.unwrap(), plain);
            assert_eq!(slow.unwrap(), plain);
        }
        let want = parse_refresh_response("parseRefreshResponse", &Args::text(&json!({ "response": resp, "connection": c, "now": 10 }).to_string())).unwrap();
        let by_ticket = |t: &serde_json::Value, rt: &str| {
            let v = json!({ "response": resp, "ticket": t, "refreshToken": rt, "now": 10 });
            parse_refresh_response("parseRefreshResponse", &Args::text(&v.to_string()))
        };
        // The wrong refresh token takes nothing: the ticket alone is no authority.
        let e = by_ticket(&ticket, "rt-guess").unwrap_err();
        assert_eq!(e.message, "parseRefreshResponse: missing field `connection`");
        assert_eq!(by_ticket(&ticket, "rt-2").unwrap(), want);
        // Once only.
        assert_eq!(by_ticket(&ticket, "rt-2").unwrap_err().code, ErrorCode::InvalidInput);
        assert_eq!(by_ticket(&slow_ticket, "rt-2").unwrap(), want);
        // An unknown ticket beside the connection: the connection is parsed onto, as always (a core rebuilt after a trap has none).
        let v = json!({ "response": resp, "ticket": 999_999, "refreshToken": "rt-2", "connection": c, "now": 10 });
        assert_eq!(parse_refresh_response("parseRefreshResponse", &Args::text(&v.to_string())).unwrap(), want);
        // A request that got no answer lets its connection go; errors never carry the kept secrets.
        let t = serde_json::from_str::<serde_json::Value>(&run(refresh_request, "refreshRequest", json!({ "clientId": "cid", "connection": c, "keepConnection": true })).0.unwrap()).unwrap()["ok"]["ticket"].clone();
        let before = kept::len();
        let v = json!({ "response": { "networkError": "socket hang up" }, "ticket": t, "refreshToken": "rt-2", "now": 10 });
        assert_eq!(parse_refresh_response("parseRefreshResponse", &Args::text(&v.to_string())).unwrap_err().code, ErrorCode::NetworkError);
        assert_eq!(kept::len(), before - 1);
        let t = serde_json::from_str::<serde_json::Value>(&run(refresh_request, "refreshRequest", json!({ "clientId": "cid", "connection": c, "keepConnection": true })).0.unwrap()).unwrap()["ok"]["ticket"].clone();
        let echo = json!({ "status": 400, "headers": {}, "body": "{\"error\":\"invalid_grant\",\"error_description\":\"token rt-2 with at-1 refused\"}" });
        let e = parse_refresh_response("parseRefreshResponse", &Args::text(&json!({ "response": echo, "ticket": t, "refreshToken": "rt-2", "now": 10 }).to_string())).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidGrant);
        assert!(!format!("{e:?}{}", e.message).contains("rt-2") && !e.message.contains("at-1"), "{e:?}");
        // Bounded: requests whose answers never came are pushed out, oldest first.
        let first = serde_json::from_str::<serde_json::Value>(&run(refresh_request, "refreshRequest", json!({ "clientId": "cid", "connection": c, "keepConnection": true })).0.unwrap()).unwrap()["ok"]["ticket"].clone();
        for _ in 0..kept::MAX {
            run(refresh_request, "refreshRequest", json!({ "clientId": "cid", "connection": c, "keepConnection": true })).0.unwrap();
        }
        assert_eq!(kept::len(), kept::MAX);
        assert_eq!(by_ticket(&first, "rt-2").unwrap_err().code, ErrorCode::InvalidInput);
    }

    /// Without a connection or a ticket, the parse fails as it always did, field for field.
    #[test]
    fn a_parse_without_connection_is_worded_as_before() {
        let resp = json!({ "status": 200, "body": "{}" });
        for (v, want) in [
            (json!({ "response": resp, "now": 1 }), "parseRefreshResponse: missing field `connection`"),
            (json!({ "response": resp, "ticket": 1, "refreshToken": "r" }), "parseRefreshResponse: missing field `connection`"),
            (json!({ "response": resp, "connection": null, "now": 1 }), "parseRefreshResponse: invalid type: null, expected struct ConnectionData"),
            (json!({ "response": resp, "connection": { "site": "eu1", "accessToken": "a", "expiresAt": 1 } }), "parseRefreshResponse: missing field `now`"),
            (json!({ "connection": { "site": "eu1", "accessToken": "a", "expiresAt": 1 }, "now": 1 }), "parseRefreshResponse: missing field `response`"),
        ] {
            let e = parse_refresh_response("parseRefreshResponse", &Args::value(&v, &v.to_string())).unwrap_err();
            assert_eq!(e.message, want, "{v}");
            let k = parse_api_key_response("parseApiKeyResponse", &Args::value(&v, &v.to_string())).unwrap_err();
            assert_eq!(k.message.strip_prefix("parseApiKeyResponse: "), want.strip_prefix("parseRefreshResponse: "), "{v}");
            assert_eq!(Some(e.message), serde_json::from_value::<ConnResponseBefore>(v.clone()).err().map(|e| format!("parseRefreshResponse: {e}")), "{v}");
        }
    }

    #[test]
    fn network_error_in_place_of_a_response() {
        let args = json!({"response": {"networkError": "socket hang up"}});
        let r = parse_revoke_response("parseRevokeResponse", &Args::value(&args, &args.to_string())).unwrap_err();
        assert_eq!(r.code, ErrorCode::NetworkError);
    }
}
