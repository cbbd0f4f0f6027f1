//! Hints for the codes the drop-in routes (js/routes.js) raise: the browser binding, the partner's own user and
//! the cross-site checks. The host names the code and says what happened; what to do lives here, with every
//! other error meaning, and reaches the host through the `hostError` operation.

use crate::error::{Error, ErrorCode};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct HostErrorArgs {
    pub code: String,
    #[serde(default)]
    pub message: Option<String>,
}

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

/// The typed error for a route code, with its hint; `invalid_input` for a code that is not one of them.
pub fn host_error(a: HostErrorArgs) -> Result<Error, Error> {
    let code = ErrorCode::from_str(&a.code)
        .filter(|c| hint(*c).is_some())
        .ok_or_else(|| Error::invalid_input("code", format!("{} is not a code the host raises", crate::error::quote(&a.code))))?;
    let message = a.message.map(|m| crate::error::quote(&m).trim_matches('"').to_string()).unwrap_or_else(|| code.as_str().replace('_', " "));
    Ok(Error::new(code, message, hint(code).unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn route_codes_have_hints() {
        for code in ["session_mismatch", "not_signed_in", "cross_site_request", "not_connected"] {
            let e = host_error(HostErrorArgs { code: code.into(), message: Some("m".into()) }).unwrap();
            assert_eq!(e.code.as_str(), code);
            assert!(e.hint.len() > 20);
        }
        assert_eq!(host_error(HostErrorArgs { code: "invalid_grant".into(), message: None }).unwrap_err().code, ErrorCode::InvalidInput);
    }
}
