//! Shared pieces of the fuzz targets: a fixed clock and connection, an output checker (every answer of
//! `api::call` is JSON with exactly `ok` or `error`), and a small grammar-aware JSON generator for the intake
//! payloads, so the validators see near-valid items (the interesting ones) and not only random bytes.
#![allow(dead_code)]

use arbitrary::Unstructured;
use serde_json::{json, Map, Value};

pub const NOW_MS: i64 = 1_700_000_000_000;
pub const NOW_S: i64 = 1_700_000_000;
pub const API_KEY: &str = "fuzz-api-key-0123456789abcdef";
pub const ACCESS_TOKEN: &str = "fuzz-access-token-0123456789abcdef";

/// Parse the text `api::call` returned: JSON, an object with exactly `ok` or `error`, a typed error.
/// Also read back with serde_json's default depth limit, which is what `api::dispatch` does with it.
pub fn check_output(out: &str) -> Value {
    // Request bodies of intake answers follow the JSON answer, each after a NUL; the answer is what is checked here.
    let (answer, bodies) = out.split_once('\0').map_or((out, 0), |(a, rest)| (a, rest.split('\0').count()));
    let mut de = serde_json::Deserializer::from_str(answer);
    de.disable_recursion_limit();
    let v: Value = serde::Deserialize::deserialize(&mut de).unwrap_or_else(|e| panic!("api::call gave non-JSON ({e}): {}", &out[..out.len().min(400)]));
    let o = v.as_object().expect("api::call gives an object");
    assert_eq!(o.len(), 1, "exactly one of ok/error");
    if let Some(e) = o.get("error") {
        check_error(e);
    } else {
        assert!(o.contains_key("ok"), "ok or error");
    }
    let refs = v["ok"]["batches"].as_array().map_or(0, |b| b.iter().filter(|b| b["request"].get("bodyRef").is_some()).count());
    assert_eq!(refs, bodies, "every detached body is referenced once");
    // Returned with the bodies back in place (`request.body`), as the host and `check_encoded` see them.
    datadog_oauth_wasm::api::read_output(out).expect("api::dispatch could not read this answer back (too deep?)")
}

/// The arguments as given and with the first key's first letter escaped agree: the escaped text takes the parsing
/// reader instead of the verbatim one (which leaves escaped argument names alone). Bodies compared as JSON.
pub fn check_readers_agree(op: &str, text: &str) {
    let escaped = format!("{{\"\\u{:04x}{}", text.as_bytes()[2], &text[3..]);
    let parsed = datadog_oauth_wasm::api::read_output(&datadog_oauth_wasm::api::call(op, &escaped)).unwrap();
    let verbatim = datadog_oauth_wasm::api::read_output(&datadog_oauth_wasm::api::call(op, text)).unwrap();
    assert_eq!(bodies_parsed(verbatim), bodies_parsed(parsed), "verbatim and parsed readers disagree");
}

/// An answer read by `api::read_output` with each request body parsed, so bodies compare as JSON (key order and
/// number spelling aside).
pub fn bodies_parsed(mut v: Value) -> Value {
    if let Some(batches) = v["ok"]["batches"].as_array_mut() {
        for b in batches {
            let body: Value = serde_json::from_str(b["request"]["body"].as_str().unwrap_or("null")).unwrap();
            b["request"]["body"] = body;
        }
    }
    v
}

pub fn check_error(e: &Value) {
    let code = e["code"].as_str().expect("error.code is a string");
    assert!(!code.is_empty() && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "error code {code:?} is not snake_case");
    assert!(e["message"].is_string() && e["hint"].is_string(), "error has message and hint: {e}");
}

/// The connection every intake target encodes for: EU1, an API key and an access token.
pub fn connection() -> Value {
    let site = datadog_oauth_wasm::resolve_site("eu1").unwrap();
    json!({ "site": serde_json::to_value(site).unwrap(), "apiKey": API_KEY, "accessToken": ACCESS_TOKEN, "expiresAt": 0 })
}

pub struct Gen<'a> {
    pub u: Unstructured<'a>,
    keys: &'static [&'static str],
    strs: &'static [&'static str],
}

const COMMON_STRS: &[&str] = &["", " ", "a", "A", "host", "env:prod", "é", "\u{0}", "\u{202e}", "null", "1", "-1", "1e400", "gauge", "count", "rate", "unspecified", "alert", "change", "ok", "warn", "error", "info", "normal", "low", "service", "feature_flag", "configuration", "dropdown", "textbox", "multiselect", "textarray", "web", "db", "2023-11-14T22:13:20Z", "2023-11-14T22:13:20.123+02:00", "2023-02-29T00:00:00Z", "9999-12-31T23:59:60Z", "18446744073709551615", "18446744073709551616", "1700000000000000000", "0", "00"];

