use super::*;
use serde_json::json;

/// The checking reader on the text (`encode_text`, for v1 here) and the same checks on a parsed `Value` (`encode`)
/// agree on every shape, good or bad.
#[test]
fn text_and_value_paths_agree() {
    const T: i64 = 1_700_000_000;
    let series = json!([
        { "metric": "a", "points": [{ "timestamp": T, "value": 1.5 }, [T - 1, 2], { "value": 3, "timestamp": T }] },
        { "metric": "b", "type": "gauge", "host": "h", "tags": ["x:1"], "points": [{ "timestamp": T, "value": 1, "extra": 1 }] },
        { "metric": "c", "points": [{ "timestamp": "soon", "value": 1 }] },
        { "metric": "d", "points": [{ "timestamp": T, "value": null }] },
        { "metric": "e", "points": [[T, 1, 2]] },
        { "metric": "f", "points": [] },
        { "metric": "g", "points": {} },
        { "metric": "h", "points": null },
        { "metric": "i" },
        { "metric": "j", "points": [{ "timestamp": T * 1000, "value": 1 }] },
        { "metric": "k", "points": [{ "timestamp": T - 7200, "value": 1 }] },
        { "metric": "l", "points": [{ "timestamp": T, "value": 1 }], "points2": 1 },
        ["not", "an", "object"],
        "nor this",
        { "metric": "m", "points": [1, "x", true, null, { "timestamp": T, "value": 1e300 }] },
        { "metric": "n", "unit": "ms", "resources": [{ "name": "r", "type": "host" }], "metadata": { "origin": {} }, "points": [{ "timestamp": T, "value": -0.0 }] }
    ]);
    for version in [1, 2] {
        let args = json!({ "connection": { "site": crate::site::resolve_site("us3").unwrap(), "apiKey": "k".repeat(32) },
            "now": T * 1000, "version": version, "compress": "none", "series": series });
        let by_value = encode(&args).unwrap().into_value();
        let by_text = encode_text(&args.to_string()).unwrap().unwrap().into_value();
        assert_eq!(by_text, by_value, "version {version}");
        assert!(!by_value["rejected"].as_array().unwrap().is_empty());
    }
    for bad in [json!({ "series": {} }), json!({ "series": 3 }), json!({})] {
        let mut args = json!({ "connection": { "site": crate::site::resolve_site("us3").unwrap(), "apiKey": "k" }, "now": T * 1000 });
        args.as_object_mut().unwrap().extend(bad.as_object().unwrap().clone());
        assert_eq!(encode_text(&args.to_string()).unwrap().unwrap_err().code, encode(&args).unwrap_err().code);
    }
}

/// An answer with each body parsed, so the verbatim path (key order as the caller wrote it) compares equal.
fn parsed_bodies(e: Encoded) -> Value {
    let mut v = e.into_value();
    for b in v["batches"].as_array_mut().unwrap() {
        let body: Value = serde_json::from_str(b["request"]["body"].as_str().unwrap()).unwrap();
        b["request"]["body"] = body;
    }
    v
}

