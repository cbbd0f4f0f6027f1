//! `encodeMetrics`: metric series to `POST /api/v2/series` (default) or `/api/v1/series`, validated, with the
//! type normalised to each version's form, and batched so every compressed body is under Datadog's limit
//! whatever the compression ratio. A series too big for one request is split by points across requests.

use super::auth;
use super::batch::{split_ranges, Limits, Packer, Part, Push};
use super::validate::{self as v, object, Index, Key};
use super::{common, invalid, items, Batch, Compression, Encoded};
use crate::error::{Error, ErrorCode, Result};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::Serialize;
use serde_json::{Number, Value};
use std::borrow::Cow;
use std::ops::Range;

use super::metrics_in::{PointIn, PointsIn, SeriesIn};

/// v2: "max payload 500 KB (512000 bytes)" (compressed, as sent) and "must decompress to < 5 MB". [SPEC-V2]
pub const V2_MAX_COMPRESSED: usize = 512_000;
pub const V2_MAX_DECOMPRESSED: usize = 5_242_880;
/// v1: 3.2 MB sent, 62 MB decompressed. [SPEC-V1]
pub const V1_MAX_COMPRESSED: usize = 3_200_000;
pub const V1_MAX_DECOMPRESSED: usize = 62_914_560;
/// Datadog drops points outside [now − 1 h, now + 10 min].
const PAST_S: i64 = 3600;
const FUTURE_S: i64 = 600;
const MAX_METRIC_CHARS: usize = 200;

const V2_KEYS: &[&str] = &["metric", "points", "type", "interval", "tags", "resources", "unit", "source_type_name", "metadata", "host"];
const V1_KEYS: &[&str] = &["metric", "points", "type", "interval", "tags", "host"];

/// The uncompressed cap per body: what is guaranteed to stay under the compressed limit even for data that does
/// not compress (see `Compression::worst_overhead`), and under the decompressed limit. With gzip that is
/// 510,921 bytes for v2 and 3,193,681 for v1; with `compress: "none"` the limit itself.
pub fn body_cap(version: u8, compress: Compression) -> usize {
    let (sent, decompressed) = if version == 1 { (V1_MAX_COMPRESSED, V1_MAX_DECOMPRESSED) } else { (V2_MAX_COMPRESSED, V2_MAX_DECOMPRESSED) };
    compress.max_uncompressed_for(sent).min(decompressed)
}

struct Point<'a> {
    ts: i64,
    /// Borrowed from a `Value`, or owned when read by the typed fast path (`input`).
    value: Cow<'a, Number>,
}

struct Resource<'a> {
    name: &'a str,
    kind: &'a str,
}

/// A validated series, borrowing from the caller's JSON so encoding copies each string once, into the body.
struct Series<'a> {
    metric: &'a str,
    points: Vec<Point<'a>>,
    kind: Option<u8>,
    interval: Option<i64>,
    tags: Option<&'a [Value]>,
    resources: Vec<Resource<'a>>,
    unit: Option<&'a str>,
    source_type_name: Option<&'a str>,
    metadata: Option<&'a Value>,
    host: Option<&'a str>,
}

fn parse_type(val: &Value, field: &str) -> Result<u8> {
    let t = match val {
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "" | "unspecified" => Some(0),
            "count" => Some(1),
            "rate" => Some(2),
            "gauge" => Some(3),
            _ => None,
        },
        other => v::as_int(other).filter(|n| (0..=3).contains(n)).map(|n| n as u8),
    };
    t.ok_or_else(|| invalid(field, format!("{field} must be 0–3 or \"unspecified\", \"count\", \"rate\", \"gauge\""), "Use 1 (count), 2 (rate) or 3 (gauge)."))
}

/// `field` is only formatted when there is an error: this runs once per point.
fn parse_point<'a>(p: &'a Value, field: &dyn std::fmt::Display, now_ms: i64) -> Result<Point<'a>> {
    let (ts, value) = match p {
        Value::Object(o) => {
            v::only_keys(o, field, &["timestamp", "value"])?;
            (v::required(o, field, "timestamp")?, o.get("value").unwrap_or(&Value::Null))
        }
        Value::Array(a) if a.len() == 2 => (&a[0], &a[1]),
        _ => {
            return Err(invalid(
                field,
                format!("{field} must be {{timestamp, value}} or [timestamp, value]"),
                "Pass points as {timestamp: seconds, value: number}.",
            ))
        }
    };
    let ts = point_time(ts, field, now_ms)?;
    // JSON cannot hold NaN or Infinity (JSON.stringify turns them into null), so any JSON number is finite.
    let value = match value {
        Value::Number(n) => n,
        _ => {
            return Err(invalid(
                format!("{field}.value"),
                format!("{field}.value must be a finite number"),
                "NaN and Infinity cannot be sent; skip such points.",
            ))
        }
    };
    Ok(Point { ts, value: Cow::Borrowed(value) })
}

/// The common point, two JSON numbers read without building a map: the same timestamp check, no value check
/// needed (a JSON number is finite).
fn pair_point(ts: &Number, value: &Number, field: &dyn std::fmt::Display, now_ms: i64) -> Result<Point<'static>> {
    let ts = point_time(&Value::Number(ts.clone()), field, now_ms)?;
    Ok(Point { ts, value: Cow::Owned(value.clone()) })
}

