//! The token endpoint and revocation: the code exchange, the refresh grant and RFC 7009 revocation as request
//! descriptions, and their answers read tolerantly (JSON or form bodies, `expires_in` as number or string, an
//! OAuth error inside a 200) into a `Connection` or a typed error. Inputs are checked before anything is sent.

use crate::authorize::RedirectUri;
use crate::connection::{check_token_type, Connection};
use crate::error::{Error, ErrorCode, Result};
use crate::http::{HttpRequest, HttpResponse, Replay};
use crate::redact::{quote, redacted_excerpt, scrub_secrets as scrub};
use crate::response::{error_for, parse_error_body, Context};
use crate::secret::Secret;
use crate::site::{self, Site, SiteInput};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Datadog's access tokens live one hour; used when a response omits `expires_in`.
pub const DEFAULT_EXPIRES_IN_S: u64 = 3600;
/// Anything longer is a broken server, and would overflow timestamps.
const MAX_EXPIRES_IN_S: f64 = 10.0 * 365.0 * 24.0 * 3600.0;

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExchangeParams {
    pub client_id: String,
    #[serde(default)]
    pub client_secret: Option<Secret>,
    pub redirect_uri: String,
    pub code: Secret,
    pub code_verifier: Secret,
    pub domain: String,
    #[serde(default)]
    pub sites: Vec<Site>,
    /// The site the callback named (parseCallback's `site`), when passed along: it must be a built-in site or one
    /// of `sites`, and the same site as `domain`.
    #[serde(default)]
    pub site: Option<SiteInput>,
}

#[derive(Clone, Debug)]
pub struct ClientParams {
    pub client_id: String,
    pub client_secret: Option<Secret>,
}

/// Which token to revoke; parsed from text by hand so a token pasted here by mistake is never echoed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    Refresh,
    Access,
}

impl TokenKind {
    pub fn parse(text: &str) -> Result<TokenKind> {
        match text {
            "refresh" | "refresh_token" => Ok(TokenKind::Refresh),
            "access" | "access_token" => Ok(TokenKind::Access),
            _ => Err(Error::invalid_input("token", "`token` must be \"refresh\" or \"access\" (the kind of token to revoke, not the token itself)")),
        }
    }
}

/// An empty secret is no secret: sending `client_secret=` would only earn an opaque 401.
fn secret_of(s: &Option<Secret>) -> Option<&str> {
    s.as_ref().map(Secret::expose).filter(|s| !s.is_empty())
}

/// Caller-given custom sites are rebuilt from their parts, like any descriptor handed back to us.
pub(crate) fn checked_sites(sites: &[Site]) -> Result<Vec<Site>> {
    site::allowlist(sites)
}

fn token_post(site: &Site, pairs: &[(&str, &str)]) -> HttpRequest {
    HttpRequest::new("POST", site.token_url(), Replay::Retry).header("accept", "application/json").form_body(pairs)
}

/// The authorization-code grant (RFC 6749 §4.1.3 with the PKCE verifier), to `https://api.<domain>/oauth2/v1/token`.
pub fn exchange_request(p: &ExchangeParams) -> Result<HttpRequest> {
    let client_id = crate::authorize::check_client_id(&p.client_id)?;
    let redirect = RedirectUri::parse(&p.redirect_uri)?;
    crate::pkce::challenge(p.code_verifier.expose()).map_err(|e| e.with_field("codeVerifier"))?;
    if p.code.is_empty() {
        return Err(Error::new(ErrorCode::MissingCode, "no authorization code was given", "Pass the `code` from parseCallback().").with_field("code"));
    }
    let allowed = checked_sites(&p.sites)?;
    let site = site::site_for_domain(&p.domain, &allowed)?.canonical();
    if let Some(given) = &p.site {
        let given = given.resolve(&allowed)?;
        if !given.same_site(&site) {
            return Err(site::mismatch_error(&given, &site, "the site and the domain given to the code exchange name different sites"));
        }
    }
    let mut pairs = vec![("grant_type", "authorization_code"), ("code", p.code.expose()), ("redirect_uri", redirect.as_str()), ("client_id", client_id)];
    if let Some(s) = secret_of(&p.client_secret) {
        pairs.push(("client_secret", s));
    }
    pairs.push(("code_verifier", p.code_verifier.expose()));
    // The code is single-use (policy 11): a resend after an unknown outcome would burn or be refused anyway.
    Ok(HttpRequest { replay: Replay::Once, ..token_post(&site, &pairs) })
}

