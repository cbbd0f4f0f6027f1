//! JSON operations of data intake: validate Datadog-shaped items, fill defaults, and describe one request per batch
//! (`encodeMetrics`, `encodeLogs`, `encodeEvents`, `encodeServiceChecks`, `encodeIncident`, `encodeTraces`), and read
//! intake answers (`parseIntakeResponse`). Sans-IO: the host sends, compresses and splits on 413 by re-encoding a subset.

mod auth;
mod batch;
pub(crate) mod events;
pub(crate) mod incidents;
pub(crate) mod logs;
pub(crate) mod metrics;
mod raw;
pub(crate) mod select;
pub(crate) mod service_checks;
pub(crate) mod traces;
mod validate;

use crate::error::{Error, ErrorCode, Result};
use crate::http::{HttpRequest, HttpResponse};
use crate::site::Site;
use serde::Serialize;
use serde_json::{Map, Value};

pub use batch::Part;

/// An encoder's answer for `encodeX` (a row of `ops::INTAKE`), with request bodies moved into `bodies` (see
/// `Encoded::into_value_with`). With `select` (a half of an earlier batch, after a 413), when the kind takes it
/// (`shape`, from its row), just those items are encoded and the answer is in the caller's coordinates.
pub(crate) fn encode_op(
    op: &str,
    encode: fn(&Value) -> Result<Encoded>,
    shape: Option<select::Shape>,
    args: &Value,
    bodies: Option<&mut Vec<String>>,
) -> Result<Value> {
    if let Some(shape) = shape.filter(|_| args.get("select").is_some_and(|s| !s.is_null())) {
        let (sub, sel) = select::subset_args(op, shape, args)?;
        return Ok(select::remap(shape, encode(&sub)?, &sel).into_value_with(bodies));
    }
    Ok(encode(args)?.into_value_with(bodies))
}

/// One request and the input items it carries. An item split across batches (a metric series with too many
/// points, a trace with too many spans) is listed in `items` of every batch that carries a piece of it, and
/// `parts` says which range of its points or spans (`start..end`) that batch holds.
pub struct Batch {
    pub request: HttpRequest,
    pub items: Vec<usize>,
    pub parts: Vec<Part>,
}

/// Written by hand: the request's headers carry the API key, token or application key, and `HttpRequest`'s
/// derived `Debug` would print them. Header values and the body (which may hold user data) are left out.
impl std::fmt::Debug for Batch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let r = &self.request;
        f.debug_struct("Batch")
            .field("method", &r.method)
            .field("url", &r.url)
            .field("headers", &r.headers.keys().collect::<Vec<_>>())
            .field("body_bytes", &r.body.as_ref().map_or(0, String::len))
            .field("compress", &r.compress)
            .field("replay", &r.replay)
            .field("items", &self.items)
            .field("parts", &self.parts)
            .finish()
    }
}

#[derive(Debug, Serialize)]
pub struct Rejected {
    pub index: usize,
    pub error: Error,
}

/// Every input index ends up exactly once in a batch or in `rejected` (split items: once per piece, with the
/// pieces' ranges partitioning the item), so nothing is ever dropped without the caller seeing it.
#[derive(Debug, Default)]
pub struct Encoded {
    pub batches: Vec<Batch>,
    pub rejected: Vec<Rejected>,
}

impl Encoded {
    /// Built by hand rather than through `serde_json::to_value` so the (possibly megabyte) bodies are moved into
    /// the result instead of copied.
    pub fn into_value(self) -> Value {
        self.into_value_with(None)
    }

    /// With a sink, each body is moved into it and the request says `"bodyRef": n` instead: the wasm boundary
    /// then sends bodies beside the JSON answer, not escaped inside it (a fifth of the time for large payloads).
    pub fn into_value_with(self, mut sink: Option<&mut Vec<String>>) -> Value {
        let batches = self
            .batches
            .into_iter()
            .map(|b| {
                let mut m = Map::new();
                m.insert("auth".into(), Value::String(auth_of(&b.request).into()));
                m.insert("request".into(), request_value(b.request, sink.as_deref_mut()));
                m.insert("items".into(), Value::Array(b.items.into_iter().map(Value::from).collect()));
                if !b.parts.is_empty() {
                    m.insert("parts".into(), serde_json::to_value(&b.parts).unwrap_or(Value::Null));
                }
                Value::Object(m)
            })
            .collect();
        let rejected = self.rejected.iter().map(|r| serde_json::to_value(r).unwrap_or(Value::Null)).collect();
        let mut m = Map::new();
        m.insert("batches".into(), Value::Array(batches));
        m.insert("rejected".into(), Value::Array(rejected));
        Value::Object(m)
    }

