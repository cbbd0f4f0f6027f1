//! The Datadog site table and the parsing of every way a site reaches us: what a user types (`EU`, `eu1`,
//! `datadoghq.eu`), what Datadog sends (`https://app.datadoghq.eu`, `acme.datadoghq.eu`), and explicit custom
//! sites for local work. Parse, don't validate: a `Site` is valid once built, and untrusted text can only ever
//! yield one of the nine known sites (a vanity host keeps the site's API hosts; it only moves the authorize page).

use crate::error::{quote, Error, ErrorCode, Result};
use crate::uri;

/// One row per Datadog site. Adding a site is adding a row; every host is derived from `site` except the
/// web-app host, which does not follow one pattern (`app.` only on US1, EU1 and US1-FED).
pub struct SiteInfo {
    pub id: &'static str,
    pub name: &'static str,
    pub site: &'static str,
    pub app_host: &'static str,
    pub location: &'static str,
    /// Other names people use for the region (docs region keys).
    pub aliases: &'static [&'static str],
}

pub const SITES: [SiteInfo; 9] = [
    SiteInfo { id: "us1", name: "US1", site: "datadoghq.com", app_host: "app.datadoghq.com", location: "US", aliases: &["us"] },
    SiteInfo { id: "us3", name: "US3", site: "us3.datadoghq.com", app_host: "us3.datadoghq.com", location: "US", aliases: &[] },
    SiteInfo { id: "us5", name: "US5", site: "us5.datadoghq.com", app_host: "us5.datadoghq.com", location: "US", aliases: &[] },
    SiteInfo { id: "eu1", name: "EU1", site: "datadoghq.eu", app_host: "app.datadoghq.eu", location: "EU (Germany)", aliases: &["eu"] },
    SiteInfo { id: "ap1", name: "AP1", site: "ap1.datadoghq.com", app_host: "ap1.datadoghq.com", location: "Japan", aliases: &[] },
    SiteInfo { id: "ap2", name: "AP2", site: "ap2.datadoghq.com", app_host: "ap2.datadoghq.com", location: "Australia", aliases: &[] },
    SiteInfo { id: "uk1", name: "UK1", site: "uk1.datadoghq.com", app_host: "uk1.datadoghq.com", location: "UK", aliases: &["uk"] },
    SiteInfo { id: "us1-fed", name: "US1-FED", site: "ddog-gov.com", app_host: "app.ddog-gov.com", location: "US (GovCloud)", aliases: &["gov", "us1fed"] },
    SiteInfo {
        id: "us2-fed",
        name: "US2-FED",
        site: "us2.ddog-gov.com",
        app_host: "us2.ddog-gov.com",
        location: "US (GovCloud)",
        aliases: &["us2fed", "gov2"],
    },
];

/// A resolved site: the descriptor the JS API hands out. API hosts always come from `site` (the canonical
/// site parameter, Datadog's `domain`); only `authorize_origin` may point at a vanity host. Its JSON (and serde's
/// view of it) is in `codec`, which reads a descriptor by its identifying fields only.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Site {
    pub id: String,
    pub name: String,
    /// The site parameter (`datadoghq.eu`), which Datadog calls `domain` on redirects.
    pub site: String,
    pub app_origin: String,
    pub api_origin: String,
    pub logs_origin: String,
    pub event_intake_origin: String,
    pub otlp_origin: String,
    /// Where the consent page lives: the app origin, or the org's vanity host.
    pub authorize_origin: String,
    pub vanity: Option<String>,
    pub custom: bool,
    pub location: Option<String>,
}

impl Site {
    fn known(info: &SiteInfo) -> Site {
        let app_origin = format!("https://{}", info.app_host);
        Site {
            id: info.id.into(),
            name: info.name.into(),
            site: info.site.into(),
            api_origin: format!("https://api.{}", info.site),
            logs_origin: format!("https://http-intake.logs.{}", info.site),
            event_intake_origin: format!("https://event-management-intake.{}", info.site),
            otlp_origin: format!("https://otlp.{}", info.site),
            authorize_origin: app_origin.clone(),
            app_origin,
            vanity: None,
            custom: false,
            location: Some(info.location.into()),
        }
    }

