//! RFC 6749 error responses (§4.1.2.1 on the callback, §5.2 from the token endpoint) turned into our codes,
//! with Datadog's documented troubleshooting advice as the hint. One table, used by the callback and token parsers.

use crate::error::{quote, Error, ErrorCode};

/// Datadog's documented error strings, matched inside whatever text the server sent, most specific first.
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
    (
        "does not match certificate's altnames",
        ErrorCode::CertificateMismatch,
        "A custom subdomain was used in an API host. API calls must go to api.<domain> (for example api.datadoghq.eu), never to the org's vanity host.",
    ),
];

fn hint_for(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::AccessDenied => "The user clicked Deny, or lacks permission for a requested scope (from the tile the user must hold every scope). Let them try again, or ask an admin to authorize.",
        ErrorCode::InvalidRequest => "Datadog rejected the request's parameters; check client_id, redirect_uri and the PKCE parameters.",
        ErrorCode::UnauthorizedClient => "This client may not use this grant; check the OAuth client's configuration in the Developer Platform.",
        ErrorCode::UnsupportedResponseType => "Only response_type=code is supported.",
        ErrorCode::InvalidScope => "A requested scope is not granted to this OAuth client; request only scopes configured on the client.",
        ErrorCode::InvalidClient => "Check the client_id and client_secret (a confidential client must send its secret; a rotated secret replaces the old one).",
        ErrorCode::InvalidGrant => "The code or refresh token is invalid, expired, revoked or already used; the user must authorize again.",
        ErrorCode::UnsupportedGrantType => "Only authorization_code and refresh_token grants are supported.",
        ErrorCode::ServerError | ErrorCode::TemporarilyUnavailable => "Datadog had a problem; try again in a moment.",
        _ => "See the error description from Datadog.",
    }
}

fn rfc_code(error: &str) -> ErrorCode {
    match error {
        "access_denied" => ErrorCode::AccessDenied,
        "invalid_request" => ErrorCode::InvalidRequest,
        "unauthorized_client" => ErrorCode::UnauthorizedClient,
        "unsupported_response_type" => ErrorCode::UnsupportedResponseType,
        "invalid_scope" => ErrorCode::InvalidScope,
        "invalid_client" => ErrorCode::InvalidClient,
        "invalid_grant" => ErrorCode::InvalidGrant,
        "unsupported_grant_type" => ErrorCode::UnsupportedGrantType,
        "server_error" => ErrorCode::ServerError,
        "temporarily_unavailable" => ErrorCode::TemporarilyUnavailable,
        _ => ErrorCode::OauthError,
    }
}

/// Look for one of Datadog's documented strings in any text (error, description or a raw body).
pub fn documented(text: &str) -> Option<(ErrorCode, &'static str)> {
    let lower = text.to_ascii_lowercase();
    DOCUMENTED.iter().find(|(needle, _, _)| lower.contains(needle)).map(|(_, c, h)| (*c, *h))
}

/// Build our error from an RFC 6749 `error` and optional `error_description`.
pub fn from_oauth(error: &str, description: Option<&str>) -> Error {
    let combined = match description {
        Some(d) if !d.is_empty() => format!("{error} - {d}"),
        _ => error.to_string(),
    };
    let (code, hint) = match documented(&combined) {
        Some((c, h)) => (c, h),
        None => {
            let c = rfc_code(error);
            (c, hint_for(c))
        }
    };
    // Server text is untrusted and may echo a credential: redact token-like runs before quoting.
    Error::new(code, format!("Datadog answered {}", quote(&crate::response::redacted_excerpt(&combined))), hint)
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
}
