//! The wasm boundary, and the only module that names wasm_bindgen. One operation entry point keeps the JS glue
//! tiny: the host passes an operation name and JSON, and gets JSON back (see `api`). It comes in two forms that
//! differ only in how the JSON text crosses: as a string, or (large arguments) as UTF-8 the host wrote straight
//! into a buffer in linear memory.

use wasm_bindgen::prelude::*;

// The global allocator of the wasm build: smaller than std's dlmalloc, and allocation is per call anyway.
#[cfg(not(target_feature = "atomics"))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[wasm_bindgen]
pub fn call(op: &str, json: &str) -> String {
    crate::api::call(op, json)
}

/// Room for `len` bytes of arguments, and its address in linear memory: for large arguments the host writes the
/// JSON there itself (`TextEncoder.encodeInto`) and then calls `call_buffer`. wasm-bindgen would copy a string
/// argument one UTF-16 unit at a time in JS, and `TextEncoder.encode` allocates a fresh array per call; the copy
/// in place takes 15 µs for 400 KB of metrics (V8 flattening a fresh `JSON.stringify` result, ~0.3 ms, comes on top
/// whichever way it is encoded). Only in the full core: the authorization operations take small arguments, and
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

/// `call` on the first `len` bytes the host wrote into the `args_buffer`. The buffer is kept for the next call up
/// to `KEEP_ARGS` bytes; a larger one is freed so one big submission does not pin its memory.
#[cfg(any(feature = "client", feature = "intake"))]
#[wasm_bindgen]
pub fn call_buffer(op: &str, len: usize) -> String {
    ARGS.with(|cell| {
        let out = crate::api::call_utf8(op, cell.borrow().get(..len).unwrap_or_default());
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
}
