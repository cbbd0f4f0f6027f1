//! A small JSON reader and writer for the authorization operations, the part of the API a browser loads.
//! serde_json with derived (de)serializers cost ~40 KB gzipped of wasm there (generic visitors, float
//! formatting for error messages); these operations take a few flat objects of strings and integers, so a
//! hand-written reader that keeps numbers as text, bounded in depth and size, does the job in a few KB.
//! The types' field lists are in `codec`; the token-lifecycle and intake operations (Node side) still use
//! serde_json, and reach those types through `codec`'s serde bridges (`Json` is the tree they read through).

use crate::error::{Error, ErrorCode, Result};
use std::fmt::Write as _;

#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    /// The number's JSON text, unparsed: the authorization operations need only integers.
    Num(String),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

const MAX_DEPTH: usize = 64;

struct Reader<'a> {
    b: &'a [u8],
    i: usize,
}

fn syntax(what: &str, at: usize) -> Error {
    Error::new(ErrorCode::InvalidInput, format!("arguments are not valid JSON: {what} at byte {at}"), "Pass plain objects (they are sent to the core as JSON).")
}

impl<'a> Reader<'a> {
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }
    fn eat(&mut self, lit: &str) -> Result<()> {
        if self.b[self.i..].starts_with(lit.as_bytes()) {
            self.i += lit.len();
            Ok(())
        } else {
            Err(syntax("unexpected text", self.i))
        }
    }
    fn value(&mut self, depth: usize) -> Result<Json> {
        if depth > MAX_DEPTH {
            return Err(syntax("nesting too deep", self.i));
        }
        self.ws();
        match self.b.get(self.i) {
            None => Err(syntax("unexpected end", self.i)),
            Some(b'n') => self.eat("null").map(|_| Json::Null),
            Some(b't') => self.eat("true").map(|_| Json::Bool(true)),
            Some(b'f') => self.eat("false").map(|_| Json::Bool(false)),
            Some(b'"') => self.string().map(Json::Str),
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.b.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Ok(Json::Arr(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Json::Arr(items));
                        }
                        _ => return Err(syntax("expected , or ]", self.i)),
                    }
                }
            }
            Some(b'{') => {
                self.i += 1;
                let mut fields = Vec::new();
                self.ws();
                if self.b.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Ok(Json::Obj(fields));
                }
                loop {
                    self.ws();
                    if self.b.get(self.i) != Some(&b'"') {
                        return Err(syntax("expected a key", self.i));
                    }
                    let key = self.string()?;
                    self.ws();
                    if self.b.get(self.i) != Some(&b':') {
                        return Err(syntax("expected :", self.i));
                    }
                    self.i += 1;
                    let v = self.value(depth + 1)?;
                    fields.push((key, v));
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(Json::Obj(fields));
                        }
                        _ => return Err(syntax("expected , or }", self.i)),
                    }
                }
            }
            Some(c) if *c == b'-' || c.is_ascii_digit() => {
                let start = self.i;
                self.i += 1;
                while self.i < self.b.len() && matches!(self.b[self.i], b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-') {
                    self.i += 1;
                }
                // ASCII only (the bytes matched above): never lossy.
                Ok(Json::Num(String::from_utf8(self.b[start..self.i].to_vec()).unwrap_or_default()))
            }
            Some(_) => Err(syntax("unexpected character", self.i)),
        }
    }
    fn hex4(&mut self) -> Result<u32> {
        let h = self.b.get(self.i..self.i + 4).ok_or_else(|| syntax("short \\u escape", self.i))?;
        // Four hex digits as `u32::from_str_radix` read them (so `+ab1` too), through `uri::uint`; fits a u32.
        let v = std::str::from_utf8(h).ok().and_then(|s| crate::uri::uint(s, 16)).ok_or_else(|| syntax("bad \\u escape", self.i))? as u32;
        self.i += 4;
        Ok(v)
    }
    fn string(&mut self) -> Result<String> {
        self.i += 1; // opening quote
        let mut out = String::new();
        loop {
            let start = self.i;
            while self.i < self.b.len() && self.b[self.i] != b'"' && self.b[self.i] != b'\\' && self.b[self.i] >= 0x20 {
                self.i += 1;
            }
            out.push_str(std::str::from_utf8(&self.b[start..self.i]).map_err(|_| syntax("invalid UTF-8", start))?);
            match self.b.get(self.i) {
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let c = *self.b.get(self.i).ok_or_else(|| syntax("unexpected end", self.i))?;
                    self.i += 1;
                    match c {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi) {
                                self.eat("\\u")?;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(syntax("unpaired surrogate", self.i));
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            out.push(char::from_u32(code).ok_or_else(|| syntax("unpaired surrogate", self.i))?);
                        }
                        _ => return Err(syntax("bad escape", self.i)),
                    }
                }
                _ => return Err(syntax("unterminated string", self.i)),
            }
        }
    }
}