impl<'a> Gen<'a> {
    pub fn new(data: &'a [u8], keys: &'static [&'static str], strs: &'static [&'static str]) -> Self {
        Gen { u: Unstructured::new(data), keys, strs }
    }
    pub fn int(&mut self, lo: i64, hi: i64) -> i64 {
        self.u.int_in_range(lo..=hi).unwrap_or(lo)
    }
    pub fn usize(&mut self, lo: usize, hi: usize) -> usize {
        self.u.int_in_range(lo..=hi).unwrap_or(lo)
    }
    pub fn chance(&mut self, num: u8, den: u8) -> bool {
        self.u.ratio(num, den).unwrap_or(false)
    }
    pub fn pick<T: Clone>(&mut self, from: &[T]) -> T {
        self.u.choose(from).cloned().unwrap_or_else(|_| from[0].clone())
    }
    pub fn raw_string(&mut self) -> String {
        let n = self.usize(0, 24);
        let mut s = String::new();
        for _ in 0..n {
            let c: char = self.u.arbitrary().unwrap_or('a');
            s.push(c);
        }
        s
    }
    pub fn string(&mut self) -> String {
        // Rarely huge: a megabyte string per execution makes the intake targets crawl.
        match self.int(0, 39) {
            0..=11 => self.pick(self.strs).to_string(),
            12..=19 => self.pick(COMMON_STRS).to_string(),
            20..=31 => self.raw_string(),
            32 => {
                // Sizes around the limits: per-field character caps, 500 KB, 1 MB.
                let len = self.pick(&[99usize, 100, 101, 200, 201, 499, 500, 501, 4000, 4001, 5000, 5001, 100_000, 511_000, 1_048_500, 1_048_600]);
                let ch = self.pick(&['a', 'é', '"', '\u{1}', '😀']);
                std::iter::repeat(ch).take(len).collect()
            }
            _ => {
                let n = self.usize(1, 40);
                std::iter::repeat_with(|| (b'a' + (self.int(0, 25) as u8)) as char).take(n).collect()
            }
        }
    }
    pub fn number(&mut self) -> Value {
        match self.int(0, 9) {
            0 => json!(NOW_S + self.int(-4000, 4000)),
            1 => json!(NOW_MS + self.int(-70_000_000, 700_000)),
            2 => json!(self.int(-3, 3)),
            3 => json!(self.u.arbitrary::<i64>().unwrap_or(0)),
            4 => json!(self.u.arbitrary::<u64>().unwrap_or(0)),
            5 => {
                let f: f64 = self.u.arbitrary().unwrap_or(0.5);
                if f.is_finite() {
                    json!(f)
                } else {
                    json!(1.5)
                }
            }
            6 => json!((NOW_S + self.int(-4000, 4000)) as f64),
            7 => json!(9_007_199_254_740_993u64),
            8 => json!(1_700_000_000_000_000_000u64 + self.int(0, 1_000_000) as u64),
            _ => json!(self.pick(&[0i64, 1, 2, 3, 4, 100, 1000, 1001, i64::MAX, i64::MIN])),
        }
    }
    pub fn value(&mut self, depth: usize) -> Value {
        let top = if depth >= 5 { 4 } else { 7 };
        match self.int(0, top) {
            0 => Value::Null,
            1 => Value::Bool(self.chance(1, 2)),
            2 => self.number(),
            3 | 4 => Value::String(self.string()),
            5 => {
                let n = self.usize(0, 6);
                Value::Array((0..n).map(|_| self.value(depth + 1)).collect())
            }
            _ => {
                let n = self.usize(0, 6);
                let mut m = Map::new();
                for _ in 0..n {
                    let k = if self.chance(3, 4) { self.pick(self.keys).to_string() } else { self.raw_string() };
                    let v = self.value(depth + 1);
                    m.insert(k, v);
                }
                Value::Object(m)
            }
        }
    }
    /// A template object whose fields are each kept, dropped or replaced by something arbitrary.
    pub fn mutate(&mut self, template: Value) -> Value {
        let Value::Object(m) = template else { return template };
        let mut out = Map::new();
        for (k, v) in m {
            match self.int(0, 11) {
                0 => {}
                1 => {
                    let v = self.value(1);
                    out.insert(k, v);
                }
                _ => {
                    out.insert(k, v);
                }
            }
        }
        if self.chance(1, 8) {
            let k = if self.chance(1, 2) { self.pick(self.keys).to_string() } else { self.raw_string() };
            let v = self.value(1);
            out.insert(k, v);
        }
        Value::Object(out)
    }
    /// A list of items from `make`, sometimes with one item repeated past a count limit.
    pub fn items(&mut self, mut make: impl FnMut(&mut Self) -> Value) -> Vec<Value> {
        let n = self.usize(0, 10);
        let mut items: Vec<Value> = (0..n).map(|_| make(self)).collect();
        if !items.is_empty() && self.chance(1, 6) {
            let which = self.usize(0, items.len() - 1);
            // Past a count limit with small items only: 2500 copies of a 30000-span trace is the harness's OOM.
            if items[which].to_string().len() > 2000 {
                return items;
            }
            let copies = self.pick(&[999usize, 1000, 1001, 2500]);
            let item = items[which].clone();
            items.extend(std::iter::repeat(item).take(copies));
        }
        items
    }
    /// The common options of the encode operations, sometimes wrong.
    pub fn compress(&mut self) -> Option<Value> {
        match self.int(0, 5) {
            0 => None,
            1 => Some(json!("gzip")),
            2 => Some(json!("deflate")),
            3 => Some(json!("none")),
            4 => Some(json!("identity")),
            _ => Some(self.value(3)),
        }
    }
}

/// Worst-case compressor overhead, restated from `intake::Compression` (the limits are the contract).
pub fn worst_overhead(compress: Option<&str>, n: usize) -> usize {
    match compress {
        Some("gzip") => n / 512 + 64 + 18,
        Some("deflate") => n / 512 + 64 + 6,
        _ => 0,
    }
}

pub struct Limits {
    /// Largest body as sent (after the worst-case compression overhead).
    pub max_sent: usize,
    /// Largest uncompressed body.
    pub max_body: usize,
    pub max_items: usize,
}

/// Check an encode answer: every input index accounted for exactly once (split items: pieces that partition
/// their points or spans), requests to the site's hosts only, bodies and counts within the limits.
/// `sub_len(i)` is the number of points/spans of item `i` when it could be split.
pub fn check_encoded(out: &Value, n: usize, limits: &Limits, url_prefix: &str, sub_len: impl Fn(usize) -> Option<usize>) {
    let Some(ok) = out.get("ok") else { return };
    let batches = ok["batches"].as_array().expect("batches");
    let rejected = ok["rejected"].as_array().expect("rejected");
    let mut whole = vec![0usize; n];
    let mut pieces: Vec<Vec<(u64, u64)>> = vec![Vec::new(); n];
    for b in batches {
        let r = &b["request"];
        let url = r["url"].as_str().unwrap();
        assert!(url.starts_with(url_prefix), "request to {url}, expected {url_prefix}…");
        let body = r["body"].as_str().expect("a body");
        let compress = r["compress"].as_str();
        assert!(body.len() <= limits.max_body, "body {} > {}", body.len(), limits.max_body);
        assert!(body.len() + worst_overhead(compress, body.len()) <= limits.max_sent, "body {} with {compress:?} may exceed {}", body.len(), limits.max_sent);
        let items = b["items"].as_array().unwrap();
        assert!(!items.is_empty(), "a batch carries items");
        assert!(items.len() <= limits.max_items, "{} items > {}", items.len(), limits.max_items);
        let parts = b.get("parts").and_then(Value::as_array).cloned().unwrap_or_default();
        for it in items {
            let i = it.as_u64().unwrap() as usize;
            assert!(i < n, "index {i} out of range");
            match parts.iter().find(|p| p["index"].as_u64() == Some(i as u64)) {
                Some(p) => pieces[i].push((p["start"].as_u64().unwrap(), p["end"].as_u64().unwrap())),
                None => whole[i] += 1,
            }
        }
        let _: Value = serde_json::from_str(body).expect("request body is JSON");
    }
    for r in rejected {
        let i = r["index"].as_u64().unwrap() as usize;
        assert!(i < n, "rejected index {i} out of range");
        check_error(&r["error"]);
        whole[i] += 1;
    }
    for i in 0..n {
        if pieces[i].is_empty() {
            assert_eq!(whole[i], 1, "index {i} appears {} times", whole[i]);
        } else {
            assert_eq!(whole[i], 0, "split index {i} also appears whole or rejected");
            let mut at = 0;
            for &(a, b) in &pieces[i] {
                assert_eq!(a, at, "pieces of {i} are not contiguous: {:?}", pieces[i]);
                assert!(b > a, "empty piece of {i}");
                at = b;
            }
            if let Some(len) = sub_len(i) {
                assert_eq!(at as usize, len, "pieces of {i} do not cover it");
            }
        }
    }
}

/// A `select` (re-encode part of a submission after a 413): entries naming items, some with piece ranges, some
/// out of range or malformed.
pub fn select(g: &mut Gen, n: usize) -> Value {
    let k = g.usize(0, 4);
    let mut out = Vec::new();
    for _ in 0..k {
        let index = g.usize(0, n + 1);
        let v = match g.int(0, 4) {
            0 => json!({ "index": index }),
            1 => {
                let a = g.usize(0, 8);
                let b = g.usize(0, 12);
                json!({ "index": index, "start": a, "end": b })
            }
            2 => json!({ "index": index, "start": g.usize(0, 3) }),
            3 => g.value(2),
            _ => json!({ "index": index, "start": 0, "end": 1 }),
        };
        out.push(v);
    }
    Value::Array(out)
}

/// With a `select`, the answer speaks of the selected items only.
pub fn check_selected(out: &Value, sel: &Value) {
    let Some(ok) = out.get("ok") else { return };
    let allowed: Vec<u64> = sel.as_array().map(|a| a.iter().filter_map(|e| e["index"].as_u64()).collect()).unwrap_or_default();
    for b in ok["batches"].as_array().expect("batches") {
        for i in b["items"].as_array().unwrap() {
            assert!(allowed.contains(&i.as_u64().unwrap()), "item {i} was not selected ({sel})");
        }
    }
}