    fn with_vanity(mut self, host: &str) -> Site {
        self.authorize_origin = format!("https://{host}");
        self.vanity = Some(host.to_string());
        self
    }

    /// The same site without its vanity host: what API calls and comparisons use.
    pub fn canonical(&self) -> Site {
        let mut s = self.clone();
        s.authorize_origin = s.app_origin.clone();
        s.vanity = None;
        s
    }

    pub fn same_site(&self, other: &Site) -> bool {
        self.site == other.site && self.custom == other.custom && self.api_origin == other.api_origin
    }
}

/// The error for two sites that should be one. When both carry the same site parameter, one of them is a
/// configured custom site (a sandbox) and the other the real Datadog site: say so, rather than naming the
/// same parameter twice.
pub fn mismatch_error(a: &Site, b: &Site, what: &str) -> Error {
    let detail = if a.site == b.site {
        let (custom, real) = if a.custom { (a, b) } else { (b, a) };
        format!(
            "{what}: {} is the real Datadog address for {}, but a custom site ({}) is configured for it",
            quote(&real.authorize_origin),
            quote(&real.site),
            quote(&custom.app_origin)
        )
    } else {
        format!("{what}: {} and {}", quote(&a.site), quote(&b.site))
    };
    Error::new(
        ErrorCode::SiteMismatch,
        detail,
        "The authorization names a different Datadog site than expected. Start again from the integration tile, or pick the right site; with custom sites configured, use their addresses throughout.",
    )
}

impl Site {
    /// Whether Datadog documents an OTLP trace intake for this site (policy 10): every commercial site, none of
    /// the gov sites. A custom site stands in for the built-in site with its site parameter.
    pub fn has_otlp_intake(&self) -> bool {
        !SITES.iter().any(|i| i.site == self.site && i.id.ends_with("-fed"))
    }
}

/// All nine built-in sites, in table order.
pub fn sites() -> Vec<Site> {
    SITES.iter().map(Site::known).collect()
}

fn invalid(input: &str, why: &str) -> Error {
    Error::new(
        ErrorCode::InvalidSite,
        format!("{} is not a Datadog site: {why}", quote(input)),
        "Use a site parameter such as `datadoghq.eu`, a region such as `EU1`, or the web address you use to \
         open Datadog (such as `https://app.datadoghq.eu`). Custom hosts are only for local testing, through customSite().",
    )
}

/// Labels that name Datadog infrastructure or a region we do not know yet; never accepted as a vanity org.
fn reserved_label(label: &str) -> bool {
    const RESERVED: &[&str] = &["api", "app", "www", "http-intake", "event-management-intake", "otlp", "trace", "ip-ranges", "docs"];
    if RESERVED.contains(&label) {
        return true;
    }
    // `us4`, `eu2`, `ap3`...: most likely a site newer than this library, not an org.
    let (alpha, digits) = label.split_at_checked(label.bytes().position(|b| b.is_ascii_digit()).unwrap_or(label.len())).unwrap_or((label, ""));
    matches!(alpha, "us" | "eu" | "ap" | "uk" | "ca" | "in") && !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) || label.ends_with("-fed")
}

