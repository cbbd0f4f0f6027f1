//! A checked `Series` in the wire form of `/api/v1/series` or `/api/v2/series` (v1: points as pairs and the
//! type by name; v2: points as objects and the type by number), and the split of a series too big for one
//! request into point ranges that each fit.

use super::super::batch::{split_ranges, Packer, Part, Push};
use super::model::{self, Point, Resource, Series};
use crate::error::{Error, ErrorCode, Result};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::Serialize;
use std::ops::Range;

/// One series with a range of its points, in the wire form of one version.
pub struct View<'s, 'a> {
    pub s: &'s Series<'a>,
    pub range: Range<usize>,
    pub v1: bool,
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
            seq.serialize_element(p.value)?;
            seq.end()
        } else {
            let mut m = ser.serialize_map(Some(2))?;
            m.serialize_entry("timestamp", &p.ts)?;
            m.serialize_entry("value", p.value)?;
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
            if let Some(name) = s.kind.and_then(model::v1_name) {
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
            seq.serialize_element(&ResourceView(r))?;
        }
        seq.end()
    }
}

struct ResourceView<'s, 'a>(&'s Resource<'a>);

impl Serialize for ResourceView<'_, '_> {
    fn serialize<S: Serializer>(&self, ser: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = ser.serialize_map(Some(2))?;
        m.serialize_entry("name", self.0.name)?;
        m.serialize_entry("type", self.0.kind)?;
        m.end()
    }
}

/// Writing to a `Vec` cannot fail, and every type here serialises infallibly.
pub fn write<T: Serialize>(buf: &mut Vec<u8>, value: &T) {
    let _ = serde_json::to_writer(buf, value);
}

/// Split an oversized series into consecutive point ranges, each small enough for a request on its own.
pub fn split(packer: &mut Packer, s: &Series, i: usize, v1: bool, size: usize) -> Result<()> {
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
