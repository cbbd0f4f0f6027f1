//! The one error type of the library: a stable snake_case `code`, a `message` that says what happened,
//! a `hint` that says what to do, and the HTTP facts when a response was involved.
//! Codes are the contract (they survive the wasm boundary and bundlers); messages may improve over time.
//! No constructor here takes a secret: callers pass redacted text only.

use std::fmt;

/// The message builders quote untrusted text with this; redaction, quoting included, lives in `redact`.
pub use crate::redact::quote;

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
            // A scan of `ALL` through `as_str`'s table, not a `match` on the texts: that compiled to 1.4 KB of
            // length switches and compares (full core; `/auth` too), and a host-raised error is no hot path.
            #[allow(clippy::should_implement_trait)]
            pub fn from_str(s: &str) -> Option<ErrorCode> {
                Self::ALL.iter().copied().find(|c| c.as_str() == s)
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
    // Raised by js/core.js before the wasm core is loaded: its hint is in `meaning::host_hint`, and a JS test checks
    // that core.js's copy (it cannot ask a core that is not there) is the same.
    NotReady => "not_ready",
    // Raised by the host's transport and core doorway (issue 11); messages and hints from `meaning::host_error`.
    UnexpectedRedirect => "unexpected_redirect",
    ResponseTooLarge => "response_too_large",
    InternalError => "internal_error",
    // The single-use authorization-code exchange got no usable answer (`retry::decide`, Replay::Once).
    ExchangeInterrupted => "exchange_interrupted",
    // Raised by the drop-in routes (js/routes.js); hints in `meaning::host_hint`.
    SessionMismatch => "session_mismatch",
    NotSignedIn => "not_signed_in",
    CrossSiteRequest => "cross_site_request",
    NotConnected => "not_connected",
    // Raised by the JS host's connection store (js/store/): hints in `meaning::host_hint`.
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

// What scrubbing reaches: the texts a server's echo may have landed in (status, codes and numbers cannot hold one).
impl crate::redact::Texts for Error {
    fn texts(&mut self) -> Vec<&mut String> {
        let mut v = vec![&mut self.message, &mut self.hint];
        v.extend(self.body.as_mut());
        v.extend(self.field.as_mut());
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn codes_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for c in ErrorCode::ALL {
            assert!(seen.insert(c.as_str()), "duplicate code {}", c.as_str());
            assert_eq!(ErrorCode::from_str(c.as_str()), Some(*c));
        }
    }
}
