//! The front half of the flow: what Datadog appends to the partner's onboarding URL, and the authorization
//! URL (with PKCE and state) that sends the user to Datadog's consent page. The caller keeps `Pending`
//! until the callback; it is plain JSON and holds the code verifier, so it belongs in server-side session storage.

use crate::error::{quote, Error, ErrorCode, Result};
use crate::pkce;
use crate::secret::Secret;
use crate::site::{self, Site, SiteInput};
use crate::uri::Uri;

/// Datadog defines under a hundred OAuth scopes; more than this is a mistake or an attack.
pub const MAX_SCOPES: usize = 256;

/// Longest query parameter value we look at; anything longer is hostile or broken.
pub const MAX_PARAM_LEN: usize = 4096;

/// An absolute https redirect URI (plain http only on loopback), without fragment or userinfo.
/// Keeps the caller's exact text, because Datadog compares it with the registered one character by character.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedirectUri {
    raw: String,
    url: Uri,
}

impl RedirectUri {
    pub fn parse(text: &str) -> Result<RedirectUri> {
        let bad = |why: &str| {
            Error::new(
                ErrorCode::InvalidRedirectUri,
                format!("redirect URI {} {why}", quote(text)),
                "Use the absolute https URL registered on your OAuth client (http only for localhost), without a #fragment.",
            )
            .with_field("redirectUri")
        };
        if text.len() > MAX_PARAM_LEN {
            return Err(bad("is too long"));
        }
        if text.contains('#') {
            return Err(bad("must not have a #fragment"));
        }
        let url = Uri::parse(text).map_err(|why| bad(&format!("is not usable: {why}")))?;
        let loopback = url.host.is_loopback();
        match url.scheme {
            "https" => {}
            "http" if loopback => {}
            "http" => return Err(bad("uses plain http, which is only allowed for localhost")),
            _ => return Err(bad("must use https")),
        }
        Ok(RedirectUri { raw: text.to_string(), url })
    }
    pub fn as_str(&self) -> &str {
        &self.raw
    }
    pub fn url(&self) -> &Uri {
        &self.url
    }
    /// Whether a callback URL arrived at this redirect URI (same scheme, host, port and path).
    pub fn matches(&self, callback: &Uri) -> bool {
        callback.origin() == self.url.origin() && callback.path == self.url.path
    }
}

/// A scope name as RFC 6749 §3.3 allows (printable ASCII without space, `"` or `\`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope(String);

impl Scope {
    pub fn parse(text: &str) -> Result<Scope> {
        let ok = !text.is_empty() && text.len() <= 200 && text.bytes().all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b));
        if ok {
            Ok(Scope(text.to_string()))
        } else {
            Err(Error::new(
                ErrorCode::InvalidScope,
                format!("{} is not a valid scope name", quote(text)),
                "Pass scopes as an array of names such as [\"metrics_read\", \"api_keys_write\"].",
            )
            .with_field("scopes"))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A client ID as Datadog issues it: printable ASCII without spaces. Shared by every request that names the client.
pub(crate) fn check_client_id(text: &str) -> Result<&str> {
    if text.is_empty() || text.len() > 256 || !text.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return Err(Error::new(
            ErrorCode::InvalidClientId,
            format!("client ID {} is empty or has characters a client ID cannot have", quote(text)),
            "Copy the client ID from your OAuth client in Datadog's Developer Platform.",
        )
        .with_field("clientId"));
    }
    Ok(text)
}

fn org_id(text: &str) -> Result<&str> {
    if text.is_empty() || text.len() > 128 || !text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(Error::invalid_input("orgId", format!("org ID {} is not a Datadog org UUID", quote(text))));
    }
    Ok(text)
}

/// Everything kept between the redirect to Datadog and the callback. Plain JSON; holds the verifier.
#[derive(Clone, Debug)]
pub struct Pending {
    pub state: String,
    pub code_verifier: Secret,
    /// The site the flow started with; `None` when it started outside the tile (the callback's domain decides).
    pub site: Option<Site>,
    pub redirect_uri: String,
    pub client_id: String,
    /// Milliseconds since the Unix epoch.
    pub created_at: u64,
}

