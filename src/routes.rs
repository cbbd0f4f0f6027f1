//! Errors raised by the JS host's drop-in routes (js/routes.js): the browser binding, the partner's own user and
//! the cross-site checks. The host names the code and says what happened; the hint (what the user or the partner
//! should do) lives here, with every other error meaning. Codes another module defines are looked up by name.

use crate::error::{Error, ErrorCode};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct HostErrorArgs {
    pub code: String,
    pub message: String,
}

/// What to do about a route failure, by code.
fn hint(code: &str) -> Option<&'static str> {
    Some(match code {
        "no_pending_authorization" => "This browser has no authorization in progress (it expired, was already used, or the link was opened in another browser). Start the authorization again from the Datadog tile or your Connect button.",
        "authorization_used" => "This authorization already completed; its code is not sent again. Start again from the Datadog tile or your Connect button to connect anew.",
        "session_mismatch" => "The authorization was started by another signed-in user (or before you signed in again). Sign in as the user who started it, or start the authorization again.",
        "not_signed_in" => "Sign in to the partner application first, then start the Datadog connection again.",
        "cross_site_request" => "The request did not come from the partner's own pages. Use the Disconnect button on the integration page.",
        "not_connected" => "There is no Datadog connection for this user. Connect Datadog first.",
        _ => return None,
    })
}

/// The typed error for a host-raised route code; `None` when the code is not in the table (the host then says so).
pub fn host_error(a: &HostErrorArgs) -> Option<Error> {
    let code = ErrorCode::from_str(&a.code)?;
    Some(Error::new(code, crate::error::quote(&a.message).trim_matches('"').to_string(), hint(&a.code)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn route_codes_have_hints() {
        for code in ["session_mismatch", "not_signed_in", "cross_site_request", "not_connected"] {
            let e = host_error(&HostErrorArgs { code: code.into(), message: "m".into() }).unwrap();
            assert_eq!(e.code.as_str(), code);
            assert!(e.hint.len() > 20);
        }
        assert!(host_error(&HostErrorArgs { code: "no_such_code".into(), message: "m".into() }).is_none());
    }
}