    /// `{"ok": ...}` with exactly the text `into_value_with(Some(sink))` gives (`Value::to_string`: keys sorted, as
    /// serde_json's map orders them), written straight from the batches: no `Value` tree of the answer is built and
    /// printed again. Issue 16: building and printing that tree was ~15% of a small `encodeMetrics` (10 series × 10
    /// points, native profile), a fixed cost of every submission. The rare `rejected` entries still go through a
    /// `Value` each (an error's fields are sorted there), and the tests compare both ways on every encoder.
    pub fn into_ok_text(self, sink: &mut Vec<String>) -> String {
        let mut out = Vec::with_capacity(256 + 256 * self.batches.len());
        out.extend_from_slice(br#"{"ok":{"batches":["#);
        for (i, b) in self.batches.into_iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let auth = auth_of(&b.request);
            let r = b.request;
            let body_ref = r.body.map(|body| {
                sink.push(body);
                sink.len() - 1
            });
            let parts: Vec<PartText> = b.parts.iter().map(|p| PartText { end: p.end, index: p.index, start: p.start }).collect();
            let text = BatchText {
                auth,
                items: &b.items,
                parts,
                request: RequestText { body_ref, compress: r.compress.as_deref(), headers: &r.headers, method: &r.method, replay: r.replay, url: &r.url },
            };
            // Writing to a `Vec` cannot fail, nor can these types.
            let _ = serde_json::to_writer(&mut out, &text);
        }
        out.extend_from_slice(br#"],"rejected":["#);
        for (i, r) in self.rejected.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let _ = serde_json::to_writer(&mut out, &serde_json::to_value(r).unwrap_or(Value::Null));
        }
        out.extend_from_slice(b"]}}");
        // serde_json writes UTF-8 only, and so do the literals above.
        String::from_utf8(out).unwrap_or_default()
    }

    fn reject(&mut self, index: usize, error: Error) {
        self.rejected.push(Rejected { index, error });
    }
}

/// A batch as `into_ok_text` writes it: the fields of `into_value_with`'s map in its (sorted) key order.
#[derive(Serialize)]
struct BatchText<'a> {
    auth: &'static str,
    items: &'a [usize],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    parts: Vec<PartText>,
    request: RequestText<'a>,
}

/// `Part` with its fields in key order (its derived form writes them in declaration order).
#[derive(Serialize)]
struct PartText {
    end: usize,
    index: usize,
    start: usize,
}

/// A request as `request_value` with a sink builds it, fields in key order.
#[derive(Serialize)]
struct RequestText<'a> {
    #[serde(rename = "bodyRef", skip_serializing_if = "Option::is_none")]
    body_ref: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    compress: Option<&'a str>,
    headers: &'a std::collections::BTreeMap<String, String>,
    method: &'a str,
    replay: crate::http::Replay,
    url: &'a str,
}

/// How a batch's request authenticates, read off the request the encoder built: "bearer" (an access token, which the
/// host refreshes after a 401), "apiKey", or "none" (traces to a local Agent).
fn auth_of(r: &HttpRequest) -> &'static str {
    if r.headers.contains_key("authorization") {
        "bearer"
    } else if r.headers.contains_key("dd-api-key") {
        "apiKey"
    } else {
        "none"
    }
}

fn request_value(r: HttpRequest, sink: Option<&mut Vec<String>>) -> Value {
    let mut m = Map::new();
    m.insert("method".into(), Value::String(r.method));
    m.insert("url".into(), Value::String(r.url));
    // Inserted, not collected: `collect` into a map sorts first (a ~2.5 KB sort of its own; the keys are sorted already).
    let mut headers = Map::new();
    for (k, v) in r.headers {
        headers.insert(k, Value::String(v));
    }
    m.insert("headers".into(), Value::Object(headers));
    match (r.body, sink) {
        (Some(body), Some(sink)) => {
            m.insert("bodyRef".into(), Value::from(sink.len()));
            sink.push(body);
        }
        (Some(body), None) => {
            m.insert("body".into(), Value::String(body));
        }
        (None, _) => {}
    }
    if let Some(c) = r.compress {
        m.insert("compress".into(), Value::String(c));
    }
    m.insert("replay".into(), serde_json::to_value(r.replay).unwrap_or(Value::Null));
    Value::Object(m)
}

