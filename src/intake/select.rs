//! Re-encoding part of a submission. After a 413 the host resends a batch in halves, named in the caller's
//! coordinates: an item index, and for metric series and traces a range of their points or spans. The core
//! cuts the items, encodes them, and maps indices, parts and error paths back, so the host needs no knowledge
//! of payload shapes (which field holds the points, what a trace is made of). The host passes only the items a
//! half holds, each entry naming its item's place in the caller's list (`origin`): re-encoding a half costs that
//! half, not the whole submission (issue 11: splitting after a 413 was quadratic).

use super::{Encoded, Part};
use crate::error::{Error, Result};
use serde::Deserialize;
use serde_json::{Map, Value};

/// One selected item: the whole of `index` (in the items passed), or its pieces `start..end`; `origin`, when
/// given, is that item's index in the caller's own list, which answers and error paths then use.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
pub struct Entry {
    pub index: usize,
    #[serde(default)]
    pub start: Option<usize>,
    #[serde(default)]
    pub end: Option<usize>,
    #[serde(default)]
    pub origin: Option<usize>,
}

impl Entry {
    /// The item's index in the caller's coordinates.
    fn caller(&self) -> usize {
        self.origin.unwrap_or(self.index)
    }
}

/// How one intake's items are held, from its row in the operation table (`ops::INTAKE`): the argument that holds
/// them, and for the kinds whose items can be cut, where the pieces are.
#[derive(Clone, Copy)]
pub(crate) struct Shape {
    pub key: &'static str,
    pub pieces: Option<Pieces>,
}

/// What an item is cut into after a 413: a metric series into its points, a trace (an array of spans) into spans.
#[derive(Clone, Copy)]
pub(crate) enum Pieces {
    Points,
    Spans,
}

impl Pieces {
    fn of(self, item: &Value) -> Option<&Vec<Value>> {
        match self {
            Pieces::Points => item.get("points").and_then(Value::as_array),
            Pieces::Spans => item.as_array(),
        }
    }

    /// The path text that precedes a piece index in error paths (`series[3].points[7]`, `traces[2][5]`).
    fn path(self) -> &'static str {
        match self {
            Pieces::Points => ".points[",
            Pieces::Spans => "[",
        }
    }
}

fn pieces(shape: Shape, item: &Value) -> Option<&Vec<Value>> {
    shape.pieces.and_then(|p| p.of(item))
}

fn bad(message: String) -> Error {
    Error::invalid_input("select", message)
}

fn entries<'a>(op: &str, shape: Shape, args: &'a Value) -> Result<(&'static str, Vec<Entry>, &'a Vec<Value>)> {
    let key = shape.key;
    let sel: Vec<Entry> = crate::args::input(op, args.get("select").unwrap_or(&Value::Null))?;
    // `items` is the generic name the sans-IO `splitSelection()` uses.
    let items = args
        .get(key)
        .or_else(|| args.get("items"))
        .and_then(Value::as_array)
        .ok_or_else(|| bad(format!("`select` needs `{key}`, the full array it indexes")))?;
    for e in &sel {
        let item = items.get(e.index).ok_or_else(|| bad(format!("`select` names {key}[{}], past the end of {key}", e.index)))?;
        match (e.start, e.end) {
            (None, None) => {}
            (Some(a), Some(b)) => {
                let n = pieces(shape, item).map(Vec::len).ok_or_else(|| bad(format!("{key}[{}] cannot be cut into pieces", e.index)))?;
                if a >= b || b > n {
                    return Err(bad(format!("`select` range {a}..{b} does not fit {key}[{}]", e.index)));
                }
            }
            _ => return Err(bad("a `select` entry needs both `start` and `end`, or neither".into())),
        }
    }
    Ok((key, sel, items))
}

/// The encode arguments for just the selected items (cut where a range is given), without `select`.
pub(crate) fn subset_args(op: &str, shape: Shape, args: &Value) -> Result<(Value, Vec<Entry>)> {
    let (key, sel, items) = entries(op, shape, args)?;
    let subset = sel
        .iter()
        .map(|e| match (e.start, e.end) {
            (Some(a), Some(b)) => match &items[e.index] {
                Value::Array(spans) => Value::Array(spans[a..b].to_vec()),
                Value::Object(o) => {
                    // Inserted, not collected (`collect` into a map sorts first: a sort of its own in the wasm).
                    let mut cut = Map::new();
                    for (k, v) in o.iter().filter(|(k, _)| *k != "points") {
                        cut.insert(k.clone(), v.clone());
                    }
                    let points = o.get("points").and_then(Value::as_array).map(|p| p[a..b].to_vec()).unwrap_or_default();
                    cut.insert("points".into(), Value::Array(points));
                    Value::Object(cut)
                }
                other => other.clone(),
            },
            _ => items[e.index].clone(),
        })
        .collect();
    let mut out = Map::new();
    for (k, v) in args.as_object().into_iter().flatten().filter(|(k, _)| *k != key && *k != "select") {
        out.insert(k.clone(), v.clone());
    }
    out.insert(key.into(), Value::Array(subset));
    Ok((Value::Object(out), sel))
}

