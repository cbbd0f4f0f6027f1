//! Field checks shared by the encoders: typed reads from untrusted JSON that fail with an `invalid_payload` error
//! naming the exact field (`series[3].points[0].timestamp`), and the timestamp windows Datadog enforces.
//! Messages never quote item content beyond a short, bounded excerpt: payloads may hold personal data.

use super::invalid;
use crate::error::{Error, ErrorCode, Result};
use serde_json::{Map, Value};
use std::fmt::Display;

// Field paths for error messages (`series[3].points[0]`) are taken as any `Display`, so the hot path can pass
// `Index`/`Key` paths that are only turned into text when there is an error to report.

/// `parent[index]`, formatted on demand.
pub struct Index<'a, P: Display + ?Sized>(pub &'a P, pub usize);
/// `parent.key`, formatted on demand.
pub struct Key<'a, P: Display + ?Sized>(pub &'a P, pub &'a str);

impl<P: Display + ?Sized> Display for Index<'_, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}[{}]", self.0, self.1)
    }
}

impl<P: Display + ?Sized> Display for Key<'_, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.0, self.1)
    }
}

/// An integer from JSON. Integral floats are accepted because JavaScript has one number type and a value such
/// as 1.7e9 arrives as a float from some serialisers; fractional values are not integers.
pub fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.2e18).map(|f| f as i64)),
        _ => None,
    }
}

pub fn object<'a, F: Display + ?Sized>(v: &'a Value, field: &F, what: &str) -> Result<&'a Map<String, Value>> {
    v.as_object().ok_or_else(|| not_object(field, what))
}

/// The error of `object`, for a reader that already knows the item is not one.
pub fn not_object<F: Display + ?Sized>(field: &F, what: &str) -> Error {
    invalid(field, format!("{field} must be an object ({what})"), "Pass items in Datadog's JSON shape.")
}

/// Closed schemas reject unknown keys: a typo such as `tag` for `tags` would otherwise lose data silently.
pub fn only_keys<F: Display + ?Sized>(obj: &Map<String, Value>, field: &F, allowed: &[&str]) -> Result<()> {
    match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        None => Ok(()),
        Some(k) => Err(invalid(
            Key(field, &bounded(k)),
            format!("{field} has an unknown field {}", crate::error::quote(k)),
            &format!("Allowed fields: {}.", allowed.join(", ")),
        )),
    }
}

/// Keys from the caller's data in field paths are bounded by `redact` (named here for the encoders' `v::bounded`).
pub use crate::redact::bounded;

pub fn required<'a, F: Display + ?Sized>(obj: &'a Map<String, Value>, field: &F, key: &str) -> Result<&'a Value> {
    match obj.get(key) {
        Some(v) if !v.is_null() => Ok(v),
        _ => Err(invalid(format!("{field}.{key}"), format!("{field}.{key} is required"), "Add the field; see the Datadog API reference.")),
    }
}

pub fn string<'a, F: Display + ?Sized>(v: &'a Value, field: &F) -> Result<&'a str> {
    v.as_str().ok_or_else(|| invalid(field, format!("{field} must be a string"), "Pass text."))
}

pub fn req_str<'a, F: Display + ?Sized>(obj: &'a Map<String, Value>, field: &F, key: &str) -> Result<&'a str> {
    string(required(obj, field, key)?, &Key(field, key))
}

pub fn opt_str<'a, F: Display + ?Sized>(obj: &'a Map<String, Value>, field: &F, key: &str) -> Result<Option<&'a str>> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => string(v, &Key(field, key)).map(Some),
    }
}

pub fn non_empty<F: Display + ?Sized>(s: &str, field: &F) -> Result<()> {
    if s.trim().is_empty() {
        Err(invalid(field, format!("{field} must not be empty"), "Give a non-empty value."))
    } else {
        Ok(())
    }
}

