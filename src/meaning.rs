//! What an error means, in one table: the call's context × the HTTP status × what Datadog's body said → our code
//! and a hint (Datadog's troubleshooting advice where it applies), plus the hints of the codes the JS host raises,
//! which the host asks for by code (`hostError`). `response` reads bodies and builds the error; the words live here.

use crate::error::{Error, ErrorCode};
use crate::redact::{quote, redacted_excerpt};
use crate::uri;

/// The call an answer is to: the same status means different things at the token endpoint and at the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    /// Any Datadog API call with a bearer token or an API key (client.request(), intake).
    Api,
    /// The token endpoint, exchanging a code.
    Token,
    /// The token endpoint, refreshing a connection's tokens.
    Refresh,
    /// The revocation endpoint.
    Revoke,
    /// The marketplace API key (policy 8).
    ApiKey,
    /// The OTLP trace intake, which Datadog enables per org (policy 10).
    OtlpTraces,
}

// ---- Datadog's words: documented error strings, matched inside whatever text the server (or the TLS stack) sent.

const CERTIFICATE_HINT: &str =
    "A custom subdomain was used in an API host. API calls must go to api.<domain> (for example api.datadoghq.eu), never to the org's vanity host.";

/// Most specific first.
const DOCUMENTED: &[(&str, ErrorCode, &str)] = &[
    (
        "invalid client_id parameter value",
        ErrorCode::InvalidClient,
        "Datadog does not know this client_id here. Until the integration is published, only your own developer/sandbox org can authorize it; also check you are not mixing the test and the published client_id.",
    ),
    (
        "mismatching redirect uri",
        ErrorCode::RedirectUriMismatch,
        "The redirect_uri must match one configured on the OAuth client exactly (scheme, host, path); check you are not mixing the test and the published client.",
    ),
    (
        "invalid code or code verifier",
        ErrorCode::InvalidGrant,
        "The code was already used, expired, or the code_verifier is not the one whose challenge started this authorization. Start a new authorization; send the body as application/x-www-form-urlencoded or application/json.",
    ),
    ("does not match certificate's altnames", ErrorCode::CertificateMismatch, CERTIFICATE_HINT),
];

/// Look for one of Datadog's documented strings in any text (error, description or a raw body).
pub fn documented(text: &str) -> Option<(ErrorCode, &'static str)> {
    let lower = text.to_ascii_lowercase();
    DOCUMENTED.iter().find(|(needle, _, _)| uri::find(&lower, needle).is_some()).map(|(_, c, h)| (*c, *h))
}

// ---- RFC 6749 error codes (§4.1.2.1 on the callback, §5.2 from the token endpoint) and what to do about each.

const OAUTH: &[(&str, ErrorCode, &str)] = &[
    (
        "access_denied",
        ErrorCode::AccessDenied,
        "The user clicked Deny, or lacks permission for a requested scope (from the tile the user must hold every scope). Let them try again, or ask an admin to authorize.",
    ),
    ("invalid_request", ErrorCode::InvalidRequest, "Datadog rejected the request's parameters; check client_id, redirect_uri and the PKCE parameters."),
    ("unauthorized_client", ErrorCode::UnauthorizedClient, "This client may not use this grant; check the OAuth client's configuration in the Developer Platform."),
    ("unsupported_response_type", ErrorCode::UnsupportedResponseType, "Only response_type=code is supported."),
    ("invalid_scope", ErrorCode::InvalidScope, "A requested scope is not granted to this OAuth client; request only scopes configured on the client."),
    (
        "invalid_client",
        ErrorCode::InvalidClient,
        "Check the client_id and client_secret (a confidential client must send its secret; a rotated secret replaces the old one).",
    ),
    ("invalid_grant", ErrorCode::InvalidGrant, "The code or refresh token is invalid, expired, revoked or already used; the user must authorize again."),
    ("unsupported_grant_type", ErrorCode::UnsupportedGrantType, "Only authorization_code and refresh_token grants are supported."),
    ("server_error", ErrorCode::ServerError, "Datadog had a problem; try again in a moment."),
    ("temporarily_unavailable", ErrorCode::TemporarilyUnavailable, "Datadog had a problem; try again in a moment."),
];

