//! The hand-written JSON reader of the authorization operations, against serde_json: bounded depth, and any
//! document serde_json reads (within our depth) is read the same way.
#![no_main]
use datadog_oauth_wasm::json::{parse, Json};
use datadog_oauth_wasm::ErrorCode;
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};

fn to_value(j: &Json) -> Value {
    match j {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Num(t) => serde_json::from_str(t).unwrap_or(Value::Null),
        Json::Str(s) => Value::String(s.clone()),
        Json::Arr(a) => Value::Array(a.iter().map(to_value).collect()),
        // Later duplicates win, as in serde_json and in `Fields::get`.
        Json::Obj(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), to_value(v))).collect::<Map<_, _>>()),
    }
}

fn depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        Value::Object(o) => 1 + o.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let ours = parse(text);
    if let Err(e) = &ours {
        assert_eq!(e.code, ErrorCode::InvalidInput);
    }
    if let Ok(theirs) = serde_json::from_str::<Value>(text) {
        if depth(&theirs) <= 60 {
            let ours = ours.unwrap_or_else(|e| panic!("serde_json reads it, we do not: {}", e.message));
            // Numbers: compare what serde_json makes of our number text.
            assert_eq!(to_value(&ours), theirs);
        }
    }
});