/// Datadog counts characters, not UTF-8 bytes.
pub fn max_chars<F: Display + ?Sized>(s: &str, max: usize, field: &F) -> Result<()> {
    // Cheap path first: a string with at most `max` bytes cannot have more than `max` characters.
    if s.len() > max && s.chars().count() > max {
        Err(invalid(field, format!("{field} is longer than {max} characters"), &format!("Datadog accepts at most {max} characters here; shorten it.")))
    } else {
        Ok(())
    }
}

pub fn int<F: Display + ?Sized>(v: &Value, field: &F) -> Result<i64> {
    as_int(v).ok_or_else(|| invalid(field, format!("{field} must be an integer"), "Pass a whole number."))
}

pub fn opt_int<F: Display + ?Sized>(obj: &Map<String, Value>, field: &F, key: &str) -> Result<Option<i64>> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => int(v, &Key(field, key)).map(Some),
    }
}

/// An array of strings (tags). Returned as the original slice so it is serialised without copying.
pub fn strings<'a, F: Display + ?Sized>(v: &'a Value, field: &F) -> Result<&'a [Value]> {
    let a = v.as_array().ok_or_else(|| invalid(field, format!("{field} must be an array of strings"), "Pass tags as [\"key:value\", ...]."))?;
    if let Some(i) = a.iter().position(|t| !t.is_string()) {
        return Err(invalid(format!("{field}[{i}]"), format!("{field}[{i}] must be a string"), "Pass tags as [\"key:value\", ...]."));
    }
    Ok(a)
}

pub fn opt_strings<'a, F: Display + ?Sized>(obj: &'a Map<String, Value>, field: &F, key: &str) -> Result<Option<&'a [Value]>> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => strings(v, &Key(field, key)).map(Some),
    }
}

pub fn one_of<'a, F: Display + ?Sized>(s: &'a str, allowed: &[&str], field: &F) -> Result<&'a str> {
    if allowed.contains(&s) {
        Ok(s)
    } else {
        Err(invalid(field, format!("{field} is {} but must be one of {}", crate::error::quote(s), allowed.join(", ")), "Use one of the listed values."))
    }
}

/// Is a seconds timestamp inside [now − past, now + future]? Compared in whole seconds, widened outward
/// (floor for the past edge, ceiling for the future edge), so a point stamped with the current second is never
/// refused because of the sub-second part of `now`.
pub fn within_secs(ts: i64, now_ms: i64, past_s: i64, future_s: i64) -> bool {
    let floor = now_ms.div_euclid(1000);
    let ceil = floor + i64::from(now_ms.rem_euclid(1000) != 0);
    ts >= floor.saturating_sub(past_s) && ts <= ceil.saturating_add(future_s)
}

pub fn out_of_range<F: Display + ?Sized>(field: &F, message: String, hint: &str) -> Error {
    Error::new(ErrorCode::TimestampOutOfRange, message, hint).with_field(field.to_string())
}

/// A "seconds" timestamp past year 5138 is almost certainly milliseconds.
pub fn looks_like_ms(ts: i64) -> bool {
    ts > 100_000_000_000
}

/// A seconds timestamp checked against a window, with the error naming the field and the allowed window.
pub fn timestamp_secs<F: Display + ?Sized>(v: &Value, field: &F, now_ms: i64, past_s: i64, future_s: i64, why: &str) -> Result<i64> {
    let ts = int(v, field)?;
    if looks_like_ms(ts) {
        // Almost certainly milliseconds (year 5138 in seconds): say so rather than "out of range".
        return Err(out_of_range(
            field,
            format!("{field} looks like milliseconds; Datadog wants seconds here"),
            "Divide by 1000 (Math.floor(Date.now() / 1000)).",
        ));
    }
    if !within_secs(ts, now_ms, past_s, future_s) {
        return Err(out_of_range(field, format!("{field} is outside the accepted window ({} ago to {} ahead)", human(past_s), human(future_s)), why));
    }
    Ok(ts)
}

pub fn human(secs: i64) -> String {
    if secs % 3600 == 0 {
        format!("{} h", secs / 3600)
    } else {
        format!("{} min", secs / 60)
    }
}

