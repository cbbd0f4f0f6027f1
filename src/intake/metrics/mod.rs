//! `encodeMetrics`: metric series to `POST /api/v2/series` (default) or `/api/v1/series`, validated, with the
//! type normalised to each version's form, and batched so every compressed body is under Datadog's limit
//! whatever the compression ratio. A series too big for one request is split by points across requests.
//!
//! Two readers, one set of rules (`model`): `verbatim` copies series already in v2 wire form from the argument
//! text; everything else is read by `input` and checked by `parse`, then written by `wire`.

mod input;
mod model;
mod parse;
mod verbatim;
mod wire;

use super::auth;
use super::batch::{Limits, Packer, Push};
use super::validate as v;
use super::{items, Batch, Compression, Encoded};
use crate::error::{Error, ErrorCode, Result};
use input::{ArgsIn, SeriesList};
use model::Series;
use serde_json::Value;
use wire::{split, write, View};

pub use model::{V1_MAX_COMPRESSED, V1_MAX_DECOMPRESSED, V2_MAX_COMPRESSED, V2_MAX_DECOMPRESSED};

/// The uncompressed cap per body: what is guaranteed to stay under the compressed limit even for data that does
/// not compress (see `Compression::worst_overhead`), and under the decompressed limit. With gzip that is
/// 510,921 bytes for v2 and 3,193,681 for v1; with `compress: "none"` the limit itself.
pub fn body_cap(version: u8, compress: Compression) -> usize {
    let (sent, decompressed) = if version == 1 { (V1_MAX_COMPRESSED, V1_MAX_DECOMPRESSED) } else { (V2_MAX_COMPRESSED, V2_MAX_DECOMPRESSED) };
    compress.max_uncompressed_for(sent).min(decompressed)
}

/// `encodeMetrics` on arguments already parsed (a re-encode of a selection after a 413, Rust callers): each
/// series checked in place by the same checks.
// Kept out of line: V8 compiles wasm functions on first call, so a first login need not compile the encoders.
#[inline(never)]
pub fn encode(args: &Value) -> Result<Encoded> {
    let series = items("encodeMetrics", args, "series")?;
    let mut run = Run::start(args)?;
    for (i, val) in series.iter().enumerate() {
        let s = parse::series_value(val, i, run.v1, run.now_ms);
        run.add(i, s);
    }
    Ok(run.finish())
}

/// `encodeMetrics` straight from the argument text: series already in v2 wire form are copied into the body as
/// they are (`verbatim`), the rest checked one by one. Same checks, messages and output (up to key order and
/// number spelling) as `encode`. `None`: a re-encode of a selection (`select`, after a 413), for the general path.
#[inline(never)]
pub fn encode_text(json: &str) -> Option<Result<Encoded>> {
    if let Some(r) = verbatim::encode(json) {
        return Some(r);
    }
    (!json.contains("\"select\"")).then(|| encode_checked(json))
}

/// The checking reader on the whole text, for everything `verbatim` leaves: v1, escaped or repeated argument
/// names, invalid JSON (reported in serde_json's words).
fn encode_checked(json: &str) -> Result<Encoded> {
    let input: ArgsIn = serde_json::from_str(json)
        .map_err(|e| Error::new(ErrorCode::InvalidInput, format!("encodeMetrics: {e}"), "Check the arguments of encodeMetrics() against the API reference."))?;
    let series = match &input.series {
        Some(SeriesList::List(l)) => l,
        _ => return Err(Error::invalid_input("series", "encodeMetrics() needs `series`, an array")),
    };
    let mut run = Run::start(&input.rest)?;
    for (i, sin) in series.iter().enumerate() {
        let s = parse::series(sin, i, run.v1, run.now_ms);
        run.add(i, s);
    }
    Ok(run.finish())
}

/// One `encodeMetrics` call in progress: the shared arguments read, series added one at a time.
struct Run {
    v1: bool,
    now_ms: i64,
    url: String,
    key: crate::secret::Secret,
    compress: Compression,
    packer: Packer,
    out: Encoded,
}

impl Run {
    fn start(args: &Value) -> Result<Run> {
        Run::start_with(args, None)
    }

    /// `start` with the connection's site and `sites` already decoded (`raw::arguments`), when they were.
    fn start_with(args: &Value, shared: Option<super::Shared>) -> Result<Run> {
        const OP: &str = "encodeMetrics";
        let c = super::common_read(OP, args, Compression::Gzip, shared)?;
        let key = auth::api_key(c.connection)?;
        let version = match args.get("version") {
            None | Some(Value::Null) => 2u8,
            Some(x) => match v::as_int(x) {
                Some(1) => 1,
                Some(2) => 2,
                _ => return Err(Error::invalid_input("version", "`version` must be 1 or 2")),
            },
        };
        let v1 = version == 1;
        let limits = Limits { max_body: body_cap(version, c.compress), max_entries: usize::MAX, max_item: usize::MAX };
        let url = if v1 { c.site.metrics_v1_url() } else { c.site.metrics_v2_url() };
        Ok(Run { v1, now_ms: c.now_ms, url, key, compress: c.compress, packer: Packer::new(r#"{"series":["#, "]}", limits), out: Encoded::default() })
    }

    fn add(&mut self, i: usize, s: Result<Series>) {
        let s = match s {
            Ok(s) => s,
            Err(e) => return self.out.reject(i, e),
        };
        let (v1, all) = (self.v1, 0..s.points.len());
        if let Push::TooLarge(size) = self.packer.push(i, |b| write(b, &View { s: &s, range: all.clone(), v1 })) {
            if let Err(e) = split(&mut self.packer, &s, i, v1, size) {
                self.out.reject(i, e);
            }
        }
    }

    fn finish(self) -> Encoded {
        let mut out = self.out;
        for p in self.packer.finish() {
            let mut request = auth::api_key_request(self.url.clone(), &self.key, p.body, self.compress);
            if self.v1 {
                // The v1 spec's media type is `text/json`; Datadog's own clients send exactly that.
                request = request.header("content-type", "text/json");
            }
            out.batches.push(Batch { request, items: p.items, parts: p.parts });
        }
        out
    }
}

#[cfg(test)]
mod tests;