fn valid_hostname(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// Resolve untrusted text to one of the nine built-in sites (possibly with a vanity authorize host).
pub fn resolve_site(input: &str) -> Result<Site> {
    resolve_site_in(input, &[])
}

/// Resolve text against the built-in table and, first, against custom sites the caller configured
/// explicitly. Custom sites match only exactly (site parameter, app origin or API origin). What a user types or
/// pastes: an https web address may carry a path, query or fragment (its origin decides).
pub fn resolve_site_in(input: &str, custom: &[Site]) -> Result<Site> {
    resolve(input, custom, true)
}

/// `resolve_site_in` for what Datadog sends (onboarding and callback parameters): origins only, no path.
pub fn resolve_site_strict(input: &str, custom: &[Site]) -> Result<Site> {
    resolve(input, custom, false)
}

fn resolve(input: &str, custom: &[Site], pasted: bool) -> Result<Site> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(invalid(input, "it is empty"));
    }
    // Room for a pasted web address with its path; the host part is still held to DNS limits below.
    if trimmed.len() > 2048 {
        return Err(invalid(input, "it is too long"));
    }
    if let Some(s) = custom.iter().find(|s| {
        // `trim_end_matches('/')` on bytes: the reverse char searcher is wasm the `/auth` core has no other use for.
        let t = uri::sub(trimmed, ..trimmed.len() - trimmed.bytes().rev().take_while(|b| *b == b'/').count());
        s.site == t || s.app_origin == t || s.api_origin == t || s.id.eq_ignore_ascii_case(t)
    }) {
        return Ok(s.clone());
    }
    let lower = trimmed.to_ascii_lowercase();
    if let Some(info) = SITES.iter().find(|i| i.id == lower || i.name.eq_ignore_ascii_case(&lower) || i.aliases.contains(&lower.as_str())) {
        return Ok(Site::known(info));
    }
    let rest = if let Some(r) = lower.strip_prefix("https://") {
        r
    } else if lower.starts_with("http://") {
        return Err(invalid(input, "Datadog is only reached over https"));
    } else if uri::find(&lower, "://").is_some() {
        return Err(invalid(input, "only https addresses are accepted"));
    } else {
        &lower
    };
    let host = rest.strip_suffix('/').unwrap_or(rest);
    // A pasted web address (`https://app.datadoghq.eu/apm/home?x#y`): its origin decides. Only for an explicit
    // https URL; userinfo (`@`), backslashes and ports are still left in the host, and fail its check.
    let host = match host.bytes().position(|b| matches!(b, b'/' | b'?' | b'#')) {
        Some(i) if pasted && lower.starts_with("https://") => uri::sub(host, ..i),
        _ => host,
    };
    if host.bytes().any(|b| b == b':') {
        return Err(invalid(input, "ports and IP addresses are not accepted"));
    }
    if host.ends_with('.') {
        return Err(invalid(input, "a trailing dot is not accepted"));
    }
    if !valid_hostname(host) {
        return Err(invalid(input, "it is not a plain host name (letters, digits, dots and dashes only)"));
    }
    for info in SITES.iter() {
        if host == info.site || host == info.app_host || host.strip_prefix("api.") == Some(info.site) {
            return Ok(Site::known(info));
        }
    }
    // A vanity org lives one label under a site: pick the longest site that is a suffix, so that
    // `acme.us3.datadoghq.com` belongs to US3 and not to US1.
    let parent = SITES
        .iter()
        .filter(|i| host.len() > i.site.len() + 1 && host.ends_with(i.site) && host.as_bytes()[host.len() - i.site.len() - 1] == b'.')
        .max_by_key(|i| i.site.len());
    match parent {
        None => Err(invalid(input, "it is not under a Datadog domain")),
        Some(info) => {
            let label = uri::sub(host, ..host.len() - info.site.len() - 1);
            if label.contains('.') {
                Err(invalid(input, "only one level of custom subdomain is possible"))
            } else if label == "app" {
                // `app.us3.datadoghq.com` is an app host Datadog also serves; keep it for the consent page.
                Ok(Site::known(info).with_vanity(host))
            } else if reserved_label(label) {
                Err(invalid(input, "it names a Datadog service or an unknown region, not an organisation"))
            } else {
                Ok(Site::known(info).with_vanity(host))
            }
        }
    }
}

/// What a caller gives to build a custom site (local sandbox, a proxy). Never built from untrusted text.
#[derive(Clone, Debug, Default)]
pub struct CustomSiteSpec {
    pub id: Option<String>,
    pub name: Option<String>,
    pub site: String,
    pub app_origin: String,
    pub api_origin: String,
    pub logs_origin: Option<String>,
    pub event_intake_origin: Option<String>,
    pub otlp_origin: Option<String>,
}

