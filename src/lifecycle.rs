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
#[derive(Clone, Debug)]
pub enum Received {
    Response(HttpResponse),
    Network { network_error: String },
}

/// What `#[serde(untagged)]` did (a response if the object reads as one, else a network failure, else its error),
/// through a `Value` instead of serde's private `Content` buffer: issue 16, untagged and `flatten` were the only
/// users of `Content` and `FlatMapDeserializer` (~18 KB of the full core before wasm-opt). The `Value` is read by
/// hand (`response_in`, `network_in`) with the derived decoders' rules, not by serde's `Value` deserializer, which
/// argument reading no longer uses either (`args::input`).
impl<'de> Deserialize<'de> for Received {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let mut v = serde_json::Value::deserialize(d)?;
        if let Some(r) = response_in(&mut v) {
            return Ok(Received::Response(r));
        }
        match network_in(&v) {
            Some(network_error) => Ok(Received::Network { network_error }),
            None => Err(serde::de::Error::custom("data did not match any variant of untagged enum Received")),
        }
    }
}

/// `HttpResponse` as its derived `Deserialize` reads it from a `Value`: an object with `status` (an integer that fits
/// u16), optional `headers` (an object of strings) and optional `body` (a string), other keys ignored; or, as serde
/// reads any struct, an array of those three in order, the last two optional. The body (an API answer can be
/// megabytes) is moved out, not copied, once the rest has read.
fn response_in(v: &mut serde_json::Value) -> Option<HttpResponse> {
    use serde_json::Value;
    fn status(v: &Value) -> Option<u16> {
        v.as_u64().and_then(|n| u16::try_from(n).ok())
    }
    fn headers(v: Option<&Value>) -> Option<std::collections::BTreeMap<String, String>> {
        let mut out = std::collections::BTreeMap::new();
        match v {
            None => {}
            Some(Value::Object(m)) => {
                for (k, v) in m {
                    out.insert(k.clone(), v.as_str()?.to_string());
                }
            }
            Some(_) => return None,
        }
        Some(out)
    }
    let (status, headers, body) = match v {
        Value::Object(m) => (status(m.get("status")?)?, headers(m.get("headers"))?, m.get_mut("body")),
        Value::Array(a) if (1..=3).contains(&a.len()) => (status(&a[0])?, headers(a.get(1))?, a.get_mut(2)),
        _ => return None,
    };
    let body = match body {
        None => String::new(),
        Some(Value::String(b)) => std::mem::take(b),
        Some(_) => return None,
    };
    Some(HttpResponse { status, headers, body })
}

/// `{ networkError }` as a derived struct reads it from a `Value`: an object whose `networkError` is a string (other
/// keys ignored), or an array of that one string.
fn network_in(v: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    match v {
        Value::Object(m) => m.get("networkError")?.as_str().map(str::to_string),
        Value::Array(a) if a.len() == 1 => a[0].as_str().map(str::to_string),
        _ => None,
    }
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
    // `ExchangeContext`'s fields, spelt out (issue 16: `#[serde(flatten)]` buffered the whole arguments first).
    now: u64,
    domain: String,
    #[serde(default)]
    sites: Vec<Site>,
    #[serde(default)]
    org_id: Option<String>,
    #[serde(default)]
    org_name: Option<String>,
    #[serde(default)]
    client_secret: Option<Secret>,
    #[serde(default)]
    code: Option<Secret>,
    #[serde(default)]
    code_verifier: Option<Secret>,
    #[serde(default)]
    previous: Option<ConnectionData>,
}

