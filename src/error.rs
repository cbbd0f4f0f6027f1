//! The one error type of the library: a stable snake_case `code`, a `message` that says what happened,
//! a `hint` that says what to do, and the HTTP facts when a response was involved.
//! Codes are the contract (they survive the wasm boundary and bundlers); messages may improve over time.
//! No constructor here takes a secret: callers pass redacted text only.

use std::fmt;

macro_rules! codes {
    ($($variant:ident => $text:literal,)*) => {
        /// Stable error codes. Adding one is fine; renaming one breaks users.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ErrorCode { $($variant,)* }
        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];
            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $text,)* }
            }
            // A lookup in the table (`None` for a code it does not hold), not a parse with an error: not `FromStr`.
            #[allow(clippy::should_implement_trait)]
            pub fn from_str(s: &str) -> Option<ErrorCode> {
                match s { $($text => Some(ErrorCode::$variant),)* _ => None }
            }
        }
    };
}

codes! {
    // Input the caller or the user gave us.
    InvalidSite => "invalid_site",
    InvalidVerifier => "invalid_verifier",
    InvalidRedirectUri => "invalid_redirect_uri",
    InvalidClientId => "invalid_client_id",
    InvalidScope => "invalid_scope",
    InvalidInput => "invalid_input",
    InvalidUrl => "invalid_url",
    // The callback and the onboarding URL.
    StateMismatch => "state_mismatch",
    MissingCode => "missing_code",
    SiteMismatch => "site_mismatch",
    RedirectUriMismatch => "redirect_uri_mismatch",
    InvalidCallback => "invalid_callback",
    AuthorizationExpired => "authorization_expired",
    IssuerMismatch => "issuer_mismatch",
    NoPendingAuthorization => "no_pending_authorization",
    AuthorizationUsed => "authorization_used",
    // RFC 6749 §4.1.2.1 and §5.2 errors Datadog may send.
    AccessDenied => "access_denied",
    InvalidRequest => "invalid_request",
    UnauthorizedClient => "unauthorized_client",
    UnsupportedResponseType => "unsupported_response_type",
    InvalidClient => "invalid_client",
    InvalidGrant => "invalid_grant",
    UnsupportedGrantType => "unsupported_grant_type",
    ServerError => "server_error",
    TemporarilyUnavailable => "temporarily_unavailable",
    OauthError => "oauth_error",
    // HTTP-level outcomes of API calls.
    Unauthorized => "unauthorized",
    Forbidden => "forbidden",
    NotFound => "not_found",
    BadRequest => "bad_request",
    ApiKeyExists => "api_key_exists",
    PayloadTooLarge => "payload_too_large",
    RequestTimeout => "request_timeout",
    RateLimited => "rate_limited",
    CertificateMismatch => "certificate_mismatch",
    InvalidResponse => "invalid_response",
    HttpError => "http_error",
    // Connection state.
    MissingApiKey => "missing_api_key",
    MissingRefreshToken => "missing_refresh_token",
    MissingAccessToken => "missing_access_token",
    TokenRevoked => "token_revoked",
    // Payload validation.
    InvalidPayload => "invalid_payload",
    ItemTooLarge => "item_too_large",
    TimestampOutOfRange => "timestamp_out_of_range",
    UnsupportedOnSite => "unsupported_on_site",
    TracesNotEnabled => "traces_not_enabled",
    // Raised by the JS host, listed so the code table is complete in one place.
    SecretInBrowser => "secret_in_browser",
    NetworkError => "network_error",
    NotDelivered => "not_delivered",
    // Raised by js/core.js before the wasm core is loaded, so its hint is necessarily written there.
    NotReady => "not_ready",
    // Raised by the host's transport and core doorway (issue 11); messages and hints from `host_error`.
    UnexpectedRedirect => "unexpected_redirect",
    ResponseTooLarge => "response_too_large",
    InternalError => "internal_error",
    // The single-use authorization-code exchange got no usable answer (`retry::decide`, Replay::Once).
    ExchangeInterrupted => "exchange_interrupted",
    // Raised by the drop-in routes (js/routes.js); hints in `routes`.
    SessionMismatch => "session_mismatch",
    NotSignedIn => "not_signed_in",
    CrossSiteRequest => "cross_site_request",
    NotConnected => "not_connected",
    // Raised by the JS host's connection store (js/store/): hints in `host_hint`.
    StoreUnavailable => "store_unavailable",
    ConnectionNotFound => "connection_not_found",
    DecryptionFailed => "decryption_failed",
}