/// RFC 3339 / ISO 8601 date-time (`2024-01-02T03:04:05Z`, `…05.123+02:00`) to milliseconds since the epoch.
/// Only the profile Datadog documents; anything else is refused rather than guessed.
pub fn parse_rfc3339_ms(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(r)?;
        if part.iter().all(u8::is_ascii_digit) {
            std::str::from_utf8(part).ok()?.parse().ok()
        } else {
            None
        }
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (y, mo, d, h, mi, sec) = (num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut i = 19;
    let mut ms = 0i64;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
        let frac = &s[start..i.min(start + 3)];
        ms = frac.parse::<i64>().ok()? * 10i64.pow(3 - frac.len() as u32);
    }
    let offset_min = match b.get(i) {
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) if i + 6 == b.len() && b[i + 3] == b':' => {
            let (oh, om) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let m = oh * 60 + om;
            if *sign == b'+' {
                m
            } else {
                -m
            }
        }
        _ => return None,
    };
    let days = days_from_civil(y, mo, d);
    Some(((days * 86_400 + h * 3600 + mi * 60 + sec) - offset_min * 60) * 1000 + ms)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn window_edges() {
        let now = 1_700_000_000_000;
        assert!(within_secs(1_700_000_000 - 3600, now, 3600, 600));
        assert!(!within_secs(1_700_000_000 - 3601, now, 3600, 600));
        assert!(within_secs(1_700_000_000 + 600, now, 3600, 600));
        assert!(!within_secs(1_700_000_000 + 601, now, 3600, 600));
        // Sub-second `now`: the current second is inside, both edges widen to whole seconds.
        assert!(within_secs(1_700_000_000 + 601, now + 500, 3600, 600));
        assert!(within_secs(1_700_000_000 - 3600, now + 500, 3600, 600));
        assert!(!within_secs(1_700_000_000 - 3601, now + 500, 3600, 600));
    }

    #[test]
    fn ints() {
        assert_eq!(as_int(&json!(5)), Some(5));
        assert_eq!(as_int(&json!(1.7e9)), Some(1_700_000_000));
        assert_eq!(as_int(&json!(1.5)), None);
        assert_eq!(as_int(&json!("5")), None);
    }

    #[test]
    fn rfc3339() {
        assert_eq!(parse_rfc3339_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339_ms("2023-11-14T22:13:20Z"), Some(1_700_000_000_000));
        assert_eq!(parse_rfc3339_ms("2023-11-14T22:13:20.5Z"), Some(1_700_000_000_500));
        assert_eq!(parse_rfc3339_ms("2023-11-15T00:13:20.123+02:00"), Some(1_700_000_000_123));
        assert!(parse_rfc3339_ms("2024-02-29T00:00:00Z").is_some());
        for bad in ["2023-02-29T00:00:00Z", "2023-11-14", "2023-11-14T22:13:20", "2023-11-14T25:00:00Z", "x023-11-14T22:13:20Z", "2023-11-14T22:13:20.Z"] {
            assert_eq!(parse_rfc3339_ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn unknown_keys_are_bounded_in_paths() {
        let long = format!("{}\u{1b}[31m", "k".repeat(10_000));
        let obj = json!({ long.clone(): 1 });
        let e = only_keys(obj.as_object().unwrap(), "series[0]", &["metric"]).unwrap_err();
        let field = e.field.unwrap();
        assert!(field.len() < 120 && field.starts_with("series[0].kkk") && !field.contains('\u{1b}'), "{field}");
        assert!(e.message.len() < 200);
    }

    #[test]
    fn paths_format_lazily_but_correctly() {
        let series = Index("series", 3);
        let points = Key(&series, "points");
        assert_eq!(Key(&Index(&points, 0), "timestamp").to_string(), "series[3].points[0].timestamp");
    }

    #[test]
    fn char_limits_count_characters() {
        assert!(max_chars(&"é".repeat(100), 100, "f").is_ok());
        assert!(max_chars(&"é".repeat(101), 100, "f").is_err());
    }
}