/// Rewrite `key[local]` (and, past a cut, the piece index after it) into the caller's coordinates.
fn relabel(text: &str, key: &str, piece_prefix: Option<&str>, local: usize, e: &Entry) -> String {
    let from = format!("{key}[{local}]");
    let Some(at) = text.find(&from) else { return text.to_string() };
    let mut out = format!("{}{key}[{}]", &text[..at], e.caller());
    let rest = &text[at + from.len()..];
    match (piece_prefix, e.start) {
        (Some(p), Some(base)) if rest.starts_with(p) => {
            let digits: String = rest[p.len()..].chars().take_while(char::is_ascii_digit).collect();
            match digits.parse::<usize>() {
                Ok(k) => {
                    out.push_str(p);
                    out.push_str(&(k + base).to_string());
                    out.push_str(&rest[p.len() + digits.len()..]);
                }
                Err(_) => out.push_str(rest),
            }
        }
        _ => out.push_str(rest),
    }
    out
}

/// Map an encoding of the subset back to the caller's coordinates.
pub(crate) fn remap(shape: Shape, mut enc: Encoded, sel: &[Entry]) -> Encoded {
    let (key, piece_prefix) = (shape.key, shape.pieces.map(Pieces::path));
    for b in &mut enc.batches {
        let mut parts: Vec<Part> = b
            .parts
            .iter()
            .map(|p| {
                let e = sel[p.index];
                let base = e.start.unwrap_or(0);
                Part { index: e.caller(), start: p.start + base, end: p.end + base }
            })
            .collect();
        for &local in &b.items {
            let e = sel[local];
            if let (Some(start), Some(end)) = (e.start, e.end) {
                if !b.parts.iter().any(|p| p.index == local) {
                    parts.push(Part { index: e.caller(), start, end });
                }
            }
        }
        b.items = b.items.iter().map(|&l| sel[l].caller()).collect();
        b.parts = parts;
    }
    for r in &mut enc.rejected {
        let e = sel[r.index];
        r.error.message = relabel(&r.error.message, key, piece_prefix, r.index, &e);
        r.error.field = r.error.field.as_deref().map(|f| relabel(f, key, piece_prefix, r.index, &e));
        r.index = e.caller();
    }
    enc
}