/// The refresh grant (policy 4): the secret goes along when the client has one.
pub fn refresh_request(client: &ClientParams, conn: &Connection) -> Result<HttpRequest> {
    let client_id = crate::authorize::check_client_id(&client.client_id)?;
    let rt = conn.refresh_token.as_ref().filter(|t| !t.is_empty()).ok_or_else(|| {
        Error::new(
            ErrorCode::MissingRefreshToken,
            "the connection has no refresh token",
            "Datadog returned no refresh token for this connection, so it cannot be renewed; the user must authorize again.",
        )
    })?;
    let mut pairs = vec![("grant_type", "refresh_token"), ("refresh_token", rt.expose()), ("client_id", client_id)];
    if let Some(s) = secret_of(&client.client_secret) {
        pairs.push(("client_secret", s));
    }
    Ok(token_post(&conn.site, &pairs))
}

/// RFC 7009 revocation (policy 5): the refresh token by default, since revoking it ends the whole grant. Client
/// credentials go in the form body and nothing else authenticates the request (RFC 6749 §2.3: one method only, and
/// a strict server refuses a second). `bearer` is the fallback in the form of Datadog's documented example (the
/// access token as well), sent only when the first answer asked for it (`Revoked::retry_with_bearer`).
pub fn revoke_request(client: &ClientParams, conn: &Connection, kind: Option<TokenKind>, bearer: bool) -> Result<HttpRequest> {
    let client_id = crate::authorize::check_client_id(&client.client_id)?;
    let has_refresh = conn.refresh_token.as_ref().is_some_and(|t| !t.is_empty());
    let kind = kind.unwrap_or(if has_refresh { TokenKind::Refresh } else { TokenKind::Access });
    let (token, hint) = match kind {
        TokenKind::Refresh => match conn.refresh_token.as_ref().filter(|_| has_refresh) {
            Some(t) => (t.expose(), "refresh_token"),
            None => {
                return Err(Error::new(
                    ErrorCode::MissingRefreshToken,
                    "the connection has no refresh token to revoke",
                    "Revoke the access token instead (token: \"access\").",
                ))
            }
        },
        TokenKind::Access => {
            if conn.access_token.is_empty() {
                return Err(Error::new(
                    ErrorCode::MissingAccessToken,
                    "the connection has no access token to revoke",
                    "There is nothing to revoke; forget the connection.",
                ));
            }
            (conn.access_token.expose(), "access_token")
        }
    };
    let mut pairs = vec![("client_id", client_id)];
    if let Some(s) = secret_of(&client.client_secret) {
        pairs.push(("client_secret", s));
    }
    pairs.push(("token", token));
    pairs.push(("token_type_hint", hint));
    let req = HttpRequest::new("POST", conn.site.revoke_url(), Replay::Retry).header("accept", "application/json").form_body(&pairs);
    if bearer {
        return Ok(req.header("authorization", conn.bearer()?));
    }
    Ok(req)
}

/// The fields of a token response, from a JSON object or a form-encoded body.
fn token_fields(resp: &HttpResponse) -> Result<Map<String, Value>> {
    let body = resp.body.trim();
    if let Ok(v) = serde_json::from_str::<Value>(body) {
        return match v {
            Value::Object(o) => Ok(o),
            _ => Err(invalid_response("the token response is JSON but not an object", resp)),
        };
    }
    if body.contains('=') && !body.contains(char::is_whitespace) {
        // Inserted one by one (the last of two equal keys wins, as `collect` did): `collect` into a BTreeMap sorts
        // first, and each such sort was ~2.5 KB of the full core (issue 16).
        let mut m = serde_json::Map::new();
        for (k, v) in form_urlencoded::parse(body.as_bytes()) {
            m.insert(k.into_owned(), Value::String(v.into_owned()));
        }
        return Ok(m);
    }
    Err(invalid_response("the token response is neither JSON nor form-encoded", resp))
}

/// A 2xx that is not a usable token response. The body may hold tokens, so only a redacted excerpt is kept.
fn invalid_response(what: &str, resp: &HttpResponse) -> Error {
    let mut e = Error::new(
        ErrorCode::InvalidResponse,
        what.to_string(),
        "Check that the request went to Datadog's token endpoint (api.<domain>/oauth2/v1/token) and not through a proxy that rewrites answers.",
    )
    .with_status(resp.status);
    if !resp.body.is_empty() {
        e.body = Some(redacted_excerpt(&resp.body));
    }
    e
}

fn string_field(fields: &Map<String, Value>, name: &str) -> Option<String> {
    match fields.get(name) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    }
}

