//! The back half of the authorization: the URL Datadog redirects the browser to. Checks, in order, that it
//! arrived at our redirect URI, that `state` is ours (constant time), that the authorization is fresh, that
//! it carries a code, and that its `domain`/`site` agree with each other and with the site the flow began on, and
//! that an `iss` (RFC 9207), when present, is that site's authorization server.

use crate::authorize::{parse_params, Pending, RedirectUri};
use crate::error::{Error, ErrorCode, Result};
use crate::meaning::from_oauth;
use crate::secret::Secret;
use crate::site::{self, Site};

/// How long a pending authorization stays usable by default: Datadog's codes live minutes, users wander off.
pub const DEFAULT_MAX_AGE_MS: u64 = 60 * 60 * 1000;

#[derive(Clone, Debug, Default)]
pub struct CallbackOptions {
    pub sites: Vec<Site>,
    pub max_age_ms: Option<u64>,
}

#[derive(Clone, Debug)]
pub struct Callback {
    /// Short-lived, but a credential all the same: redacted when printed.
    pub code: Secret,
    /// The canonical site parameter: API calls go to `api.<domain>`.
    pub domain: String,
    pub site: Site,
    /// Unverified hints the user can edit (policy 14); exchangeCode verifies the org (policy 18).
    pub org_id: Option<String>,
    pub org_name: Option<String>,
    /// The pending authorization's state, so the caller can claim the authorization once (policy 19).
    pub state: String,
}

const NAMES: &[&str; 9] = &["code", "state", "error", "error_description", "domain", "site", "dd_oid", "dd_org_name", "iss"];

/// How far a pending authorization's `createdAt` may be ahead of `now`: clocks of two instances differ a little.
const MAX_CLOCK_SKEW_MS: u64 = 60_000;

/// The issuer identifier of a site's authorization server (RFC 9207), policy 22: the site's web-app origin, which
/// serves the consent page (a vanity host is the same server). Datadog sends no `iss` today.
pub fn issuer(site: &Site) -> &str {
    &site.app_origin
}

pub fn parse_callback(text: &str, pending: &Pending, now_ms: u64, opts: &CallbackOptions) -> Result<Callback> {
    let redirect = RedirectUri::parse(&pending.redirect_uri)?;
    let (url, [code, state, error, error_description, domain, site_param, org_id, org_name, iss]) =
        parse_params(text, Some(redirect.url()), NAMES, "callback")?;
    if !redirect.matches(&url) {
        return Err(Error::new(
            ErrorCode::RedirectUriMismatch,
            "the callback URL is not at the redirect URI this authorization was started with",
            "Parse the callback with the pending authorization created for this redirect URI.",
        ));
    }

    let state_ok = state.as_deref().is_some_and(|s| crate::state::matches(&pending.state, s));
    if let Some(err) = error {
        // A forged error redirect must not masquerade as Datadog's answer; an error without state is
        // still reported as the error (Datadog may not echo state on failures).
        if state.is_some() && !state_ok {
            return Err(state_error());
        }
        // RFC 9207 §2.4: error responses too. Only a flow started on a site knows its issuer this early.
        if let Some(s) = &pending.site {
            check_issuer(&iss, s)?;
        }
        return Err(from_oauth(&err, error_description.as_deref()));
    }
    if !state_ok {
        return Err(state_error());
    }
    if pending.created_at > now_ms.saturating_add(MAX_CLOCK_SKEW_MS) {
        return Err(Error::new(ErrorCode::InvalidInput, "`createdAt` is in the future", "Start the authorization again.").with_field("pending.createdAt"));
    }
    let max_age = opts.max_age_ms.unwrap_or(DEFAULT_MAX_AGE_MS);
    if now_ms.saturating_sub(pending.created_at) > max_age {
        return Err(Error::new(ErrorCode::AuthorizationExpired, "this authorization was started too long ago", "Start the authorization again."));
    }
    let code = code.ok_or_else(|| {
        Error::new(
            ErrorCode::MissingCode,
            "the callback carries no authorization code",
            "Start the authorization again; if it repeats, check the OAuth client's redirect URI.",
        )
    })?;

    // Only the caller's allowlist: a custom site in the pending object counts only if it is listed there too.
    let custom = &opts.sites;
    let by_domain = domain.as_deref().map(|d| site::site_for_domain(d, custom)).transpose()?;
    let by_site = site_param.as_deref().map(|s| site::resolve_site_strict(s, custom)).transpose()?;
    if let (Some(d), Some(s)) = (&by_domain, &by_site) {
        if !d.same_site(s) {
            return Err(site::mismatch_error(d, s, "the callback's domain and site name different sites"));
        }
    }
    let started = pending.site.as_ref().map(|s| site::from_descriptor(s, custom)).transpose()?;
    let from_callback = by_site.or(by_domain);
    let site = match (started, from_callback) {
        (Some(p), Some(c)) if !p.same_site(&c) => return Err(site::mismatch_error(&p, &c, "the flow started on one site and came back from another")),
        (_, Some(c)) => c,
        (Some(p), None) => p,
        (None, None) => {
            return Err(Error::new(
                ErrorCode::InvalidCallback,
                "the callback names no Datadog site (no `domain`)",
                "Pass the full callback URL, unmodified; or start the flow with a site.",
            ))
        }
    };
    check_issuer(&iss, &site)?;
    Ok(Callback { code: Secret::new(code), domain: site.site.clone(), site, org_id, org_name, state: pending.state.clone() })
}

/// A present `iss` must be the site's issuer, exactly (RFC 9207 §2.4: simple string comparison).
#[inline(never)]
fn check_issuer(iss: &Option<String>, site: &Site) -> Result<()> {
    match iss {
        Some(i) if i != issuer(site) => {
            Err(Error::new(ErrorCode::IssuerMismatch, "`iss` is not this site's issuer (a mix-up?)", "Start the authorization again."))
        }
        _ => Ok(()),
    }
}

fn state_error() -> Error {
    Error::new(
        ErrorCode::StateMismatch,
        "the callback's state is missing or is not the one this authorization was started with",
        "The callback does not belong to this browser session (a replay, a second tab, or a forged link). Start the authorization again.",
    )
}
