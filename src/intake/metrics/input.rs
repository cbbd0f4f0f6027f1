//! The checking reader's input: `encodeMetrics` argument text read without a `Value` per point. Large submissions are mostly points, and a map (two key strings, a tree)
//! for each one was most of the encoding time. Points of the usual shape, `{timestamp, value}` or
//! `[timestamp, value]` with two numbers, become two numbers; anything else is kept as a `Value`, so the checks
//! in `parse` (and their messages) still apply to it.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

pub enum PointIn {
    Pair(Number, Number),
    Other(Value),
}

pub enum PointsIn {
    List(Vec<PointIn>),
    /// Not an array: an error for the series; its content does not matter.
    NotAList,
}

pub enum SeriesIn {
    /// Everything but the points, as `Value`s; the points typed (absent when the series has none).
    Object { rest: Map<String, Value>, points: Option<PointsIn> },
    /// Not an object: an error for the series. (Still read in full: a number beyond f64's range fails the read.)
    NotAnObject,
}

pub enum SeriesList {
    List(Vec<SeriesIn>),
    NotAList,
}

/// The arguments: `series` read as above, every other argument as a `Value` object.
pub struct ArgsIn {
    pub rest: Value,
    pub series: Option<SeriesList>,
}

/// Visitors for scalars and strings that keep them as a `Value` (a point of unusual shape).
macro_rules! other_scalars {
    ($wrap:expr) => {
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(($wrap)(Value::Bool(v)))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(($wrap)(Value::from(v)))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(($wrap)(Value::from(v)))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(($wrap)(Number::from_f64(v).map_or(Value::Null, Value::Number)))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(($wrap)(Value::String(v.to_string())))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(($wrap)(Value::Null))
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(($wrap)(Value::Null))
        }
    };
}

/// Visitors for scalars and strings where any of them means the same wrong shape (`$it`): nothing is built.
macro_rules! scalars_are {
    ($it:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($it)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($it)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($it)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($it)
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok($it)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($it)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($it)
        }
    };
}

/// A point's key, matched without allocating for the two expected ones.
enum PointKey {
    Timestamp,
    Value,
    Other(String),
}

impl PointKey {
    fn name(self) -> String {
        match self {
            PointKey::Timestamp => "timestamp".into(),
            PointKey::Value => "value".into(),
            PointKey::Other(s) => s,
        }
    }
}

impl<'de> Deserialize<'de> for PointKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PointKey;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<PointKey, E> {
                Ok(match v {
                    "timestamp" => PointKey::Timestamp,
                    "value" => PointKey::Value,
                    other => PointKey::Other(other.to_string()),
                })
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de> Deserialize<'de> for PointIn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PointIn;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a metric point")
            }
            other_scalars!(PointIn::Other);
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PointIn, A::Error> {
                // No map and no key strings in the usual case: the two keys are matched, not stored.
                let (mut ts, mut value) = (None, None);
                let mut extra: Vec<(String, Value)> = Vec::new();
                while let Some(key) = map.next_key::<PointKey>()? {
                    let v: Value = map.next_value()?;
                    match key {
                        PointKey::Timestamp if ts.is_none() => ts = Some(v),
                        PointKey::Value if value.is_none() => value = Some(v),
                        other => extra.push((other.name(), v)),
                    }
                }
                let (ts, value) = match (ts, value) {
                    (Some(Value::Number(t)), Some(Value::Number(v))) if extra.is_empty() => return Ok(PointIn::Pair(t, v)),
                    other => other,
                };
                // Anything else becomes the object JSON.parse would give (a repeated key keeps its last value).
                let mut all = Map::new();
                if let Some(t) = ts {
                    all.insert("timestamp".into(), t);
                }
                if let Some(v) = value {
                    all.insert("value".into(), v);
                }
                all.extend(extra);
                Ok(PointIn::Other(Value::Object(all)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<PointIn, A::Error> {
                let mut items = Vec::with_capacity(2);
                while let Some(v) = seq.next_element::<Value>()? {
                    items.push(v);
                }
                if let [Value::Number(ts), Value::Number(v)] = items.as_slice() {
                    return Ok(PointIn::Pair(ts.clone(), v.clone()));
                }
                Ok(PointIn::Other(Value::Array(items)))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for PointsIn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PointsIn;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("metric points")
            }
            scalars_are!(PointsIn::NotAList);
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<PointsIn, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(p) = seq.next_element::<PointIn>()? {
                    items.push(p);
                }
                Ok(PointsIn::List(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PointsIn, A::Error> {
                while map.next_entry::<de::IgnoredAny, de::IgnoredAny>()?.is_some() {}
                Ok(PointsIn::NotAList)
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for SeriesIn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SeriesIn;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a metric series")
            }
            scalars_are!(SeriesIn::NotAnObject);
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SeriesIn, A::Error> {
                let mut rest = Map::new();
                let mut points = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key == "points" {
                        // A repeated key keeps the last value, as JSON.parse and serde_json's Value do.
                        points = Some(map.next_value::<PointsIn>()?);
                    } else {
                        let value: Value = map.next_value()?;
                        rest.insert(key, value);
                    }
                }
                Ok(SeriesIn::Object { rest, points })
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<SeriesIn, A::Error> {
                Value::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(|_| SeriesIn::NotAnObject)
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for SeriesList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SeriesList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of metric series")
            }
            scalars_are!(SeriesList::NotAList);
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<SeriesList, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(s) = seq.next_element::<SeriesIn>()? {
                    items.push(s);
                }
                Ok(SeriesList::List(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SeriesList, A::Error> {
                while map.next_entry::<de::IgnoredAny, de::IgnoredAny>()?.is_some() {}
                Ok(SeriesList::NotAList)
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for ArgsIn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ArgsIn;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of arguments")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ArgsIn, A::Error> {
                let mut rest = Map::new();
                let mut series = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key == "series" {
                        series = Some(map.next_value::<SeriesList>()?);
                    } else {
                        let value: Value = map.next_value()?;
                        rest.insert(key, value);
                    }
                }
                Ok(ArgsIn { rest: Value::Object(rest), series })
            }
        }
        d.deserialize_map(V)
    }
}