/// Our error from an RFC 6749 `error` and optional `error_description` (the callback's query, a token answer).
pub fn from_oauth(error: &str, description: Option<&str>) -> Error {
    let combined = match description {
        Some(d) if !d.is_empty() => format!("{error} - {d}"),
        _ => error.to_string(),
    };
    let (code, hint) = documented(&combined).unwrap_or_else(|| {
        OAUTH.iter().find(|(e, _, _)| *e == error).map_or((ErrorCode::OauthError, "See the error description from Datadog."), |(_, c, h)| (*c, *h))
    });
    // Server text is untrusted and may echo a credential: redact token-like runs before quoting.
    Error::new(code, format!("Datadog answered {}", quote(&redacted_excerpt(&combined))), hint)
}

// ---- By status: when the body names no OAuth error and none of the documented strings. A `match` rather than an
// array of rows: the same table to read, and about 700 bytes less wasm than rows of pointers (measured on the full build).

/// What a status means for this call, given the body's text (`summary`): code, hint, and the message for a blank body
/// (instead of "Datadog answered HTTP <status>").
pub fn by_status(ctx: Context, status: u16, summary: &str) -> (ErrorCode, &'static str, Option<&'static str>) {
    use Context::*;
    let (code, hint) = match (status, ctx) {
        (400, _) => (ErrorCode::BadRequest, "Datadog rejected the request as malformed; the message says which field."),
        // Documented: a confidential client that omits its client_secret gets a plain 401 from the token endpoint.
        (401, Token | Refresh) => {
            return (
                ErrorCode::InvalidClient,
                "The client was not authenticated: Datadog's integration OAuth clients are confidential, so the token request must carry \
                 the client_secret (and PKCE does not replace it). Pass clientSecret on your server, and check it was not rotated.",
                Some("the token endpoint answered 401 Unauthorized"),
            )
        }
        (401, Revoke) => (
            ErrorCode::InvalidClient,
            "The revocation was not authenticated: send the client_secret with a confidential client (and check it was not rotated); \
             an expired access token in the Authorization header can also cause this, so revoke the refresh token or refresh first.",
        ),
        (401, _) => (
            ErrorCode::Unauthorized,
            "The access token is expired or revoked (refresh it), or, at the token endpoint, the client_secret is missing or wrong.",
        ),
        // Datadog's bare 403 (nothing, or only the word "Forbidden") has several documented causes.
        (403, _) if summary.is_empty() || summary.eq_ignore_ascii_case("forbidden") => (
            ErrorCode::Forbidden,
            "Datadog answered Forbidden: the token lacks the OAuth scope this endpoint needs (the client's scopes in the Developer Platform, and what the user granted), or the token or API key is invalid, expired or for another site, or an application key was sent instead of a Bearer token. Check the granted scopes and the connection's site, refresh the token, or create the API key again.",
        ),
        (403, _) => (ErrorCode::Forbidden, "The credentials lack permission for this call (a missing OAuth scope, or an API key where a token is needed)."),
        (404, _) => (ErrorCode::NotFound, "The path does not exist on this site's API host."),
        (408, _) => (ErrorCode::RequestTimeout, "Datadog timed out reading the request; it can be sent again."),
        (409, _) => (ErrorCode::HttpError, "Datadog reports a conflict with existing state."),
        (413, _) => (ErrorCode::PayloadTooLarge, "The request body is over Datadog's size limit; send fewer items per request."),
        (429, _) => (ErrorCode::RateLimited, "Datadog's rate limit was hit; wait for the reset (see rateLimit) before sending again."),
        (500..=599, _) => (ErrorCode::ServerError, "Datadog had a problem; the request can be tried again later."),
        _ => (ErrorCode::HttpError, "An unexpected HTTP status; see the status and body."),
    };
    (code, hint, None)
}

