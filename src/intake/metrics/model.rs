//! What a metric series is once checked, and the rules about it that both readers apply: Datadog's limits, the
//! metric name, the type numbers and names, the interval, the points' time window. The verbatim reader
//! (`verbatim`) and the checking reader (`parse`) call these; neither writes a rule of its own.

use super::super::validate::{self as v};
use crate::error::Result;
use serde_json::{Number, Value};
use std::fmt::Display;

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

pub const V2_KEYS: &[&str] = &["metric", "points", "type", "interval", "tags", "resources", "unit", "source_type_name", "metadata", "host"];
pub const V1_KEYS: &[&str] = &["metric", "points", "type", "interval", "tags", "host"];
pub const POINT_KEYS: &[&str] = &["timestamp", "value"];
pub const RESOURCE_KEYS: &[&str] = &["name", "type"];

/// Datadog's metric types by their v2 number. v1 sends the name instead, and has none for 0 ("unspecified").
pub const TYPES: [&str; 4] = ["unspecified", "count", "rate", "gauge"];

pub struct Point<'a> {
    pub ts: i64,
    pub value: &'a Number,
}

pub struct Resource<'a> {
    pub name: &'a str,
    pub kind: &'a str,
}

/// A checked series, borrowing from what the reader holds, so encoding copies each string once, into the body.
pub struct Series<'a> {
    pub metric: &'a str,
    pub points: Vec<Point<'a>>,
    /// An index into `TYPES`.
    pub kind: Option<u8>,
    pub interval: Option<i64>,
    pub tags: Option<&'a [Value]>,
    pub resources: Vec<Resource<'a>>,
    pub unit: Option<&'a str>,
    pub source_type_name: Option<&'a str>,
    pub metadata: Option<&'a Value>,
    /// v1 only: v2 moves the host into `resources`.
    pub host: Option<&'a str>,
}

/// The metric name: not blank, at most 200 characters.
pub fn metric_name(name: &str, field: &dyn Display) -> Result<()> {
    v::non_empty(name, field)?;
    v::max_chars(name, MAX_METRIC_CHARS, field)
}

/// A type number Datadog knows.
pub fn kind(n: i64) -> Option<u8> {
    u8::try_from(n).ok().filter(|&k| usize::from(k) < TYPES.len())
}

/// A type by name, in any case; the empty name is "unspecified".
pub fn kind_named(name: &str) -> Option<u8> {
    if name.is_empty() {
        return Some(0);
    }
    TYPES.iter().position(|t| t.eq_ignore_ascii_case(name)).map(|k| k as u8)
}

/// v1's name for a type; `None` for "unspecified", which v1 leaves out (Datadog then assumes gauge).
pub fn v1_name(kind: u8) -> Option<&'static str> {
    TYPES.get(usize::from(kind)).copied().filter(|_| kind != 0)
}

pub fn interval_ok(seconds: i64) -> bool {
    seconds >= 0
}

const WINDOW_HINT: &str = "Datadog accepts metric points from 1 hour ago to 10 minutes ahead; send points as they are produced and check the clock.";

/// A point's timestamp, in seconds and inside Datadog's window, with the error that says what is wrong with it.
pub fn point_time<F: Display + ?Sized>(ts: &Value, field: &F, now_ms: i64) -> Result<i64> {
    v::timestamp_secs(ts, &v::Key(field, "timestamp"), now_ms, PAST_S, FUTURE_S, WINDOW_HINT)
}

/// `point_time` as a yes or no, for an integer already read: the same two rules.
pub fn point_time_ok(ts: i64, now_ms: i64) -> bool {
    !v::looks_like_ms(ts) && v::within_secs(ts, now_ms, PAST_S, FUTURE_S)
}
