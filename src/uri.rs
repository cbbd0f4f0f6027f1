//! A strict parser for the only URLs this library reads: absolute http(s) URLs (redirect URIs, callbacks,
//! custom-site origins) and path-absolute references resolved against one. It accepts a subset of WHATWG URLs
//! and rejects, rather than normalises, every ambiguous form (backslashes, control characters, userinfo,
//! percent-encoded hosts or dot segments, shorthand IPv4), so it can never read a different host than a
//! browser would. Hand-written instead of the `url` crate to keep the wasm small (the crate cost ~15 KB gzipped).

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Host {
    Domain(String),
    Ipv4([u8; 4]),
    /// The address text between the brackets, lower-cased; only loopback matters to us, so it is not
    /// parsed further (std's IPv6 parser and printer cost ~5 KB of wasm).
    Ipv6(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Uri {
    pub scheme: &'static str,
    pub host: Host,
    pub port: Option<u16>,
    pub path: String,
    pub query: Option<String>,
    pub fragment: Option<String>,
}

impl Host {
    pub fn is_loopback(&self) -> bool {
        match self {
            Host::Domain(d) => d == "localhost" || d.ends_with(".localhost"),
            Host::Ipv4(ip) => ip[0] == 127,
            Host::Ipv6(text) => {
                // `trim_start_matches(['0', ':'])` on bytes (its char-set searcher costs the `/auth` wasm ~100 bytes).
                let t = sub(text, text.bytes().take_while(|b| matches!(b, b'0' | b':')).count()..);
                t == "1" && find(text, "::").is_some() || text == "0:0:0:0:0:0:0:1"
            }
        }
    }
    fn serialize(&self) -> String {
        match self {
            Host::Domain(d) => d.clone(),
            // As u32: the `/auth` core then needs no u8 (nor u16, below) Display code of its own.
            Host::Ipv4([a, b, c, d]) => format!("{}.{}.{}.{}", u32::from(*a), u32::from(*b), u32::from(*c), u32::from(*d)),
            Host::Ipv6(text) => format!("[{text}]"),
        }
    }
}

/// Text helpers that cannot panic, for the `/auth` wasm's size. `str` slicing and `&str` patterns (`contains("::")`,
/// `split_once("://")`) link core's char-boundary panic, whose message prints a char with `{:?}` and so pulls in
/// core's Unicode printable tables. Every index here is the byte position of an ASCII delimiter, so `get` never fails.
pub(crate) fn find(hay: &str, needle: &str) -> Option<usize> {
    hay.as_bytes().windows(needle.len()).position(|w| w == needle.as_bytes())
}

pub(crate) fn split_once<'a>(hay: &'a str, needle: &str) -> Option<(&'a str, &'a str)> {
    let i = find(hay, needle)?;
    Some((sub(hay, ..i), sub(hay, i + needle.len()..)))
}

/// An unsigned integer as std's `str::parse`/`from_str_radix` read it (an optional leading `+`, then digits,
/// overflow refused), without core's generic integer parser (with the `rposition`s below, instead of `rfind`/`rsplit`
/// and their reverse searchers: /auth wasm 38968 -> 38519 bytes gzipped).
pub(crate) fn uint(text: &str, radix: u32) -> Option<u64> {
    let digits = text.strip_prefix('+').unwrap_or(text);
    if digits.is_empty() {
        return None;
    }
    digits.bytes().try_fold(0u64, |n, b| n.checked_mul(u64::from(radix))?.checked_add(u64::from(char::from(b).to_digit(radix)?)))
}

/// `&s[range]` without the panic path (see `find`).
pub(crate) fn sub<R: std::slice::SliceIndex<str, Output = str>>(s: &str, range: R) -> &str {
    s.get(range).unwrap_or("")
}

fn parse_host(text: &str) -> Result<Host, &'static str> {
    if let Some(inner) = text.strip_prefix('[') {
        let inner = inner.strip_suffix(']').ok_or("an IPv6 host is not closed")?;
        let text = inner.to_ascii_lowercase();
        return if ipv6_groups_ok(&text) { Ok(Host::Ipv6(text)) } else { Err("an IPv6 host is invalid") };
    }
    let host = text.to_ascii_lowercase();
    if host.is_empty() || host.len() > 253 {
        return Err("the host is empty or too long");
    }
    if !host.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_')) {
        return Err("the host has characters a host name cannot have");
    }
    // WHATWG reads `127.1` and `0x7f.0.0.1` as IPv4; accept only the dotted quad and refuse the rest.
    let last = sub(&host, host.bytes().rposition(|b| b == b'.').map_or(0, |i| i + 1)..);
    if !last.is_empty() && (last.bytes().all(|b| b.is_ascii_digit()) || last.starts_with("0x")) {
        return dotted_quad(&host).map(Host::Ipv4).ok_or("the host looks like an IPv4 address but is not a dotted quad");
    }
    if host.split('.').any(str::is_empty) {
        return Err("the host has an empty label");
    }
    Ok(Host::Domain(host))
}