// ---- In context: where the call gives an answer a meaning of its own, whatever the body said.

/// A context's own message: `"<prefix>: <Datadog's words, quoted>"`, or `"<prefix>: <blank>"` when it said none.
pub struct Reword {
    pub prefix: &'static str,
    pub blank: &'static str,
}

/// The meaning this call gives an answer with `status` whose general reading is `code`, if it has one of its own.
pub fn in_context(ctx: Context, status: u16, code: ErrorCode) -> Option<(ErrorCode, &'static str, Option<Reword>)> {
    use Context::*;
    Some(match (ctx, status, code) {
        (ApiKey, 409, _) => (
            ErrorCode::ApiKeyExists,
            "An API key for this integration already exists in the org and Datadog shows a key only once. In Datadog, go to \
             Organization Settings → API Keys, revoke the key named like `<client name> OAuth Client API Key`, then run the connection flow again.",
            Some(Reword { prefix: "Datadog answered 409 Conflict", blank: "an API key for this integration already exists" }),
        ),
        (ApiKey, 403, _) => (
            ErrorCode::Forbidden,
            "Creating the marketplace API key needs the private `api_keys_write` scope on your OAuth client, and the user's \
             authorization must include it (re-authorize after adding it). If you cannot set that scope, contact marketplace@datadog.com. \
             A Forbidden can also mean the access token expired (refresh it) or belongs to another site.",
            None,
        ),
        (OtlpTraces, 403, _) => (
            ErrorCode::TracesNotEnabled,
            "Datadog refused the OTLP trace intake for this org: it is enabled per org. Ask Datadog support to enable OTLP trace \
             intake for the org, or send traces through a Datadog Agent ({ format: \"agent\", agentUrl }).",
            None,
        ),
        (Refresh, _, ErrorCode::InvalidGrant) => (
            ErrorCode::InvalidGrant,
            "The refresh token is no longer valid: the user revoked the authorization or uninstalled the integration (or the token was revoked). \
             The user must authorize again from the integration tile; forget this connection's tokens.",
            None,
        ),
        _ => return None,
    })
}

// ---- No answer at all: a network-level failure, as the host's fetch worded it.

/// The TLS name mismatch is Datadog's documented symptom of a vanity host in an API URL, in Node's and Chromium's words.
const CERTIFICATE: &[&str] = &["does not match certificate's altnames", "err_tls_cert_altname_invalid", "err_cert_common_name_invalid"];

const NETWORK_HINT: &str = "A network-level failure (DNS, TLS, connection reset, timeout, or in a browser a CORS refusal: Datadog's token \
     endpoint is meant for your server, not the browser). The request's outcome is unknown; retryDecision() says whether to resend it.";

/// A network failure as a typed error, for a request to `host` (named in the message: host names are not secrets,
/// and "could not reach api.us3.datadoghq.com" is what the reader needs). The text is quoted redacted: it may hold a
/// URL with a key.
pub fn network_error(message: &str, host: Option<&str>) -> Error {
    let host = host.filter(|h| !h.is_empty() && h.len() <= 253 && h.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b)));
    let said = match host {
        // The host is set aside before the heuristic runs (it would turn a long host name into `***`) and put back.
        Some(h) => quote(&redacted_excerpt(&message.replace(h, "\u{fffc}")).replace('\u{fffc}', h)),
        None => quote(&redacted_excerpt(message)),
    };
    let at = host.map(|h| format!(" at {h}")).unwrap_or_default();
    let lower = message.to_ascii_lowercase();
    if CERTIFICATE.iter().any(|n| lower.contains(n)) {
        return Error::new(ErrorCode::CertificateMismatch, format!("the TLS certificate does not match the host{at}: {said}"), CERTIFICATE_HINT);
    }
    Error::new(ErrorCode::NetworkError, format!("Datadog could not be reached{at}: {said}"), NETWORK_HINT)
}