fn expires_in_s(fields: &Map<String, Value>) -> f64 {
    let v = match fields.get("expires_in") {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    // The tokens are already issued (and the code spent): a strange lifetime must not lose them, so fall back.
    v.filter(|x| x.is_finite()).map(|x| x.clamp(0.0, MAX_EXPIRES_IN_S)).unwrap_or(DEFAULT_EXPIRES_IN_S as f64)
}

fn scopes_of(fields: &Map<String, Value>) -> Option<Vec<String>> {
    let raw: Vec<String> = match fields.get("scope").or_else(|| fields.get("scopes"))? {
        Value::String(s) => s.split_whitespace().map(str::to_string).collect(),
        Value::Array(a) => a.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        _ => return None,
    };
    // First occurrence kept, through a set: a broken or hostile server sending 100k scopes must not make this quadratic.
    let mut seen = std::collections::HashSet::with_capacity(raw.len());
    let out: Vec<String> = raw.into_iter().filter(|s| seen.insert(s.clone())).collect();
    Some(out)
}

/// What a successful token response carries.
struct Grant {
    access_token: Secret,
    refresh_token: Option<Secret>,
    expires_at: u64,
    scopes: Option<Vec<String>>,
}

/// `ctx`: the exchange or the refresh, whose failures `meaning` words apart (a bare 401, a refused refresh token).
fn read_grant(resp: &HttpResponse, now: u64, ctx: Context) -> Result<Grant> {
    if !(200..300).contains(&resp.status) {
        return Err(error_for(ctx, resp));
    }
    let fields = token_fields(resp)?;
    if fields.contains_key("error") {
        // Some servers answer 200 with an OAuth error body; it is an error all the same.
        return Err(error_for(ctx, resp));
    }
    let access = string_field(&fields, "access_token").ok_or_else(|| {
        let eb = parse_error_body(&resp.body);
        let said = if eb.errors.is_empty() { String::new() } else { format!("; Datadog said {}", quote(&redacted_excerpt(&eb.errors.join("; ")))) };
        let mut names: Vec<&str> = fields.keys().map(String::as_str).collect();
        names.truncate(12);
        let mut e = invalid_response(&format!("the token response has no access_token (fields: {}){said}", names.join(", ")), resp);
        e.body = None; // A half-formed token response may still carry a refresh token; keep none of it.
        e
    })?;
    if let Some(t) = string_field(&fields, "token_type") {
        check_token_type(&t)?;
    }
    let ms = (expires_in_s(&fields) * 1000.0) as u64;
    Ok(Grant {
        access_token: Secret::new(access),
        refresh_token: string_field(&fields, "refresh_token").map(Secret::new),
        expires_at: now.saturating_add(ms),
        scopes: scopes_of(&fields),
    })
}

#[derive(Clone, Debug, Default)]
pub struct ExchangeContext {
    pub now: u64,
    pub domain: String,
    pub sites: Vec<Site>,
    pub org_id: Option<String>,
    pub org_name: Option<String>,
    // The secrets of the exchange, when the caller passes the tokenRequest arguments along: only used to scrub
    // an echo of them from errors, since short ones escape the token-like heuristic of `redacted_excerpt`.
    pub client_secret: Option<Secret>,
    pub code: Option<Secret>,
    pub code_verifier: Option<Secret>,
}

/// The code-exchange answer as a new Connection, with a fresh id. Nothing is carried over from `previous` (it only
/// lends its secrets to the scrubbing): a stored connection must never pass its id, refresh token or API key to a new
/// grant on the strength of an org id from the callback, which the user can edit (policy 14). A carry-over needs the
/// org verified first: see `apply_current_user`.
pub fn parse_token_response(resp: &HttpResponse, ctx: &ExchangeContext, previous: Option<&Connection>) -> Result<Connection> {
    let site = site::site_for_domain(&ctx.domain, &checked_sites(&ctx.sites)?)?.canonical();
    let mut secrets: Vec<&Secret> = previous.map(Connection::secrets).unwrap_or_default();
    secrets.extend([&ctx.client_secret, &ctx.code, &ctx.code_verifier].into_iter().flatten());
    let g = read_grant(resp, ctx.now, Context::Token).map_err(|e| scrub(e, &secrets))?;
    Ok(Connection {
        id: Some(crate::pkce::base64url(&crate::random::bytes::<16>()?)),
        domain: site.site.clone(),
        site,
        org_id: ctx.org_id.clone().filter(|s| !s.is_empty()),
        org_name: ctx.org_name.clone().filter(|s| !s.is_empty()),
        org_verified: false,
        access_token: g.access_token,
        refresh_token: g.refresh_token,
        token_type: "Bearer".into(),
        expires_at: g.expires_at,
        scopes: g.scopes.unwrap_or_default(),
        api_key: None,
        api_key_info: None,
        created_at: ctx.now,
        updated_at: ctx.now,
    })
}

/// The refresh answer applied to the connection: a rotated refresh token replaces the old one, otherwise the
/// old one stays (policy 4); org and API key are untouched.
pub fn parse_refresh_response(resp: &HttpResponse, conn: &Connection, now: u64) -> Result<Connection> {
    refreshed(resp, conn.clone(), now)
}

/// `parse_refresh_response` on a connection the caller gives up (the lifecycle operation's, just loaded): the new
/// tokens go into it rather than into a copy of it (issue 16: parseRefreshResponse ~92 -> ~90 µs in the wasm core).
pub fn refreshed(resp: &HttpResponse, conn: Connection, now: u64) -> Result<Connection> {
    let g = read_grant(resp, now, Context::Refresh).map_err(|e| scrub(e, &conn.secrets()))?;
    let mut next = conn;
    next.access_token = g.access_token;
    if let Some(rt) = g.refresh_token {
        next.refresh_token = Some(rt);
    }
    if let Some(s) = g.scopes {
        next.scopes = s;
    }
    next.token_type = "Bearer".into();
    next.expires_at = g.expires_at;
    next.updated_at = now;
    Ok(next)
}

// Fields in JSON key order: answers are written straight from this type (`args::reply`), as the sorted map they
// went through before wrote them.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Revoked {
    /// The answer asks for a bearer token: send the request once more with `bearer: true` (policy 5).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub retry_with_bearer: bool,
    pub revoked: bool,
}