/// The arguments of `startAuthorization` (read in `codec`).
#[derive(Clone, Debug, Default)]
pub struct AuthorizationParams {
    pub client_id: String,
    pub redirect_uri: String,
    pub site: Option<SiteInput>,
    pub scopes: Option<Vec<String>>,
    pub org_id: Option<String>,
    /// Custom sites the caller configured (local sandbox); empty in production.
    pub sites: Vec<Site>,
    pub verifier_length: Option<usize>,
    /// Milliseconds since the Unix epoch, recorded as `createdAt` on the pending authorization.
    pub now: u64,
}

#[derive(Clone, Debug)]
pub struct Authorization {
    pub url: String,
    pub pending: Pending,
}

/// Where a flow started outside the tile sends the user: US1, where Datadog lets them pick their region.
const DEFAULT_AUTHORIZE_SITE: &str = "datadoghq.com";

/// Build the authorization URL from explicit randomness (state bytes, verifier bytes) and time: deterministic.
pub fn authorization_with(p: &AuthorizationParams, state_bytes: &[u8; 32], verifier_bytes: &[u8], now_ms: u64) -> Result<Authorization> {
    let client_id = check_client_id(&p.client_id)?;
    let redirect = RedirectUri::parse(&p.redirect_uri)?;
    let site = p.site.as_ref().map(|s| s.resolve(&p.sites)).transpose()?;
    let requested = p.scopes.as_deref().unwrap_or_default();
    if requested.len() > MAX_SCOPES {
        return Err(Error::new(
            ErrorCode::InvalidScope,
            format!("{} scopes were requested; at most {MAX_SCOPES} are accepted", requested.len()),
            "Datadog has fewer than a hundred OAuth scopes; request only those configured on your client.",
        )
        .with_field("scopes"));
    }
    let scopes = requested.iter().map(|s| Scope::parse(s)).collect::<Result<Vec<_>>>()?;
    let org = p.org_id.as_deref().map(org_id).transpose()?;
    let pkce = pkce::from_random(verifier_bytes, p.verifier_length.unwrap_or(pkce::DEFAULT_LEN))?;
    let state = crate::state::from_bytes(state_bytes);

    let target = match &site {
        Some(s) => s.clone(),
        // A configured custom site for the same site parameter (a local sandbox) stands in for real US1.
        None => site::site_for_domain(DEFAULT_AUTHORIZE_SITE, &p.sites)?,
    };
    let mut q = crate::uri::Form::new();
    q.pair("response_type", "code")
        .pair("client_id", client_id)
        .pair("redirect_uri", redirect.as_str())
        .pair("state", &state)
        .pair("code_challenge", &pkce.challenge)
        .pair("code_challenge_method", "S256");
    if !scopes.is_empty() {
        // Space-separated, first occurrence kept (RFC 6749 §3.3). Quadratic, but over at most MAX_SCOPES names;
        // a hash set would add ~2 KB gzipped to the browser core.
        let mut joined = String::new();
        for (i, s) in scopes.iter().enumerate() {
            if !scopes[..i].contains(s) {
                if !joined.is_empty() {
                    joined.push(' ');
                }
                joined.push_str(s.as_str());
            }
        }
        q.pair("scope", &joined);
    }
    if let Some(o) = org {
        q.pair("dd_oid", o);
    }
    let url = format!("{}?{}", target.authorize_url(), q.finish());
    Ok(Authorization {
        url,
        pending: Pending {
            state,
            code_verifier: pkce.verifier,
            site,
            redirect_uri: redirect.as_str().to_string(),
            client_id: client_id.to_string(),
            created_at: now_ms,
        },
    })
}

/// Build the authorization URL with fresh state and verifier from the platform CSPRNG.
pub fn start_authorization(p: &AuthorizationParams, now_ms: u64) -> Result<Authorization> {
    let state = crate::random::bytes::<32>()?;
    let verifier = crate::random::bytes::<96>()?;
    authorization_with(p, &state, &verifier, now_ms)
}

