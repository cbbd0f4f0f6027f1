//! The wasm boundary, and the only module that names wasm_bindgen. One exported function keeps the JS glue
//! tiny: the host passes an operation name and JSON, and gets JSON back (see `api`).

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub fn call(op: &str, json: &str) -> String {
    crate::api::call(op, json)
}