/// Whether a refused revocation asks for the access token: a 401, or a 400 `invalid_request` that names the
/// authorization (Datadog's example sends `Authorization: Bearer`; RFC 7009 servers do not need it).
fn asks_for_bearer(resp: &HttpResponse) -> bool {
    let eb = parse_error_body(&resp.body);
    let said =
        format!("{} {} {}", eb.error.as_deref().unwrap_or_default(), eb.description.as_deref().unwrap_or_default(), eb.errors.join(" ")).to_ascii_lowercase();
    resp.status == 401 || (resp.status == 400 && eb.error.as_deref() == Some("invalid_request") && (said.contains("authoriz") || said.contains("bearer")))
}

/// RFC 7009 §2.2: 200 also for a token that was already invalid, so any 2xx means "gone". `bearer_sent`: this answers
/// the fallback, which is not repeated.
pub fn parse_revoke_response(resp: &HttpResponse, conn: Option<&Connection>, bearer_sent: bool) -> Result<Revoked> {
    // A 2xx whose body is an OAuth error is still an error (the same tolerance as the token endpoint).
    if (200..300).contains(&resp.status) && parse_error_body(&resp.body).error.is_none() {
        return Ok(Revoked { revoked: true, retry_with_bearer: false });
    }
    if !bearer_sent && asks_for_bearer(resp) {
        return Ok(Revoked { revoked: false, retry_with_bearer: true });
    }
    let e = error_for(Context::Revoke, resp);
    Err(scrub(e, &conn.map(Connection::secrets).unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn resp(status: u16, body: &str) -> HttpResponse {
        HttpResponse { status, headers: BTreeMap::new(), body: body.into() }
    }
    fn ctx() -> ExchangeContext {
        ExchangeContext { now: 1_000, domain: "datadoghq.eu".into(), ..Default::default() }
    }
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

    #[test]
    fn exchange_checks_inputs_without_echoing_secrets() {
        let p = ExchangeParams {
            client_id: "cid".into(),
            client_secret: Some(Secret::new("cs-TOPSECRET")),
            redirect_uri: "https://p.example/cb".into(),
            code: Secret::new("code-TOPSECRET"),
            code_verifier: Secret::new("short-TOPSECRET"),
            domain: "datadoghq.eu".into(),
            sites: vec![],
            site: None,
        };
        let e = exchange_request(&p).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidVerifier);
        assert!(!format!("{e:?}{}", e.message).contains("TOPSECRET"));
        let e = exchange_request(&ExchangeParams { code_verifier: Secret::new(VERIFIER), client_id: String::new(), ..p.clone() }).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidClientId);
        let e = exchange_request(&ExchangeParams { code_verifier: Secret::new(VERIFIER), domain: "acme.datadoghq.eu".into(), ..p.clone() }).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidSite);
        let r = exchange_request(&ExchangeParams { code_verifier: Secret::new(VERIFIER), ..p }).unwrap();
        assert_eq!(r.url, "https://api.datadoghq.eu/oauth2/v1/token");
        assert!(!format!("{r:?}").contains("TOPSECRET"), "HttpRequest Debug must redact the body");
    }

    #[test]
    fn tolerant_parsing() {
        let c = parse_token_response(&resp(200, "access_token=a1&refresh_token=r1&expires_in=60&scope=a+b+a&token_type=bearer"), &ctx(), None).unwrap();
        assert_eq!((c.expires_at, c.scopes.clone()), (61_000, vec!["a".to_string(), "b".to_string()]));
        let c = parse_token_response(&resp(200, r#"{"access_token":"a1","expires_in":"7200"}"#), &ctx(), None).unwrap();
        assert_eq!(c.expires_at, 7_201_000);
        assert!(c.refresh_token.is_none());
        let c = parse_token_response(&resp(201, r#"{"access_token":"a1","expires_in":"soon"}"#), &ctx(), None).unwrap();
        assert_eq!(c.expires_at, 3_601_000);
        assert_eq!(parse_token_response(&resp(200, r#"{"access_token":"a1","token_type":"mac"}"#), &ctx(), None).unwrap_err().code, ErrorCode::InvalidResponse);
    }

    #[test]
    fn errors_never_carry_secrets() {
        let e = parse_token_response(&resp(200, r#"{"refresh_token":"rt-0123456789abcdefghijkl","expires_in":3600}"#), &ctx(), None).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidResponse);
        assert!(!format!("{e:?}").contains("rt-0123"), "{e:?}");
        let e = parse_token_response(&resp(401, ""), &ctx(), None).unwrap_err();
        assert_eq!((e.code, e.status), (ErrorCode::InvalidClient, Some(401)));
        assert!(e.hint.contains("client_secret"));
    }

    #[test]
    fn refresh_keeps_or_rotates() {
        let c0 = parse_token_response(&resp(200, r#"{"access_token":"a1","refresh_token":"r1","scope":"x"}"#), &ctx(), None).unwrap();
        let c1 = parse_refresh_response(&resp(200, r#"{"access_token":"a2"}"#), &c0, 5_000).unwrap();
        assert_eq!((c1.access_token.expose(), c1.refresh_token.as_ref().unwrap().expose(), c1.updated_at), ("a2", "r1", 5_000));
        assert_eq!(c1.scopes, vec!["x".to_string()]);
        let c2 = parse_refresh_response(&resp(200, r#"{"access_token":"a3","refresh_token":"r2"}"#), &c1, 6_000).unwrap();
        assert_eq!(c2.refresh_token.unwrap().expose(), "r2");
        let e = parse_refresh_response(&resp(400, r#"{"error":"invalid_grant","error_description":"token r1 revoked"}"#), &c1, 6_000).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidGrant);
        assert!(e.hint.contains("authorize again"));
    }

    #[test]
    fn revoke_defaults() {
        let c0 = parse_token_response(&resp(200, r#"{"access_token":"a1","refresh_token":"r1"}"#), &ctx(), None).unwrap();
        let client = ClientParams { client_id: "cid".into(), client_secret: None };
        let r = revoke_request(&client, &c0, None, false).unwrap();
        assert_eq!(r.body.as_deref(), Some("client_id=cid&token=r1&token_type_hint=refresh_token"));
        assert!(!r.headers.contains_key("authorization"), "RFC 7009: client credentials only");
        assert_eq!(revoke_request(&client, &c0, None, true).unwrap().headers["authorization"], "Bearer a1");
        assert!(!TokenKind::parse("r1-secret").unwrap_err().message.contains("r1-secret"));
        assert!(parse_revoke_response(&resp(200, ""), None, false).unwrap().revoked);
        assert_eq!(parse_revoke_response(&resp(400, r#"{"error":"invalid_request"}"#), None, false).unwrap_err().code, ErrorCode::InvalidRequest);
        let ask = resp(400, r#"{"error":"invalid_request","error_description":"Missing Authorization header"}"#);
        assert!(parse_revoke_response(&ask, None, false).unwrap().retry_with_bearer);
        assert_eq!(parse_revoke_response(&ask, None, true).unwrap_err().code, ErrorCode::InvalidRequest, "the fallback is not repeated");
        assert!(parse_revoke_response(&resp(401, ""), None, false).unwrap().retry_with_bearer);
    }
}
