//! Arguments and results of the serde-read operations (token lifecycle, intake): an operation's arguments decoded
//! straight from their JSON text (`Args`), or from a `Value` when the text path declines, with a typed
//! `invalid_input` naming the operation; a result written straight to the answer's text (`reply`). Below both
//! `lifecycle` and `intake` (and the `ops` table above them), so none of them imports another's plumbing.

use crate::error::{Error, ErrorCode, Result};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::cell::Cell;

/// Arguments that are not what `op` takes (or not JSON at all).
pub(crate) fn bad_args(op: &str, e: serde_json::Error) -> Error {
    // serde's message names the field and the expected type; it may quote a wrong value, which is the
    // caller's own argument, never a server response.
    Error::new(ErrorCode::InvalidInput, format!("{op}: {e}"), format!("Check the arguments of {op}() against the API reference."))
}

/// An operation's result as a `Value`.
#[cfg(feature = "client")]
pub(crate) fn out<T: serde::Serialize>(v: T) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| Error::new(ErrorCode::InvalidInput, format!("could not encode the result: {e}"), "This is a bug; please report it."))
}

/// An operation's arguments: read straight from the JSON text, or from the `Value` parsed of it.
///
/// Issue 16: text → `Value` → typed struct was most of a client call (refreshRequest 34 µs, parseConnection 42 µs in
/// the wasm core, of a 4 µs floor). The text path reads the structs straight from the caller's text; whatever it
/// cannot read (`declined`) goes the `Value` way, which words every error exactly as before: serde reports a bad
/// field in key order from a `Value` (a BTreeMap) but in text order from text, tells syntax from type errors apart
/// only after the whole text parsed, keeps the last of two equal keys, and appends " at line L column C" on the text
/// path. The `Value` path reads the `Value`'s own text (keys sorted, one of each, as `from_value` sees them) with
/// that suffix taken off: serde's messages are otherwise the same from text and from a `Value`, and one decoder per
/// struct costs less wasm than two (measured, gzip -9 of the full core: main 219.5 KB; text and `from_value`
/// decoders 245.1 KB; the text decoder alone 231.2 KB). So the text path never words an argument error itself, and
/// both return the same answer for every text (tests/client_args.rs pins 54, every vector passes unchanged).
///
/// The price is on the error path: a failure after a text-path decode parses the text into a `Value` for
/// `scrub_args`, so an error answer costs a little more than before (natively parseRefreshResponse's invalid_grant
/// ~20-26 -> ~28-30 µs, parseIntakeResponse's 413 ~6 -> ~7 µs) while a success costs about half.
pub(crate) struct Args<'a> {
    /// The caller's text, or on the `Value` path the `Value`'s.
    text: &'a str,
    value: Option<&'a Value>,
    declined: Cell<bool>,
}

/// `bad_args` for an error of the text decoder on a `Value`'s text, worded as `from_value` words it: the same
/// message without " at line L column C".
pub(crate) fn bad_value(op: &str, e: serde_json::Error) -> Error {
    let mut message = e.to_string();
    if e.line() != 0 {
        let at = format!(" at line {} column {}", e.line(), e.column());
        if message.ends_with(&at) {
            message.truncate(message.len() - at.len());
        }
    }
    Error::new(ErrorCode::InvalidInput, format!("{op}: {message}"), format!("Check the arguments of {op}() against the API reference."))
}

/// Decode an operation's arguments (or a part of them, named by `op`) from a `Value`: by the text decoder on the
/// `Value`'s text, worded as `from_value` words its errors (`bad_value`; `tests::input_reads_as_from_value` holds it
/// to that over ~800 mutations). Issue 16: serde's `Value` deserializer (`&Value` and `&Map` as a `Deserializer`,
/// with a copy of its visitors per type read) was ~21 KB of the full core before wasm-opt, for a few argument types
/// off the hot path and the untagged `Received` (now read by hand); dropping it took the full core from 212,803 to
/// 211,291 bytes gzipped (retryDecision's `replay` still reads through it, for its wording). Large parts
/// (`nextPage`'s page body) stay out of the text (`lifecycle::next_page`).
pub(crate) fn input<T: DeserializeOwned>(op: &str, v: &Value) -> Result<T> {
    serde_json::from_str(&v.to_string()).map_err(|e| bad_value(op, e))
}

impl<'a> Args<'a> {
    /// The text path, for a text `plain` accepts.
    pub fn text(text: &'a str) -> Args<'a> {
        Args { text, value: None, declined: Cell::new(false) }
    }

    /// The `Value` path: `v` and its text (`v.to_string()`); every read words its errors as they always were.
    pub fn value(v: &'a Value, text: &'a str) -> Args<'a> {
        Args { text, value: Some(v), declined: Cell::new(false) }
    }

    /// Whether the text path gave up on these arguments (the caller then takes the `Value` path).
    pub fn declined(&self) -> bool {
        self.declined.get()
    }

