//! `encodeTraces`: Agent-style traces (arrays of spans) either as OTLP/HTTP JSON to `<otlpOrigin>/v1/traces` with
//! the API key (agentless, the default), or as Agent API v0.3 JSON to a local Agent the caller names.
//! Ids are u64 and may arrive as decimal strings, because JavaScript numbers cannot hold them beyond 2^53.

use super::auth;
use super::batch::{split_ranges, Limits, Packer, Part, Push};
use super::validate::{self as v, object};
use super::{common, invalid, items, Batch, Compression, Encoded};
use crate::error::{Error, ErrorCode, Result};
use crate::http::{HttpRequest, Replay};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::Serialize;
use serde_json::{Map, Value};
use std::ops::Range;

/// Our limits (Datadog documents none for these paths): at most 1000 traces per request, and bodies of at most
/// 5 MiB for the Agent (half of the Agent receiver's 10 MiB `maxRequestBodyLength`) and 3.2 MB for OTLP (the
/// largest documented intake payload on the API hosts; common OTLP receivers accept 4 MiB or more).
/// A trace too large for one request is split by spans: both the Agent and the OTLP intake join spans by trace id.
pub const MAX_TRACES: usize = 1000;
pub const AGENT_MAX_BODY: usize = 5_242_880;
pub const OTLP_MAX_BODY: usize = 3_200_000;
/// Largest id a JavaScript number holds exactly; above it, a numeric id has probably already been rounded.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;
/// 1973-03-03 in nanoseconds: a smaller `start` is seconds or milliseconds by mistake.
const MIN_START_NS: u64 = 100_000_000_000_000_000;
const SCOPE: &str = "datadog-oauth-wasm";

const SPAN_KEYS: &[&str] = &["trace_id", "span_id", "parent_id", "name", "resource", "service", "type", "start", "duration", "error", "meta", "metrics"];

struct Span<'a> {
    trace_id: u64,
    span_id: u64,
    parent_id: u64,
    name: &'a str,
    resource: &'a str,
    service: &'a str,
    kind: Option<&'a str>,
    start: u64,
    duration: u64,
    error: i64,
    meta: Option<&'a Map<String, Value>>,
    metrics: Option<&'a Map<String, Value>>,
}

/// A u64 given as a JSON integer (up to 2^53 − 1) or a decimal string (up to 2^64 − 1).
fn u64_field(val: &Value, field: &str, max_number: u64) -> Result<u64> {
    let hint = "Pass ids and nanosecond times as decimal strings (\"12345678901234567890\"); JavaScript numbers lose precision above 2^53.";
    match val {
        Value::String(s) if !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse::<u64>().map_err(|_| invalid(field, format!("{field} is larger than 2^64 − 1"), hint))
        }
        Value::Number(n) => match n.as_u64().or_else(|| n.as_f64().filter(|f| *f >= 0.0 && f.fract() == 0.0 && *f < 1.8e19).map(|f| f as u64)) {
            Some(x) if x <= max_number => Ok(x),
            Some(_) => Err(invalid(field, format!("{field} is above 2^53 as a JSON number, so it may already have been rounded"), hint)),
            None => Err(invalid(field, format!("{field} must be a non-negative integer"), hint)),
        },
        _ => Err(invalid(field, format!("{field} must be a non-negative integer or a decimal string"), hint)),
    }
}

fn id(o: &Map<String, Value>, field: &str, key: &str, required: bool) -> Result<u64> {
    let f = format!("{field}.{key}");
    let x = match o.get(key) {
        None | Some(Value::Null) if !required => return Ok(0),
        _ => u64_field(v::required(o, field, key)?, &f, MAX_SAFE_INTEGER)?,
    };
    if required && x == 0 {
        return Err(invalid(&f, format!("{f} must not be 0"), "Ids are random non-zero 64-bit integers."));
    }
    Ok(x)
}