/// An origin for a custom site: https anywhere, plain http only on loopback, nothing but scheme/host/port.
fn custom_origin(field: &str, value: &str) -> Result<String> {
    let bad = |why: &str| {
        Error::new(
            ErrorCode::InvalidSite,
            format!("custom site `{field}` {}: {why}", quote(value)),
            "Give an origin such as `http://127.0.0.1:8080` or `https://dd.example.com`.",
        )
        .with_field(field)
    };
    let url = crate::uri::Uri::parse(value).map_err(bad)?;
    if url.scheme == "http" && !url.host.is_loopback() {
        return Err(bad("plain http is only allowed for loopback hosts"));
    }
    if !url.is_origin_only() {
        return Err(bad("only scheme, host and port are allowed"));
    }
    Ok(url.origin())
}

/// Build a custom site descriptor from explicit origins. Missing intake origins default to the API origin.
pub fn custom_site(spec: &CustomSiteSpec) -> Result<Site> {
    let site = spec.site.trim().to_ascii_lowercase();
    if !valid_hostname(&site) {
        return Err(Error::new(
            ErrorCode::InvalidSite,
            format!("custom site parameter {} is not a host name", quote(&spec.site)),
            "Use a host name such as `datadoghq.eu`.",
        )
        .with_field("site"));
    }
    let app = custom_origin("appOrigin", &spec.app_origin)?;
    let api = custom_origin("apiOrigin", &spec.api_origin)?;
    let opt = |field: &str, v: &Option<String>| -> Result<String> {
        match v {
            Some(v) => custom_origin(field, v),
            None => Ok(api.clone()),
        }
    };
    let id = spec.id.clone().unwrap_or_else(|| format!("custom:{site}"));
    Ok(Site {
        name: spec.name.clone().unwrap_or_else(|| id.clone()),
        id,
        logs_origin: opt("logsOrigin", &spec.logs_origin)?,
        event_intake_origin: opt("eventIntakeOrigin", &spec.event_intake_origin)?,
        otlp_origin: opt("otlpOrigin", &spec.otlp_origin)?,
        site,
        authorize_origin: app.clone(),
        app_origin: app,
        api_origin: api,
        vanity: None,
        custom: true,
        location: None,
    })
}

/// A custom descriptor rebuilt through the custom-site rules, without asking whether it is allowed: for the caller's
/// own allowlist (`sites: [...]`), which is what every other descriptor is checked against.
pub fn rebuild_custom(d: &Site) -> Result<Site> {
    #[cfg(any(feature = "client", feature = "intake"))]
    return rebuilt::remembered(d, rebuild_uncached);
    #[cfg(not(any(feature = "client", feature = "intake")))]
    rebuild_uncached(d)
}

fn rebuild_uncached(d: &Site) -> Result<Site> {
    custom_site(&CustomSiteSpec {
        id: Some(d.id.clone()),
        name: Some(d.name.clone()),
        site: d.site.clone(),
        app_origin: d.app_origin.clone(),
        api_origin: d.api_origin.clone(),
        logs_origin: Some(d.logs_origin.clone()),
        event_intake_origin: Some(d.event_intake_origin.clone()),
        otlp_origin: Some(d.otlp_origin.clone()),
    })
}

/// Custom descriptors already rebuilt, by the fields the rebuild reads (full core only; `/auth` rebuilds each time:
/// its bytes are budgeted and its calls carry one site). A client sends its custom sites with every call and each
/// stored connection names one, so the same few descriptors are rebuilt again and again: five origins parsed each,
/// ~30 µs per descriptor in wasm, 300 of a 10×10 `encodeMetrics`' 516 µs with the sandbox's nine (issue 16,
/// bench/tools/netgap.mjs). The rebuild is a function of those fields alone, so a remembered result is the result;
/// only successes are kept (an error is built again, word for word), and at most `KEEP` of them.
#[cfg(any(feature = "client", feature = "intake"))]
mod rebuilt {
    use super::Site;
    use crate::error::Result;
    use std::cell::RefCell;

    const KEEP: usize = 32;

    /// What `rebuild_uncached` reads, owned: the key of a remembered rebuild.
    fn same_input(a: &Site, b: &Site) -> bool {
        [&a.site, &a.app_origin, &a.api_origin, &a.logs_origin, &a.event_intake_origin, &a.otlp_origin, &a.id, &a.name]
            == [&b.site, &b.app_origin, &b.api_origin, &b.logs_origin, &b.event_intake_origin, &b.otlp_origin, &b.id, &b.name]
    }

