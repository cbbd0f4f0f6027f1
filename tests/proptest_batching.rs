//! Property: batching never loses, duplicates or reorders an item and never exceeds a limit. encodeMetrics and
//! encodeLogs run through the JSON surface on generated lists (valid and invalid items, sizes around the byte,
//! count and per-item limits, series long enough to be split by points); every input index must come back
//! exactly once (in a batch, or rejected with the reason we planted), a split series as pieces that partition
//! its points, and every body must be within Datadog's limits. Items are generated as runs of similar items so
//! a case can hold thousands of them cheaply. Deterministic; 16–32 cases each, to keep the file fast.
#![cfg(all(feature = "intake", not(target_arch = "wasm32")))]

use datadog_oauth_wasm::api::dispatch;
use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::{json, Value};

const NOW_MS: i64 = 1_700_000_000_000;
const NOW_S: i64 = 1_700_000_000;

fn connection() -> Value {
    json!({ "site": dispatch("resolveSite", json!({ "site": "eu1" })).unwrap(), "apiKey": "prop-api-key" })
}

/// What a run of generated items looks like, and how many of them there are.
#[derive(Clone, Debug)]
struct Run {
    kind: u8,
    size: usize,
    count: usize,
}

fn runs(kinds: u8, sizes: Vec<usize>, max_count: usize) -> impl Strategy<Value = Vec<Run>> {
    vec((0..kinds, proptest::sample::select(sizes), 1..=max_count).prop_map(|(kind, size, count)| Run { kind, size, count }), 0..12)
}

/// Indices seen in batches (whole) and rejected, and the point/span ranges of split items.
struct Seen {
    whole: Vec<usize>,
    pieces: Vec<Vec<(u64, u64)>>,
    rejected: Vec<Option<String>>,
}

fn account(out: &Value, n: usize, max_items: usize) -> Seen {
    let mut seen = Seen { whole: vec![0; n], pieces: vec![Vec::new(); n], rejected: vec![None; n] };
    let mut last_whole: Option<usize> = None;
    for b in out["batches"].as_array().unwrap() {
        let items = b["items"].as_array().unwrap();
        assert!(!items.is_empty() && items.len() <= max_items, "a batch of {} items", items.len());
        let parts = b.get("parts").and_then(Value::as_array).cloned().unwrap_or_default();
        for it in items {
            let i = it.as_u64().unwrap() as usize;
            match parts.iter().find(|p| p["index"] == *it) {
                Some(p) => seen.pieces[i].push((p["start"].as_u64().unwrap(), p["end"].as_u64().unwrap())),
                None => {
                    // Never reordered: whole items come out in input order across batches.
                    assert!(last_whole.map_or(true, |l| l < i), "item {i} after {last_whole:?}");
                    last_whole = Some(i);
                    seen.whole[i] += 1;
                }
            }
        }
    }
    for r in out["rejected"].as_array().unwrap() {
        let i = r["index"].as_u64().unwrap() as usize;
        assert!(seen.rejected[i].is_none(), "item {i} rejected twice");
        seen.rejected[i] = Some(r["error"]["code"].as_str().unwrap().to_string());
    }
    seen
}

// ---- metrics ----

/// Kinds: 0–3 valid (3: many points, to be split), 4 bad timestamp, 5 empty metric, 6 not an object.
fn series(run: &Run, k: usize) -> (Value, Option<&'static str>) {
    let name = "m".repeat(run.size.clamp(1, 200)) + &format!(".{k}");
    let name = if name.chars().count() > 200 { name[name.len() - 200..].to_string() } else { name };
    let pts = |n: usize| (0..n).map(|j| json!([NOW_S - (j as i64 % 3000), j])).collect::<Vec<_>>();
    match run.kind {
        0 => (json!({ "metric": name, "points": pts(1) }), None),
        1 => (json!({ "metric": name, "points": pts(1 + k % 5), "tags": ["env:prop", format!("k:{k}")], "type": "gauge" }), None),
        2 => (json!({ "metric": name, "points": pts(3), "host": "h", "tags": vec!["t".repeat(run.size.max(1)); 3] }), None),
        3 => (json!({ "metric": name, "points": pts(run.size * 20) }), None),
        4 => (json!({ "metric": name, "points": [[NOW_S - 7200, 1]] }), Some("timestamp_out_of_range")),
        5 => (json!({ "metric": "", "points": pts(1) }), Some("invalid_payload")),
        _ => (json!(k), Some("invalid_payload")),
    }
}

fn metric_limits(version: u8, compress: &str) -> usize {
    let sent = if version == 1 { 3_200_000 } else { 512_000 };
    // Largest uncompressed body whose worst-case compressed size fits (see `intake::Compression`).
    (0..=sent).rev().step_by(1).find(|n| n + overhead(compress, *n) <= sent).unwrap()
}