    /// The error that ends the text path; never shown to anyone (`declined`).
    fn decline(&self) -> Error {
        self.declined.set(true);
        Error::new(ErrorCode::InvalidInput, "", "")
    }

    /// The arguments as `T`.
    pub fn read<T: DeserializeOwned>(&self, op: &str) -> Result<T> {
        serde_json::from_str(self.text).map_err(|e| if self.value.is_some() { bad_value(op, e) } else { self.decline() })
    }

    /// The arguments as a `Value`: operations that are not worth a text path of their own (not on a hot path) take
    /// the `Value` path whole.
    pub fn as_value(&self) -> Result<&'a Value> {
        self.value.ok_or_else(|| self.decline())
    }

    /// The `Value`, on the `Value` path.
    #[cfg(feature = "intake")]
    pub fn parsed(&self) -> Option<&'a Value> {
        self.value
    }

    /// The arguments as `T`, and the caller's custom sites (`sites`, checked by `site::allowlist`), read first as
    /// the `Value` path always did; `sites` finds them in `T`. On the text path both reads succeeded before the
    /// allowlist is checked, so the first error is the same one.
    #[cfg(feature = "client")]
    pub fn sited<T: DeserializeOwned>(&self, op: &str, sites: fn(&T) -> Option<&[crate::site::Site]>) -> Result<(Vec<crate::site::Site>, T)> {
        if let Some(v) = self.value {
            value_sites(v)?;
        }
        let a: T = self.read(op)?;
        let allowed = crate::site::allowlist(sites(&a).unwrap_or_default())?;
        Ok((allowed, a))
    }
}

/// The `Value` path's first read of an operation about a stored connection: its `sites`, checked. Out of line: one
/// copy for every argument type of `Args::sited`.
#[cfg(feature = "client")]
#[inline(never)]
fn value_sites(v: &Value) -> Result<()> {
    match v.get("sites") {
        None | Some(Value::Null) => Ok(()),
        Some(s) => crate::site::allowlist(&input::<Vec<crate::site::Site>>("sites", s)?).map(drop),
    }
}

/// Whether the text path reads `json` exactly as the `Value` path would, or may only accept more. A `Value` parse
/// refuses what serde skips unread in an unknown field (numbers out of range, lone surrogates, nesting past 128) and
/// a derived struct also reads a JSON array; so an object only, no `\uD800`–`\uDFFF` escape, no exponent or
/// 300-digit run, nested at most 100 deep. JSON.stringify's arguments always pass; the rest just go the `Value` way.
pub(crate) fn plain(json: &str) -> bool {
    let b = json.as_bytes();
    let mut i = 0;
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    if b.get(i) != Some(&b'{') {
        return false;
    }
    let (mut depth, mut digits) = (0u32, 0u32);
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                        if b.get(i) == Some(&b'u') && matches!(b.get(i + 1), Some(b'd' | b'D')) {
                            return false;
                        }
                    }
                    i += 1;
                }
            }
            b'{' | b'[' => {
                depth += 1;
                if depth > 100 {
                    return false;
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            // An exponent follows a digit (`true` and `false` have an `e` too).
            b'e' | b'E' if i > 0 && b[i - 1].is_ascii_digit() => return false,
            _ => {}
        }
        digits = if b.get(i).is_some_and(u8::is_ascii_digit) { digits + 1 } else { 0 };
        if digits > 300 {
            return false;
        }
        i += 1;
    }
    true
}

/// `{"ok": v}` as text, `v` written straight by serde (no `Value` in between). The `Value` path wrote its keys
/// sorted (serde_json's map is a BTreeMap); the result types declare their fields in key order so that the text
/// stays byte for byte the same, which debug builds (every Rust test) check on each answer.
pub(crate) fn reply<T: serde::Serialize>(v: &T) -> Result<String> {
    let mut buf = Vec::with_capacity(1024);
    buf.extend_from_slice(b"{\"ok\":");
    let written = serde_json::to_writer(&mut buf, v);
    finish(written.map(|()| buf))
}

/// `reply`'s end, out of line: one copy for every result type.
#[inline(never)]
fn finish(written: serde_json::Result<Vec<u8>>) -> Result<String> {
    let bug = |e: &dyn std::fmt::Display| Error::new(ErrorCode::InvalidInput, format!("could not encode the result: {e}"), "This is a bug; please report it.");
    let mut buf = written.map_err(|e| bug(&e))?;
    buf.push(b'}');
    // serde_json writes UTF-8 only; the check is a pass over a few hundred bytes.
    let text = String::from_utf8(buf).map_err(|e| bug(&e))?;
    // (An answer nested past serde_json's recursion limit, such as an API body echoed back, cannot be checked.)
    #[cfg(debug_assertions)]
    if let Ok(v) = serde_json::from_str::<Value>(&text) {
        debug_assert_eq!(v.to_string(), text, "an answer's keys must be sorted, as the Value path wrote them");
    }
    Ok(text)
}