// ---- The codes the JS host raises: the host words what happened, the hint is here (the `hostError` operation).

/// Host messages are the host's own sentences (they may name an id): longer than a quoted value, still bounded.
#[cfg(feature = "client")]
const HOST_MESSAGE_MAX: usize = 300;

/// What to do about a failure the host detected, by code and, where one code covers several cases, by case.
/// `None` for codes the core raises with their own hint: the host cannot dress a core code up.
pub fn host_hint(code: ErrorCode, case: Option<&str>) -> Option<&'static str> {
    Some(match (code, case) {
        (ErrorCode::AuthorizationUsed, None) => "The authorization already completed (a reloaded or replayed callback page). Start again from the integration tile or your Connect button.",
        (ErrorCode::NoPendingAuthorization, None) => "No pending authorization was found for this browser session (expired, already used, or another browser). Start the authorization again.",
        (ErrorCode::SecretInBrowser, None) => "Exchange the code on your backend (DatadogClient on Node with clientSecret) and keep the secret there. If this really is a trusted, non-public context, pass allowSecretInBrowser: true.",
        // Raised by js/core.js before the wasm core is loaded, so it cannot ask: tests/js/error-codes.test.mjs checks
        // that its copy of this hint is this one.
        (ErrorCode::NotReady, None) => "Await `ready` before the first call.",
        // The client's, store's and routes' codes: only the full core has their hints.
        #[cfg(feature = "client")]
        _ => return client_host_hint(code, case),
        #[cfg(not(feature = "client"))]
        _ => return None,
    })
}

/// `host_hint` for the codes of the full core's host: the client, the connection store and the drop-in routes.
#[cfg(feature = "client")]
fn client_host_hint(code: ErrorCode, case: Option<&str>) -> Option<&'static str> {
    Some(match (code, case) {
        // The client (js/client.js): a revoked connection, one whose refresh token Datadog refused, a missing client id.
        (ErrorCode::TokenRevoked, None) => "The user must authorize again (run the OAuth flow from the integration tile) to get a new connection. Delete the stored one.",
        (ErrorCode::InvalidGrant, Some("needs_reauth")) => "The user must authorize again (run the OAuth flow from the integration tile); the new connection replaces this one. Delete this one afterwards.",
        (ErrorCode::InvalidInput, Some("client_id")) => "Copy the client ID from your OAuth client in Datadog's Developer Platform.",
        // The connection store's codes (js/store/errors.js words the message, with the id or the failed step).
        (ErrorCode::StoreUnavailable, None) => "Check that the database is reachable; the call can be retried. New tokens a failed write could not save are kept in this process and written before they are used.",
        (ErrorCode::ConnectionNotFound, None) => "It was deleted, revoked and forgotten, or never stored (a memory store forgets connections past its size and on restart: pass the stored Connection object instead of its id, or use a shared store such as postgresStore).",
        (ErrorCode::DecryptionFailed, None) => "The row was sealed with a key that is neither `encryptionKey` nor in `previousEncryptionKeys`, or it was altered or copied from another connection's row. Restore the right key, or have the user authorize again.",
        // The drop-in routes (js/routes.js): the browser binding, the partner's own user, the cross-site checks.
        (ErrorCode::SessionMismatch, None) => "The authorization was started by another signed-in user (or before you signed in again). Sign in as the user who started it, or start the authorization again.",
        (ErrorCode::NotSignedIn, None) => "Sign in to the partner application first, then start the Datadog connection again.",
        (ErrorCode::CrossSiteRequest, None) => "The request did not come from the partner's own pages. Use the Disconnect button on the integration page.",
        (ErrorCode::NotConnected, None) => "There is no Datadog connection for this user. Connect Datadog first.",
        _ => return None,
    })
}