fn overhead(compress: &str, n: usize) -> usize {
    match compress {
        "gzip" => n / 512 + 82,
        "deflate" => n / 512 + 70,
        _ => 0,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn metrics_batches_partition_the_input(runs in runs(7, vec![1, 10, 150, 200, 1200, 2000], 700), version in 1u8..=2, compress in proptest::sample::select(vec!["gzip", "deflate", "none"])) {
        let mut items = Vec::new();
        let mut planted = Vec::new();
        let mut budget: usize = 1_200_000;
        'outer: for r in &runs {
            for _ in 0..r.count {
                let (v, why) = series(r, items.len());
                let cost = v.to_string().len();
                if cost > budget { break 'outer; }
                budget -= cost;
                items.push(v);
                planted.push(why);
            }
        }
        let out = dispatch("encodeMetrics", json!({ "connection": connection(), "now": NOW_MS, "series": items, "version": version, "compress": compress })).unwrap();
        let seen = account(&out, items.len(), usize::MAX);
        let cap = metric_limits(version, compress);
        // Bodies: within the cap, and each series in a body is the item the batch says, with its points.
        let mut points_seen = vec![0usize; items.len()];
        for b in out["batches"].as_array().unwrap() {
            let text = b["request"]["body"].as_str().unwrap();
            prop_assert!(text.len() <= cap, "body of {} bytes over {}", text.len(), cap);
            let body: Value = serde_json::from_str(text).unwrap();
            let in_body = body["series"].as_array().unwrap();
            let idx = b["items"].as_array().unwrap();
            prop_assert_eq!(in_body.len(), idx.len());
            for (s, i) in in_body.iter().zip(idx) {
                let i = i.as_u64().unwrap() as usize;
                prop_assert_eq!(&s["metric"], &items[i]["metric"]);
                points_seen[i] += s["points"].as_array().unwrap().len();
            }
        }
        for i in 0..items.len() {
            match planted[i] {
                Some(code) => {
                    prop_assert_eq!(seen.rejected[i].as_deref(), Some(code), "item {}", i);
                    prop_assert_eq!(seen.whole[i] + seen.pieces[i].len(), 0);
                }
                None => {
                    prop_assert!(seen.rejected[i].is_none(), "valid item {} rejected: {:?}", i, seen.rejected[i]);
                    let n = items[i]["points"].as_array().unwrap().len();
                    if seen.pieces[i].is_empty() {
                        prop_assert_eq!(seen.whole[i], 1, "item {} seen {} times", i, seen.whole[i]);
                    } else {
                        prop_assert_eq!(seen.whole[i], 0);
                        let mut at = 0;
                        for &(a, b) in &seen.pieces[i] {
                            prop_assert_eq!(a, at);
                            prop_assert!(b > a);
                            at = b;
                        }
                        prop_assert_eq!(at as usize, n);
                    }
                    prop_assert_eq!(points_seen[i], n, "item {}: points lost or duplicated", i);
                }
            }
        }
    }
}

// ---- logs ----

/// Kinds: 0–2 valid (sizes from tiny to over 1 MB, which is `item_too_large`), 3 no message, 4 not an object,
/// 5 too old.
fn log(run: &Run, k: usize) -> (Value, Option<&'static str>) {
    let message = format!("{k}:{}", "x".repeat(run.size));
    let too_large = if run.size > 1_048_000 { Some("item_too_large") } else { None };
    match run.kind {
        0 => (json!({ "message": message }), too_large),
        1 => (json!({ "message": message, "ddtags": ["env:prop", "k:v"], "hostname": "h", "service": "ignored" }), too_large),
        2 => (json!({ "message": message, "timestamp": NOW_MS - 1000, "attributes": { "k": k } }), too_large),
        3 => (json!({ "msg": message }), Some("invalid_payload")),
        4 => (json!([message]), Some("invalid_payload")),
        _ => (json!({ "message": message, "timestamp": NOW_MS - 19 * 3_600_000 }), Some("timestamp_out_of_range")),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn logs_batches_partition_the_input(runs in runs(6, vec![0, 20, 300, 6_000, 12_000, 1_048_600], 1500), compress in proptest::sample::select(vec!["gzip", "none"])) {
        let mut items = Vec::new();
        let mut planted = Vec::new();
        let mut budget: usize = 7_000_000;
        'outer: for r in &runs {
            for _ in 0..r.count {
                let (v, why) = log(r, items.len());
                let cost = r.size + 100;
                if cost > budget { break 'outer; }
                budget -= cost;
                items.push(v);
                planted.push(why);
            }
        }
        let out = dispatch("encodeLogs", json!({ "connection": connection(), "now": NOW_MS, "source": "prop", "logs": items, "compress": compress })).unwrap();
        let seen = account(&out, items.len(), 1000);
        for b in out["batches"].as_array().unwrap() {
            let text = b["request"]["body"].as_str().unwrap();
            prop_assert!(text.len() <= 5_242_880, "body of {} bytes", text.len());
            let body: Vec<Value> = serde_json::from_str(text).unwrap();
            let idx = b["items"].as_array().unwrap();
            prop_assert_eq!(body.len(), idx.len());
            for (entry, i) in body.iter().zip(idx) {
                let i = i.as_u64().unwrap() as usize;
                prop_assert_eq!(&entry["message"], &items[i]["message"], "the batch's items say which logs it holds");
                prop_assert_eq!(&entry["ddsource"], "prop");
                prop_assert!(entry.to_string().len() <= 1_048_576);
            }
        }
        for (i, want) in planted.iter().enumerate().take(items.len()) {
            prop_assert!(seen.pieces[i].is_empty(), "logs are never split");
            match *want {
                Some(code) => {
                    prop_assert_eq!(seen.rejected[i].as_deref(), Some(code), "item {}", i);
                    prop_assert_eq!(seen.whole[i], 0);
                }
                None => {
                    prop_assert!(seen.rejected[i].is_none(), "valid item {} rejected: {:?}", i, seen.rejected[i]);
                    prop_assert_eq!(seen.whole[i], 1, "item {} seen {} times", i, seen.whole[i]);
                }
            }
        }
    }
}
