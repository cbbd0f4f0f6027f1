//! The verbatim reader: a v2 series already exactly what `/api/v2/series` takes is checked on its text
//! (`raw::Scan`) and copied into the body as written, never parsed into a tree and printed again; every other
//! series goes to the checking reader (`parse`). Same answer, up to key order and number spelling.

use super::super::batch::Push;
use super::super::raw::{self, Scan};
use super::input::SeriesIn;
use super::model::{self, RESOURCE_KEYS};
use super::{parse, Run};
use crate::error::Result;
use crate::intake::Encoded;

/// The arguments read in one pass (`raw::arguments`), each series tried for v2 wire form on the way; `None`
/// leaves the text to the checking reader (v1, and whatever `raw::arguments` leaves).
pub fn encode(json: &str) -> Option<Result<Encoded>> {
    let (rest, series, shared) = raw::arguments(json, "series", series_v2)?;
    let mut run = match Run::start_with(&rest, shared) {
        Ok(r) if !r.v1 => r,
        Ok(_) => return None,
        Err(e) => return Some(Err(e)),
    };
    for (i, item) in series.into_iter().enumerate() {
        let text = &json[item.span];
        if let Some((first, last)) = item.wire {
            let in_window = model::point_time_ok(first, run.now_ms) && model::point_time_ok(last, run.now_ms);
            // Not added when too large for one body: checked below, and split by points.
            if in_window && run.packer.push(i, |b| b.extend_from_slice(text.as_bytes())) == Push::Added {
                continue;
            }
        }
        match raw::parse_item::<SeriesIn>(text, &format!("series[{i}]")) {
            Ok(sin) => {
                let s = parse::series(&sin, i, false, run.now_ms);
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
/// integer `type`, no `host` (which v2 moves into `resources`), no `metadata`, no nulls, every number spelled as
/// the checking path writes it. Anything else, and every invalid series, is left to `parse`, which has the error
/// messages; the rules themselves are `model`'s.
fn series_v2(s: &mut Scan) -> Option<(i64, i64)> {
    let mut seen = 0u8;
    let mut range = (i64::MAX, i64::MIN);
    s.object_exact(|s, key| {
        let bit = match key {
            "metric" => {
                let m = s.string()?;
                if m.escaped || model::metric_name(s.text(&m), &"").is_err() {
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
                s.int(&n).and_then(model::kind)?;
                4
            }
            "interval" => {
                let n = s.number()?;
                s.int(&n).filter(|&n| model::interval_ok(n))?;
                8
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
                        let bit = 1 << RESOURCE_KEYS.iter().position(|k| *k == key)?;
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
fn points_v2(s: &mut Scan) -> Option<(i64, i64)> {
    let (mut first, mut last) = (i64::MAX, i64::MIN);
    s.array_exact(|s| {
        let at = s.i;
        if let Some(ts) = point_stringified(s) {
            first = first.min(ts);
            last = last.max(ts);
            return Some(());
        }
        s.i = at;
        let mut got = 0u8;
        s.object_exact(|s, key| {
            let num = s.number()?;
            let bit = match key {
                "timestamp" => {
                    let ts = s.int(&num)?;
                    first = first.min(ts);
                    last = last.max(ts);
                    1
                }
                // Any JSON number is finite except one beyond f64's range, which needs an exponent or 309 digits.
                "value" if !num.exponent && num.span.len() < 300 => 2,
                _ => return None,
            };
            got = (got & bit == 0).then_some(got | bit)?;
            Some(())
        })?;
        (got == 3).then_some(())
    })?;
    (first <= last).then_some((first, last))
}

/// A point exactly as `JSON.stringify` writes `{ timestamp, value }`: its timestamp. Matched on the two keys' literal
/// bytes instead of key by key (a string scan and a compare each): points are most of a submission's bytes, and
/// this took the public `encodeMetrics` of 10k points from 2.0× to 1.6–1.85× `JSON.stringify`
/// (A/B in one process, interleaved). Anything else goes to the general reader above.
#[inline(always)]
fn point_stringified(s: &mut Scan) -> Option<i64> {
    s.word(br#"{"timestamp":"#)?;
    let ts = s.int_token()?;
    s.word(br#","value":"#)?;
    let v = s.number()?;
    (!v.exponent && v.span.len() < 300 && s.eat(b'}')).then_some(ts)
}
