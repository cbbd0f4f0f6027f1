//! The wasm boundary, and the only module that names wasm_bindgen. One operation entry point keeps the JS glue
//! tiny: the host passes an operation name and JSON, and gets JSON back (see `api`). It comes in two forms that
//! differ only in how the JSON text crosses: as a string, or as UTF-8 bytes the host encoded itself.

use wasm_bindgen::prelude::*;

// The global allocator of the wasm build: smaller than std's dlmalloc, and allocation is per call anyway.
#[cfg(not(target_feature = "atomics"))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[wasm_bindgen]
pub fn call(op: &str, json: &str) -> String {
    crate::api::call(op, json)
}

/// `call` for large arguments. wasm-bindgen copies a string argument into memory one UTF-16 unit at a time in JS
/// (1.5 ms for 400 KB of metrics, a sixth of the whole encoding); bytes from `TextEncoder` are copied in one go.
#[wasm_bindgen]
pub fn call_utf8(op: &str, json: &[u8]) -> String {
    crate::api::call_utf8(op, json)
}
