//! Spans of JSON text. A strict, allocation-free scanner over the argument text that says where each value
//! starts and ends, so an encoder can copy an item that is already in Datadog's wire form into the body as it
//! came, instead of parsing it into a tree and printing it again (most of the time of a large metric submission).
//!
//! It accepts only what serde_json accepts (RFC 8259, no lone surrogate escapes, depth-bounded), and answers
//! `None` for anything else, so callers fall back to serde_json, which reports the error in its own words.

use std::ops::Range;

/// serde_json's own recursion limit: deeper text is left to it (and its error).
const MAX_DEPTH: usize = 128;

// The per-byte helpers are `inline(always)`: the crate is built for size (opt-level "z"), which otherwise keeps
// them as calls, one per byte of a 400 KB submission.
pub struct Scan<'a> {
    /// The text, and the same as bytes (what the scanner walks).
    t: &'a str,
    pub b: &'a [u8],
    pub i: usize,
    /// Set when whitespace was skipped: verbatim items must have none (the parsing path writes compact JSON).
    pub spaced: bool,
}

/// A string token: the span of its content (between the quotes) and whether it holds escapes (when it does
/// not, the content is the string itself).
pub struct Str {
    pub span: Range<usize>,
    pub escaped: bool,
}

/// A number token, and what the canonical encoders need to know without parsing it.
pub struct Num {
    pub span: Range<usize>,
    /// Only `-?digits`: no fraction, no exponent.
    pub integer: bool,
    pub exponent: bool,
}

