//! The wasm boundary, and the only module that names wasm_bindgen. One exported function keeps the JS glue
//! tiny: the host passes an operation name and JSON, and gets JSON back (see `api`).

use wasm_bindgen::prelude::*;

// The global allocator of the wasm build: smaller than std's dlmalloc, and allocation is per call anyway.
#[cfg(not(target_feature = "atomics"))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[wasm_bindgen]
pub fn call(op: &str, json: &str) -> String {
    crate::api::call(op, json)
}