    thread_local! {
        static SEEN: RefCell<Vec<(Site, Site)>> = const { RefCell::new(Vec::new()) };
    }

    /// `f` of the remembered rebuild of `d` (rebuilt and remembered first when it is not), without copying it.
    #[cfg(feature = "intake")]
    pub(super) fn seen<R>(d: &Site, rebuild: fn(&Site) -> Result<Site>, f: impl FnOnce(&Site) -> R) -> Result<R> {
        match SEEN.with_borrow(|seen| seen.iter().position(|(input, _)| same_input(input, d))) {
            Some(i) => Ok(SEEN.with_borrow(|seen| f(&seen[i].1))),
            None => remembered(d, rebuild).map(|out| f(&out)),
        }
    }

    pub(super) fn remembered(d: &Site, rebuild: fn(&Site) -> Result<Site>) -> Result<Site> {
        if let Some(hit) = SEEN.with_borrow(|seen| seen.iter().find(|(input, _)| same_input(input, d)).map(|(_, out)| out.clone())) {
            return Ok(hit);
        }
        let out = rebuild(d)?;
        SEEN.with_borrow_mut(|seen| {
            if seen.len() >= KEEP {
                seen.remove(0);
            }
            seen.push((d.clone(), out.clone()));
        });
        Ok(out)
    }
}

/// The caller's allowlist of custom sites (`sites: [...]`, from customSite()), each rebuilt through the custom-site rules.
pub fn allowlist(sites: &[Site]) -> Result<Vec<Site>> {
    sites.iter().map(|d| if d.custom { rebuild_custom(d) } else { Err(invalid(&d.site, "not a custom site")) }).collect()
}

/// `from_descriptor(d, &allowlist(sites)?)` without copying the listed sites: each is checked, and compared where its
/// rebuild is remembered (`rebuilt::seen`). The same answer, and the same error (the list's first bad entry, as
/// `allowlist` reports it, then the descriptor's, given to `descriptor_error`), for every input. Issue 16: a copy per
/// listed site; a 10×10 `encodeMetrics` with nine listed took 75.4 → 70.5 µs (0.944×, interleaved in one process),
/// with one listed (what the client sends once its list is checked, js/deliver.js) no difference was measurable.
#[cfg(feature = "intake")]
pub fn from_descriptor_listed(d: &Site, sites: &[Site], descriptor_error: fn(Error) -> Error) -> Result<Site> {
    for s in sites {
        if !s.custom {
            return Err(invalid(&s.site, "not a custom site"));
        }
        rebuilt::seen(s, rebuild_uncached, |_| ())?;
    }
    descriptor_where(d, |want| {
        // Each entry passed above; a rebuild is a function of its input alone, so the `Err` arm is never taken.
        sites.iter().any(|s| rebuilt::seen(s, rebuild_uncached, |listed| same_origins(listed, want)).unwrap_or(false))
    })
    .map_err(descriptor_error)
}

/// The fields a listed custom site must match a descriptor's rebuild on.
fn same_origins(s: &Site, rebuilt: &Site) -> bool {
    [&s.site, &s.app_origin, &s.api_origin, &s.logs_origin, &s.event_intake_origin, &s.otlp_origin]
        == [&rebuilt.site, &rebuilt.app_origin, &rebuilt.api_origin, &rebuilt.logs_origin, &rebuilt.event_intake_origin, &rebuilt.otlp_origin]
}

/// A site given back to us as a descriptor (from `sites()`, `resolveSite()`, a pending authorization or a stored
/// connection): identified by its site parameter and rebuilt from the table, so a tampered descriptor cannot smuggle
/// in a foreign host. A custom descriptor is honoured only when it is one of `allowed` (the caller's own `sites`),
/// origins and all: otherwise anyone who can hand us a descriptor could send secrets to any https host.
pub fn from_descriptor(d: &Site, allowed: &[Site]) -> Result<Site> {
    descriptor_where(d, |rebuilt| allowed.iter().any(|s| same_origins(s, rebuilt)))
}

