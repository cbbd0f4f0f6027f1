// Shared by tests/proptest_uri.rs and fuzz/fuzz_targets/uri_differential.rs: wherever `uri.rs` accepts a URL, the
// `url` crate (WHATWG URL, the way browsers read it) reads the same scheme, host, port and path. `uri.rs` may refuse
// more (that is its job: ambiguous forms are refused, not normalised); it may never read a different URL.
use datadog_oauth_wasm::uri::{Host, Uri};

/// The differences that are intended, each with its reason; everything else must agree exactly.
///
/// 1. IDNA: `uri.rs` keeps ASCII host labels as written (lower-cased) and does not decode `xn--` labels (no IDNA
///    tables in the wasm, Datadog hosts are ASCII). `url` refuses an `xn--` label that is not valid Punycode; such a
///    host is one no browser navigates to, so `uri.rs` accepting it can never read a *different* host. Valid ones agree.
/// 2. IPv6: `uri.rs` keeps the address text (lower-cased; only loopback matters to it), `url` prints it compressed
///    (RFC 5952): compared as addresses.
/// 3. Path: `uri.rs` keeps the path as written, `url` percent-encodes `"<>`{}` in it (WHATWG path percent-encode
///    set; controls, spaces and non-ASCII are refused by `uri.rs`): compared after that same encoding.
pub fn agree(text: &str) -> Result<(), String> {
    let Ok(ours) = Uri::parse(text) else { return Ok(()) };
    let theirs = match url::Url::parse(text) {
        Ok(u) => u,
        Err(e) if has_xn_label(&ours.host) => return idna_only(text, e),
        Err(e) => return Err(format!("uri.rs accepts {text:?}, url refuses it: {e}")),
    };
    same(text, &ours, &theirs)?;
    // A path-absolute reference resolves against the base's origin in both.
    let base_text = "https://partner.example:8443/cb";
    let base = Uri::parse(base_text).expect("a valid base");
    if let Ok(r) = Uri::parse_with_base(&ours.path, &base) {
        let joined = url::Url::parse(base_text).unwrap().join(&ours.path).map_err(|e| format!("url cannot join {:?}: {e}", ours.path))?;
        same(&ours.path, &r, &joined)?;
    }
    Ok(())
}

/// Scheme, host, port and path of one reading against the other's (with differences 2 and 3 allowed for).
pub fn same(text: &str, ours: &Uri, theirs: &url::Url) -> Result<(), String> {
    let differ = |what: &str, a: String, b: String| Err(format!("{text:?}: {what} differs: uri.rs {a:?}, url {b:?}"));
    if ours.scheme != theirs.scheme() {
        return differ("scheme", ours.scheme.into(), theirs.scheme().into());
    }
    match (&ours.host, theirs.host()) {
        (Host::Domain(a), Some(url::Host::Domain(b))) if a == b => {}
        (Host::Ipv4(a), Some(url::Host::Ipv4(b))) if std::net::Ipv4Addr::from(*a) == b => {}
        (Host::Ipv6(a), Some(url::Host::Ipv6(b))) if a.parse::<std::net::Ipv6Addr>().ok() == Some(b) => {}
        (a, b) => return differ("host", format!("{a:?}"), format!("{b:?}")),
    }
    if ours.port != theirs.port() {
        return differ("port", format!("{:?}", ours.port), format!("{:?}", theirs.port()));
    }
    if path_encoded(&ours.path) != theirs.path() {
        return differ("path", ours.path.clone(), theirs.path().into());
    }
    // Where the query and the fragment start (their bytes are read by form_urlencoded, not compared here).
    if ours.query.is_some() != theirs.query().is_some() || ours.fragment.is_some() != theirs.fragment().is_some() {
        return differ("query/fragment", format!("{:?} {:?}", ours.query, ours.fragment), format!("{:?} {:?}", theirs.query(), theirs.fragment()));
    }
    Ok(())
}

fn has_xn_label(host: &Host) -> bool {
    matches!(host, Host::Domain(d) if d.split('.').any(|l| l.starts_with("xn--")))
}

/// Difference 1: `url` refused the host for its Punycode, and only for that (the same URL with each `xn--` label
/// replaced by a plain one must agree).
fn idna_only(text: &str, e: url::ParseError) -> Result<(), String> {
    if e != url::ParseError::IdnaError {
        return Err(format!("uri.rs accepts {text:?}, url refuses it: {e}"));
    }
    let plain = text.replace("xn--", "xn-").replace("XN--", "xn-").replace("Xn--", "xn-").replace("xN--", "xn-");
    if Uri::parse(&plain).is_ok() && !plain.contains("xn--") {
        return agree(&plain);
    }
    Ok(())
}

fn path_encoded(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            '"' | '<' | '>' | '`' | '{' | '}' => out.push_str(&format!("%{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}