fn parse_span<'a>(val: &'a Value, field: &str) -> Result<Span<'a>> {
    let o = object(val, field, "a span")?;
    v::only_keys(o, field, SPAN_KEYS)?;
    let name = v::req_str(o, field, "name")?;
    v::non_empty(name, &format!("{field}.name"))?;
    v::max_chars(name, 100, &format!("{field}.name"))?;
    let resource = v::req_str(o, field, "resource")?;
    v::non_empty(resource, &format!("{field}.resource"))?;
    v::max_chars(resource, 5000, &format!("{field}.resource"))?;
    let service = v::req_str(o, field, "service")?;
    v::non_empty(service, &format!("{field}.service"))?;
    v::max_chars(service, 100, &format!("{field}.service"))?;
    let start = u64_field(v::required(o, field, "start")?, &format!("{field}.start"), u64::MAX)?;
    if start < MIN_START_NS {
        let f = format!("{field}.start");
        return Err(invalid(
            &f,
            format!("{f} must be nanoseconds since the epoch"),
            "Multiply milliseconds by 1,000,000 (as a decimal string to keep precision).",
        ));
    }
    let duration = u64_field(v::required(o, field, "duration")?, &format!("{field}.duration"), u64::MAX)?;
    if start.checked_add(duration).map_or(true, |end| end > i64::MAX as u64) {
        let f = format!("{field}.duration");
        return Err(invalid(&f, format!("{f} runs past the year 2262"), "The duration is in nanoseconds."));
    }
    let error = v::opt_int(o, field, "error")?.unwrap_or(0);
    if !(0..=1).contains(&error) {
        return Err(invalid(format!("{field}.error"), format!("{field}.error must be 0 or 1"), "1 marks the span as an error."));
    }
    let meta = match o.get("meta").filter(|m| !m.is_null()) {
        None => None,
        Some(m) => {
            let mf = format!("{field}.meta");
            let mo = object(m, &mf, "string → string")?;
            if let Some((k, _)) = mo.iter().find(|(_, x)| !x.is_string()) {
                return Err(invalid(v::Key(&mf, &v::bounded(k)), format!("{mf}.{} must be a string", v::bounded(k)), "Put numbers in `metrics`."));
            }
            Some(mo)
        }
    };
    let metrics = match o.get("metrics").filter(|m| !m.is_null()) {
        None => None,
        Some(m) => {
            let mf = format!("{field}.metrics");
            let mo = object(m, &mf, "string → number")?;
            if let Some((k, _)) = mo.iter().find(|(_, x)| !x.is_number()) {
                return Err(invalid(v::Key(&mf, &v::bounded(k)), format!("{mf}.{} must be a finite number", v::bounded(k)), "Put text in `meta`."));
            }
            Some(mo)
        }
    };
    Ok(Span {
        trace_id: id(o, field, "trace_id", true)?,
        span_id: id(o, field, "span_id", true)?,
        parent_id: id(o, field, "parent_id", false)?,
        name,
        resource,
        service,
        kind: v::opt_str(o, field, "type")?,
        start,
        duration,
        error,
        meta,
        metrics,
    })
}

fn parse_trace(val: &Value, i: usize) -> Result<Vec<Span<'_>>> {
    let field = format!("traces[{i}]");
    let arr = match val {
        Value::Array(a) if !a.is_empty() => a,
        _ => return Err(invalid(&field, format!("{field} must be a non-empty array of spans"), "A trace is an array of spans sharing one trace_id.")),
    };
    let mut spans = Vec::with_capacity(arr.len());
    for (j, s) in arr.iter().enumerate() {
        let sf = format!("{field}[{j}]");
        let span = parse_span(s, &sf)?;
        if let Some(first) = spans.first().map(|f: &Span| f.trace_id) {
            if span.trace_id != first {
                return Err(invalid(
                    format!("{sf}.trace_id"),
                    format!("{sf}.trace_id differs from the trace's first span"),
                    "All spans of a trace share its trace_id; put other spans in their own trace.",
                ));
            }
        }
        spans.push(span);
    }
    Ok(spans)
}

/// Agent API v0.3 span: ids and times as JSON integers (u64, exact).
struct AgentSpan<'s, 'a>(&'s Span<'a>);

impl Serialize for AgentSpan<'_, '_> {
    fn serialize<S: Serializer>(&self, ser: S) -> std::result::Result<S::Ok, S::Error> {
        let s = self.0;
        let mut m = ser.serialize_map(None)?;
        m.serialize_entry("trace_id", &s.trace_id)?;
        m.serialize_entry("span_id", &s.span_id)?;
        m.serialize_entry("parent_id", &s.parent_id)?;
        m.serialize_entry("name", s.name)?;
        m.serialize_entry("resource", s.resource)?;
        m.serialize_entry("service", s.service)?;
        if let Some(t) = s.kind {
            m.serialize_entry("type", t)?;
        }
        m.serialize_entry("start", &s.start)?;
        m.serialize_entry("duration", &s.duration)?;
        m.serialize_entry("error", &s.error)?;
        if let Some(meta) = s.meta {
            m.serialize_entry("meta", meta)?;
        }
        if let Some(metrics) = s.metrics {
            m.serialize_entry("metrics", metrics)?;
        }
        m.end()
    }
}