/// What the host should do to the body before sending. The core never compresses: the platform's zlib
/// (CompressionStream, node:zlib) is faster than anything shipped in wasm, and costs no bundle size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    Gzip,
    /// zlib-wrapped deflate (RFC 1950), which is what HTTP `deflate` and CompressionStream("deflate") mean.
    Deflate,
    None,
}

impl Compression {
    fn parse(v: Option<&Value>, default: Compression) -> Result<Compression> {
        match v {
            None | Some(Value::Null) => Ok(default),
            Some(Value::String(s)) if s == "gzip" => Ok(Compression::Gzip),
            Some(Value::String(s)) if s == "deflate" => Ok(Compression::Deflate),
            Some(Value::String(s)) if s == "none" || s == "identity" => Ok(Compression::None),
            _ => Err(Error::invalid_input("compress", "`compress` must be \"gzip\", \"deflate\" or \"none\"")),
        }
    }

    fn name(self) -> Option<&'static str> {
        match self {
            Compression::Gzip => Some("gzip"),
            Compression::Deflate => Some("deflate"),
            Compression::None => None,
        }
    }

    /// Bytes a compressor may add to `n` incompressible bytes (stored blocks plus wrapper). Measured worst case
    /// of zlib, which backs node:zlib and CompressionStream in Chromium, Firefox and WebKit: +0.035% with the
    /// defaults (memLevel 8), +0.12% over every level and strategy 0–3 at memLevel 8–9. Budget: 0.2% + 64 bytes
    /// + the wrapper (gzip 18, zlib 6). Not covered: Z_FIXED or memLevel ≤ 4, which nobody uses for HTTP.
    pub fn worst_overhead(self, n: usize) -> usize {
        match self {
            Compression::Gzip => n / 512 + 64 + 18,
            Compression::Deflate => n / 512 + 64 + 6,
            Compression::None => 0,
        }
    }

    /// The largest uncompressed body whose compressed form is guaranteed to be ≤ `limit` bytes, however well
    /// or badly the data compresses (random metric names do not compress at all).
    pub fn max_uncompressed_for(self, limit: usize) -> usize {
        let (mut lo, mut hi) = (0usize, limit);
        while lo < hi {
            let mid = lo + (hi - lo).div_ceil(2);
            if mid + self.worst_overhead(mid) <= limit {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        lo
    }

    fn apply(self, mut req: HttpRequest) -> HttpRequest {
        if let Some(name) = self.name() {
            req = req.header("content-encoding", name);
            req.compress = Some(name.to_string());
        }
        req
    }
}

/// Arguments every encode operation shares.
pub(crate) struct Common<'a> {
    pub site: Site,
    pub now_ms: i64,
    pub compress: Compression,
    pub connection: &'a Map<String, Value>,
}

pub(crate) fn common<'a>(op: &str, args: &'a Value, default_compress: Compression) -> Result<Common<'a>> {
    common_read(op, args, default_compress, None)
}

/// The connection's site and the caller's custom sites (`sites`), read straight from their text by `raw::arguments`:
/// already checked (a pair of texts checked before, `Remembered`), or decoded and not yet checked, with the texts to
/// remember the answer by. `common` checks them as it checks the ones it reads from `Value`s.
pub(crate) enum Shared {
    Checked(Site),
    Read { site: Site, sites: Vec<Site>, texts: (String, Option<String>) },
}

/// The connection's site as checked against `sites`, by their texts (the site descriptor's and the list's, as the
/// caller wrote them). Issue 16: a client sends the same few descriptors and the same list with every submission, and
/// decoding both and checking them was the largest fixed cost left in a small `encodeMetrics` (~30% natively, 10 series
/// × 10 points, perf). The check is a function of the two texts alone (`site::from_descriptor_listed`, whose rebuilds
/// are themselves remembered), so a remembered answer is the answer; only successes are kept (a refusal is worked out
/// again, word for word), at most `KEEP_CHECKED` of them, as many as the sites of a busy client.
mod checked {
    use super::Site;
    use std::cell::RefCell;