impl<'a> Scan<'a> {
    pub fn new(text: &'a str) -> Scan<'a> {
        Scan { t: text, b: text.as_bytes(), i: 0, spaced: false }
    }

    #[inline(always)]
    pub fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// Consume `c` if it is the next byte.
    #[inline(always)]
    pub fn eat(&mut self, c: u8) -> bool {
        let hit = self.peek() == Some(c);
        self.i += usize::from(hit);
        hit
    }

    #[inline(always)]
    pub fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
            self.spaced = true;
        }
    }

    fn hex4(&mut self) -> Option<u16> {
        let h = self.b.get(self.i..self.i + 4)?;
        let mut n = 0u16;
        for c in h {
            n = n << 4 | (*c as char).to_digit(16)? as u16;
        }
        self.i += 4;
        Some(n)
    }

    /// A string, the next byte being its opening quote.
    pub fn string(&mut self) -> Option<Str> {
        if !self.eat(b'"') {
            return None;
        }
        let start = self.i;
        let mut escaped = false;
        loop {
            // Straight to the next byte that needs a look: most of a payload is plain string content.
            self.i += self.b.get(self.i..)?.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20)?;
            let c = self.b[self.i];
            self.i += 1;
            match c {
                b'"' => return Some(Str { span: start..self.i - 1, escaped }),
                b'\\' => {
                    escaped = true;
                    match *self.b.get(self.i)? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.i += 1,
                        b'u' => {
                            self.i += 1;
                            let u = self.hex4()?;
                            // Surrogates only as a high-low pair, as serde_json requires.
                            if (0xDC00..0xE000).contains(&u) {
                                return None;
                            }
                            if (0xD800..0xDC00).contains(&u) {
                                if self.b.get(self.i..self.i + 2)? != b"\\u" {
                                    return None;
                                }
                                self.i += 2;
                                if !(0xDC00..0xE000).contains(&self.hex4()?) {
                                    return None;
                                }
                            }
                        }
                        _ => return None,
                    }
                }
                0..=0x1F => return None,
                _ => {}
            }
        }
    }

    #[inline(always)]
    fn digits(&mut self) -> usize {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        self.i - start
    }

    /// A number in JSON's grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    pub fn number(&mut self) -> Option<Num> {
        let start = self.i;
        self.eat(b'-');
        let lead = self.peek();
        let n = self.digits();
        if n == 0 || (lead == Some(b'0') && n > 1) {
            return None;
        }
        let mut integer = true;
        if self.eat(b'.') {
            integer = false;
            if self.digits() == 0 {
                return None;
            }
        }
        let exponent = matches!(self.peek(), Some(b'e' | b'E'));
        if exponent {
            integer = false;
            self.i += 1;
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if self.digits() == 0 {
                return None;
            }
        }
        Some(Num { span: start..self.i, integer, exponent })
    }

    /// An integer token's value when the checking path would write it back the same way (so it can be copied as
    /// written): no fraction or exponent, not `-0`, at most 18 characters (no overflow).
    #[inline(always)]
    pub fn int(&self, n: &Num) -> Option<i64> {
        let text = &self.b[n.span.clone()];
        if !n.integer || text.len() > 18 || text == b"-0" {
            return None;
        }
        let (neg, digits) = match text.split_first() {
            Some((b'-', d)) => (true, d),
            _ => (false, text),
        };
        let n = digits.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0'));
        Some(if neg { -n } else { n })
    }

    /// Consume `word` (8 to 16 bytes) if it comes next: two overlapping 8-byte compares, where the slice compare
    /// is a call to `memcmp` (at opt-level "z"), once per point key of a metrics submission.
    #[inline(always)]
    pub fn word<const N: usize>(&mut self, word: &[u8; N]) -> Option<()> {
        const { assert!(N >= 8 && N <= 16) };
        let at = self.b.get(self.i..self.i + N)?;
        let u = |b: &[u8], i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap_or_default());
        (u(at, 0) == u(word, 0) && u(at, N - 8) == u(word, N - 8)).then(|| self.i += N)
    }

    /// An integer token that `int` would take (`-?digits`, at most 18 characters, not `-0`, no leading zero, no
    /// fraction or exponent after it), read and valued in one pass: `number` then `int` walk its digits twice.
    #[inline(always)]
    pub fn int_token(&mut self) -> Option<i64> {
        let start = self.i;
        let neg = self.eat(b'-');
        let digits = self.i;
        let mut n = 0i64;
        while let Some(d @ b'0'..=b'9') = self.peek() {
            n = n.wrapping_mul(10).wrapping_add(i64::from(d - b'0'));
            self.i += 1;
        }
        let len = self.i - digits;
        let bad = len == 0 || self.i - start > 18 || (len > 1 || neg) && self.b[digits] == b'0' || matches!(self.peek(), Some(b'.' | b'e' | b'E'));
        (!bad).then_some(if neg { -n } else { n })
    }

    #[inline(always)]
    pub fn literal(&mut self, word: &[u8]) -> Option<()> {
        if self.b.get(self.i..self.i + word.len())? == word {
            self.i += word.len();
            Some(())
        } else {
            None
        }
    }

    /// Skip one value (whitespace around it allowed); its span, without the surrounding whitespace.
    pub fn value(&mut self, depth: usize) -> Option<Range<usize>> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.ws();
        let start = self.i;
        match self.peek()? {
            b'"' => {
                self.string()?;
            }
            b'{' => {
                self.i += 1;
                self.members(depth, |_, _, _| Some(()))?;
            }
            b'[' => {
                self.i += 1;
                self.elements(depth, |_, _| Some(()))?;
            }
            b't' => self.literal(b"true")?,
            b'f' => self.literal(b"false")?,
            b'n' => self.literal(b"null")?,
            _ => {
                let n = self.number()?;
                // Beyond f64's range serde_json refuses the number: leave it to serde_json's error.
                if n.exponent && !std::str::from_utf8(&self.b[n.span]).ok()?.parse::<f64>().ok()?.is_finite() {
                    return None;
                }
            }
        }
        let end = self.i;
        self.ws();
        Some(start..end)
    }

    /// The members of an object whose `{` was just consumed, through its `}`: `f(self, key, value span)`.
    pub fn members(&mut self, depth: usize, mut f: impl FnMut(&Self, Str, Range<usize>) -> Option<()>) -> Option<()> {
        self.ws();
        if self.eat(b'}') {
            return Some(());
        }
        loop {
            self.ws();
            let key = self.string()?;
            self.ws();
            if !self.eat(b':') {
                return None;
            }
            let v = self.value(depth + 1)?;
            f(self, key, v)?;
            if self.eat(b'}') {
                return Some(());
            }
            if !self.eat(b',') {
                return None;
            }
        }
    }

    /// The elements of an array whose `[` was just consumed, through its `]`: `f(index, span)`.
    pub fn elements(&mut self, depth: usize, mut f: impl FnMut(usize, Range<usize>) -> Option<()>) -> Option<()> {
        self.ws();
        if self.eat(b']') {
            return Some(());
        }
        let mut n = 0;
        loop {
            let v = self.value(depth + 1)?;
            f(n, v)?;
            n += 1;
            if self.eat(b']') {
                return Some(());
            }
            if !self.eat(b',') {
                return None;
            }
        }
    }

    /// The text of an unescaped string's content.
    pub fn text(&self, s: &Str) -> &'a str {
        // Spans start and end at ASCII quotes of the text, so they are on character boundaries: slicing the `str`
        // checks two bytes, where `from_utf8` would validate every key again (5% of a metrics call).
        self.t.get(s.span.clone()).unwrap_or_default()
    }
}