/// OTLP span kinds (enum values are integers in OTLP JSON): `span.kind` in meta wins, else guessed from the
/// Datadog span type (web = server; db, cache and http calls = client; anything else internal).
fn otlp_kind(s: &Span) -> u8 {
    match s.meta.and_then(|m| m.get("span.kind")).and_then(Value::as_str) {
        Some("internal") => 1,
        Some("server") => 2,
        Some("client") => 3,
        Some("producer") => 4,
        Some("consumer") => 5,
        _ => match s.kind {
            Some("web") => 2,
            Some("db" | "cache" | "http" | "sql" | "redis" | "memcached" | "mongodb" | "elasticsearch") => 3,
            _ => 1,
        },
    }
}

struct Attr<'a>(&'a str, AttrValue<'a>);
enum AttrValue<'a> {
    Str(&'a str),
    Num(&'a Value),
}

impl Serialize for Attr<'_> {
    fn serialize<S: Serializer>(&self, ser: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = ser.serialize_map(Some(2))?;
        m.serialize_entry("key", self.0)?;
        match self.1 {
            AttrValue::Str(s) => m.serialize_entry("value", &SingleEntry("stringValue", s))?,
            AttrValue::Num(n) => m.serialize_entry("value", &SingleEntry("doubleValue", n))?,
        }
        m.end()
    }
}

struct SingleEntry<'a, T: Serialize + ?Sized>(&'a str, &'a T);

impl<T: Serialize + ?Sized> Serialize for SingleEntry<'_, T> {
    fn serialize<S: Serializer>(&self, ser: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = ser.serialize_map(Some(1))?;
        m.serialize_entry(self.0, self.1)?;
        m.end()
    }
}

struct Attrs<'s, 'a>(&'s Span<'a>);

impl Serialize for Attrs<'_, '_> {
    fn serialize<S: Serializer>(&self, ser: S) -> std::result::Result<S::Ok, S::Error> {
        let s = self.0;
        let mut seq = ser.serialize_seq(None)?;
        // Datadog's OTLP mapping takes the operation and resource names from these attributes; without them it
        // would derive both from the scope and span kind.
        seq.serialize_element(&Attr("operation.name", AttrValue::Str(s.name)))?;
        seq.serialize_element(&Attr("resource.name", AttrValue::Str(s.resource)))?;
        if let Some(t) = s.kind {
            seq.serialize_element(&Attr("span.type", AttrValue::Str(t)))?;
        }
        // OTLP attribute keys must be unique: the span's own name, resource and type win over same-named meta.
        for (k, val) in s.meta.into_iter().flatten().filter(|(k, _)| !matches!(k.as_str(), "operation.name" | "resource.name" | "span.type")) {
            if let Some(text) = val.as_str() {
                seq.serialize_element(&Attr(k, AttrValue::Str(text)))?;
            }
        }
        for (k, val) in s.metrics.into_iter().flatten() {
            seq.serialize_element(&Attr(k, AttrValue::Num(val)))?;
        }
        seq.end()
    }
}

/// OTLP/HTTP JSON span: trace id as 32 hex digits (the upper 64 bits zero), span ids as 16, times as decimal
/// strings (the protobuf JSON mapping of fixed64).
struct OtlpSpan<'s, 'a>(&'s Span<'a>);

impl Serialize for OtlpSpan<'_, '_> {
    fn serialize<S: Serializer>(&self, ser: S) -> std::result::Result<S::Ok, S::Error> {
        let s = self.0;
        let mut m = ser.serialize_map(None)?;
        m.serialize_entry("traceId", &format!("{:032x}", s.trace_id))?;
        m.serialize_entry("spanId", &format!("{:016x}", s.span_id))?;
        if s.parent_id != 0 {
            m.serialize_entry("parentSpanId", &format!("{:016x}", s.parent_id))?;
        }
        m.serialize_entry("name", s.name)?;
        m.serialize_entry("kind", &otlp_kind(s))?;
        m.serialize_entry("startTimeUnixNano", &s.start.to_string())?;
        m.serialize_entry("endTimeUnixNano", &(s.start + s.duration).to_string())?;
        m.serialize_entry("attributes", &Attrs(s))?;
        if s.error == 1 {
            let msg = s.meta.and_then(|m| m.get("error.message").or_else(|| m.get("error.msg"))).and_then(Value::as_str);
            let mut status = Map::new();
            status.insert("code".into(), Value::from(2));
            if let Some(msg) = msg {
                status.insert("message".into(), Value::from(msg));
            }
            m.serialize_entry("status", &status)?;
        }
        m.end()
    }
}