/// Written to JSON (at the top level and inside `rejected[]` alike) by its one codec, in `codec`.
#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
    pub hint: String,
    pub status: Option<u16>,
    /// The field or item the error is about (e.g. `redirectUri`, or `series[3]`).
    pub field: Option<String>,
    /// A short excerpt of the server's body, with anything that looks like a secret removed.
    pub body: Option<String>,
    /// Milliseconds the server asked us to wait, when it said so (429/503).
    pub retry_after_ms: Option<u64>,
    pub rate_limit: Option<crate::http::RateLimit>,
    /// The input item an error is about, when a batch operation rejects one item of many.
    pub index: Option<usize>,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Error { code, message: message.into(), hint: hint.into(), status: None, field: None, body: None, retry_after_ms: None, rate_limit: None, index: None }
    }
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
    pub fn with_body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = hint.into();
        self
    }
    pub fn invalid_input(field: &str, message: impl Into<String>) -> Self {
        Error::new(ErrorCode::InvalidInput, message, format!("Check the `{field}` argument.")).with_field(field)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for Error {}

/// Hints for the codes the JS host raises itself, so that their advice lives in the core like every other
/// (the host asks with the `hostError` operation). `None` for codes the core raises with their own hint.
pub fn host_hint(code: ErrorCode) -> Option<&'static str> {
    Some(match code {
        ErrorCode::AuthorizationUsed => "The authorization already completed (a reloaded or replayed callback page). Start again from the integration tile or your Connect button.",
        ErrorCode::NoPendingAuthorization => "No pending authorization was found for this browser session (expired, already used, or another browser). Start the authorization again.",
        ErrorCode::SecretInBrowser => "Exchange the code on your backend (DatadogClient on Node with clientSecret) and keep the secret there. If this really is a trusted, non-public context, pass allowSecretInBrowser: true.",
        // The connection store's codes (js/store/errors.js words the message, with the id or the failed step).
        #[cfg(feature = "client")]
        ErrorCode::StoreUnavailable => "Check that the database is reachable; the call can be retried. New tokens a failed write could not save are kept in this process and written before they are used.",
        #[cfg(feature = "client")]
        ErrorCode::ConnectionNotFound => "It was deleted, revoked and forgotten, or never stored (a memory store forgets connections past its size and on restart: pass the stored Connection object instead of its id, or use a shared store such as postgresStore).",
        #[cfg(feature = "client")]
        ErrorCode::DecryptionFailed => "The row was sealed with a key that is neither `encryptionKey` nor in `previousEncryptionKeys`, or it was altered or copied from another connection's row. Restore the right key, or have the user authorize again.",
        // The drop-in routes' own codes (browser binding, the partner's user, cross-site checks).
        #[cfg(feature = "client")]
        _ => return crate::routes::hint(code),
        #[cfg(not(feature = "client"))]
        _ => return None,
    })
}

/// The typed error for a code the host raises with its own message (`authorization_used`, ...): the hint from
/// `host_hint`; `None` for any other code, so the host cannot dress a core code up with a made-up message.
#[cfg(feature = "client")]
pub fn host_hinted(code: &str, message: Option<&str>) -> Option<Error> {
    let code = ErrorCode::from_str(code)?;
    let hint = host_hint(code)?;
    let message = message.map(|m| quote(m).trim_matches('"').to_string()).unwrap_or_else(|| code.as_str().replace('_', " "));
    Some(Error::new(code, message, hint))
}

/// Quote untrusted text in a message: bounded in length and stripped of control characters,
/// so a megabyte-long or terminal-escaping input cannot turn an error into an attack.
pub fn quote(text: &str) -> String {
    const MAX: usize = 80;
    let mut out = String::with_capacity(text.len().min(MAX) + 4);
    out.push('"');
    for (i, c) in text.chars().enumerate() {
        if i == MAX {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.push_str(&c.escape_default().to_string());
        } else {
            out.push(c);
        }
    }
    out.push('"');
    out
}

/// The errors the JS host detects itself, worded here so the host holds no messages or hints of its own (the
/// host has the facts: `detail` is a host name, a byte limit, or an operation and a trap's text, never a secret).
/// `None` for a code the host does not raise. The authorization-only build needs only `internal_error`.
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
    fn codes_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for c in ErrorCode::ALL {
            assert!(seen.insert(c.as_str()), "duplicate code {}", c.as_str());
            assert_eq!(ErrorCode::from_str(c.as_str()), Some(*c));
        }
    }
    #[test]
    fn quote_bounds_and_escapes() {
        let long = "a".repeat(10_000);
        assert!(quote(&long).chars().count() < 90);
        assert_eq!(quote("a\nb"), "\"a\\nb\"");
    }
}
