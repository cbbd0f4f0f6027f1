//! The JSON surface of the core: one named operation, a JSON input, a JSON output `{"ok": ...}` or
//! `{"error": {code, message, hint, ...}}`. The wasm boundary forwards to `call` unchanged, so the
//! JavaScript API and the native tests exercise exactly the same code. The operations are the rows of `ops`.

use crate::error::{Error, ErrorCode, Result};
use crate::json::ToJson;
use serde_json::Value;

/// Read what `call` returned, with detached bodies put back in place (`batches[].request.bodyRef` becomes `body`).
pub fn read_output(text: &str) -> Result<Value> {
    let mut parts = text.split('\0');
    let head = parts.next().unwrap_or_default();
    let bodies: Vec<&str> = parts.collect();
    let mut v: Value = serde_json::from_str(head).map_err(|e| {
        Error::new(
            ErrorCode::InvalidResponse,
            format!("the result cannot be read back: {e}"),
            "The response is nested too deeply; read it with call() and your own JSON parser.",
        )
    })?;
    if let Some(batches) = v.get_mut("ok").and_then(|ok| ok.get_mut("batches")).and_then(Value::as_array_mut) {
        for b in batches {
            let Some(req) = b.get_mut("request").and_then(Value::as_object_mut) else { continue };
            if let Some(i) = req.remove("bodyRef").and_then(|r| r.as_u64()) {
                req.insert("body".into(), Value::String(bodies.get(i as usize).copied().unwrap_or_default().to_string()));
            }
        }
    }
    Ok(v)
}

/// The whole boundary in one function: JSON text in, JSON text out, never a panic for bad input.
pub fn call(op: &str, json: &str) -> String {
    answer(crate::ops::run(op, if json.is_empty() { "{}" } else { json }))
}

/// `call`, with the byte offsets of the answer's NULs (`ops::Answer`): what the wasm boundary describes to the host.
#[cfg(any(feature = "client", feature = "intake"))]
pub fn call_answer(op: &str, json: &str) -> (String, Vec<usize>) {
    match crate::ops::run_answer(op, if json.is_empty() { "{}" } else { json }) {
        Ok(a) => (a.text, a.nuls),
        Err(e) => (answer(Err(e)), Vec::new()),
    }
}

/// `call` on the UTF-8 bytes of the JSON text (what the host wrote with `TextEncoder.encodeInto`).
pub fn call_utf8(op: &str, json: &[u8]) -> String {
    match std::str::from_utf8(json) {
        Ok(text) => call(op, text),
        Err(_) => {
            answer(Err(Error::new(ErrorCode::InvalidInput, format!("{op}: the arguments are not UTF-8"), "Pass the JSON text as TextEncoder encodes it.")))
        }
    }
}

fn answer(result: Result<String>) -> String {
    match result {
        Ok(text) => text,
        Err(e) => {
            let mut s = String::from("{\"error\":");
            e.write_json(&mut s);
            s.push('}');
            s
        }
    }
}

/// The same operation with `Value`s in and out, for Rust callers and tests: goes through `call`'s exact path.
pub fn dispatch(op: &str, args: Value) -> Result<Value> {
    let text = crate::ops::run(op, &args.to_string())?;
    let mut v = read_output(&text)?;
    Ok(v["ok"].take())
}