/// Spans of one service within a trace, as one `resourceSpans` entry.
struct ResourceSpans<'s, 'a> {
    service: &'a str,
    spans: Vec<&'s Span<'a>>,
}

impl Serialize for ResourceSpans<'_, '_> {
    fn serialize<S: Serializer>(&self, ser: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = ser.serialize_map(Some(2))?;
        m.serialize_entry("resource", &SingleEntry("attributes", &[Attr("service.name", AttrValue::Str(self.service))]))?;
        m.serialize_entry("scopeSpans", &[ScopeSpans(&self.spans)])?;
        m.end()
    }
}

struct ScopeSpans<'r, 's, 'a>(&'r [&'s Span<'a>]);

impl Serialize for ScopeSpans<'_, '_, '_> {
    fn serialize<S: Serializer>(&self, ser: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = ser.serialize_map(Some(2))?;
        m.serialize_entry("scope", &SingleEntry("name", SCOPE))?;
        m.serialize_entry("spans", &OtlpSpans(self.0))?;
        m.end()
    }
}

struct OtlpSpans<'r, 's, 'a>(&'r [&'s Span<'a>]);

impl Serialize for OtlpSpans<'_, '_, '_> {
    fn serialize<S: Serializer>(&self, ser: S) -> std::result::Result<S::Ok, S::Error> {
        let mut seq = ser.serialize_seq(Some(self.0.len()))?;
        for s in self.0 {
            seq.serialize_element(&OtlpSpan(s))?;
        }
        seq.end()
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Otlp,
    Agent,
}

fn write<T: Serialize>(buf: &mut Vec<u8>, value: &T) {
    let _ = serde_json::to_writer(buf, value);
}

/// Spans grouped by service, services in order of first appearance. One pass with a map: a trace may carry
/// thousands of services, and scanning the list per span made 20,000 spans take seconds.
fn by_service<'s, 'a>(spans: &'s [Span<'a>]) -> Vec<(&'a str, Vec<&'s Span<'a>>)> {
    let mut at: std::collections::HashMap<&'a str, usize> = std::collections::HashMap::new();
    let mut out: Vec<(&'a str, Vec<&'s Span<'a>>)> = Vec::new();
    for s in spans {
        let i = *at.entry(s.service).or_insert_with(|| {
            out.push((s.service, Vec::new()));
            out.len() - 1
        });
        out[i].1.push(s);
    }
    out
}

/// Distinct services in order of first appearance.
fn services<'a>(spans: &[Span<'a>]) -> Vec<&'a str> {
    by_service(spans).into_iter().map(|(service, _)| service).collect()
}

/// One trace (or a range of its spans) as the packer's entry: an Agent trace array, or comma-separated OTLP
/// `resourceSpans` entries, one per service (OTLP allows the same resource in several entries).
fn write_trace(buf: &mut Vec<u8>, spans: &[Span], range: Range<usize>, format: Format) {
    let spans = &spans[range];
    match format {
        Format::Agent => {
            buf.push(b'[');
            for (k, s) in spans.iter().enumerate() {
                if k > 0 {
                    buf.push(b',');
                }
                write(buf, &AgentSpan(s));
            }
            buf.push(b']');
        }
        Format::Otlp => {
            for (k, (service, group)) in by_service(spans).into_iter().enumerate() {
                if k > 0 {
                    buf.push(b',');
                }
                write(buf, &ResourceSpans { service, spans: group });
            }
        }
    }
}