/// RFC 4291's text form without an embedded IPv4 part: eight groups of 1 to 4 hex digits, or fewer around one `::`.
/// Checked, not parsed (see `Host::Ipv6`); `[:::]` or `[1:2]` are no address (the `url` crate and browsers refuse
/// them: tests/proptest_uri.rs).
fn ipv6_groups_ok(text: &str) -> bool {
    let (head, tail, gap) = match split_once(text, "::") {
        Some((h, t)) => (h, t, true),
        None => (text, "", false),
    };
    let groups = |s: &str| -> Option<usize> {
        if s.is_empty() {
            return Some(0);
        }
        s.split(':').try_fold(0, |n, g| (!g.is_empty() && g.len() <= 4 && g.bytes().all(|b| b.is_ascii_hexdigit())).then_some(n + 1))
    };
    match (groups(head), groups(tail)) {
        (Some(h), Some(t)) => {
            if gap {
                h + t <= 7
            } else {
                h == 8
            }
        }
        _ => false,
    }
}

/// Four decimal octets without leading zeros (which some parsers read as octal).
fn dotted_quad(text: &str) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut parts = text.split('.');
    for slot in out.iter_mut() {
        let p = parts.next()?;
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) || (p.len() > 1 && p.starts_with('0')) {
            return None;
        }
        *slot = u8::try_from(uint(p, 10)?).ok()?;
    }
    parts.next().is_none().then_some(out)
}

fn check_path(path: &str) -> Result<(), &'static str> {
    let lower = path.to_ascii_lowercase();
    if path.split('/').any(|seg| seg == "." || seg == "..") || find(&lower, "%2e").is_some() || find(&lower, "%2f").is_some() {
        return Err("the path has dot segments or encoded separators");
    }
    Ok(())
}

impl Uri {
    /// A base for reading bare paths when only the query matters (the onboarding URL).
    pub fn placeholder() -> Uri {
        Uri { scheme: "https", host: Host::Domain("invalid.invalid".into()), port: None, path: "/".into(), query: None, fragment: None }
    }

    /// Parse an absolute http or https URL.
    pub fn parse(text: &str) -> Result<Uri, &'static str> {
        if text.bytes().any(|b| b <= b' ' || b >= 0x7f || b == b'\\') {
            return Err("it has spaces, control characters, backslashes or non-ASCII characters");
        }
        let (scheme_text, rest) = split_once(text, "://").ok_or("it is not an absolute http(s) URL")?;
        let scheme = match scheme_text.to_ascii_lowercase().as_str() {
            "https" => "https",
            "http" => "http",
            _ => return Err("the scheme is not http or https"),
        };
        let end = rest.bytes().position(|b| matches!(b, b'/' | b'?' | b'#')).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at_checked(end).unwrap_or((rest, ""));
        if authority.contains('@') {
            return Err("it has a user name or password");
        }
        if authority.contains('%') {
            return Err("the host is percent-encoded");
        }
        let (host_text, port) = match authority.bytes().rposition(|b| b == b':') {
            Some(i) if !sub(authority, i..).contains(']') => {
                let digits = sub(authority, i + 1..);
                if digits.is_empty() || digits.len() > 5 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err("the port is invalid");
                }
                let port = uint(digits, 10).ok_or("the port is invalid")?;
                let port = u16::try_from(port).map_err(|_| "the port is out of range")?;
                (sub(authority, ..i), Some(port))
            }
            _ => (authority, None),
        };
        let host = parse_host(host_text)?;
        let default = if scheme == "https" { 443 } else { 80 };
        let port = port.filter(|p| *p != default);
        let (before_fragment, fragment) = match tail.split_once('#') {
            Some((a, f)) => (a, Some(f.to_string())),
            None => (tail, None),
        };
        let (path, query) = match before_fragment.split_once('?') {
            Some((p, q)) => (p, Some(q.to_string())),
            None => (before_fragment, None),
        };
        check_path(path)?;
        let path = if path.is_empty() { "/".to_string() } else { path.to_string() };
        Ok(Uri { scheme, host, port, path, query, fragment })
    }

    /// Parse an absolute URL, or a path-absolute reference (`/callback?code=...`, a server's `req.url`)
    /// against `base`. Other relative forms are refused.
    pub fn parse_with_base(text: &str, base: &Uri) -> Result<Uri, &'static str> {
        if text.starts_with('/') && !text.starts_with("//") {
            let absolute = format!("{}{}", base.origin(), text);
            return Uri::parse(&absolute);
        }
        Uri::parse(text)
    }

    pub fn origin(&self) -> String {
        match self.port {
            Some(p) => format!("{}://{}:{}", self.scheme, self.host.serialize(), u32::from(p)),
            None => format!("{}://{}", self.scheme, self.host.serialize()),
        }
    }

    pub fn is_origin_only(&self) -> bool {
        self.path == "/" && self.query.is_none() && self.fragment.is_none()
    }

    /// Decoded `application/x-www-form-urlencoded` query pairs, as `form_urlencoded::parse` reads them (the tests
    /// compare the two): pieces between `&`, empty ones skipped, split at the first `=`, `+` a space, `%XX` a byte,
    /// invalid UTF-8 replaced by U+FFFD. Hand-written like `Form`: the crate's decoder and std's `from_utf8_lossy`
    /// are ~2.8 KB of the `/auth` wasm, and it is this one query reader (40106 -> 38968 bytes gzipped).
    pub fn query_pairs(&self) -> impl Iterator<Item = (String, String)> + '_ {
        self.query.as_deref().unwrap_or("").split('&').filter(|p| !p.is_empty()).map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (form_decode(k), form_decode(v))
        })
    }
}