/// The typed error for a code the host raises with its own message (`authorization_used`, ...), the hint from
/// `host_hint`; `None` for any other code or case.
#[cfg(feature = "client")]
pub fn host_hinted(code: &str, case: Option<&str>, message: Option<&str>) -> Option<Error> {
    let code = ErrorCode::from_str(code)?;
    let hint = host_hint(code, case)?;
    let message =
        message.map(|m| crate::redact::quote_within(m, HOST_MESSAGE_MAX).trim_matches('"').to_string()).unwrap_or_else(|| code.as_str().replace('_', " "));
    Some(Error::new(code, message, hint))
}

/// The errors the JS host detects itself and the core words whole (the host has the facts: `detail` is a host name,
/// a byte limit, or an operation and a trap's text, never a secret). `None` for a code the host does not raise. The
/// authorization-only build needs only `internal_error`.
pub fn host_error(code: &str, detail: &str) -> Option<Error> {
    let d = quote(detail);
    let (code, message, hint) = match code {
        "internal_error" => (
            ErrorCode::InternalError,
            format!("the wasm core trapped in {d}; it was rebuilt"),
            "A bug, or memory ran out: please report it. Later calls work; this one may be repeated.",
        ),
        #[cfg(feature = "client")]
        "unexpected_redirect" => (
            ErrorCode::UnexpectedRedirect,
            format!("the server answered with a redirect (to {d}); redirects are never followed, so nothing was sent there"),
            "Datadog's API and token endpoints do not redirect: check the site (a vanity or proxy host in front of the API \
             origin redirects), and any proxy between you and Datadog.",
        ),
        #[cfg(feature = "client")]
        "response_too_large" => (
            ErrorCode::ResponseTooLarge,
            format!("the response is larger than the {} byte limit, so it was not read", detail.parse::<u64>().unwrap_or(0)),
            "Datadog's answers are small; a body this large is a proxy or a misbehaving server. Raise `maxResponseBytes` \
             only if you expect it (e.g. a large API read through client.request()).",
        ),
        _ => return None,
    };
    Some(Error::new(code, message, hint))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn documented_strings_map() {
        assert_eq!(from_oauth("invalid_request", Some("Invalid client_id parameter value")).code, ErrorCode::InvalidClient);
        assert_eq!(from_oauth("invalid_request", Some("Mismatching redirect URI")).code, ErrorCode::RedirectUriMismatch);
        assert_eq!(from_oauth("invalid_grant", Some("Invalid code or code verifier")).code, ErrorCode::InvalidGrant);
        assert_eq!(from_oauth("access_denied", None).code, ErrorCode::AccessDenied);
        assert_eq!(from_oauth("something_new", None).code, ErrorCode::OauthError);
    }

    #[test]
    fn every_status_has_a_meaning_and_the_context_decides_a_bare_401() {
        for s in [0, 100, 200, 302, 400, 401, 403, 404, 408, 409, 413, 418, 429, 500, 503, 599, 600, u16::MAX] {
            assert!(!by_status(Context::Api, s, "").1.is_empty(), "{s}");
        }
        assert_eq!(by_status(Context::Api, 401, "").0, ErrorCode::Unauthorized);
        assert_eq!(by_status(Context::Token, 401, "").0, ErrorCode::InvalidClient);
        assert_eq!(by_status(Context::Refresh, 401, "").2, Some("the token endpoint answered 401 Unauthorized"));
        assert!(by_status(Context::Revoke, 401, "").1.starts_with("The revocation"));
        assert!(by_status(Context::Api, 403, "Forbidden").1.starts_with("Datadog answered Forbidden"));
        assert!(by_status(Context::Api, 403, "no such scope").1.starts_with("The credentials"));
        assert_eq!(by_status(Context::Api, 503, "").0, ErrorCode::ServerError);
        assert_eq!(in_context(Context::ApiKey, 409, ErrorCode::InvalidRequest).map(|m| m.0), Some(ErrorCode::ApiKeyExists));
        assert_eq!(in_context(Context::OtlpTraces, 403, ErrorCode::Forbidden).map(|m| m.0), Some(ErrorCode::TracesNotEnabled));
        assert!(in_context(Context::Api, 409, ErrorCode::HttpError).is_none());
        assert!(in_context(Context::Refresh, 400, ErrorCode::InvalidRequest).is_none());
    }

    #[test]
    fn network_errors_are_classified_by_their_words_not_by_a_hint_s_text() {
        let e = network_error("Hostname/IP does not match certificate's altnames: Host: acme.datadoghq.eu. is not in the cert's altnames", None);
        assert_eq!((e.code, e.hint.as_str()), (ErrorCode::CertificateMismatch, CERTIFICATE_HINT));
        assert_eq!(network_error("net::ERR_CERT_COMMON_NAME_INVALID", None).hint, CERTIFICATE_HINT);
        let e = network_error("getaddrinfo ENOTFOUND api.us3.datadoghq.com", Some("api.us3.datadoghq.com"));
        assert_eq!(
            (e.code, e.message.as_str()),
            (ErrorCode::NetworkError, "Datadog could not be reached at api.us3.datadoghq.com: \"getaddrinfo ENOTFOUND api.us3.datadoghq.com\"")
        );
        // A hostile host value is not trusted to be set aside from the redaction.
        let e = network_error("fetch failed 0123456789abcdef0123456789abcdef", Some("0123456789abcdef0123456789abcdef\n"));
        assert!(!e.message.contains("0123456789abcdef"), "{}", e.message);
    }

    #[test]
    #[cfg(feature = "client")]
    fn host_errors_are_worded_here_and_quote_their_detail() {
        let e = host_error("unexpected_redirect", "evil.example\n").unwrap();
        assert_eq!(e.code, ErrorCode::UnexpectedRedirect);
        assert!(e.message.contains("\"evil.example\\n\""), "{}", e.message);
        assert!(host_error("response_too_large", "1024").unwrap().message.contains("1024 byte"));
        assert_eq!(host_error("internal_error", "call: unreachable").unwrap().code, ErrorCode::InternalError);
        assert!(host_error("state_mismatch", "").is_none());
        for c in ["unexpected_redirect", "response_too_large", "internal_error"] {
            assert!(!host_error(c, "x").unwrap().hint.is_empty());
        }
    }

    #[test]
    fn the_authorization_core_words_internal_error() {
        assert_eq!(host_error("internal_error", "parseCallback: unreachable").unwrap().code, ErrorCode::InternalError);
    }

    #[test]
    #[cfg(feature = "client")]
    fn host_raised_codes_have_hints_and_core_codes_do_not() {
        for code in ["session_mismatch", "not_signed_in", "cross_site_request", "not_connected", "token_revoked", "store_unavailable", "not_ready"] {
            let e = host_hinted(code, None, Some("m")).unwrap();
            assert_eq!(e.code.as_str(), code);
            assert!(e.hint.len() > 20);
        }
        assert!(host_hinted("invalid_grant", None, None).is_none(), "only host-raised codes");
        assert!(host_hinted("invalid_grant", Some("needs_reauth"), None).unwrap().hint.contains("integration tile"));
        assert!(host_hinted("invalid_input", Some("client_id"), None).unwrap().hint.contains("Developer Platform"));
        assert!(host_hinted("invalid_input", Some("other"), None).is_none(), "a case the table does not hold");
        assert!(host_hinted("no_such_code", None, None).is_none());
        // The host's own sentence survives whole; a hostile one is bounded and loses its control characters.
        let long = "a".repeat(200);
        assert_eq!(host_hinted("token_revoked", None, Some(&long)).unwrap().message, long);
        let e = host_hinted("token_revoked", None, Some(&format!("x\u{1b}[2J{}", "b".repeat(100_000)))).unwrap();
        assert!(e.message.chars().count() <= HOST_MESSAGE_MAX + 8 && !e.message.contains('\u{1b}'), "{}", e.message.len());
    }
}
