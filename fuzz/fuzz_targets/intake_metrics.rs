//! encodeMetrics through `api::call` with near-valid series: every index once (split series: pieces that
//! partition the points), bodies under the compressed and decompressed limits whatever the compression, and the
//! same answer from each way in: the verbatim reader, the checking reader on the text, and the checks on a parsed
//! `Value` (what a re-encode after a 413 takes).
#![no_main]
#[path = "../common/mod.rs"]
mod common;
use common::{Gen, Limits, NOW_MS, NOW_S};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

const OP: &str = "encodeMetrics";

const KEYS: &[&str] = &["metric", "points", "type", "interval", "tags", "resources", "unit", "source_type_name", "metadata", "host", "timestamp", "value", "name", "origin"];
const STRS: &[&str] = &["system.cpu", "a.b", "gauge", "count", "rate", "host", "byte", "env:prod"];

fn point(g: &mut Gen) -> Value {
    let ts = NOW_S + g.int(-3700, 700);
    match g.int(0, 6) {
        0 => json!({"timestamp": ts, "value": g.number()}),
        1 => g.value(2),
        _ => json!([ts, g.int(-1000, 1000)]),
    }
}

fn series(g: &mut Gen) -> Value {
    let n = match g.int(0, 29) {
        0 => 0,
        1 => g.pick(&[20_000usize, 70_000]),
        _ => g.usize(1, 6),
    };
    let points: Vec<Value> = (0..n).map(|_| point(g)).collect();
    let tags: Vec<Value> = (0..g.usize(0, 4)).map(|_| Value::String(g.string())).collect();
    let metric = g.string();
    let t = g.value(1);
    let host = g.string();
    g.mutate(json!({"metric": metric, "points": points, "tags": tags, "type": t, "host": host, "interval": 10, "unit": "byte", "resources": [{"name": "r", "type": "host"}]}))
}

fuzz_target!(|data: &[u8]| {
    let mut g = Gen::new(data, KEYS, STRS);
    let items = g.items(series);
    let version = match g.int(0, 4) {
        0 => Value::Null,
        1 => json!(1),
        2 | 3 => json!(2),
        _ => g.value(3),
    };
    let compress = g.compress();
    let mut args = json!({"connection": common::connection(), "now": NOW_MS, "series": items, "version": version});
    if let Some(c) = &compress {
        args["compress"] = c.clone();
    }
    if g.chance(1, 6) {
        let sel = common::select(&mut g, items.len());
        args["select"] = sel.clone();
        let out = common::check_output(&datadog_oauth_wasm::api::call(OP, &args.to_string()));
        common::check_selected(&out, &sel);
        return;
    }
    let text = args.to_string();
    let out = common::check_output(&datadog_oauth_wasm::api::call("encodeMetrics", &text));
    common::check_readers_agree(OP, &text);
    // `"select": null` is no selection, but it sends the text down the general path: parsed into a `Value`, and
    // each series checked there in place.
    let by_value = datadog_oauth_wasm::api::read_output(&datadog_oauth_wasm::api::call(OP, &format!("{},\"select\":null}}", &text[..text.len() - 1]))).unwrap();
    let verbatim = datadog_oauth_wasm::api::read_output(&datadog_oauth_wasm::api::call(OP, &text)).unwrap();
    assert_eq!(common::bodies_parsed(verbatim), common::bodies_parsed(by_value), "verbatim reader and checks on a Value disagree");
    let v1 = version == json!(1);
    let limits = if v1 { Limits { max_sent: 3_200_000, max_body: 62_914_560, max_items: usize::MAX } } else { Limits { max_sent: 512_000, max_body: 5_242_880, max_items: usize::MAX } };
    let url = if v1 { "https://api.datadoghq.eu/api/v1/series" } else { "https://api.datadoghq.eu/api/v2/series" };
    common::check_encoded(&out, items.len(), &limits, url, |i| items[i]["points"].as_array().map(Vec::len));
});