/// A point's timestamp, in seconds and inside Datadog's window (both readers share this one check).
fn point_time(ts: &Value, field: &dyn std::fmt::Display, now_ms: i64) -> Result<i64> {
    v::timestamp_secs(
        ts,
        &Key(field, "timestamp"),
        now_ms,
        PAST_S,
        FUTURE_S,
        "Datadog accepts metric points from 1 hour ago to 10 minutes ahead; send points as they are produced and check the clock.",
    )
}

fn not_a_list(points_field: &dyn std::fmt::Display) -> Error {
    invalid(points_field, format!("{points_field} must be a non-empty array"), "Give at least one point.")
}

/// Points from a `Value` series, or from the typed reader.
enum PointsSrc<'a> {
    Value(&'a Value),
    Typed(&'a PointsIn),
}

fn read_points<'a>(src: PointsSrc<'a>, points_field: &dyn std::fmt::Display, now_ms: i64) -> Result<Vec<Point<'a>>> {
    match src {
        PointsSrc::Value(Value::Array(a)) if !a.is_empty() => a.iter().enumerate().map(|(j, p)| parse_point(p, &Index(points_field, j), now_ms)).collect(),
        PointsSrc::Typed(PointsIn::List(a)) if !a.is_empty() => a
            .iter()
            .enumerate()
            .map(|(j, p)| match p {
                PointIn::Pair(ts, value) => pair_point(ts, value, &Index(points_field, j), now_ms),
                PointIn::Other(val) => parse_point(val, &Index(points_field, j), now_ms),
            })
            .collect(),
        _ => Err(not_a_list(points_field)),
    }
}

fn parse<'a>(val: &'a Value, i: usize, v1: bool, now_ms: i64) -> Result<Series<'a>> {
    let field = Index("series", i);
    let o = object(val, &field, "a metric series")?;
    let points = o.get("points").map(PointsSrc::Value);
    parse_fields(o, points, i, v1, now_ms)
}

/// A series read by the typed fast path: its points typed, everything else as in a `Value` series.
fn parse_in<'a>(sin: &'a SeriesIn, i: usize, v1: bool, now_ms: i64) -> Result<Series<'a>> {
    match sin {
        SeriesIn::Other(val) => parse(val, i, v1, now_ms),
        SeriesIn::Object { rest, points } => parse_fields(rest, points.as_ref().map(PointsSrc::Typed), i, v1, now_ms),
    }
}

fn parse_fields<'a>(o: &'a serde_json::Map<String, Value>, points: Option<PointsSrc<'a>>, i: usize, v1: bool, now_ms: i64) -> Result<Series<'a>> {
    let field = Index("series", i);
    if let Err(e) = v::only_keys(o, &field, if v1 { V1_KEYS } else { V2_KEYS }) {
        if v1 && o.keys().all(|k| V2_KEYS.contains(&k.as_str())) {
            return Err(Error { hint: "resources, unit, source_type_name and metadata exist only in v2; use version 2.".into(), ..e });
        }
        return Err(e);
    }
    let metric = v::req_str(o, &field, "metric")?;
    v::non_empty(metric, &Key(&field, "metric"))?;
    v::max_chars(metric, MAX_METRIC_CHARS, &Key(&field, "metric"))?;
    let points_field = Key(&field, "points");
    let points = match points {
        Some(src) => read_points(src, &points_field, now_ms)?,
        // The same error as a missing required field.
        None => {
            v::required(o, &field, "points")?;
            return Err(not_a_list(&points_field));
        }
    };
    let kind = match o.get("type") {
        None | Some(Value::Null) => None,
        Some(t) => Some(parse_type(t, &format!("{field}.type"))?),
    };
    let interval = v::opt_int(o, &field, "interval")?;
    if interval.is_some_and(|n| n < 0) {
        return Err(invalid(format!("{field}.interval"), format!("{field}.interval must not be negative"), "The interval is in seconds."));
    }
    let tags = v::opt_strings(o, &field, "tags")?;
    let host = v::opt_str(o, &field, "host")?;
    let mut resources = Vec::new();
    if let Some(rs) = o.get("resources").filter(|r| !r.is_null()) {
        let rf = format!("{field}.resources");
        let arr = rs
            .as_array()
            .ok_or_else(|| invalid(&rf, format!("{rf} must be an array of {{name, type}}"), "For a host: [{name: \"web-1\", type: \"host\"}]."))?;
        for (j, r) in arr.iter().enumerate() {
            let f = format!("{rf}[{j}]");
            let ro = object(r, &f, "{name, type}")?;
            v::only_keys(ro, &f, &["name", "type"])?;
            resources.push(Resource { name: v::req_str(ro, &f, "name")?, kind: v::req_str(ro, &f, "type")? });
        }
    }
    let metadata = o.get("metadata").filter(|m| !m.is_null());
    if let Some(m) = metadata {
        object(m, &format!("{field}.metadata"), "{origin: {...}}")?;
    }
    let mut s = Series {
        metric,
        points,
        kind,
        interval,
        tags,
        resources,
        unit: v::opt_str(o, &field, "unit")?,
        source_type_name: v::opt_str(o, &field, "source_type_name")?,
        metadata,
        host: None,
    };
    match (v1, host) {
        (true, h) => s.host = h,
        // In v2 the host is one of the resources (spec: "host name is one of the resources").
        (false, Some(h)) => s.resources.push(Resource { name: h, kind: "host" }),
        (false, None) => {}
    }
    Ok(s)
}