/// `from_descriptor`, with `listed` saying whether a custom descriptor's rebuild is one of the caller's sites.
fn descriptor_where(d: &Site, listed: impl Fn(&Site) -> bool) -> Result<Site> {
    if d.custom {
        let rebuilt = rebuild_custom(d)?;
        if !listed(&rebuilt) {
            return Err(Error::new(ErrorCode::InvalidSite, "a custom site that is not in `sites`", "List it in `sites`; browsers send a site id."));
        }
        return Ok(rebuilt);
    }
    let base = SITES.iter().find(|i| i.site == d.site).map(Site::known).ok_or_else(|| invalid(&d.site, "unknown site parameter in descriptor"))?;
    if let Some(v) = &d.vanity {
        let with = resolve_site_strict(v, &[])?;
        if with.site != base.site {
            return Err(invalid(v, "the vanity host belongs to another site"));
        }
        return Ok(with);
    }
    Ok(base)
}

/// A site as the JS API accepts it: text to resolve, or a descriptor to re-check (read in `codec`).
#[derive(Clone, Debug)]
pub enum SiteInput {
    Text(String),
    Descriptor(Box<Site>),
}

impl SiteInput {
    pub fn resolve(&self, custom: &[Site]) -> Result<Site> {
        match self {
            SiteInput::Text(t) => resolve_site_in(t, custom),
            SiteInput::Descriptor(d) => from_descriptor(d, custom),
        }
    }
}