    const KEEP_CHECKED: usize = 16;

    thread_local! {
        static SEEN: RefCell<Vec<(String, Option<String>, Site)>> = const { RefCell::new(Vec::new()) };
    }

    pub fn find(site: &str, sites: Option<&str>) -> Option<Site> {
        SEEN.with_borrow(|seen| seen.iter().find(|(a, b, _)| a == site && b.as_deref() == sites).map(|(_, _, out)| out.clone()))
    }

    pub fn keep((site, sites): (String, Option<String>), out: &Site) {
        SEEN.with_borrow_mut(|seen| {
            if seen.len() >= KEEP_CHECKED {
                seen.remove(0);
            }
            seen.push((site, sites, out.clone()));
        });
    }
}

/// `connection` and `sites` (their argument texts) read without a `Value` tree: the connection's credentials as an
/// object for `common` to hand on (`apiKey` and `accessToken`, the only fields it reads, each the `Value` the `Value`
/// path holds), and the site and list (`Shared`). Issue 16: parsing them into `Value`s and reading the descriptors back
/// out of those was about half of a small `encodeMetrics` natively (10 series × 10 points, perf), a fixed cost of every
/// submission, dearer with custom sites. `None` when the text is not one the two readings take alike, so the `Value`
/// path decides (and words any error) as before: text `args::plain` declines (exponents, lone surrogates, deep
/// nesting, long digit runs: what a `Value` refuses but a reader that skips may not), a connection that is not an
/// object with a site descriptor, an escaped key, one of the three keys named twice, `sites` not a list of
/// descriptors. When it is `Some`, each value is the one the `Value` path reads, by the same deserializers.
pub(crate) fn shared_from_text(connection: &str, sites: Option<&str>) -> Option<(Map<String, Value>, Shared)> {
    if !crate::args::plain(connection) {
        return None;
    }
    // The connection's members (the text already passed the scanner in `raw::arguments`): the three spans it reads.
    let (mut site, mut api_key, mut access_token) = (None, None, None);
    let mut s = raw::Scan::new(connection);
    s.ws();
    if !s.eat(b'{') {
        return None;
    }
    s.members(1, |s, key, span| {
        let slot = match s.text(&key) {
            _ if key.escaped => return None,
            "site" => &mut site,
            "apiKey" => &mut api_key,
            "accessToken" => &mut access_token,
            _ => return Some(()),
        };
        slot.replace(span).is_none().then_some(())
    })?;
    let site = &connection[site?];
    if !site.starts_with('{') {
        return None;
    }
    let mut credentials = Map::new();
    for (key, span) in [("apiKey", api_key), ("accessToken", access_token)] {
        if let Some(span) = span {
            credentials.insert(key.into(), serde_json::from_str(&connection[span]).ok()?);
        }
    }
    if let Some(out) = checked::find(site, sites) {
        return Some((credentials, Shared::Checked(out)));
    }
    // `plain` reads an object: the list is checked as the one value of one (a copy of a few hundred bytes a site).
    if sites.is_some_and(|s| !crate::args::plain(&format!("{{\"sites\":{s}}}"))) {
        return None;
    }
    let list = match sites {
        None => Vec::new(),
        Some(text) => serde_json::from_str::<Option<Vec<Site>>>(text).ok()?.unwrap_or_default(),
    };
    let read = Shared::Read { site: serde_json::from_str(site).ok()?, sites: list, texts: (site.to_string(), sites.map(str::to_string)) };
    Some((credentials, read))
}

/// `common`, with the connection's site and `sites` already decoded when `shared` is given (`raw::arguments`): then
/// checked by the same functions in the same order, so every answer and error is the one the `Value`s give.
pub(crate) fn common_read<'a>(op: &str, args: &'a Value, default_compress: Compression, shared: Option<Shared>) -> Result<Common<'a>> {
    let args = args.as_object().ok_or_else(|| Error::invalid_input("args", format!("{op}() takes one object argument")))?;
    let connection = match args.get("connection") {
        Some(Value::Object(c)) => c,
        _ => return Err(Error::invalid_input("connection", format!("{op}() needs `connection`, the object exchangeCode() returned"))),
    };
    let site = match shared {
        Some(Shared::Checked(site)) => site,
        Some(Shared::Read { site, sites, texts }) => {
            let out = crate::site::from_descriptor_listed(&site, &sites, |e| e.with_field("connection.site"))?;
            checked::keep(texts, &out);
            out
        }
        None => auth::site(connection, &auth::allowed(args)?)?,
    };
    let now_ms = match args.get("now").and_then(validate::as_int) {
        Some(n) if n >= 0 => n,
        _ => return Err(Error::invalid_input("now", format!("{op}() needs `now`, milliseconds since the epoch (Date.now())"))),
    };
    let compress = Compression::parse(args.get("compress"), default_compress)?;
    Ok(Common { site, now_ms, compress, connection })
}