/// Series in wire form are copied as written (the key order shows it), everything else is parsed, and the
/// answer is the one `encode` gives: same batches, items, parts, rejections, and bodies equal as JSON.
#[test]
fn verbatim_series_match_the_parsed_path() {
    const T: i64 = 1_700_000_000;
    let p = |n: usize| (0..n).map(|j| format!(r#"{{"value":{j}.5,"timestamp":{}}}"#, T - (j as i64 % 3000))).collect::<Vec<_>>().join(",");
    let series = [
        format!(
            r#"{{"points":[{}],"metric":"wire.a","tags":["a:1","\u00e9\"x"],"type":3,"unit":"ms","resources":[{{"type":"host","name":"h"}}],"interval":10,"source_type_name":"s"}}"#,
            p(3)
        ),
        format!(r#"{{"metric":"host.goes.to.resources","host":"h","points":[{}]}}"#, p(1)),
        format!(r#"{{"metric":"too.old","points":[{{"timestamp":{},"value":1}}]}}"#, T - 7200),
        format!(r#"{{"metric":"ms","points":[{{"timestamp":{},"value":1}}]}}"#, T * 1000),
        format!(r#"{{"metric":"","points":[{}]}}"#, p(1)),
        format!(r#"{{"metric":"{}","points":[{}]}}"#, "m".repeat(201), p(1)),
        format!(r#"{{"metric":"dup","metric":"dup2","points":[{}]}}"#, p(1)),
        format!(r#"{{"metric":"spaced", "points":[{}]}}"#, p(1)),
        format!(r#"{{"metric":"float.ts","points":[{{"timestamp":{T}.0,"value":1}}]}}"#),
        format!(r#"{{"metric":"exp","points":[{{"timestamp":{T},"value":1e300}}]}}"#),
        format!(r#"{{"metric":"empty.resources","resources":[],"points":[{}]}}"#, p(1)),
        format!(r#"{{"metric":"type.name","type":"gauge","points":[{}]}}"#, p(1)),
        format!(r#"{{"metric":"type.4","type":4,"points":[{}]}}"#, p(1)),
        r#"{"metric":"no.points","points":[]}"#.to_string(),
        format!(r#"{{"metric":"big","tags":["{}"],"points":[{}]}}"#, "t".repeat(300), p(20_000)),
        format!(r#"{{"metric":"wire.b","points":[{}]}}"#, p(2)),
    ];
    let conn = json!({ "site": crate::site::resolve_site("eu1").unwrap(), "apiKey": "k".repeat(32) });
    for compress in ["gzip", "none"] {
        let text = format!(r#"{{"connection":{conn},"now":{},"compress":"{compress}","series":[{}]}}"#, T * 1000, series.join(","));
        let verbatim = verbatim::encode(&text).expect("taken").unwrap();
        let body = &verbatim.batches[0].request.body;
        assert!(body.as_deref().unwrap().contains(&series[0]), "the first series is copied as written");
        let by_value = encode(&serde_json::from_str(&text).unwrap()).unwrap();
        assert!(by_value.batches.len() > 1, "the big series is split");
        assert_eq!(parsed_bodies(verbatim), parsed_bodies(by_value), "{compress}");
    }
    // Left to the other paths: v1, a selection, text serde_json refuses (its error is the one reported).
    let base = format!(r#""connection":{conn},"now":{},"series":[{}]"#, T * 1000, series[0]);
    assert!(verbatim::encode(&format!(r#"{{{base},"version":1}}"#)).is_none());
    assert!(verbatim::encode(&format!(r#"{{{base},"select":[0]}}"#)).is_none());
    assert!(encode_text(&format!(r#"{{{base},"select":[0]}}"#)).is_none());
    assert!(verbatim::encode(&format!(r#"{{{base},"x":01}}"#)).is_none());
    assert_eq!(encode_text(&format!(r#"{{{base},"x":01}}"#)).unwrap().unwrap_err().code, ErrorCode::InvalidInput);
    let e = encode_text(&format!(r#"{{"connection":{conn},"now":{},"series":{{}}}}"#, T * 1000)).unwrap().unwrap_err();
    assert_eq!(e.field.as_deref(), Some("series"));
}

const NOW: i64 = 1_700_000_000_000;
const T: i64 = 1_700_000_000;

fn conn() -> Value {
    json!({ "site": crate::site::resolve_site("us1").unwrap(), "apiKey": "k" })
}

fn run(extra: Value) -> Encoded {
    let mut args = json!({ "connection": conn(), "now": NOW });
    for (k, v) in extra.as_object().unwrap() {
        args[k] = v.clone();
    }
    encode(&args).unwrap()
}

/// Every index appears exactly once (split series: once per piece, pieces partition its points).
fn check_partition(out: &Encoded, series: &[Value]) {
    let mut seen = vec![0usize; series.len()];
    let mut pieces: Vec<Vec<(usize, usize)>> = vec![Vec::new(); series.len()];
    for b in &out.batches {
        for &i in &b.items {
            match b.parts.iter().find(|p| p.index == i) {
                Some(p) => pieces[i].push((p.start, p.end)),
                None => seen[i] += 1,
            }
        }
    }
    for r in &out.rejected {
        seen[r.index] += 1;
    }
    for (i, s) in series.iter().enumerate() {
        if pieces[i].is_empty() {
            assert_eq!(seen[i], 1, "index {i}");
        } else {
            assert_eq!(seen[i], 0, "index {i}");
            let mut at = 0;
            for (a, b) in &pieces[i] {
                assert_eq!(*a, at);
                at = *b;
            }
            assert_eq!(at, s["points"].as_array().unwrap().len());
        }
    }
}

fn random_name(seed: &mut u64, len: usize) -> String {
    const A: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.";
    (0..len)
        .map(|_| {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            A[(*seed % A.len() as u64) as usize] as char
        })
        .collect()
}

#[test]
fn body_caps_leave_room_for_compression() {
    assert_eq!(body_cap(2, Compression::None), 512_000);
    assert_eq!(body_cap(2, Compression::Gzip), 510_921);
    assert_eq!(body_cap(1, Compression::Gzip), 3_193_681);
    assert!(body_cap(2, Compression::Deflate) + Compression::Deflate.worst_overhead(body_cap(2, Compression::Deflate)) <= 512_000);
}

#[test]
fn random_names_stay_under_the_compressed_limit() {
    // Random metric names do not compress: bodies must be small enough that even zlib's stored-block
    // worst case stays ≤ 512000 bytes.
    let mut seed = 0x9e3779b97f4a7c15u64;
    let series: Vec<Value> = (0..8000)
        .map(|_| json!({ "metric": random_name(&mut seed, 190), "points": [{"timestamp": T, "value": 1.5}], "tags": [random_name(&mut seed, 60)] }))
        .collect();
    for compress in ["gzip", "deflate", "none"] {
        let out = run(json!({ "series": series, "compress": compress }));
        assert!(out.rejected.is_empty());
        assert!(out.batches.len() > 3);
        check_partition(&out, &series);
        let c = Compression::parse(Some(&json!(compress)), Compression::Gzip).unwrap();
        for b in &out.batches {
            let n = b.request.body.as_ref().unwrap().len();
            assert!(n <= V2_MAX_DECOMPRESSED);
            assert!(n + c.worst_overhead(n) <= V2_MAX_COMPRESSED, "{compress}: {n}");
            assert_eq!(b.request.compress.as_deref(), c.name());
        }
    }
}

#[test]
fn oversized_series_is_split_by_points() {
    let points: Vec<Value> = (0..30_000).map(|k| json!({"timestamp": T - (k % 3600), "value": k})).collect();
    let series = vec![json!({"metric": "a.b", "points": points.clone(), "tags": ["x:y"]}), json!({"metric": "small", "points": [[T, 1]]})];
    let out = run(json!({ "series": series }));
    assert!(out.rejected.is_empty());
    check_partition(&out, &series);
    assert!(out.batches.len() >= 2);
    let mut total = 0;
    for b in &out.batches {
        let body: Value = serde_json::from_str(b.request.body.as_ref().unwrap()).unwrap();
        assert!(b.request.body.as_ref().unwrap().len() <= body_cap(2, Compression::Gzip));
        for s in body["series"].as_array().unwrap() {
            if s["metric"] == "a.b" {
                assert_eq!(s["tags"], json!(["x:y"]));
                total += s["points"].as_array().unwrap().len();
            }
        }
    }
    assert_eq!(total, 30_000);
    // The small series shares the last piece's batch.
    assert_eq!(out.batches.last().unwrap().items, vec![0, 1]);
}

#[test]
fn unsplittable_series_is_rejected_item_too_large() {
    let tags: Vec<String> = (0..60_000).map(|k| format!("tag{k}:value")).collect();
    let series = vec![json!({"metric": "m", "points": [[T, 1], [T, 2]], "tags": tags}), json!({"metric": "ok", "points": [[T, 1]]})];
    let out = run(json!({ "series": series }));
    assert_eq!(out.rejected.len(), 1);
    assert_eq!(out.rejected[0].error.code, ErrorCode::ItemTooLarge);
    assert_eq!(out.batches.len(), 1);
    assert_eq!(out.batches[0].items, vec![1]);
}

#[test]
fn timestamp_window_edges() {
    let series: Vec<Value> =
        [T - 3600, T - 3601, T + 600, T + 601].iter().map(|ts| json!({"metric": "m", "points": [{"timestamp": ts, "value": 1}]})).collect();
    let out = run(json!({ "series": series }));
    assert_eq!(out.batches[0].items, vec![0, 2]);
    let bad: Vec<_> = out.rejected.iter().map(|r| (r.index, r.error.code, r.error.field.clone().unwrap())).collect();
    assert_eq!(
        bad,
        vec![
            (1, ErrorCode::TimestampOutOfRange, "series[1].points[0].timestamp".to_string()),
            (3, ErrorCode::TimestampOutOfRange, "series[3].points[0].timestamp".to_string())
        ]
    );
}

#[test]
fn v1_shape_and_type_names() {
    let series = vec![json!({"metric": "m", "points": [{"timestamp": T, "value": 2}], "type": 1, "host": "h", "tags": ["a:b"]})];
    let out = run(json!({ "series": series, "version": 1 }));
    let r = &out.batches[0].request;
    assert_eq!(r.url, "https://api.datadoghq.com/api/v1/series");
    assert_eq!(r.headers["content-type"], "text/json");
    let body: Value = serde_json::from_str(r.body.as_ref().unwrap()).unwrap();
    assert_eq!(body, json!({"series": [{"metric": "m", "type": "count", "points": [[T, 2]], "host": "h", "tags": ["a:b"]}]}));
    let out = run(json!({ "series": [{"metric": "m", "points": [[T, 1]], "unit": "byte"}], "version": 1 }));
    assert_eq!(out.rejected[0].error.code, ErrorCode::InvalidPayload);
    assert!(out.rejected[0].error.hint.contains("version 2"));
}

#[test]
fn v2_names_become_ints_and_host_becomes_resource() {
    let out = run(json!({ "series": [{"metric": "m", "points": [[T, 1]], "type": "gauge", "host": "h"}] }));
    let body: Value = serde_json::from_str(out.batches[0].request.body.as_ref().unwrap()).unwrap();
    assert_eq!(body["series"][0]["type"], 3);
    assert_eq!(body["series"][0]["resources"], json!([{"name": "h", "type": "host"}]));
    assert_eq!(body["series"][0]["points"], json!([{"timestamp": T, "value": 1}]));
}

#[test]
fn validation_errors_name_fields() {
    let long = "m".repeat(201);
    let cases = [
        (json!({"points": [[T, 1]]}), "series[0].metric"),
        (json!({"metric": long, "points": [[T, 1]]}), "series[0].metric"),
        (json!({"metric": "m", "points": []}), "series[0].points"),
        (json!({"metric": "m", "points": [[T, null]]}), "series[0].points[0].value"),
        (json!({"metric": "m", "points": [[T, 1]], "type": 4}), "series[0].type"),
        (json!({"metric": "m", "points": [[T, 1]], "tag": ["x"]}), "series[0].tag"),
        (json!({"metric": "m", "points": [[T, 1]], "tags": ["x", 1]}), "series[0].tags[1]"),
        (json!("m"), "series[0]"),
    ];
    for (s, field) in cases {
        let out = run(json!({ "series": [s] }));
        assert_eq!(out.rejected.len(), 1, "{field}");
        assert_eq!(out.rejected[0].error.field.as_deref(), Some(field));
        assert!(out.batches.is_empty());
    }
    let ok = run(json!({ "series": [{"metric": "m".repeat(200), "points": [[T, 1]]}] }));
    assert!(ok.rejected.is_empty());
}

#[test]
fn missing_api_key_and_now() {
    let e = encode(&json!({ "connection": { "site": crate::site::resolve_site("eu").unwrap() }, "now": NOW, "series": [] })).unwrap_err();
    assert_eq!(e.code, ErrorCode::MissingApiKey);
    let e = encode(&json!({ "connection": conn(), "series": [] })).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("now"));
}

/// The rules live once in `model`: the verbatim reader refuses what the checks refuse, even where only one
/// rule tells them apart (a "seconds" timestamp that is milliseconds, inside the window of a far-future `now`;
/// a type or interval out of range; a metric name too long or blank), and the checks then give the error.
#[test]
fn verbatim_reader_applies_the_model_rules() {
    let conn = json!({ "site": crate::site::resolve_site("us1").unwrap(), "apiKey": "k" });
    let far: i64 = 200_000_000_000_000;
    let cases = [
        (far, format!(r#"{{"metric":"ms","points":[{{"timestamp":{},"value":1}}]}}"#, far / 1000), ErrorCode::TimestampOutOfRange, "points[0].timestamp"),
        (NOW, format!(r#"{{"metric":"t","type":4,"points":[{{"timestamp":{T},"value":1}}]}}"#), ErrorCode::InvalidPayload, "type"),
        (NOW, format!(r#"{{"metric":"i","interval":-5,"points":[{{"timestamp":{T},"value":1}}]}}"#), ErrorCode::InvalidPayload, "interval"),
        (NOW, format!(r#"{{"metric":"{}","points":[{{"timestamp":{T},"value":1}}]}}"#, "é".repeat(201)), ErrorCode::InvalidPayload, "metric"),
        (NOW, format!(r#"{{"metric":" ","points":[{{"timestamp":{T},"value":1}}]}}"#), ErrorCode::InvalidPayload, "metric"),
    ];
    for (now_ms, series, code, field) in cases {
        let text = format!(r#"{{"connection":{conn},"now":{now_ms},"series":[{series}]}}"#);
        let verbatim = verbatim::encode(&text).expect("taken").unwrap();
        assert!(verbatim.batches.is_empty(), "{series}");
        let e = &verbatim.rejected[0].error;
        assert_eq!((e.code, e.field.clone().unwrap()), (code, format!("series[0].{field}")));
        let by_value = encode(&serde_json::from_str(&text).unwrap()).unwrap();
        assert_eq!(verbatim.into_value(), by_value.into_value());
    }
}

/// Points as `JSON.stringify` writes them take the literal-key shortcut (`point_stringified`); every near miss
/// falls back to the general point reader or the checks, and the answer is the parsed path's either way.
#[test]
fn stringified_points_and_their_near_misses() {
    let conn = json!({ "site": crate::site::resolve_site("us1").unwrap(), "apiKey": "k".repeat(32) });
    let good = format!(r#"{{"timestamp":{T},"value":1.25}}"#);
    // (a second point, copied as written?)
    let cases = [
        (format!(r#"{{"timestamp":{},"value":-3}}"#, T - 60), true),
        (format!(r#"{{"value":2,"timestamp":{T}}}"#), true),
        (format!(r#"{{"timestamp":{T}.5,"value":1}}"#), false),
        (format!(r#"{{"timestamp":{T}e0,"value":1}}"#), false),
        (r#"{"timestamp":-0,"value":1}"#.to_string(), false),
        (format!(r#"{{"timestamp":{T},"value":1e300}}"#), false),
        (format!(r#"{{"timestamp":{T},"value":1,"extra":1}}"#), false),
        (format!(r#"{{"timestamp":{T},"value":1,"timestamp":{T}}}"#), false),
        (format!(r#"{{"timestamp":{T},"value":1,"value":2}}"#), false),
        (format!(r#"{{"timestamp":{T},"value":"1"}}"#), false),
        (format!(r#"{{"timestamp":{T},"value":null}}"#), false),
        (format!(r#"{{"timestamp":{T}, "value":1}}"#), false),
        (format!(r#"{{"timestamp":{T}}}"#), false),
        (format!(r#"{{"timestamp":{},"value":1}}"#, "9".repeat(19)), false),
        (format!(r#"{{"timestamp":{},"value":1}}"#, T * 1000), false),
        (format!(r#"{{"timestamp":{T},"value":{}}}"#, "9".repeat(300)), false),
    ];
    for (point, copied) in cases {
        let series = format!(r#"{{"metric":"p","points":[{good},{point}]}}"#);
        let text = format!(r#"{{"connection":{conn},"now":{},"series":[{series}]}}"#, T * 1000);
        let verbatim = verbatim::encode(&text).expect("taken").unwrap();
        let as_written = verbatim.batches.first().is_some_and(|b| b.request.body.as_deref().unwrap().contains(&series));
        assert_eq!(as_written, copied, "{point}");
        let by_value = encode(&serde_json::from_str(&text).unwrap()).unwrap();
        assert_eq!(parsed_bodies(verbatim), parsed_bodies(by_value), "{point}");
    }
    // Not JSON: the whole text goes to the checking reader, which reports serde_json's error.
    for point in [format!(r#"{{"timestamp":{T},"value":01}}"#), format!(r#"{{"timestamp":{T},"value":-}}"#), format!(r#"{{"timestamp":{T},"value":1"#)] {
        let text = format!(r#"{{"connection":{conn},"now":{},"series":[{{"metric":"p","points":[{point}]}}]}}"#, T * 1000);
        assert!(verbatim::encode(&text).is_none(), "{point}");
        assert_eq!(encode_text(&text).unwrap().unwrap_err().code, ErrorCode::InvalidInput, "{point}");
    }
}

/// The connection's site and `sites` decoded straight from their text (`intake::shared_from_text`) give what the
/// `Value` path gives, answer or error word for word, for good and hostile connections and site lists alike; and
/// texts a `Value` refuses are still refused as the checking reader words it.
#[test]
fn connection_and_sites_from_text_answer_as_the_value_path() {
    const T: i64 = 1_700_000_000;
    let custom = crate::site::custom_site(&crate::site::CustomSiteSpec {
        id: Some("sbx".into()),
        site: "datadoghq.eu".into(),
        app_origin: "http://127.0.0.1:9001".into(),
        api_origin: "http://127.0.0.1:9002".into(),
        ..Default::default()
    })
    .unwrap();
    let cs = serde_json::to_string(&custom).unwrap();
    let us1 = serde_json::to_string(&crate::site::resolve_site("us1").unwrap()).unwrap();
    let vanity = serde_json::to_string(&crate::site::resolve_site("acme.datadoghq.eu").unwrap()).unwrap();
    let forged = cs.replace("9002", "9999");
    let key = format!(r#""apiKey":"{}""#, "k".repeat(32));
    let connections = [
        format!(r#"{{"site":{cs},{key},"accessToken":"t","scopes":["a"],"expiresAt":1,"x":{{"y":[1,2]}}}}"#),
        format!(r#"{{"site":{us1},{key}}}"#),
        format!(r#"{{"site":{vanity},{key}}}"#),
        format!(r#"{{"site":{forged},{key}}}"#),
        format!(r#"{{{key},"site":{us1},"site":{cs}}}"#),
        format!(r#"{{"site":{us1},"apiKey":"a","apiKey":"{}"}}"#, "k".repeat(32)),
        format!(r#"{{"site":{us1},"apiKey":12}}"#),
        format!(r#"{{"site":{us1},"apiKey":null}}"#),
        format!(r#"{{"site":{us1},"apiKey":"   "}}"#),
        format!(r#"{{"site":{us1}}}"#),
        format!(r#"{{"site":{us1},"apiKey":{{"k":1}}}}"#),
        format!(r#"{{"site":{us1},{key},"note":"\u00e9\n"}}"#),
        format!(r#"{{"site":"us1",{key}}}"#),
        format!(r#"{{"site":null,{key}}}"#),
        format!(r#"{{{key}}}"#),
        format!(r#"{{"site":{},{key}}}"#, us1.replace(r#""site":"datadoghq.com""#, r#""site":7"#)),
        format!(r#"{{"site":{},{key}}}"#, cs.replace(r#""custom":true"#, r#""custom":"yes""#)),
        format!(r#"{{"site":{us1},"api\u004bey":"{}"}}"#, "k".repeat(32)),
        format!(r#"{{ "site" : {cs} , {key} , "accessToken" : "t" }}"#),
        format!(r#"{{"site":{cs},"apiKey":"\u006b{}"}}"#, "k".repeat(31)),
        r#""a connection""#.to_string(),
        "[1]".to_string(),
        "null".to_string(),
    ];
    let site_lists = [
        None,
        Some("null".to_string()),
        Some("[]".to_string()),
        Some(format!("[{cs}]")),
        Some(format!("[{us1},{cs}]")),
        Some(format!("[{cs},null]")),
        Some(format!("[{}]", cs.replace("http://127.0.0.1:9002", "http://10.0.0.1:9002"))),
        Some(format!("[{}]", cs.replace(r#""id":"sbx""#, r#""id":"a","id":"sbx""#))),
        Some(format!(r#"{{"0":{cs}}}"#)),
        Some(r#""sbx""#.to_string()),
    ];
    let series = format!(r#"[{{"metric":"m","type":3,"points":[{{"timestamp":{T},"value":1}}]}}]"#);
    let outcome = |r: Result<Encoded>| match r {
        Ok(e) => Ok(parsed_bodies(e)),
        Err(e) => Err((e.code, e.message, e.hint, e.field)),
    };
    let (mut checked, mut accepted) = (0, 0);
    // Twice over: the second time the checked sites are remembered (`intake::checked`), for every pair accepted.
    for c in connections.iter().chain(&connections) {
        for s in &site_lists {
            let sites = s.as_ref().map(|s| format!(r#","sites":{s}"#)).unwrap_or_default();
            let text = format!(r#"{{"connection":{c},"now":{},"series":{series}{sites}}}"#, T * 1000);
            let value: Value = serde_json::from_str(&text).unwrap();
            let by_text = outcome(encode_text(&text).unwrap());
            assert_eq!(by_text, outcome(encode(&value)), "{text}");
            checked += 1;
            accepted += usize::from(by_text.is_ok());
        }
    }
    assert!(accepted >= 10 && checked - accepted >= 200, "{accepted} of {checked}");
    // More pairs than are remembered, twice over, each site listed with its neighbour (and refused in the next list).
    let many: Vec<String> = (0..40)
        .map(|i| {
            let spec = crate::site::CustomSiteSpec { id: Some(format!("m{i}")), site: "datadoghq.com".into(), app_origin: format!("http://127.0.0.1:{}", 7000 + i), api_origin: format!("http://127.0.0.1:{}", 7100 + i), ..Default::default() };
            serde_json::to_string(&crate::site::custom_site(&spec).unwrap()).unwrap()
        })
        .collect();
    for _ in 0..2 {
        for i in 0..40 {
            for list in [format!("[{},{}]", many[i], many[(i + 1) % 40]), format!("[{}]", many[(i + 1) % 40])] {
                let text = format!(r#"{{"connection":{{"site":{},{key}}},"now":{},"series":{series},"sites":{list}}}"#, many[i], T * 1000);
                let value: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(outcome(encode_text(&text).unwrap()), outcome(encode(&value)), "{text}");
            }
        }
    }
    // The logs encoder reads them the same way.
    for c in &connections[..6] {
        for s in &site_lists[..6] {
            let sites = s.as_ref().map(|s| format!(r#","sites":{s}"#)).unwrap_or_default();
            let text = format!(r#"{{"connection":{c},"now":{},"source":"acme","logs":[{{"message":"m"}}]{sites}}}"#, T * 1000);
            let value: Value = serde_json::from_str(&text).unwrap();
            let logs = |r: Result<Encoded>| outcome(r);
            assert_eq!(logs(crate::intake::logs::encode_text(&text).unwrap()), logs(crate::intake::logs::encode(&value)), "{text}");
        }
    }
    // The typed reading is the one taken for the usual texts, and declines the odd ones.
    let shared = |c: &str, s: Option<&str>| crate::intake::shared_from_text(c, s).is_some();
    assert!(shared(&connections[0], Some(&format!("[{cs}]"))) && shared(&connections[1], None) && shared(&connections[1], Some("null")));
    assert!(!shared(&connections[4], None) && !shared(&connections[5], None) && !shared(&connections[12], None));
    assert!(!shared(&connections[0], Some(&format!("[{cs},null]"))) && !shared(&connections[0], Some(r#""sbx""#)));
    // What a `Value` refuses (a number beyond f64's range, a lone surrogate) in a field `common` never reads: refused as
    // the checking reader words it, as before, not skipped.
    for odd in [r#""x":1e400"#, r#""x":"\ud800""#] {
        for (c, s) in [(format!(r#"{{"site":{us1},{key},{odd}}}"#), String::new()), (format!(r#"{{"site":{cs},{key}}}"#), format!(r#","sites":[{{{odd},{}"#, &cs[1..]))] {
            let text = format!(r#"{{"connection":{c},"now":{},"series":{series}{s}}}"#, T * 1000);
            assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
            assert_eq!(outcome(encode_text(&text).unwrap()), outcome(encode_checked(&text)), "{text}");
        }
    }
}
