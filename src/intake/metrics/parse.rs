//! The checking reader: a series read by `input` becomes a `Series`, or the `invalid_payload` error that names
//! the first wrong field (`series[3].points[0].timestamp`). Every series that is not copied verbatim, and every
//! invalid one, comes through here, so these are the error messages users see. A series already parsed into a
//! `Value` by the caller is checked here in place, by the same functions.

use super::super::invalid;
use super::super::validate::{self as v, Index, Key};
use super::input::{PointIn, PointsIn, SeriesIn};
use super::model::{self, Point, Resource, Series, POINT_KEYS, RESOURCE_KEYS, V1_KEYS, V2_KEYS};
use crate::error::{Error, Result};
use serde_json::{Map, Number, Value};
use std::fmt::Display;

/// A series' points as its reader holds them: typed by `input`, or in a `Value` the caller passed.
#[derive(Clone, Copy)]
enum Points<'a> {
    Typed(&'a PointsIn),
    Value(&'a Value),
}

/// A series read from text by `input`.
pub fn series(sin: &SeriesIn, i: usize, v1: bool, now_ms: i64) -> Result<Series<'_>> {
    let field = Index("series", i);
    match sin {
        SeriesIn::Object { rest, points } => fields(rest, points.as_ref().map(Points::Typed), &field, v1, now_ms),
        SeriesIn::NotAnObject => Err(v::not_object(&field, "a metric series")),
    }
}

/// A series the caller passed as a `Value` (a re-encode after a 413, a Rust caller), checked in place: every
/// point by `point_value`, the checks an unusual point gets on the text path.
pub fn series_value(val: &Value, i: usize, v1: bool, now_ms: i64) -> Result<Series<'_>> {
    let field = Index("series", i);
    let o = v::object(val, &field, "a metric series")?;
    fields(o, o.get("points").map(Points::Value), &field, v1, now_ms)
}

/// `o`: the series' fields (the points among them or not); `points`: its points, typed.
fn fields<'a>(o: &'a Map<String, Value>, points: Option<Points<'a>>, field: &Index<str>, v1: bool, now_ms: i64) -> Result<Series<'a>> {
    if let Err(e) = v::only_keys(o, field, if v1 { V1_KEYS } else { V2_KEYS }) {
        if v1 && o.keys().all(|k| V2_KEYS.contains(&k.as_str())) {
            return Err(Error { hint: "resources, unit, source_type_name and metadata exist only in v2; use version 2.".into(), ..e });
        }
        return Err(e);
    }
    let metric = v::req_str(o, field, "metric")?;
    model::metric_name(metric, &Key(field, "metric"))?;
    let points_field = Key(field, "points");
    let points = match points {
        Some(Points::Typed(PointsIn::List(a))) if !a.is_empty() => {
            a.iter().enumerate().map(|(j, p)| point(p, &Index(&points_field, j), now_ms)).collect::<Result<_>>()?
        }
        Some(Points::Value(Value::Array(a))) if !a.is_empty() => {
            let mut out = Vec::with_capacity(a.len());
            for (j, p) in a.iter().enumerate() {
                out.push(point_value(p, &Index(&points_field, j), now_ms)?);
            }
            out
        }
        Some(_) => return Err(not_a_list(&points_field)),
        // The same error as a missing required field.
        None => {
            v::required(o, field, "points")?;
            return Err(not_a_list(&points_field));
        }
    };
    let kind = match o.get("type") {
        None | Some(Value::Null) => None,
        Some(t) => Some(kind(t, &format!("{field}.type"))?),
    };
    let interval = v::opt_int(o, field, "interval")?;
    if interval.is_some_and(|n| !model::interval_ok(n)) {
        return Err(invalid(format!("{field}.interval"), format!("{field}.interval must not be negative"), "The interval is in seconds."));
    }
    let tags = v::opt_strings(o, field, "tags")?;
    let host = v::opt_str(o, field, "host")?;
    let mut resources = Vec::new();
    if let Some(rs) = o.get("resources").filter(|r| !r.is_null()) {
        let rf = format!("{field}.resources");
        let arr = rs
            .as_array()
            .ok_or_else(|| invalid(&rf, format!("{rf} must be an array of {{name, type}}"), "For a host: [{name: \"web-1\", type: \"host\"}]."))?;
        for (j, r) in arr.iter().enumerate() {
            let f = format!("{rf}[{j}]");
            let ro = v::object(r, &f, "{name, type}")?;
            v::only_keys(ro, &f, RESOURCE_KEYS)?;
            resources.push(Resource { name: v::req_str(ro, &f, "name")?, kind: v::req_str(ro, &f, "type")? });
        }
    }
    let metadata = o.get("metadata").filter(|m| !m.is_null());
    if let Some(m) = metadata {
        v::object(m, &format!("{field}.metadata"), "{origin: {...}}")?;
    }
    let mut s = Series {
        metric,
        points,
        kind,
        interval,
        tags,
        resources,
        unit: v::opt_str(o, field, "unit")?,
        source_type_name: v::opt_str(o, field, "source_type_name")?,
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

fn kind(val: &Value, field: &str) -> Result<u8> {
    let k = match val {
        Value::String(s) => model::kind_named(s),
        other => v::as_int(other).and_then(model::kind),
    };
    k.ok_or_else(|| invalid(field, format!("{field} must be 0–3 or \"unspecified\", \"count\", \"rate\", \"gauge\""), "Use 1 (count), 2 (rate) or 3 (gauge)."))
}

fn not_a_list(points_field: &dyn Display) -> Error {
    invalid(points_field, format!("{points_field} must be a non-empty array"), "Give at least one point.")
}

/// `field` is only formatted when there is an error: this runs once per point.
fn point<'a>(p: &'a PointIn, field: &dyn Display, now_ms: i64) -> Result<Point<'a>> {
    match p {
        // Two JSON numbers: the timestamp checked, the value needs none (a JSON number is finite).
        PointIn::Pair(ts, value) => {
            let ts = model::point_time(&Value::Number(ts.clone()), field, now_ms)?;
            Ok(Point { ts, value })
        }
        PointIn::Other(val) => point_value(val, field, now_ms),
    }
}

/// A point as a `Value`: one of unusual shape on the text path (what is wrong with it, or the point when a key
/// was repeated), any point of a `Value` series.
fn point_value<'a>(p: &'a Value, field: &dyn Display, now_ms: i64) -> Result<Point<'a>> {
    let (ts, value) = match p {
        Value::Object(o) => {
            v::only_keys(o, field, POINT_KEYS)?;
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
    let ts = model::point_time(ts, field, now_ms)?;
    // JSON cannot hold NaN or Infinity (JSON.stringify turns them into null), so any JSON number is finite.
    let value: &Number = match value {
        Value::Number(n) => n,
        _ => {
            return Err(invalid(
                format!("{field}.value"),
                format!("{field}.value must be a finite number"),
                "NaN and Infinity cannot be sent; skip such points.",
            ))
        }
    };
    Ok(Point { ts, value })
}
