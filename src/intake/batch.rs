//! Packing serialised items into request bodies under a byte cap, an item-count cap and a per-item cap.
//! Items are written straight into the open body (no per-item buffer); an item that overflows is cut off and
//! written again into a fresh body, which only happens once per batch.

use serde::Serialize;

/// Which piece of a split item a batch carries: `start..end` of its points (metrics) or spans (traces).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Part {
    pub index: usize,
    pub start: usize,
    pub end: usize,
}

#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Bytes of the whole body, envelope included.
    pub max_body: usize,
    /// Entries per body (a piece of a split item counts as one entry).
    pub max_entries: usize,
    /// Bytes of one entry's JSON.
    pub max_item: usize,
}

#[derive(Debug)]
pub struct Packed {
    pub body: String,
    pub items: Vec<usize>,
    pub parts: Vec<Part>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Push {
    Added,
    /// The entry alone does not fit an empty body (or exceeds `max_item`); carries its size in bytes.
    TooLarge(usize),
}

pub struct Packer {
    prefix: &'static str,
    suffix: &'static str,
    limits: Limits,
    body: Vec<u8>,
    entries: usize,
    items: Vec<usize>,
    parts: Vec<Part>,
    done: Vec<Packed>,
}

impl Packer {
    /// `prefix` and `suffix` wrap the comma-separated entries: `{"series":[` … `]}`, or `[` … `]`.
    pub fn new(prefix: &'static str, suffix: &'static str, limits: Limits) -> Packer {
        let mut body = Vec::with_capacity(4096);
        body.extend_from_slice(prefix.as_bytes());
        Packer { prefix, suffix, limits, body, entries: 0, items: Vec::new(), parts: Vec::new(), done: Vec::new() }
    }

    /// The most bytes one entry may take: what an empty body leaves, bounded by the per-item cap.
    pub fn room_alone(&self) -> usize {
        self.limits.max_body.saturating_sub(self.prefix.len() + self.suffix.len()).min(self.limits.max_item)
    }

    /// Add one whole item, written by `write`.
    pub fn push(&mut self, index: usize, write: impl FnMut(&mut Vec<u8>)) -> Push {
        self.push_entry(index, None, write)
    }

    /// Add a piece of a split item. The caller sizes pieces to fit `room_alone()`.
    pub fn push_part(&mut self, part: Part, write: impl FnMut(&mut Vec<u8>)) -> Push {
        self.push_entry(part.index, Some(part), write)
    }

    fn push_entry(&mut self, index: usize, part: Option<Part>, mut write: impl FnMut(&mut Vec<u8>)) -> Push {
        if self.entries >= self.limits.max_entries {
            self.flush();
        }
        let mark = self.body.len();
        if self.entries > 0 {
            self.body.push(b',');
        }
        let start = self.body.len();
        write(&mut self.body);
        let len = self.body.len() - start;
        if len > self.room_alone() {
            self.body.truncate(mark);
            return Push::TooLarge(len);
        }
        if self.body.len() + self.suffix.len() > self.limits.max_body {
            // Fits alone but not with what is already there: close this body and write the entry again.
            self.body.truncate(mark);
            self.flush();
            write(&mut self.body);
        }
        self.entries += 1;
        if self.items.last() != Some(&index) {
            self.items.push(index);
        }
        if let Some(p) = part {
            match self.parts.last_mut() {
                // Two adjacent pieces that ended up in the same body are one piece.
                Some(last) if last.index == p.index && last.end == p.start => last.end = p.end,
                _ => self.parts.push(p),
            }
        }
        Push::Added
    }

    fn flush(&mut self) {
        if self.entries == 0 {
            return;
        }
        self.body.extend_from_slice(self.suffix.as_bytes());
        let mut body = std::mem::replace(&mut self.body, Vec::with_capacity(4096));
        self.body.extend_from_slice(self.prefix.as_bytes());
        body.shrink_to_fit();
        // serde_json only writes UTF-8 and the envelopes are ASCII; the fallback can only run on a bug.
        let body = String::from_utf8(body).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        self.done.push(Packed { body, items: std::mem::take(&mut self.items), parts: std::mem::take(&mut self.parts) });
        self.entries = 0;
    }