fn form_decode(text: &str) -> String {
    let hex = |b: Option<&u8>| b.and_then(|b| char::from(*b).to_digit(16));
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        out.push(match c {
            b'+' => b' ',
            b'%' => match (hex(b.get(i + 1)), hex(b.get(i + 2))) {
                (Some(h), Some(l)) => {
                    i += 2;
                    (h << 4 | l) as u8
                }
                _ => b'%',
            },
            c => c,
        });
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|e| lossy(e.as_bytes()))
}

/// `String::from_utf8_lossy` through `str::from_utf8`, which the core links anyway: each invalid sequence (as
/// `Utf8Error::error_len` delimits it, the same maximal subparts) becomes one U+FFFD.
fn lossy(mut rest: &[u8]) -> String {
    let mut out = String::with_capacity(rest.len() + 2);
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.push_str(s);
                return out;
            }
            Err(e) => {
                let (good, bad) = rest.split_at_checked(e.valid_up_to()).unwrap_or((rest, &[]));
                out.push_str(std::str::from_utf8(good).unwrap_or_default());
                out.push(char::REPLACEMENT_CHARACTER);
                rest = bad.get(e.error_len().map_or(bad.len(), usize::from)..).unwrap_or_default();
            }
        }
    }
}

/// `application/x-www-form-urlencoded` pairs, written exactly as `form_urlencoded::Serializer` writes them
/// (WHATWG URL: `*-._` and ASCII alphanumerics kept, space as `+`, every other byte as upper-case `%XX`). Our own
/// because the crate's encoder carries a 768-byte `%00`..`%FF` table: 0.4 KB of the 50 KB gzipped /auth budget
/// (measured 2026-12-01). Decoding stays with the crate (`form_urlencoded::parse`).
#[derive(Default)]
pub struct Form(String);

impl Form {
    pub fn new() -> Form {
        Form(String::new())
    }
    pub fn pair(&mut self, key: &str, value: &str) -> &mut Form {
        if !self.0.is_empty() {
            self.0.push('&');
        }
        form_bytes(key, &mut self.0);
        self.0.push('=');
        form_bytes(value, &mut self.0);
        self
    }
    pub fn finish(&mut self) -> String {
        std::mem::take(&mut self.0)
    }
}