/// Parse a URL Datadog sent the browser to (absolute, or a path with a query), rejecting repeated parameters.
/// A relative URL (a server's `req.url`) is read against `base`.
pub(crate) fn parse_params<const N: usize>(text: &str, base: Option<&Uri>, names: &[&str; N], what: &str) -> Result<(Uri, [Option<String>; N])> {
    let bad = |why: String| Error::new(ErrorCode::InvalidCallback, format!("the {what} URL {why}"), "Pass the full URL the browser arrived at, unmodified.");
    if text.len() > 16 * MAX_PARAM_LEN {
        return Err(bad("is too long".into()));
    }
    let parsed = match base {
        Some(b) => Uri::parse_with_base(text, b),
        // Only the query matters for the onboarding URL: accept a bare path too.
        None => Uri::parse_with_base(text, &Uri::placeholder()),
    };
    let url = parsed.map_err(|why| bad(format!("{} cannot be read: {why}", quote(text))))?;
    let mut values: [Option<String>; N] = std::array::from_fn(|_| None);
    for (k, v) in url.query_pairs() {
        if let Some(i) = names.iter().position(|n| *n == k) {
            if values[i].is_some() {
                return Err(bad(format!("has the `{k}` parameter more than once")));
            }
            if v.len() > MAX_PARAM_LEN {
                return Err(bad(format!("has a `{k}` parameter that is too long")));
            }
            values[i] = Some(v);
        }
    }
    // Empty values carry no information; treat them as absent.
    for v in values.iter_mut() {
        if v.as_deref() == Some("") {
            *v = None;
        }
    }
    Ok((url, values))
}

#[derive(Clone, Debug)]
pub struct Onboarding {
    /// The user's site, with their vanity host for the consent page if Datadog sent one.
    pub site: Option<Site>,
    /// The canonical site parameter for API calls.
    pub domain: Option<String>,
}

/// Read `site` and `domain` from the onboarding URL Datadog opened. Both may be missing (a flow started
/// on the partner's own site); when both are present they must name the same Datadog site.
pub fn parse_onboarding_url(text: &str, custom: &[Site]) -> Result<Onboarding> {
    let (_, [site_param, domain_param]) = parse_params(text, None, &["site", "domain"], "onboarding")?;
    let from_site = site_param.as_deref().map(|s| site::resolve_site_strict(s, custom)).transpose()?;
    let from_domain = domain_param.as_deref().map(|d| site::site_for_domain(d, custom)).transpose()?;
    let site = match (from_site, from_domain) {
        (Some(s), Some(d)) if !s.same_site(&d) => return Err(site::mismatch_error(&s, &d, "the onboarding URL's site and domain name different sites")),
        (Some(s), _) => Some(s),
        (None, d) => d,
    };
    let domain = site.as_ref().map(|s| s.site.clone());
    Ok(Onboarding { site, domain })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn redirect_uri_rules() {
        assert!(RedirectUri::parse("https://partner.example/cb").is_ok());
        assert!(RedirectUri::parse("http://localhost:3000/cb").is_ok());
        assert!(RedirectUri::parse("http://127.0.0.1/cb").is_ok());
        for bad in ["http://partner.example/cb", "https://partner.example/cb#x", "/cb", "https://u:p@partner.example/cb", "javascript:alert(1)"] {
            assert_eq!(RedirectUri::parse(bad).unwrap_err().code, ErrorCode::InvalidRedirectUri, "{bad}");
        }
    }
    #[test]
    fn onboarding_mismatch() {
        let e = parse_onboarding_url("https://p.example/onboard?site=https://app.datadoghq.eu&domain=datadoghq.com", &[]).unwrap_err();
        assert_eq!(e.code, ErrorCode::SiteMismatch);
        let o = parse_onboarding_url("/onboard?site=acme.datadoghq.eu&domain=datadoghq.eu", &[]).unwrap();
        assert_eq!(o.domain.as_deref(), Some("datadoghq.eu"));
        assert_eq!(o.site.unwrap().authorize_origin, "https://acme.datadoghq.eu");
        let o = parse_onboarding_url("https://p.example/onboard", &[]).unwrap();
        assert!(o.site.is_none() && o.domain.is_none());
    }
}