/// `{"ok": v}` for a result written through a `Value` (keys sorted by the map), for the operations off the hot path.
#[cfg(feature = "client")]
pub(crate) fn reply_value(v: Value) -> Result<String> {
    let mut s = String::from("{\"ok\":");
    s.push_str(&v.to_string());
    s.push('}');
    Ok(s)
}

/// Holds `input` to `from_value`'s answers for `T`: `base` and its mutations (each key dropped, each value replaced by
/// every kind of JSON value, a key added, the same one level down, and every kind of value for the whole) read alike
/// (both accept, or both fail with the same message). Returns how many were compared.
#[cfg(test)]
pub(crate) fn same_as_from_value<T: DeserializeOwned>(op: &str, base: Value) -> usize {
    use serde_json::json;
    let kinds = || {
        vec![json!(null), json!(true), json!(0), json!(-1), json!(70000), json!(1.5), json!(1e300), json!(u64::MAX), json!(""), json!("x"), json!([]), json!([1, "a"]), json!({}), json!({"a": 1})]
    };
    fn variants(v: &Value, kinds: &dyn Fn() -> Vec<Value>, depth: usize) -> Vec<Value> {
        let mut out = vec![v.clone()];
        if let Value::Object(m) = v {
            for (k, x) in m {
                let mut without = m.clone();
                without.remove(k);
                out.push(Value::Object(without));
                for r in kinds().into_iter().chain(if depth > 0 { variants(x, kinds, depth - 1) } else { vec![] }) {
                    let mut with = m.clone();
                    with.insert(k.clone(), r);
                    out.push(Value::Object(with));
                }
            }
            let mut extra = m.clone();
            extra.insert("zzExtra".into(), Value::from(1));
            out.push(Value::Object(extra));
        }
        if let Value::Array(a) = v {
            for (i, x) in a.iter().enumerate() {
                for r in if depth > 0 { variants(x, kinds, depth - 1) } else { vec![] } {
                    let mut with = a.clone();
                    with[i] = r;
                    out.push(Value::Array(with));
                }
            }
        }
        out
    }
    let all: Vec<Value> = variants(&base, &kinds, 1).into_iter().chain(kinds()).chain([Value::Array(vec![base.clone()])]).collect();
    for v in &all {
        let text = input::<T>(op, v).map(drop).map_err(|e| e.message);
        let value = T::deserialize(v).map(drop).map_err(|e| bad_args(op, e).message);
        assert_eq!(text, value, "{op}: {v}");
    }
    all.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `input` (the text decoder on a `Value`'s text) against `from_value`, for every type still read from a `Value`.
    #[test]
    #[cfg(all(feature = "client", feature = "intake"))]
    fn input_reads_as_from_value() {
        use serde_json::json;
        let site = serde_json::to_value(crate::site::resolve_site("eu1").unwrap()).unwrap();
        let n = same_as_from_value::<crate::retry::RetryInput>(
            "retryDecision",
            json!({ "status": 429, "headers": { "retry-after": "3", "x-n": 5 }, "attempt": 1, "replay": "retry", "random": 0.5, "now": 10, "deadline": 99, "baseMs": 100 }),
        ) + same_as_from_value::<crate::paginate::PageArgs>(
            "nextPage",
            json!({ "query": { "page[size]": 10 }, "rateLimit": { "limit": 10, "remaining": 0, "reset": 3 }, "now": 1, "deadlineAt": 5 }),
        ) + same_as_from_value::<crate::site::Site>("connection.site", site.clone())
            + same_as_from_value::<Vec<crate::site::Site>>("sites", json!([site]))
            + same_as_from_value::<Vec<crate::intake::select::Entry>>("encodeMetrics", json!([{ "index": 0, "start": 1, "end": 2, "origin": 7 }, { "index": 1 }]));
        assert!(n > 700, "{n}");
    }

    #[test]
    fn plain_texts_are_what_the_value_parse_reads_the_same() {
        assert!(plain(r#" {"a":"x\"y\\","b":[1,{"c":null}],"d":-0.5,"s":"\u00e9\n"}"#));
        for declined in [
            "[1]",
            "5",
            "",
            r#"{"a":"\ud800"}"#,
            r#"{"a":"\uDFFF"}"#,
            r#"{"a":1e400}"#,
            r#"{"a":1E2}"#,
            &format!(r#"{{"a":{}}}"#, "9".repeat(301)),
            &format!(r#"{{"a":{}0{}}}"#, "[".repeat(101), "]".repeat(101)),
        ] {
            assert!(!plain(declined), "{declined}");
        }
        // Letters inside strings are not numbers; 100 levels are fine.
        assert!(plain(r#"{"exp":"e1E2","t":true,"f":false}"#));
        assert!(plain(&format!(r#"{{"a":{}0{}}}"#, "[".repeat(99), "]".repeat(99))));
        assert!(plain(&format!(r#"{{"a":{}}}"#, "9".repeat(300))));
    }
}
