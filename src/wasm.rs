//! The wasm boundary, and the only module that names wasm_bindgen. One operation entry point keeps the JS glue
//! tiny: the host passes an operation name and JSON, and gets JSON back (see `api`). It comes in two forms that
//! differ only in how the text crosses: strings both ways (the authorization core), or UTF-8 the host wrote straight
//! into a buffer in linear memory, answered as bytes (the full core), so request bodies reach gzip and `fetch` as
//! bytes without ever becoming a JS string.

use wasm_bindgen::prelude::*;

// The global allocator of the wasm build: smaller than std's dlmalloc, and allocation is per call anyway.
#[cfg(not(target_feature = "atomics"))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[wasm_bindgen]
pub fn call(op: &str, json: &str) -> String {
    route(op, json)
}

/// The operations that exist only at the wasm boundary, then everything else (`api`).
fn route(op: &str, json: &str) -> String {
    match op {
        "__trap" => trap(json),
        _ => crate::api::call(op, json),
    }
}

/// `__trap`: a real trap, on an explicit argument only, so the host's recovery from one (js/core.js rebuilds the
/// instance) is tested through the shipped package, both cores: `{"kind":"unreachable"}` executes `unreachable`,
/// `{"kind":"oom"}` allocates until linear memory cannot grow (a real allocation failure, then the trap an
/// out-of-memory ends in). A cargo feature or a debug-only op would leave the release build, the one users run, untested.
/// Anything else is an ordinary error. Takes a few bytes of the budgeted authorization core.
fn trap(json: &str) -> String {
    // Matched on the text JSON.stringify gives (`kind` first; more fields may follow, e.g. padding that makes the
    // call go through `call_bytes`), not parsed: the authorization core's bytes are budgeted.
    if json.starts_with(r#"{"kind":"unreachable""#) {
        core::arch::wasm32::unreachable()
    }
    if json.starts_with(r#"{"kind":"oom""#) {
        // 1 GiB at a time, never written (no page is touched): the fourth request finds the 4 GiB space full.
        let layout = std::alloc::Layout::from_size_align(1 << 30, 1).unwrap();
        loop {
            // SAFETY: a non-zero size; the blocks are leaked on purpose and die with the instance.
            // What `handle_alloc_error` ends in with panic = "abort", without linking std's stderr report.
            // black_box: an allocation nobody uses may otherwise be elided (and assumed to succeed): an endless loop.
            if std::hint::black_box(unsafe { std::alloc::alloc(layout) }).is_null() {
                core::arch::wasm32::unreachable()
            }
        }
    }
    crate::api::call("__trap", json)
}

/// Room for `len` bytes of arguments, and its address in linear memory: for large arguments the host writes the
/// JSON there itself (`TextEncoder.encodeInto`) and then calls `call_bytes`. wasm-bindgen would copy a string
/// argument one UTF-16 unit at a time in JS, and `TextEncoder.encode` allocates a fresh array per call; the copy
/// in place takes 15 µs for 400 KB of metrics (V8 flattening a fresh `JSON.stringify` result comes on top, which is
/// why js/answer.js `argsText` writes a long item list here a slice at a time). Only in the full core: the authorization operations take small arguments, and
/// the authorization core's bytes are budgeted.
#[cfg(any(feature = "client", feature = "intake"))]
#[wasm_bindgen]
pub fn args_buffer(len: usize) -> usize {
    ARGS.with(|cell| {
        let mut buf = cell.borrow_mut();
        // Grown (and zeroed) only when too small: zeroing 400 KB on every call was 3% of a metrics submission.
        if buf.len() < len {
            buf.resize(len, 0);
        }
        buf.as_mut_ptr() as usize
    })
}

/// `call` on the first `len` bytes the host wrote into the `args_buffer`, the answer left in linear memory as UTF-8:
/// the JSON head, then each request body after a NUL (`ops::with_bodies`). Returns the address of the answer's
/// description, `u32`s: [address, length, n, the n NUL offsets]. The host decodes only the head to text, in place,
/// and copies each body out as its own bytes for the compressor and `fetch`. As a `String` the whole answer was
/// decoded to UTF-16 (~0.3 ms for 400 KB of metrics) and encoded back to UTF-8 for gzip; the NULs are given here
/// because `Uint8Array.prototype.indexOf` takes ~0.9 ms to cross 400 KB of body in V8.
/// The answer is kept until the next call. The argument buffer is kept for the next call up to `KEEP_ARGS` bytes; a
/// larger one is freed so one big submission does not pin its memory.
#[cfg(any(feature = "client", feature = "intake"))]
#[wasm_bindgen]
pub fn call_bytes(op: &str, len: usize) -> usize {
    keep_answer(answer_of_buffer(op, len))
}

/// `call_bytes` for arguments small enough to pass as a wasm-bindgen string (the host's threshold is 2048 UTF-16
/// units): a call into `args_buffer` and `encodeInto` cost more than they save there.
#[cfg(any(feature = "client", feature = "intake"))]
#[wasm_bindgen]
pub fn call_bytes_from_str(op: &str, json: &str) -> usize {
    keep_answer(route_answer(op, json))
}

/// `route` with the answer's NUL offsets (`api::call_answer`).
#[cfg(any(feature = "client", feature = "intake"))]
fn route_answer(op: &str, json: &str) -> (String, Vec<usize>) {
    match op {
        "__trap" => (trap(json), Vec::new()),
        _ => crate::api::call_answer(op, json),
    }
}

/// The answer replaces the previous one (freed now, not while the host was still reading it); its description. The
/// NUL offsets come with the answer (`ops::Answer`): searching for them took 1.7% of a 10k-point `encodeMetrics`.
#[cfg(any(feature = "client", feature = "intake"))]
fn keep_answer((answer, nuls): (String, Vec<usize>)) -> usize {
    ANSWER.with(|cell| {
        let mut kept = cell.borrow_mut();
        let (text, desc) = &mut *kept;
        *text = answer;
        desc.clear();
        desc.extend([text.as_ptr() as u32, text.len() as u32, nuls.len() as u32]);
        desc.extend(nuls.iter().map(|&i| i as u32));
        desc.as_ptr() as usize
    })
}

#[cfg(any(feature = "client", feature = "intake"))]
fn answer_of_buffer(op: &str, len: usize) -> (String, Vec<usize>) {
    ARGS.with(|cell| {
        // A trap here leaves the borrow held for good: the host then replaces the whole instance (js/core.js).
        let out = {
            let held = cell.borrow();
            let bytes = held.get(..len).unwrap_or_default();
            match std::str::from_utf8(bytes) {
                Ok(text) => route_answer(op, text),
                Err(_) => (crate::api::call_utf8(op, bytes), Vec::new()),
            }
        };
        let mut buf = cell.borrow_mut();
        if buf.len() > KEEP_ARGS {
            *buf = Vec::new();
        }
        out
    })
}

#[cfg(any(feature = "client", feature = "intake"))]
const KEEP_ARGS: usize = 4 << 20;

#[cfg(any(feature = "client", feature = "intake"))]
thread_local! {
    static ARGS: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    static ANSWER: std::cell::RefCell<(String, Vec<u32>)> = const { std::cell::RefCell::new((String::new(), Vec::new())) };
}