fn form_bytes(text: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in text.as_bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => out.push(b as char),
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 15) as usize] as char);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uint_reads_as_std_does() {
        for t in ["", "+", "-", "-0", "+0", "0", "007", "+12", "++1", "1+", "12a", "ffff", "+fFf", "FFFFG", " 1", "1 ", "18446744073709551615", "18446744073709551616", "99999999999999999999", "é", "٣"] {
            assert_eq!(uint(t, 10), t.parse::<u64>().ok(), "{t:?}");
            assert_eq!(uint(t, 16), u64::from_str_radix(t, 16).ok(), "{t:?} hex");
        }
    }
    #[test]
    fn query_pairs_decode_as_the_crate_does() {
        // Pieces that make every case: `+`, valid and broken `%XX`, bytes of valid, truncated and invalid UTF-8
        // (`%C3%A9` é, `%E2%82` cut short, `%FF`, `%ED%A0%80` a surrogate), empty pairs and extra `=`.
        let parts = ["a", "+", "%", "%2", "%2B", "%zz", "%C3", "%A9", "%E2%82", "%F0%9F%98%80", "%FF", "%ED%A0%80", "&", "=", "é", "%25"];
        let mut n = 0u32;
        for len in 0..6 {
            for seed in 0..600u32 {
                let q: String = (0..len).map(|j| parts[((seed.wrapping_mul(2_654_435_761) >> (j * 4 + 3)) as usize + j) % parts.len()]).collect();
                // Built directly: `parse` refuses raw non-ASCII, which the decoder must still handle like the crate.
                let u = Uri { query: Some(q.clone()), ..Uri::placeholder() };
                let ours: Vec<(String, String)> = u.query_pairs().collect();
                let theirs: Vec<(String, String)> = form_urlencoded::parse(q.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
                assert_eq!(ours, theirs, "{q}");
                n += 1;
            }
        }
        assert_eq!(n, 3600);
    }
    #[test]
    fn form_matches_the_crate_byte_for_byte() {
        let mut samples: Vec<String> = (0u8..=127).map(|b| (b as char).to_string()).collect();
        samples.extend(["a b&c=d+e%f", "https://p.example/cb?x=1#y", "é ü 漢字 😀", "", "~!*'();:@&=+$,/?#[]"].map(String::from));
        for k in &samples {
            for v in &samples[..8] {
                let mut ours = Form::new();
                ours.pair(k, v).pair(v, k);
                let mut theirs = form_urlencoded::Serializer::new(String::new());
                theirs.append_pair(k, v).append_pair(v, k);
                assert_eq!(ours.finish(), theirs.finish(), "{k:?} {v:?}");
            }
        }
    }
    #[test]
    fn accepts_plain_urls() {
        let u = Uri::parse("HTTPS://Partner.Example:443/cb?x=1#f").unwrap();
        assert_eq!(u.origin(), "https://partner.example");
        assert_eq!(u.path, "/cb");
        assert_eq!(u.query.as_deref(), Some("x=1"));
        assert_eq!(u.fragment.as_deref(), Some("f"));
        assert_eq!(Uri::parse("http://127.0.0.1:8080").unwrap().origin(), "http://127.0.0.1:8080");
        assert!(Uri::parse("http://[::1]:9/").unwrap().host.is_loopback());
        assert!(Uri::parse("http://[0:0:0:0:0:0:0:1]/").unwrap().host.is_loopback());
        assert!(!Uri::parse("http://[::2]/").unwrap().host.is_loopback());
        assert!(!Uri::parse("http://[1::1]/").unwrap().host.is_loopback());
        assert!(Uri::parse("http://127.0.0.1/").unwrap().host.is_loopback());
        assert!(!Uri::parse("http://128.0.0.1/").unwrap().host.is_loopback());
        let base = Uri::parse("https://p.example/cb").unwrap();
        assert_eq!(Uri::parse_with_base("/cb?code=1", &base).unwrap().origin(), "https://p.example");
    }
    #[test]
    fn refuses_ambiguous_forms() {
        for bad in [
            "https://a@b.example/",
            "https://b.example\\@evil/",
            "https://b%2eexample/",
            "https://b.example/a/../cb",
            "https://b.example/%2e%2e/cb",
            "http://127.1/",
            "http://0x7f.0.0.1/",
            "http://127.0.0.01/",
            "http://127.0.0.256/",
            "http://1.2.3.4.5/",
            "http://[::g]/",
            "http://[:::]/",
            "http://[1:2]/",
            "http://[1::2::3]/",
            "http://[1:2:3:4:5:6:7:8:9]/",
            "http://[12345::]/",
            "https://b.example:99999/",
            "https://b.example:/",
            "javascript:alert(1)",
            "//b.example/cb",
            "https://b.example/\tcb",
            "https://bé.example/",
            "https:///cb",
            "https://b..example/",
            "ftp://b.example/",
        ] {
            assert!(Uri::parse(bad).is_err(), "{bad}");
        }
        let base = Uri::parse("https://p.example/cb").unwrap();
        assert!(Uri::parse_with_base("cb?x", &base).is_err());
        assert!(Uri::parse_with_base("//evil.example/cb", &base).is_err());
    }
}