/// Split an oversized trace into span ranges that each fit a request. For OTLP the envelope is over-estimated
/// (every service of the trace counted in every piece), so real pieces are never larger than planned.
fn split(packer: &mut Packer, spans: &[Span], i: usize, format: Format, size: usize) -> Result<()> {
    let room = packer.room_alone();
    let mut scratch = Vec::new();
    let sizes: Vec<usize> = spans
        .iter()
        .map(|s| {
            scratch.clear();
            match format {
                Format::Agent => write(&mut scratch, &AgentSpan(s)),
                Format::Otlp => write(&mut scratch, &OtlpSpan(s)),
            }
            scratch.len()
        })
        .collect();
    let overhead = match format {
        Format::Agent => 2,
        Format::Otlp => services(spans)
            .into_iter()
            .map(|service| {
                scratch.clear();
                write(&mut scratch, &ResourceSpans { service, spans: Vec::new() });
                scratch.len() + 1
            })
            .sum(),
    };
    let ranges = (spans.len() > 1).then(|| split_ranges(&sizes, overhead, room)).flatten().ok_or_else(|| {
        Error::new(
            ErrorCode::ItemTooLarge,
            format!("traces[{i}] is {size} bytes of JSON and cannot be split to fit one request ({room} bytes)"),
            "One of its spans is too large; trim its meta or resource.",
        )
        .with_field(format!("traces[{i}]"))
    })?;
    for (start, end) in ranges {
        let pushed = packer.push_part(Part { index: i, start, end }, |b| write_trace(b, spans, start..end, format));
        debug_assert_eq!(pushed, Push::Added);
    }
    Ok(())
}

/// The Agent's base URL: http(s), host, port and an optional path prefix; no credentials, query or fragment.
/// Plain http is fine on any host (an Agent in a cluster network): nothing secret is sent to it.
fn agent_url(args: &Value) -> Result<String> {
    let bad = |why: &str| Error::invalid_input("agentUrl", format!("`agentUrl` {why}; give the Agent's address, such as http://localhost:8126"));
    let text = args.get("agentUrl").and_then(Value::as_str).ok_or_else(|| bad("is required for format \"agent\""))?;
    let parsed = crate::uri::Uri::parse(text.trim()).map_err(bad)?;
    if parsed.query.is_some() || parsed.fragment.is_some() {
        return Err(bad("must not carry a query or a fragment"));
    }
    Ok(format!("{}{}/v0.3/traces", parsed.origin(), parsed.path.trim_end_matches('/')))
}