/// One series with a range of its points, in the wire form of one version.
struct View<'s, 'a> {
    s: &'s Series<'a>,
    range: Range<usize>,
    v1: bool,
}

struct Points<'s, 'a> {
    points: &'s [Point<'a>],
    v1: bool,
}

struct PointView<'s, 'a>(&'s Point<'a>, bool);

impl Serialize for PointView<'_, '_> {
    fn serialize<S: Serializer>(&self, ser: S) -> std::result::Result<S::Ok, S::Error> {
        let p = self.0;
        if self.1 {
            let mut seq = ser.serialize_seq(Some(2))?;
            seq.serialize_element(&p.ts)?;
            seq.serialize_element(&*p.value)?;
            seq.end()
        } else {
            let mut m = ser.serialize_map(Some(2))?;
            m.serialize_entry("timestamp", &p.ts)?;
            m.serialize_entry("value", &*p.value)?;
            m.end()
        }
    }
}

impl Serialize for Points<'_, '_> {
    fn serialize<S: Serializer>(&self, ser: S) -> std::result::Result<S::Ok, S::Error> {
        let mut seq = ser.serialize_seq(Some(self.points.len()))?;
        for p in self.points {
            seq.serialize_element(&PointView(p, self.v1))?;
        }
        seq.end()
    }
}

impl Serialize for View<'_, '_> {
    fn serialize<S: Serializer>(&self, ser: S) -> std::result::Result<S::Ok, S::Error> {
        let s = self.s;
        let mut m = ser.serialize_map(None)?;
        m.serialize_entry("metric", s.metric)?;
        if self.v1 {
            // v1 names the type; "unspecified" has no v1 name and is left out (Datadog then assumes gauge).
            if let Some(name) = s.kind.and_then(|k| ["", "count", "rate", "gauge"].get(k as usize).copied()).filter(|n| !n.is_empty()) {
                m.serialize_entry("type", name)?;
            }
        } else if let Some(k) = s.kind {
            m.serialize_entry("type", &k)?;
        }
        m.serialize_entry("points", &Points { points: &s.points[self.range.clone()], v1: self.v1 })?;
        if let Some(i) = s.interval {
            m.serialize_entry("interval", &i)?;
        }
        if let Some(h) = s.host {
            m.serialize_entry("host", h)?;
        }
        if let Some(t) = s.tags {
            m.serialize_entry("tags", t)?;
        }
        if !s.resources.is_empty() {
            m.serialize_entry("resources", &Resources(&s.resources))?;
        }
        if let Some(u) = s.unit {
            m.serialize_entry("unit", u)?;
        }
        if let Some(st) = s.source_type_name {
            m.serialize_entry("source_type_name", st)?;
        }
        if let Some(md) = s.metadata {
            m.serialize_entry("metadata", md)?;
        }
        m.end()
    }
}

struct Resources<'s, 'a>(&'s [Resource<'a>]);

impl Serialize for Resources<'_, '_> {
    fn serialize<S: Serializer>(&self, ser: S) -> std::result::Result<S::Ok, S::Error> {
        let mut seq = ser.serialize_seq(Some(self.0.len()))?;
        for r in self.0 {
            seq.serialize_element(&serde_json::json!({"name": r.name, "type": r.kind}))?;
        }
        seq.end()
    }
}

/// Writing to a `Vec` cannot fail, and every type here serialises infallibly.
fn write<T: Serialize>(buf: &mut Vec<u8>, value: &T) {
    let _ = serde_json::to_writer(buf, value);
}

/// Split an oversized series into consecutive point ranges, each small enough for a request on its own.
fn split(packer: &mut Packer, s: &Series, i: usize, v1: bool, size: usize) -> Result<()> {
    let room = packer.room_alone();
    let too_large = || {
        Error::new(
            ErrorCode::ItemTooLarge,
            format!("series[{i}] is {size} bytes of JSON and cannot be split to fit one request ({room} bytes)"),
            "Its tags, resources or metadata alone are too large; send fewer tags.",
        )
        .with_field(format!("series[{i}]"))
    };
    if s.points.len() < 2 {
        return Err(too_large());
    }
    let mut scratch = Vec::new();
    write(&mut scratch, &View { s, range: 0..0, v1 });
    let overhead = scratch.len();
    let sizes: Vec<usize> = s
        .points
        .iter()
        .map(|p| {
            scratch.clear();
            write(&mut scratch, &PointView(p, v1));
            scratch.len()
        })
        .collect();
    let ranges = split_ranges(&sizes, overhead, room).ok_or_else(too_large)?;
    for (start, end) in ranges {
        // Sizes are exact (the envelope plus points plus commas), so every piece fits an empty body.
        let pushed = packer.push_part(Part { index: i, start, end }, |b| write(b, &View { s, range: start..end, v1 }));
        debug_assert_eq!(pushed, Push::Added);
    }
    Ok(())
}

