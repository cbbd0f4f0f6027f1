//! Hints for the codes the drop-in routes (js/routes.js) raise: the browser binding, the partner's own user and
//! the cross-site checks. The host names the code and says what happened; what to do lives here, with every
//! other error meaning, and reaches the host through the `hostError` operation.

use crate::error::ErrorCode;

/// What to do about a route failure, by code; `None` for codes the routes do not raise.
pub fn hint(code: ErrorCode) -> Option<&'static str> {
    Some(match code {
        ErrorCode::SessionMismatch => "The authorization was started by another signed-in user (or before you signed in again). Sign in as the user who started it, or start the authorization again.",
        ErrorCode::NotSignedIn => "Sign in to the partner application first, then start the Datadog connection again.",
        ErrorCode::CrossSiteRequest => "The request did not come from the partner's own pages. Use the Disconnect button on the integration page.",
        ErrorCode::NotConnected => "There is no Datadog connection for this user. Connect Datadog first.",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn route_codes_have_hints() {
        for code in ["session_mismatch", "not_signed_in", "cross_site_request", "not_connected"] {
            let e = crate::error::host_hinted(code, Some("m")).unwrap();
            assert_eq!(e.code.as_str(), code);
            assert!(e.hint.len() > 20);
        }
        assert!(crate::error::host_hinted("invalid_grant", None).is_none(), "only host-raised codes");
    }
}