// Kept out of line: V8 compiles wasm functions on first call, so a first login need not compile the encoders.
#[inline(never)]
pub fn encode(args: &Value) -> Result<Encoded> {
    const OP: &str = "encodeTraces";
    let format = match args.get("format") {
        None | Some(Value::Null) => Format::Otlp,
        Some(Value::String(s)) if s == "otlp" => Format::Otlp,
        Some(Value::String(s)) if s == "agent" => Format::Agent,
        _ => return Err(Error::invalid_input("format", "`format` must be \"otlp\" or \"agent\"")),
    };
    // OTLP/HTTP receivers must accept gzip; the Agent's v0.3 endpoint documents no encoding, so plain by default.
    let c = common(OP, args, if format == Format::Otlp { Compression::Gzip } else { Compression::None })?;
    if format == Format::Otlp && !c.site.has_otlp_intake() {
        return Err(Error::new(
            ErrorCode::UnsupportedOnSite,
            format!("Datadog documents no OTLP trace intake on {} ({})", c.site.name, c.site.site),
            "On the gov sites send traces through a Datadog Agent instead: submitTraces(conn, traces, { format: \"agent\", agentUrl }).",
        ));
    }
    let (url, key) = match format {
        Format::Otlp => (c.site.otlp_traces_url(), Some(auth::api_key(c.connection)?)),
        Format::Agent => (agent_url(args)?, None),
    };
    let traces = items(OP, args, "traces")?;
    let (prefix, suffix, max_body) = match format {
        Format::Agent => ("[", "]", AGENT_MAX_BODY),
        Format::Otlp => (r#"{"resourceSpans":["#, "]}", OTLP_MAX_BODY),
    };
    let mut packer = Packer::new(prefix, suffix, Limits { max_body, max_entries: MAX_TRACES, max_item: usize::MAX });
    let mut out = Encoded::default();
    for (i, val) in traces.iter().enumerate() {
        let spans = match parse_trace(val, i) {
            Ok(s) => s,
            Err(e) => {
                out.reject(i, e);
                continue;
            }
        };
        if let Push::TooLarge(size) = packer.push(i, |b| write_trace(b, &spans, 0..spans.len(), format)) {
            if let Err(e) = split(&mut packer, &spans, i, format, size) {
                out.reject(i, e);
            }
        }
    }
    for p in packer.finish() {
        let request = match &key {
            Some(k) => auth::api_key_request(url.clone(), k, p.body, c.compress),
            // The local Agent takes no key: nothing secret leaves for a host the caller chose.
            None => c.compress.apply(HttpRequest::new("PUT", url.clone(), Replay::Retry).json_body(p.body)),
        };
        out.batches.push(Batch { request, items: p.items, parts: p.parts });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const START: &str = "1700000000000000000";

    fn span(trace: Value, id: Value, parent: Value, service: &str) -> Value {
        json!({"trace_id": trace, "span_id": id, "parent_id": parent, "name": "web.request", "resource": "GET /", "service": service,
               "type": "web", "start": START, "duration": 1500, "meta": {"env": "prod"}, "metrics": {"_sampling_priority_v1": 1}})
    }

    fn run(traces: Value, extra: Value) -> Result<Encoded> {
        let mut args =
            json!({ "connection": { "site": crate::site::resolve_site("us3").unwrap(), "apiKey": "k" }, "now": 1_700_000_000_000u64, "traces": traces });
        for (k, val) in extra.as_object().unwrap() {
            args[k] = val.clone();
        }
        encode(&args)
    }

    fn body(out: &Encoded, b: usize) -> Value {
        serde_json::from_str(out.batches[b].request.body.as_ref().unwrap()).unwrap()
    }

    #[test]
    fn agent_format_keeps_u64_ids_exact() {
        let big = "18446744073709551615";
        let out =
            run(json!([[span(json!(big), json!("12345678901234567890"), json!(0), "api")]]), json!({"format": "agent", "agentUrl": "http://localhost:8126/"}))
                .unwrap();
        let r = &out.batches[0].request;
        assert_eq!(r.method, "PUT");
        assert_eq!(r.url, "http://localhost:8126/v0.3/traces");
        assert!(!r.headers.contains_key("dd-api-key"));
        assert!(r.body.as_ref().unwrap().contains("\"trace_id\":18446744073709551615,\"span_id\":12345678901234567890"));
        assert!(r.body.as_ref().unwrap().contains("\"start\":1700000000000000000"));
    }

    #[test]
    fn otlp_shape() {
        let t = json!([span(json!(1), json!(2), json!(0), "api"), span(json!("1"), json!(3), json!(2), "db")]);
        let out = run(json!([t]), json!({})).unwrap();
        let r = &out.batches[0].request;
        assert_eq!(r.url, "https://otlp.us3.datadoghq.com/v1/traces");
        assert_eq!(r.headers["dd-api-key"], "k");
        assert_eq!(r.compress.as_deref(), Some("gzip"));
        let b = body(&out, 0);
        let rs = b["resourceSpans"].as_array().unwrap();
        assert_eq!(rs.len(), 2);
        assert_eq!(rs[0]["resource"]["attributes"][0], json!({"key": "service.name", "value": {"stringValue": "api"}}));
        let s = &rs[1]["scopeSpans"][0]["spans"][0];
        assert_eq!(rs[1]["scopeSpans"][0]["scope"]["name"], "datadog-oauth-wasm");
        assert_eq!(s["traceId"], "00000000000000000000000000000001");
        assert_eq!(s["spanId"], "0000000000000003");
        assert_eq!(s["parentSpanId"], "0000000000000002");
        assert_eq!(s["kind"], 2);
        assert_eq!(s["startTimeUnixNano"], START);
        assert_eq!(s["endTimeUnixNano"], "1700000000000001500");
        let attrs = s["attributes"].as_array().unwrap();
        assert!(attrs.contains(&json!({"key": "resource.name", "value": {"stringValue": "GET /"}})));
        assert!(attrs.contains(&json!({"key": "span.type", "value": {"stringValue": "web"}})));
        assert!(attrs.contains(&json!({"key": "env", "value": {"stringValue": "prod"}})));
        assert!(attrs.contains(&json!({"key": "_sampling_priority_v1", "value": {"doubleValue": 1}})));
        assert!(s.get("status").is_none());
        let mut dup = span(json!(1), json!(2), json!(0), "api");
        dup["meta"] = json!({"resource.name": "other", "span.type": "x"});
        let out = run(json!([[dup]]), json!({})).unwrap();
        let attrs = body(&out, 0)["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["attributes"].clone();
        let keys: Vec<&str> = attrs.as_array().unwrap().iter().map(|a| a["key"].as_str().unwrap()).collect();
        assert_eq!(keys, vec!["operation.name", "resource.name", "span.type", "_sampling_priority_v1"]);
        assert!(rs[0]["scopeSpans"][0]["spans"][0].get("parentSpanId").is_none());
    }

    #[test]
    fn validation() {
        let good = span(json!(1), json!(2), json!(0), "api");
        let mut mixed = span(json!(9), json!(3), json!(2), "api");
        mixed["trace_id"] = json!(8);
        let cases = [
            (json!([good.clone(), mixed]), "traces[0][1].trace_id"),
            (json!([]), "traces[0]"),
            (json!([span(json!(9007199254740993u64), json!(2), json!(0), "a")]), "traces[0][0].trace_id"),
            (json!([span(json!(1), json!(0), json!(0), "a")]), "traces[0][0].span_id"),
            (json!([span(json!("1x"), json!(2), json!(0), "a")]), "traces[0][0].trace_id"),
            (json!([span(json!("18446744073709551616"), json!(2), json!(0), "a")]), "traces[0][0].trace_id"),
            (json!([span(json!(1), json!(2), json!(0), &"s".repeat(101))]), "traces[0][0].service"),
        ];
        for (t, field) in cases {
            let out = run(json!([t]), json!({})).unwrap();
            assert_eq!(out.rejected[0].error.field.as_deref(), Some(field), "{field}");
        }
        let mut ms = good.clone();
        ms["start"] = json!(1_700_000_000_000u64);
        assert_eq!(run(json!([[ms]]), json!({})).unwrap().rejected[0].error.field.as_deref(), Some("traces[0][0].start"));
        let mut bad_meta = good.clone();
        bad_meta["meta"] = json!({"n": 1});
        assert_eq!(run(json!([[bad_meta]]), json!({})).unwrap().rejected[0].error.field.as_deref(), Some("traces[0][0].meta.n"));
        let mut err = good;
        err["error"] = json!(1);
        err["meta"] = json!({"error.message": "boom"});
        let out = run(json!([[err]]), json!({})).unwrap();
        assert_eq!(body(&out, 0)["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["status"], json!({"code": 2, "message": "boom"}));
    }

    #[test]
    fn agent_url_required_and_checked() {
        for extra in [json!({"format": "agent"}), json!({"format": "agent", "agentUrl": "ftp://x"}), json!({"format": "agent", "agentUrl": "http://u:p@x"})] {
            assert_eq!(run(json!([]), extra).err().unwrap().field.as_deref(), Some("agentUrl"));
        }
        // No API key is needed for a local Agent.
        let out = encode(&json!({"connection": {"site": crate::site::resolve_site("us1").unwrap()}, "now": 1, "format": "agent", "agentUrl": "http://127.0.0.1:8126", "traces": []})).unwrap();
        assert!(out.batches.is_empty());
    }

    #[test]
    fn count_cap_and_big_trace_split() {
        for format in ["otlp", "agent"] {
            let extra = json!({"format": format, "agentUrl": "http://localhost:8126"});
            let traces: Vec<Value> = (1..=1001).map(|t| json!([span(json!(t), json!(1), json!(0), "api")])).collect();
            let out = run(Value::Array(traces), extra.clone()).unwrap();
            assert_eq!(out.batches.iter().map(|b| b.items.len()).collect::<Vec<_>>(), vec![1000, 1]);
            // One trace of 12,000 spans with 600-byte resources is too big for one body: split by spans.
            let spans: Vec<Value> = (1..=12_000)
                .map(|k| {
                    let mut s = span(json!(7), json!(k), json!(1), if k % 2 == 0 { "api" } else { "db" });
                    s["resource"] = json!("r".repeat(600));
                    s
                })
                .collect();
            let out = run(json!([spans, [span(json!(8), json!(1), json!(0), "api")]]), extra).unwrap();
            assert!(out.rejected.is_empty());
            assert!(out.batches.len() >= 2, "{format}");
            let cap = if format == "agent" { AGENT_MAX_BODY } else { OTLP_MAX_BODY };
            let mut at = 0;
            for b in &out.batches {
                assert!(b.request.body.as_ref().unwrap().len() <= cap);
                if let Some(p) = b.parts.first() {
                    assert_eq!((p.index, p.start), (0, at));
                    at = p.end;
                }
            }
            assert_eq!(at, 12_000);
            assert_eq!(out.batches.last().unwrap().items, vec![0, 1]);
        }
    }
}