// Kept out of line: V8 compiles wasm functions on first call, so a first login need not compile the encoders.
#[inline(never)]
pub fn encode(args: &Value) -> Result<Encoded> {
    let series = items("encodeMetrics", args, "series")?;
    encode_with(args, series.len(), |i, v1, now| parse(&series[i], i, v1, now))
}

/// `encodeMetrics` straight from the argument text. Series already in v2 wire form are checked on their text and
/// copied into the body as they are (`series_v2`); the rest go through the ordinary checks one by one. Same
/// checks, messages and output (up to key order and number spelling) as `encode`.
/// `None`: a re-encode of a selection (`select`, after a 413), for the general path.
#[inline(never)]
pub fn encode_text(json: &str) -> Option<Result<Encoded>> {
    if let Some(r) = encode_spans(json) {
        return Some(r);
    }
    (!json.contains("\"select\"")).then(|| encode_typed(json))
}

/// The verbatim path: the arguments read in one pass (`raw::arguments`), each series checked on the way for v2 wire
/// form; `None` leaves the text to `encode_typed` (v1, and whatever `raw::arguments` leaves).
fn encode_spans(json: &str) -> Option<Result<Encoded>> {
    let (rest, series) = super::raw::arguments(json, "series", series_v2)?;
    let mut run = match Run::start(&rest) {
        Ok(r) if !r.v1 => r,
        Ok(_) => return None,
        Err(e) => return Some(Err(e)),
    };
    for (i, item) in series.into_iter().enumerate() {
        let text = &json[item.span];
        if let Some((first, last)) = item.wire {
            let in_window = v::within_secs(first, run.now_ms, PAST_S, FUTURE_S) && v::within_secs(last, run.now_ms, PAST_S, FUTURE_S);
            // Not added when too large for one body: parsed below, and split by points.
            if in_window && run.packer.push(i, |b| b.extend_from_slice(text.as_bytes())) == Push::Added {
                continue;
            }
        }
        match super::raw::parse_item(text, &format!("series[{i}]")) {
            Ok(val) => {
                let s = parse(&val, i, false, run.now_ms);
                run.add(i, s);
            }
            Err(e) => run.out.reject(i, e),
        }
    }
    Some(Ok(run.finish()))
}

/// A series already exactly what `/api/v2/series` takes, read at the scanner's position: its earliest and latest
/// timestamps (the window is checked by the caller, which may not know `now` yet). Only the common shape
/// qualifies: no whitespace, no escapes in keys or the metric name, points as `{"timestamp":int,"value":num}`, an
/// integer `type`, no `host` (which v2 moves into `resources`), no `metadata`, no nulls. Anything else, and every
/// invalid series, is left to `parse`, which has the error messages.
fn series_v2(s: &mut super::raw::Scan) -> Option<(i64, i64)> {
    let mut seen = 0u8;
    let mut range = (i64::MAX, i64::MIN);
    s.object_exact(|s, key| {
        let bit = match key {
            "metric" => {
                let m = s.string()?;
                let name = s.text(&m);
                if m.escaped || name.trim().is_empty() || (name.len() > MAX_METRIC_CHARS && name.chars().count() > MAX_METRIC_CHARS) {
                    return None;
                }
                1
            }
            "points" => {
                range = points_v2(s)?;
                2
            }
            "type" => {
                let n = s.number()?;
                (n.span.len() == 1 && s.b[n.span.start] <= b'3').then_some(4)?
            }
            "interval" => {
                let n = s.number()?;
                (n.integer && s.b[n.span.start] != b'-' && n.span.len() <= 15).then_some(8)?
            }
            "tags" => {
                s.array_exact(|s| s.string().map(drop))?;
                16
            }
            "resources" => {
                let mut n = 0;
                s.array_exact(|s| {
                    n += 1;
                    let mut got = 0u8;
                    s.object_exact(|s, key| {
                        let bit = match key {
                            "name" => 1,
                            "type" => 2,
                            _ => return None,
                        };
                        s.string()?;
                        got = (got & bit == 0).then_some(got | bit)?;
                        Some(())
                    })?;
                    (got == 3).then_some(())
                })?;
                // An empty list is left out of the body by `parse`: not verbatim.
                (n > 0).then_some(32)?
            }
            "unit" => {
                s.string()?;
                64
            }
            "source_type_name" => {
                s.string()?;
                128
            }
            _ => return None,
        };
        seen = (seen & bit == 0).then_some(seen | bit)?;
        Some(())
    })?;
    (seen & 3 == 3).then_some(range)
}