impl<'a> Scan<'a> {
    /// `{"key":value,...}` with no whitespace between tokens; `f` reads each value after its key.
    pub fn object_exact(&mut self, mut f: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        if !self.eat(b'{') {
            return None;
        }
        if self.eat(b'}') {
            return Some(());
        }
        loop {
            let k = self.string()?;
            if k.escaped || !self.eat(b':') {
                return None;
            }
            let key = self.text(&k);
            f(self, key)?;
            if self.eat(b'}') {
                return Some(());
            }
            if !self.eat(b',') {
                return None;
            }
        }
    }

    /// `[item,...]` (possibly empty) with no whitespace between tokens; `f` reads each item.
    pub fn array_exact(&mut self, mut f: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        if !self.eat(b'[') {
            return None;
        }
        if self.eat(b']') {
            return Some(());
        }
        loop {
            f(self)?;
            if self.eat(b']') {
                return Some(());
            }
            if !self.eat(b',') {
                return None;
            }
        }
    }
}

/// One item of an operation's list, by its place in the text, and what `wire` found (`None`: not in wire form).
pub struct ItemSpan<W> {
    pub span: Range<usize>,
    pub wire: Option<W>,
}

/// An encoder's arguments read in one pass: every argument but the item list (`list`, e.g. `series`) parsed as
/// a `Value`, and the list's items as spans, each tried by `wire` (which reads a whole item in wire form, without
/// whitespace, or fails). `None` leaves the text to the parsing path: a `select` (re-encode after a 413), an
/// argument named twice or with escapes, a list that is not an array, or text serde_json would refuse.
///
/// `connection` and `sites` are decoded straight from their text when they can be (`super::shared_from_text`): the
/// connection then stands in `rest` as an object of its credentials only, and its site and the `sites` come typed
/// (`Shared`), to be checked by `common` exactly as it checks them from `Value`s.
pub fn arguments<W>(
    text: &str,
    list: &str,
    mut wire: impl FnMut(&mut Scan) -> Option<W>,
) -> Option<(serde_json::Value, Vec<ItemSpan<W>>, Option<super::Shared>)> {
    let mut s = Scan::new(text);
    let mut rest = serde_json::Map::new();
    let mut items: Option<Vec<ItemSpan<W>>> = None;
    let (mut connection, mut sites): (Option<&str>, Option<&str>) = (None, None);
    s.ws();
    if !s.eat(b'{') {
        return None;
    }
    s.ws();
    if !s.eat(b'}') {
        loop {
            s.ws();
            let k = s.string()?;
            let key = s.text(&k);
            s.ws();
            if k.escaped || !s.eat(b':') || key == "select" || key == list && items.is_some() || rest.contains_key(key) {
                return None;
            }
            s.ws();
            if key == list {
                items = Some(item_spans(&mut s, &mut wire)?);
            } else if key == "connection" || key == "sites" {
                let span = s.value(1)?;
                let slot = if key == "connection" { &mut connection } else { &mut sites };
                if slot.replace(&text[span]).is_some() {
                    return None;
                }
            } else {
                let span = s.value(1)?;
                rest.insert(key.to_string(), serde_json::from_str(&text[span]).ok()?);
            }
            s.ws();
            if s.eat(b'}') {
                break;
            }
            if !s.eat(b',') {
                return None;
            }
        }
    }
    s.ws();
    let items = items.filter(|_| s.i == text.len())?;
    let shared = match connection.and_then(|c| super::shared_from_text(c, sites)) {
        Some((credentials, shared)) => {
            // `sites` is read by `common` alone, which takes the typed list instead.
            rest.insert("connection".into(), serde_json::Value::Object(credentials));
            Some(shared)
        }
        None => {
            for (key, span) in [("connection", connection), ("sites", sites)] {
                if let Some(span) = span {
                    rest.insert(key.into(), serde_json::from_str(span).ok()?);
                }
            }
            None
        }
    };
    Some((serde_json::Value::Object(rest), items, shared))
}

fn item_spans<W>(s: &mut Scan, wire: &mut impl FnMut(&mut Scan) -> Option<W>) -> Option<Vec<ItemSpan<W>>> {
    if !s.eat(b'[') {
        return None;
    }
    let mut out = Vec::new();
    s.ws();
    if s.eat(b']') {
        return Some(out);
    }
    loop {
        s.ws();
        let start = s.i;
        s.spaced = false;
        let found = wire(s).filter(|_| !s.spaced && matches!(s.peek(), Some(b',' | b']' | b' ' | b'\t' | b'\n' | b'\r')));
        let span = match found {
            Some(_) => start..s.i,
            None => {
                // Not in wire form: back to its start, and just find its end.
                s.i = start;
                s.value(2)?
            }
        };
        out.push(ItemSpan { span, wire: found });
        s.ws();
        if s.eat(b']') {
            return Some(out);
        }
        if !s.eat(b',') {
            return None;
        }
    }
}