impl TokenResponseArgs {
    fn ctx(self) -> (Received, ExchangeContext, Option<ConnectionData>) {
        let TokenResponseArgs { response, now, domain, sites, org_id, org_name, client_secret, code, code_verifier, previous } = self;
        (response, ExchangeContext { now, domain, sites, org_id, org_name, client_secret, code, code_verifier }, previous)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClientConnArgs {
    // `ClientParams`' fields, spelt out (no `flatten`: see `TokenResponseArgs`).
    client_id: String,
    #[serde(default)]
    client_secret: Option<Secret>,
    connection: ConnectionData,
    #[serde(default)]
    token: Option<String>,
    /// The revocation's fallback form (policy 5): the access token as well.
    #[serde(default)]
    bearer: bool,
    #[serde(default)]
    sites: Option<Vec<Site>>,
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
    #[serde(default)]
    sites: Option<Vec<Site>>,
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
    // `ApiCall`'s fields, spelt out (no `flatten`: see `TokenResponseArgs`).
    method: String,
    path: String,
    #[serde(default)]
    query: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    body: Option<serde_json::Value>,
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
    let (sites, a) = args.sited::<TokenResponseArgs>(op, |a| Some(&a.sites))?;
    let (response, ctx, previous) = a.ctx();
    let previous = previous.map(|d| load(&sites, d)).transpose()?;
    reply(&token::parse_token_response(response.response()?, &ctx, previous.as_ref())?)
}

pub(crate) fn refresh_request(op: &str, args: &Args) -> Result<String> {
    let (sites, a) = args.sited::<ClientConnArgs>(op, |a| a.sites.as_deref())?;
    let client = ClientParams { client_id: a.client_id, client_secret: a.client_secret };
    reply(&token::refresh_request(&client, &load(&sites, a.connection)?)?)
}

pub(crate) fn parse_refresh_response(op: &str, args: &Args) -> Result<String> {
    let (sites, a) = args.sited::<ConnResponseArgs>(op, |a| a.sites.as_deref())?;
    let parsed = a.response.response().and_then(|r| token::refreshed(r, load(&sites, a.connection)?, a.now));
    scrub_secret(parsed.and_then(|c| reply(&c)), &a.client_secret)
}

pub(crate) fn revoke_request(op: &str, args: &Args) -> Result<String> {
    let (sites, a) = args.sited::<ClientConnArgs>(op, |a| a.sites.as_deref())?;
    let kind = a.token.as_deref().map(TokenKind::parse).transpose()?;
    let client = ClientParams { client_id: a.client_id, client_secret: a.client_secret };
    reply(&token::revoke_request(&client, &load(&sites, a.connection)?, kind, a.bearer)?)
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
    reply(&crate::api_key::parse_api_key_response(a.response.response()?, &load(&sites, a.connection)?, a.now)?)
}

pub(crate) fn api_request(op: &str, args: &Args) -> Result<String> {
    let (sites, a) = args.sited::<ApiArgs>(op, |a| a.sites.as_deref())?;
    let call = crate::connection::ApiCall { method: a.method, path: a.path, query: a.query, body: a.body };
    reply(&load(&sites, a.connection)?.api_request(&call)?)
}

pub(crate) fn parse_api_response(op: &str, args: &Args) -> Result<String> {
    let (sites, a) = args.sited::<ResponseArgs>(op, |a| a.sites.as_deref())?;
    let c = a.connection.map(|d| load(&sites, d)).transpose()?;
    reply(&crate::connection::parse_api_response(a.response.response()?, c.as_ref())?)
}

pub(crate) fn next_page(op: &str, args: &Args) -> Result<String> {
    let args = args.as_value()?;
    // The page's body (an API answer, megabytes at times) is cloned as it is, not written out as text and read back
    // by `input`: `body` is a `Value` that reads whatever it holds, so leaving it out changes no answer or error.
    let mut a: crate::paginate::PageArgs = match args {
        serde_json::Value::Object(m) if m.contains_key("body") => {
            let mut rest = serde_json::Map::new();
            for (k, v) in m.iter().filter(|(k, _)| *k != "body") {
                rest.insert(k.clone(), v.clone());
            }
            input(op, &serde_json::Value::Object(rest))?
        }
        _ => input(op, args)?,
    };
    if let Some(b) = args.get("body") {
        a.body = b.clone();
    }
    reply_value(out(crate::paginate::next_page(&a)?)?)
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

    /// `Received` reads as `#[serde(untagged)]` did: a response when the object is one (its body moved, not lost),
    /// else a network failure, else untagged's error; from text and from a `Value` alike.
    #[test]
    fn received_reads_as_untagged_did() {
        let read = |t: &str| -> std::result::Result<Received, String> {
            let text = serde_json::from_str::<Received>(t).map_err(|e| e.to_string());
            let value = serde_json::from_value::<Received>(serde_json::from_str(t).unwrap()).map_err(|e| e.to_string());
            assert_eq!(format!("{text:?}").split(" at line").next(), format!("{value:?}").split(" at line").next(), "{t}");
            text
        };
        let big = "x".repeat(100_000);
        match read(&format!(r#"{{"status":200,"headers":{{"a":"b"}},"body":"{big}"}}"#)).unwrap() {
            Received::Response(r) => assert!(r.status == 200 && r.body == big && r.header("A") == Some("b")),
            other => panic!("{other:?}"),
        }
        match read(r#"{"status":204}"#).unwrap() {
            Received::Response(r) => assert!(r.body.is_empty() && r.headers.is_empty()),
            other => panic!("{other:?}"),
        }
        // Not a response (a status as text, a body that is no string, headers with a number): a network failure
        // when it names one, whatever else it holds.
        for t in [r#"{"status":"200","networkError":"reset"}"#, r#"{"status":200,"body":5,"networkError":"reset"}"#, r#"{"status":200,"headers":{"a":1},"networkError":"reset"}"#] {
            assert!(matches!(read(t), Ok(Received::Network { ref network_error }) if network_error == "reset"), "{t}");
        }
        for t in [r#"{"status":"200"}"#, r#"{"status":200,"body":5}"#, "5", "[]", r#"{"networkError":5}"#, "null"] {
            let e = read(t).unwrap_err();
            assert!(e.starts_with("data did not match any variant of untagged enum Received"), "{t}: {e}");
        }
    }

    /// The hand reading of the `Value` (`response_in`, `network_in`) against serde's derived decoders on the same
    /// `Value`, which is what `#[serde(untagged)]` ran: the same verdict and the same fields, hostile shapes included.
    #[test]
    fn received_reads_its_value_as_the_derived_decoders_do() {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct NetworkIn {
            network_error: String,
        }
        let shapes = [
            r#"{"status":200,"headers":{"a":"b","C":"d"},"body":"x","extra":[1]}"#,
            r#"{"status":0}"#,
            r#"{"status":65535,"body":""}"#,
            r#"{"status":65536}"#,
            r#"{"status":-1}"#,
            r#"{"status":200.0}"#,
            r#"{"status":2e2}"#,
            r#"{"status":null}"#,
            r#"{"headers":{}}"#,
            r#"{"status":200,"headers":null}"#,
            r#"{"status":200,"headers":[]}"#,
            r#"{"status":200,"headers":{"a":null}}"#,
            r#"{"status":200,"headers":{"a":"b","c":1}}"#,
            r#"{"status":200,"body":null}"#,
            r#"{"status":200,"body":{"a":1}}"#,
            r#"[200]"#,
            r#"[200,{"a":"b"},"x"]"#,
            r#"[200,{"a":"b"},"x",1]"#,
            r#"[200,{"a":1}]"#,
            r#"[200,{},5]"#,
            r#"["200"]"#,
            r#"[]"#,
            r#"["reset"]"#,
            r#"["reset",1]"#,
            r#"{"networkError":"reset"}"#,
            r#"{"networkError":"reset","status":"x"}"#,
            r#"{"networkError":null}"#,
            r#"{"network_error":"reset"}"#,
            r#""reset""#,
            "true",
            "7",
        ];
        for t in shapes {
            let v: serde_json::Value = serde_json::from_str(t).unwrap();
            assert_eq!(response_in(&mut v.clone()), HttpResponse::deserialize(&v).ok(), "{t}");
            assert_eq!(network_in(&v), NetworkIn::deserialize(&v).ok().map(|n| n.network_error), "{t}");
        }
    }

    /// The two argument types read from a `Value` here, held to `from_value`'s answers (`args::same_as_from_value`),
    /// and `nextPage`, which keeps the page body out of the text, answering as `from_value` did.
    #[test]
    fn value_path_arguments_read_as_from_value() {
        let n = crate::args::same_as_from_value::<MessageArgs>("classifyNetworkError", json!({ "message": "socket hang up", "request": { "url": "https://api.datadoghq.eu/x" } }));
        assert!(n > 50, "{n}");
        let big = "x".repeat(100_000);
        for args in [
            json!({ "query": { "page[size]": 2 }, "body": { "data": [1, 2], "meta": { "page": { "total_count": 9 } }, "pad": big } }),
            json!({ "query": { "page[size]": 2 }, "body": { "data": [1, 2] }, "now": "x" }),
            json!({ "query": 5, "body": [1] }),
            json!({ "body": null, "rateLimit": { "remaining": 0, "reset": 2 }, "now": 1, "deadlineAt": 2 }),
            json!([{ "page[size]": 2 }, { "data": [1, 2] }]),
            json!({ "query": { "page[size]": 2, "page[number]": 0 }, "body": { "data": [1, 2] } }),
        ] {
            let got = next_page("nextPage", &Args::value(&args, &args.to_string()));
            let want = crate::paginate::PageArgs::deserialize(&args)
                .map_err(|e| crate::args::bad_args("nextPage", e))
                .and_then(|a| reply_value(out(crate::paginate::next_page(&a)?)?));
            assert_eq!(got.map_err(|e| e.message), want.map_err(|e| e.message), "{args}");
        }
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
            ("parseRefreshResponse", parse_refresh_response, from_value_err::<ConnResponseArgs>, json!({ "response": resp, "connection": c, "now": 10, "clientSecret": "s" })),
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

    #[test]
    fn network_error_in_place_of_a_response() {
        let args = json!({"response": {"networkError": "socket hang up"}});
        let r = parse_revoke_response("parseRevokeResponse", &Args::value(&args, &args.to_string())).unwrap_err();
        assert_eq!(r.code, ErrorCode::NetworkError);
    }
}