/// A non-empty list of `{"timestamp":…,"value":…}` (either order) with integer timestamps: their range.
fn points_v2(s: &mut super::raw::Scan) -> Option<(i64, i64)> {
    let (mut first, mut last) = (i64::MAX, i64::MIN);
    s.array_exact(|s| {
        let mut got = 0u8;
        s.object_exact(|s, key| {
            let num = s.number()?;
            let len = num.span.len();
            let bit = match key {
                "timestamp" if num.integer && len <= 12 => {
                    // Seconds: 12 characters reach past year 5138, which `parse` reports as milliseconds.
                    let digits = &s.b[num.span];
                    let (neg, digits) = match digits.split_first() {
                        Some((b'-', d)) => (true, d),
                        _ => (false, digits),
                    };
                    let n = digits.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0'));
                    let ts = if neg { -n } else { n };
                    first = first.min(ts);
                    last = last.max(ts);
                    1
                }
                // Any JSON number is finite except one beyond f64's range, which needs an exponent or 309 digits.
                "value" if !num.exponent && len < 300 => 2,
                _ => return None,
            };
            got = (got & bit == 0).then_some(got | bit)?;
            Some(())
        })?;
        (got == 3).then_some(())
    })?;
    (first <= last).then_some((first, last))
}

/// The typed reader, for everything `encode_spans` leaves: v1, whitespace, escaped keys, invalid JSON.
fn encode_typed(json: &str) -> Result<Encoded> {
    let input: super::metrics_in::ArgsIn = serde_json::from_str(json)
        .map_err(|e| Error::new(ErrorCode::InvalidInput, format!("encodeMetrics: {e}"), "Check the arguments of encodeMetrics() against the API reference."))?;
    let series = match &input.series {
        Some(super::metrics_in::SeriesList::List(l)) => l,
        _ => return Err(Error::invalid_input("series", "encodeMetrics() needs `series`, an array")),
    };
    encode_with(&input.rest, series.len(), |i, v1, now| parse_in(&series[i], i, v1, now))
}

fn encode_with<'a>(args: &Value, count: usize, parse_one: impl Fn(usize, bool, i64) -> Result<Series<'a>>) -> Result<Encoded> {
    let mut run = Run::start(args)?;
    for i in 0..count {
        let s = parse_one(i, run.v1, run.now_ms);
        run.add(i, s);
    }
    Ok(run.finish())
}

/// One `encodeMetrics` call in progress: the shared arguments read, series added one at a time.
struct Run {
    v1: bool,
    now_ms: i64,
    url: String,
    key: crate::secret::Secret,
    compress: Compression,
    packer: Packer,
    out: Encoded,
}