/// Find the site for a bare site parameter (Datadog's `domain`): exact match only, no vanity, no aliases.
pub fn site_for_domain(domain: &str, custom: &[Site]) -> Result<Site> {
    let d = domain.trim().to_ascii_lowercase();
    if let Some(s) = custom.iter().find(|s| s.site == d) {
        return Ok(s.clone());
    }
    SITES
        .iter()
        .find(|i| i.site == d)
        .map(Site::known)
        .ok_or_else(|| invalid(domain, "`domain` must be the site parameter of a Datadog site, such as `datadoghq.eu`"))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn nine_sites_unique() {
        let s = sites();
        assert_eq!(s.len(), 9);
        let mut ids: Vec<_> = s.iter().map(|x| x.id.clone()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 9);
    }
    #[test]
    fn vanity_keeps_api_hosts() {
        let s = resolve_site("acme.datadoghq.eu").unwrap();
        assert_eq!(s.api_origin, "https://api.datadoghq.eu");
        assert_eq!(s.authorize_origin, "https://acme.datadoghq.eu");
        let s = resolve_site("https://acme.us3.datadoghq.com").unwrap();
        assert_eq!(s.id, "us3");
    }
    #[test]
    fn custom_requires_loopback_for_http() {
        let spec = CustomSiteSpec {
            site: "datadoghq.eu".into(),
            app_origin: "http://127.0.0.1:9000".into(),
            api_origin: "http://localhost:9001".into(),
            ..Default::default()
        };
        let s = custom_site(&spec).unwrap();
        assert!(s.custom);
        assert_eq!(s.logs_origin, "http://localhost:9001");
        let spec = CustomSiteSpec { app_origin: "http://10.0.0.1".into(), ..spec };
        assert_eq!(custom_site(&spec).unwrap_err().code, ErrorCode::InvalidSite);
    }
    /// The remembered rebuild answers exactly what a fresh one does: for every field changed on its own after the
    /// good descriptor was remembered (a hostile origin, an http non-loopback host, a path, a renamed site), past the
    /// bound of remembered entries, and for errors (never remembered: each is built again, word for word).
    #[test]
    fn a_remembered_rebuild_is_the_rebuild() {
        let good = custom_site(&CustomSiteSpec {
            id: Some("sandbox-eu1".into()),
            site: "datadoghq.eu".into(),
            app_origin: "http://127.0.0.1:9000".into(),
            api_origin: "http://127.0.0.1:9001".into(),
            logs_origin: Some("http://127.0.0.1:9002".into()),
            ..Default::default()
        })
        .unwrap();
        let variants: Vec<Site> = {
            let mut v = vec![good.clone()];
            let edits: [fn(&mut Site); 11] = [
                |d| d.site = "datadoghq.com".into(),
                |d| d.site = "not a host".into(),
                |d| d.app_origin = "http://10.0.0.1:9000".into(),
                |d| d.api_origin = "https://evil.example".into(),
                |d| d.api_origin = "http://127.0.0.1:9001/path".into(),
                |d| d.logs_origin = "http://169.254.169.254".into(),
                |d| d.event_intake_origin = "ftp://127.0.0.1".into(),
                |d| d.otlp_origin = "https://otlp.example:99999".into(),
                |d| d.id = "other".into(),
                |d| d.name = "Other".into(),
                |d| d.authorize_origin = "https://ignored.example".into(),
            ];
            for edit in edits {
                let mut d = good.clone();
                edit(&mut d);
                v.push(d);
            }
            v
        };
        for round in 0..3 {
            for d in &variants {
                let fresh = rebuild_uncached(d).map_err(|e| (e.code, e.message.clone(), e.hint.clone(), e.field.clone()));
                let remembered = rebuild_custom(d).map_err(|e| (e.code, e.message.clone(), e.hint.clone(), e.field.clone()));
                assert_eq!(remembered, fresh, "round {round}: {d:?}");
            }
            // More distinct descriptors than are remembered, between the rounds.
            for i in 0..40 {
                let d = Site { id: format!("filler-{i}"), ..good.clone() };
                assert_eq!(rebuild_custom(&d).unwrap(), rebuild_uncached(&d).unwrap());
            }
        }
    }
    /// `from_descriptor_listed` answers what `from_descriptor` gives after `allowlist`, error for error: listed,
    /// unlisted and forged descriptors, built-in and vanity ones, lists with a built-in or a bad entry, and lists longer
    /// than the remembered rebuilds (so some are found remembered and some rebuilt again).
    #[test]
    #[cfg(feature = "intake")]
    fn listed_descriptors_answer_as_the_allowlist_does() {
        let spec = |i: usize| CustomSiteSpec {
            id: Some(format!("c{i}")),
            site: if i % 2 == 0 { "datadoghq.eu".into() } else { "datadoghq.com".into() },
            app_origin: format!("http://127.0.0.1:{}", 9000 + i),
            api_origin: format!("http://127.0.0.1:{}", 9500 + i),
            ..Default::default()
        };
        let customs: Vec<Site> = (0..40).map(|i| custom_site(&spec(i)).unwrap()).collect();
        let bad = Site { app_origin: "http://10.0.0.1:1".into(), ..customs[1].clone() };
        let lists: Vec<Vec<Site>> = vec![
            vec![],
            customs[..1].to_vec(),
            customs[..3].to_vec(),
            customs.clone(),
            vec![customs[0].clone(), resolve_site("us1").unwrap()],
            vec![customs[0].clone(), bad.clone(), resolve_site("us1").unwrap()],
            vec![resolve_site("us1").unwrap(), bad.clone()],
        ];
        let forged = Site { api_origin: "http://127.0.0.1:1".into(), ..customs[0].clone() };
        let upper = Site { site: " DatadogHQ.EU ".into(), ..customs[2].clone() };
        let descriptors = [customs[0].clone(), customs[2].clone(), customs[39].clone(), forged, upper, bad, resolve_site("eu1").unwrap(), resolve_site("acme.datadoghq.eu").unwrap()];
        let words = |r: Result<Site>| r.map_err(|e| (e.code, e.message, e.hint, e.field));
        for round in 0..2 {
            for list in &lists {
                for d in &descriptors {
                    let want = allowlist(list).and_then(|allowed| from_descriptor(d, &allowed).map_err(|e| e.with_field("connection.site")));
                    let got = from_descriptor_listed(d, list, |e| e.with_field("connection.site"));
                    assert_eq!(words(got), words(want), "round {round}: {d:?} in {} sites", list.len());
                }
            }
        }
    }

    #[test]
    fn custom_never_from_untrusted_text() {
        assert!(resolve_site("http://127.0.0.1:9000").is_err());
        assert!(resolve_site("localhost").is_err());
    }
}