pub fn parse(text: &str) -> Result<Json> {
    let mut r = Reader { b: text.as_bytes(), i: 0 };
    let v = r.value(0)?;
    r.ws();
    if r.i != r.b.len() {
        return Err(syntax("trailing characters", r.i));
    }
    Ok(v)
}

pub fn write_str(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    // Copy runs that need no escape in one go; every escaped character is ASCII, so runs end on char boundaries.
    let mut run = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(crate::uri::sub(s, run..i));
        if esc.is_empty() {
            // `\u00XX` by hand: `{:04x}` is u8 LowerHex and padding code only this line needed.
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        } else {
            out.push_str(esc);
        }
        run = i + 1;
    }
    out.push_str(crate::uri::sub(s, run..));
    out.push('"');
}

/// Writes one JSON object; `None` values are left out, as serde's `skip_serializing_if` does.
pub struct ObjWriter<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> ObjWriter<'a> {
    pub fn new(out: &'a mut String) -> Self {
        out.push('{');
        ObjWriter { out, first: true }
    }
    fn key(&mut self, k: &str) -> &mut String {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        write_str(self.out, k);
        self.out.push(':');
        self.out
    }
    pub fn str(&mut self, k: &str, v: &str) -> &mut Self {
        let o = self.key(k);
        write_str(o, v);
        self
    }
    pub fn opt_str(&mut self, k: &str, v: Option<&str>) -> &mut Self {
        if let Some(v) = v {
            self.str(k, v);
        }
        self
    }
    /// Like `opt_str`, but writes `null` for `None` (fields the API documents as nullable).
    pub fn str_or_null(&mut self, k: &str, v: Option<&str>) -> &mut Self {
        match v {
            Some(v) => self.str(k, v),
            None => self.raw(k, "null"),
        }
    }
    pub fn num(&mut self, k: &str, v: u64) -> &mut Self {
        let o = self.key(k);
        let _ = write!(o, "{v}");
        self
    }
    pub fn bool(&mut self, k: &str, v: bool) -> &mut Self {
        self.raw(k, if v { "true" } else { "false" })
    }
    pub fn raw(&mut self, k: &str, json: &str) -> &mut Self {
        self.key(k).push_str(json);
        self
    }
    pub fn with(&mut self, k: &str, f: impl FnOnce(&mut String)) -> &mut Self {
        f(self.key(k));
        self
    }
    pub fn end(&mut self) {
        self.out.push('}');
    }
}

/// Types the authorization operations read from and write to JSON.
pub trait ToJson {
    fn write_json(&self, out: &mut String);
    fn to_json(&self) -> String {
        let mut s = String::new();
        self.write_json(&mut s);
        s
    }
}

impl ToJson for String {
    fn write_json(&self, out: &mut String) {
        write_str(out, self);
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn write_json(&self, out: &mut String) {
        out.push('[');
        for (i, v) in self.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            v.write_json(out);
        }
        out.push(']');
    }
}

impl<T: ToJson> ToJson for Option<T> {
    fn write_json(&self, out: &mut String) {
        match self {
            Some(v) => v.write_json(out),
            None => out.push_str("null"),
        }
    }
}

/// Types read from an argument object, through the field list in `codec`.
pub trait FromJson: Sized {
    fn read_json(f: &Fields) -> Result<Self>;
}