impl Run {
    fn start(args: &Value) -> Result<Run> {
        const OP: &str = "encodeMetrics";
        let c = common(OP, args, Compression::Gzip)?;
        let key = auth::api_key(c.connection)?;
        let version = match args.get("version") {
            None | Some(Value::Null) => 2u8,
            Some(x) => match v::as_int(x) {
                Some(1) => 1,
                Some(2) => 2,
                _ => return Err(crate::error::Error::invalid_input("version", "`version` must be 1 or 2")),
            },
        };
        let v1 = version == 1;
        let limits = Limits { max_body: body_cap(version, c.compress), max_entries: usize::MAX, max_item: usize::MAX };
        let url = if v1 { c.site.metrics_v1_url() } else { c.site.metrics_v2_url() };
        Ok(Run { v1, now_ms: c.now_ms, url, key, compress: c.compress, packer: Packer::new(r#"{"series":["#, "]}", limits), out: Encoded::default() })
    }

    fn add(&mut self, i: usize, s: Result<Series>) {
        let s = match s {
            Ok(s) => s,
            Err(e) => return self.out.reject(i, e),
        };
        let (v1, all) = (self.v1, 0..s.points.len());
        if let Push::TooLarge(size) = self.packer.push(i, |b| write(b, &View { s: &s, range: all.clone(), v1 })) {
            if let Err(e) = split(&mut self.packer, &s, i, v1, size) {
                self.out.reject(i, e);
            }
        }
    }

    fn finish(self) -> Encoded {
        let mut out = self.out;
        for p in self.packer.finish() {
            let mut request = auth::api_key_request(self.url.clone(), &self.key, p.body, self.compress);
            if self.v1 {
                // The v1 spec's media type is `text/json`; Datadog's own clients send exactly that.
                request = request.header("content-type", "text/json");
            }
            out.batches.push(Batch { request, items: p.items, parts: p.parts });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The typed reader (`encode_text`) and the `Value` reader (`encode`) agree on every shape, good or bad.
    #[test]
    fn text_and_value_paths_agree() {
        const T: i64 = 1_700_000_000;
        let series = json!([
            { "metric": "a", "points": [{ "timestamp": T, "value": 1.5 }, [T - 1, 2], { "value": 3, "timestamp": T }] },
            { "metric": "b", "type": "gauge", "host": "h", "tags": ["x:1"], "points": [{ "timestamp": T, "value": 1, "extra": 1 }] },
            { "metric": "c", "points": [{ "timestamp": "soon", "value": 1 }] },
            { "metric": "d", "points": [{ "timestamp": T, "value": null }] },
            { "metric": "e", "points": [[T, 1, 2]] },
            { "metric": "f", "points": [] },
            { "metric": "g", "points": {} },
            { "metric": "h", "points": null },
            { "metric": "i" },
            { "metric": "j", "points": [{ "timestamp": T * 1000, "value": 1 }] },
            { "metric": "k", "points": [{ "timestamp": T - 7200, "value": 1 }] },
            { "metric": "l", "points": [{ "timestamp": T, "value": 1 }], "points2": 1 },
            ["not", "an", "object"],
            "nor this",
            { "metric": "m", "points": [1, "x", true, null, { "timestamp": T, "value": 1e300 }] },
            { "metric": "n", "unit": "ms", "resources": [{ "name": "r", "type": "host" }], "metadata": { "origin": {} }, "points": [{ "timestamp": T, "value": -0.0 }] }
        ]);
        for version in [1, 2] {
            let args = json!({ "connection": { "site": crate::site::resolve_site("us3").unwrap(), "apiKey": "k".repeat(32) },
                "now": T * 1000, "version": version, "compress": "none", "series": series });
            let by_value = encode(&args).unwrap().into_value();
            let by_text = encode_text(&args.to_string()).unwrap().unwrap().into_value();
            assert_eq!(by_text, by_value, "version {version}");
            assert!(!by_value["rejected"].as_array().unwrap().is_empty());
        }
        for bad in [json!({ "series": {} }), json!({ "series": 3 }), json!({})] {
            let mut args = json!({ "connection": { "site": crate::site::resolve_site("us3").unwrap(), "apiKey": "k" }, "now": T * 1000 });
            args.as_object_mut().unwrap().extend(bad.as_object().unwrap().clone());
            assert_eq!(encode_text(&args.to_string()).unwrap().unwrap_err().code, encode(&args).unwrap_err().code);
        }
    }

    /// An answer with each body parsed, so the verbatim path (key order as the caller wrote it) compares equal.
    fn parsed_bodies(e: Encoded) -> Value {
        let mut v = e.into_value();
        for b in v["batches"].as_array_mut().unwrap() {
            let body: Value = serde_json::from_str(b["request"]["body"].as_str().unwrap()).unwrap();
            b["request"]["body"] = body;
        }
        v
    }

    /// Series in wire form are copied as written (the key order shows it), everything else is parsed, and the
    /// answer is the one `encode` gives: same batches, items, parts, rejections, and bodies equal as JSON.
    #[test]
    fn verbatim_series_match_the_parsed_path() {
        const T: i64 = 1_700_000_000;
        let p = |n: usize| (0..n).map(|j| format!(r#"{{"value":{j}.5,"timestamp":{}}}"#, T - (j as i64 % 3000))).collect::<Vec<_>>().join(",");
        let series = [
            format!(
                r#"{{"points":[{}],"metric":"wire.a","tags":["a:1","\u00e9\"x"],"type":3,"unit":"ms","resources":[{{"type":"host","name":"h"}}],"interval":10,"source_type_name":"s"}}"#,
                p(3)
            ),
            format!(r#"{{"metric":"host.goes.to.resources","host":"h","points":[{}]}}"#, p(1)),
            format!(r#"{{"metric":"too.old","points":[{{"timestamp":{},"value":1}}]}}"#, T - 7200),
            format!(r#"{{"metric":"ms","points":[{{"timestamp":{},"value":1}}]}}"#, T * 1000),
            format!(r#"{{"metric":"","points":[{}]}}"#, p(1)),
            format!(r#"{{"metric":"{}","points":[{}]}}"#, "m".repeat(201), p(1)),
            format!(r#"{{"metric":"dup","metric":"dup2","points":[{}]}}"#, p(1)),
            format!(r#"{{"metric":"spaced", "points":[{}]}}"#, p(1)),
            format!(r#"{{"metric":"float.ts","points":[{{"timestamp":{T}.0,"value":1}}]}}"#),
            format!(r#"{{"metric":"exp","points":[{{"timestamp":{T},"value":1e300}}]}}"#),
            format!(r#"{{"metric":"empty.resources","resources":[],"points":[{}]}}"#, p(1)),
            format!(r#"{{"metric":"type.name","type":"gauge","points":[{}]}}"#, p(1)),
            format!(r#"{{"metric":"type.4","type":4,"points":[{}]}}"#, p(1)),
            r#"{"metric":"no.points","points":[]}"#.to_string(),
            format!(r#"{{"metric":"big","tags":["{}"],"points":[{}]}}"#, "t".repeat(300), p(20_000)),
            format!(r#"{{"metric":"wire.b","points":[{}]}}"#, p(2)),
        ];
        let conn = json!({ "site": crate::site::resolve_site("eu1").unwrap(), "apiKey": "k".repeat(32) });
        for compress in ["gzip", "none"] {
            let text = format!(r#"{{"connection":{conn},"now":{},"compress":"{compress}","series":[{}]}}"#, T * 1000, series.join(","));
            let verbatim = encode_spans(&text).expect("taken").unwrap();
            let body = &verbatim.batches[0].request.body;
            assert!(body.as_deref().unwrap().contains(&series[0]), "the first series is copied as written");
            let by_value = encode(&serde_json::from_str(&text).unwrap()).unwrap();
            assert!(by_value.batches.len() > 1, "the big series is split");
            assert_eq!(parsed_bodies(verbatim), parsed_bodies(by_value), "{compress}");
        }
        // Left to the other paths: v1, a selection, text serde_json refuses (its error is the one reported).
        let base = format!(r#""connection":{conn},"now":{},"series":[{}]"#, T * 1000, series[0]);
        assert!(encode_spans(&format!(r#"{{{base},"version":1}}"#)).is_none());
        assert!(encode_spans(&format!(r#"{{{base},"select":[0]}}"#)).is_none());
        assert!(encode_text(&format!(r#"{{{base},"select":[0]}}"#)).is_none());
        assert!(encode_spans(&format!(r#"{{{base},"x":01}}"#)).is_none());
        assert_eq!(encode_text(&format!(r#"{{{base},"x":01}}"#)).unwrap().unwrap_err().code, ErrorCode::InvalidInput);
        let e = encode_text(&format!(r#"{{"connection":{conn},"now":{},"series":{{}}}}"#, T * 1000)).unwrap().unwrap_err();
        assert_eq!(e.field.as_deref(), Some("series"));
    }

    const NOW: i64 = 1_700_000_000_000;
    const T: i64 = 1_700_000_000;

    fn conn() -> Value {
        json!({ "site": crate::site::resolve_site("us1").unwrap(), "apiKey": "k" })
    }

    fn run(extra: Value) -> Encoded {
        let mut args = json!({ "connection": conn(), "now": NOW });
        for (k, v) in extra.as_object().unwrap() {
            args[k] = v.clone();
        }
        encode(&args).unwrap()
    }

    /// Every index appears exactly once (split series: once per piece, pieces partition its points).
    fn check_partition(out: &Encoded, series: &[Value]) {
        let mut seen = vec![0usize; series.len()];
        let mut pieces: Vec<Vec<(usize, usize)>> = vec![Vec::new(); series.len()];
        for b in &out.batches {
            for &i in &b.items {
                match b.parts.iter().find(|p| p.index == i) {
                    Some(p) => pieces[i].push((p.start, p.end)),
                    None => seen[i] += 1,
                }
            }
        }
        for r in &out.rejected {
            seen[r.index] += 1;
        }
        for (i, s) in series.iter().enumerate() {
            if pieces[i].is_empty() {
                assert_eq!(seen[i], 1, "index {i}");
            } else {
                assert_eq!(seen[i], 0, "index {i}");
                let mut at = 0;
                for (a, b) in &pieces[i] {
                    assert_eq!(*a, at);
                    at = *b;
                }
                assert_eq!(at, s["points"].as_array().unwrap().len());
            }
        }
    }

    fn random_name(seed: &mut u64, len: usize) -> String {
        const A: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.";
        (0..len)
            .map(|_| {
                *seed ^= *seed << 13;
                *seed ^= *seed >> 7;
                *seed ^= *seed << 17;
                A[(*seed % A.len() as u64) as usize] as char
            })
            .collect()
    }

    #[test]
    fn body_caps_leave_room_for_compression() {
        assert_eq!(body_cap(2, Compression::None), 512_000);
        assert_eq!(body_cap(2, Compression::Gzip), 510_921);
        assert_eq!(body_cap(1, Compression::Gzip), 3_193_681);
        assert!(body_cap(2, Compression::Deflate) + Compression::Deflate.worst_overhead(body_cap(2, Compression::Deflate)) <= 512_000);
    }

    #[test]
    fn random_names_stay_under_the_compressed_limit() {
        // Random metric names do not compress: bodies must be small enough that even zlib's stored-block
        // worst case stays ≤ 512000 bytes.
        let mut seed = 0x9e3779b97f4a7c15u64;
        let series: Vec<Value> = (0..8000)
            .map(|_| json!({ "metric": random_name(&mut seed, 190), "points": [{"timestamp": T, "value": 1.5}], "tags": [random_name(&mut seed, 60)] }))
            .collect();
        for compress in ["gzip", "deflate", "none"] {
            let out = run(json!({ "series": series, "compress": compress }));
            assert!(out.rejected.is_empty());
            assert!(out.batches.len() > 3);
            check_partition(&out, &series);
            let c = Compression::parse(Some(&json!(compress)), Compression::Gzip).unwrap();
            for b in &out.batches {
                let n = b.request.body.as_ref().unwrap().len();
                assert!(n <= V2_MAX_DECOMPRESSED);
                assert!(n + c.worst_overhead(n) <= V2_MAX_COMPRESSED, "{compress}: {n}");
                assert_eq!(b.request.compress.as_deref(), c.name());
            }
        }
    }

    #[test]
    fn oversized_series_is_split_by_points() {
        let points: Vec<Value> = (0..30_000).map(|k| json!({"timestamp": T - (k % 3600), "value": k})).collect();
        let series = vec![json!({"metric": "a.b", "points": points.clone(), "tags": ["x:y"]}), json!({"metric": "small", "points": [[T, 1]]})];
        let out = run(json!({ "series": series }));
        assert!(out.rejected.is_empty());
        check_partition(&out, &series);
        assert!(out.batches.len() >= 2);
        let mut total = 0;
        for b in &out.batches {
            let body: Value = serde_json::from_str(b.request.body.as_ref().unwrap()).unwrap();
            assert!(b.request.body.as_ref().unwrap().len() <= body_cap(2, Compression::Gzip));
            for s in body["series"].as_array().unwrap() {
                if s["metric"] == "a.b" {
                    assert_eq!(s["tags"], json!(["x:y"]));
                    total += s["points"].as_array().unwrap().len();
                }
            }
        }
        assert_eq!(total, 30_000);
        // The small series shares the last piece's batch.
        assert_eq!(out.batches.last().unwrap().items, vec![0, 1]);
    }

    #[test]
    fn unsplittable_series_is_rejected_item_too_large() {
        let tags: Vec<String> = (0..60_000).map(|k| format!("tag{k}:value")).collect();
        let series = vec![json!({"metric": "m", "points": [[T, 1], [T, 2]], "tags": tags}), json!({"metric": "ok", "points": [[T, 1]]})];
        let out = run(json!({ "series": series }));
        assert_eq!(out.rejected.len(), 1);
        assert_eq!(out.rejected[0].error.code, ErrorCode::ItemTooLarge);
        assert_eq!(out.batches.len(), 1);
        assert_eq!(out.batches[0].items, vec![1]);
    }

    #[test]
    fn timestamp_window_edges() {
        let series: Vec<Value> =
            [T - 3600, T - 3601, T + 600, T + 601].iter().map(|ts| json!({"metric": "m", "points": [{"timestamp": ts, "value": 1}]})).collect();
        let out = run(json!({ "series": series }));
        assert_eq!(out.batches[0].items, vec![0, 2]);
        let bad: Vec<_> = out.rejected.iter().map(|r| (r.index, r.error.code, r.error.field.clone().unwrap())).collect();
        assert_eq!(
            bad,
            vec![
                (1, ErrorCode::TimestampOutOfRange, "series[1].points[0].timestamp".to_string()),
                (3, ErrorCode::TimestampOutOfRange, "series[3].points[0].timestamp".to_string())
            ]
        );
    }

    #[test]
    fn v1_shape_and_type_names() {
        let series = vec![json!({"metric": "m", "points": [{"timestamp": T, "value": 2}], "type": 1, "host": "h", "tags": ["a:b"]})];
        let out = run(json!({ "series": series, "version": 1 }));
        let r = &out.batches[0].request;
        assert_eq!(r.url, "https://api.datadoghq.com/api/v1/series");
        assert_eq!(r.headers["content-type"], "text/json");
        let body: Value = serde_json::from_str(r.body.as_ref().unwrap()).unwrap();
        assert_eq!(body, json!({"series": [{"metric": "m", "type": "count", "points": [[T, 2]], "host": "h", "tags": ["a:b"]}]}));
        let out = run(json!({ "series": [{"metric": "m", "points": [[T, 1]], "unit": "byte"}], "version": 1 }));
        assert_eq!(out.rejected[0].error.code, ErrorCode::InvalidPayload);
        assert!(out.rejected[0].error.hint.contains("version 2"));
    }

    #[test]
    fn v2_names_become_ints_and_host_becomes_resource() {
        let out = run(json!({ "series": [{"metric": "m", "points": [[T, 1]], "type": "gauge", "host": "h"}] }));
        let body: Value = serde_json::from_str(out.batches[0].request.body.as_ref().unwrap()).unwrap();
        assert_eq!(body["series"][0]["type"], 3);
        assert_eq!(body["series"][0]["resources"], json!([{"name": "h", "type": "host"}]));
        assert_eq!(body["series"][0]["points"], json!([{"timestamp": T, "value": 1}]));
    }

    #[test]
    fn validation_errors_name_fields() {
        let long = "m".repeat(201);
        let cases = [
            (json!({"points": [[T, 1]]}), "series[0].metric"),
            (json!({"metric": long, "points": [[T, 1]]}), "series[0].metric"),
            (json!({"metric": "m", "points": []}), "series[0].points"),
            (json!({"metric": "m", "points": [[T, null]]}), "series[0].points[0].value"),
            (json!({"metric": "m", "points": [[T, 1]], "type": 4}), "series[0].type"),
            (json!({"metric": "m", "points": [[T, 1]], "tag": ["x"]}), "series[0].tag"),
            (json!({"metric": "m", "points": [[T, 1]], "tags": ["x", 1]}), "series[0].tags[1]"),
            (json!("m"), "series[0]"),
        ];
        for (s, field) in cases {
            let out = run(json!({ "series": [s] }));
            assert_eq!(out.rejected.len(), 1, "{field}");
            assert_eq!(out.rejected[0].error.field.as_deref(), Some(field));
            assert!(out.batches.is_empty());
        }
        let ok = run(json!({ "series": [{"metric": "m".repeat(200), "points": [[T, 1]]}] }));
        assert!(ok.rejected.is_empty());
    }

    #[test]
    fn missing_api_key_and_now() {
        let e = encode(&json!({ "connection": { "site": crate::site::resolve_site("eu").unwrap() }, "now": NOW, "series": [] })).unwrap_err();
        assert_eq!(e.code, ErrorCode::MissingApiKey);
        let e = encode(&json!({ "connection": conn(), "series": [] })).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("now"));
    }
}