/// The array of items an operation encodes, e.g. `series` or `logs`.
pub(crate) fn items<'a>(op: &str, args: &'a Value, key: &str) -> Result<&'a [Value]> {
    match args.get(key) {
        Some(Value::Array(a)) => Ok(a),
        _ => Err(Error::invalid_input(key, format!("{op}() needs `{key}`, an array"))),
    }
}

/// `parseIntakeResponse`'s arguments. `kind` and `format` are read as strings when they are strings; anything else
/// makes the text path decline (`args::Args`), and the `Value` path reads them as it always did.
#[derive(serde::Deserialize)]
struct IntakeAnswer {
    response: HttpResponse,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    format: Option<String>,
}

/// What an accepted submission answers; fields in key order, as the `Value` it was built as wrote them (`args::reply`).
#[derive(Serialize)]
struct Accepted<'a> {
    accepted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a Value>,
    #[serde(rename = "rateLimit", skip_serializing_if = "Option::is_none")]
    rate_limit: Option<crate::http::RateLimit>,
    status: u16,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<String>,
}

/// `parseIntakeResponse` for one of `kinds` (the intakes of `ops`' table); the kind only decides which success
/// fields are read. Answered as `{"ok": ...}` text.
pub(crate) fn parse_intake_response(args: &crate::args::Args, kinds: &[&str]) -> Result<String> {
    let op = "parseIntakeResponse";
    let a: IntakeAnswer = match args.parsed() {
        // The `Value` path's reads, each as it always was.
        Some(v) => IntakeAnswer {
            response: crate::args::input(op, v.get("response").unwrap_or(&Value::Null))?,
            kind: v.get("kind").and_then(Value::as_str).map(str::to_string),
            format: v.get("format").and_then(Value::as_str).map(str::to_string),
        },
        None => args.read(op)?,
    };
    let (response, kind) = (&a.response, a.kind.as_deref().unwrap_or(""));
    if !kinds.contains(&kind) {
        return Err(Error::invalid_input("kind", format!("`kind` must be one of {}", kinds.join(", "))));
    }
    if !(200..300).contains(&response.status) {
        // The OTLP intake is gated per org (policy 10): its 403 means "not enabled" (the meaning is `meaning`'s).
        let otlp = kind == "traces" && a.format.as_deref() != Some("agent");
        let ctx = if otlp { crate::response::Context::OtlpTraces } else { crate::response::Context::Api };
        return Err(crate::response::error_for(ctx, response));
    }
    let body: Value = serde_json::from_str(&response.body).unwrap_or(Value::Null);
    // 202 bodies may still carry per-item warnings (`{"errors": ["..."]}` on series); surface them, don't fail.
    let warnings = match body.get("errors") {
        Some(Value::Array(errs)) => {
            errs.iter().map(|e| crate::response::redacted_excerpt(&e.as_str().map(str::to_string).unwrap_or_else(|| e.to_string()))).collect()
        }
        _ => Vec::new(),
    };
    // What was created, when Datadog says: an incident (`data.id`) or a v1 event (`event.id`).
    let id = match kind {
        "incidents" => body.pointer("/data/id"),
        "events" => body.pointer("/event/id").or_else(|| body.pointer("/data/id")),
        _ => None,
    };
    let id = id.filter(|v| v.is_string() || v.is_number());
    crate::args::reply(&Accepted { accepted: true, id, rate_limit: response.rate_limit(), status: response.status, warnings })
}