/// An item that is not in wire form, read for the checking path (as a `Value`, or the encoder's own typed reader).
/// The scanner already checked its grammar, so serde_json can only refuse a number beyond f64's range: that item
/// is rejected, the others still go.
pub fn parse_item<T: serde::de::DeserializeOwned>(text: &str, field: &str) -> crate::error::Result<T> {
    serde_json::from_str(text).map_err(|e| super::invalid(field, format!("{field}: {e}"), "Send finite numbers."))
}

/// Is `text` exactly one JSON value this scanner accepts (whitespace around it allowed)?
#[cfg(test)]
fn is_json(text: &str) -> bool {
    let mut s = Scan::new(text);
    s.value(0).is_some() && s.i == s.b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scanner accepts exactly what serde_json accepts, on valid and broken text alike.
    #[test]
    fn agrees_with_serde_json() {
        let cases = [
            r#"{}"#,
            r#"{"a":1}"#,
            r#" { "a" : [ 1 , 2.5 , -0 , 1e3 , 1E-2 , true , false , null , "x" ] } "#,
            r#"{"a":"\u00e9\n\"\\\/\b\f\r\t"}"#,
            r#"{"a":"\ud83d\ude00"}"#,
            r#"{"a":"\ud83d"}"#,
            r#"{"a":"\ude00"}"#,
            r#"{"a":"\ud83dx"}"#,
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":.5}"#,
            r#"{"a":1e}"#,
            r#"{"a":-}"#,
            r#"{"a":+1}"#,
            r#"{"a":1e400}"#,
            r#"{"a":tru}"#,
            r#"{"a":[1,]}"#,
            r#"{"a":1,}"#,
            r#"{"a" 1}"#,
            r#"{"a":"x"#,
            "{\"a\":\"\t\"}",
            r#"{"a":"\x"}"#,
            r#"{"a":"\u12"}"#,
            r#"{"a":{}}"#,
            r#"{"a":[]} x"#,
            r#"[1]"#,
            r#"{"a":[[[]]]}"#,
        ];
        for c in cases {
            assert_eq!(is_json(c), serde_json::from_str::<serde_json::Value>(c).is_ok(), "{c}");
        }
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(200), "]".repeat(200));
        assert!(!is_json(&deep));
    }

    /// `int_token` takes exactly the tokens `number` then `int` take, with the same value; `word` only its word.
    #[test]
    fn int_token_agrees_with_number_then_int() {
        for t in ["0", "7", "-7", "1700000000", "-0", "00", "01", "-01", "-", "", "1.5", "1e3", "1E3", "2.", "123456789012345678", "-12345678901234567", "1234567890123456789", "-123456789012345678", "99999999999999999999999", "x", "1,"] {
            let mut a = Scan::new(t);
            let by_two = a.number().and_then(|n| a.int(&n)).filter(|_| !matches!(a.peek(), Some(b'.' | b'e' | b'E')));
            let mut b = Scan::new(t);
            assert_eq!(b.int_token(), by_two, "{t:?}");
            if by_two.is_some() {
                assert_eq!(a.i, b.i, "{t:?}");
            }
        }
        for (t, hit) in [(r#"{"timestamp":1"#, true), (r#"{"timestamp":"#, true), (r#"{"timestamp""#, false), (r#"{"timestamq":1"#, false), (r#"["timestamp":1"#, false), ("{\"timestamp", false)] {
            let mut s = Scan::new(t);
            assert_eq!(s.word(br#"{"timestamp":"#).is_some(), hit, "{t}");
            assert_eq!(s.i, if hit { 13 } else { 0 });
        }
    }

    #[test]
    fn spans() {
        let t = r#"{"a": [1, {"b":2}] ,"c":"x"}"#;
        let mut s = Scan::new(t);
        s.i = 1;
        let mut seen = Vec::new();
        s.members(0, |s, k, v| {
            seen.push((s.text(&k), &t[v]));
            Some(())
        })
        .unwrap();
        assert_eq!(seen, [("a", r#"[1, {"b":2}]"#), ("c", r#""x""#)]);
        assert_eq!(s.i, t.len());
    }
}