    pub fn finish(mut self) -> Vec<Packed> {
        self.flush();
        self.done
    }
}

/// Greedy split of `sizes` (bytes of each sub-entry, e.g. each point) into consecutive ranges whose
/// `overhead + sum + commas` fits `room`. `None` when a single sub-entry cannot fit at all.
pub fn split_ranges(sizes: &[usize], overhead: usize, room: usize) -> Option<Vec<(usize, usize)>> {
    let avail = room.checked_sub(overhead)?;
    let mut out = Vec::new();
    let (mut start, mut used) = (0usize, 0usize);
    for (i, &s) in sizes.iter().enumerate() {
        let add = if i == start { s } else { s + 1 };
        if used + add <= avail {
            used += add;
            continue;
        }
        if i == start || s > avail {
            return None;
        }
        out.push((start, i));
        start = i;
        used = s;
    }
    if start < sizes.len() {
        out.push((start, sizes.len()));
    }
    Some(out)
}

/// A JSON array of independent items (logs, service checks): each is validated by `parse`, packed while it fits,
/// or rejected by index (invalid, or alone over the limits, worded by `too_large(index, bytes)`); each body
/// becomes a request through `request`.
pub(crate) fn pack_array<'a, T: Serialize>(
    items: &'a [serde_json::Value],
    limits: Limits,
    parse: impl Fn(&'a serde_json::Value, usize) -> crate::error::Result<T>,
    too_large: impl Fn(usize, usize) -> crate::error::Error,
    request: impl Fn(String) -> crate::http::HttpRequest,
) -> super::Encoded {
    let push_one = |i: usize, packer: &mut Packer| {
        let item = parse(&items[i], i)?;
        Ok(packer.push(i, |b| {
            let _ = serde_json::to_writer(b, &item);
        }))
    };
    pack_each(items.len(), limits, push_one, too_large, request)
}

/// `pack_array` for items the caller writes itself: `push_one(index, packer)` checks item `index` and pushes it
/// (an error rejects it); an item too large alone is rejected with `too_large(index, bytes)`.
pub(crate) fn pack_each(
    count: usize,
    limits: Limits,
    mut push_one: impl FnMut(usize, &mut Packer) -> crate::error::Result<Push>,
    too_large: impl Fn(usize, usize) -> crate::error::Error,
    request: impl Fn(String) -> crate::http::HttpRequest,
) -> super::Encoded {
    let mut packer = Packer::new("[", "]", limits);
    let mut out = super::Encoded::default();
    for i in 0..count {
        match push_one(i, &mut packer) {
            Ok(Push::Added) => {}
            Ok(Push::TooLarge(size)) => out.reject(i, too_large(i, size)),
            Err(e) => out.reject(i, e),
        }
    }
    for p in packer.finish() {
        out.batches.push(super::Batch { request: request(p.body), items: p.items, parts: p.parts });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max_body: usize, max_entries: usize) -> Limits {
        Limits { max_body, max_entries, max_item: usize::MAX }
    }

    #[test]
    fn count_cap_1000_and_1001() {
        for n in [1000usize, 1001] {
            let mut p = Packer::new("[", "]", limits(1 << 20, 1000));
            for i in 0..n {
                assert_eq!(p.push(i, |b| b.extend_from_slice(b"1")), Push::Added);
            }
            let out = p.finish();
            assert_eq!(out.len(), if n == 1000 { 1 } else { 2 });
            assert_eq!(out[0].items.len(), 1000);
            let all: Vec<usize> = out.iter().flat_map(|b| b.items.clone()).collect();
            assert_eq!(all, (0..n).collect::<Vec<_>>());
        }
    }

    #[test]
    fn byte_cap_exact_edge() {
        // "[" + 10 × "xxxx" + 9 commas + "]" = 51 bytes.
        for (cap, batches) in [(51usize, 1usize), (50, 2)] {
            let mut p = Packer::new("[", "]", limits(cap, 1000));
            for i in 0..10 {
                assert_eq!(p.push(i, |b| b.extend_from_slice(b"xxxx")), Push::Added);
            }
            let out = p.finish();
            assert_eq!(out.len(), batches, "cap {cap}");
            assert!(out.iter().all(|b| b.body.len() <= cap));
            assert_eq!(out[0].body.len(), if batches == 1 { 51 } else { 46 });
        }
    }

    #[test]
    fn too_large_alone_is_reported_and_leaves_no_trace() {
        let mut p = Packer::new("[", "]", Limits { max_body: 100, max_entries: 10, max_item: 10 });
        assert_eq!(p.push(0, |b| b.extend_from_slice(b"ok")), Push::Added);
        assert_eq!(p.push(1, |b| b.extend_from_slice(&[b'x'; 11])), Push::TooLarge(11));
        assert_eq!(p.push(2, |b| b.extend_from_slice(b"ok")), Push::Added);
        let out = p.finish();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].body, "[ok,ok]");
        assert_eq!(out[0].items, vec![0, 2]);
    }

    #[test]
    fn parts_merge_when_adjacent() {
        let mut p = Packer::new("[", "]", limits(100, 100));
        p.push_part(Part { index: 3, start: 0, end: 2 }, |b| b.extend_from_slice(b"a"));
        p.push_part(Part { index: 3, start: 2, end: 5 }, |b| b.extend_from_slice(b"b"));
        let out = p.finish();
        assert_eq!(out[0].parts, vec![Part { index: 3, start: 0, end: 5 }]);
        assert_eq!(out[0].items, vec![3]);
    }

    #[test]
    fn split_ranges_greedy() {
        assert_eq!(split_ranges(&[3, 3, 3, 3], 2, 2 + 7), Some(vec![(0, 2), (2, 4)]));
        assert_eq!(split_ranges(&[3, 3, 3], 2, 2 + 11), Some(vec![(0, 3)]));
        assert_eq!(split_ranges(&[3, 30, 3], 2, 2 + 7), None);
        assert_eq!(split_ranges(&[3], 20, 10), None);
    }
}