/// The error for an item that is invalid; `field` names it the way the caller wrote it (`series[3].metric`).
pub(crate) fn invalid(field: impl std::fmt::Display, message: impl Into<String>, hint: &str) -> Error {
    Error::new(ErrorCode::InvalidPayload, message, hint).with_field(field.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn compressed_limit_inverse_is_tight() {
        for c in [Compression::Gzip, Compression::Deflate, Compression::None] {
            for limit in [1000usize, 512_000, 3_200_000] {
                let n = c.max_uncompressed_for(limit);
                assert!(n + c.worst_overhead(n) <= limit);
                assert!(n + 1 + c.worst_overhead(n + 1) > limit);
            }
        }
        assert_eq!(Compression::None.max_uncompressed_for(512_000), 512_000);
        // The budget is above what zlib was measured to add to 511 KB of random bytes (600 bytes, memLevel 9).
        assert!(Compression::Gzip.worst_overhead(Compression::Gzip.max_uncompressed_for(512_000)) > 600);
    }

    #[test]
    fn debug_output_has_no_secrets() {
        let key = "dd-secret-api-key-0123456789";
        let token = "dd-secret-access-token-0123456789";
        let app = "dd-secret-app-key-0123456789";
        let site = crate::site::resolve_site("us1").unwrap();
        let conn = json!({ "site": site, "apiKey": key, "accessToken": token });
        let now = 1_700_000_000_000u64;
        let outs = [
            metrics::encode(&json!({ "connection": conn, "now": now, "series": [{"metric": "m", "points": [[1_700_000_000, 1]]}, {"metric": 1}] })),
            logs::encode(&json!({ "connection": conn, "now": now, "source": "acme", "logs": [{"message": "m"}, {}] })),
            events::encode(
                &json!({ "connection": conn, "now": now, "version": 2, "applicationKey": app, "events": [{"title": "t", "category": "alert", "attributes": {"status": "ok"}}, {}] }),
            ),
            service_checks::encode(&json!({ "connection": conn, "now": now, "checks": [{"check": "c", "host_name": "h", "status": 0}, {}] })),
            incidents::encode(&json!({ "connection": conn, "now": now, "incident": {"title": "t", "customer_impacted": false} })),
            traces::encode(
                &json!({ "connection": conn, "now": now, "traces": [[{"trace_id": 1, "span_id": 1, "name": "n", "resource": "r", "service": "s", "start": "1700000000000000000", "duration": 1}], []] }),
            ),
        ];
        for out in outs {
            let out = out.unwrap();
            assert!(!out.batches.is_empty());
            let text = format!("{out:?}");
            for secret in [key, token, app] {
                assert!(!text.contains(secret), "{text}");
            }
            // The secrets are where they must be: in the request headers sent to Datadog.
            let sent = out.into_value().to_string();
            assert!(sent.contains(key) || sent.contains(token));
        }
    }

    /// `into_ok_text` writes, byte for byte, what the `Value` it replaced printed, for every encoder and shape of
    /// answer: several batches, split items (`parts`), rejected items beside accepted ones, every compression, a
    /// bearer request, a keyless Agent request, bodies with characters JSON escapes, and an answer that is all rejects.
    #[test]
    fn the_answer_text_is_the_values_text() {
        let site = crate::site::resolve_site("eu1").unwrap();
        let conn = json!({ "site": site, "apiKey": "k\"\u{1}é".repeat(8), "accessToken": "t".repeat(40) });
        let now = 1_700_000_000_000u64;
        let ts = 1_700_000_000i64;
        let many: Vec<Value> = (0..30_000).map(|j| json!([ts - (j % 3000), j])).collect();
        let span = json!([{"trace_id": 1, "span_id": 1, "name": "n\u{7f}\n", "resource": "r", "service": "s", "start": "1700000000000000000", "duration": 1}]);
        type Encoder = fn(&Value) -> Result<Encoded>;
        let cases: Vec<(Encoder, Value)> = vec![
            (metrics::encode, json!({ "connection": conn, "now": now, "series": [{"metric": "m", "points": [[ts, 1]]}, {"metric": 1}, {"metric": "big", "points": many}], "compress": "none" })),
            (metrics::encode, json!({ "connection": conn, "now": now, "version": 1, "series": [{"metric": "m\"", "points": [[ts, 1.5]], "host": "h"}] })),
            (metrics::encode, json!({ "connection": conn, "now": now, "series": [{"metric": 1}, {}] })),
            (logs::encode, json!({ "connection": conn, "now": now, "source": "acme", "logs": [{"message": "m\t\u{2028}"}, {}], "compress": "deflate" })),
            (events::encode, json!({ "connection": conn, "now": now, "version": 2, "applicationKey": "app", "events": [{"title": "t", "category": "alert", "attributes": {"status": "ok"}}, {}] })),
            (events::encode, json!({ "connection": conn, "now": now, "events": [{"title": "t", "text": "x"}] })),
            (service_checks::encode, json!({ "connection": conn, "now": now, "checks": [{"check": "c", "host_name": "h", "status": 0}, {}] })),
            (incidents::encode, json!({ "connection": conn, "now": now, "incident": {"title": "t", "customer_impacted": false} })),
            (traces::encode, json!({ "connection": conn, "now": now, "traces": [span, []] })),
            (traces::encode, json!({ "connection": conn, "now": now, "traces": [span], "format": "agent", "agentUrl": "http://localhost:8126" })),
        ];
        let (mut parts, mut several, mut rejected, mut bare) = (false, false, false, false);
        for (encode, args) in cases {
            let mut by_value = Vec::new();
            let want = format!("{{\"ok\":{}}}", encode(&args).unwrap().into_value_with(Some(&mut by_value)));
            let mut by_text = Vec::new();
            let got = encode(&args).unwrap().into_ok_text(&mut by_text);
            assert_eq!(got, want, "{args}");
            assert_eq!(by_text, by_value);
            parts |= got.contains(r#""parts":[{"end""#);
            several |= by_text.len() > 1;
            rejected |= !got.contains(r#""rejected":[]"#);
            bare |= got.contains(r#""batches":[]"#);
        }
        assert!(parts && several && rejected && bare, "{parts} {several} {rejected} {bare}");
    }

    #[test]
    fn each_batch_says_how_it_authenticates() {
        let site = crate::site::resolve_site("us1").unwrap();
        let conn = json!({ "site": site, "apiKey": "k".repeat(32), "accessToken": "t".repeat(40) });
        let now = 1_700_000_000_000u64;
        let auth_of = |e: Result<Encoded>| e.unwrap().into_value()["batches"][0]["auth"].clone();
        let span = json!([{"trace_id": 1, "span_id": 1, "name": "n", "resource": "r", "service": "s", "start": "1700000000000000000", "duration": 1}]);
        assert_eq!(auth_of(incidents::encode(&json!({ "connection": conn, "now": now, "incident": {"title": "t", "customer_impacted": false} }))), "bearer");
        assert_eq!(auth_of(metrics::encode(&json!({ "connection": conn, "now": now, "series": [{"metric": "m", "points": [[1_700_000_000, 1]]}] }))), "apiKey");
        assert_eq!(auth_of(traces::encode(&json!({ "connection": conn, "now": now, "traces": [span] }))), "apiKey");
        // The local Agent takes no key; whatever the connection holds, the answer describes the request as built.
        let agent = json!({ "connection": conn, "now": now, "traces": [span], "format": "agent", "agentUrl": "http://localhost:8126" });
        assert_eq!(auth_of(traces::encode(&agent)), "none");
    }

    #[test]
    fn parse_response_kinds() {
        const KINDS: &[&str] = &["metrics", "logs", "events", "serviceChecks", "incidents", "traces"];
        let answer = |text: String| serde_json::from_str::<Value>(&text).unwrap()["ok"].take();
        let dispatch = |_: &str, args: &Value| Some(parse_intake_response(&crate::args::Args::value(args, &args.to_string()), KINDS).map(answer));
        let ok = dispatch("parseIntakeResponse", &json!({"kind": "metrics", "response": {"status": 202, "body": "{\"errors\":[]}"}})).unwrap().unwrap();
        assert_eq!(ok, json!({"accepted": true, "status": 202}));
        let inc = dispatch(
            "parseIntakeResponse",
            &json!({"kind": "incidents", "response": {"status": 201, "body": "{\"data\":{\"id\":\"abc\",\"type\":\"incidents\"}}"}}),
        )
        .unwrap()
        .unwrap();
        assert_eq!(inc["id"], "abc");
        let e = dispatch("parseIntakeResponse", &json!({"kind": "logs", "response": {"status": 413, "body": ""}})).unwrap().unwrap_err();
        assert_eq!(e.code, ErrorCode::PayloadTooLarge);
        assert_eq!(e.status, Some(413));
        let e = dispatch("parseIntakeResponse", &json!({"kind": "nope", "response": {"status": 202}})).unwrap().unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput);
    }
}