/// Two halves of a selection that Datadog found too large: by items, or a lone item by its pieces. `null`
/// when it cannot be cut further (the host then reports the item). The halves are in the caller's coordinates.
pub(crate) fn split(op: &str, shape: Shape, args: &Value) -> Result<Value> {
    let (_, sel, items) = entries(op, shape, args)?;
    let entry = |e: &Entry| serde_json::json!({ "index": e.caller(), "start": e.start, "end": e.end });
    if sel.len() >= 2 {
        let mid = sel.len().div_ceil(2);
        return Ok(Value::Array(vec![Value::Array(sel[..mid].iter().map(entry).collect()), Value::Array(sel[mid..].iter().map(entry).collect())]));
    }
    let Some(e) = sel.first() else { return Ok(Value::Null) };
    let Some(n) = pieces(shape, &items[e.index]).map(Vec::len) else { return Ok(Value::Null) };
    let (start, end) = (e.start.unwrap_or(0), e.end.unwrap_or(n));
    if end - start < 2 {
        return Ok(Value::Null);
    }
    let mid = start + (end - start).div_ceil(2);
    let half = |a: usize, b: usize| serde_json::json!([{ "index": e.caller(), "start": a, "end": b }]);
    Ok(Value::Array(vec![half(start, mid), half(mid, end)]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_700_000_000;
    const SERIES: Shape = Shape { key: "series", pieces: Some(Pieces::Points) };

    fn args(series: Value, select: Value) -> Value {
        json!({ "connection": { "site": crate::site::resolve_site("us1").unwrap(), "apiKey": "k".repeat(32) }, "now": NOW * 1000, "compress": "none", "series": series, "select": select })
    }

    #[test]
    fn subset_cuts_points_and_maps_back() {
        let pts: Vec<Value> = (0..6).map(|i| json!({ "timestamp": NOW - i, "value": i })).collect();
        let series = json!([{ "metric": "a", "points": [{ "timestamp": NOW, "value": 1 }] }, { "metric": "b", "points": pts }]);
        let a = args(series, json!([{ "index": 1, "start": 2, "end": 5 }]));
        let (sub, sel) = subset_args("encodeMetrics", SERIES, &a).unwrap();
        assert_eq!(sub["series"][0]["points"].as_array().unwrap().len(), 3);
        assert!(sub.get("select").is_none());
        let enc = remap(SERIES, super::super::metrics::encode(&sub).unwrap(), &sel);
        assert_eq!(enc.batches[0].items, vec![1]);
        assert_eq!(enc.batches[0].parts, vec![Part { index: 1, start: 2, end: 5 }]);
    }

    #[test]
    fn errors_name_the_callers_item_and_point() {
        let series = json!([{ "metric": "a", "points": [{ "timestamp": NOW, "value": 1 }] }, { "metric": "b", "points": [{ "timestamp": NOW, "value": 1 }, { "timestamp": 1, "value": 2 }] }]);
        let a = args(series, json!([{ "index": 1, "start": 1, "end": 2 }]));
        let (sub, sel) = subset_args("encodeMetrics", SERIES, &a).unwrap();
        let enc = remap(SERIES, super::super::metrics::encode(&sub).unwrap(), &sel);
        assert_eq!(enc.rejected[0].index, 1);
        assert_eq!(enc.rejected[0].error.field.as_deref(), Some("series[1].points[1].timestamp"));
    }

    #[test]
    fn only_the_halfs_items_with_their_origin() {
        // The host sends item 7 of its list alone, as the first of one: answers and paths name item 7.
        let series = json!([{ "metric": "b", "points": [{ "timestamp": NOW, "value": 1 }, { "timestamp": 1, "value": 2 }] }]);
        let a = args(series.clone(), json!([{ "index": 0, "start": 1, "end": 2, "origin": 7 }]));
        let (sub, sel) = subset_args("encodeMetrics", SERIES, &a).unwrap();
        let enc = remap(SERIES, super::super::metrics::encode(&sub).unwrap(), &sel);
        assert_eq!(enc.rejected[0].index, 7);
        assert_eq!(enc.rejected[0].error.field.as_deref(), Some("series[7].points[1].timestamp"));
        let a = args(series, json!([{ "index": 0, "start": 0, "end": 1, "origin": 7 }]));
        let (sub, sel) = subset_args("encodeMetrics", SERIES, &a).unwrap();
        let enc = remap(SERIES, super::super::metrics::encode(&sub).unwrap(), &sel);
        assert_eq!((enc.batches[0].items.clone(), enc.batches[0].parts.clone()), (vec![7], vec![Part { index: 7, start: 0, end: 1 }]));
        let two = json!([{ "metric": "a", "points": [1, 2, 3] }, { "metric": "b", "points": [1] }]);
        let halves = split("encodeMetrics", SERIES, &args(two.clone(), json!([{ "index": 0, "origin": 40 }, { "index": 1, "origin": 41 }]))).unwrap();
        assert_eq!(halves, json!([[{ "index": 40, "start": null, "end": null }], [{ "index": 41, "start": null, "end": null }]]));
        let cut = split("encodeMetrics", SERIES, &args(two, json!([{ "index": 0, "origin": 40 }]))).unwrap();
        assert_eq!(cut, json!([[{ "index": 40, "start": 0, "end": 2 }], [{ "index": 40, "start": 2, "end": 3 }]]));
    }

    #[test]
    fn split_by_items_then_by_pieces() {
        let series = json!([{ "metric": "a", "points": [1, 2, 3, 4, 5] }, { "metric": "b", "points": [1] }]);
        let two = split("encodeMetrics", SERIES, &args(series.clone(), json!([{ "index": 0 }, { "index": 1 }]))).unwrap();
        assert_eq!(two, json!([[{ "index": 0, "start": null, "end": null }], [{ "index": 1, "start": null, "end": null }]]));
        let cut = split("encodeMetrics", SERIES, &args(series.clone(), json!([{ "index": 0 }]))).unwrap();
        assert_eq!(cut, json!([[{ "index": 0, "start": 0, "end": 3 }], [{ "index": 0, "start": 3, "end": 5 }]]));
        assert_eq!(split("encodeMetrics", SERIES, &args(series.clone(), json!([{ "index": 1 }]))).unwrap(), Value::Null);
        assert_eq!(split("encodeMetrics", SERIES, &args(series.clone(), json!([{ "index": 0, "start": 4, "end": 5 }]))).unwrap(), Value::Null);
        assert!(split("encodeMetrics", SERIES, &args(series, json!([{ "index": 7 }]))).is_err());
    }
}