impl Json {
    /// What a serde error calls this value: how the `codec` bridge worded a descriptor that is not an object, before
    /// it read descriptors without the tree (its test compares against this).
    #[cfg(test)]
    pub(crate) fn unexpected(&self) -> serde::de::Unexpected<'_> {
        use serde::de::Unexpected;
        match self {
            Json::Null => Unexpected::Unit,
            Json::Bool(b) => Unexpected::Bool(*b),
            Json::Num(n) => match (n.parse::<u64>(), n.parse::<i64>()) {
                (Ok(u), _) => Unexpected::Unsigned(u),
                (_, Ok(i)) => Unexpected::Signed(i),
                _ => Unexpected::Float(n.parse().unwrap_or(f64::NAN)),
            },
            Json::Str(s) => Unexpected::Str(s),
            Json::Arr(_) => Unexpected::Seq,
            Json::Obj(_) => Unexpected::Map,
        }
    }
}

// The serde bridge of the tree: serde-based code (connections, the Node operations) hands the authorization types
// to their one codec through a `Json` value (see `codec`, which also writes them to serde without a tree).
impl<'de> serde::Deserialize<'de> for Json {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Json, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Json;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_bool<E>(self, v: bool) -> std::result::Result<Json, E> {
                Ok(Json::Bool(v))
            }
            fn visit_u64<E>(self, v: u64) -> std::result::Result<Json, E> {
                Ok(Json::Num(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> std::result::Result<Json, E> {
                Ok(Json::Num(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> std::result::Result<Json, E> {
                Ok(Json::Num(v.to_string()))
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<Json, E> {
                Ok(Json::Str(v.to_string()))
            }
            fn visit_string<E>(self, v: String) -> std::result::Result<Json, E> {
                Ok(Json::Str(v))
            }
            fn visit_unit<E>(self) -> std::result::Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_none<E>(self) -> std::result::Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<Json, D::Error> {
                <Json as serde::Deserialize>::deserialize(d)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> std::result::Result<Json, A::Error> {
                let mut items = Vec::new();
                while let Some(v) = a.next_element()? {
                    items.push(v);
                }
                Ok(Json::Arr(items))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> std::result::Result<Json, A::Error> {
                let mut fields = Vec::new();
                while let Some(kv) = a.next_entry()? {
                    fields.push(kv);
                }
                Ok(Json::Obj(fields))
            }
        }
        d.deserialize_any(V)
    }
}

/// Field access on an argument object, with errors that name the field (never its value: it may be a secret).
pub struct Fields<'a> {
    pub op: &'a str,
    pub path: String,
    obj: &'a [(String, Json)],
    /// The first error of a whole-object read (`keep`, `done`): the codec reads every field and reports the first
    /// failure, in field order, instead of returning at each one (a field-by-field `?` costs the browser core a
    /// drop of the fields read so far at every field, ~1 KB of wasm over the authorization types).
    /// A `Cell`, not a `RefCell`: nothing here can be borrowed twice, and RefCell's borrow panic is wasm to ship.
    failed: std::cell::Cell<Option<Error>>,
}

fn wrong(op: &str, path: &str, key: &str, want: &str) -> Error {
    let field = if path.is_empty() { key.to_string() } else { format!("{path}.{key}") };
    Error::new(ErrorCode::InvalidInput, format!("{op}: `{field}` must be {want}"), format!("Check the arguments of {op}() against the API reference."))
        .with_field(field)
}

impl<'a> Fields<'a> {
    pub fn of(op: &'a str, path: &str, v: &'a Json) -> Result<Fields<'a>> {
        match v {
            Json::Obj(o) => Ok(Fields { op, path: path.to_string(), obj: o, failed: Default::default() }),
            _ => Err(Error::new(
                ErrorCode::InvalidInput,
                format!("{op}: {} must be an object", if path.is_empty() { "the argument" } else { path }),
                format!("Check the arguments of {op}() against the API reference."),
            )),
        }
    }
    /// The value of a key; JSON `null` counts as absent (JS callers pass `undefined` and `null` alike).
    pub fn get(&self, key: &str) -> Option<&'a Json> {
        self.obj.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v).filter(|v| **v != Json::Null)
    }
    /// A field's value, or its default after recording the error (only the first is kept; see `done`).
    pub fn keep<T: Default>(&self, r: Result<T>) -> T {
        r.unwrap_or_else(|e| {
            self.fail(e);
            T::default()
        })
    }
    #[inline(never)]
    fn fail(&self, e: Error) {
        let first = self.failed.take();
        self.failed.set(first.or(Some(e)));
    }
    /// The object read with `keep`, or the first error recorded while reading it.
    pub fn done<T>(&self, v: T) -> Result<T> {
        match self.failed.take() {
            None => Ok(v),
            Some(e) => Err(e),
        }
    }
    pub fn err(&self, key: &str, want: &str) -> Error {
        wrong(self.op, &self.path, key, want)
    }
    pub fn opt_str(&self, key: &str) -> Result<Option<&'a str>> {
        match self.get(key) {
            None => Ok(None),
            Some(Json::Str(s)) => Ok(Some(s)),
            Some(_) => Err(self.err(key, "a string")),
        }
    }
    pub fn str(&self, key: &str) -> Result<&'a str> {
        self.opt_str(key)?.ok_or_else(|| self.err(key, "a string"))
    }
    pub fn opt_u64(&self, key: &str) -> Result<Option<u64>> {
        match self.get(key) {
            None => Ok(None),
            Some(Json::Num(n)) => crate::uri::uint(n, 10).map(Some).ok_or_else(|| self.err(key, "a non-negative integer")),
            Some(_) => Err(self.err(key, "a non-negative integer")),
        }
    }
    pub fn u64(&self, key: &str) -> Result<u64> {
        self.opt_u64(key)?.ok_or_else(|| self.err(key, "a non-negative integer"))
    }
    pub fn opt_bool(&self, key: &str) -> Result<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some(Json::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.err(key, "true or false")),
        }
    }
    pub fn opt_str_list(&self, key: &str) -> Result<Option<Vec<&'a str>>> {
        match self.get(key) {
            None => Ok(None),
            Some(Json::Arr(items)) => items
                .iter()
                .map(|v| if let Json::Str(s) = v { Ok(s.as_str()) } else { Err(self.err(key, "an array of strings")) })
                .collect::<Result<Vec<_>>>()
                .map(Some),
            Some(_) => Err(self.err(key, "an array of strings")),
        }
    }
    pub fn opt_list(&self, key: &str) -> Result<&'a [Json]> {
        match self.get(key) {
            None => Ok(&[]),
            Some(Json::Arr(items)) => Ok(items),
            Some(_) => Err(self.err(key, "an array")),
        }
    }
    pub fn obj(&self, key: &str) -> Result<Option<Fields<'a>>> {
        match self.get(key) {
            None => Ok(None),
            Some(v @ Json::Obj(_)) => {
                let path = if self.path.is_empty() { key.to_string() } else { format!("{}.{key}", self.path) };
                Fields::of(self.op, &path, v).map(Some)
            }
            Some(_) => Err(self.err(key, "an object")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn round_trips_strings_and_structure() {
        let text = r#"{"a":[1,-2.5e3,true,false,null],"s":"q\"\\\n\u00e9\ud83d\ude00","o":{}}"#;
        let v = parse(text).unwrap();
        let Json::Obj(f) = &v else { panic!() };
        assert_eq!(f[1].1, Json::Str("q\"\\\n\u{e9}\u{1F600}".into()));
        let mut out = String::new();
        write_str(&mut out, "q\"\\\n\u{e9}\u{1}");
        assert_eq!(out, "\"q\\\"\\\\\\n\u{e9}\\u0001\"");
        // Every other control byte as `\u00XX` in lower-case hex, as `{:04x}` wrote it.
        for b in (0u8..0x20).filter(|b| !matches!(b, b'\n' | b'\r' | b'\t')) {
            let mut out = String::new();
            write_str(&mut out, &char::from(b).to_string());
            assert_eq!(out, format!("\"\\u{:04x}\"", b));
        }
    }
    #[test]
    fn refuses_bad_json_and_deep_nesting() {
        for bad in ["", "{", "{\"a\":}", "[1,]", "\"\\ud800\"", "{\"a\":1}x", "'a'", "\"a\u{1}\""] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert_eq!(parse(&deep).unwrap_err().code, ErrorCode::InvalidInput);
    }
}
